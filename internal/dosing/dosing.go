// Package dosing is ketatrack's dose engine: it converts one ketamine rate
// or bolus to every unit a clinician or a pump uses and checks it against
// the drug library, the way a smart infusion pump's dose-error reduction
// software does.
//
// Check takes a Request (drug, care area, a rate or a bolus as written,
// optionally the patient's weight and the solution's concentration, and an
// acknowledgement) and returns a Result:
//
//   - the conversions that can be computed: mg/h, mg/kg/h (with a weight or
//     from a per-kg rate), mL/h (with a concentration or from mL/h) and
//     mcg/kg/min; for a bolus, mg and mg/kg;
//   - a Status: ok, soft_limit (over a soft limit: it needs an
//     acknowledgement with a reason, which is recorded and makes the result
//     Accepted, but the status stays soft_limit) or hard_limit (refused: an
//     acknowledgement never overrides it);
//   - every limit checked, and the one that decided;
//   - probable unit errors (Findings), when the value is outside its limits
//     but an alternative reading of it is within them: ten-fold and
//     hundred-fold errors, mcg typed as mg (and the reverse), a per-minute
//     unit for a per-hour rate (and the reverse), a weight in lb typed as kg
//     (and the reverse), and an anaesthetic (ICU) rate or induction bolus
//     outside the ICU;
//   - human-readable messages saying all of this.
//
// Which limits apply: the library entry for the drug, care area and dose
// form (continuous for a rate, amount_over_duration for 80mg/4h, bolus for a
// bolus). Every limit of the entry whose unit can be computed is checked:
// mg/kg/h when a weight is known or the rate is per kg, mg/h always. When
// both apply the stricter decides (the worse level; between equal levels,
// the larger excess), and the messages name every limit crossed.
//
// Check returns an error, rather than a Result, when the dose cannot be
// checked at all: no rate or bolus, a per-kg dose without a weight, mL/h
// without a concentration, or no limit of the entry that can be computed
// (the ICU limits are per kg only, so an mg/h rate there needs a weight).
// A missing weight is never assumed.
//
// Numbers in messages are rounded to 4 significant digits for reading; the
// Result's numbers are unrounded.
package dosing

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/ketatrack/ketatrack/internal/druglib"
	"github.com/ketatrack/ketatrack/internal/units"
)

// messageDigits is the number of significant digits shown in messages.
const messageDigits = 4

// Status is the outcome of a check.
type Status string

// The statuses, from best to worst.
const (
	OK        Status = "ok"
	SoftLimit Status = "soft_limit"
	HardLimit Status = "hard_limit"
)

// Request is one dose to convert and check. Exactly one of Rate and Bolus
// is set.
type Request struct {
	Drug     druglib.Drug
	CareArea druglib.CareArea
	// Rate is a continuous rate or an amount over a duration, as written.
	Rate *units.DoseRate
	// Bolus is a single dose, as written.
	Bolus *units.Dose
	// Weight is the patient's weight; nil when unknown.
	Weight *units.BodyWeight
	// Concentration is the solution's; nil when unknown.
	Concentration *units.Concentration
	// Acknowledgement is the clinician's reason for going over a soft
	// limit; empty (or blank) when none was given.
	Acknowledgement string
	// Library is the drug library to check against; nil means
	// druglib.Default().
	Library *druglib.Library
}

// LimitCheck is one limit of the entry compared with the dose.
type LimitCheck struct {
	Unit  units.Unit     // the limit's unit: mg/kg/h, mg/h, mg/kg or mg
	Value float64        // the dose in that unit
	Level druglib.Level  // where the value falls
	Limit *druglib.Limit // the limit, with its bounds and sources
}

// FindingKind names a probable unit error.
type FindingKind string

