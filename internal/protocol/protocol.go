package protocol

// Drug names the ketamine preparation a protocol uses.
const (
	Racemic   = "racemic"
	SKetamine = "s-ketamine"
)

// Care areas, as the drug library names them (shared/CLINICAL.md, "Default
// drug-library limits").
const (
	Outpatient = "outpatient"
	Inpatient  = "inpatient"
	ICU        = "icu"
)

// Regimen kinds.
const (
	// KindSessions: separate sessions, each within one day.
	KindSessions = "sessions"
	// KindContinuous: one infusion running for Length, split into 24-hour
	// days in a plan.
	KindContinuous = "continuous"
)

// Calendars of sessions.
const (
	Consecutive = "consecutive" // one session a day, every day
	Weekdays    = "weekdays"    // one session a day, Monday to Friday
	Interval    = "interval"    // one session every Regimen.Interval
)

// Dose kinds.
const (
	DoseInfusion = "infusion" // a rate, or an amount over Duration
	DoseBolus    = "bolus"    // an amount given at once
	DosePulses   = "pulses"   // Count short infusions, one every Every
)

// Titration across.
const (
	AcrossSessions = "sessions" // the dose changes from session to session
	AcrossInterval = "interval" // a continuous infusion's rate changes every Titration.Interval
	AcrossPulses   = "pulses"   // each pulse of a train has its own dose
)

// Protocol is one cited protocol: a file in data/ or a clinic's own file.
type Protocol struct {
	// ID is the protocol's identifier, e.g. "goldberg-2005"; the file is
	// named ID.yaml.
	ID string `yaml:"id" json:"id"`
	// Title is a one-line description.
	Title string `yaml:"title" json:"title"`
	// Summary describes the protocol in a few sentences.
	Summary string `yaml:"summary" json:"summary"`
	// References are the documents sources cite, by key ("003").
	References map[string]Reference `yaml:"references" json:"references"`
	// Evidence lists evidence library entries (package evidence) by ID.
	Evidence []string `yaml:"evidence" json:"evidence"`
	// Drug is racemic or s-ketamine.
	Drug Field `yaml:"drug" json:"drug"`
	// CareArea is outpatient, inpatient or icu: where the source gave it.
	CareArea Field `yaml:"care_area" json:"care_area"`
	// Setting describes the place in words ("short procedure unit").
	Setting string `yaml:"setting" json:"setting,omitempty"`
	// Population describes the patients studied.
	Population string `yaml:"population" json:"population,omitempty"`
	// Regimens are the ways of giving the protocol; with more than one the
	// clinician chooses with the key "regimen".
	Regimens []Regimen `yaml:"regimens" json:"regimens"`
	// Premedication lists premedication and co-medication.
	Premedication []Medication `yaml:"premedication" json:"premedication,omitempty"`
	// PremedicationNote says what the source states when it gives none.
	PremedicationNote string `yaml:"premedication_note" json:"premedication_note,omitempty"`
	// Monitoring lists what is watched and how often.
	Monitoring []Monitor `yaml:"monitoring" json:"monitoring,omitempty"`
	// MonitoringNote says what the source states about monitoring when it
	// gives little or none.
	MonitoringNote string `yaml:"monitoring_note" json:"monitoring_note,omitempty"`
	// Rules are alert and warning thresholds.
	Rules []Rule `yaml:"rules" json:"rules,omitempty"`
	// Warnings are shown with every plan.
	Warnings []Note `yaml:"warnings" json:"warnings,omitempty"`
	// Notes are facts from the source worth knowing.
	Notes []Note `yaml:"notes" json:"notes,omitempty"`
	// Unspecified lists the details the source leaves out.
	Unspecified []Unspecified `yaml:"unspecified" json:"unspecified,omitempty"`

	// File is the file the protocol was read from.
	File string `yaml:"-" json:"file"`
	// Builtin reports whether the protocol is embedded in ketatrack rather
	// than a clinic's own.
	Builtin bool `yaml:"-" json:"builtin"`

	kinds map[string]kind // kind of each unspecified key, set by validate
}

