package infusion

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// NewSession returns the empty state of a session: the order, the rules it
// is charted under, and no events.
func NewSession(o Order, r Rules) (State, error) {
	if err := o.Validate(); err != nil {
		return State{}, prefixed("order", err)
	}
	if err := r.Validate(); err != nil {
		return State{}, prefixed("rules", err)
	}
	o.Steps = slices.Clone(o.Steps)
	return State{Order: o, Rules: r, Phase: PhaseAwaitingCheckIn}, nil
}

// Replay rebuilds a session's state from its stored events, checking each
// as it goes. Alerts are not re-evaluated: they are events of their own, so
// a change of rules never rewrites what was raised. An error means the
// stored chart is not one Record could have produced.
func Replay(o Order, r Rules, events []Event) (State, error) {
	s, err := NewSession(o, r)
	if err != nil {
		return State{}, err
	}
	if len(events) > 0 {
		// The chart's lists at their final length at once, instead of
		// grown by doubling as the events are applied (most of a long
		// chart's replay otherwise). Only lists that will have elements:
		// an empty list stays nil, as applying would leave it.
		s.Events = make([]Event, 0, len(events))
		if n := countKind(events, KindVitals); n > 0 {
			s.Vitals = make([]VitalsRecord, 0, n)
		}
	}
	for i, e := range events {
		if e.Seq != i+1 {
			return State{}, fmt.Errorf("infusion: replay: event %d has seq %d", i+1, e.Seq)
		}
		if err := s.apply(copyEvent(e), false); err != nil {
			return State{}, fmt.Errorf("infusion: replay: event %d (%s): %w", e.Seq, e.Kind, err)
		}
	}
	return s, nil
}

// Continue is Replay of events after the stored events s was built from
// (their Seq numbers follow s's): s with each of them applied and checked
// as Replay applies it. s is not changed.
func Continue(s State, events []Event) (State, error) {
	c := s.clone()
	for i, e := range events {
		if e.Seq != len(s.Events)+i+1 {
			return State{}, fmt.Errorf("infusion: replay: event %d has seq %d", len(s.Events)+i+1, e.Seq)
		}
		if err := c.apply(copyEvent(e), false); err != nil {
			return State{}, fmt.Errorf("infusion: replay: event %d (%s): %w", e.Seq, e.Kind, err)
		}
	}
	return c, nil
}

// countKind is the number of events of kind k.
func countKind(events []Event, k Kind) int {
	n := 0
	for _, e := range events {
		if e.Kind == k {
			n++
		}
	}
	return n
}

// Result is what Record returns: the new state and the events it appended
// (the charted event first, then any alerts it raised), which are what the
// store must insert.
type Result struct {
	State    State   `json:"state"`
	Appended []Event `json:"appended"`
}

// Record charts one event. It checks the event against the state (the
// error names the field), asks the dose engine about every programme and
// rate change (a soft limit needs Override.Reason, a hard limit is
// refused), appends the event and then any alert its values raise. now is
// the present time, used only to refuse events dated in the future. The
// event's Seq may be 0 (assigned) or the next number (a store can use it to
// detect two nurses charting at once; see Kind.OnStaleView for what happens
// when events were charted since the client read the chart). On error
// nothing changes: s and its events are never altered, on success or
// failure.
func Record(s State, e Event, now time.Time, checker RateChecker) (Result, error) {
	r := NewRecorder(s, now, checker)
	appended, err := r.Record(e)
	if err != nil {
		return Result{}, err
	}
	return Result{State: r.s, Appended: appended}, nil
}

// Recorder charts events one after another, each as Record charts it on
// the chart the previous ones made, on one copy of the state: a list of n
// events on a chart of m costs one copy of the chart instead of n (Record
// copies it for every event, so that a refused event leaves it as it was).
// For a batch that is all or nothing: after a refusal the Recorder's state
// is not to be used, and it refuses every later event.
type Recorder struct {
	s       State
	now     time.Time
	checker RateChecker
	err     error
}

// NewRecorder returns a Recorder on a copy of s; now and checker are
// Record's.
func NewRecorder(s State, now time.Time, checker RateChecker) *Recorder {
	return &Recorder{s: s.clone(), now: now, checker: checker}
}

