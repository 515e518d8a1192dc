package outcomes

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/gonum/stat"

	"github.com/ketatrack/ketatrack/internal/ranktest"
)

// Analyze computes the cohort report of a journal, with R's default methods
// (see Report). Days are the groups; a measure's first and last days are the
// first and last days on which it has any value.
//
// Rows may come in any order; each patient has at most one row per day. The
// work is linear in the number of rows: scores are bounded integers
// (hundredths), so each day's values are counted rather than sorted, each
// patient's block of days is ranked by counting for Friedman's test, and the
// Kruskal–Wallis ranks come from the per-day counts. Analyze returns an error
// naming the patient and day of an invalid or duplicated row.
func Analyze(rows []JournalRow) (Report, error) {
	c, err := indexCohort(rows)
	if err != nil {
		return Report{}, err
	}
	acc := make([]*measureAccumulator, NumMeasures)
	for m := range acc {
		acc[m] = c.newAccumulator(Measure(m))
	}
	if err := c.eachPatient(func(patient []int32) error {
		return c.addPatient(rows, patient, acc)
	}); err != nil {
		return Report{}, err
	}
	rep := newReport(c.patients)
	for m, a := range acc {
		rep.add(Measure(m), a)
	}
	return rep, nil
}

// newReport is an empty report of patients patients.
func newReport(patients int) Report {
	return Report{Patients: patients, Measures: map[Measure]MeasureReport{}, Responders: map[Measure]ResponderRate{}}
}

// add puts measure m's figures from its accumulator a (nil: the measure
// has no value) into rep: Analyze's and Totals.Report's last step.
func (rep *Report) add(m Measure, a *measureAccumulator) {
	if a == nil {
		return
	}
	rep.Measures[m] = a.report()
	if m.PainIntensity() {
		rep.Responders[m] = a.responders()
	}
}

// cohortIndex is what a first pass over the rows learns: the patients and
// how to visit each one's rows, the days and score levels each measure uses.
type cohortIndex struct {
	patients int
	// order lists row indices patient by patient: patient p's rows are
	// order[starts[p]:starts[p+1]]. grouped: each patient's rows are
	// contiguous already, so order is the identity.
	grouped bool
	order   []int32
	starts  []int32
	maxDay  int
	// daySeen[m][d] and levelSeen[m][s]: measure m has a value on day d /
	// a value s.
	daySeen   [NumMeasures][]bool
	levelSeen [NumMeasures][]bool
	// stamp[d] = visits when the patient being visited has a row on day d;
	// visits counts the patients visited so far.
	stamp  []int32
	visits int32
}

func rowError(r *JournalRow, format string, args ...any) error {
	return fmt.Errorf("journal row for patient %q, day %d: %s", r.Patient, r.Day, fmt.Sprintf(format, args...))
}

// indexCohort validates the rows and indexes them.
func indexCohort(rows []JournalRow) (*cohortIndex, error) {
	c := &cohortIndex{grouped: true}
	for m := range c.daySeen {
		c.levelSeen[m] = make([]bool, measureInfo[m].max+1)
	}
	ids := map[string]int32{}
	cur, curID := int32(-1), ""
	for i := range rows {
		r := &rows[i]
		if i == 0 || r.Patient != curID {
			if strings.TrimSpace(r.Patient) == "" {
				return nil, rowError(r, "empty patient identifier")
			}
			p, seen := ids[r.Patient]
			if seen {
				c.grouped = false // the patient's rows are split
			} else {
				p = int32(len(ids))
				ids[r.Patient] = p
			}
			cur, curID = p, r.Patient
		}
		if c.grouped && len(c.starts) == int(cur) {
			c.starts = append(c.starts, int32(i)) // a new patient's run begins
		}
		if r.Day < 1 || r.Day > MaxDay {
			return nil, rowError(r, "day outside 1–%d", MaxDay)
		}
		if r.Day > c.maxDay {
			for m := range c.daySeen {
				c.daySeen[m] = append(c.daySeen[m], make([]bool, r.Day+1-len(c.daySeen[m]))...)
			}
			c.maxDay = r.Day
		}
		for m, s := range r.Scores {
			if s == Missing {
				continue
			}
			if s < 0 || s > measureInfo[m].max {
				return nil, rowError(r, "%s %v outside 0–%s", Measure(m).Column(), s, measureInfo[m].max)
			}
			c.daySeen[m][r.Day] = true
			c.levelSeen[m][s] = true
		}
	}
	c.patients = len(ids)
	c.stamp = make([]int32, c.maxDay+1)
	c.order = make([]int32, len(rows))
	if c.grouped {
		c.starts = append(c.starts, int32(len(rows)))
		for i := range c.order {
			c.order[i] = int32(i)
		}
		return c, nil
	}
	// Rows of some patient are not contiguous: list row indices patient by
	// patient (a counting sort on the patient, stable in row order).
	patientOf := make([]int32, len(rows))
	counts := make([]int32, len(ids)+1)
	cur, curID = -1, ""
	for i := range rows {
		if i == 0 || rows[i].Patient != curID {
			cur, curID = ids[rows[i].Patient], rows[i].Patient
		}
		patientOf[i] = cur
		counts[cur+1]++
	}
	c.starts = make([]int32, len(ids)+1)
	for p := 1; p <= len(ids); p++ {
		c.starts[p] = c.starts[p-1] + counts[p]
	}
	next := append([]int32(nil), c.starts[:len(ids)]...)
	for i, p := range patientOf {
		c.order[next[p]] = int32(i)
		next[p]++
	}
	return c, nil
}

