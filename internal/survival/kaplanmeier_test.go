package survival_test

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ketatrack/ketatrack/internal/rgolden"
	"github.com/ketatrack/ketatrack/internal/survival"
)

// The relief files in testdata and, beside each, the curve R computed
// (testdata/survfit.R; R 4.2.2 with survival 3.5-3, named in each file).
var reliefGoldens = []string{
	"relief_ties",     // events and censorings on the same day, a 0-day period, two periods of one patient
	"relief_half",     // the curve sits at exactly 0.5: median is the midpoint (20 + 30)/2 = 25
	"relief_censored", // no event: no median; BOM and CRLF
	"relief_zero",     // the last observation is an event: S = 0, its limits NA; columns reordered
	"relief_goldberg", // the synthetic Goldberg-like relief periods (package cohort, seed 1)
}

func tolerance(path string) rgolden.Tolerance {
	return rgolden.Tolerance{Relative: 1e-9, Absolute: 1e-12}
}

func curveOf(t *testing.T, path string) any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	periods, err := survival.ReadReliefCSV(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b, err := json.Marshal(survival.KaplanMeier(survival.Observations(periods)))
	if err != nil {
		t.Fatal(err)
	}
	v, err := rgolden.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestKaplanMeierMatchesR(t *testing.T) {
	rgolden.CheckGoldens(t, reliefGoldens, curveOf, tolerance)
}

func TestGoldensRecomputedByR(t *testing.T) {
	rgolden.CheckRecomputed(t, "testdata/survfit.R", reliefGoldens)
}

// A closed form, independent of R: with no censoring the Kaplan–Meier
// estimate is the empirical survival function, and Greenwood's variance of
// log S reduces to Σ d/(n(n−d)); for times 1, 2, 3, 4 (one event each):
// S = 3/4, 1/2, 1/4, 0; var(log S) at t = 2 is 1/(4·3) + 1/(3·2) = 1/4.
func TestKaplanMeierClosedForm(t *testing.T) {
	c := survival.KaplanMeier([]survival.Observation{{Time: 3, Event: true}, {Time: 1, Event: true}, {Time: 4, Event: true}, {Time: 2, Event: true}})
	wantS := []float64{0.75, 0.5, 0.25, 0}
	for i, p := range c.Points {
		if math.Abs(p.Survival-wantS[i]) > 1e-15 {
			t.Errorf("S(%v) = %v, want %v", p.Day, p.Survival, wantS[i])
		}
	}
	if got := c.Points[1].StdErr; math.Abs(got-0.5) > 1e-15 {
		t.Errorf("se(log S(2)) = %v, want 0.5", got)
	}
	// z = qnorm(0.975) = 1.959963984540054 (R); lower = 0.5·exp(−z·0.5).
	wantLower := 0.5 * math.Exp(-1.959963984540054*0.5)
	if got := *c.Points[1].Lower; math.Abs(got-wantLower) > 1e-14 {
		t.Errorf("lower(2) = %v, want %v", got, wantLower)
	}
	if c.MedianDays == nil || *c.MedianDays != 2.5 {
		t.Errorf("median = %v, want 2.5 (midpoint of 2 and 3, where S is exactly 1/2)", c.MedianDays)
	}
	if c.Points[3].Lower != nil || c.Points[3].Upper != nil {
		t.Error("limits at S = 0 must be NA (nil)")
	}
}

func TestReadReliefCSVErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "line 1: empty file"},
		{"bad header", "patient_id,start,stop,relapsed\n", "line 1, column 3 (stop): unknown column"},
		{"missing column", "patient_id,start,end\n", "line 1: header lacks the relapsed column"},
		{"duplicate column", "patient_id,start,end,end\n", "line 1, column 4 (end): column appears twice"},
		{"bad date", "patient_id,start,end,relapsed\nP,2024-01-01,2024-13-01,1\n", `line 2, column 3 (end): "2024-13-01" is not a date`},
		{"slashed date", "patient_id,start,end,relapsed\nP,01/02/2024,2024-03-01,1\n", `line 2, column 2 (start): "01/02/2024" is not a date`},
		{"end before start", "patient_id,start,end,relapsed\nP,2024-02-01,2024-01-01,1\n", "line 2, column 3 (end): 2024-01-01 is before start 2024-02-01"},
		{"relapsed", "patient_id,start,end,relapsed\nP,2024-01-01,2024-02-01,yes\n", `line 2, column 4 (relapsed): "yes": expected 1`},
		{"fields", "patient_id,start,end,relapsed\nP,2024-01-01,2024-02-01\n", "line 2: 3 fields, but the header has 4"},
		{"empty id", "patient_id,start,end,relapsed\n,2024-01-01,2024-02-01,1\n", "line 2, column 1 (patient_id): empty patient identifier"},
		{"overlap", "patient_id,start,end,relapsed\nP,2024-01-01,2024-02-01,1\nQ,2024-01-01,2024-02-01,1\nP,2024-01-20,2024-03-01,0\n", `line 4: patient "P" has relief periods that overlap (lines 2 and 4)`},
		{"same start", "patient_id,start,end,relapsed\nP,2024-01-01,2024-01-01,1\nP,2024-01-01,2024-02-01,0\n", "line 3: patient \"P\" has relief periods that overlap"},
		{"quote", "patient_id,start,end,relapsed\nP\"x,2024-01-01,2024-02-01,1\n", "line 2: character 2: bare \" in non-quoted-field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := survival.ReadReliefCSV(strings.NewReader(tt.in))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error %v, want prefix %q", err, tt.want)
			}
		})
	}
}

