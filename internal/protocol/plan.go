package protocol

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ketatrack/ketatrack/internal/units"
)

// Request is one patient's plan request: what Expand needs beyond the
// protocol.
type Request struct {
	// Weight is the patient's body weight.
	Weight units.BodyWeight
	// Bag is the concentration infused (80mg/500mL); nil gives no mL/h
	// unless the protocol states the volume each session's dose is mixed in.
	Bag *units.Concentration
	// CareArea is where the plan will run (outpatient, inpatient, icu); ""
	// takes the protocol's. It fills a protocol's unspecified care area, and
	// when it differs from a stated one the plan says so and the drug
	// library's limits of CareArea apply.
	CareArea string
	// Start is the date of the first treatment day; zero gives day numbers
	// without dates (weekday-only protocols then assume a Monday start).
	Start time.Time
	// Settings fill the protocol's unspecified details, by key.
	Settings map[string]string
	// Acknowledge is the clinician's reason for going over soft limits.
	Acknowledge string
	// Checker checks every step; nil uses package dosing.
	Checker Checker
}

// Plan is a protocol expanded for one patient.
type Plan struct {
	// Protocol is the protocol expanded.
	Protocol *Protocol
	// Regimen is the regimen's name.
	Regimen string
	// Drug is racemic or s-ketamine.
	Drug string
	// CareArea is where the plan runs; the drug library's limits of this
	// care area were applied.
	CareArea string
	// Weight is the patient's weight.
	Weight units.BodyWeight
	// Bag is the bag given, if any.
	Bag *units.Concentration
	// Start is the first treatment day's date (zero when not given).
	Start time.Time
	// Days are the treatment days in order.
	Days []Day
	// CourseMg is the ketamine of the whole course, mg.
	CourseMg float64
	// Status is the worst step status.
	Status Status
	// Acknowledged is the reason given for soft limits ("" if none).
	Acknowledged string
	// Filled are the unspecified details the clinician filled, by key.
	Filled map[string]string
	// Monitoring is what is watched and how often.
	Monitoring []PlannedMonitor
	// Rules are the protocol's alert and warning rules.
	Rules []Rule
	// Warnings for the clinician.
	Warnings []string
	// Sources are the references the plan's values came from.
	Sources []string
}

// Day is one treatment day: one session, or 24 hours of a continuous
// infusion.
type Day struct {
	// Day is the treatment day's number, 1 for the first; with sessions on
	// weekdays or at intervals, days without treatment are not counted.
	Day int
	// CourseDay is the calendar day counted from the first treatment day (1).
	CourseDay int
	// Date is the calendar date (zero when Request.Start was not given).
	Date time.Time
	// Steps are the doses of the day in order.
	Steps []Step
	// SessionMg is the ketamine given on the day, mg.
	SessionMg float64
	// Premedication and co-medication with this patient's doses.
	Premedication []PlannedMedication
	// Diluent is the source's own mixing when no bag was given: the day's
	// amount in the source's volume (nil otherwise).
	Diluent *Diluent
	// VolumeMl is the volume of the bag the day needs (0 without a bag).
	VolumeMl float64
}

// Diluent is a day's ketamine mixed in the volume the source used.
type Diluent struct {
	AmountMg float64
	VolumeMl float64
}

// Step is one dose of a plan: an infusion at a constant rate, or a bolus.
type Step struct {
	// Name of the protocol dose ("ketamine infusion", "induction bolus").
	Name string
	// Bolus reports a bolus (a single dose given at once).
	Bolus bool
	// StartH is the start, in hours from the start of the course.
	StartH float64
	// SessionOffsetH is the start in hours from the start of its session;
	// for a continuous infusion, from the start of its 24-hour day.
	SessionOffsetH float64
	// DurationH is how long the infusion runs (0 for a bolus).
	DurationH float64
	// MgPerH and MgPerKgPerH are the infusion rate (0 for a bolus).
	MgPerH      float64
	MgPerKgPerH float64
	// MlPerH is the pump rate; HasMl reports whether it is known (a bag or
	// the source's diluent volume).
	MlPerH float64
	HasMl  bool
	// AmountMg is the ketamine the step gives; AmountMgPerKg per kg.
	AmountMg      float64
	AmountMgPerKg float64
	// Dose is the dose as the protocol or the clinician wrote it for this
	// step ("0.35mg/kg/h", "45mg over 4h").
	Dose string
	// Source says where Dose came from.
	Source string
	// PulseOf names the train a pulse belongs to (kind pulses); a pulse
	// is checked against the drug library as the bolus dose it gives.
	PulseOf string
	// Status is the drug library's verdict; Messages explain it.
	Status   Status
	Messages []string

	rate  units.DoseRate // the rate as checked (infusions)
	bolus units.Dose     // the bolus as checked
}

