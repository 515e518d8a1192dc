package pk

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Dose is one administration, already in mg: a bolus (BolusMg > 0, given at
// Start) or a zero-order infusion (RateMgH > 0 over Duration from Start).
type Dose struct {
	Start    time.Duration
	Duration time.Duration
	RateMgH  float64
	BolusMg  float64
}

// Grid is the set of output times: every Step from 0 up to and including
// Until (Until itself is always an output time).
type Grid struct {
	Step  time.Duration
	Until time.Duration
}

// Times returns the grid's output times.
func (g Grid) Times() []time.Duration {
	var ts []time.Duration
	for t := time.Duration(0); t < g.Until; t += g.Step {
		ts = append(ts, t)
	}
	return append(ts, g.Until)
}

// Validate checks that the grid is usable.
func (g Grid) Validate() error {
	if g.Step <= 0 {
		return fmt.Errorf("step must be positive")
	}
	if g.Until <= 0 {
		return fmt.Errorf("until must be positive")
	}
	if g.Until/g.Step > 2_000_000 {
		return fmt.Errorf("grid has more than 2,000,000 points: use a larger step or a shorter until")
	}
	return nil
}

// checkTimes checks a list of output times: at least one, none negative,
// strictly increasing, no more than a grid may hold.
func checkTimes(times []time.Duration) error {
	if len(times) == 0 {
		return fmt.Errorf("no output times")
	}
	if len(times) > 2_000_001 {
		return fmt.Errorf("more than 2,000,000 output times")
	}
	if times[0] < 0 {
		return fmt.Errorf("output time %v is negative", times[0])
	}
	for i := 1; i < len(times); i++ {
		if times[i] <= times[i-1] {
			return fmt.Errorf("output times must increase: %v after %v", times[i], times[i-1])
		}
	}
	if times[len(times)-1] <= 0 {
		return fmt.Errorf("the last output time must be positive")
	}
	return nil
}

// step is one piece of a schedule: propagate over Dt with a constant
// infusion Rate, then give Bolus mg, then (if Record ≥ 0) record output
// time Record. A step with Dt = 0 only gives the bolus and records.
type step struct {
	Dt     time.Duration
	Rate   float64
	Bolus  float64
	Record int
	Point  bool // the end of this step is a dose change (start or end)
	dt     int  // population runs: index of the step's propagator, −1 if Dt = 0
}

// schedule merges doses and output times into steps. Doses at or after
// Until are outside the horizon and ignored; an infusion running past Until
// is cut there.
func schedule(doses []Dose, times []time.Duration) []step {
	until := times[len(times)-1]
	type change struct {
		bolus float64
		rate  float64 // change in rate at this time
	}
	changes := map[time.Duration]*change{}
	at := func(t time.Duration) *change {
		c := changes[t]
		if c == nil {
			c = &change{}
			changes[t] = c
		}
		return c
	}
	for _, d := range doses {
		if d.Start > until {
			continue
		}
		if d.BolusMg > 0 {
			at(d.Start).bolus += d.BolusMg
		}
		if d.RateMgH > 0 && d.Duration > 0 {
			at(d.Start).rate += d.RateMgH
			if end := d.Start + d.Duration; end <= until {
				at(end).rate -= d.RateMgH
			}
		}
	}
	// times are increasing (Grid.Times, SimulateAt's check): merge the
	// dose changes into them in one pass.
	at0 := make([]time.Duration, 0, len(changes))
	for t := range changes {
		at0 = append(at0, t)
	}
	slices.Sort(at0)
	steps := make([]step, 0, len(times)+len(at0))
	rate := 0.0
	prev := time.Duration(0)
	for i, j := 0, 0; i < len(times) || j < len(at0); {
		var t time.Duration
		var c *change
		rec := -1
		switch {
		case j == len(at0) || i < len(times) && times[i] < at0[j]:
			t, rec = times[i], i
			i++
		case i == len(times) || at0[j] < times[i]:
			t, c = at0[j], changes[at0[j]]
			j++
		default: // an output time that is also a dose change
			t, rec, c = times[i], i, changes[at0[j]]
			i++
			j++
		}
		s := step{Dt: t - prev, Rate: rate, Record: rec}
		if c != nil {
			s.Bolus = c.bolus
			rate += c.rate
			s.Point = true
			if math.Abs(rate) < 1e-12 {
				rate = 0 // exact cancellation of float sums at an infusion's end
			}
		}
		steps = append(steps, s)
		prev = t
	}
	return steps
}

// Summary describes one output over the simulated horizon.
type Summary struct {
	// Cmax is the largest value at any output time or dose change.
	Cmax float64
	// TmaxH is the time of Cmax in hours (the first, if repeated).
	TmaxH float64
	// AUC is the exact integral of the concentration from 0 to Until in
	// h·ng/mL; it is NaN for effect outputs (not a concentration).
	AUC float64
	// AboveH is the time above the threshold in hours (linear
	// interpolation between output times); NaN when no threshold was set.
	AboveH float64
}

// Result is a simulation of one subject.
type Result struct {
	TimesH []float64
	// Names lists the outputs: concentrations first, then effects.
	Names []string
	// Values[k][i] is output k at time i.
	Values  [][]float64
	Summary []Summary
}

// Simulate solves the system exactly for the doses and records the outputs
// (concentrations in ng/mL, then effects) at the grid times. At the time of
// a bolus the value just after it is recorded. threshold (ng/mL, ≤ 0 for
// none) sets the time-above-threshold of the concentration outputs.
func Simulate(sys *System, doses []Dose, grid Grid, threshold float64) (*Result, error) {
	if err := grid.Validate(); err != nil {
		return nil, err
	}
	return SimulateAt(sys, doses, grid.Times(), threshold)
}

// SimulateAt is Simulate at the given output times instead of a regular
// grid: a grid with extra times (the end of each infusion, the instant
// before a bolus), so that their values come out of the same exact
// propagation rather than from an interpolation.
func SimulateAt(sys *System, doses []Dose, times []time.Duration, threshold float64) (*Result, error) {
	if err := sys.Validate(); err != nil {
		return nil, err
	}
	if err := checkTimes(times); err != nil {
		return nil, err
	}
	ext := withIntegrals(sys)
	n := ext.N()
	nOut := len(sys.Outputs)
	nEff := len(sys.Effects)
	res := &Result{TimesH: make([]float64, len(times))}
	for i, t := range times {
		res.TimesH[i] = t.Hours()
	}
	for _, o := range sys.Outputs {
		res.Names = append(res.Names, o.Name)
	}
	for _, e := range sys.Effects {
		res.Names = append(res.Names, e.Name)
	}
	res.Values = make([][]float64, nOut+nEff)
	for k := range res.Values {
		res.Values[k] = make([]float64, len(times))
	}
	res.Summary = make([]Summary, nOut+nEff)
	for k := range res.Summary {
		res.Summary[k].AUC = math.NaN()
	}

	x := make([]float64, n)
	tmp := make([]float64, n)
	cache := map[time.Duration]*Propagator{}
	conc := make([]float64, nOut)
	now := time.Duration(0)
	observe := func() {
		for k, o := range sys.Outputs {
			conc[k] = o.Concentration(x)
		}
		h := now.Hours()
		for k := 0; k < nOut+nEff; k++ {
			v := 0.0
			if k < nOut {
				v = conc[k]
			} else {
				e := sys.Effects[k-nOut]
				v = e.Value(conc[e.Input])
			}
			if v > res.Summary[k].Cmax {
				res.Summary[k].Cmax, res.Summary[k].TmaxH = v, h
			}
		}
	}
	shares := ext.doseShares()
	for _, s := range schedule(doses, times) {
		if s.Dt > 0 {
			p := cache[s.Dt]
			if p == nil {
				p = ext.NewPropagator(s.Dt.Hours())
				cache[s.Dt] = p
			}
			p.Apply(x, tmp, s.Rate)
			now += s.Dt
		}
		if s.Bolus != 0 {
			for i, f := range shares {
				x[i] += f * s.Bolus
			}
		}
		observe()
		if s.Record >= 0 {
			for k := 0; k < nOut; k++ {
				res.Values[k][s.Record] = conc[k]
			}
			for k, e := range sys.Effects {
				res.Values[nOut+k][s.Record] = e.Value(conc[e.Input])
			}
		}
	}
	for k := 0; k < nOut; k++ {
		res.Summary[k].AUC = x[sys.N()+k]
	}
	for k := range res.Summary {
		res.Summary[k].AboveH = math.NaN()
		if threshold > 0 && k < nOut {
			res.Summary[k].AboveH = timeAbove(res.TimesH, res.Values[k], threshold)
		}
	}
	return res, nil
}

// withIntegrals extends sys with one state per output that integrates its
// concentration (dJ/dt = 1000·x[state]/V), so that the AUC comes out of the
// same exact propagation.
func withIntegrals(sys *System) *System {
	n := sys.N()
	k := len(sys.Outputs)
	m := n + k
	a := make([]float64, m*m)
	for i := 0; i < n; i++ {
		copy(a[i*m:i*m+n], sys.A[i*n:i*n+n])
	}
	states := append([]string(nil), sys.States...)
	for j, o := range sys.Outputs {
		a[(n+j)*m+o.State] = 1000 / o.VolumeL
		states = append(states, "auc_"+o.Name)
	}
	virtual := make([]bool, m)
	copy(virtual, sys.Virtual)
	for j := n; j < m; j++ {
		virtual[j] = true
	}
	var split []float64
	if sys.DoseSplit != nil {
		split = make([]float64, m)
		copy(split, sys.DoseSplit)
	}
	return &System{States: states, A: a, Dose: sys.Dose, DoseSplit: split, Virtual: virtual, Outputs: sys.Outputs, Effects: sys.Effects}
}

// timeAbove returns the time (h) during which the piecewise-linear
// interpolant of v over t exceeds c.
func timeAbove(t, v []float64, c float64) float64 {
	total := 0.0
	for i := 1; i < len(t); i++ {
		a, b := v[i-1]-c, v[i]-c
		dt := t[i] - t[i-1]
		switch {
		case a > 0 && b > 0:
			total += dt
		case a > 0 && b <= 0:
			total += dt * a / (a - b)
		case a <= 0 && b > 0:
			total += dt * b / (b - a)
		}
	}
	return total
}
