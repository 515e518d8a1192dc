package pk

import (
	"math"
	"strings"
	"testing"
	"time"
)

// A racemic dose split 50/50 into R- and S-ketamine: each enantiomer must
// equal the one-compartment closed form for half of every dose, and the
// total output their sum, at every time, through the exact engine.
func TestRacemateSplitMatchesClosedForms(t *testing.T) {
	m, err := Lookup("hasan-2021-rs")
	if err != nil {
		t.Fatal(err)
	}
	sys, err := m.System(70, nil)
	if err != nil {
		t.Fatal(err)
	}
	doses := []Dose{
		{BolusMg: 20},
		{Start: 30 * time.Minute, Duration: 4 * time.Hour, RateMgH: 40},
		{Start: 24 * time.Hour, Duration: 5 * time.Hour, RateMgH: 25},
		{Start: 26 * time.Hour, BolusMg: 10},
	}
	half := make([]Dose, len(doses))
	for i, d := range doses {
		half[i] = Dose{Start: d.Start, Duration: d.Duration, RateMgH: d.RateMgH / 2, BolusMg: d.BolusMg / 2}
	}
	res, err := Simulate(sys, doses, Grid{Step: 15 * time.Minute, Until: 48 * time.Hour}, 0)
	if err != nil {
		t.Fatal(err)
	}
	col := map[string][]float64{}
	for k, n := range res.Names {
		col[n] = res.Values[k]
	}
	kR, vR := 1.53*60/807.9, 807.9
	kS, vS := 1.62*60/729.2, 729.2
	worst := 0.0
	for i, h := range res.TimesH {
		r := oneCptClosed(kR, vR, half, h)
		s := oneCptClosed(kS, vS, half, h)
		for _, c := range []struct {
			name string
			want float64
		}{{"r_ketamine_ng_mL", r}, {"s_ketamine_ng_mL", s}, {"ketamine_ng_mL", r + s}} {
			got := col[c.name][i]
			if c.want == 0 {
				continue
			}
			rel := math.Abs(got-c.want) / c.want
			worst = max(worst, rel)
			if rel > 1e-10 {
				t.Fatalf("%s at %.2f h: %.12g, closed form %.12g", c.name, h, got, c.want)
			}
		}
	}
	t.Logf("worst relative error against the closed forms: %.2g", worst)
}

func TestSumStateChecks(t *testing.T) {
	base := `id: x
name: x
drug: racemic
source: s
validated: false
validation_note: n
population: {description: d}
population_iiv: false
iiv_note: n
states: [a, b, t]
dose_state: a
dose_split: [a, b]
virtual: [t]
volumes: {a: V, b: V}
flows:
  - {from: a, clearance: CL}
  - {from: b, clearance: CL}
outputs:
  ketamine_ng_mL: {state: t, volume: V}
parameters:
  - {name: V, value: 10, unit: L, source: s}
  - {name: CL, value: 1, unit: L/h, source: s}
`
	good := base + "sums:\n  - {state: t, volume: V, of: [{state: a, volume: V}, {state: b, volume: V}]}\n"
	if _, err := ParseModel([]byte(good)); err != nil {
		t.Fatalf("good model refused: %v", err)
	}
	for name, tc := range map[string]struct{ yaml, want string }{
		"sum not virtual": {strings.Replace(good, "virtual: [t]", "virtual: []", 1), "virtual"},
		"one term":        {base + "sums:\n  - {state: t, volume: V, of: [{state: a, volume: V}]}\n", "two or more"},
		"split not dose":  {strings.Replace(good, "dose_split: [a, b]", "dose_split: [b, a]", 1), "dose_split"},
		"split repeated":  {strings.Replace(good, "dose_split: [a, b]", "dose_split: [a, a]", 1), "dose_split"},
	} {
		_, err := ParseModel([]byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", name, err, tc.want)
		}
	}
}
