package pk

import (
	"context"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"
)

// quantile7 is R's quantile(x, p, type = 7) on a sorted copy.
func quantile7(x []float64, p float64) float64 {
	s := append([]float64(nil), x...)
	sort.Float64s(s)
	h := float64(len(s)-1) * p
	k := int(h)
	if k+1 >= len(s) {
		return s[k]
	}
	return s[k] + (h-float64(k))*(s[k+1]-s[k])
}

// The bracketing tracker gives R's type-7 percentiles row after row, both
// when its brackets hold and when rows change order completely.
func TestBandTrackerMatchesSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 5, 63, 64, 65, 100, 1000, 10001} {
		var bt bandTracker
		base := make([]float64, n)
		for i := range base {
			base[i] = rng.ExpFloat64()
		}
		for row := 0; row < 40; row++ {
			a := make([]float64, n)
			for i := range a {
				switch {
				case row == 0:
					a[i] = 0 // all equal, as at t = 0
				case row%10 == 5:
					a[i] = rng.ExpFloat64() // a new order
				case row%10 == 7:
					a[i] = math.Round(base[i] * 3) // many ties
				default:
					// slow drift: nearly the same order as the previous row
					base[i] *= 1 + 0.02*rng.NormFloat64()
					a[i] = base[i]
				}
			}
			q := bt.next(a)
			for j, p := range bandQuantiles {
				if want := quantile7(a, p); q[j] != want && relErr(q[j], want) > 1e-15 {
					t.Fatalf("n=%d row=%d: percentile %v = %v, want %v", n, row, p, q[j], want)
				}
			}
		}
	}
}

// schwartzman is 0.35 mg/kg/h for 4 h on each of 10 consecutive days
// (shared/CLINICAL.md, schwartzman-2009, from seed 001_db080c63fd53018a.txt).
func schwartzman(weightKg float64) []Dose {
	var d []Dose
	for day := 0; day < 10; day++ {
		d = append(d, Dose{Start: time.Duration(day) * 24 * time.Hour, Duration: 4 * time.Hour, RateMgH: 0.35 * weightKg})
	}
	return d
}

// The population engine's percentiles equal those of the same patients
// simulated one by one with the single-subject engine and sorted.
func TestPopulationMatchesIndividuals(t *testing.T) {
	m, err := Lookup("fanta-otto-s")
	if err != nil {
		t.Fatal(err)
	}
	checkPopulationMatchesIndividuals(t, m)
}

// The same for a racemate split into two enantiomers with a total output,
// through the modal kernel (distinct R and S rates) and through the dense
// fallback (identical rates: a repeated eigenvalue).
func TestPopulationMatchesIndividualsSplitDose(t *testing.T) {
	modal := splitModelYAML
	// An effect site linked to r at exactly r's elimination rate makes a
	// defective (Jordan) block, which the modal form refuses: the dense
	// fallback runs.
	dense := strings.NewReplacer(
		"states: [r, s, total]", "states: [r, s, total, eff]",
		"virtual: [total]", "virtual: [total, eff]",
		"  - {from: s, clearance: CLS}\n", "  - {from: s, clearance: CLS}\n  - {from: r, to: eff, rate: KE0, link: true}\n",
		"{name: CLR, value: 1.53, unit: L/min, omega2: 0.09, source: test}", "{name: CLR, value: 1.53, unit: L/min, source: test}",
		"{name: CLS, value: 1.62, unit: L/min, source: test}", "{name: CLS, value: 1.62, unit: L/min, omega2: 0.09, source: test}\n  - {name: KE0, value: 0.11475, unit: 1/h, source: test}",
	).Replace(splitModelYAML)
	for name, y := range map[string]string{"modal": modal, "dense": dense} {
		t.Run(name, func(t *testing.T) {
			m, err := ParseModel([]byte(y))
			if err != nil {
				t.Fatal(err)
			}
			sys, err := m.System(70, nil)
			if err != nil {
				t.Fatal(err)
			}
			var ms modalScratch
			if _, _, _, ok := ms.modalForm(sys); ok != (name == "modal") {
				t.Fatalf("modal form accepted = %v", ok)
			}
			checkPopulationMatchesIndividuals(t, m)
		})
	}
}

const splitModelYAML = `id: split-test
name: split test
drug: racemic
source: test
validated: false
validation_note: test model
population: {description: test}
population_iiv: true
iiv_note: test
states: [r, s, total]
dose_state: r
dose_split: [r, s]
virtual: [total]
sums:
  - {state: total, volume: VR, of: [{state: r, volume: VR}, {state: s, volume: VS}]}
volumes: {r: VR, s: VS}
flows:
  - {from: r, clearance: CLR}
  - {from: s, clearance: CLS}
outputs:
  ketamine_ng_mL: {state: total, volume: VR}
  r_ketamine_ng_mL: {state: r, volume: VR}
parameters:
  - {name: CLR, value: 1.53, unit: L/min, omega2: 0.09, source: test}
  - {name: CLS, value: 1.62, unit: L/min, source: test}
  - {name: VR, value: 800, unit: L, source: test}
  - {name: VS, value: 800, unit: L, source: test}
`