// Reference is a document a protocol cites.
type Reference struct {
	// Seed is the seed file name, e.g. "003_55ad5919aae10607.txt".
	Seed string `yaml:"seed" json:"seed,omitempty"`
	// Citation is the publication, with where it was read.
	Citation string `yaml:"citation" json:"citation"`
}

// Regimen is one way of giving a protocol: a schedule and the doses of each
// session.
type Regimen struct {
	// Name identifies the regimen ("standard", "lower-limb").
	Name string `yaml:"name" json:"name"`
	// Description says when to use it.
	Description string `yaml:"description" json:"description,omitempty"`
	// CareArea overrides the protocol's care area for this regimen.
	CareArea Field `yaml:"care_area" json:"care_area,omitzero"`
	// Kind is "sessions" or "continuous".
	Kind string `yaml:"kind" json:"kind"`
	// Sessions is the number of sessions (kind sessions).
	Sessions Field `yaml:"sessions" json:"sessions,omitzero"`
	// Calendar is consecutive, weekdays or interval (kind sessions).
	Calendar Field `yaml:"calendar" json:"calendar,omitzero"`
	// Interval is the time between sessions, in whole days (calendar
	// interval), e.g. "3wk" or "10d".
	Interval Field `yaml:"interval" json:"interval,omitzero"`
	// SessionLength is how long one session lasts, at most 24 h (kind
	// sessions).
	SessionLength Field `yaml:"session_length" json:"session_length,omitzero"`
	// Length is how long the continuous infusion runs (kind continuous),
	// e.g. "100h" or "4.5d".
	Length Field `yaml:"length" json:"length,omitzero"`
	// Doses are given in each session (or once, for a continuous infusion).
	Doses []DoseSpec `yaml:"doses" json:"doses"`
}

// DoseSpec is one ketamine dose of a session: an infusion, a bolus or a
// train of pulses.
type DoseSpec struct {
	// Name, e.g. "induction bolus".
	Name string `yaml:"name" json:"name"`
	// Kind is infusion, bolus or pulses.
	Kind string `yaml:"kind" json:"kind"`
	// Dose is the first dose: a rate (mg/h, mg/kg/h, mg/h/70kg, mg/day) or
	// an amount (mg, mg/kg) given over Duration; for a bolus an amount; for
	// pulses an amount per pulse.
	Dose Field `yaml:"dose" json:"dose"`
	// Duration is how long an infusion (or each pulse) runs; by default the
	// session (or the continuous infusion) minus Offset.
	Duration Field `yaml:"duration" json:"duration,omitzero"`
	// Offset is when the dose starts after the session starts (default 0).
	Offset Field `yaml:"offset" json:"offset,omitzero"`
	// MaxRate caps the rate in mg/h whatever the weight (Schwartzman's
	// "not to exceed 25 mg/h").
	MaxRate Field `yaml:"max_rate" json:"max_rate,omitzero"`
	// DiluentVolume is the volume the source mixed each session's amount in
	// (Goldberg: 40-80 mg in 500 mL); used for mL/h when no bag is given.
	DiluentVolume Field `yaml:"diluent_volume" json:"diluent_volume,omitzero"`
	// Range is the range the source reports ("1mg/kg to 1.5mg/kg"); a
	// planned dose outside it is warned about.
	Range Field `yaml:"range" json:"range,omitzero"`
	// Count is the number of pulses (kind pulses).
	Count Field `yaml:"count" json:"count,omitzero"`
	// Every is the time from one pulse's start to the next (kind pulses).
	Every Field `yaml:"every" json:"every,omitzero"`
	// Titration changes the dose over the course; nil for a fixed dose.
	Titration *Titration `yaml:"titration" json:"titration,omitempty"`
}

// Titration is how a dose changes: from Dose at the first stage towards To,
// by Step. A stage is a session, a pulse, or an Interval of a continuous
// infusion.
type Titration struct {
	// Across is sessions, interval or pulses.
	Across string `yaml:"across" json:"across"`
	// Interval is the stage length of a continuous infusion (across interval).
	Interval Field `yaml:"interval" json:"interval,omitzero"`
	// To is the ceiling (and the target of a linear step).
	To Field `yaml:"to" json:"to,omitzero"`
	// Reach is the stage at which a linear step reaches To (default: the
	// last stage), e.g. Kirkpatrick's "200 mg/hr on Day 4".
	Reach Field `yaml:"reach" json:"reach,omitzero"`
	// Step is "linear", "none", an increment "+5mg" per stage (capped at To),
	// or a comma-separated list of every stage's dose.
	Step Field `yaml:"step" json:"step"`
	// Rule says in words how titration is decided ("as tolerated").
	Rule string `yaml:"rule" json:"rule,omitempty"`
}

