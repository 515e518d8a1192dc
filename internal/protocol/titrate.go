package protocol

import (
	"fmt"
	"math"
	"strings"

	"github.com/ketatrack/ketatrack/internal/units"
)

// builder expands one regimen into days and steps.
type builder struct {
	x    *expander
	plan *Plan
	reg  *Regimen

	// schedule
	sessions   int
	calendar   string
	interval   int // days between sessions
	sessionLen units.Duration
	length     units.Duration // continuous
	dayOffsets []int          // calendar day offset of each session

	doseSteps []plannedDose
}

// plannedDose is one DoseSpec resolved: its stage doses and timing.
type plannedDose struct {
	spec      *DoseSpec
	stages    []quantity // dose of each stage
	stageSrc  []string
	offset    units.Duration
	duration  units.Duration // infusion or each pulse
	stageLen  units.Duration // across interval
	count     int            // pulses
	every     units.Duration // pulses
	maxRate   *units.MassRate
	maxSrc    string
	diluent   *units.Volume
	rng       *doseRange
	rngSource string
}

// schedule resolves the regimen's schedule and each session's day.
func (b *builder) schedule() {
	x, r := b.x, b.reg
	switch r.Kind {
	case KindSessions:
		if v, _, ok := x.value(r.Sessions); ok {
			n, err := parseCount(v)
			if err != nil {
				x.bad(fieldName(r.Sessions, "sessions"), "%v", err)
			}
			b.sessions = n
		}
		if v, _, ok := x.value(r.Calendar); ok {
			b.calendar = v
		}
		if b.calendar == Interval && b.sessions != 1 {
			if v, _, ok := x.value(r.Interval); ok {
				n, err := parseDays(v)
				if err != nil {
					x.bad(fieldName(r.Interval, "interval"), "%v", err)
				}
				b.interval = n
			}
		}
		if v, _, ok := x.value(r.SessionLength); ok {
			d, err := parseDuration("session_length", v)
			if err == nil && (d.Hours() <= 0 || d.Hours() > 24) {
				err = fmt.Errorf("%q: a session lasts more than 0 and at most 24 h", v)
			}
			if err != nil {
				x.bad(fieldName(r.SessionLength, "session_length"), "%v", err)
			}
			b.sessionLen = d
		}
	case KindContinuous:
		if v, _, ok := x.value(r.Length); ok {
			d, err := parseDuration("length", v)
			switch {
			case err != nil || !(d.Hours() > 0):
				x.bad(fieldName(r.Length, "length"), "%q is not a positive duration", v)
			case d.Hours() > maxContinuousHours:
				x.bad(fieldName(r.Length, "length"), "%q is longer than %g days: plan a continuous infusion of at most that", v, maxContinuousHours/24)
			default:
				b.length = d
			}
		}
	}
}

// span is how long one session (or the continuous infusion) lasts.
func (b *builder) span() units.Duration {
	if b.reg.Kind == KindContinuous {
		return b.length
	}
	return b.sessionLen
}

