package cohort

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// discreteNormal is a normal distribution N(mu, sigma²) rounded to the
// integers 0..top, the tails piled on the ends: value k stands for the
// latent interval [k − ½, k + ½), 0 for everything below ½ and top for
// everything from top − ½. It is how the generator turns a continuous
// latent score into a verbal 0–10 (or 0–4, 0–100) rating.
type discreteNormal struct {
	mu, sigma float64
	top       int
}

// value maps a standard-normal draw u to the rating.
func (d discreteNormal) value(u float64) int {
	if d.sigma == 0 {
		return clamp(int(math.Floor(d.mu+0.5)), d.top)
	}
	return clamp(int(math.Floor(d.mu+d.sigma*u+0.5)), d.top)
}

func clamp(k, top int) int {
	return min(max(k, 0), top)
}

// moments returns the mean and standard deviation of the rating.
func (d discreteNormal) moments() (mean, sd float64) {
	if d.sigma == 0 {
		k := float64(d.value(0))
		return k, 0
	}
	var m1, m2 float64
	prev := 0.0 // P(latent < k − ½)
	for k := 0; k <= d.top; k++ {
		next := 1.0
		if k < d.top {
			next = distuv.UnitNormal.CDF((float64(k) + 0.5 - d.mu) / d.sigma)
		}
		p := next - prev
		m1 += p * float64(k)
		m2 += p * float64(k) * float64(k)
		prev = next
	}
	return m1, math.Sqrt(math.Max(m2-m1*m1, 0))
}

// fitDiscreteNormal finds the latent mu and sigma whose rating on 0..top has
// the given mean and standard deviation, by Newton's method on the two
// moment equations with a finite-difference Jacobian. A standard deviation
// of 0 gives the constant rating mean (which must then be a whole number).
func fitDiscreteNormal(mean, sd float64, top int) (discreteNormal, error) {
	if mean < 0 || mean > float64(top) || sd < 0 {
		return discreteNormal{}, fmt.Errorf("cohort: mean %v ± %v is outside a 0–%d scale", mean, sd, top)
	}
	if sd == 0 {
		if mean != math.Floor(mean) {
			return discreteNormal{}, fmt.Errorf("cohort: a constant rating must be whole, not %v", mean)
		}
		return discreteNormal{mu: mean, top: top}, nil
	}
	d := discreteNormal{mu: mean, sigma: sd, top: top}
	residual := func(d discreteNormal) (float64, float64) {
		m, s := d.moments()
		return m - mean, s - sd
	}
	for iter := 0; iter < 200; iter++ {
		r1, r2 := residual(d)
		if math.Abs(r1) < 1e-12 && math.Abs(r2) < 1e-12 {
			return d, nil
		}
		const h = 1e-6
		a1, a2 := residual(discreteNormal{mu: d.mu + h, sigma: d.sigma, top: top})
		b1, b2 := residual(discreteNormal{mu: d.mu - h, sigma: d.sigma, top: top})
		c1, c2 := residual(discreteNormal{mu: d.mu, sigma: d.sigma + h, top: top})
		e1, e2 := residual(discreteNormal{mu: d.mu, sigma: d.sigma - h, top: top})
		j11, j21 := (a1-b1)/(2*h), (a2-b2)/(2*h)
		j12, j22 := (c1-e1)/(2*h), (c2-e2)/(2*h)
		det := j11*j22 - j12*j21
		if det == 0 || math.IsNaN(det) {
			break
		}
		dmu := (r1*j22 - r2*j12) / det
		dsigma := (j11*r2 - j21*r1) / det
		// Damp the step so sigma stays positive and the tails stay sane.
		step := 1.0
		for d.sigma-step*dsigma <= 0.05 || math.Abs(step*dmu) > 5 {
			step /= 2
		}
		d.mu -= step * dmu
		d.sigma -= step * dsigma
	}
	r1, r2 := residual(d)
	return d, fmt.Errorf("cohort: no latent normal gives mean %v ± %v on 0–%d (residuals %g, %g)", mean, sd, top, r1, r2)
}
