package screening

import (
	"fmt"
	"strings"
	"time"
)

// Verdict is what the clinician decided.
type Verdict string

// The verdicts.
const (
	Proceed      Verdict = "proceed"
	DoNotProceed Verdict = "do_not_proceed"
	Defer        Verdict = "defer"
)

// Override is a clinician's reasoned override of one finding that needs it.
type Override struct {
	// FindingID names the finding (Finding.ID).
	FindingID string `json:"finding_id"`
	// Reason is why it is safe to proceed despite the finding.
	Reason string `json:"reason"`
}

// Decision is the clinician's decision on a screening: who, when, what and
// why. The store keeps it in the append-only audit log; a new decision is a
// new record, never an edit.
type Decision struct {
	// Clinician is the user ID of the clinician who decided.
	Clinician string `json:"clinician"`
	// DecidedAt is when.
	DecidedAt time.Time `json:"decided_at"`
	// Verdict is proceed, do_not_proceed or defer.
	Verdict Verdict `json:"verdict"`
	// Reason is the clinician's reason for the verdict.
	Reason string `json:"reason"`
	// Overrides are the reasoned overrides; only with verdict proceed.
	Overrides []Override `json:"overrides"`
}

// Validate checks that the decision says who, when, what and why, and that
// every override names a finding and gives a reason.
func (d Decision) Validate() error {
	if strings.TrimSpace(d.Clinician) == "" {
		return fieldErr("clinician", "who decided? a clinician's user ID is required")
	}
	if d.DecidedAt.IsZero() {
		return fieldErr("decided_at", "when was it decided? required")
	}
	switch d.Verdict {
	case Proceed, DoNotProceed, Defer:
	default:
		return fieldErr("verdict", fmt.Sprintf("%q is not a verdict: want proceed, do_not_proceed or defer", d.Verdict))
	}
	if strings.TrimSpace(d.Reason) == "" {
		return fieldErr("reason", "give the reason for the decision")
	}
	if d.Verdict != Proceed && len(d.Overrides) > 0 {
		return fieldErr("overrides", "overrides are given only with the verdict proceed")
	}
	seen := map[string]bool{}
	for i, o := range d.Overrides {
		f := fmt.Sprintf("overrides[%d]", i)
		if strings.TrimSpace(o.FindingID) == "" {
			return fieldErr(f+".finding_id", "name the finding overridden")
		}
		if strings.TrimSpace(o.Reason) == "" {
			return fieldErr(f+".reason", fmt.Sprintf("give the reason for overriding %s", o.FindingID))
		}
		if seen[o.FindingID] {
			return fieldErr(f+".finding_id", fmt.Sprintf("%s is overridden twice", o.FindingID))
		}
		seen[o.FindingID] = true
	}
	return nil
}

// Decide checks a decision against the screening result it answers and
// returns the result with the overrides applied. It refuses a decision to
// proceed while anything blocks, while a finding that needs an override has
// none, or with an override of a finding that cannot be overridden or does
// not exist.
func Decide(r Result, d Decision) (Result, error) {
	if err := d.Validate(); err != nil {
		return Result{}, err
	}
	blocking := map[string]bool{}
	for _, f := range r.Blocking {
		blocking[f.ID] = true
	}
	needs := map[string]bool{}
	for _, f := range r.NeedsOverride {
		needs[f.ID] = true
	}
	given := map[string]Override{}
	for i, o := range d.Overrides {
		f := fmt.Sprintf("overrides[%d].finding_id", i)
		switch {
		case blocking[o.FindingID]:
			return Result{}, fieldErr(f, fmt.Sprintf("%s cannot be overridden: it is an absolute contraindication or an unanswered question", o.FindingID))
		case !needs[o.FindingID]:
			return Result{}, fieldErr(f, fmt.Sprintf("%s is not a finding of this screening that needs an override", o.FindingID))
		}
		given[o.FindingID] = o
	}
	if d.Verdict == Proceed {
		if len(r.Blocking) > 0 {
			ids := make([]string, len(r.Blocking))
			for i, f := range r.Blocking {
				ids[i] = f.ID
			}
			return Result{}, fieldErr("verdict", "cannot proceed: blocked by "+strings.Join(ids, ", "))
		}
		for _, f := range r.NeedsOverride {
			if _, ok := given[f.ID]; !ok {
				return Result{}, fieldErr("overrides", fmt.Sprintf("cannot proceed: %s needs an override with a reason", f.ID))
			}
		}
	}
	out := r
	out.NeedsOverride = []Finding{}
	out.Overridden = append([]Finding{}, r.Overridden...)
	for _, f := range r.NeedsOverride {
		if o, ok := given[f.ID]; ok {
			f.Override = &o
			out.Overridden = append(out.Overridden, f)
		} else {
			out.NeedsOverride = append(out.NeedsOverride, f)
		}
	}
	out.Status = out.status()
	return out, nil
}

// Record is a screening as the store keeps it: the input as entered and the
// clinician's decision, if one was made. The result is recomputed from them.
type Record struct {
	// Input is what was recorded at screening.
	Input Input `json:"input"`
	// Decision is the clinician's decision, nil while undecided.
	Decision *Decision `json:"decision,omitempty"`
}

// Validate checks the input and, when present, that the decision is
// well-formed and consistent with the screening.
func (rec Record) Validate() error {
	_, err := rec.Evaluate()
	return err
}

// Evaluate screens the input and applies the decision, if any.
func (rec Record) Evaluate() (Result, error) {
	r, err := Screen(rec.Input)
	if err != nil {
		return Result{}, prefixed("input", err)
	}
	if rec.Decision == nil {
		return r, nil
	}
	if rec.Decision.DecidedAt.Before(rec.Input.Vitals.MeasuredAt) {
		return Result{}, fieldErr("decision.decided_at", "the decision predates the baseline vitals it rests on")
	}
	r, err = Decide(r, *rec.Decision)
	if err != nil {
		return Result{}, prefixed("decision", err)
	}
	return r, nil
}
