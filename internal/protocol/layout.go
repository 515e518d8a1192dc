package protocol

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/ketatrack/ketatrack/internal/units"
)

// medications resolves premedication doses and routes once.
func (b *builder) medications() []PlannedMedication {
	x := b.x
	var out []PlannedMedication
	for _, m := range b.x.p.Premedication {
		dose, doseSrc, okD := x.value(m.Dose)
		route, routeSrc, okR := x.value(m.Route)
		x.sources[sourceKey(m.Source)] = true
		if !okD || !okR {
			continue
		}
		md, err := parseMedDose(dose)
		if err != nil {
			x.bad(fieldName(m.Dose, "dose"), "%v", err)
			continue
		}
		pm := PlannedMedication{Drug: m.Drug, Role: m.Role, Dose: dose, Route: route, When: m.When, Purpose: m.Purpose, Source: m.Source, DoseSource: doseSrc, RouteSource: routeSrc}
		if md.perKilogram() {
			pm.PatientDose = md.forPatient(b.plan.Weight)
		}
		if m.Days == "first" {
			pm.When += " (first day only)"
			pm.firstOnly = true
		}
		out = append(out, pm)
	}
	return out
}

// monitoring resolves monitoring intervals.
func (b *builder) monitoring() []PlannedMonitor {
	var out []PlannedMonitor
	for _, m := range b.x.p.Monitoring {
		every, src, ok := b.x.value(m.Every)
		if !ok {
			continue
		}
		out = append(out, PlannedMonitor{What: m.What, Every: every, Source: src})
	}
	return out
}

// build lays the stages out in time: sessions on their days, or the
// continuous infusion split at 24-hour day boundaries.
func (b *builder) build(meds []PlannedMedication) error {
	x, plan := b.x, b.plan
	if b.reg.Kind == KindSessions {
		offsets, err := b.sessionDays()
		if err != nil {
			return err
		}
		b.dayOffsets = offsets
		for i, off := range offsets {
			day := Day{Day: i + 1, CourseDay: off + 1}
			if !x.req.Start.IsZero() {
				day.Date = x.req.Start.AddDate(0, 0, off)
			}
			base := float64(off) * 24
			for _, pd := range b.doseSteps {
				stage := 0
				if pd.spec.Titration != nil && pd.spec.Titration.Across == AcrossSessions {
					stage = i
				}
				day.Steps = append(day.Steps, b.stepsOf(pd, stage, base)...)
			}
			day.Premedication = medsFor(meds, i == 0)
			plan.Days = append(plan.Days, day)
		}
	} else {
		var steps []Step
		for _, pd := range b.doseSteps {
			steps = append(steps, b.stepsOf(pd, -1, 0)...)
		}
		sort.SliceStable(steps, func(i, j int) bool { return steps[i].StartH < steps[j].StartH })
		ndays := int(math.Ceil(b.length.Hours()/24 - 1e-9))
		for d := 0; d < ndays; d++ {
			day := Day{Day: d + 1, CourseDay: d + 1}
			if !x.req.Start.IsZero() {
				day.Date = x.req.Start.AddDate(0, 0, d)
			}
			lo, hi := float64(d)*24, float64(d+1)*24
			for _, s := range steps {
				if piece, ok := clip(s, lo, hi); ok {
					// A continuous infusion's "session" is its 24-hour day.
					piece.SessionOffsetH = piece.StartH - lo
					day.Steps = append(day.Steps, piece)
				}
			}
			day.Premedication = medsFor(meds, d == 0)
			plan.Days = append(plan.Days, day)
		}
	}
	return nil
}

// medsFor returns the medications given on a day: those for each day, and
// those for the first day only on the first.
func medsFor(meds []PlannedMedication, first bool) []PlannedMedication {
	var out []PlannedMedication
	for _, m := range meds {
		if !m.firstOnly || first {
			out = append(out, m)
		}
	}
	return out
}

// clip returns the part of step s within [lo, hi) hours, with its amount.
func clip(s Step, lo, hi float64) (Step, bool) {
	if s.Bolus {
		return s, s.StartH >= lo && s.StartH < hi
	}
	start := math.Max(s.StartH, lo)
	end := math.Min(s.StartH+s.DurationH, hi)
	if end-start <= 1e-9 {
		return Step{}, false
	}
	out := s
	out.StartH = start
	out.SessionOffsetH = s.SessionOffsetH + (start - s.StartH)
	out.DurationH = end - start
	if out.DurationH != s.DurationH {
		// A piece of a longer infusion: same rate, its own amount.
		mr := units.MilligramsPerHour(s.MgPerH)
		out.rate = mr.DoseRate()
		out.AmountMg = mr.For(units.Hours(out.DurationH)).Milligrams()
		out.AmountMgPerKg = s.AmountMgPerKg * out.DurationH / s.DurationH
	}
	return out, true
}