// NewRecorderOn is NewRecorder charting on s itself, without a copy, for a
// caller that owns s (a state it just replayed) and does not use it again.
func NewRecorderOn(s State, now time.Time, checker RateChecker) *Recorder {
	return &Recorder{s: s, now: now, checker: checker}
}

// State returns a copy of the state as charted so far.
func (r *Recorder) State() State { return r.s.clone() }

// Final returns the state as charted so far without copying it, for the
// last event of a list: the Recorder must not be used afterwards (it
// refuses every event).
func (r *Recorder) Final() State {
	s := r.s
	r.s = State{}
	if r.err == nil {
		r.err = errors.New("infusion: the Recorder's state was taken (Final)")
	}
	return s
}

// Record charts e as Record does and returns the events it appended (e,
// then any alert it raised).
func (r *Recorder) Record(e Event) ([]Event, error) {
	if r.err != nil {
		return nil, fmt.Errorf("infusion: an earlier event of the batch was refused: %w", r.err)
	}
	appended, err := r.record(e)
	if err != nil {
		r.err = err
	}
	return appended, err
}

func (r *Recorder) record(e Event) ([]Event, error) {
	s, now, checker := &r.s, r.now, r.checker
	e = copyEvent(e)
	next := len(s.Events) + 1
	switch {
	case e.Seq == 0:
		e.Seq = next
	case e.Seq > next || e.Seq < 0:
		return nil, conflict("seq", "event %d was expected, got %d: the chart changed meanwhile, reload it", next, e.Seq)
	case e.Seq < next:
		if !e.Kind.StaleViewSafe() {
			return nil, &StaleError{Kind: e.Kind, Seen: e.Seq - 1, Since: slices.Clone(s.Events[e.Seq-1:])}
		}
		// An observation stands on its own: keep it after the events
		// charted meanwhile.
		e.Seq = next
	}
	if e.Kind == KindAlert {
		return nil, conflict("kind", "alerts are raised by the rules, not charted")
	}
	if !e.At.IsZero() && e.At.After(now) {
		return nil, invalid("at", "%s is in the future (now %s)", e.At.Format(time.RFC3339), now.Format(time.RFC3339))
	}
	if e.Kind == KindProgramme || e.Kind == KindRateChange {
		// Check everything but the rate first, so that a wrong state or a
		// failed double check is reported before the dose engine is asked.
		scratch := s.clone()
		if err := scratch.apply(e, true); err != nil {
			return nil, err
		}
		if err := checkRate(*s, &e, checker); err != nil {
			return nil, err
		}
	}
	before := len(s.Events)
	if err := s.apply(e, false); err != nil {
		return nil, err
	}
	for _, a := range s.alertsFor(e) {
		ev := Event{Seq: len(s.Events) + 1, Kind: KindAlert, At: e.At, By: SystemUser, Alert: &a}
		if err := s.apply(ev, false); err != nil {
			return nil, fmt.Errorf("infusion: raising %s alert: %w", a.Rule, err)
		}
	}
	return slices.Clone(s.Events[before:]), nil
}

// checkRate converts the entered rate for the bag and today's weight, asks
// the dose engine to check it, and stores both on the event.
func checkRate(s State, e *Event, checker RateChecker) error {
	if checker == nil {
		return errors.New("infusion: no dose engine to check the rate")
	}
	q := RateQuery{Drug: s.Order.Drug, CareArea: s.Order.CareArea}
	if s.CheckIn != nil {
		q.Weight = s.CheckIn.Weight
	}
	var override *Override
	var bag Bag
	field := "rate_change.entered"
	if e.Kind == KindProgramme {
		q.Bag, q.Entered, override = e.Programme.Bag, e.Programme.Entered, e.Programme.Override
		bag, _ = bagOf(e.Programme.Bag) // checked by the first pass
		field = "programme.entered"
	} else {
		q.Bag = s.Programme.Bag
		bag, _ = s.CurrentBag()
		q.Entered, override = e.RateChange.Entered, e.RateChange.Override
	}
	r, err := convertRate(q.Entered, s.Weight(), bag)
	if err != nil {
		return prefixed(field, err)
	}
	q.Rate = r
	if override != nil {
		q.Acknowledgement = override.Reason
	}
	c, err := checker.CheckRate(q)
	if err != nil {
		return prefixed(field, err)
	}
	entered := q.Entered.String()
	switch c.Level {
	case LevelHard:
		return errorf(EHARDLIMIT, field, "%s (%s mg/h) refused: over a hard limit (%s)", entered, shown(float64(r.MgPerH)), limitText(c))
	case LevelSoft:
		if override == nil || strings.TrimSpace(override.Reason) == "" {
			return errorf(ESOFTLIMIT, field, "%s (%s mg/h) is over a soft limit (%s): record it again with a reason to go ahead", entered, shown(float64(r.MgPerH)), limitText(c))
		}
	case LevelOK:
	default:
		return fmt.Errorf("infusion: dose engine returned unknown level %q", c.Level)
	}
	if e.Kind == KindProgramme {
		e.Programme.Rate, e.Programme.Check = r, &c
	} else {
		e.RateChange.Rate, e.RateChange.Check = r, &c
	}
	return nil
}

