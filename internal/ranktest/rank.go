package ranktest

import (
	"math"
	"slices"
)

// MidRanks writes into ranks the ranks of x, ties sharing the average of the
// ranks they span, as R's rank(x) (ties.method = "average"), and returns the
// tie term Σ (t³ − t) over the groups of t equal values. ranks must be as long
// as x; x must hold no NaN. Equality is exact equality of the float64 values,
// as in R.
func MidRanks(x, ranks []float64) (ties float64) {
	if len(ranks) != len(x) {
		panic("ranktest: MidRanks: len(ranks) != len(x)")
	}
	order := make([]int, len(x))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		switch {
		case x[a] < x[b]:
			return -1
		case x[a] > x[b]:
			return 1
		}
		return 0
	})
	for lo := 0; lo < len(order); {
		hi := lo + 1
		for hi < len(order) && x[order[hi]] == x[order[lo]] {
			hi++
		}
		// Positions lo..hi−1 (0-based) hold ranks lo+1..hi; their mean is
		// (lo + 1 + hi) / 2.
		r := float64(lo+1+hi) / 2
		for _, i := range order[lo:hi] {
			ranks[i] = r
		}
		t := float64(hi - lo)
		ties += t*t*t - t
		lo = hi
	}
	return ties
}

// ordinalRanker ranks blocks of ordinal keys (small non-negative integers
// where equal keys are ties and a smaller key is a smaller value) by counting,
// in time proportional to the block length plus the number of levels, which
// a comparison sort cannot match for long blocks of bounded scores.
type ordinalRanker struct {
	count []int64
	mid   []float64
}

// rank returns, for each level used in keys, its mid-rank in mid (indexed by
// key) and the tie term Σ (t³ − t). The caller reads r.mid[key] and must call
// reset(keys) before the next block.
func (r *ordinalRanker) rank(keys []int32, levels int) (ties float64) {
	if cap(r.count) < levels {
		r.count = make([]int64, levels)
		r.mid = make([]float64, levels)
	}
	r.count = r.count[:levels]
	r.mid = r.mid[:levels]
	for _, k := range keys {
		r.count[k]++
	}
	var below int64
	for l, c := range r.count {
		if c == 0 {
			continue
		}
		r.mid[l] = float64(below) + float64(c+1)/2
		below += c
		t := float64(c)
		ties += t*t*t - t
	}
	return ties
}

// reset clears the counts left by rank(keys).
func (r *ordinalRanker) reset(keys []int32) {
	for _, k := range keys {
		r.count[k] = 0
	}
}

// nan is returned for statistics R would not compute.
var nan = math.NaN()