func checkPopulationMatchesIndividuals(t *testing.T, m *Model) {
	t.Helper()
	const n, seed = 150, 42
	grid := Grid{Step: 30 * time.Minute, Until: 72 * time.Hour}
	doses := append(schwartzman(70)[:3], Dose{Start: 50 * time.Hour, BolusMg: 10}, Dose{Start: 7 * time.Minute, Duration: 33 * time.Minute, RateMgH: 5})
	pop, err := SimulatePopulation(context.Background(), PopulationSpec{Model: m, WeightKg: 70, Doses: doses, Grid: grid, N: n, Seed: seed, Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	series := make([][][]float64, len(pop.Names)) // [output][patient][time]
	for p := 0; p < n; p++ {
		sys, err := m.System(70, m.PatientEta(seed, p))
		if err != nil {
			t.Fatal(err)
		}
		r, err := Simulate(sys, doses, grid, 0)
		if err != nil {
			t.Fatal(err)
		}
		for k := range pop.Names {
			series[k] = append(series[k], r.Values[k])
		}
	}
	worst := 0.0
	for k := range pop.Names {
		for i := range pop.TimesH {
			col := make([]float64, n)
			for p := 0; p < n; p++ {
				col[p] = series[k][p][i]
			}
			b := pop.Bands[k]
			for j, q := range []float64{0.05, 0.5, 0.95} {
				got := []float64{b.P5[i], b.P50[i], b.P95[i]}[j]
				want := quantile7(col, q)
				if want > 1e-9 {
					worst = math.Max(worst, relErr(got, want))
				}
			}
		}
	}
	if worst > 1e-10 {
		t.Errorf("worst relative difference from one-by-one simulation: %g", worst)
	}
}

// The same seed gives the same population whatever the number of workers.
func TestPopulationReproducible(t *testing.T) {
	m, _ := Lookup("simons-2022-s")
	spec := PopulationSpec{Model: m, WeightKg: 70, Doses: schwartzman(70)[:2], Grid: Grid{Step: 10 * time.Minute, Until: 48 * time.Hour}, N: 300, Seed: 7}
	spec.Workers = 1
	a, err := SimulatePopulation(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	spec.Workers = 5
	b, err := SimulatePopulation(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	for k := range a.Bands {
		for i := range a.TimesH {
			if a.Bands[k].P50[i] != b.Bands[k].P50[i] || a.Bands[k].P5[i] != b.Bands[k].P5[i] || a.Bands[k].P95[i] != b.Bands[k].P95[i] {
				t.Fatalf("output %s differs at %v h between 1 and 5 workers", a.Names[k], a.TimesH[i])
			}
		}
	}
	spec.Seed = 8
	c, _ := SimulatePopulation(context.Background(), spec)
	if c.Bands[0].P50[60] == a.Bands[0].P50[60] {
		t.Errorf("a different seed gave the same median")
	}
}

// The sampled η have the covariance the source reports (Otto 2021 Table 3:
// ω²(V1) 0.084, ω²(CL) 0.026, cov 0.023), within sampling error.
func TestPatientEtaCovariance(t *testing.T) {
	m, _ := Lookup("fanta-otto-s")
	names := m.IIVNames()
	pos := map[string]int{}
	for i, n := range names {
		pos[n] = i
	}
	const n = 40000
	var sv, sc, scv float64
	for p := 0; p < n; p++ {
		e := m.PatientEta(99, p)
		v, c := e[pos["V1"]], e[pos["CL"]]
		sv += v * v
		sc += c * c
		scv += v * c
	}
	for _, tc := range []struct {
		name      string
		got, want float64
	}{{"omega2 V1", sv / n, 0.084}, {"omega2 CL", sc / n, 0.026}, {"cov V1-CL", scv / n, 0.023}} {
		// standard error of a variance estimate ≈ want·sqrt(2/n) ≈ 0.7 %
		if math.Abs(tc.got-tc.want) > 0.05*tc.want {
			t.Errorf("%s = %.4f, want %.4f", tc.name, tc.got, tc.want)
		}
	}
}

func TestPopulationRefusesModelWithoutIIV(t *testing.T) {
	m, _ := Lookup("hijazi-2003")
	_, err := SimulatePopulation(context.Background(), PopulationSpec{Model: m, WeightKg: 70, Grid: Grid{Step: time.Hour, Until: time.Hour * 2}, N: 10})
	if err == nil {
		t.Fatal("population run of a model without IIV accepted")
	}
}

// BenchmarkPopulationSchwartzman is the population case: 10,000
// virtual patients, 0.35 mg/kg/h × 4 h × 10 days (70 kg), S-ketamine and
// S-norketamine (fanta-otto-s), 5-minute grid over 14 days, percentiles
// 5/50/95. Besides ns/op (wall) it reports cpu-ms/op, the process's CPU
// time per run over all threads. Run: go test -run '^$' -bench
// PopulationSchwartzman -benchtime 5x ./internal/pk
func BenchmarkPopulationSchwartzman(b *testing.B) {
	m, _ := Lookup("fanta-otto-s")
	spec := PopulationSpec{Model: m, WeightKg: 70, Doses: schwartzman(70), Grid: Grid{Step: 5 * time.Minute, Until: 14 * 24 * time.Hour}, N: 10000, Seed: 1}
	c0, cpuOK := processCPU()
	runs := 0
	for b.Loop() {
		if _, err := SimulatePopulation(context.Background(), spec); err != nil {
			b.Fatal(err)
		}
		runs++
	}
	if c1, ok := processCPU(); cpuOK && ok && runs > 0 {
		b.ReportMetric(float64(c1-c0)/1e6/float64(runs), "cpu-ms/op")
	}
}
