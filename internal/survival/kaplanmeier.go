// Package survival estimates how long relief lasts: Kaplan–Meier curves of
// relief periods with Greenwood variance, log-transformed 95 % confidence
// intervals and the median with its confidence interval, exactly as R's
// survival::survfit computes them by default; and the relief-period CSV of
// `ketatrack survival`.
package survival

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
)

// Observation is one right-censored duration: Time until the event (relief
// ended by relapse) when Event is true, or until follow-up ended with the
// patient still relieved when Event is false.
type Observation struct {
	Time  float64 // duration, in days for relief
	Event bool    // true: relapse at Time; false: censored at Time
}

// Curve is a Kaplan–Meier estimate. Its JSON form is the document of
// `ketatrack survival --json` (shared/PRODUCT.md); what R gives as NA is
// null.
type Curve struct {
	// N is the number of observations; Events the number of them that
	// ended in the event.
	N      int `json:"n"`
	Events int `json:"events"`
	// MedianDays is the median duration, null when the curve never falls
	// to one half; MedianCI95 its 95 % confidence interval, each end null
	// when the corresponding confidence limit never falls to one half.
	MedianDays *float64    `json:"median_days"`
	MedianCI95 [2]*float64 `json:"median_ci95"`
	// Points has one entry per distinct time with an event or a censoring,
	// in time order, as R's survfit object.
	Points []Point `json:"curve"`
}

// Point is the curve at one distinct time.
type Point struct {
	// Day is the time (in days for relief periods).
	Day float64 `json:"day"`
	// AtRisk counts the observations with a time at or after Day.
	AtRisk int `json:"at_risk"`
	// Events and Censored count the observations ending at Day with and
	// without the event.
	Events   int `json:"events"`
	Censored int `json:"-"`
	// Survival is the Kaplan–Meier estimate just after Day; Lower and
	// Upper its 95 % confidence limits, null once Survival is 0.
	Survival float64  `json:"survival"`
	Lower    *float64 `json:"lower"`
	Upper    *float64 `json:"upper"`
	// StdErr is the Greenwood standard error of the cumulative hazard
	// (of log Survival), R's std.err; not part of the CLI contract.
	StdErr float64 `json:"-"`
}

// ConfidenceLevel is survfit's default conf.int.
const ConfidenceLevel = 0.95

// KaplanMeier estimates the survival curve of the observations as R's
// survfit(Surv(time, event) ~ 1) with its defaults (stype = 1, ctype = 1,
// conf.type = "log", conf.int = 0.95):
//
//	S(t) = Π_{tᵢ ≤ t} (1 − dᵢ/nᵢ)
//	se(t) = sqrt(Σ_{tᵢ ≤ t} dᵢ / (nᵢ (nᵢ − dᵢ)))        (Greenwood, on log S)
//	lower, upper = exp(log S(t) ∓ z·se(t)), upper capped at 1, z = Φ⁻¹(0.975)
//
// with nᵢ at risk and dᵢ events at the i-th distinct time; censorings at a
// time count as at risk at that time. The median and its interval follow
// survival:::survmean (see median). Observations with a NaN time are
// ignored; a negative time is kept (survfit starts at min(0, times)).
func KaplanMeier(obs []Observation) Curve {
	o := make([]Observation, 0, len(obs))
	for _, x := range obs {
		if !math.IsNaN(x.Time) {
			o = append(o, x)
		}
	}
	slices.SortStableFunc(o, func(a, b Observation) int {
		switch {
		case a.Time < b.Time:
			return -1
		case a.Time > b.Time:
			return 1
		}
		return 0
	})
	c := Curve{N: len(o)}
	z := distuv.UnitNormal.Quantile(1 - (1-ConfidenceLevel)/2)
	atRisk := len(o)
	surv, varhaz := 1.0, 0.0
	for i := 0; i < len(o); {
		j := i
		events := 0
		for j < len(o) && o[j].Time == o[i].Time {
			if o[j].Event {
				events++
			}
			j++
		}
		p := Point{Day: o[i].Time, AtRisk: atRisk, Events: events, Censored: j - i - events}
		if events > 0 {
			n, d := float64(atRisk), float64(events)
			surv *= (n - d) / n
			varhaz += d / (n * (n - d)) // +Inf once every one at risk has the event
		}
		p.Survival = surv
		p.StdErr = math.Sqrt(varhaz)
		if surv > 0 {
			// R's survfit_confint, conf.type = "log".
			p.Lower = finite(math.Exp(math.Log(surv) - z*p.StdErr))
			p.Upper = finite(math.Min(math.Exp(math.Log(surv)+z*p.StdErr), 1))
		}
		c.Events += events
		c.Points = append(c.Points, p)
		atRisk -= j - i
		i = j
	}
	c.MedianDays = finite(median(c.Points, func(p Point) *float64 { return &p.Survival }))
	c.MedianCI95[0] = finite(median(c.Points, func(p Point) *float64 { return p.Lower }))
	c.MedianCI95[1] = finite(median(c.Points, func(p Point) *float64 { return p.Upper }))
	return c
}

// median is survival:::survmean's minmin(y, time): the first time at which
// the curve y is at or below one half (within sqrt of the machine epsilon);
// when it sits exactly at one half there and falls lower later, the midpoint
// between that time and the first time it is below one half. Points where y
// is NA (nil) are skipped. NaN when y never reaches one half.
func median(points []Point, y func(Point) *float64) float64 {
	tol := math.Sqrt(0x1p-52) // .Machine$double.eps^0.5
	var keepT, keepY []float64
	for _, p := range points {
		v := y(p)
		if v != nil && *v < 0.5+tol {
			keepT = append(keepT, p.Day)
			keepY = append(keepY, *v)
		}
	}
	if len(keepT) == 0 {
		return math.NaN()
	}
	if math.Abs(keepY[0]-0.5) < tol {
		for k := range keepY {
			if keepY[k] < keepY[0] {
				return (keepT[0] + keepT[k]) / 2
			}
		}
	}
	return keepT[0]
}

// finite returns &x, or nil when x is NaN or infinite (R's NA).
func finite(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}
