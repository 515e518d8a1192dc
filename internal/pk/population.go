package pk

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"
)

// PopulationSpec describes a virtual-population simulation: N patients of
// the same weight whose parameters vary log-normally as the model's source
// reports, all given the same doses.
type PopulationSpec struct {
	Model    *Model
	WeightKg float64
	Doses    []Dose
	Grid     Grid
	N        int
	// Seed makes the population reproducible: patient i's deviations come
	// from a generator seeded with (Seed, i), whatever the number of workers.
	Seed uint64
	// Workers is the number of goroutines (0: GOMAXPROCS).
	Workers int
	// Progress, when set, is called with the number of output times done.
	Progress func(done, total int)
}

// Percentiles are the 5th, 50th and 95th percentiles of one output at each
// time, as R's quantile(type = 7).
type Percentiles struct {
	P5, P50, P95 []float64
}

// PopulationResult holds the percentiles of every output.
type PopulationResult struct {
	TimesH []float64
	Names  []string
	Bands  []Percentiles // one per name
}

// maxStates bounds the states of a model in population runs (a power of
// two: indices are masked with maxStates−1 to drop bounds checks).
const maxStates = 16

// MaxPopulation bounds N: beyond it a run takes minutes and the percentiles
// no longer change.
const MaxPopulation = 1_000_000

// PatientEta returns patient index's individual deviations η (one per
// model.IIVNames()) for the given seed.
func (m *Model) PatientEta(seed uint64, index int) []float64 {
	rng := rand.New(rand.NewPCG(seed, uint64(index)))
	k := len(m.iiv)
	z := make([]float64, k)
	for i := range z {
		z[i] = rng.NormFloat64()
	}
	eta := make([]float64, k)
	for i := 0; i < k; i++ {
		s := 0.0
		for j := 0; j <= i; j++ {
			s += m.chol[i][j] * z[j]
		}
		eta[i] = s
	}
	return eta
}

// SimulatePopulation runs spec and returns the percentiles of each output
// (concentrations in ng/mL, then effects) at every grid time.
//
// Each patient's system is compiled once: when its rate matrix has real,
// well-separated eigenvalues it is diagonalised (modal form: every mode
// evolves as z ← e^{λ·dt}·z + g·rate, exact like the matrix exponential),
// otherwise its propagators e^{A·dt} are computed once per distinct interval
// length. Time then advances in blocks: every patient over the block's
// steps, then the percentiles of each recorded time.
func SimulatePopulation(ctx context.Context, spec PopulationSpec) (*PopulationResult, error) {
	m := spec.Model
	if !m.PopulationIIV {
		return nil, fmt.Errorf("model %s: %s", m.ID, m.IIVNote)
	}
	if spec.N < 1 || spec.N > MaxPopulation {
		return nil, fmt.Errorf("population %d must be between 1 and %d", spec.N, MaxPopulation)
	}
	if err := spec.Grid.Validate(); err != nil {
		return nil, err
	}
	typical, err := m.System(spec.WeightKg, nil)
	if err != nil {
		return nil, err
	}
	if typical.N() > maxStates || len(typical.Outputs) > maxStates {
		return nil, fmt.Errorf("model %s: more than %d states or outputs", m.ID, maxStates)
	}
	workers := spec.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	times := spec.Grid.Times()
	steps := schedule(spec.Doses, times)
	var dts []time.Duration
	dtIndex := map[time.Duration]int{}
	for i := range steps {
		s := &steps[i]
		s.dt = -1
		if s.Dt == 0 {
			continue
		}
		k, ok := dtIndex[s.Dt]
		if !ok {
			k = len(dts)
			dtIndex[s.Dt] = k
			dts = append(dts, s.Dt)
		}
		s.dt = k
	}

	k, err := compileKernel(ctx, spec, typical, dts, workers)
	if err != nil {
		return nil, err
	}

	nNames := len(typical.Outputs) + len(typical.Effects)
	res := &PopulationResult{TimesH: make([]float64, len(times)), Bands: make([]Percentiles, nNames)}
	for i, t := range times {
		res.TimesH[i] = t.Hours()
	}
	for _, o := range typical.Outputs {
		res.Names = append(res.Names, o.Name)
	}
	for _, e := range typical.Effects {
		res.Names = append(res.Names, e.Name)
	}
	for i := range res.Bands {
		res.Bands[i] = Percentiles{P5: make([]float64, len(times)), P50: make([]float64, len(times)), P95: make([]float64, len(times))}
	}

	const block = 128
	N := spec.N
	buf := make([]float64, nNames*block*N)
	trackers := make([]bandTracker, nNames)
	stepAt := 0
	for rec0 := 0; rec0 < len(times); rec0 += block {
		rec1 := min(rec0+block, len(times))
		stepEnd := stepAt // the steps up to the one recording rec1−1
		for steps[stepEnd].Record != rec1-1 {
			stepEnd++
		}
		stepEnd++
		blockSteps := steps[stepAt:stepEnd]
		out := records{buf: buf, n: N, block: block, rec0: rec0}
		const tile = 256 // patients advanced together: their state stays in cache
		if err := parallel(ctx, workers, (N+tile-1)/tile, func(lo, hi int) error {
			for t := lo; t < hi; t++ {
				k.advance(t*tile, min((t+1)*tile, N), blockSteps, out)
			}
			return nil
		}); err != nil {
			return nil, err
		}
		stepAt = stepEnd
		rows := rec1 - rec0
		// One output per job: each output's tracker carries its brackets
		// from one time to the next.
		if err := parallel(ctx, workers, nNames, func(lo, hi int) error {
			for o := lo; o < hi; o++ {
				b := &res.Bands[o]
				for row := 0; row < rows; row++ {
					q := trackers[o].next(out.row(o, row))
					b.P5[rec0+row], b.P50[rec0+row], b.P95[rec0+row] = q[0], q[1], q[2]
				}
			}
			return nil
		}); err != nil {
			return nil, err
		}
		if spec.Progress != nil {
			spec.Progress(rec1, len(times))
		}
	}
	return res, nil
}