// eachPatient calls fn with the row indices of each patient in turn.
func (c *cohortIndex) eachPatient(fn func(patient []int32) error) error {
	for p := 0; p+1 < len(c.starts); p++ {
		if err := fn(c.order[c.starts[p]:c.starts[p+1]]); err != nil {
			return err
		}
	}
	return nil
}

// measureAccumulator gathers one measure's statistics patient by patient.
type measureAccumulator struct {
	measure Measure
	days    []int     // the days with a value, ascending; column j is days[j]
	col     []int32   // col[d] = column of day d, −1 if none
	levels  []float64 // the distinct values, ascending, in the scale's unit
	level   []int32   // level[s] = index of score s in levels
	counts  []int64   // counts[j*len(levels)+l]: values of level l on day j
	// per patient: the block of level keys by column and how many are set,
	// and the first and last day's scores.
	block       []int32
	blockN      int
	first, last Score
	friedman    *ranktest.Friedman
	firsts      []Score // pairs of patients with both the first and last day
	lasts       []Score
}

// newAccumulator prepares measure m, or returns nil when it has no value.
func (c *cohortIndex) newAccumulator(m Measure) *measureAccumulator {
	a := &measureAccumulator{measure: m, col: make([]int32, c.maxDay+1), level: make([]int32, len(c.levelSeen[m]))}
	for d, seen := range c.daySeen[m] {
		a.col[d] = -1
		if seen {
			a.col[d] = int32(len(a.days))
			a.days = append(a.days, d)
		}
	}
	if len(a.days) == 0 {
		return nil
	}
	for s, seen := range c.levelSeen[m] {
		a.level[s] = -1
		if seen {
			a.level[s] = int32(len(a.levels))
			a.levels = append(a.levels, Score(s).Float())
		}
	}
	a.counts = make([]int64, len(a.days)*len(a.levels))
	a.block = make([]int32, len(a.days))
	a.friedman = ranktest.NewFriedman(len(a.days))
	return a
}

// addPatient adds one patient's rows to every measure's accumulator.
func (c *cohortIndex) addPatient(rows []JournalRow, patient []int32, acc []*measureAccumulator) error {
	if len(patient) == 0 {
		return nil
	}
	c.visits++
	stamp := c.visits
	for _, a := range acc {
		if a != nil {
			a.blockN, a.first, a.last = 0, Missing, Missing
		}
	}
	for _, i := range patient {
		r := &rows[i]
		if c.stamp[r.Day] == stamp {
			return rowError(r, "a second row for the same day")
		}
		c.stamp[r.Day] = stamp
		for m, s := range r.Scores {
			a := acc[m]
			if s == Missing || a == nil {
				continue
			}
			j := a.col[r.Day]
			key := a.level[s]
			a.counts[int(j)*len(a.levels)+int(key)]++
			a.block[j] = key
			a.blockN++
			if j == 0 {
				a.first = s
			}
			if int(j) == len(a.days)-1 {
				a.last = s
			}
		}
	}
	for _, a := range acc {
		if a == nil {
			continue
		}
		if a.blockN == len(a.days) {
			a.friedman.AddOrdinal(a.block, len(a.levels))
		}
		if a.first != Missing && a.last != Missing {
			a.firsts = append(a.firsts, a.first)
			a.lasts = append(a.lasts, a.last)
		}
	}
	return nil
}