// limitText is the dose engine's explanation: its message (which names the
// limits and their sources), or else the limit and its source.
func limitText(c DoseCheck) string {
	if strings.TrimSpace(c.Message) != "" {
		return c.Message
	}
	parts := []string{}
	for _, p := range []string{c.Limit, c.Source} {
		if strings.TrimSpace(p) != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return "no detail given"
	}
	return strings.Join(parts, "; ")
}

// alertsFor evaluates the alert rules after e has been applied.
func (s *State) alertsFor(e Event) []Alert {
	var out []Alert
	if e.Kind == KindVitals && s.CheckIn != nil {
		out = append(out, s.Rules.vitalsAlerts(*e.Vitals, s.CheckIn.Baseline, e.Seq)...)
	}
	if a, ok := s.rateAbovePlan(e.At, e.Seq); ok {
		out = append(out, a)
	}
	return out
}

// rateAbovePlan checks the rate the pump ran at instant t (which may be
// earlier than the last pump event when vitals are charted late) against the
// plan's step at t. The same rate in the same step raises one alert only.
func (s *State) rateAbovePlan(t time.Time, cause int) (Alert, bool) {
	rate, running := s.rateAt(t)
	if !running {
		return Alert{}, false
	}
	step, plan, done, ok := s.Order.PlannedRate(s.runningAt(t))
	if !ok || !aboveRate(rate.MgPerH, plan) {
		return Alert{}, false
	}
	key := fmt.Sprintf("step %d: %v mg/h over %v mg/h", step+1, float64(rate.MgPerH), float64(plan))
	for _, a := range s.Alerts {
		if a.Alert.Rule == RuleRateAbovePlan && a.Alert.Key == key {
			return Alert{}, false
		}
	}
	where := fmt.Sprintf("step %d", step+1)
	if done {
		where = fmt.Sprintf("the last step (%d; the plan's running time is over)", step+1)
	}
	return Alert{
		Rule: RuleRateAbovePlan, CauseSeq: cause, Key: key,
		Message:   fmt.Sprintf("Pump rate %s mg/h is above the plan's %s mg/h for %s", shown(float64(rate.MgPerH)), shown(float64(plan)), where),
		Observed:  fmt.Sprintf("%s mg/h (%s mL/h)", shown(float64(rate.MgPerH)), shown(float64(rate.MLPerH))),
		Threshold: fmt.Sprintf("plan %s mg/h", shown(float64(plan))),
		Source:    sourcePlan,
	}, true
}

// apply checks e against s and, if it fits, applies it. With pendingRate
// the rate fields the dose engine fills in are not checked (Record's first
// pass). On error s may be partly changed: callers apply to a clone.
func (s *State) apply(e Event, pendingRate bool) error {
	return s.applyAt(e, pendingRate, true)
}

