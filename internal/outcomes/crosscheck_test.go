package outcomes_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat"

	"github.com/ketatrack/ketatrack/internal/outcomes"
	"github.com/ketatrack/ketatrack/internal/ranktest"
	"github.com/ketatrack/ketatrack/internal/rgolden"
)

// naiveReport computes the cohort report the straightforward way — maps
// from patient and day to values, each day's values sorted, the sample
// quantile from gonum's linear interpolation (R type 4) at the type-7
// point p' = ((n − 1)p + 1)/n, each Friedman block ranked by sorting — as an
// independent check of Analyze's counting, and as the reference for its
// benchmark.
func naiveReport(rows []outcomes.JournalRow) outcomes.Report {
	type key struct {
		patient string
		day     int
	}
	rep := outcomes.Report{Measures: map[outcomes.Measure]outcomes.MeasureReport{}, Responders: map[outcomes.Measure]outcomes.ResponderRate{}}
	patients := map[string]bool{}
	var order []string
	for _, r := range rows {
		if !patients[r.Patient] {
			patients[r.Patient] = true
			order = append(order, r.Patient)
		}
	}
	rep.Patients = len(patients)
	ptr := func(x float64) *float64 {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
		return &x
	}
	for _, m := range outcomes.Measures() {
		value := map[key]float64{}
		byDay := map[int][]float64{}
		for _, r := range rows {
			if s := r.Scores[m]; s != outcomes.Missing {
				value[key{r.Patient, r.Day}] = s.Float()
				byDay[r.Day] = append(byDay[r.Day], s.Float())
			}
		}
		if len(byDay) == 0 {
			continue
		}
		var days []int
		for d := range byDay {
			days = append(days, d)
		}
		slices.Sort(days)
		var mr outcomes.MeasureReport
		groups := make([][]float64, len(days))
		for j, d := range days {
			x := byDay[d]
			slices.Sort(x)
			n := float64(len(x))
			q := func(p float64) float64 { return stat.Quantile(((n-1)*p+1)/n, stat.LinInterp, x, nil) }
			mean, sd := stat.MeanStdDev(x, nil)
			mr.Days = append(mr.Days, outcomes.DaySummary{Day: d, N: len(x), Mean: mean, SD: ptr(sd), Median: q(0.5), Q1: q(0.25), Q3: q(0.75)})
			groups[j] = x
		}
		kw := ranktest.KruskalWallis(groups)
		mr.KruskalWallis = outcomes.TestResult{Statistic: ptr(kw.Statistic), DF: kw.DF, P: ptr(kw.P)}
		var blocks [][]float64
		var firsts, lasts []float64
		for _, p := range order {
			b := make([]float64, len(days))
			for j, d := range days {
				v, ok := value[key{p, d}]
				if !ok {
					v = math.NaN()
				}
				b[j] = v
			}
			blocks = append(blocks, b)
			if !math.IsNaN(b[0]) && !math.IsNaN(b[len(b)-1]) {
				firsts, lasts = append(firsts, b[0]), append(lasts, b[len(b)-1])
			}
		}
		fr := ranktest.FriedmanTest(blocks)
		mr.Friedman = outcomes.FriedmanResult{Statistic: ptr(fr.Statistic), DF: fr.DF, P: ptr(fr.P), NComplete: fr.N}
		w := outcomes.WilcoxonResult{FirstDay: days[0], LastDay: days[len(days)-1], N: len(firsts)}
		rr := outcomes.ResponderRate{FirstDay: days[0], LastDay: days[len(days)-1]}
		if len(days) > 1 && len(firsts) > 0 {
			sr := ranktest.SignedRank(firsts, lasts)
			w.Statistic, w.P = ptr(sr.V), ptr(sr.P)
			var n, r30, r50 float64
			for i, f := range firsts {
				if f == 0 {
					continue
				}
				n++
				// (f − l)/f ≥ 30 % with a tolerance for decimals, as R's check.
				if (f-lasts[i])/f >= 0.30-1e-12 {
					r30++
				}
				if (f-lasts[i])/f >= 0.50-1e-12 {
					r50++
				}
			}
			rr.N = int(n)
			if n > 0 {
				rr.Reduction30Pct, rr.Reduction50Pct = ptr(100*r30/n), ptr(100*r50/n)
			}
		}
		mr.WilcoxonFirstLast = w
		rep.Measures[m] = mr
		if m.PainIntensity() {
			rep.Responders[m] = rr
		}
	}
	return rep
}

// randomJournal makes a journal with decimals, missing cells, missing days
// and rows in random order: the cases where counting could go wrong.
func randomJournal(seed uint64, patients, days int) []outcomes.JournalRow {
	rng := rand.New(rand.NewPCG(seed, 1))
	var rows []outcomes.JournalRow
	for p := range patients {
		id := string(rune('A'+p%26)) + strings.Repeat("x", p/26)
		for d := 1; d <= days; d++ {
			if rng.IntN(10) == 0 {
				continue
			}
			r := outcomes.NewJournalRow(id, d*3) // days 3, 6, 9, …
			for _, m := range outcomes.Measures() {
				if rng.IntN(8) == 0 {
					continue
				}
				top := int(m.Max())
				step := []int{100, 50, 25, 1}[rng.IntN(4)]
				r.Scores[m] = outcomes.Score(rng.IntN(top/step+1) * step)
			}
			rows = append(rows, r)
		}
	}
	rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	return rows
}

func TestAnalyzeEqualsNaiveReport(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		rows := randomJournal(seed, 5+int(seed)*3, 2+int(seed%7))
		got, err := outcomes.Analyze(rows)
		if err != nil {
			t.Fatal(err)
		}
		gb, _ := json.Marshal(got)
		wb, _ := json.Marshal(naiveReport(rows))
		g, _ := rgolden.Decode(gb)
		w, _ := rgolden.Decode(wb)
		tol := func(string) rgolden.Tolerance { return rgolden.Tolerance{Relative: 1e-12, Absolute: 1e-12} }
		for _, d := range rgolden.Compare(g, w, tol, nil) {
			t.Errorf("seed %d: %s", seed, d)
		}
	}
}

// BenchmarkNaive6M is the reference for BenchmarkAnalyze6M: the same report
// over the same 6 million rows computed the straightforward way (maps and
// sorting). Run with
//
//	go test ./internal/outcomes -run '^$' -bench '6M' -benchtime 1x -benchmem
func BenchmarkNaive6M(b *testing.B) {
	rows := loadRows(10_000, 600)
	b.ResetTimer()
	for b.Loop() {
		naiveReport(rows)
	}
}
