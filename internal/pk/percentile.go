package pk

import (
	"math"
	"slices"
)

// bandQuantiles are the probabilities of the percentiles reported.
var bandQuantiles = [3]float64{0.05, 0.5, 0.95}

// bandTracker computes the percentiles of one output at successive times.
//
// A percentile moves smoothly from one time to the next even when the
// patients around it change places, so the tracker predicts each
// percentile by extrapolating its last two values and brackets the
// prediction with a narrow window of values (a few times the spacing of
// the values there, and the recent prediction error). The windows cut the
// values into seven buckets (below window 0, inside it, between windows 0
// and 1, …, above window 2), and each patient remembers its bucket: one pass
// over the row checks each value against its own bucket's bounds (two
// comparisons, nearly always true), moves the patients that changed bucket
// and keeps the values inside the windows. The bucket counts give each
// window's rank, and a selection among its few values gives the percentile.
// When a window misses its percentile, the row's percentiles are selected
// from all values. Either way the answer is the exact type-7 percentile.
type bandTracker struct {
	ok      bool
	q1, q2  [3]float64 // the percentiles at the last three times (q3 oldest)
	q3      [3]float64
	history int        // how many of q1, q2, q3 hold a value
	err     [3]float64 // recent prediction error, decaying
	gap     [3]float64 // spacing of the values near each percentile
	bucket  []uint8    // each patient's bucket at the last time
	count   [7]int     // patients in each bucket
	win     [3][]float64
	all     []float64
}

// windowSpacings is how many value spacings a window reaches on each side
// of its prediction at least.
const windowSpacings = 16

// next returns the type-7 percentiles of vals (R's quantile(type = 7):
// with h = (n−1)p, x[⌊h⌋] + (h−⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋]) of the sorted x).
func (bt *bandTracker) next(vals []float64) (q [3]float64) {
	n := len(vals)
	if !bt.ok || n < 64 || len(bt.bucket) != n {
		return bt.full(vals)
	}
	// Window t is [bound[2t], bound[2t+1]); bucket b holds the values v
	// with bound[b−1] ≤ v < bound[b].
	var pred [3]float64
	var bound [6]float64
	for t := range pred {
		pred[t] = bt.q1[t]
		if bt.history >= 2 {
			pred[t] += bt.q1[t] - bt.q2[t]
		}
		// The window covers a few spacings of the values, the recent
		// prediction error, and the change in slope over the last times
		// (the error of a straight-line prediction where the curve bends).
		d := max(windowSpacings*bt.gap[t], 4*bt.err[t], 1e-12*math.Abs(pred[t]))
		if bt.history >= 3 {
			d = max(d, 2*math.Abs(bt.q1[t]-2*bt.q2[t]+bt.q3[t]))
		}
		bound[2*t] = pred[t] - d
		bound[2*t+1] = math.Nextafter(pred[t]+d, math.Inf(1))
	}
	for t := 0; t < 2; t++ { // windows that overlap meet halfway
		if bound[2*t+1] > bound[2*t+2] {
			m := bound[2*t+1]/2 + bound[2*t+2]/2
			bound[2*t+1], bound[2*t+2] = m, m
		}
	}
	for j := 1; j < 6; j++ {
		if !(bound[j-1] <= bound[j]) { // crossed predictions, or not finite
			return bt.full(vals)
		}
	}
	inf := math.Inf(1)
	lower := [8]float64{-inf, bound[0], bound[1], bound[2], bound[3], bound[4], bound[5], inf}
	upper := [8]float64{bound[0], bound[1], bound[2], bound[3], bound[4], bound[5], inf, inf}
	for t := range bt.win {
		bt.win[t] = bt.win[t][:0]
	}
	bucket := bt.bucket[:n]
	for p, v := range vals {
		b := bucket[p] & 7
		if v < lower[b] || v >= upper[b] {
			nb := bucketOf(v, &bound)
			bt.count[b]--
			bt.count[nb]++
			bucket[p] = nb
			b = nb
		}
		if b&1 != 0 {
			w := &bt.win[(b>>1)%3]
			*w = append(*w, v)
		}
	}
	// start[b] is the number of values in the buckets below b. Each
	// percentile's two ranks are looked up in whichever windows hold them
	// (usually its own; all of them when the windows have met, as when
	// every value is still 0).
	var start [8]int
	for b := 0; b < 7; b++ {
		start[b+1] = start[b] + bt.count[b]
	}
	for t, pq := range bandQuantiles {
		h := float64(n-1) * pq
		k := int(h) // k+1 < n since n ≥ 64
		bk, bk1 := bucketOfRank(&start, k), bucketOfRank(&start, k+1)
		if bk&1 == 0 || bk1&1 == 0 {
			// The window missed: remember how far off the prediction was
			// (at least past the window's edge) so that the next is wider.
			bt.err[t] = max(bt.err[t], bound[2*t+1]-bound[2*t])
			return bt.full(vals)
		}
		w := bt.win[bk>>1]
		j := k - start[bk]
		lo, hi := w[0], w[0]
		for _, v := range w[1:] {
			lo, hi = min(lo, v), max(hi, v)
		}
		x0, x1 := lo, lo // all the window's values equal
		if lo != hi {
			selectFloats(w, j)
			x0 = w[j]
		}
		switch {
		case bk1 != bk: // rank k+1 is the first value of a later window
			x1 = slices.Min(bt.win[bk1>>1])
		case lo != hi:
			x1 = slices.Min(w[j+1:])
		}
		q[t] = x0 + (h-float64(k))*(x1-x0)
		bt.err[t] = max(math.Abs(q[t]-pred[t]), bt.err[t]/2)
		bt.gap[t] = (bound[2*t+1] - bound[2*t]) / float64(max(1, len(bt.win[t])))
	}
	bt.remember(q)
	return q
}