// Medication is a premedication or co-medication.
type Medication struct {
	// Drug, e.g. "clonidine".
	Drug string `yaml:"drug" json:"drug"`
	// Role is "premedication" or "co-medication".
	Role string `yaml:"role" json:"role"`
	// Dose: an amount (0.1mg), a range (2mg to 4mg), per kg (0.1mg/kg) or a
	// rate (1.5mcg/kg/h, 17mg/h).
	Dose Field `yaml:"dose" json:"dose"`
	// Route: PO, IV, IM, SC, SL, IN, PR or TD.
	Route Field `yaml:"route" json:"route"`
	// When it is given, in words ("before each infusion").
	When string `yaml:"when" json:"when"`
	// Days is "each" (every treatment day, the default) or "first".
	Days string `yaml:"days" json:"days,omitempty"`
	// Purpose, in words.
	Purpose string `yaml:"purpose" json:"purpose,omitempty"`
	// Source says why the drug is part of the protocol.
	Source string `yaml:"source" json:"source"`
}

// Monitor is one thing watched during treatment.
type Monitor struct {
	// What is watched.
	What string `yaml:"what" json:"what"`
	// Every: continuous, each session, daily, once, or a duration (15min).
	Every Field `yaml:"every" json:"every"`
}

// Rule is an alert or warning threshold.
type Rule struct {
	// Measure: spo2 (%), heart_rate_rise (% above baseline), systolic_bp,
	// diastolic_bp (mmHg), ketamine_rate (mg/h or mg/kg/h).
	Measure string `yaml:"measure" json:"measure"`
	// Op compares the measure with Threshold: <, <=, > or >=.
	Op string `yaml:"op" json:"op"`
	// Threshold with its unit, e.g. "93%", "35mg/h".
	Threshold Field `yaml:"threshold" json:"threshold"`
	// Action is alert (tell the nurse and physician), warn (show in the
	// plan) or stop (stop the infusion).
	Action string `yaml:"action" json:"action"`
	// Text names the event ("desaturation").
	Text string `yaml:"text" json:"text"`
}

// Note is a fact or warning with its source.
type Note struct {
	Text   string `yaml:"text" json:"text"`
	Source string `yaml:"source" json:"source"`
}

// Unspecified is a detail the source does not give: the question to ask the
// clinician and the choices the literature offers.
type Unspecified struct {
	// Key is what --set fills, e.g. "daily-step".
	Key string `yaml:"key" json:"key"`
	// Question says what is missing and what the source does say.
	Question string `yaml:"question" json:"question"`
	// Choices the literature offers; a choice with an empty Value is
	// guidance only.
	Choices []Choice `yaml:"choices" json:"choices"`
	// Kind is the type of value the key takes, e.g. "duration".
	Kind string `yaml:"-" json:"kind"`
}

// Choice is one answer to an unspecified detail.
type Choice struct {
	// Value as --set takes it, e.g. "linear", "+5mg", "0.1mg"; empty for
	// guidance that is not itself a value.
	Value string `yaml:"value" json:"value,omitempty"`
	// Label explains the choice and how it relates to the source.
	Label string `yaml:"label" json:"label"`
	// Source says where the choice comes from.
	Source string `yaml:"source" json:"source"`
}

// UnspecifiedKey returns the description of key, ok false if the protocol
// has no such key.
func (p *Protocol) UnspecifiedKey(key string) (Unspecified, bool) {
	for _, u := range p.Unspecified {
		if u.Key == key {
			return u, true
		}
	}
	return Unspecified{}, false
}

// Regimen returns the regimen named name.
func (p *Protocol) Regimen(name string) (*Regimen, bool) {
	for i := range p.Regimens {
		if p.Regimens[i].Name == name {
			return &p.Regimens[i], true
		}
	}
	return nil, false
}