// PlannedMedication is a premedication or co-medication with the patient's
// dose.
type PlannedMedication struct {
	Drug, Role string
	// Dose as written; PatientDose multiplied out for per-kg doses.
	Dose, PatientDose string
	Route, When       string
	Purpose, Source   string
	// DoseSource and RouteSource say where the dose and route came from:
	// the file's source, or "set by the clinician: KEY=VALUE".
	DoseSource, RouteSource string

	firstOnly bool
}

// PlannedMonitor is one thing to watch.
type PlannedMonitor struct {
	What, Every, Source string
}

// Missing is an unspecified detail the plan needs.
type Missing struct {
	Unspecified
}

// MissingError lists every unspecified detail a plan needs that the
// clinician has not filled, with the choices the literature offers.
type MissingError struct {
	Protocol string
	Missing  []Missing
}

func (e *MissingError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "--set: %s leaves %d detail(s) to the clinician:", e.Protocol, len(e.Missing))
	for _, m := range e.Missing {
		fmt.Fprintf(&b, " %s (%s", m.Key, m.Question)
		var vals []string
		for _, c := range m.Choices {
			if c.Value != "" {
				vals = append(vals, c.Value)
			}
		}
		if len(vals) > 0 {
			fmt.Fprintf(&b, " Choices: %s", strings.Join(vals, ", "))
		}
		b.WriteString(");")
	}
	b.WriteString(" run \"ketatrack protocols show " + e.Protocol + "\" for the choices' sources")
	return b.String()
}

// InputError is a bad request: Field names the flag or key ("--start",
// "--set daily-step"), Reason says what is wrong.
type InputError struct {
	Field  string
	Reason string
}

func (e *InputError) Error() string { return e.Field + ": " + e.Reason }

// maxContinuousHours bounds a continuous infusion: the longest seed
// infusion is 10 days (Kiefer's S-ketamine pilot, 001); 90 days leaves room
// for a clinic's own protocols and keeps a plan's size bounded.
const maxContinuousHours = 90.0 * 24

// expander carries the state of one expansion.
type expander struct {
	p        *Protocol
	req      Request
	settings map[string]string
	used     map[string]bool
	missing  []string
	errs     []error
	sources  map[string]bool
	warnings []string
	filled   map[string]string
}

// value returns a field's value: the source's, or the clinician's setting
// for an unspecified key (checked against the key's kind). ok is false when
// the key has not been set (it is recorded as missing) or the setting is
// bad (recorded as an error).
func (x *expander) value(f Field) (val, src string, ok bool) {
	if f.Given() {
		x.sources[sourceKey(f.Source)] = true
		return f.Value, f.Source, true
	}
	if f.Unspecified == "" {
		return "", "", false
	}
	key := f.Unspecified
	v, set := x.settings[key]
	if !set {
		if !slices.Contains(x.missing, key) {
			x.missing = append(x.missing, key)
		}
		return "", "", false
	}
	if !x.used[key] {
		x.used[key] = true
		x.filled[key] = v
		if parse := x.parser(key); parse != nil {
			if err := parse(v); err != nil {
				x.errs = append(x.errs, &InputError{Field: "--set " + key, Reason: err.Error()})
			}
		}
	}
	return v, "set by the clinician: " + key + "=" + v, true
}

func (x *expander) parser(key string) func(string) error {
	k := x.p.kinds[key]
	if k == kindRegimen {
		return func(s string) error {
			if _, ok := x.p.Regimen(s); !ok {
				return fmt.Errorf("%q is not a regimen of %s (%s)", s, x.p.ID, strings.Join(regimenNames(x.p), ", "))
			}
			return nil
		}
	}
	return parserFor(k)
}

func regimenNames(p *Protocol) []string {
	var names []string
	for _, r := range p.Regimens {
		names = append(names, r.Name)
	}
	return names
}

// bad records an error in a clinician's setting or the request.
func (x *expander) bad(field, format string, args ...any) {
	x.errs = append(x.errs, &InputError{Field: field, Reason: fmt.Sprintf(format, args...)})
}

