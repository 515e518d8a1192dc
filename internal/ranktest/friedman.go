package ranktest

import "math"

// Friedman accumulates complete blocks (one patient's values on each of k
// days, say) for a Friedman rank-sum test, as R's friedman.test on a matrix
// whose incomplete rows it drops. Blocks are ranked as they are added and
// only the k rank sums are kept, so a cohort of any size streams through in
// memory proportional to k.
type Friedman struct {
	k        int
	blocks   int
	rankSums []float64
	ties     float64
	ordinal  ordinalRanker
	ranks    []float64
}

// NewFriedman returns an empty accumulator for blocks of k treatments
// (groups).
func NewFriedman(k int) *Friedman {
	if k < 0 {
		panic("ranktest: NewFriedman: negative k")
	}
	return &Friedman{k: k, rankSums: make([]float64, k), ranks: make([]float64, k)}
}

// Add ranks one block, block[j] being the value of treatment j, and reports
// whether it was used: a block holding a NaN is incomplete and skipped, as R
// drops it. Add panics when len(block) is not k.
func (f *Friedman) Add(block []float64) bool {
	if len(block) != f.k {
		panic("ranktest: Friedman.Add: block length differs from k")
	}
	for _, v := range block {
		if math.IsNaN(v) {
			return false
		}
	}
	f.ties += MidRanks(block, f.ranks)
	for j, r := range f.ranks {
		f.rankSums[j] += r
	}
	f.blocks++
	return true
}

// AddOrdinal ranks one complete block given as ordinal keys: keys[j] in
// [0, levels) is the value of treatment j, equal keys tie and a smaller key is
// a smaller value. It ranks by counting, which is what lets a 600-day journal
// of bounded scores be ranked per patient without sorting. AddOrdinal panics
// when len(keys) is not k or a key is outside [0, levels).
func (f *Friedman) AddOrdinal(keys []int32, levels int) {
	if len(keys) != f.k {
		panic("ranktest: Friedman.AddOrdinal: block length differs from k")
	}
	for _, key := range keys {
		if key < 0 || int(key) >= levels {
			panic("ranktest: Friedman.AddOrdinal: key outside [0, levels)")
		}
	}
	f.ties += f.ordinal.rank(keys, levels)
	for j, key := range keys {
		f.rankSums[j] += f.ordinal.mid[key]
	}
	f.ordinal.reset(keys)
	f.blocks++
}

// Result returns the test over the blocks added so far. With n blocks, k
// treatments, rank sums R_j and t tied values within a block (R's
// friedman.test.R):
//
//	Q = 12 Σ (R_j − n(k+1)/2)² / (n k (k+1) − Σ (t³ − t)/(k − 1))
//
// referred to chi-squared with k − 1 degrees of freedom. With no block, fewer
// than two treatments, or every block entirely tied, the statistic and
// p-value are NaN.
func (f *Friedman) Result() Result {
	res := Result{DF: f.k - 1, N: f.blocks, Statistic: nan, P: nan}
	if f.blocks < 1 || f.k < 2 {
		return res
	}
	n, k := float64(f.blocks), float64(f.k)
	var ss float64
	for _, r := range f.rankSums {
		d := r - n*(k+1)/2
		ss += d * d
	}
	res.Statistic = 12 * ss / (n*k*(k+1) - f.ties/(k-1))
	res.P = chiSquaredUpper(res.Statistic, f.k-1)
	return res
}

// FriedmanTest runs Friedman's test on blocks (rows) of k values each,
// dropping rows that hold a NaN, as R's friedman.test(matrix).
func FriedmanTest(blocks [][]float64) Result {
	k := 0
	if len(blocks) > 0 {
		k = len(blocks[0])
	}
	f := NewFriedman(k)
	for _, b := range blocks {
		f.Add(b)
	}
	return f.Result()
}
