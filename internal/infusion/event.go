package infusion

import (
	"strings"
	"time"

	"github.com/ketatrack/ketatrack/internal/units"
)

// Kind names what an event records.
type Kind string

// Event kinds. Every kind but KindAlert is charted by a named user;
// alerts are appended by Record itself.
const (
	KindCheckIn     Kind = "check-in"
	KindProgramme   Kind = "programme"
	KindStart       Kind = "start"
	KindPause       Kind = "pause"
	KindResume      Kind = "resume"
	KindRateChange  Kind = "rate-change"
	KindStop        Kind = "stop"
	KindVitals      Kind = "vitals"
	KindSideEffect  Kind = "side-effect"
	KindMedication  Kind = "medication"
	KindAlert       Kind = "alert"
	KindAcknowledge Kind = "acknowledge"
	KindDischarge   Kind = "discharge-assessment"
)

func (k Kind) known() bool {
	switch k {
	case KindCheckIn, KindProgramme, KindStart, KindPause, KindResume, KindRateChange, KindStop,
		KindVitals, KindSideEffect, KindMedication, KindAlert, KindAcknowledge, KindDischarge:
		return true
	}
	return false
}

// StaleViewSafe reports whether an event of kind k may be appended although
// other events were charted since its author read the chart (two nurses
// charting one session at once). The answer is a clinician's:
//
//   - vitals, side effects and medications given are observations of what
//     happened; each stands on its own, and two nurses' rows are both true
//     and both kept (the rules still raise any alert against the chart as
//     it now stands). An acknowledgement names its alert, and a second one
//     of the same alert is refused by the chart itself, naming the first.
//   - every other kind acts on, or moves, the session's state: the pump
//     (programme, start, pause, resume, rate change, stop), the check-in
//     and the discharge assessment. Made on a stale view — a rate change
//     chosen against a rate another nurse has just changed, a start after
//     a desaturation alert the nurse has not seen — it could be wrong for
//     the patient, so it is refused (StaleError) and the nurse reloads.
//
// Any event since counts for those kinds, vitals included: new vitals (or
// the alert they raised) are exactly what should inform a rate decision.
func (k Kind) StaleViewSafe() bool {
	switch k {
	case KindVitals, KindSideEffect, KindMedication, KindAcknowledge:
		return true
	}
	return false
}

// SystemUser is the author of alerts raised by the rules.
const SystemUser = "system"

// Event is one charted fact. Exactly the payload that matches Kind is set;
// the kinds start, pause and resume carry none beyond an optional note.
// Seq numbers events from 1 in the order they were recorded; At is the
// clinical time the fact happened (vitals may be charted a little late, so
// At need not follow Seq order, but pump events must). The store keeps each
// Event as one row.
type Event struct {
	Seq  int       `json:"seq"`
	Kind Kind      `json:"kind"`
	At   time.Time `json:"at"`
	By   string    `json:"by"`
	Note string    `json:"note,omitempty"`

	CheckIn     *CheckIn             `json:"check_in,omitempty"`
	Programme   *Programme           `json:"programme,omitempty"`
	RateChange  *RateChange          `json:"rate_change,omitempty"`
	Stop        *Stop                `json:"stop,omitempty"`
	Vitals      *Vitals              `json:"vitals,omitempty"`
	SideEffect  *SideEffect          `json:"side_effect,omitempty"`
	Medication  *Medication          `json:"medication,omitempty"`
	Alert       *Alert               `json:"alert,omitempty"`
	Acknowledge *Acknowledgement     `json:"acknowledge,omitempty"`
	Discharge   *DischargeAssessment `json:"discharge,omitempty"`
}

