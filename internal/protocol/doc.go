// Package protocol is ketatrack's cited protocol library and its patient
// plans.
//
// A protocol is a human-editable YAML file, one per protocol, embedded from
// data/ (clinics add their own with Library.AddDir). Every detail is a
// Field: either a value with the source it was read from (a seed file such as
// 003_55ad5919aae10607.txt, a publication, a page or table), or an
// "unspecified" key naming a detail the source leaves out. Unspecified keys
// are listed in the file with the question to ask and the choices the
// literature offers; a plan cannot be made until the clinician has filled
// every key the plan needs (Request.Settings, "--set KEY=VALUE").
//
// The format expresses, per protocol: the drug (racemic or S-ketamine), the
// care area, one or more regimens (sessions on consecutive days, on weekdays
// only, or every N days/weeks; or one continuous infusion of N hours), the
// doses of each session (fixed mg/h, mg/kg/h, mg/h per 70 kg scaled linearly
// with weight, mg/day, an amount over the session, a bolus in mg or mg/kg, a
// bolus with an infusion, or a train of short infusions), titration (from
// session to session, at an interval within a continuous infusion, or from
// pulse to pulse; linear, by a fixed increment up to a ceiling, or an
// explicit list), premedication and co-medication with doses and routes,
// monitoring with intervals, alert and warning rules, and notes.
//
// Expand turns a protocol, a patient's weight, an optional bag and the
// clinician's settings into a Plan: days with dates, steps with start
// offsets, durations, mg/h, mg/kg/h, mL/h and amounts, each step checked
// against the drug library (package dosing), totals per session and course,
// premedication with the patient's doses, monitoring, warnings and sources.
// Plan.Doses gives the regimen for the pharmacokinetic simulator.
package protocol
