package protocol

import (
	"math"

	"github.com/ketatrack/ketatrack/internal/units"
)

// Dose is one ketamine administration of a plan, timed from the start of the
// course: what the pharmacokinetic simulator (`simulate --protocol`) needs.
// An infusion has a Duration and a Rate; a bolus has Bolus and no Duration.
type Dose struct {
	// Start is the time from the start of the course (the first session's
	// start) to the start of this dose.
	Start units.Duration
	// Duration is how long the infusion runs; zero for a bolus.
	Duration units.Duration
	// Rate is the infusion rate in mg/h; zero for a bolus.
	Rate units.MassRate
	// Bolus is the amount of a bolus; zero for an infusion.
	Bolus units.Mass
}

// IsBolus reports whether d is a bolus.
func (d Dose) IsBolus() bool { return d.Duration.IsZero() }

// Doses returns the plan's ketamine as a regimen in time order: each
// infusion step with its start from the course start, duration and mg/h, and
// each bolus with its mg. Pieces of one infusion split at day boundaries are
// joined again. Sessions on later days start at the same time of day as the
// first (session i of a plan starts at 24 h x its calendar day offset).
func (p *Plan) Doses() []Dose {
	var out []Dose
	type span struct{ start, dur, rate float64 }
	var last *span
	for _, d := range p.Days {
		for _, s := range d.Steps {
			if s.Bolus {
				out = append(out, Dose{Start: durationOf0(s.StartH), Bolus: units.Milligrams(s.AmountMg)})
				last = nil
				continue
			}
			if last != nil && math.Abs(last.start+last.dur-s.StartH) < 1e-9 && last.rate == s.MgPerH {
				last.dur += s.DurationH
				out[len(out)-1].Duration = durationOf(last.dur)
				continue
			}
			out = append(out, Dose{Start: durationOf0(s.StartH), Duration: durationOf(s.DurationH), Rate: units.MilligramsPerHour(s.MgPerH)})
			last = &span{s.StartH, s.DurationH, s.MgPerH}
		}
	}
	return out
}

// durationOf0 is durationOf that also accepts zero (the first dose's start).
func durationOf0(h float64) units.Duration {
	if h == 0 {
		return units.Hours(0)
	}
	return durationOf(h)
}
