package screening

import (
	"fmt"
	"sort"
	"strings"
)

// Answer is a yes/no answer that may not have been recorded yet; an
// unrecorded answer is never taken as "no".
type Answer string

// The answers; the empty Answer means not recorded.
const (
	Unrecorded Answer = ""
	Yes        Answer = "yes"
	No         Answer = "no"
)

// valid reports whether a is yes, no or not recorded.
func (a Answer) valid() bool { return a == Unrecorded || a == Yes || a == No }

// Input is what the clinician records at a screening.
type Input struct {
	// Conditions maps every Condition ID to yes or no. A condition missing
	// from the map, or unrecorded, blocks the screening until answered.
	Conditions map[string]Answer `json:"conditions"`
	// CardiovascularRisk: suspected or at high risk of cardiovascular
	// disease (calls for a baseline ECG, Cohen 2018).
	CardiovascularRisk Answer `json:"cardiovascular_risk"`
	// LiverRisk: baseline liver dysfunction or at risk of liver toxicity,
	// e.g. alcohol abuse, chronic hepatitis (calls for liver function tests,
	// Cohen 2018).
	LiverRisk Answer `json:"liver_risk"`
	// RepeatedInfusions: the planned course has more than one infusion.
	RepeatedInfusions Answer `json:"repeated_infusions"`
	// HighDoseFrequent: high doses are expected at frequent intervals. The
	// source defines neither "high" nor "frequent": the clinician judges.
	// Required when RepeatedInfusions is yes.
	HighDoseFrequent Answer `json:"high_dose_frequent"`
	// MultiDayContinuous: a continuous infusion over several days is planned.
	MultiDayContinuous Answer `json:"multi_day_continuous"`
	// Tests are the tests ordered or resulted so far.
	Tests []TestRecord `json:"tests"`
	// Vitals are the baseline vital signs.
	Vitals Vitals `json:"vitals"`
}

// Validate rejects malformed input (unknown conditions, values that are not
// answers, impossible vitals, bad test records). Unanswered questions are
// not errors: Screen lists them as blocking.
func (in Input) Validate() error {
	ids := make([]string, 0, len(in.Conditions))
	for id := range in.Conditions {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if _, ok := conditionByID[id]; !ok {
			return fieldErr("conditions."+id, "unknown condition")
		}
		if !in.Conditions[id].valid() {
			return fieldErr("conditions."+id, fmt.Sprintf("%q is not an answer: want yes, no or empty", in.Conditions[id]))
		}
	}
	for _, q := range in.questions() {
		if !q.a.valid() {
			return fieldErr(q.field, fmt.Sprintf("%q is not an answer: want yes, no or empty", q.a))
		}
	}
	if in.RepeatedInfusions != Yes && in.HighDoseFrequent != Unrecorded {
		return fieldErr("high_dose_frequent", "only asked when repeated_infusions is yes")
	}
	for i, t := range in.Tests {
		if err := t.Validate(); err != nil {
			return prefixed(fmt.Sprintf("tests[%d]", i), err)
		}
	}
	if err := in.Vitals.Validate(); err != nil {
		return prefixed("vitals", err)
	}
	return nil
}

// question is one yes/no question besides the conditions.
type question struct {
	field, text string
	a           Answer
	needed      bool
}

// questions lists the risk questions and whether each must be answered.
func (in Input) questions() []question {
	return []question{
		{"cardiovascular_risk", "suspected or high risk of cardiovascular disease", in.CardiovascularRisk, true},
		{"liver_risk", "baseline liver dysfunction or at risk of liver toxicity", in.LiverRisk, true},
		{"repeated_infusions", "more than one infusion planned", in.RepeatedInfusions, true},
		{"high_dose_frequent", "high doses expected at frequent intervals", in.HighDoseFrequent, in.RepeatedInfusions == Yes},
		{"multi_day_continuous", "continuous infusion over several days planned", in.MultiDayContinuous, true},
	}
}

// Unanswered is the class of a finding for a question not yet answered: it
// blocks until answered.
const Unanswered Class = "unanswered"

// FindingKind says what raised a finding.
type FindingKind string

// The kinds of finding.
const (
	KindCondition  FindingKind = "condition"
	KindVitals     FindingKind = "vitals"
	KindTest       FindingKind = "test"
	KindIncomplete FindingKind = "incomplete"
)

// Finding is one thing the screening found.
type Finding struct {
	// ID is stable: a condition ID, "test.ecg", "baseline_bp_above_180_100",
	// or "unanswered.FIELD". Overrides name it.
	ID string `json:"id"`
	// Kind says what raised it.
	Kind FindingKind `json:"kind"`
	// Class is absolute, relative, caution or unanswered.
	Class Class `json:"class"`
	// Grade is the source's evidence grade, if any.
	Grade string `json:"grade,omitempty"`
	// Message says what was found and what to do.
	Message string `json:"message"`
	// Source cites the rule.
	Source string `json:"source,omitempty"`
	// Override is the clinician's override, once Decide accepted one.
	Override *Override `json:"override,omitempty"`
}

// Status is the state of a screening.
type Status string

