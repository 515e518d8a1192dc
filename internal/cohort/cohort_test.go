package cohort

import (
	"bytes"
	"flag"
	"math"
	"os"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/outcomes"
	"github.com/ketatrack/ketatrack/internal/survival"
)

var update = flag.Bool("update", false, "rewrite the Goldberg-like CSV files in ../outcomes/testdata and ../survival/testdata")

// The fitted rating distributions must have exactly Goldberg's moments
// (003: e.g. worst pain 8.77 ± 1.33 on day 1).
func TestFitDiscreteNormalReproducesMoments(t *testing.T) {
	for _, an := range goldbergAnchors {
		for _, m := range []moment{an.day1, an.day10} {
			d, err := fitDiscreteNormal(m.mean, m.sd, int(an.measure.Max()/100))
			if err != nil {
				t.Fatalf("%s: %v", an.measure, err)
			}
			mean, sd := d.moments()
			if math.Abs(mean-m.mean) > 1e-9 || math.Abs(sd-m.sd) > 1e-9 {
				t.Errorf("%s: fitted %.6f ± %.6f, want %v ± %v", an.measure, mean, sd, m.mean, m.sd)
			}
		}
	}
}

// A large generated cohort must show Goldberg's means and SDs on days 1 and
// 10 within sampling error (20,000 patients: standard error of a mean
// ≤ 28/√20000 ≈ 0.2 for relief, ≤ 0.02 for 0–10 ratings), computed by
// outcomes.Analyze — an independent path from the fitting above.
func TestJournalMatchesGoldbergMoments(t *testing.T) {
	rows, err := Journal(JournalConfig{Patients: 20000, Days: 10, Seed: 7, IDPrefix: "T"})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := outcomes.Analyze(rows)
	if err != nil {
		t.Fatal(err)
	}
	for _, an := range goldbergAnchors {
		days := rep.Measures[an.measure].Days
		for _, c := range []struct {
			got  outcomes.DaySummary
			want moment
		}{{days[0], an.day1}, {days[9], an.day10}} {
			se := math.Max(c.want.sd, 0.01) / math.Sqrt(float64(c.got.N))
			if math.Abs(c.got.Mean-c.want.mean) > 4*se {
				t.Errorf("%s day %d: mean %.3f, want %v (4 SE = %.3f)", an.measure, c.got.Day, c.got.Mean, c.want.mean, 4*se)
			}
			sd := 0.0
			if c.got.SD != nil {
				sd = *c.got.SD
			}
			if math.Abs(sd-c.want.sd) > 0.05*c.want.sd+1e-9 {
				t.Errorf("%s day %d: sd %.3f, want %v", an.measure, c.got.Day, sd, c.want.sd)
			}
		}
	}
	// Goldberg reports no affective, burning or aching figures: left empty.
	for _, m := range []outcomes.Measure{outcomes.Affective, outcomes.Burning, outcomes.Aching} {
		if _, ok := rep.Measures[m]; ok {
			t.Errorf("%s has values; Goldberg reports none", m)
		}
	}
	// Patient effects make pain on day 1 and day 10 correlated, so the
	// repeated-measures test sees the decline Goldberg found (p < 0.001).
	if p := rep.Measures[outcomes.PainWorst].Friedman.P; p == nil || *p > 1e-3 {
		t.Errorf("Friedman p for worst pain = %v, want < 0.001", p)
	}
}

func TestJournalIsReproducible(t *testing.T) {
	a, err := Journal(GoldbergConfig(1))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Journal(GoldbergConfig(1))
	c, _ := Journal(GoldbergConfig(2))
	if len(a) != 400 {
		t.Fatalf("%d rows, want 40 patients × 10 days", len(a))
	}
	same := func(x, y []outcomes.JournalRow) bool {
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	}
	if !same(a, b) {
		t.Error("the same seed gave different journals")
	}
	if same(a, c) {
		t.Error("different seeds gave the same journal")
	}
	for i := range a {
		if err := a[i].Validate(); err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
	}
}

func TestReliefFollowsGoldberg(t *testing.T) {
	start := time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC)
	periods, err := Relief(GoldbergReliefConfig(1, start))
	if err != nil {
		t.Fatal(err)
	}
	// 003: 4 back by 2 weeks, 25 with relief 6–9 weeks, 8 for 11–12
	// weeks, 3 free at 15 months.
	var early, six, eleven, censored int
	for _, p := range periods {
		d := p.Days()
		switch {
		case !p.Relapsed:
			censored++
			if p.End != p.Start.AddDate(0, 15, 0) {
				t.Errorf("%s censored on %v, want 15 months after %v", p.Patient, p.End, p.Start)
			}
		case d >= 1 && d <= 14:
			early++
		case d >= 42 && d <= 63:
			six++
		case d >= 77 && d <= 84:
			eleven++
		default:
			t.Errorf("%s: %d days fits no Goldberg group", p.Patient, d)
		}
	}
	if early != 4 || six != 25 || eleven != 8 || censored != 3 {
		t.Errorf("groups %d/%d/%d/%d, want 4/25/8/3", early, six, eleven, censored)
	}
	c := survival.KaplanMeier(survival.Observations(periods))
	if c.MedianDays == nil || *c.MedianDays < 42 || *c.MedianDays > 63 {
		t.Errorf("median relief %v days, want within Goldberg's 6–9 weeks", c.MedianDays)
	}
	if got := allot(7); len(got) != 7 {
		t.Errorf("allot(7) gave %d", len(got))
	}
}

// The Goldberg-like CSV files that the outcomes and survival goldens were
// computed from must be what the generator makes (run with -update to
// rewrite them after a deliberate change, then rerun the R scripts).
func TestGoldbergFilesAreGenerated(t *testing.T) {
	rows, err := Journal(GoldbergConfig(1))
	if err != nil {
		t.Fatal(err)
	}
	var journal bytes.Buffer
	if err := outcomes.WriteJournalCSV(&journal, rows); err != nil {
		t.Fatal(err)
	}
	periods, err := Relief(ReliefConfig{Patients: 40, Seed: 1, Start: time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC), EnrolmentDays: 120, IDPrefix: "G"})
	if err != nil {
		t.Fatal(err)
	}
	var relief bytes.Buffer
	if err := survival.WriteReliefCSV(&relief, periods); err != nil {
		t.Fatal(err)
	}
	for path, data := range map[string][]byte{
		"../outcomes/testdata/journal_goldberg.csv": journal.Bytes(),
		"../survival/testdata/relief_goldberg.csv":  relief.Bytes(),
	} {
		if *update {
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		committed, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(committed, data) {
			t.Errorf("%s differs from the generator's output (seed 1)", path)
		}
	}
}
