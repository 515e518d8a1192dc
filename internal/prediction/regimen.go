package prediction

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/infusion"
	"github.com/ketatrack/ketatrack/internal/pk"
)

// Regimen is what a prediction simulates: the ketamine doses in mg, timed
// from an origin (the start of the course's first session, or of a
// session's pump), the drug, the weight, and the treatment days the
// per-day figures are read over.
type Regimen struct {
	// Drug is racemic or s-ketamine (the plan's or the session's order).
	Drug string
	// WeightKg is the patient's weight the model is scaled to.
	WeightKg float64
	// Doses are in mg, mg/h and durations from the origin, in time order.
	Doses []pk.Dose
	// Days are the treatment days in order; day i's figures are read from
	// its Start to the next day's Start (the last: to the end of the
	// prediction).
	Days []Day
	// Notes say what was left out of the doses (a ketamine dose by a route
	// the models have no absorption for).
	Notes []string
}

// Day is one treatment day of a regimen.
type Day struct {
	// Day is the plan's treatment day number (1 for the first).
	Day int `json:"day"`
	// CourseDay is the calendar day counted from the first treatment day (1).
	CourseDay int `json:"course_day"`
	// Start is the start of the day's session from the origin.
	Start time.Duration `json:"-"`
}

// minutes converts minutes as stored in a plan (float) to a duration, to
// the nanosecond.
func minutes(m float64) time.Duration { return time.Duration(math.Round(m * float64(time.Minute))) }

// PlanRegimen is a stored plan's ketamine as a regimen from the start of its
// first session: every infusion step at its mg/h (the plan's, already for
// the patient's weight) for its duration and every bolus of its mg. A
// session on calendar day c starts (c−1)·24 h after the first, at the same
// time of day, as protocol.Plan.Doses times them; a continuous infusion's
// pieces are its 24-hour days, which join again in the simulation (the rate
// is the same on both sides of midnight).
func PlanRegimen(p *clinic.Plan) Regimen {
	reg := Regimen{Drug: p.Drug, WeightKg: p.WeightKg}
	for _, d := range p.Days {
		base := time.Duration(d.CourseDay-1) * 24 * time.Hour
		reg.Days = append(reg.Days, Day{Day: d.Day, CourseDay: d.CourseDay, Start: base})
		reg.Doses = append(reg.Doses, dayDoses(d, base)...)
	}
	sortDoses(reg.Doses)
	return reg
}

// PlanDayRegimen is plan day n's ketamine as a regimen from the start of its
// session: what the session was planned to give.
func PlanDayRegimen(p *clinic.Plan, n int) (Regimen, error) {
	d := p.Day(n)
	if d == nil {
		return Regimen{}, fmt.Errorf("the plan has no day %d", n)
	}
	reg := Regimen{Drug: p.Drug, WeightKg: p.WeightKg, Days: []Day{{Day: d.Day, CourseDay: d.CourseDay}}}
	reg.Doses = dayDoses(*d, 0)
	sortDoses(reg.Doses)
	return reg, nil
}

func dayDoses(d clinic.PlanDay, base time.Duration) []pk.Dose {
	var out []pk.Dose
	for _, s := range d.Steps {
		start := base + minutes(s.OffsetMin)
		switch {
		case s.Bolus && s.AmountMg > 0:
			out = append(out, pk.Dose{Start: start, BolusMg: s.AmountMg})
		case !s.Bolus && s.MgPerH > 0 && s.DurationMin > 0:
			out = append(out, pk.Dose{Start: start, Duration: minutes(s.DurationMin), RateMgH: s.MgPerH})
		}
	}
	return out
}

func sortDoses(ds []pk.Dose) {
	sort.SliceStable(ds, func(i, j int) bool { return ds[i].Start < ds[j].Start })
}

// ChartedRegimen is the ketamine a session's chart says was given up to
// now, timed from origin: every interval the pump ran at one rate
// (infusion.State.Delivered: pauses give nothing, a bag that ran dry gives
// nothing after it did), and every intravenous ketamine dose charted as a
// medication (a bolus of its mg at today's weight). Ketamine given by
// another route is left out with a note: the models have no absorption
// compartment. Doses before origin are kept only from origin on. day is the
// plan day of the session.
func ChartedRegimen(st infusion.State, origin, now time.Time, day int, weightKg float64) Regimen {
	reg := Regimen{Drug: string(st.Order.Drug), WeightKg: weightKg, Days: []Day{{Day: day, CourseDay: day}}}
	for _, d := range st.Delivered(now) {
		from, to := d.From, d.To
		if from.Before(origin) {
			from = origin
		}
		if !to.After(from) {
			continue
		}
		reg.Doses = append(reg.Doses, pk.Dose{Start: from.Sub(origin), Duration: to.Sub(from), RateMgH: float64(d.MgPerH)})
	}
	for _, m := range st.Medications {
		if !IsKetamine(m.Medication.Drug) || m.Medication.At.After(now) || m.DoseMg <= 0 {
			continue
		}
		if m.Medication.Route != infusion.RouteIV {
			reg.Notes = append(reg.Notes, fmt.Sprintf("%s %s %s at %s is not in the prediction: the models describe intravenous ketamine only",
				m.Medication.Drug, m.Medication.Dose, m.Medication.Route, m.Medication.At.Format("15:04")))
			continue
		}
		if m.Medication.At.Before(origin) {
			continue
		}
		reg.Doses = append(reg.Doses, pk.Dose{Start: m.Medication.At.Sub(origin), BolusMg: float64(m.DoseMg)})
	}
	sortDoses(reg.Doses)
	return reg
}

// IsKetamine reports whether a charted medication's name is ketamine or
// esketamine (a bolus charted beside the pump), rather than a
// premedication such as clonidine or midazolam.
func IsKetamine(drug string) bool {
	return strings.Contains(strings.ToLower(drug), "ketamine")
}

// SessionOrigin is the instant a session's prediction is timed from: the
// start of its pump, or of the first intravenous ketamine dose charted before
// it; zero when the chart holds neither yet.
func SessionOrigin(st infusion.State) time.Time {
	origin := st.StartedAt
	for _, m := range st.Medications {
		if IsKetamine(m.Medication.Drug) && m.Medication.Route == infusion.RouteIV && (origin.IsZero() || m.Medication.At.Before(origin)) {
			origin = m.Medication.At
		}
	}
	return origin
}

// end is the time the last dose ends (a bolus: its time).
func (r Regimen) end() time.Duration {
	var last time.Duration
	for _, d := range r.Doses {
		last = max(last, d.Start+d.Duration)
	}
	return last
}
