package pk

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
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
	// Times, when set, are the output times instead of Grid's (increasing,
	// from 0 or later), as SimulateAt takes them.
	Times []time.Duration
	N     int
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
	times := spec.Times
	if times == nil {
		if err := spec.Grid.Validate(); err != nil {
			return nil, err
		}
		times = spec.Grid.Times()
	} else if err := checkTimes(times); err != nil {
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

	// Time advances in blocks of rows: every patient through the block
	// (patients in parallel), then the percentiles of the block's rows (one
	// job per output: each output's tracker carries its state from one time
	// to the next).
	const block = 128
	N := spec.N
	stride := rowStride(N)
	buf := make([]float64, nNames*block*stride)
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
		prog := blockProgram(blockSteps, rec0)
		out := records{buf: buf, n: N, stride: stride, block: block, rec0: rec0}
		const tile = 64 // patients handed to a worker at a time
		if err := parallel(ctx, workers, (N+tile-1)/tile, func(lo, hi int) error {
			for t := lo; t < hi; t++ {
				k.advance(t*tile, min((t+1)*tile, N), blockSteps, prog, out)
			}
			return nil
		}); err != nil {
			return nil, err
		}
		stepAt = stepEnd
		rows := rec1 - rec0
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

// parallel runs f over [0, n) on workers goroutines that take small
// chunks in turn (so that a worker slowed by another process does not hold
// the others up) and returns the first error; it stops early when ctx is
// cancelled.
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
	grain := max(1, n/(8*workers))
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for ctx.Err() == nil {
				lo := int(next.Add(int64(grain))) - grain
				if lo >= n {
					return
				}
				if err := f(lo, min(lo+grain, n)); err != nil {
					errs[w] = err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return ctx.Err()
}
