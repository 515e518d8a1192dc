package outcomes_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/ketatrack/ketatrack/internal/outcomes"
)

// loadRows builds a journal of patients × days with every measure filled:
// whole-number ratings with a patient level and a slow decline, relief in
// whole percent. It is load data for the benchmark (the size of
// shared/PRODUCT.md's cohort-report target), not a clinical model; the
// Goldberg-like generator is package cohort.
func loadRows(patients, days int) []outcomes.JournalRow {
	rng := rand.New(rand.NewPCG(42, 42))
	rows := make([]outcomes.JournalRow, 0, patients*days)
	for p := range patients {
		id := fmt.Sprintf("L%05d", p)
		level := rng.Float64()
		for d := 1; d <= days; d++ {
			r := outcomes.JournalRow{Patient: id, Day: d}
			decline := float64(d) / float64(days)
			for _, m := range outcomes.Measures() {
				top := int(m.Max() / 100)
				v := int(float64(top)*(level*(1-0.4*decline)) + rng.Float64()*3 - 1.5)
				if m == outcomes.ReliefPct {
					v = int(100 * decline * rng.Float64())
				}
				r.Scores[m] = outcomes.ScoreOf(min(max(v, 0), top))
			}
			if rng.IntN(50) == 0 { // about 2 % of cells missing
				r.Scores[rng.IntN(outcomes.NumMeasures)] = outcomes.Missing
			}
			rows = append(rows, r)
		}
	}
	return rows
}

// BenchmarkAnalyze6M is the cohort report over 10,000 patients × 600
// journal days (6 million rows, 60 million values), the target of
// shared/PRODUCT.md (< 2 s). Run with
//
//	go test ./internal/outcomes -run '^$' -bench Analyze6M -benchtime 3x -benchmem
func BenchmarkAnalyze6M(b *testing.B) {
	rows := loadRows(10_000, 600)
	b.ResetTimer()
	for b.Loop() {
		if _, err := outcomes.Analyze(rows); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(rows))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkAnalyzeGoldberg is the report of a 40-patient, 10-day journal,
// the size of Goldberg's study.
func BenchmarkAnalyzeGoldberg(b *testing.B) {
	rows := loadRows(40, 10)
	for b.Loop() {
		if _, err := outcomes.Analyze(rows); err != nil {
			b.Fatal(err)
		}
	}
}