// applyAt is apply with the check of Seq optional (asOf keeps the numbers
// of a chart it filters by time).
func (s *State) applyAt(e Event, pendingRate, checkSeq bool) error {
	if checkSeq && e.Seq != len(s.Events)+1 {
		return conflict("seq", "event %d was expected, got %d", len(s.Events)+1, e.Seq)
	}
	if !e.Kind.known() {
		return invalid("kind", "unknown event kind %q", string(e.Kind))
	}
	if want, ok := e.payloadOK(); !ok {
		if want == "" {
			return invalid("", "a %s event carries no payload", e.Kind)
		}
		return invalid(want, "a %s event carries exactly its %q payload", e.Kind, want)
	}
	if e.At.IsZero() {
		return invalid("at", "missing time")
	}
	by := strings.TrimSpace(e.By)
	switch {
	case by == "":
		return invalid("by", "missing: every event is charted by a named user")
	case e.Kind == KindAlert && by != SystemUser:
		return conflict("by", "alerts are raised by %q, not %q", SystemUser, e.By)
	case e.Kind != KindAlert && by == SystemUser:
		return invalid("by", "%q is reserved for alerts", SystemUser)
	}
	if e.Kind != KindCheckIn {
		if s.Phase == PhaseAwaitingCheckIn {
			return conflict("kind", "check the patient in before charting %s", e.Kind)
		}
		if e.At.Before(s.CheckInAt) {
			return invalid("at", "%s is before the check-in at %s", e.At.Format(time.RFC3339), s.CheckInAt.Format(time.RFC3339))
		}
	}
	if isPumpEvent(e.Kind) && e.At.Before(s.LastPumpAt) {
		return invalid("at", "%s is before the previous pump event at %s", e.At.Format(time.RFC3339), s.LastPumpAt.Format(time.RFC3339))
	}

	var err error
	switch e.Kind {
	case KindCheckIn:
		err = s.applyCheckIn(e)
	case KindProgramme:
		err = s.applyProgramme(e, pendingRate)
	case KindStart:
		err = s.applyStart(e)
	case KindPause:
		if s.Phase != PhaseRunning {
			return conflict("kind", "cannot pause: the pump is %s", s.Phase)
		}
		s.closeSegment(e.At)
		s.Phase = PhasePaused
	case KindResume:
		if s.Phase != PhasePaused {
			return conflict("kind", "cannot resume: the pump is %s", s.Phase)
		}
		s.openSegment(e.At)
		s.Phase = PhaseRunning
	case KindRateChange:
		err = s.applyRateChange(e, pendingRate)
	case KindStop:
		err = s.applyStop(e)
	case KindVitals:
		if err := e.Vitals.Validate(s.Rules.Limits); err != nil {
			return prefixed("vitals", err)
		}
		s.Vitals = append(s.Vitals, VitalsRecord{Seq: e.Seq, At: e.At, By: e.By, Vitals: *e.Vitals})
	case KindSideEffect:
		if err := e.SideEffect.Validate(); err != nil {
			return prefixed("side_effect", err)
		}
		s.SideEffects = append(s.SideEffects, SideEffectRecord{Seq: e.Seq, At: e.At, By: e.By, SideEffect: *e.SideEffect})
	case KindMedication:
		m := *e.Medication
		if err := m.Validate(); err != nil {
			return prefixed("medication", err)
		}
		if m.At.After(e.At) {
			return invalid("medication.at", "given at %s, after the time it was charted for (%s)", m.At.Format(time.RFC3339), e.At.Format(time.RFC3339))
		}
		mg, err := doseMilligrams(m.Dose, s.Weight())
		if err != nil {
			return invalid("medication.dose", "%v", err)
		}
		s.Medications = append(s.Medications, MedicationRecord{Seq: e.Seq, By: e.By, Medication: m, DoseMg: mg})
	case KindAlert:
		err = s.applyAlert(e)
	case KindAcknowledge:
		err = s.applyAck(e)
	case KindDischarge:
		if s.Phase != PhaseStopped {
			return conflict("kind", "stop the infusion before the discharge assessment (the pump is %s)", s.Phase)
		}
		if e.At.Before(s.StoppedAt) {
			return invalid("at", "the discharge assessment at %s is before the stop at %s", e.At.Format(time.RFC3339), s.StoppedAt.Format(time.RFC3339))
		}
		if err := e.Discharge.Validate(); err != nil {
			return prefixed("discharge", err)
		}
		s.Discharge = &DischargeRecord{Seq: e.Seq, At: e.At, By: e.By, Assessment: *e.Discharge}
	}
	if err != nil {
		return err
	}
	if isPumpEvent(e.Kind) {
		s.LastPumpAt = e.At
	}
	s.Events = append(s.Events, e)
	return nil
}

