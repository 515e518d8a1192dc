package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ketatrack/ketatrack/internal/rgolden"
)

// analyze --json on each journal in internal/outcomes/testdata must print
// the document R computed for it (testdata/analyze.R there), with exactly
// the contract's keys (rgolden.Compare reports missing and extra keys).
func TestAnalyzeJSONMatchesRGoldens(t *testing.T) {
	dir := filepath.Join("..", "..", "internal", "outcomes", "testdata")
	for _, name := range []string{"journal_small", "journal_exact", "journal_approx", "journal_unbalanced", "journal_goldberg"} {
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, "", "analyze", filepath.Join(dir, name+".csv"), "--json")
			if code != exitOK {
				t.Fatalf("status %d, stderr %s", code, stderr)
			}
			if strings.Count(stdout, "\n") != 1 {
				t.Errorf("--json must print one JSON document on one line")
			}
			got, err := rgolden.Decode([]byte(stdout))
			if err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(filepath.Join(dir, name+".golden.json"))
			if err != nil {
				t.Fatal(err)
			}
			want, err := rgolden.Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			tol := func(path string) rgolden.Tolerance {
				if strings.HasSuffix(path, ".p") {
					return rgolden.Tolerance{Relative: 1e-6, Absolute: 1e-15}
				}
				return rgolden.Tolerance{Relative: 1e-9, Absolute: 1e-12}
			}
			for _, d := range rgolden.Compare(got, want.(map[string]any)["report"], tol, nil) {
				t.Error(d)
			}
		})
	}
}

const journalHeader = "patient_id,day,pain_now,pain_worst,pain_least,pain_24h,affective,burning,aching,punishing,movement,relief_pct"

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Malformed journals exit 2 with one line on stderr naming line and column.
func TestAnalyzeBadFiles(t *testing.T) {
	tests := []struct {
		name, content, want string
	}{
		{"empty file", "", "line 1: empty file"},
		{"bad header", "patient,day,pain_now\nP1,1,5\n", "line 1, column 1 (patient): unknown column"},
		{"out of range", journalHeader + "\nP1,1,5,12,,,,,,,,\n", `line 2, column 4 (pain_worst): "12" is out of range 0–10`},
		{"duplicate patient-day", journalHeader + "\nP1,1,5,,,,,,,,,\nP1,1,6,,,,,,,,,\n", `line 3: patient "P1" has a second row for day 1 (the first is on line 2)`},
		{"non-integer day", journalHeader + "\nP1,2.5,5,,,,,,,,,\n", `line 2, column 2 (day): "2.5" is not a whole day number`},
		{"header only", journalHeader + "\n", "line 2: no journal rows after the header"},
		{"BOM and CRLF with a bad value", "\xef\xbb\xbf" + journalHeader + "\r\nP1,1,5,,,,,,,,,\r\nP1,2,x,,,,,,,,,\r\n", `line 3, column 3 (pain_now): "x": not a number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "journal.csv", tt.content)
			code, stdout, stderr := runCmd(t, "", "analyze", path, "--json")
			if code != exitBadInput {
				t.Errorf("status %d, want %d", code, exitBadInput)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			if !strings.HasPrefix(stderr, "ketatrack analyze: "+path+": ") || !strings.Contains(stderr, tt.want) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("stderr %q, want one line with %q", stderr, tt.want)
			}
		})
	}
	code, _, stderr := runCmd(t, "", "analyze", filepath.Join(t.TempDir(), "nope.csv"))
	if code != exitBadInput || !strings.Contains(stderr, "no such file") {
		t.Errorf("missing file: status %d, stderr %q", code, stderr)
	}
	code, _, stderr = runCmd(t, "", "analyze")
	if code != exitBadInput || !strings.Contains(stderr, "FILE") {
		t.Errorf("no file: status %d, stderr %q", code, stderr)
	}
}

// A UTF-8 BOM and CRLF line ends are accepted; "-" reads stdin; the text
// report shows the tables and the tests.
func TestAnalyzeStdinBOMAndCRLF(t *testing.T) {
	in := "\xef\xbb\xbfpatient_id,day,pain_24h\r\nA,1,8\r\nA,2,4\r\nB,1,6\r\nB,2,6\r\nC,1,9\r\nC,2,5\r\n"
	code, stdout, stderr := runCmd(t, in, "analyze", "-")
	if code != exitOK {
		t.Fatalf("status %d, stderr %s", code, stderr)
	}
	// Day 1: 8, 6, 9 → mean 7.667, median 8 (IQR 7–8.5); responders: A
	// −50 %, B 0 %, C −44 % → ≥ 30 %: 2 of 3.
	for _, want := range []string{"3 patients", "pain_24h", "7.667 ± 1.528", "8 (7–8.5)", "≥ 30 % reduction 66.67 %", "≥ 50 % 33.33 %"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("text report lacks %q:\n%s", want, stdout)
		}
	}
}