// sessionDays returns each session's calendar day offset from the first.
func (b *builder) sessionDays() ([]int, error) {
	x := b.x
	out := make([]int, 0, b.sessions)
	switch b.calendar {
	case Consecutive:
		for i := 0; i < b.sessions; i++ {
			out = append(out, i)
		}
	case Interval:
		for i := 0; i < b.sessions; i++ {
			out = append(out, i*b.interval)
		}
	case Weekdays:
		start := x.req.Start
		if start.IsZero() {
			// 2024-01-01 was a Monday: only the weekday matters here.
			start = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
			x.warnings = append(x.warnings, "no --start date: weekday sessions are laid out as if the course starts on a Monday")
		} else if wd := start.Weekday(); wd == time.Saturday || wd == time.Sunday {
			return nil, &InputError{Field: "--start", Reason: fmt.Sprintf("%s is a %s; %s gives sessions on weekdays only: start on a weekday", start.Format(time.DateOnly), wd, x.p.ID)}
		}
		for off := 0; len(out) < b.sessions; off++ {
			wd := start.AddDate(0, 0, off).Weekday()
			if wd != time.Saturday && wd != time.Sunday {
				out = append(out, off)
			}
		}
	default:
		return nil, &InputError{Field: "calendar", Reason: fmt.Sprintf("unknown calendar %q", b.calendar)}
	}
	return out, nil
}

// stepsOf lays out one dose: in session `stage` (sessions kind) at base
// hours, or the whole continuous infusion (stage -1).
func (b *builder) stepsOf(pd plannedDose, stage int, base float64) []Step {
	if len(pd.stages) == 0 {
		return nil
	}
	spec := pd.spec
	mk := func(q quantity, src string, startH, durH float64) Step {
		s := Step{Name: spec.Name, StartH: base + startH, SessionOffsetH: startH, DurationH: durH, Dose: q.String(), Source: src}
		if spec.Kind == DoseBolus {
			s.Bolus, s.DurationH = true, 0
			s.AmountMg = q.mass(b.plan.Weight).Milligrams()

			s.AmountMgPerKg = s.AmountMg / b.plan.Weight.Kilograms()
			s.bolus = q.dose()
			return s
		}
		if !q.fam.isRate() {
			s.Dose = q.String() + " over " + formatHours(durH)
		}
		mr, err := q.massRate(b.plan.Weight, durationOf(durH))
		if err != nil {
			b.x.bad("dose", "%s: %v", spec.Name, err)
			return s
		}
		s.rate = mr.DoseRate()
		if !q.fam.isRate() {
			// Amount over a duration: the drug library has its own dose
			// form for it.
			if r, err := units.AmountOver(q.dose(), durationOf(durH)); err == nil {
				s.rate = r
			}
		}
		if pd.maxRate != nil && mr.MilligramsPerHour() > pd.maxRate.MilligramsPerHour() {
			b.x.warnings = append(b.x.warnings, fmt.Sprintf("%s at %s would be %s for %s: capped at %s (%s)", spec.Name, q, formatNumber(mr.MilligramsPerHour())+" mg/h", b.plan.Weight, pd.maxRate, pd.maxSrc))
			mr = *pd.maxRate
			s.rate = mr.DoseRate()
			s.Dose += fmt.Sprintf(", capped at %s", pd.maxRate)
		}
		s.MgPerH = mr.MilligramsPerHour()
		if wr, err := mr.PerKilogram(b.plan.Weight); err == nil {
			s.MgPerKgPerH = wr.MilligramsPerKilogramPerHour()
		}
		s.AmountMg = mr.For(units.Hours(durH)).Milligrams()
		s.AmountMgPerKg = s.AmountMg / b.plan.Weight.Kilograms()
		return s
	}
	var out []Step
	switch {
	case spec.Kind == DosePulses:
		for j := 0; j < pd.count; j++ {
			q, src := pd.stages[0], pd.stageSrc[0]
			if j < len(pd.stages) {
				q, src = pd.stages[j], pd.stageSrc[j]
			}
			st := mk(q, src, pd.offset.Hours()+float64(j)*pd.every.Hours(), pd.duration.Hours())
			st.PulseOf = fmt.Sprintf("%s, pulse %d of %d", spec.Name, j+1, pd.count)
			st.bolus = q.dose()
			out = append(out, st)
		}
	case stage >= 0:
		out = append(out, mk(pd.stages[stage], pd.stageSrc[stage], pd.offset.Hours(), pd.duration.Hours()))
	case spec.Titration != nil && spec.Titration.Across == AcrossInterval:
		end := pd.offset.Hours() + pd.duration.Hours()
		for k, q := range pd.stages {
			start := pd.offset.Hours() + float64(k)*pd.stageLen.Hours()
			d := math.Min(pd.stageLen.Hours(), end-start)
			out = append(out, mk(q, pd.stageSrc[k], start, d))
		}
	default:
		out = append(out, mk(pd.stages[0], pd.stageSrc[0], pd.offset.Hours(), pd.duration.Hours()))
	}
	for i := range out {
		out[i].DoseShown = ShowDose(out[i].Dose, ShownDigits)
	}
	return out
}