// fieldName names the flag that filled a field's value, for errors.
func fieldName(f Field, fallback string) string {
	if f.Unspecified != "" {
		return "--set " + f.Unspecified
	}
	return fallback
}

// Expand expands protocol p for one patient. It returns a *MissingError when
// unspecified details the plan needs are not in req.Settings, an
// *InputError for a bad request, and otherwise the plan with every step
// checked (a plan over a limit is returned with its Status; the caller
// decides the exit status).
func Expand(p *Protocol, req Request) (*Plan, error) {
	if p == nil {
		return nil, errors.New("protocol: nil protocol")
	}
	if !(req.Weight.Kilograms() > 0) {
		return nil, &InputError{Field: "--weight", Reason: "a positive body weight is needed"}
	}
	checker := req.Checker
	if checker == nil {
		c, err := DefaultChecker()
		if err != nil {
			return nil, err
		}
		checker = c
	}
	x := &expander{p: p, req: req, settings: map[string]string{}, used: map[string]bool{}, sources: map[string]bool{}, filled: map[string]string{}}
	for k, v := range req.Settings {
		if _, ok := p.UnspecifiedKey(k); !ok {
			var keys []string
			for _, u := range p.Unspecified {
				keys = append(keys, u.Key)
			}
			reason := fmt.Sprintf("%s has no unspecified detail %q", p.ID, k)
			if len(keys) > 0 {
				reason += " (its keys: " + strings.Join(keys, ", ") + ")"
			} else {
				reason += " (the source specifies everything this protocol needs)"
			}
			return nil, &InputError{Field: "--set " + k, Reason: reason}
		}
		x.settings[k] = strings.TrimSpace(v)
	}

	plan := &Plan{Protocol: p, Weight: req.Weight, Bag: req.Bag, Start: req.Start, Acknowledged: req.Acknowledge}

	// Regimen.
	reg := &p.Regimens[0]
	if len(p.Regimens) > 1 {
		name, _, ok := x.value(Field{Unspecified: "regimen"})
		if !ok {
			return nil, x.finishMissing()
		}
		r, found := p.Regimen(name)
		if !found {
			return nil, x.inputErr()
		}
		reg = r
	}
	plan.Regimen = reg.Name

	drug, _, _ := x.value(p.Drug)
	plan.Drug = drug
	plan.CareArea = x.careArea(reg)

	b := &builder{x: x, plan: plan, reg: reg}
	b.schedule()
	b.doses()
	meds := b.medications()
	plan.Monitoring = b.monitoring()
	plan.Rules = p.Rules
	for _, r := range p.Rules {
		x.sources[sourceKey(r.Threshold.Source)] = true
	}

	if len(x.errs) > 0 {
		return nil, x.inputErr()
	}
	if len(x.missing) > 0 {
		return nil, x.finishMissing()
	}
	if err := b.build(meds); err != nil {
		return nil, err
	}
	if len(x.errs) > 0 {
		return nil, x.inputErr()
	}
	if err := b.check(checker); err != nil {
		return nil, err
	}
	b.warn()
	for k := range x.settings {
		if !x.used[k] {
			x.warnings = append(x.warnings, fmt.Sprintf("--set %s=%s was not needed for this plan and was ignored", k, x.settings[k]))
		}
	}
	plan.Filled = x.filled
	plan.Warnings = x.warnings
	plan.Sources = x.sourceList()
	return plan, nil
}

// careArea resolves where the plan runs.
func (x *expander) careArea(reg *Regimen) string {
	f := x.p.CareArea
	if !reg.CareArea.IsZero() {
		f = reg.CareArea
	}
	want := x.req.CareArea
	if want != "" {
		if err := parserFor(kindCareArea)(want); err != nil {
			x.bad("--setting", "%v", err)
			return want
		}
	}
	if f.Unspecified != "" && want != "" {
		if v, set := x.settings[f.Unspecified]; set && v != want {
			x.bad("--setting", "%q disagrees with --set %s=%s", want, f.Unspecified, v)
			return want
		}
		x.settings[f.Unspecified] = want
	}
	area, src, ok := x.value(f)
	if !ok {
		return ""
	}
	if want != "" && want != area {
		x.warnings = append(x.warnings, fmt.Sprintf("the source gives this protocol in %s (%s); planned for %s: the drug library's %s limits apply", area, src, want, want))
		return want
	}
	return area
}