// payloadOK returns the JSON name of the payload Kind requires ("" for
// none) and whether exactly that payload, and no other, is set.
func (e Event) payloadOK() (want string, ok bool) {
	payloads := [...]struct {
		name string
		kind Kind
		set  bool
	}{
		{"check_in", KindCheckIn, e.CheckIn != nil},
		{"programme", KindProgramme, e.Programme != nil},
		{"rate_change", KindRateChange, e.RateChange != nil},
		{"stop", KindStop, e.Stop != nil},
		{"vitals", KindVitals, e.Vitals != nil},
		{"side_effect", KindSideEffect, e.SideEffect != nil},
		{"medication", KindMedication, e.Medication != nil},
		{"alert", KindAlert, e.Alert != nil},
		{"acknowledge", KindAcknowledge, e.Acknowledge != nil},
		{"discharge", KindDischarge, e.Discharge != nil},
	}
	ok = true
	for _, p := range payloads {
		if p.kind == e.Kind {
			want = p.name
		}
		if p.set != (p.kind == e.Kind) {
			ok = false
		}
	}
	return want, ok
}

// CheckIn opens the session: the weight measured today, the baseline vitals
// every alert compares against (Goldberg: heart rate ≥ 20 % over *this
// session's* baseline, 003_55ad5919aae10607.txt), and the premedication
// given before the infusion (Goldberg: clonidine 0.1 mg orally and midazolam
// 2–4 mg).
type CheckIn struct {
	// Weight is today's weight as written, "71kg" or "154lb".
	Weight        units.BodyWeight `json:"weight"`
	Baseline      Vitals           `json:"baseline"`
	BaselineAt    time.Time        `json:"baseline_at"`
	Premedication []Medication     `json:"premedication,omitempty"`
}

// Route is how a medication is given.
type Route string

// Routes of administration.
const (
	RoutePO Route = "PO" // by mouth
	RouteIV Route = "IV"
	RouteIM Route = "IM"
	RouteSC Route = "SC"
	RouteSL Route = "SL"
	RouteIN Route = "IN" // intranasal
)

// Medication is one drug given: premedication at check-in or a
// co-medication later (e.g. a further midazolam dose, an antiemetic).
type Medication struct {
	Drug string `json:"drug"`
	// Dose as written: "0.1mg", "100mcg", or per kg ("0.05mg/kg").
	Dose  units.Dose `json:"dose"`
	Route Route      `json:"route"`
	At    time.Time  `json:"at"`
}

// Validate checks the drug name, dose with unit, route and time.
func (m Medication) Validate() error {
	if strings.TrimSpace(m.Drug) == "" {
		return invalid("drug", "missing drug name")
	}
	if !positive(m.Dose.Value()) {
		return invalid("dose", "missing dose with its unit (mg, mcg, mg/kg)")
	}
	switch m.Route {
	case RoutePO, RouteIV, RouteIM, RouteSC, RouteSL, RouteIN:
	case "":
		return invalid("route", "missing route (PO, IV, IM, SC, SL, IN)")
	default:
		return invalid("route", "unknown route %q (PO, IV, IM, SC, SL, IN)", string(m.Route))
	}
	if m.At.IsZero() {
		return invalid("at", "missing time given")
	}
	return nil
}

// DoubleCheck is the nurse's independent entry of what the bag label says,
// like a barcode scan: the drug and the concentration, written either as
// the label's amount in volume ("40mg/500mL": both must match) or as a
// concentration ("0.08mg/mL"). It must agree with the programme.
type DoubleCheck struct {
	By            string              `json:"by"`
	Drug          Drug                `json:"drug"`
	Concentration units.Concentration `json:"concentration"`
}

// Programme is what the pump is set to: the bag, and the rate shown in mg/h
// and mL/h side by side. Recording it before start sets up the infusion;
// recording it while paused hangs a new bag (the infused volume of the new
// bag starts from zero, the cumulative dose carries on).
type Programme struct {
	Drug Drug `json:"drug"`
	// Bag is the amount in the volume, as labelled: "40mg/500mL".
	Bag units.Concentration `json:"bag"`
	// Entered is the rate as the nurse typed it: "10mg/h", "125mL/h",
	// "0.14mg/kg/h".
	Entered     units.DoseRate `json:"entered"`
	DoubleCheck DoubleCheck    `json:"double_check"`
	// Override carries the reason for going past a soft limit.
	Override *Override `json:"override,omitempty"`
	// Rate and Check are filled in by Record (from the dose engine) and
	// stored, so that replay never depends on today's drug library.
	Rate  Rate       `json:"rate"`
	Check *DoseCheck `json:"check,omitempty"`
}