// asOf returns the state the chart showed at instant t: the events dated
// at or before t, in the order they were recorded. Pump events, alerts,
// acknowledgements and the discharge assessment are in time order on any
// chart Record accepts, so the subsequence is itself a valid chart.
func (s State) asOf(t time.Time) State {
	if len(s.Events) == 0 || !s.latestAt().After(t) {
		return s
	}
	o := State{Order: s.Order, Rules: s.Rules, Phase: PhaseAwaitingCheckIn}
	for _, e := range s.Events {
		if e.At.After(t) {
			continue
		}
		if err := o.applyAt(e, false, false); err != nil {
			return s // cannot happen on a chart Record built; show the whole chart
		}
	}
	return o
}

func (s State) latestAt() time.Time {
	var l time.Time
	for _, e := range s.Events {
		if e.At.After(l) {
			l = e.At
		}
	}
	return l
}

func isPumpEvent(k Kind) bool {
	switch k {
	case KindProgramme, KindStart, KindPause, KindResume, KindRateChange, KindStop:
		return true
	}
	return false
}

func (s *State) applyCheckIn(e Event) error {
	if s.Phase != PhaseAwaitingCheckIn {
		return conflict("kind", "the patient is already checked in (event %d)", s.Events[0].Seq)
	}
	c := e.CheckIn
	if !positive(c.Weight.Kilograms()) {
		return invalid("check_in.weight", "missing: today's weight with its unit, e.g. 71kg or 154lb")
	}
	if err := c.Baseline.Validate(s.Rules.Limits); err != nil {
		return prefixed("check_in.baseline", err)
	}
	if c.BaselineAt.IsZero() {
		return invalid("check_in.baseline_at", "missing time of the baseline vitals")
	}
	if c.BaselineAt.After(e.At) {
		return invalid("check_in.baseline_at", "baseline vitals at %s are after the check-in at %s", c.BaselineAt.Format(time.RFC3339), e.At.Format(time.RFC3339))
	}
	var given []MedicationRecord
	for i, m := range c.Premedication {
		f := fmt.Sprintf("check_in.premedication[%d]", i)
		if err := m.Validate(); err != nil {
			return prefixed(f, err)
		}
		if m.At.After(e.At) {
			return invalid(f+".at", "given at %s, after the check-in at %s", m.At.Format(time.RFC3339), e.At.Format(time.RFC3339))
		}
		mg, err := doseMilligrams(m.Dose, Kilograms(c.Weight.Kilograms()))
		if err != nil {
			return invalid(f+".dose", "%v", err)
		}
		given = append(given, MedicationRecord{Seq: e.Seq, By: e.By, Medication: m, DoseMg: mg})
	}
	s.CheckIn = c
	s.CheckInAt = e.At
	s.Medications = append(s.Medications, given...)
	s.Phase = PhaseCheckedIn
	return nil
}

func (s *State) applyProgramme(e Event, pendingRate bool) error {
	switch s.Phase {
	case PhaseCheckedIn, PhaseProgrammed, PhasePaused:
	case PhaseRunning:
		return conflict("kind", "pause the pump before changing the programme or the bag")
	default:
		return conflict("kind", "cannot programme the pump: the infusion is %s", s.Phase)
	}
	p := e.Programme
	if err := validDrug(p.Drug); err != nil {
		return prefixed("programme.drug", err)
	}
	if p.Drug != s.Order.Drug {
		return errorf(EMISMATCH, "programme.drug", "the pump is programmed with %s but the order is for %s", p.Drug, s.Order.Drug)
	}
	bag, err := bagOf(p.Bag)
	if err != nil {
		return prefixed("programme.bag", err)
	}
	if s.Order.Bag != nil {
		if ob, _ := bagOf(*s.Order.Bag); !ob.same(bag) {
			return errorf(EMISMATCH, "programme.bag", "the bag %s differs from the order's %s", p.Bag, s.Order.Bag)
		}
	}
	if p.Entered.Form() == 0 {
		return invalid("programme.entered", "missing rate with its unit, e.g. 10mg/h or 125mL/h")
	}
	if err := checkDouble(p, bag); err != nil {
		return err
	}
	if !pendingRate {
		if err := checkStoredRate(p.Rate, p.Check, p.Override); err != nil {
			return prefixed("programme", err)
		}
	}
	hung := HungBag{Seq: e.Seq, At: e.At, Bag: bag}
	if s.Phase == PhasePaused {
		s.Bags = append(s.Bags, hung)
	} else {
		s.Bags = []HungBag{hung} // nothing infused yet: the new programme replaces the old
		s.Phase = PhaseProgrammed
	}
	s.Programme = p
	s.Rate = p.Rate
	return nil
}