func (x *expander) inputErr() error {
	return errors.Join(x.errs...)
}

func (x *expander) finishMissing() error {
	e := &MissingError{Protocol: x.p.ID}
	for _, k := range x.missing {
		u, _ := x.p.UnspecifiedKey(k)
		e.Missing = append(e.Missing, Missing{u})
	}
	return e
}

// sourceList returns the citations of every reference the plan used.
func (x *expander) sourceList() []string {
	keys := make([]string, 0, len(x.sources))
	for k := range x.sources {
		if _, ok := x.p.References[k]; ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		r := x.p.References[k]
		s := k + ": " + r.Citation
		if r.Seed != "" {
			s += " [seed " + r.Seed + "]"
		}
		out = append(out, s)
	}
	return out
}

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
			x.bad(field, "the list has %d doses but the plan has %d stages (%s)", len(st.list), n, stageNoun(t.Across))
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

func stageNoun(across string) string {
	switch across {
	case AcrossSessions:
		return "one per session"
	case AcrossPulses:
		return "one per pulse"
	}
	return "one per titration interval"
}

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
	return out
}

// check runs every step through the checker, fills pump rates and totals.
func (b *builder) check(c Checker) error {
	plan, x := b.plan, b.x
	for di := range plan.Days {
		day := &plan.Days[di]
		// The source's own mixing, per dose, when no bag is given.
		diluentAmount := map[string]float64{}
		for _, s := range day.Steps {
			diluentAmount[s.Name] += s.AmountMg
		}
		for si := range day.Steps {
			s := &day.Steps[si]
			var chk Check
			var err error
			switch {
			case s.Bolus:
				chk, err = c.CheckBolus(plan.Drug, plan.CareArea, s.bolus, plan.Weight, x.req.Acknowledge)
			case s.PulseOf != "":
				// A pulse of a few minutes is programmed on a pump as a bolus
				// dose with a duration, and checked as the dose it gives.
				chk, err = c.CheckBolus(plan.Drug, plan.CareArea, s.bolus, plan.Weight, x.req.Acknowledge)
			default:
				chk, err = c.CheckRate(plan.Drug, plan.CareArea, s.rate, plan.Weight, x.req.Acknowledge)
			}
			if err != nil {
				return fmt.Errorf("checking day %d, %s: %w", day.Day, s.Name, err)
			}
			s.Status, s.Messages = chk.Status, chk.Messages
			if s.Status > plan.Status {
				plan.Status = s.Status
			}
			if plan.Bag != nil && !s.Bolus {
				vr, err := units.MilligramsPerHour(s.MgPerH).VolumeRate(*plan.Bag)
				if err == nil {
					s.MlPerH, s.HasMl = vr.MillilitersPerHour(), true
				}
			} else if plan.Bag == nil && !s.Bolus {
				if pd := b.doseOf(s.Name); pd != nil && pd.diluent != nil && diluentAmount[s.Name] > 0 {
					conc, err := units.Bag(units.Milligrams(diluentAmount[s.Name]), *pd.diluent)
					if err == nil {
						if vr, err := units.MilligramsPerHour(s.MgPerH).VolumeRate(conc); err == nil {
							s.MlPerH, s.HasMl = vr.MillilitersPerHour(), true
						}
					}
					day.Diluent = &Diluent{AmountMg: diluentAmount[s.Name], VolumeMl: pd.diluent.Milliliters()}
				}
			}
			day.SessionMg += s.AmountMg
		}
		if plan.Bag != nil && day.SessionMg > 0 {
			mgPerMl := plan.Bag.MilligramsPerMilliliter()
			day.VolumeMl = day.SessionMg / mgPerMl
		}
		plan.CourseMg += day.SessionMg
	}
	if plan.Status == StatusSoftLimit && x.req.Acknowledge != "" {
		x.warnings = append(x.warnings, "soft limit acknowledged by the clinician: "+x.req.Acknowledge)
	}
	return nil
}

func (b *builder) doseOf(name string) *plannedDose {
	for i := range b.doseSteps {
		if b.doseSteps[i].spec.Name == name {
			return &b.doseSteps[i]
		}
	}
	return nil
}

