package main

import (
	"bytes"
	"context"
	"flag"
	"reflect"
	"strings"
	"testing"
)

// runCmd runs ketatrack in-process with the given stdin and returns the exit
// status, stdout and stderr.
func runCmd(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	e := &env{
		Stdin:  strings.NewReader(stdin),
		Stdout: &out,
		Stderr: &errOut,
		Getenv: func(string) string { return "" },
	}
	code := run(context.Background(), e, args)
	return code, out.String(), errOut.String()
}

func TestRunWithoutCommand(t *testing.T) {
	code, _, stderr := runCmd(t, "")
	if code != exitBadInput {
		t.Errorf("status = %d, want %d", code, exitBadInput)
	}
	if !strings.Contains(stderr, "Usage: ketatrack COMMAND") {
		t.Errorf("stderr does not show usage: %q", stderr)
	}
}

func TestUnknownCommand(t *testing.T) {
	code, _, stderr := runCmd(t, "", "frobnicate")
	if code != exitBadInput || !strings.Contains(stderr, `unknown command "frobnicate"`) {
		t.Errorf("status %d, stderr %q", code, stderr)
	}
}

// Every registered command must answer --help with its synopsis and exit 0.
func TestEveryCommandHasHelp(t *testing.T) {
	for name, c := range commands {
		t.Run(name, func(t *testing.T) {
			if c.Synopsis == "" || c.Summary == "" {
				t.Fatalf("command %q lacks a synopsis or summary", name)
			}
			code, stdout, _ := runCmd(t, "", name, "--help")
			if code != exitOK {
				t.Errorf("status = %d, want 0", code)
			}
			if !strings.Contains(stdout, "Usage: ketatrack "+c.Synopsis) {
				t.Errorf("help output lacks synopsis: %q", stdout)
			}
		})
	}
}

func TestParseFlagsInterspersed(t *testing.T) {
	tests := []struct {
		args     []string
		wantPos  []string
		wantJSON bool
	}{
		{[]string{"show", "goldberg-2005", "--json"}, []string{"show", "goldberg-2005"}, true},
		{[]string{"--json", "show", "x"}, []string{"show", "x"}, true},
		{[]string{"show", "--", "--json"}, []string{"show", "--json"}, false},
		{nil, nil, false},
	}
	for _, tt := range tests {
		e := &env{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}
		c := &command{Name: "x", Synopsis: "x", Summary: "x"}
		fs := newFlagSet(e, c)
		asJSON := fs.Bool("json", false, "print JSON")
		pos, err := parseFlags(e, fs, tt.args)
		if err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		if !reflect.DeepEqual(pos, tt.wantPos) || *asJSON != tt.wantJSON {
			t.Errorf("%v: positional %v json %v, want %v %v", tt.args, pos, *asJSON, tt.wantPos, tt.wantJSON)
		}
	}
}

func TestParseFlagsHelp(t *testing.T) {
	var out bytes.Buffer
	e := &env{Stdout: &out, Stderr: &bytes.Buffer{}}
	fs := newFlagSet(e, &command{Name: "x", Synopsis: "x [--json]", Summary: "does x"})
	fs.Bool("json", false, "print JSON")
	_, err := parseFlags(e, fs, []string{"--help"})
	if err != flag.ErrHelp || flagStatus(err) != exitOK {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(out.String(), "print JSON") {
		t.Errorf("help lacks flag text: %q", out.String())
	}
}

// --help prints the usage once, on stdout; stderr stays empty.
func TestHelpPrintedOnce(t *testing.T) {
	for name := range commands {
		code, stdout, stderr := runCmd(t, "", name, "--help")
		if code != exitOK || strings.Count(stdout, "Usage: ketatrack") != 1 || stderr != "" {
			t.Errorf("%s --help: status %d, %d usages on stdout, stderr %q", name, code, strings.Count(stdout, "Usage: ketatrack"), stderr)
		}
	}
}

func TestHeadline(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Run the web UI and JSON API; SIGTERM finishes in-flight requests, then exits 0.", "Run the web UI and JSON API"},
		{"Create a clinic (for a real clinic; --demo is for trying). The password is printed.", "Create a clinic (for a real clinic; --demo is for trying)"},
		{"Apply the migrations.", "Apply the migrations"},
		{"List 0.35mg/kg/h rates", "List 0.35mg/kg/h rates"},
	}
	for _, tt := range tests {
		if got := headline(tt.in); got != tt.want {
			t.Errorf("headline(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