// remember shifts the percentiles' history.
func (bt *bandTracker) remember(q [3]float64) {
	bt.q3, bt.q2, bt.q1 = bt.q2, bt.q1, q
	bt.history = min(bt.history+1, 3)
}

// bucketOfRank returns the bucket holding the value of rank r, given the
// number of values below each bucket.
func bucketOfRank(start *[8]int, r int) int {
	b := 0
	for b < 6 && start[b+1] <= r {
		b++
	}
	return b
}

// bucketOf returns the bucket of v: the number of bounds at or below it.
func bucketOf(v float64, bound *[6]float64) uint8 {
	b := uint8(0)
	for _, x := range bound {
		if v >= x {
			b++
		}
	}
	return b
}

// fullSpacings is how many ranks on each side of a percentile full looks
// at to estimate the spacing of the values there.
const fullSpacings = 16

// full selects the row's percentiles from all its values and estimates the
// spacing of the values around each.
func (bt *bandTracker) full(vals []float64) (q [3]float64) {
	n := len(vals)
	if len(bt.bucket) != n {
		bt.bucket = make([]uint8, n)
		bt.count = [7]int{n}
		bt.history = 0
	}
	bt.all = append(bt.all[:0], vals...)
	// the ranks wanted: each percentile's two neighbours and the ends of
	// the range used for the spacing
	var want [12]int
	for t, pq := range bandQuantiles {
		k := int(float64(n-1) * pq)
		want[4*t] = max(0, k-fullSpacings)
		want[4*t+1] = k
		want[4*t+2] = min(n-1, k+1)
		want[4*t+3] = min(n-1, k+1+fullSpacings)
	}
	ranks := want[:]
	sortInts(ranks)
	multiSelect(bt.all, ranks)
	a := bt.all
	for t, pq := range bandQuantiles {
		h := float64(n-1) * pq
		k := int(h)
		if k+1 >= n {
			q[t] = a[k]
		} else {
			q[t] = a[k] + (h-float64(k))*(a[k+1]-a[k])
		}
		lo, hi := max(0, k-fullSpacings), min(n-1, k+1+fullSpacings)
		if hi > lo {
			bt.gap[t] = (a[hi] - a[lo]) / float64(hi-lo)
		}
	}
	bt.ok = true
	bt.remember(q)
	return q
}

// sortInts sorts a few ints (insertion sort).
func sortInts(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j-1] > a[j]; j-- {
			a[j-1], a[j] = a[j], a[j-1]
		}
	}
}

// multiSelect reorders a so that a[r] holds the r-th smallest value for
// every r in ranks (ascending, repeats allowed), by quickselect on the
// middle rank and then on each side of it. It changes ranks.
func multiSelect(a []float64, ranks []int) {
	for len(ranks) > 0 {
		mid := len(ranks) / 2
		r := ranks[mid]
		selectFloats(a, r)
		lo, hi := mid, mid+1
		for lo > 0 && ranks[lo-1] == r {
			lo--
		}
		for hi < len(ranks) && ranks[hi] == r {
			hi++
		}
		multiSelect(a[:r], ranks[:lo])
		// the ranks above r, counted in the slice after it
		rest := ranks[hi:]
		for i := range rest {
			rest[i] -= r + 1
		}
		a, ranks = a[r+1:], rest
	}
}

// selectFloats reorders a so that a[k] holds the k-th smallest value, the
// smaller before it and the larger after (Hoare's quickselect, median of
// three, insertion sort for the last few).
func selectFloats(a []float64, k int) {
	lo, hi := 0, len(a)-1
	for hi-lo > 12 {
		mid := lo + (hi-lo)/2
		if a[mid] < a[lo] {
			a[mid], a[lo] = a[lo], a[mid]
		}
		if a[hi] < a[lo] {
			a[hi], a[lo] = a[lo], a[hi]
		}
		if a[hi] < a[mid] {
			a[hi], a[mid] = a[mid], a[hi]
		}
		pivot := a[mid]
		i, j := lo, hi
		for i <= j {
			for a[i] < pivot {
				i++
			}
			for a[j] > pivot {
				j--
			}
			if i <= j {
				a[i], a[j] = a[j], a[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return
		}
	}
	for i := lo + 1; i <= hi; i++ {
		v := a[i]
		j := i
		for j > lo && a[j-1] > v {
			a[j] = a[j-1]
			j--
		}
		a[j] = v
	}
}
