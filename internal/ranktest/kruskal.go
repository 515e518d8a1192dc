package ranktest

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
)

// Result is the outcome of a test whose statistic is referred to a
// chi-squared distribution.
type Result struct {
	// Statistic is the test statistic (Kruskal–Wallis H or Friedman
	// chi-squared), tie-corrected; NaN when R would not compute it.
	Statistic float64
	// DF is the degrees of freedom, groups − 1.
	DF int
	// P is the upper-tail chi-squared probability of Statistic; NaN when
	// the statistic is NaN.
	P float64
	// N is the number of observations (Kruskal–Wallis) or complete blocks
	// (Friedman) used.
	N int
}

// KruskalWallis tests whether groups of observations come from the same
// distribution, as R's kruskal.test(groups). NaN observations are dropped
// (R's complete.cases) and groups left empty do not count as groups (R's
// factor drops unused levels). With fewer than two non-empty groups or two
// observations the statistic and p-value are NaN (R stops with an error).
func KruskalWallis(groups [][]float64) Result {
	var all []float64
	for _, g := range groups {
		for _, v := range g {
			if !math.IsNaN(v) {
				all = append(all, v)
			}
		}
	}
	levels := distinctSorted(all)
	table := make([][]int64, 0, len(groups))
	for _, g := range groups {
		row := make([]int64, len(levels))
		for _, v := range g {
			if !math.IsNaN(v) {
				l, _ := slices.BinarySearch(levels, v)
				row[l]++
			}
		}
		table = append(table, row)
	}
	return KruskalWallisTable(table)
}

// KruskalWallisTable is KruskalWallis computed from a frequency table:
// counts[g][l] is how many observations of group g take the l-th smallest of
// the distinct values. Only the order of the values matters to the test, so
// the values themselves are not needed; the table lets a cohort report count
// bounded journal scores per day instead of sorting millions of them.
//
// With n observations, t_l of them at level l, rank sums R_g and group sizes
// n_g (R's kruskal.test.R):
//
//	H = (12/(n(n+1)) Σ R_g²/n_g − 3(n+1)) / (1 − Σ (t_l³ − t_l)/(n³ − n))
//
// referred to chi-squared with k − 1 degrees of freedom, k the number of
// groups with at least one observation.
func KruskalWallisTable(counts [][]int64) Result {
	if len(counts) == 0 {
		return Result{Statistic: nan, P: nan}
	}
	levels := len(counts[0])
	mid := make([]float64, levels)
	var n int64
	var ties float64
	for l := 0; l < levels; l++ {
		var t int64
		for _, row := range counts {
			t += row[l]
		}
		if t == 0 {
			continue
		}
		mid[l] = float64(n) + float64(t+1)/2
		n += t
		tf := float64(t)
		ties += tf*tf*tf - tf
	}
	k := 0
	var s float64
	for _, row := range counts {
		if len(row) != levels {
			panic("ranktest: KruskalWallisTable: ragged table")
		}
		var ng int64
		var rankSum float64
		for l, c := range row {
			ng += c
			rankSum += float64(c) * mid[l]
		}
		if ng == 0 {
			continue
		}
		k++
		s += rankSum * rankSum / float64(ng)
	}
	res := Result{DF: k - 1, N: int(n), Statistic: nan, P: nan}
	if k < 2 || n < 2 {
		return res
	}
	nf := float64(n)
	h := (12*s/(nf*(nf+1)) - 3*(nf+1)) / (1 - ties/(nf*nf*nf-nf))
	res.Statistic = h
	res.P = chiSquaredUpper(h, k-1)
	return res
}

// chiSquaredUpper is R's pchisq(x, df, lower.tail = FALSE); NaN stays NaN.
func chiSquaredUpper(x float64, df int) float64 {
	if math.IsNaN(x) || df < 1 {
		return nan
	}
	return distuv.ChiSquared{K: float64(df)}.Survival(x)
}

// distinctSorted returns the distinct values of x in increasing order.
func distinctSorted(x []float64) []float64 {
	s := append([]float64(nil), x...)
	slices.Sort(s)
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