// doses resolves each dose of the regimen: its stages and timing.
func (b *builder) doses() {
	x := b.x
	for i := range b.reg.Doses {
		spec := &b.reg.Doses[i]
		pd := plannedDose{spec: spec}
		first, firstSrc, okFirst := x.value(spec.Dose)
		var q quantity
		if okFirst {
			var err error
			q, err = parseDose("dose", first)
			if err == nil {
				err = doseFitsKind(spec.Kind, q)
			}
			if err == nil && b.reg.Kind == KindContinuous && spec.Kind == DoseInfusion && !q.fam.isRate() {
				err = fmt.Errorf("%s is an amount: a continuous infusion needs a rate (mg/h, mg/kg/h, mg/h/70kg or mg/day)", q)
			}
			if err != nil {
				x.bad(fieldName(spec.Dose, "dose"), "%v", err)
				okFirst = false
			}
		}
		if v, _, ok := x.value(spec.Offset); ok {
			pd.offset, _ = parseDuration("offset", v)
		}
		if v, _, ok := x.value(spec.Duration); ok {
			d, err := parseDuration("duration", v)
			if err != nil || !(d.Hours() > 0) {
				x.bad(fieldName(spec.Duration, "duration"), "%q is not a positive duration", v)
			}
			pd.duration = d
		} else if spec.Duration.IsZero() && spec.Kind == DoseInfusion {
			pd.duration = units.Hours(b.span().Hours() - pd.offset.Hours())
		}
		if spec.Kind == DosePulses {
			if v, _, ok := x.value(spec.Count); ok {
				pd.count, _ = parseCount(v)
			}
			if v, _, ok := x.value(spec.Every); ok {
				pd.every, _ = parseDuration("every", v)
			}
		}
		if v, src, ok := x.value(spec.MaxRate); ok {
			if mq, err := parseDose("max_rate", v); err == nil && mq.fam == famRate {
				mr := units.MilligramsPerHour(mq.v)
				pd.maxRate, pd.maxSrc = &mr, src
			} else {
				x.bad(fieldName(spec.MaxRate, "max_rate"), "%q is not a rate in mg/h", v)
			}
		}
		if v, _, ok := x.value(spec.DiluentVolume); ok {
			if vol, err := parseVolume(v); err == nil {
				pd.diluent = &vol
			}
		}
		if v, src, ok := x.value(spec.Range); ok {
			if rg, err := parseRange(v); err == nil {
				pd.rng, pd.rngSource = &rg, src
			}
		}
		if !okFirst {
			b.doseSteps = append(b.doseSteps, pd)
			continue
		}
		pd.stages, pd.stageSrc = b.stages(spec, &pd, q, firstSrc)
		b.doseSteps = append(b.doseSteps, pd)
	}
}

// stages returns the dose of every stage of a dose: one stage without
// titration; otherwise one per session, per pulse or per interval.
func (b *builder) stages(spec *DoseSpec, pd *plannedDose, first quantity, firstSrc string) ([]quantity, []string) {
	x := b.x
	t := spec.Titration
	n := 1
	if t != nil {
		switch t.Across {
		case AcrossSessions:
			n = b.sessions
		case AcrossPulses:
			n = pd.count
		case AcrossInterval:
			v, _, ok := x.value(t.Interval)
			if !ok {
				// A continuous titration has more than one stage whatever
				// the interval: ask for its step and ceiling now too.
				x.value(t.Step)
				x.value(t.To)
				return nil, nil
			}
			iv, err := parseDuration("interval", v)
			if err != nil || !(iv.Hours() > 0) {
				x.bad(fieldName(t.Interval, "titration interval"), "%q is not a positive duration", v)
				return nil, nil
			}
			if iv.Hours() < 1.0/60 {
				x.bad(fieldName(t.Interval, "titration interval"), "%q: titrate at most once a minute", v)
				return nil, nil
			}
			pd.stageLen = iv
			// A stage starts every interval until the dose's end; a tiny
			// tolerance keeps 120h/24h at 5 stages, not 6.
			n = int(math.Ceil(pd.duration.Hours()/iv.Hours() - 1e-9))
		}
	}
	if n <= 0 {
		// The number of sessions or pulses is not known yet: it is
		// recorded as missing.
		return nil, nil
	}
	out := make([]quantity, n)
	src := make([]string, n)
	for i := range out {
		out[i], src[i] = first, firstSrc
	}
	if t == nil || n == 1 {
		return out, src
	}
	stepVal, stepSrc, ok := x.value(t.Step)
	if !ok {
		return nil, nil
	}
	st, err := parseStep(stepVal)
	if err != nil {
		x.bad(fieldName(t.Step, "step"), "%v", err)
		return nil, nil
	}
	var to *quantity
	if v, _, ok := x.value(t.To); ok {
		q, err := parseDose("to", v)
		if err != nil || !q.sameFamily(first) {
			x.bad(fieldName(t.To, "to"), "%q is not in the unit of the first dose %s", v, first)
			return nil, nil
		}
		to = &q
	}
	reach := n
	if v, _, ok := x.value(t.Reach); ok {
		reach, _ = parseCount(v)
	}
	field := fieldName(t.Step, "step")
	switch st.mode {
	case "none":
	case "linear":
		if to == nil {
			x.bad(field, "a linear step needs the protocol's ceiling (titration.to)")
			return nil, nil
		}
		if reach > n {
			x.warnings = append(x.warnings, fmt.Sprintf("the source reaches %s at stage %d, but this plan has only %d stages: the last stage stays below it", to, reach, n))
		}
		for i := 1; i < n; i++ {
			v := to.v
			if i < reach-1 {
				v = first.v + (to.v-first.v)*float64(i)/float64(reach-1)
			}
			out[i] = first.with(v)
			src[i] = fmt.Sprintf("linear from %s to %s (%s)", first, to, stepSrc)
		}
	case "increment":
		inc := st.inc
		if !inc.sameFamily(first) {
			// An amount per session may be raised by a rate over the session.
			if first.fam == famAmount && inc.fam == famRate && pd.duration.Hours() > 0 {
				inc = first.with(inc.v * pd.duration.Hours())
			} else {
				x.bad(field, "increment %s is not in the unit of the first dose %s", st.inc, first)
				return nil, nil
			}
		}
		if to == nil {
			x.bad(field, "an increment needs the protocol's ceiling (titration.to)")
			return nil, nil
		}
		if to.v < first.v {
			x.bad(field, "the ceiling %s is below the first dose %s", to, first)
			return nil, nil
		}
		for i := range out {
			if i == 0 {
				continue
			}
			v := first.v + inc.v*float64(i)
			capped := false
			if v >= to.v*(1-1e-12) {
				v, capped = to.v, true
			}
			out[i] = first.with(v)
			src[i] = fmt.Sprintf("%s + %d x %s", first, i, inc)
			if capped {
				src[i] += fmt.Sprintf(", capped at %s", to)
			}
			src[i] += " (" + stepSrc + ")"
		}
	case "list":
		if len(st.list) != n {
			x.bad(field, "%s", b.listLength(t, stepVal, first, len(st.list), n, to != nil))
			return nil, nil
		}
		for i, q := range st.list {
			if !q.sameFamily(first) {
				x.bad(field, "list item %s is not in the unit of the first dose %s", q, first)
				return nil, nil
			}
			if to != nil && q.v > to.v*(1+1e-12) {
				x.bad(field, "list item %s is above the protocol's ceiling %s", q, to)
				return nil, nil
			}
			out[i] = q
			src[i] = stepSrc
		}
		if math.Abs(st.list[0].v-first.v) > 1e-12*first.v {
			x.warnings = append(x.warnings, fmt.Sprintf("the first dose of the list (%s) differs from the source's first dose %s", st.list[0], first))
		}
	}
	return out, src
}

