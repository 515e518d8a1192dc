package prediction

import (
	"math"
	"time"
)

// Figure is one figure read from the central line (the typical patient, or
// the population's median), with the same figure read from the 5th and
// 95th percentile lines for a population. A figure of a percentile line is
// not the percentile of that figure among the virtual patients (the median
// line's peak is not the median of the patients' peaks), but it brackets
// it closely for these smooth curves.
type Figure struct {
	Value float64  `json:"value"`
	P5    *float64 `json:"p5,omitempty"`
	P95   *float64 `json:"p95,omitempty"`
}

// DayFigures are one treatment day's figures.
type DayFigures struct {
	Day       int `json:"day"`
	CourseDay int `json:"course_day"`
	// CmaxNgML is the highest concentration from the start of the day's
	// session to the next day's (or the end of the prediction), TmaxH when
	// the central line reaches it, in hours from the origin.
	CmaxNgML Figure  `json:"cmax_ng_mL"`
	TmaxH    float64 `json:"tmax_h"`
	// AUCHNgML is the AUC from the origin to the end of the day's window:
	// cumulative over the course.
	AUCHNgML Figure `json:"cumulative_auc_h_ng_mL"`
}

// InfusionEnd is the concentration at the end of one infusion (when the
// pump's rate falls to zero).
type InfusionEnd struct {
	Day      int     `json:"day"`
	AtH      float64 `json:"at_h"`
	ConcNgML Figure  `json:"ng_mL"`
}

// Summary is one output's figures.
type Summary struct {
	Output string        `json:"output"`
	Label  string        `json:"label"`
	Days   []DayFigures  `json:"days"`
	Ends   []InfusionEnd `json:"infusion_ends"`
	// LastDoseH is when the last dose ends, in hours from the origin.
	LastDoseH float64 `json:"last_dose_end_h"`
	// HoursBelow is the time from the end of the last dose until the
	// concentration falls below ThresholdNgML and stays there; 0 when it is
	// below already; nil when it is still above at the end of the
	// prediction (Tail after the last dose).
	HoursBelow *Figure `json:"hours_to_below_threshold"`
	// AUCHNgML is the AUC from the origin to the end of the prediction.
	AUCHNgML Figure `json:"auc_h_ng_mL"`
}

// summarise reads the figures of one output from its curves on tl.times
// (one curve, or p5, p50, p95).
func summarise(output, label string, tl *timeline, reg Regimen, curves [][]float64) Summary {
	central := curves[len(curves)/2]
	fig := func(f func(v []float64) float64) Figure {
		out := Figure{Value: f(central)}
		if len(curves) == 3 {
			lo, hi := f(curves[0]), f(curves[2])
			out.P5, out.P95 = &lo, &hi
		}
		return out
	}
	s := Summary{Output: output, Label: label, LastDoseH: tl.times[tl.lastDose].Hours()}
	auc := make([][]float64, len(curves))
	for k, c := range curves {
		auc[k] = cumulativeAUC(tl.times, c)
	}
	aucAt := func(i int) Figure {
		out := Figure{Value: auc[len(curves)/2][i]}
		if len(curves) == 3 {
			lo, hi := auc[0][i], auc[2][i]
			out.P5, out.P95 = &lo, &hi
		}
		return out
	}
	last := len(tl.times) - 1
	for d, day := range reg.Days {
		lo := index(tl.times, day.Start)
		hi := last
		if d+1 < len(reg.Days) {
			hi = index(tl.times, reg.Days[d+1].Start) - 1
		}
		if lo > hi {
			continue
		}
		df := DayFigures{Day: day.Day, CourseDay: day.CourseDay, AUCHNgML: aucAt(hi)}
		df.CmaxNgML = fig(func(v []float64) float64 {
			m := 0.0
			for _, x := range v[lo : hi+1] {
				m = math.Max(m, x)
			}
			return m
		})
		for i := lo; i <= hi; i++ {
			if central[i] == df.CmaxNgML.Value {
				df.TmaxH = tl.times[i].Hours()
				break
			}
		}
		s.Days = append(s.Days, df)
	}
	for _, i := range tl.ends {
		e := InfusionEnd{Day: dayOf(reg.Days, tl.times[i]), AtH: tl.times[i].Hours()}
		e.ConcNgML = fig(func(v []float64) float64 { return v[i] })
		s.Ends = append(s.Ends, e)
	}
	below := func(v []float64) float64 { return hoursBelow(tl.times, v, tl.lastDose) }
	if h := below(central); !math.IsNaN(h) {
		f := fig(below)
		s.HoursBelow = &f
	}
	s.AUCHNgML = aucAt(last)
	return s
}

// cumulativeAUC is the trapezoidal integral of v over t (h·ng/mL) from the
// first time to each. Every dose change is a time of the timeline (and a
// bolus's jump has the instant before it), so between two times the curve
// is a smooth sum of exponentials and the trapezoid's error is at most
// Δt²/12 · max|C”| per hour: for a one-compartment curve of k = 0.2 /h at
// 1,000 ng/mL, under 10⁻⁵ relative over a day.
func cumulativeAUC(t []time.Duration, v []float64) []float64 {
	out := make([]float64, len(v))
	for i := 1; i < len(v); i++ {
		out[i] = out[i-1] + (t[i]-t[i-1]).Hours()*(v[i]+v[i-1])/2
	}
	return out
}

// hoursBelow is the time from times[from] until v falls below ThresholdNgML
// for good (linear interpolation between the two times around the last
// crossing), 0 when v is below from the start, NaN when v is still at or
// above the threshold at the last time.
func hoursBelow(times []time.Duration, v []float64, from int) float64 {
	last := len(v) - 1
	if v[last] >= ThresholdNgML {
		return math.NaN()
	}
	i := last
	for i > from && v[i-1] < ThresholdNgML {
		i--
	}
	if i == from {
		return 0
	}
	// v[i-1] ≥ threshold > v[i]: the crossing lies between times i−1 and i.
	t0, t1 := times[i-1].Hours(), times[i].Hours()
	f := (v[i-1] - ThresholdNgML) / (v[i-1] - v[i])
	return t0 + f*(t1-t0) - times[from].Hours()
}

// index is the index of the first time at or after t.
func index(times []time.Duration, t time.Duration) int {
	lo, hi := 0, len(times)
	for lo < hi {
		m := (lo + hi) / 2
		if times[m] < t {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// dayOf is the treatment day whose window holds t.
func dayOf(days []Day, t time.Duration) int {
	n := 0
	for _, d := range days {
		if d.Start <= t {
			n = d.Day
		}
	}
	return n
}