// checkDouble compares the nurse's independent entry with the programme.
func checkDouble(p *Programme, bag Bag) error {
	d := p.DoubleCheck
	const f = "programme.double_check"
	if strings.TrimSpace(d.By) == "" {
		return invalid(f+".by", "missing: who checked the bag")
	}
	if d.Drug == "" {
		return invalid(f+".drug", "missing: scan or enter the drug on the bag label")
	}
	if d.Drug != p.Drug {
		return errorf(EMISMATCH, f+".drug", "the bag label says %s but the pump is programmed with %s", d.Drug, p.Drug)
	}
	if !positive(d.Concentration.MilligramsPerMilliliter()) {
		return invalid(f+".concentration", "missing: enter the label's amount in volume (40mg/500mL) or its concentration (0.08mg/mL)")
	}
	if label, err := bagOf(d.Concentration); err == nil {
		if !label.same(bag) {
			return errorf(EMISMATCH, f+".concentration", "the label's %s differs from the programme's %s", d.Concentration, p.Bag)
		}
		return nil
	}
	if !bag.sameConcentration(d.Concentration.MilligramsPerMilliliter()) {
		return errorf(EMISMATCH, f+".concentration", "the label's %s differs from the programme's %s (%v mg/mL)",
			d.Concentration, p.Bag, bag.ConcentrationMgPerML())
	}
	return nil
}

// checkStoredRate checks that a rate on the chart is one the dose engine
// let through: converted, never over a hard limit, over a soft one only
// with a reason.
func checkStoredRate(r Rate, c *DoseCheck, o *Override) error {
	if c == nil {
		return invalid("check", "the rate was not checked by the dose engine")
	}
	if !positive(float64(r.MgPerH)) || !positive(float64(r.MLPerH)) {
		return invalid("rate", "the rate must be positive in mg/h and mL/h, got %v mg/h, %v mL/h", float64(r.MgPerH), float64(r.MLPerH))
	}
	switch c.Level {
	case LevelOK:
	case LevelSoft:
		if o == nil || strings.TrimSpace(o.Reason) == "" {
			return errorf(ESOFTLIMIT, "override.reason", "over a soft limit without a reason")
		}
	case LevelHard:
		return errorf(EHARDLIMIT, "check", "a rate over a hard limit cannot be on the chart")
	default:
		return invalid("check.level", "unknown level %q", c.Level)
	}
	return nil
}

func (s *State) applyStart(e Event) error {
	switch s.Phase {
	case PhaseProgrammed:
	case PhaseCheckedIn:
		return conflict("kind", "programme the pump and double-check the bag before starting")
	case PhasePaused:
		return conflict("kind", "the infusion is paused: resume it")
	default:
		return conflict("kind", "cannot start: the infusion is %s", s.Phase)
	}
	s.StartedAt = e.At
	s.openSegment(e.At)
	s.Phase = PhaseRunning
	return nil
}

func (s *State) applyRateChange(e Event, pendingRate bool) error {
	switch s.Phase {
	case PhaseRunning, PhasePaused:
	case PhaseStopped:
		return conflict("kind", "cannot change the rate: the infusion is stopped")
	default:
		return conflict("kind", "the infusion has not started: change the programme instead")
	}
	rc := e.RateChange
	if rc.Entered.Form() == 0 {
		return invalid("rate_change.entered", "missing rate with its unit, e.g. 10mg/h or 125mL/h")
	}
	if pendingRate {
		return nil
	}
	if err := checkStoredRate(rc.Rate, rc.Check, rc.Override); err != nil {
		return prefixed("rate_change", err)
	}
	s.Rate = rc.Rate
	if s.Phase == PhaseRunning {
		s.closeSegment(e.At)
		s.openSegment(e.At)
	}
	return nil
}