// listLength explains a titration list of the wrong length (a plain amount
// is a list of one): it names the forms a step takes, those needing a
// ceiling only when the protocol has one, and for a clinician's key the
// question and the literature's choices, as when the key is missing.
func (b *builder) listLength(t *Titration, value string, first quantity, got, n int, ceiling bool) string {
	what := fmt.Sprintf("%s is a list of %d doses", value, got)
	if got == 1 {
		what = value + " is one dose"
	}
	forms := []string{"none (the first dose at every " + stageNoun(t.Across) + ")"}
	if ceiling {
		forms = append([]string{"linear", "an increment +N" + first.fam.unit(first.refKg)}, forms...)
	}
	forms = append(forms, fmt.Sprintf("a list of %d doses separated by commas", n))
	msg := fmt.Sprintf("%s but %s has %s: give %s", what, b.x.p.ID, stageCount(n, t.Across), orList(forms))
	if u, ok := b.x.p.UnspecifiedKey(t.Step.Unspecified); ok {
		msg += "; " + u.describe() + "; " + showChoices(b.x.p.ID)
	}
	return msg
}

// stageNoun names one stage of a titration across sessions, pulses or
// intervals.
func stageNoun(across string) string {
	switch across {
	case AcrossSessions:
		return "session"
	case AcrossPulses:
		return "pulse"
	}
	return "titration interval"
}

// stageCount counts the stages of a titration in its own unit ("10
// sessions", "7 pulses").
func stageCount(n int, across string) string {
	if n == 1 {
		return "1 " + stageNoun(across)
	}
	return fmt.Sprintf("%d %ss", n, stageNoun(across))
}

// orList joins items as "a, b or c".
func orList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}