// RateChange sets a new rate on the running (or paused) pump.
type RateChange struct {
	Entered  units.DoseRate `json:"entered"`
	Reason   string         `json:"reason,omitempty"`
	Override *Override      `json:"override,omitempty"`
	Rate     Rate           `json:"rate"`
	Check    *DoseCheck     `json:"check,omitempty"`
}

// Override is the acknowledgement of a soft limit: who and why.
type Override struct {
	Reason string `json:"reason"`
}

// StopReason says why the infusion stopped.
type StopReason string

// Stop reasons.
const (
	StopCompleted     StopReason = "completed"
	StopSideEffect    StopReason = "side-effect"
	StopPatientWish   StopReason = "patient-request"
	StopClinicianCall StopReason = "clinician-decision"
	StopOther         StopReason = "other"
)

// Stop ends the infusion; nothing can restart it (a new session is needed).
type Stop struct {
	Reason StopReason `json:"reason"`
}

// SideEffectKind is one of the side effects Goldberg watched for
// (003_55ad5919aae10607.txt: hypertension, tachycardia, dysphoria,
// hallucinations, dreams, headaches; restlessness was reported) plus nausea
// and "other".
type SideEffectKind string

// Side effects.
const (
	SEHypertension   SideEffectKind = "hypertension"
	SETachycardia    SideEffectKind = "tachycardia"
	SEDysphoria      SideEffectKind = "dysphoria"
	SEHallucinations SideEffectKind = "hallucinations"
	SEVividDreams    SideEffectKind = "vivid-dreams"
	SEHeadache       SideEffectKind = "headache"
	SENausea         SideEffectKind = "nausea"
	SERestlessness   SideEffectKind = "restlessness"
	SEOther          SideEffectKind = "other"
)

// Severity grades a side effect with the general grade definitions of the
// NCI Common Terminology Criteria for Adverse Events v5.0 (2017): 1 mild
// (intervention not indicated), 2 moderate (minimal, local or non-invasive
// intervention indicated), 3 severe or medically significant but not
// immediately life-threatening, 4 life-threatening (urgent intervention).
type Severity int

// Severities (CTCAE v5.0 grades 1–4).
const (
	Mild             Severity = 1
	Moderate         Severity = 2
	Severe           Severity = 3
	LifeThreatening  Severity = 4
	maxSeverityGrade          = LifeThreatening
)

// SideEffect is a side effect observed, how bad it is, and what was done.
type SideEffect struct {
	Effect SideEffectKind `json:"effect"`
	// Other describes the effect when Effect is "other".
	Other    string   `json:"other,omitempty"`
	Severity Severity `json:"severity"`
	Action   string   `json:"action"`
}

// Validate checks the effect, severity and that an action (possibly "none")
// was written.
func (s SideEffect) Validate() error {
	switch s.Effect {
	case SEHypertension, SETachycardia, SEDysphoria, SEHallucinations, SEVividDreams, SEHeadache, SENausea, SERestlessness:
	case SEOther:
		if strings.TrimSpace(s.Other) == "" {
			return invalid("other", "describe the side effect")
		}
	case "":
		return invalid("effect", "missing side effect")
	default:
		return invalid("effect", "unknown side effect %q", string(s.Effect))
	}
	if s.Severity < Mild || s.Severity > maxSeverityGrade {
		return invalid("severity", "severity %d is not a CTCAE grade 1–4", s.Severity)
	}
	if strings.TrimSpace(s.Action) == "" {
		return invalid("action", "write the action taken (\"none\" if none)")
	}
	return nil
}

// Acknowledgement answers an alert: a named user and the action taken. The
// alert stays on the record; it is only marked acknowledged.
type Acknowledgement struct {
	AlertSeq int    `json:"alert_seq"`
	Action   string `json:"action"`
}