// The probable unit errors the engine looks for.
const (
	TenFoldHigh        FindingKind = "ten_fold_high"          // 10 times too much: a misplaced decimal point
	HundredFoldHigh    FindingKind = "hundred_fold_high"      // 100 times too much
	TenFoldLow         FindingKind = "ten_fold_low"           // 10 times too little
	HundredFoldLow     FindingKind = "hundred_fold_low"       // 100 times too little
	McgAsMg            FindingKind = "mcg_as_mg"              // mcg intended, mg written (1000 times too much)
	MgAsMcg            FindingKind = "mg_as_mcg"              // mg intended, mcg written (1000 times too little)
	PerMinuteAsPerHour FindingKind = "per_minute_as_per_hour" // a per-hour number written per minute (60 times too much)
	PerHourAsPerMinute FindingKind = "per_hour_as_per_minute" // a per-minute number written per hour (60 times too little)
	PerMinuteUnit      FindingKind = "per_minute_unit"        // a per-minute unit that converts above the hard maximum
	LbAsKg             FindingKind = "lb_as_kg"               // a weight in lb written as kg
	KgAsLb             FindingKind = "kg_as_lb"               // a weight in kg written as lb
	ICUDoseOutsideICU  FindingKind = "icu_dose_outside_icu"   // an anaesthetic rate or induction bolus outside the ICU
)

// Finding is one probable unit error, explained.
type Finding struct {
	Kind    FindingKind
	Message string
}

// Result is the outcome of Check. Pointers are nil when the conversion
// cannot be computed from the request.
type Result struct {
	Input    string // the rate or bolus as written
	Drug     druglib.Drug
	CareArea druglib.CareArea
	DoseForm druglib.DoseForm

	MassRate   *units.MassRate   // mg/h (rates)
	WeightRate *units.WeightRate // mg/kg/h and mcg/kg/min (rates)
	VolumeRate *units.VolumeRate // mL/h (rates)
	Mass       *units.Mass       // mg (boluses)
	PerWeight  *units.MassPerWeight

	Status Status
	// Acknowledged is true when a soft limit was crossed and a reason
	// given; the reason is Acknowledgement.
	Acknowledged    bool
	Acknowledgement string

	Checks   []LimitCheck // every limit checked, in the entry's order
	Decisive *LimitCheck  // the check that decided the status (for ok, the first)
	Findings []Finding
	Messages []string
}

// Accepted reports whether the dose may be given: ok, or a soft limit
// acknowledged with a reason. A hard limit is never accepted.
func (r *Result) Accepted() bool {
	return r.Status == OK || (r.Status == SoftLimit && r.Acknowledged)
}

// ErrUncheckable is wrapped by every error of Check: the dose could not be
// checked, so it must not be given on the strength of this check.
var ErrUncheckable = errors.New("the dose cannot be checked")

// Check converts the dose of req and checks it against the drug library.
// See the package documentation for the rules.
func Check(req Request) (*Result, error) {
	lib := req.Library
	if lib == nil {
		lib = druglib.Default()
	}
	switch {
	case req.Rate == nil && req.Bolus == nil:
		return nil, fmt.Errorf("%w: no rate or bolus given", ErrUncheckable)
	case req.Rate != nil && req.Bolus != nil:
		return nil, fmt.Errorf("%w: give a rate or a bolus, not both", ErrUncheckable)
	}
	if req.Rate != nil {
		return checkRate(lib, req)
	}
	return checkBolus(lib, req)
}

// doseValues is a dose in the units of the limits; nil = not computable.
type doseValues map[units.Unit]float64

// evaluate compares values with every limit of the entry that they cover.
func evaluate(e *druglib.Entry, v doseValues) []LimitCheck {
	var cs []LimitCheck
	for i := range e.Limits {
		lim := &e.Limits[i]
		x, ok := v[lim.Unit]
		if !ok {
			continue
		}
		cs = append(cs, LimitCheck{Unit: lim.Unit, Value: x, Level: lim.Classify(x), Limit: lim})
	}
	return cs
}

// allWithin reports whether every check is within its limits (and there is
// at least one).
func allWithin(cs []LimitCheck) bool {
	for _, c := range cs {
		if c.Level != druglib.Within {
			return false
		}
	}
	return len(cs) > 0
}

// severity orders levels by how bad they are: hard above soft above within.
func severity(l druglib.Level) int {
	switch l {
	case druglib.AboveHardMax, druglib.BelowHardMin:
		return 2
	case druglib.AboveSoftMax, druglib.BelowSoftMin:
		return 1
	}
	return 0
}

// excess is how far a check is past the bound it crosses, as a ratio.
func excess(c LimitCheck) float64 {
	b := crossedBound(c)
	if b == nil {
		return 0
	}
	if c.Value > b.Value {
		return c.Value / b.Value
	}
	return b.Value / c.Value
}

