package protocol

import (
	"fmt"
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
	// DoseShown is Dose for reading: its numbers to ShownDigits significant
	// digits (ShowDose). It is not in the JSON and is never parsed.
	DoseShown string
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
		b.WriteString(" " + m.describe() + ";")
	}
	b.WriteString(" " + showChoices(e.Protocol))
	return b.String()
}

// describe prints an unspecified detail for an error: its key, the question
// and the values the literature offers ("daily-step (How does ...? Choices:
// linear, +5mg, +10mg)").
func (u Unspecified) describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s", u.Key, u.Question)
	var vals []string
	for _, c := range u.Choices {
		if c.Value != "" {
			vals = append(vals, c.Value)
		}
	}
	if len(vals) > 0 {
		fmt.Fprintf(&b, " Choices: %s", strings.Join(vals, ", "))
	}
	b.WriteString(")")
	return b.String()
}

// showChoices points to where the choices' sources are listed.
func showChoices(id string) string {
	return "run \"ketatrack protocols show " + id + "\" for the choices' sources"
}

// InputError is a bad request: Field names the flag or key ("--start",
// "--set daily-step"), Reason says what is wrong.
type InputError struct {
	Field  string
	Reason string
}

func (e *InputError) Error() string { return e.Field + ": " + e.Reason }
