package pk

import (
	"math"
	"testing"
	"time"
)

// rk45 integrates dx/dt = A·x + rate·shares over [0, h] (shares: the part
// of the dose entering each state) with the
// Dormand–Prince 5(4) pair and step-size control (Hairer, Nørsett & Wanner,
// Solving ODEs I, 2nd ed., §II.4–5, Table 5.2), as an independent reference
// for the exact engine. It lives in the test only.
func rk45(a []float64, n int, shares []float64, rate float64, x []float64, h, rtol, atol float64) {
	f := func(y, dy []float64) {
		for i := 0; i < n; i++ {
			s := 0.0
			for j := 0; j < n; j++ {
				s += a[i*n+j] * y[j]
			}
			dy[i] = s
		}
		for i, f := range shares {
			dy[i] += rate * f
		}
	}
	c := [7]float64{0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1}
	_ = c // the system is autonomous on each constant-rate piece
	b := [7][6]float64{
		{},
		{1.0 / 5},
		{3.0 / 40, 9.0 / 40},
		{44.0 / 45, -56.0 / 15, 32.0 / 9},
		{19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
		{9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656},
		{35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84},
	}
	e := [7]float64{71.0 / 57600, 0, -71.0 / 16695, 71.0 / 1920, -17253.0 / 339200, 22.0 / 525, -1.0 / 40}
	k := make([][]float64, 7)
	for i := range k {
		k[i] = make([]float64, n)
	}
	y := make([]float64, n)
	t, dt := 0.0, h/100
	for t < h {
		if t+dt > h {
			dt = h - t
		}
		f(x, k[0])
		for s := 1; s < 7; s++ {
			for i := 0; i < n; i++ {
				v := x[i]
				for j := 0; j < s; j++ {
					v += dt * b[s][j] * k[j][i]
				}
				y[i] = v
			}
			f(y, k[s])
		}
		// y is now the 5th-order solution (stage 7 uses the b[6] weights)
		errNorm := 0.0
		for i := 0; i < n; i++ {
			ei := 0.0
			for s := 0; s < 7; s++ {
				ei += dt * e[s] * k[s][i]
			}
			sc := atol + rtol*math.Max(math.Abs(x[i]), math.Abs(y[i]))
			errNorm = math.Max(errNorm, math.Abs(ei)/sc)
		}
		if errNorm <= 1 {
			t += dt
			copy(x, y)
		}
		dt *= math.Min(5, math.Max(0.2, 0.9*math.Pow(math.Max(errNorm, 1e-10), -0.2)))
	}
}

// Every model in the catalog, solved exactly, agrees with a tightly
// controlled Runge–Kutta integration of the same matrix.
func TestEngineMatchesRK45(t *testing.T) {
	doses := []Dose{
		{Start: 0, Duration: 4 * time.Hour, RateMgH: 24.5},
		{Start: 6 * time.Hour, BolusMg: 14},
		{Start: 24 * time.Hour, Duration: 100 * time.Minute, RateMgH: 40},
	}
	grid := Grid{Step: 15 * time.Minute, Until: 36 * time.Hour}
	for _, m := range Models() {
		t.Run(m.ID, func(t *testing.T) {
			sys, err := m.System(70, nil)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Simulate(sys, doses, grid, 0)
			if err != nil {
				t.Fatal(err)
			}
			n := sys.N()
			x := make([]float64, n)
			now := time.Duration(0)
			worst := 0.0
			for _, s := range schedule(doses, grid.Times()) {
				if s.Dt > 0 {
					rk45(sys.A, n, sys.doseShares(), s.Rate, x, s.Dt.Hours(), 1e-12, 1e-15)
					now += s.Dt
				}
				for i, f := range sys.doseShares() {
					x[i] += f * s.Bolus
				}
				if s.Record < 0 {
					continue
				}
				for k, o := range sys.Outputs {
					want := o.Concentration(x)
					got := res.Values[k][s.Record]
					if want > 1e-6 {
						worst = math.Max(worst, relErr(got, want))
					}
				}
			}
			t.Logf("worst relative difference from RK45: %.2g", worst)
			if worst > 1e-8 {
				t.Errorf("worst relative difference from RK45: %.3g", worst)
			}
		})
	}
}

// Mass balance: the drug given equals the drug in the body plus the drug
// eliminated. An accumulator of everything that leaves (the negated column
// sums of A over the real states) is added to the system and propagated by
// the same exact engine.
func TestMassBalance(t *testing.T) {
	doses := []Dose{
		{Start: 0, Duration: 4 * time.Hour, RateMgH: 0.35 * 80},
		{Start: 30 * time.Minute, BolusMg: 20},
		{Start: 48 * time.Hour, Duration: 100 * time.Hour, RateMgH: 20},
	}
	given := 0.35*80*4 + 20 + 20*100.0
	for _, m := range Models() {
		t.Run(m.ID, func(t *testing.T) {
			sys, err := m.System(80, nil)
			if err != nil {
				t.Fatal(err)
			}
			n := sys.N()
			ext := &System{States: append(sys.States, "eliminated"), Dose: sys.Dose, Virtual: append(append([]bool(nil), sys.Virtual...), true)}
			if sys.DoseSplit != nil {
				ext.DoseSplit = append(append([]float64(nil), sys.DoseSplit...), 0)
			}
			ext.A = make([]float64, (n+1)*(n+1))
			for i := 0; i < n; i++ {
				copy(ext.A[i*(n+1):i*(n+1)+n], sys.A[i*n:(i+1)*n])
			}
			for j := 0; j < n; j++ {
				if sys.Virtual[j] {
					continue
				}
				out := 0.0
				for i := 0; i < n; i++ {
					if !sys.Virtual[i] {
						out -= sys.A[i*n+j]
					}
				}
				ext.A[n*(n+1)+j] = out
			}
			x := make([]float64, n+1)
			tmp := make([]float64, n+1)
			grid := Grid{Step: time.Hour, Until: 400 * time.Hour}
			for _, s := range schedule(doses, grid.Times()) {
				if s.Dt > 0 {
					ext.NewPropagator(s.Dt.Hours()).Apply(x, tmp, s.Rate)
				}
				for i, f := range ext.doseShares() {
					x[i] += f * s.Bolus
				}
			}
			total := 0.0
			for i, v := range x {
				if i == n || !ext.Virtual[i] {
					total += v
				}
			}
			if e := relErr(total, given); e > 1e-10 {
				t.Errorf("in body + eliminated = %.12g mg, given %.12g mg (rel %.2g)", total, given, e)
			}
		})
	}
}

// At steady state of a constant infusion R, plasma ketamine is R/CL
// whatever the distribution: 1000·R/CL ng/mL (Gibaldi & Perrier ch. 2). For
// fanta-otto-s at 70 kg, CL = 95.2 L/h (Otto 2021 Table 3), and the
// metabolite, formed at R (all clearance forms it), sits at 1000·R/CL_NK
// with CL_NK = 57.7 L/h.
func TestSteadyState(t *testing.T) {
	m, _ := Lookup("fanta-otto-s")
	sys, _ := m.System(70, nil)
	r := 20.0
	res, err := Simulate(sys, []Dose{{Duration: 2000 * time.Hour, RateMgH: r}}, Grid{Step: 100 * time.Hour, Until: 1000 * time.Hour}, 0)
	if err != nil {
		t.Fatal(err)
	}
	last := len(res.TimesH) - 1
	if e := relErr(res.Values[0][last], 1000*r/95.2); e > 1e-9 {
		t.Errorf("ketamine steady state %v, want %v", res.Values[0][last], 1000*r/95.2)
	}
	if e := relErr(res.Values[1][last], 1000*r/57.7); e > 1e-9 {
		t.Errorf("norketamine steady state %v, want %v", res.Values[1][last], 1000*r/57.7)
	}
}