func (s *State) applyStop(e Event) error {
	switch s.Phase {
	case PhaseRunning, PhasePaused:
	case PhaseStopped:
		return conflict("kind", "the infusion is already stopped")
	default:
		return conflict("kind", "the infusion has not started")
	}
	switch e.Stop.Reason {
	case StopCompleted, StopSideEffect, StopPatientWish, StopClinicianCall, StopOther:
	case "":
		return invalid("stop.reason", "missing reason")
	default:
		return invalid("stop.reason", "unknown reason %q", e.Stop.Reason)
	}
	if s.Phase == PhaseRunning {
		s.closeSegment(e.At)
	}
	s.StoppedAt = e.At
	s.StopReason = e.Stop.Reason
	s.Phase = PhaseStopped
	return nil
}

func (s *State) applyAlert(e Event) error {
	a := e.Alert
	switch a.Rule {
	case RuleDesaturation, RuleTachycardia, RuleBloodPressure, RuleRateAbovePlan:
	default:
		return invalid("alert.rule", "unknown rule %q", a.Rule)
	}
	if a.CauseSeq < 1 || a.CauseSeq >= e.Seq {
		return invalid("alert.cause_seq", "must name an earlier event, got %d", a.CauseSeq)
	}
	s.Alerts = append(s.Alerts, AlertRecord{Seq: e.Seq, At: e.At, Alert: *a})
	return nil
}

func (s *State) applyAck(e Event) error {
	k := e.Acknowledge
	i := slices.IndexFunc(s.Alerts, func(a AlertRecord) bool { return a.Seq == k.AlertSeq })
	if i < 0 {
		return conflict("acknowledge.alert_seq", "no alert %d on this chart", k.AlertSeq)
	}
	if prev := s.Alerts[i].Ack; prev != nil {
		return conflict("acknowledge.alert_seq", "alert %d was already acknowledged by %s (event %d)", k.AlertSeq, prev.By, prev.Seq)
	}
	if strings.TrimSpace(k.Action) == "" {
		return invalid("acknowledge.action", "write the action taken")
	}
	if e.At.Before(s.Alerts[i].At) {
		return invalid("at", "the acknowledgement at %s is before the alert at %s", e.At.Format(time.RFC3339), s.Alerts[i].At.Format(time.RFC3339))
	}
	s.Alerts[i].Ack = &AckRecord{Seq: e.Seq, At: e.At, By: e.By, Action: k.Action}
	return nil
}

func (s *State) openSegment(at time.Time) {
	s.Segments = append(s.Segments, Segment{From: at, Rate: s.Rate, Bag: len(s.Bags) - 1})
}

func (s *State) closeSegment(at time.Time) {
	if n := len(s.Segments); n > 0 && s.Segments[n-1].To.IsZero() {
		s.Segments[n-1].To = at
	}
}

// Clone returns e with its payloads copied, so that changing the clone's
// payloads cannot change e (e.g. an event a cache hands out to many callers).
func (e Event) Clone() Event { return copyEvent(e) }

// copyEvent returns e with its payloads copied, so that the caller keeping
// or changing its own pointers cannot change the chart.
func copyEvent(e Event) Event {
	if e.CheckIn != nil {
		c := *e.CheckIn
		c.Baseline = copyVitals(c.Baseline)
		c.Premedication = slices.Clone(c.Premedication)
		e.CheckIn = &c
	}
	if e.Programme != nil {
		p := *e.Programme
		p.Override = copyPtr(p.Override)
		p.Check = copyPtr(p.Check)
		e.Programme = &p
	}
	if e.RateChange != nil {
		r := *e.RateChange
		r.Override = copyPtr(r.Override)
		r.Check = copyPtr(r.Check)
		e.RateChange = &r
	}
	if e.Vitals != nil {
		v := copyVitals(*e.Vitals)
		e.Vitals = &v
	}
	e.Stop = copyPtr(e.Stop)
	e.SideEffect = copyPtr(e.SideEffect)
	e.Medication = copyPtr(e.Medication)
	e.Alert = copyPtr(e.Alert)
	e.Acknowledge = copyPtr(e.Acknowledge)
	e.Discharge = copyPtr(e.Discharge)
	return e
}

func copyVitals(v Vitals) Vitals {
	v.RespRate = copyPtr(v.RespRate)
	v.RASS = copyPtr(v.RASS)
	v.CADSS = copyPtr(v.CADSS)
	return v
}

func copyPtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	c := *p
	return &c
}