// Back-to-back periods (the next starting the day the last one ended) are
// allowed, and round-trip through WriteReliefCSV.
func TestReliefCSVRoundTrip(t *testing.T) {
	in := "patient_id,start,end,relapsed\nP,2024-01-01,2024-02-01,1\nP,2024-02-01,2024-04-01,0\n"
	periods, err := survival.ReadReliefCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if periods[0].Days() != 31 || periods[1].Days() != 60 {
		t.Errorf("days %d, %d, want 31, 60", periods[0].Days(), periods[1].Days())
	}
	var out strings.Builder
	if err := survival.WriteReliefCSV(&out, periods); err != nil {
		t.Fatal(err)
	}
	if out.String() != in {
		t.Errorf("round trip:\n%s\nwant\n%s", out.String(), in)
	}
}

func FuzzReadReliefCSV(f *testing.F) {
	for _, name := range reliefGoldens[:4] {
		b, err := os.ReadFile(filepath.Join("testdata", name+".csv"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("patient_id,start,end,relapsed\nP,2024-02-29,2024-02-29,0\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		periods, err := survival.ReadReliefCSV(strings.NewReader(string(b)))
		if err != nil {
			var pe *survival.ParseError
			if !errors.As(err, &pe) || pe.Line < 1 {
				t.Fatalf("error is not a *ParseError with a line: %v", err)
			}
			return
		}
		for _, p := range periods {
			if err := p.Validate(); err != nil {
				t.Fatalf("accepted an invalid period: %v", err)
			}
		}
		var out strings.Builder
		if err := survival.WriteReliefCSV(&out, periods); err != nil {
			t.Fatal(err)
		}
		again, err := survival.ReadReliefCSV(strings.NewReader(out.String()))
		if err != nil {
			t.Fatalf("re-reading what was written: %v", err)
		}
		if len(again) != len(periods) {
			t.Fatalf("round trip: %d periods, want %d", len(again), len(periods))
		}
		for i := range again {
			if again[i] != periods[i] {
				t.Fatalf("round trip: %+v, want %+v", again[i], periods[i])
			}
		}
		survival.KaplanMeier(survival.Observations(periods))
	})
}