// report computes the measure's part of the report.
func (a *measureAccumulator) report() MeasureReport {
	var mr MeasureReport
	nl := len(a.levels)
	weights := make([]float64, nl)
	table := make([][]int64, len(a.days))
	for j, day := range a.days {
		row := a.counts[j*nl : (j+1)*nl]
		table[j] = row
		n := int64(0)
		for l, c := range row {
			weights[l] = float64(c)
			n += c
		}
		mr.Days = append(mr.Days, summarizeCounts(day, a.levels, weights, int(n)))
	}
	kw := ranktest.KruskalWallisTable(table)
	mr.KruskalWallis = TestResult{Statistic: number(kw.Statistic), DF: kw.DF, P: number(kw.P)}
	fr := a.friedman.Result()
	mr.Friedman = FriedmanResult{Statistic: number(fr.Statistic), DF: fr.DF, P: number(fr.P), NComplete: fr.N}
	w := WilcoxonResult{FirstDay: a.days[0], LastDay: a.days[len(a.days)-1], N: len(a.firsts)}
	if len(a.days) > 1 && len(a.firsts) > 0 {
		x, y := make([]float64, len(a.firsts)), make([]float64, len(a.lasts))
		for i := range a.firsts {
			x[i], y[i] = a.firsts[i].Float(), a.lasts[i].Float()
		}
		sr := ranktest.SignedRank(x, y)
		w.Statistic, w.P, w.Exact = number(sr.V), number(sr.P), sr.Exact
	}
	mr.WilcoxonFirstLast = w
	return mr
}

// responders computes the IMMPACT responder rates from the first/last pairs.
func (a *measureAccumulator) responders() ResponderRate {
	rr := ResponderRate{FirstDay: a.days[0], LastDay: a.days[len(a.days)-1]}
	if len(a.days) < 2 {
		return rr
	}
	var n, r30, r50 int
	for i, f := range a.firsts {
		if f == 0 {
			continue // no percentage reduction from a zero baseline
		}
		n++
		if ReducedBy(f, a.lasts[i], 30) {
			r30++
		}
		if ReducedBy(f, a.lasts[i], 50) {
			r50++
		}
	}
	rr.N = n
	if n > 0 {
		rr.Reduction30Pct = number(100 * float64(r30) / float64(n))
		rr.Reduction50Pct = number(100 * float64(r50) / float64(n))
	}
	return rr
}

// summarizeCounts summarises one day from its frequency table: levels are
// the distinct values ascending, weights their counts (n in all). Mean and
// standard deviation are gonum's frequency-weighted mean and unbiased
// variance (stat.MeanStdDev: Σw(x − x̄)²/(Σw − 1), R's sd for n ≥ 2); the
// quartiles are R's type 7 built from order statistics that gonum's
// empirical quantile reads off the counts.
func summarizeCounts(day int, levels, weights []float64, n int) DaySummary {
	mean, sd := stat.MeanStdDev(levels, weights)
	return DaySummary{
		Day:    day,
		N:      n,
		Mean:   mean,
		SD:     number(sd), // NaN (0/0) for n = 1
		Median: quantile7(0.5, levels, weights, n),
		Q1:     quantile7(0.25, levels, weights, n),
		Q3:     quantile7(0.75, levels, weights, n),
	}
}

// quantile7 is R's quantile(x, p, type = 7) for the sample of n values given
// as sorted distinct levels with their counts: with h = 1 + (n − 1)p,
// lo = ⌊h⌋ and hi = ⌈h⌉, it is (1 − (h − lo))·x₍lo₎ + (h − lo)·x₍hi₎
// (Hyndman & Fan, Am Stat 1996;50:361, definition 7; R's quantile.default).
func quantile7(p float64, levels, weights []float64, n int) float64 {
	index := 1 + float64(n-1)*p
	lo, hi := math.Floor(index), math.Ceil(index)
	qs := orderStatistic(int(lo), levels, weights, n)
	h := index - lo
	if h == 0 {
		return qs
	}
	qhi := orderStatistic(int(hi), levels, weights, n)
	if qhi == qs {
		return qs
	}
	return (1-h)*qs + h*qhi
}

// orderStatistic returns x₍j₎, the j-th smallest of the n values, with
// gonum's empirical quantile over the counts: the smallest level whose
// cumulative count reaches j. Asking for the fraction (j − ½)/n keeps the
// comparison away from the integer j, where rounding could tip it.
func orderStatistic(j int, levels, weights []float64, n int) float64 {
	return stat.Quantile((float64(j)-0.5)/float64(n), stat.Empirical, levels, weights)
}
