package infusion

import (
	"slices"
	"time"
)

// Phase is where the session stands.
type Phase string

// Phases, in the order a session normally passes through them.
const (
	PhaseAwaitingCheckIn Phase = "awaiting-check-in"
	PhaseCheckedIn       Phase = "checked-in"
	PhaseProgrammed      Phase = "programmed"
	PhaseRunning         Phase = "running"
	PhasePaused          Phase = "paused"
	PhaseStopped         Phase = "stopped"
)

// Segment is an interval during which the pump ran at one constant rate
// from one bag. To is zero while the segment is still open.
type Segment struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to,omitzero"`
	Rate Rate      `json:"rate"`
	Bag  int       `json:"bag"`
}

// HungBag is a bag put on the pump by a programme event.
type HungBag struct {
	Seq int       `json:"seq"`
	At  time.Time `json:"at"`
	Bag Bag       `json:"bag"`
}

// VitalsRecord is one charted set of vitals.
type VitalsRecord struct {
	Seq    int       `json:"seq"`
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Vitals Vitals    `json:"vitals"`
}

// SideEffectRecord is one charted side effect.
type SideEffectRecord struct {
	Seq        int        `json:"seq"`
	At         time.Time  `json:"at"`
	By         string     `json:"by"`
	SideEffect SideEffect `json:"side_effect"`
}

// MedicationRecord is one medication given, at check-in or later, with its
// dose in mg (a per-kg dose at today's weight).
type MedicationRecord struct {
	Seq        int        `json:"seq"`
	By         string     `json:"by"`
	Medication Medication `json:"medication"`
	DoseMg     Milligrams `json:"dose_mg"`
}

// AckRecord is the acknowledgement of an alert.
type AckRecord struct {
	Seq    int       `json:"seq"`
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Action string    `json:"action"`
}

// AlertRecord is an alert on the record with its acknowledgement, if any.
type AlertRecord struct {
	Seq   int        `json:"seq"`
	At    time.Time  `json:"at"`
	Alert Alert      `json:"alert"`
	Ack   *AckRecord `json:"ack,omitempty"`
}

// DischargeRecord is a charted discharge assessment.
type DischargeRecord struct {
	Seq        int                 `json:"seq"`
	At         time.Time           `json:"at"`
	By         string              `json:"by"`
	Assessment DischargeAssessment `json:"assessment"`
}

// State is everything the events say about the session, built by applying
// them in order. It holds no clock: quantities that grow with time
// (cumulative dose, elapsed time, due vitals) come from Summary(now).
// A State is a value: Record returns a new one and never alters the old.
type State struct {
	Order  Order   `json:"order"`
	Rules  Rules   `json:"rules"`
	Events []Event `json:"events"`
	Phase  Phase   `json:"phase"`

	CheckIn   *CheckIn  `json:"check_in,omitempty"`
	CheckInAt time.Time `json:"check_in_at,omitzero"`
	// Programme is the last programme recorded.
	Programme *Programme `json:"programme,omitempty"`
	Bags      []HungBag  `json:"bags,omitempty"`
	// Rate is the rate the pump is set to (it flows only while running).
	Rate       Rate       `json:"rate"`
	Segments   []Segment  `json:"segments,omitempty"`
	StartedAt  time.Time  `json:"started_at,omitzero"`
	StoppedAt  time.Time  `json:"stopped_at,omitzero"`
	StopReason StopReason `json:"stop_reason,omitempty"`
	// LastPumpAt is the time of the last pump event; the next must not be
	// earlier.
	LastPumpAt time.Time `json:"last_pump_at,omitzero"`

	Vitals      []VitalsRecord     `json:"vitals,omitempty"`
	SideEffects []SideEffectRecord `json:"side_effects,omitempty"`
	Medications []MedicationRecord `json:"medications,omitempty"`
	Alerts      []AlertRecord      `json:"alerts,omitempty"`
	Discharge   *DischargeRecord   `json:"discharge,omitempty"`
}

// clone copies every slice so that applying events to the copy leaves s as
// it was. Payload pointers are shared: they are never written after an
// event is on the chart.
func (s State) clone() State {
	c := s
	c.Order.Steps = slices.Clone(s.Order.Steps)
	c.Events = slices.Clone(s.Events)
	c.Bags = slices.Clone(s.Bags)
	c.Segments = slices.Clone(s.Segments)
	c.Vitals = slices.Clone(s.Vitals)
	c.SideEffects = slices.Clone(s.SideEffects)
	c.Medications = slices.Clone(s.Medications)
	c.Alerts = slices.Clone(s.Alerts)
	return c
}

// Clone returns a copy of s whose lists are its own: appending to them or
// setting their elements leaves s as it was. The events' payloads are
// shared, as between the states Record takes and returns: they are never
// written once an event is on the chart.
func (s State) Clone() State { return s.clone() }

// Weight is today's weight from the check-in, in kg (0 before it).
func (s State) Weight() Kilograms {
	if s.CheckIn == nil {
		return 0
	}
	return Kilograms(s.CheckIn.Weight.Kilograms())
}

// Baseline is this session's baseline vitals (zero before check-in).
func (s State) Baseline() Vitals {
	if s.CheckIn == nil {
		return Vitals{}
	}
	return s.CheckIn.Baseline
}

// CurrentBag is the bag on the pump, if any.
func (s State) CurrentBag() (Bag, bool) {
	if len(s.Bags) == 0 {
		return Bag{}, false
	}
	return s.Bags[len(s.Bags)-1].Bag, true
}

// OpenAlerts returns the alerts not yet acknowledged, oldest first.
func (s State) OpenAlerts() []AlertRecord {
	var out []AlertRecord
	for _, a := range s.Alerts {
		if a.Ack == nil {
			out = append(out, a)
		}
	}
	return out
}

// LastVitals returns the vitals with the latest clinical time (the later
// charted of two with the same time), if any.
func (s State) LastVitals() (VitalsRecord, bool) {
	if len(s.Vitals) == 0 {
		return VitalsRecord{}, false
	}
	best := s.Vitals[0]
	for _, v := range s.Vitals[1:] {
		if !v.At.Before(best.At) {
			best = v
		}
	}
	return best, true
}

// rateAt returns the rate the pump was running at at instant t, and false
// when it was not running then.
func (s State) rateAt(t time.Time) (Rate, bool) {
	for i := len(s.Segments) - 1; i >= 0; i-- {
		g := s.Segments[i]
		if !t.Before(g.From) && (g.To.IsZero() || t.Before(g.To)) {
			return g.Rate, true
		}
	}
	return Rate{}, false
}

// runningAt is the pump-running time up to instant t.
func (s State) runningAt(t time.Time) time.Duration {
	var d time.Duration
	for _, g := range s.Segments {
		end := g.To
		if end.IsZero() || end.After(t) {
			end = t
		}
		if end.After(g.From) {
			d += end.Sub(g.From)
		}
	}
	return d
}
