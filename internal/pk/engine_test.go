package pk

import (
	"math"
	"testing"
	"time"
)

// relErr is |got−want|/|want| (or |got| when want is 0).
func relErr(got, want float64) float64 {
	if want == 0 {
		return math.Abs(got)
	}
	return math.Abs(got-want) / math.Abs(want)
}

// oneCompartment is dx/dt = −k·x with volume v (L).
func oneCompartment(k, v float64) *System {
	return &System{
		States:  []string{"central"},
		A:       []float64{-k},
		Outputs: []Output{{Name: "c", State: 0, VolumeL: v}},
	}
}

// twoCompartment is the mammillary two-compartment model with micro rate
// constants k10, k12, k21 (per hour) and central volume v1 (L).
func twoCompartment(k10, k12, k21, v1 float64) *System {
	return &System{
		States: []string{"central", "peripheral"},
		A: []float64{
			-(k10 + k12), k21,
			k12, -k21,
		},
		Outputs: []Output{{Name: "c", State: 0, VolumeL: v1}},
	}
}

// Closed forms (Gibaldi & Perrier, Pharmacokinetics, 2nd ed., ch. 1–2): a
// one-compartment bolus D gives C = D/V·e^{−kt}; a zero-order infusion R over
// T gives R/(kV)·(1−e^{−kt}) during it and R/(kV)·(1−e^{−kT})·e^{−k(t−T)} after.
func oneCptClosed(k, v float64, doses []Dose, t float64) float64 {
	c := 0.0
	for _, d := range doses {
		t0 := d.Start.Hours()
		if t < t0 {
			continue
		}
		s := t - t0
		if d.BolusMg > 0 {
			c += 1000 * d.BolusMg / v * math.Exp(-k*s)
		}
		if d.RateMgH > 0 {
			tinf := d.Duration.Hours()
			if s <= tinf {
				c += 1000 * d.RateMgH / (k * v) * -math.Expm1(-k*s)
			} else {
				c += 1000 * d.RateMgH / (k * v) * -math.Expm1(-k*tinf) * math.Exp(-k*(s-tinf))
			}
		}
	}
	return c
}

// twoCptClosed is the bi-exponential closed form: with α, β the roots of
// λ² − (k10+k12+k21)λ + k10·k21 = 0, a unit bolus gives
// C/D = [(α−k21)e^{−αt} + (k21−β)e^{−βt}] / ((α−β)·V1), and an infusion is
// the integral of that over the input (Gibaldi & Perrier ch. 2).
func twoCptClosed(k10, k12, k21, v1 float64, doses []Dose, t float64) float64 {
	sum := k10 + k12 + k21
	disc := math.Sqrt(sum*sum - 4*k10*k21)
	alpha, beta := (sum+disc)/2, (sum-disc)/2
	coef := []float64{(alpha - k21) / (alpha - beta), (k21 - beta) / (alpha - beta)}
	lam := []float64{alpha, beta}
	c := 0.0
	for _, d := range doses {
		t0 := d.Start.Hours()
		if t < t0 {
			continue
		}
		s := t - t0
		for i := range lam {
			if d.BolusMg > 0 {
				c += 1000 * d.BolusMg / v1 * coef[i] * math.Exp(-lam[i]*s)
			}
			if d.RateMgH > 0 {
				tinf := d.Duration.Hours()
				if s <= tinf {
					c += 1000 * d.RateMgH / v1 * coef[i] / lam[i] * -math.Expm1(-lam[i]*s)
				} else {
					c += 1000 * d.RateMgH / v1 * coef[i] / lam[i] * -math.Expm1(-lam[i]*tinf) * math.Exp(-lam[i]*(s-tinf))
				}
			}
		}
	}
	return c
}

func TestClosedForms(t *testing.T) {
	h := func(x float64) time.Duration { return time.Duration(x * float64(time.Hour)) }
	regimens := map[string][]Dose{
		"bolus":    {{Start: 0, BolusMg: 35}},
		"infusion": {{Start: 0, Duration: 4 * time.Hour, RateMgH: 24.5}},
		// superposition: two boluses and overlapping infusions, starts off
		// the output grid
		"superposition": {
			{Start: 0, BolusMg: 20},
			{Start: h(1.3), Duration: 4 * time.Hour, RateMgH: 10},
			{Start: h(2), Duration: 90 * time.Minute, RateMgH: 7.5},
			{Start: 24 * time.Hour, BolusMg: 17.5},
			{Start: 24 * time.Hour, Duration: 4 * time.Hour, RateMgH: 24.5},
		},
	}
	grid := Grid{Step: 5 * time.Minute, Until: 48 * time.Hour}
	// Kamp 2020-like one-compartment (V 252 L, CL 79 L/h) and Herd 2007-like
	// two-compartment values; any positive values would do.
	k1, v1 := 79.0/252, 252.0
	k10, k12, k21, v2c := 90.0/38.7, 215.0/38.7, 215.0/102, 38.7
	for name, doses := range regimens {
		t.Run(name, func(t *testing.T) {
			r1, err := Simulate(oneCompartment(k1, v1), doses, grid, 0)
			if err != nil {
				t.Fatal(err)
			}
			r2, err := Simulate(twoCompartment(k10, k12, k21, v2c), doses, grid, 0)
			if err != nil {
				t.Fatal(err)
			}
			worst1, worst2 := 0.0, 0.0
			for i, th := range r1.TimesH {
				want1 := oneCptClosed(k1, v1, doses, th)
				want2 := twoCptClosed(k10, k12, k21, v2c, doses, th)
				if want1 > 1e-12 {
					worst1 = math.Max(worst1, relErr(r1.Values[0][i], want1))
				}
				if want2 > 1e-12 {
					worst2 = math.Max(worst2, relErr(r2.Values[0][i], want2))
				}
			}
			t.Logf("worst relative error: one-compartment %.2g, two-compartment %.2g", worst1, worst2)
			if worst1 > 1e-9 || worst2 > 1e-9 {
				t.Errorf("worst relative error: one-compartment %.3g, two-compartment %.3g (want ≤ 1e-9)", worst1, worst2)
			}
		})
	}
}

// The exact AUC of a one-compartment bolus is D/(V·k) when integrated to
// infinity; to time T it is D/(V·k)·(1−e^{−kT}).
func TestAUCExact(t *testing.T) {
	k, v := 0.3, 100.0
	res, err := Simulate(oneCompartment(k, v), []Dose{{BolusMg: 10}}, Grid{Step: time.Hour, Until: 10 * time.Hour}, 50)
	if err != nil {
		t.Fatal(err)
	}
	want := 1000 * 10 / (v * k) * -math.Expm1(-k*10)
	if e := relErr(res.Summary[0].AUC, want); e > 1e-12 {
		t.Errorf("AUC %v, want %v (rel %g)", res.Summary[0].AUC, want, e)
	}
	// C(t) = 100·e^{−0.3t} ng/mL is above 50 until ln 2/0.3 h; the summary
	// interpolates linearly between hourly points, so allow the chord error.
	if got, want := res.Summary[0].AboveH, math.Ln2/k; math.Abs(got-want) > 0.05 {
		t.Errorf("time above 50 ng/mL %v h, want ≈ %v h", got, want)
	}
	if res.Summary[0].Cmax != 100 || res.Summary[0].TmaxH != 0 {
		t.Errorf("Cmax %v at %v h, want 100 at 0 (value just after the bolus)", res.Summary[0].Cmax, res.Summary[0].TmaxH)
	}
}