// The statuses of a screening.
const (
	// Blocked: an absolute contraindication or an unanswered question.
	Blocked Status = "blocked"
	// NeedsOverride: relative contraindications or missing/abnormal tests
	// that a clinician must override with a reason to proceed.
	NeedsOverride Status = "needs_override"
	// Cleared: nothing stands in the way (cautions may be shown).
	Cleared Status = "cleared"
	// ClearedWithOverrides: a clinician overrode every finding that needed it.
	ClearedWithOverrides Status = "cleared_with_overrides"
)

// Result is the outcome of a screening.
type Result struct {
	// Status is blocked, needs_override, cleared or cleared_with_overrides.
	Status Status `json:"status"`
	// Blocking lists absolute contraindications and unanswered questions:
	// no override clears them.
	Blocking []Finding `json:"blocking"`
	// NeedsOverride lists findings a clinician must override with a reason
	// before the patient may proceed.
	NeedsOverride []Finding `json:"needs_override"`
	// Overridden lists findings overridden by the decision (Decide).
	Overridden []Finding `json:"overridden"`
	// Cautions are shown and do not block.
	Cautions []Finding `json:"cautions"`
	// Tests lists the tests the answers call for, with their state.
	Tests []RequiredTest `json:"tests"`
	// FollowUp lists what is due after or during the infusion.
	FollowUp []string `json:"follow_up"`
}

// Screen validates an input and works out what blocks, what needs a
// clinician's override and what is a caution.
func Screen(in Input) (Result, error) {
	if err := in.Validate(); err != nil {
		return Result{}, err
	}
	r := Result{Blocking: []Finding{}, NeedsOverride: []Finding{}, Overridden: []Finding{}, Cautions: []Finding{}, FollowUp: []string{}}

	for _, c := range Conditions {
		switch in.Conditions[c.ID] {
		case Unrecorded:
			r.Blocking = append(r.Blocking, Finding{ID: "unanswered.conditions." + c.ID, Kind: KindIncomplete, Class: Unanswered,
				Message: fmt.Sprintf("not answered: %s?", c.Label)})
		case Yes:
			f := Finding{ID: c.ID, Kind: KindCondition, Class: c.Class, Grade: c.Grade, Source: c.Source,
				Message: fmt.Sprintf("%s: %s (%s)", c.Label, c.Guidance, describeClass(c))}
			r.add(f)
		}
	}
	for _, q := range in.questions() {
		if q.needed && q.a == Unrecorded {
			r.Blocking = append(r.Blocking, Finding{ID: "unanswered." + q.field, Kind: KindIncomplete, Class: Unanswered,
				Message: fmt.Sprintf("not answered: %s?", q.text)})
		}
	}
	for _, f := range vitalsFindings(in.Vitals) {
		r.add(f)
	}

	r.Tests = requiredTests(in)
	if r.Tests == nil {
		r.Tests = []RequiredTest{}
	}
	for _, t := range r.Tests {
		id := "test." + string(t.Test)
		why := strings.Join(t.Why, "; ")
		switch t.State {
		case "missing", "ordered":
			r.NeedsOverride = append(r.NeedsOverride, Finding{ID: id, Kind: KindTest, Class: Relative, Grade: gradeOf(t), Source: t.Source,
				Message: fmt.Sprintf("%s (%s) %s: called for by %s", t.Test.Label(), t.Timing, stateWords(t.State), why)})
		case string(Abnormal):
			r.NeedsOverride = append(r.NeedsOverride, Finding{ID: id, Kind: KindTest, Class: Relative, Grade: gradeOf(t), Source: t.Source,
				Message: fmt.Sprintf("%s abnormal: the clinician must judge whether to proceed (called for by %s)", t.Test.Label(), why)})
		}
		switch t.Test {
		case LiverFunction:
			r.FollowUp = append(r.FollowUp, "liver function tests after the infusion ("+why+")")
		case BloodCount:
			r.FollowUp = append(r.FollowUp, "complete blood count during the multi-day infusion")
		}
	}
	r.Status = r.status()
	return r, nil
}

// add files a finding by its class.
func (r *Result) add(f Finding) {
	switch f.Class {
	case Absolute:
		r.Blocking = append(r.Blocking, f)
	case Relative:
		r.NeedsOverride = append(r.NeedsOverride, f)
	default:
		r.Cautions = append(r.Cautions, f)
	}
}

// status derives the status from the lists.
func (r Result) status() Status {
	switch {
	case len(r.Blocking) > 0:
		return Blocked
	case len(r.NeedsOverride) > 0:
		return NeedsOverride
	case len(r.Overridden) > 0:
		return ClearedWithOverrides
	}
	return Cleared
}

// describeClass renders a condition's class and grade, e.g. "relative
// contraindication, grade B".
func describeClass(c Condition) string {
	s := string(c.Class) + " contraindication"
	if c.Class == Caution {
		s = "caution"
	}
	if c.Grade != "" {
		s += ", grade " + c.Grade
	}
	return s
}

// stateWords renders a missing or pending test.
func stateWords(state string) string {
	if state == "ordered" {
		return "ordered, no result yet"
	}
	return "not recorded"
}

// gradeOf returns the evidence grade of a test requirement where it was
// read: Cohen 2018 grades the ECG recommendation C (Guideline Central
// summary); the grade of the liver-test recommendation was cut off in the
// summary read, and the seed-only blood count has none.
func gradeOf(t RequiredTest) string {
	if t.Test == ECG {
		return "C"
	}
	return ""
}