// crossedBound returns the bound a check crosses, or nil when within.
func crossedBound(c LimitCheck) *druglib.Bound {
	switch c.Level {
	case druglib.AboveHardMax:
		return c.Limit.HardMax
	case druglib.BelowHardMin:
		return c.Limit.HardMin
	case druglib.AboveSoftMax:
		return c.Limit.SoftMax
	case druglib.BelowSoftMin:
		return c.Limit.SoftMin
	}
	return nil
}

// decide sets Status and Decisive from the checks.
func (r *Result) decide() {
	best := -1
	for i, c := range r.Checks {
		if best < 0 || severity(c.Level) > severity(r.Checks[best].Level) ||
			(severity(c.Level) == severity(r.Checks[best].Level) && severity(c.Level) > 0 && excess(c) > excess(r.Checks[best])) {
			best = i
		}
	}
	r.Decisive = &r.Checks[best]
	switch severity(r.Decisive.Level) {
	case 2:
		r.Status = HardLimit
	case 1:
		r.Status = SoftLimit
	default:
		r.Status = OK
	}
}

func num(v float64) string { return units.FormatNumber(v, messageDigits) }

// describeChecks writes the limit messages.
func (r *Result) describeChecks(drugName string) {
	area := string(r.CareArea)
	if r.Status == OK {
		var parts []string
		for _, c := range r.Checks {
			parts = append(parts, fmt.Sprintf("%s %s (%s)", num(c.Value), c.Unit, boundsText(c.Limit)))
		}
		r.Messages = append(r.Messages, fmt.Sprintf("within the %s limits for %s: %s", area, drugName, strings.Join(parts, "; ")))
		return
	}
	for _, c := range r.Checks {
		b := crossedBound(c)
		if b == nil {
			continue
		}
		dir, kind := "above", "soft maximum"
		switch c.Level {
		case druglib.AboveHardMax:
			kind = "hard maximum"
		case druglib.BelowHardMin:
			dir, kind = "below", "hard minimum"
		case druglib.BelowSoftMin:
			dir, kind = "below", "soft minimum"
		}
		label, consequence := "HARD limit", "refused, a hard limit cannot be overridden"
		if !c.Level.Hard() {
			label, consequence = "SOFT limit", "needs an acknowledgement with a reason"
		}
		r.Messages = append(r.Messages, fmt.Sprintf("%s: %s %s is %s the %s %s of %s %s for %s: %s (source: %s)",
			label, num(c.Value), c.Unit, dir, area, kind, num(b.Value), c.Unit, drugName, consequence, b.Source))
	}
}

// boundsText describes a limit's bounds briefly: "soft 0.1–1, hard max 2 mg/kg/h".
func boundsText(l *druglib.Limit) string {
	var p []string
	if l.HardMin != nil {
		p = append(p, "hard min "+num(l.HardMin.Value))
	}
	if l.SoftMin != nil {
		p = append(p, "soft min "+num(l.SoftMin.Value))
	}
	if l.SoftMax != nil {
		p = append(p, "soft max "+num(l.SoftMax.Value))
	}
	if l.HardMax != nil {
		p = append(p, "hard max "+num(l.HardMax.Value))
	}
	return strings.Join(p, ", ") + " " + string(l.Unit)
}

// acknowledge applies the request's acknowledgement.
func (r *Result) acknowledge(reason string) {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		if r.Status == SoftLimit {
			r.Messages = append(r.Messages, "not accepted until a clinician acknowledges the soft limit with a reason")
		}
	case r.Status == SoftLimit:
		r.Acknowledged = true
		r.Acknowledgement = reason
		r.Messages = append(r.Messages, fmt.Sprintf("soft limit acknowledged, reason recorded: %q", reason))
	case r.Status == HardLimit:
		r.Messages = append(r.Messages, "the acknowledgement was not applied: a hard limit cannot be overridden")
	}
}

func drugName(lib *druglib.Library, d druglib.Drug) string {
	for _, x := range lib.Drugs {
		if x.ID == d {
			return x.Name
		}
	}
	return string(d)
}

// finite reports whether every value is a finite number.
func finite(v doseValues) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// Bolus reports whether the result is of a bolus rather than a rate.
func (r *Result) Bolus() bool { return r.DoseForm == druglib.Bolus }
