package ranktest

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// ExactLimit is R's default for the signed-rank test: with fewer than this
// many non-zero differences, and no ties or zeros, the p-value is exact
// (wilcox.test.R: exact <- (n < 50)).
const ExactLimit = 50

// SignedRankResult is the outcome of a paired Wilcoxon signed-rank test.
type SignedRankResult struct {
	// V is the sum of the ranks of |x − y| over the pairs with x > y; NaN
	// when there are no pairs.
	V float64
	// P is the two-sided p-value; NaN when it cannot be computed (no pairs,
	// or every difference zero).
	P float64
	// Pairs is the number of pairs with both values present.
	Pairs int
	// NonZero is the number of pairs whose difference is not zero.
	NonZero int
	// Exact reports whether P comes from the exact distribution of V rather
	// than the normal approximation.
	Exact bool
}

// SignedRank runs the two-sided Wilcoxon signed-rank test on the pairs
// (x[i], y[i]) with both values present (not NaN), as R's
// wilcox.test(x, y, paired = TRUE) with its defaults (mu = 0, exact = NULL,
// correct = TRUE). Differences are computed in float64 as R computes them, so
// decimal scores tie exactly when R's do. SignedRank panics when x and y
// differ in length.
func SignedRank(x, y []float64) SignedRankResult {
	if len(x) != len(y) {
		panic("ranktest: SignedRank: x and y differ in length")
	}
	var d []float64
	pairs, zeros := 0, 0
	for i := range x {
		if math.IsNaN(x[i]) || math.IsNaN(y[i]) {
			continue
		}
		pairs++
		diff := x[i] - y[i]
		if diff == 0 {
			zeros++
			continue
		}
		d = append(d, diff)
	}
	res := SignedRankResult{V: nan, P: nan, Pairs: pairs, NonZero: len(d)}
	if pairs == 0 {
		return res
	}
	abs := make([]float64, len(d))
	for i, v := range d {
		abs[i] = math.Abs(v)
	}
	ranks := make([]float64, len(d))
	tieTerm := MidRanks(abs, ranks)
	v := 0.0
	for i, r := range ranks {
		if d[i] > 0 {
			v += r
		}
	}
	res.V = v
	n := len(d)
	nf := float64(n)
	if n < ExactLimit && tieTerm == 0 && zeros == 0 {
		res.Exact = true
		// R: p <- if (V > n(n+1)/4) psignrank(V − 1, n, lower = FALSE)
		// else psignrank(V, n); min(2p, 1).
		var p float64
		if v > nf*(nf+1)/4 {
			p = signRankUpper(int(v), n)
		} else {
			p = SignRankCDF(v, n)
		}
		res.P = math.Min(2*p, 1)
		return res
	}
	// Normal approximation: z = (V − n(n+1)/4 − sign·½) / σ with
	// σ² = n(n+1)(2n+1)/24 − Σ (t³ − t)/48.
	z := v - nf*(nf+1)/4
	sigma := math.Sqrt(nf*(nf+1)*(2*nf+1)/24 - tieTerm/48)
	correction := 0.0
	switch {
	case z > 0:
		correction = 0.5
	case z < 0:
		correction = -0.5
	}
	z = (z - correction) / sigma
	// 2·min(Φ(z), 1 − Φ(z)) = 2·Φ(−|z|); the lower tail keeps full relative
	// precision for tiny p-values where 1 − Φ(z) would cancel.
	res.P = 2 * distuv.UnitNormal.CDF(-math.Abs(z))
	return res
}

// SignRankCDF is P(V ≤ q) for the Wilcoxon signed-rank statistic of n
// non-zero, untied differences under the null hypothesis, as R's
// psignrank(q, n): the number of subsets of {1, …, n} whose sum is at most
// q, divided by 2ⁿ, counted exactly (src/nmath/signrank.c).
func SignRankCDF(q float64, n int) float64 {
	if n < 0 || math.IsNaN(q) {
		return nan
	}
	x := math.Floor(q + 1e-7) // R: R_forceint(x + 1e-7)
	total := n * (n + 1) / 2
	switch {
	case x < 0:
		return 0
	case x >= float64(total):
		return 1
	}
	w := signRankCounts(n)
	var count float64
	for s := 0; s <= int(x); s++ {
		count += w[s]
	}
	return math.Ldexp(count, -n)
}

// signRankUpper is P(V ≥ v) = P(V > v − 1), summed from the upper tail so
// that no cancellation occurs.
func signRankUpper(v, n int) float64 {
	w := signRankCounts(n)
	var count float64
	for s := max(v, 0); s < len(w); s++ {
		count += w[s]
	}
	return math.Ldexp(count, -n)
}

// signRankCounts returns w with w[s] the number of subsets of {1, …, n}
// summing to s. The counts are below 2ⁿ, exact in float64 for n ≤ 53, which
// covers the exact test's n < 50.
func signRankCounts(n int) []float64 {
	total := n * (n + 1) / 2
	w := make([]float64, total+1)
	w[0] = 1
	for j := 1; j <= n; j++ {
		top := j * (j + 1) / 2
		for s := top; s >= j; s-- {
			w[s] += w[s-j]
		}
	}
	return w
}
