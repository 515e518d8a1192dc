package outcomes_test

import (
	"fmt"
	"strings"

	"github.com/ketatrack/ketatrack/internal/outcomes"
)

func ExampleAnalyze() {
	journal := `patient_id,day,pain_24h
A,1,8
A,10,4
B,1,6
B,10,6
C,1,9
C,10,5
`
	rows, err := outcomes.ReadJournalCSV(strings.NewReader(journal))
	if err != nil {
		panic(err)
	}
	rep, err := outcomes.Analyze(rows)
	if err != nil {
		panic(err)
	}
	day1 := rep.Measures[outcomes.Pain24h].Days[0]
	fmt.Printf("day %d: n %d, mean %.3f ± %.3f, median %g (%g–%g)\n", day1.Day, day1.N, day1.Mean, *day1.SD, day1.Median, day1.Q1, day1.Q3)
	// R 4.2.2: wilcox.test(c(8, 6, 9), c(4, 6, 5), paired = TRUE) gives V = 3,
	// p = 0.3457785862 (B has a zero difference: normal approximation).
	w := rep.Measures[outcomes.Pain24h].WilcoxonFirstLast
	fmt.Printf("Wilcoxon day %d vs %d: V = %g, p = %.4f\n", w.FirstDay, w.LastDay, *w.Statistic, *w.P)
	r := rep.Responders[outcomes.Pain24h]
	fmt.Printf("responders: %.1f %% (≥ 30 %%), %.1f %% (≥ 50 %%) of %d\n", *r.Reduction30Pct, *r.Reduction50Pct, r.N)
	// Output:
	// day 1: n 3, mean 7.667 ± 1.528, median 8 (7–8.5)
	// Wilcoxon day 1 vs 10: V = 3, p = 0.3458
	// responders: 66.7 % (≥ 30 %), 33.3 % (≥ 50 %) of 3
}

func ExampleDefinitions_FindRelief() {
	d := outcomes.DefaultDefinitions() // relief: pain_24h ≥ 30 % down; relapse: within 10 % for 3 days
	var journal []outcomes.JournalRow
	for day, pain := range map[int]int{1: 10, 2: 8, 3: 6, 20: 5, 30: 9, 31: 10, 32: 9} {
		r := outcomes.NewJournalRow("P1", day)
		r.Scores[outcomes.Pain24h] = outcomes.ScoreOf(pain)
		journal = append(journal, r)
	}
	c, err := d.FindRelief(journal)
	if err != nil {
		panic(err)
	}
	fmt.Printf("relief from day %d, relapse on day %d: %d days\n", c.OnsetDay, c.EndDay, c.Days)
	// Output:
	// relief from day 3, relapse on day 30: 27 days
}