// parallel runs f over [0, n) split into one contiguous range per worker and
// returns the first error; it stops early when ctx is cancelled.
func parallel(ctx context.Context, workers, n int, f func(lo, hi int) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if workers > n {
		workers = n
	}
	if workers <= 1 {
		return f(0, n)
	}
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := 0; w < workers; w++ {
		lo, hi := w*n/workers, (w+1)*n/workers
		wg.Add(1)
		go func(w, lo, hi int) {
			defer wg.Done()
			errs[w] = f(lo, hi)
		}(w, lo, hi)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// ranked is one patient's value at the current time.
type ranked struct {
	v float64
	i int32
}

// bandQuantiles are the probabilities of the percentiles reported.
var bandQuantiles = [3]float64{0.05, 0.5, 0.95}

// bandTracker computes the percentiles of one output at successive times.
// Patients keep nearly the same ranks from one time to the next, so it
// remembers, for each percentile, two patients ranked just below and just
// above it: their current values bracket the percentile again, and one pass
// over the row (counting values below each bracket and keeping those inside)
// plus a sort of the few bracketed values finds it. When a bracket misses,
// the row is sorted in full and the brackets are chosen anew.
type bandTracker struct {
	lo, hi [3]int32 // patients bracketing each percentile
	margin [3]int   // ranks each bracket reaches beyond its percentile
	ok     bool
	win    [3][]ranked
	all    []ranked
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// next returns the type-7 percentiles of vals (R's quantile(type = 7):
// with h = (n−1)p, x[⌊h⌋] + (h−⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋]) of the sorted x).
func (bt *bandTracker) next(vals []float64) (q [3]float64) {
	n := len(vals)
	if !bt.ok || n < 64 {
		return bt.full(vals)
	}
	var th [6]float64
	for t := 0; t < 3; t++ {
		th[2*t], th[2*t+1] = vals[bt.lo[t]], vals[bt.hi[t]]
	}
	// brackets [th0, th1] < [th2, th3] < [th4, th5], disjoint
	for t := 0; t < 3; t++ {
		if th[2*t] > th[2*t+1] { // the bracket's patients swapped places
			bt.widen(t, n)
			return bt.full(vals)
		}
	}
	if !(th[1] < th[2] && th[3] < th[4]) { // brackets overlap
		return bt.full(vals)
	}
	// Count the values at or above each lower bound and above each upper
	// bound without branches; the rare values inside a bracket are kept.
	var ge [6]int
	for t := range bt.win {
		bt.win[t] = bt.win[t][:0]
	}
	t0, t1, t2, t3, t4, t5 := th[0], th[1], th[2], th[3], th[4], th[5]
	for p, v := range vals {
		a0, a1, a2 := b2i(v >= t0), b2i(v > t1), b2i(v >= t2)
		a3, a4, a5 := b2i(v > t3), b2i(v >= t4), b2i(v > t5)
		ge[0] += a0
		ge[1] += a1
		ge[2] += a2
		ge[3] += a3
		ge[4] += a4
		ge[5] += a5
		if a0 != a1 || a2 != a3 || a4 != a5 {
			w := 0
			if a2 != a3 {
				w = 1
			} else if a4 != a5 {
				w = 2
			}
			bt.win[w] = append(bt.win[w], ranked{v, int32(p)})
		}
	}
	// values below bracket t: n − #{v ≥ lower bound t}; between brackets
	// t and t+1: #{v > upper t} − #{v ≥ lower t+1}
	cnt := [7]int{n - ge[0], 0, ge[1] - ge[2], 0, ge[3] - ge[4], 0, ge[5]}
	below := cnt[0]
	for t, pq := range bandQuantiles {
		h := float64(n-1) * pq
		k := int(h)
		w := bt.win[t]
		if k < below || k+1 >= below+len(w) {
			bt.widen(t, n)
			return bt.full(vals)
		}
		// the percentile and its bracket for the next time, by selection
		j := k - below
		selectRanked(w, j)
		next := w[j+1]
		for _, r := range w[j+2:] {
			if r.v < next.v {
				next = r
			}
		}
		q[t] = w[j].v + (h-float64(k))*(next.v-w[j].v)
		// the bracket held: let it narrow again, slowly
		bt.margin[t] = max(bt.margin[t]-bt.margin[t]/128, baseMargin(n))
		m := bt.margin[t]
		lo := max(0, j-m)
		if lo < j {
			selectRanked(w[:j], lo)
		}
		bt.lo[t] = w[lo].i
		hi := min(len(w)-1, j+1+m)
		right := w[j+1:]
		selectRanked(right, hi-(j+1))
		bt.hi[t] = right[hi-(j+1)].i
		below += len(w) + cnt[2*t+2]
	}
	return q
}

// baseMargin is how many ranks a bracket reaches beyond its percentile at
// least.
func baseMargin(n int) int { return max(16, n/128) }

// selectRanked reorders a so that a[k] holds the k-th smallest value, the
// smaller before it and the larger after (Hoare's quickselect, median of
// three).
func selectRanked(a []ranked, k int) {
	lo, hi := 0, len(a)-1
	for hi-lo > 12 {
		mid := lo + (hi-lo)/2
		if a[mid].v < a[lo].v {
			a[mid], a[lo] = a[lo], a[mid]
		}
		if a[hi].v < a[lo].v {
			a[hi], a[lo] = a[lo], a[hi]
		}
		if a[hi].v < a[mid].v {
			a[hi], a[mid] = a[mid], a[hi]
		}
		pivot := a[mid].v
		i, j := lo, hi
		for i <= j {
			for a[i].v < pivot {
				i++
			}
			for a[j].v > pivot {
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
	sortRanked(a[lo : hi+1])
}

// widen doubles bracket t's margin after a miss (at most n/8 ranks).
func (bt *bandTracker) widen(t, n int) {
	bt.margin[t] = min(2*bt.margin[t], max(16, n/8))
}

// sortRanked sorts a short slice by value: quicksort with a median-of-three
// pivot, insertion sort below 12 elements.
func sortRanked(a []ranked) {
	for len(a) > 12 {
		mid := len(a) / 2
		last := len(a) - 1
		if a[mid].v < a[0].v {
			a[mid], a[0] = a[0], a[mid]
		}
		if a[last].v < a[0].v {
			a[last], a[0] = a[0], a[last]
		}
		if a[last].v < a[mid].v {
			a[last], a[mid] = a[mid], a[last]
		}
		pivot := a[mid].v
		i, j := 0, last
		for i <= j {
			for a[i].v < pivot {
				i++
			}
			for a[j].v > pivot {
				j--
			}
			if i <= j {
				a[i], a[j] = a[j], a[i]
				i++
				j--
			}
		}
		// recurse into the smaller part, loop on the larger
		if j+1 < len(a)-i {
			sortRanked(a[:j+1])
			a = a[i:]
		} else {
			sortRanked(a[i:])
			a = a[:j+1]
		}
	}
	for i := 1; i < len(a); i++ {
		r := a[i]
		k := i
		for k > 0 && a[k-1].v > r.v {
			a[k] = a[k-1]
			k--
		}
		a[k] = r
	}
}

// full sorts the row and sets the brackets.
func (bt *bandTracker) full(vals []float64) (q [3]float64) {
	n := len(vals)
	bt.all = bt.all[:0]
	for p, v := range vals {
		bt.all = append(bt.all, ranked{v, int32(p)})
	}
	sortRanked(bt.all)
	for t, pq := range bandQuantiles {
		if bt.margin[t] == 0 {
			bt.margin[t] = baseMargin(n)
		}
		m := bt.margin[t]
		h := float64(n-1) * pq
		k := int(h)
		if k+1 >= n {
			q[t] = bt.all[k].v
		} else {
			q[t] = bt.all[k].v + (h-float64(k))*(bt.all[k+1].v-bt.all[k].v)
		}
		bt.lo[t] = bt.all[max(0, k-m)].i
		bt.hi[t] = bt.all[min(n-1, k+1+m)].i
	}
	bt.ok = true
	return q
}