// warn adds the plan's warnings: the protocol's own, notes on what the
// source does not state, ranges, rate rules, scaling and bags.
func (b *builder) warn() {
	x, plan, p := b.x, b.plan, b.x.p
	for _, w := range p.Warnings {
		x.warnings = append(x.warnings, w.Text+" ("+w.Source+")")
		x.sources[sourceKey(w.Source)] = true
	}
	if len(p.Premedication) == 0 && p.PremedicationNote != "" {
		x.warnings = append(x.warnings, "premedication: "+p.PremedicationNote+" Add local practice if needed.")
	}
	if p.MonitoringNote != "" {
		x.warnings = append(x.warnings, "monitoring: "+p.MonitoringNote+" Apply local standards for ketamine at this dose and care area.")
	}
	for _, pd := range b.doseSteps {
		if pd.rng != nil {
			seen := map[string]bool{}
			for _, q := range pd.stages {
				if !pd.rng.contains(q, plan.Weight, pd.duration) && !seen[q.String()] {
					seen[q.String()] = true
					x.warnings = append(x.warnings, fmt.Sprintf("%s %s is outside the range the source reports, %s to %s (%s)", pd.spec.Name, q, pd.rng.lo, pd.rng.hi, pd.rngSource))
				}
			}
		}
		for _, q := range pd.stages {
			if q.fam == famRefRate {
				x.warnings = append(x.warnings, fmt.Sprintf("doses per %s kg are scaled linearly with body weight: mg/h = dose x %s / %s kg", formatNumber(q.refKg), formatNumber(plan.Weight.Kilograms())+" kg", formatNumber(q.refKg)))
				break
			}
		}
		if pd.diluent != nil && plan.Bag != nil {
			x.warnings = append(x.warnings, fmt.Sprintf("the source mixed each session's %s in %s; this plan uses the bag given (%s)", pd.spec.Name, pd.diluent, plan.Bag))
		}
	}
	for _, r := range p.Rules {
		if r.Measure != "ketamine_rate" {
			continue
		}
		th, err := parseThreshold(r.Measure, r.Threshold.Value)
		if err != nil || th.rate == nil {
			continue
		}
		for _, d := range plan.Days {
			for _, s := range d.Steps {
				if s.Bolus {
					continue
				}
				v := s.MgPerH
				if th.rate.fam == famWeightRate {
					v = s.MgPerKgPerH
				}
				if compare(v, r.Op, th.rate.v) {
					x.warnings = append(x.warnings, fmt.Sprintf("day %d: %s %s %s: %s (%s)", d.Day, formatNumber(v)+" "+th.rate.fam.unit(0), r.Op, th.rate, r.Text, r.Threshold.Source))
				}
			}
		}
	}
	if plan.Bag != nil {
		if _, vol, ok := plan.Bag.Amount(); ok {
			for _, d := range plan.Days {
				if d.VolumeMl > vol.Milliliters()*(1+1e-9) {
					x.warnings = append(x.warnings, fmt.Sprintf("day %d needs %s mL of the bag (%s mg): more than one bag of %s", d.Day, formatNumber(d.VolumeMl), formatNumber(d.SessionMg), vol))
				}
			}
		}
	}
}

func compare(v float64, op string, t float64) bool {
	switch op {
	case "<":
		return v < t
	case "<=":
		return v <= t
	case ">":
		return v > t
	case ">=":
		return v >= t
	}
	return false
}

// durationOf returns h hours as a units.Duration written in whole minutes
// or hours when it is one, so messages read "5min" rather than
// "0.08333333333333333h".
func durationOf(h float64) units.Duration {
	m := h * 60
	if r := math.Round(m); math.Abs(m-r) < 1e-9 && r > 0 {
		if int64(r)%60 == 0 {
			return units.Hours(r / 60)
		}
		return units.Minutes(r)
	}
	return units.Hours(h)
}

// formatHours prints a duration in hours as a compound of h and min when it
// is a whole number of minutes ("4h", "4h20min", "30min"), else in hours.
func formatHours(h float64) string {
	min := h * 60
	if r := math.Round(min); math.Abs(min-r) < 1e-6 {
		m := int64(r)
		switch {
		case m == 0:
			return "0h"
		case m%60 == 0:
			return fmt.Sprintf("%dh", m/60)
		case m < 60:
			return fmt.Sprintf("%dmin", m)
		}
		return fmt.Sprintf("%dh%dmin", m/60, m%60)
	}
	return formatNumber(h) + "h"
}
