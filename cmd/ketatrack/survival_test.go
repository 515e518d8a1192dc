package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ketatrack/ketatrack/internal/rgolden"
)

// survival --json on each relief file in internal/survival/testdata must
// print the curve R's survfit computed for it (testdata/survfit.R there).
func TestSurvivalJSONMatchesRGoldens(t *testing.T) {
	dir := filepath.Join("..", "..", "internal", "survival", "testdata")
	for _, name := range []string{"relief_ties", "relief_half", "relief_censored", "relief_zero", "relief_goldberg"} {
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, "", "survival", filepath.Join(dir, name+".csv"), "--json")
			if code != exitOK {
				t.Fatalf("status %d, stderr %s", code, stderr)
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
			tol := func(string) rgolden.Tolerance { return rgolden.Tolerance{Relative: 1e-9, Absolute: 1e-12} }
			for _, d := range rgolden.Compare(got, want.(map[string]any)["report"], tol, nil) {
				t.Error(d)
			}
		})
	}
}

func TestSurvivalBadFiles(t *testing.T) {
	tests := []struct {
		name, content, want string
	}{
		{"empty file", "", "line 1: empty file"},
		{"bad header", "patient_id,begin,end,relapsed\n", "line 1, column 2 (begin): unknown column"},
		{"bad date", "patient_id,start,end,relapsed\nP,2024-02-30,2024-03-01,1\n", `line 2, column 2 (start): "2024-02-30" is not a date YYYY-MM-DD`},
		{"end before start", "patient_id,start,end,relapsed\r\nP,2024-03-01,2024-02-01,0\r\n", "line 2, column 3 (end): 2024-02-01 is before start 2024-03-01"},
		{"relapsed", "\xef\xbb\xbfpatient_id,start,end,relapsed\nP,2024-01-01,2024-02-01,2\n", `line 2, column 4 (relapsed): "2"`},
		{"header only", "patient_id,start,end,relapsed\n", "line 2: no relief periods after the header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "relief.csv", tt.content)
			code, stdout, stderr := runCmd(t, "", "survival", path, "--json")
			if code != exitBadInput || stdout != "" {
				t.Errorf("status %d stdout %q, want %d and nothing", code, stdout, exitBadInput)
			}
			if !strings.Contains(stderr, tt.want) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("stderr %q, want one line with %q", stderr, tt.want)
			}
		})
	}
}

func TestSurvivalText(t *testing.T) {
	in := "patient_id,start,end,relapsed\nH1,2024-05-01,2024-05-11,1\nH2,2024-05-01,2024-05-21,1\nH3,2024-05-01,2024-05-31,1\nH4,2024-05-01,2024-06-10,1\n"
	code, stdout, stderr := runCmd(t, in, "survival", "-")
	if code != exitOK {
		t.Fatalf("status %d, stderr %s", code, stderr)
	}
	// Survival 3/4, 1/2, 1/4, 0 at days 10, 20, 30, 40: the curve sits at
	// 1/2 from day 20 to 30, so the median is 25 (survfit's rule).
	for _, want := range []string{"n = 4, relapses = 4", "Median relief: 25 days (95 % CI 10 to not reached)", "0.5000"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("text lacks %q:\n%s", want, stdout)
		}
	}
}
