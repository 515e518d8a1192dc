package infusion

import (
	"strconv"
	"strings"
	"time"

	"github.com/ketatrack/ketatrack/internal/druglib"
	"github.com/ketatrack/ketatrack/internal/units"
)

// Step is one step of the planned rate profile: a rate held for a number of
// minutes of pump-running time (paused time does not count).
type Step struct {
	Minutes    int       `json:"minutes"`
	RateMgPerH MgPerHour `json:"rate_mg_per_h"`
}

// Order is what the signed plan prescribes for this session; the store keeps
// it as the session's row. Goldberg day 1, for example, is racemic ketamine,
// outpatient, 40 mg in 500 mL, one step of 10 mg/h for 240 minutes
// (003_55ad5919aae10607.txt: "40 mg infusion lasting four hours").
type Order struct {
	SessionID string `json:"session_id"`
	PatientID string `json:"patient_id"`
	Drug      Drug   `json:"drug"`
	// CareArea is the dose engine's care area (outpatient, inpatient, icu):
	// it selects the drug-library limits every rate is checked against.
	CareArea CareArea `json:"care_area"`
	// Bag, when set, is the bag the plan was computed for, as labelled
	// ("40mg/500mL"); a programme with another amount or volume is refused.
	// Nil means unspecified.
	Bag *units.Concentration `json:"bag,omitempty"`
	// Steps is the planned rate profile. Empty means the plan gives no rate
	// for this session (unspecified): no rate-above-plan alerts are possible.
	Steps []Step `json:"steps,omitempty"`
	// PlanRef identifies the signed plan version the order came from.
	PlanRef string `json:"plan_ref,omitempty"`
}

// Validate checks the order's fields; the error names the field.
func (o Order) Validate() error {
	if strings.TrimSpace(o.SessionID) == "" {
		return invalid("session_id", "missing")
	}
	if strings.TrimSpace(o.PatientID) == "" {
		return invalid("patient_id", "missing")
	}
	if err := validDrug(o.Drug); err != nil {
		return prefixed("drug", err)
	}
	if _, err := druglib.ParseCareArea("", string(o.CareArea)); err != nil {
		return invalid("care_area", "%q is not a care area: outpatient, inpatient or icu", string(o.CareArea))
	}
	if o.Bag != nil {
		if _, err := bagOf(*o.Bag); err != nil {
			return prefixed("bag", err)
		}
	}
	for i, s := range o.Steps {
		if s.Minutes <= 0 {
			return invalid(stepField(i, "minutes"), "must be a positive number of minutes, got %d", s.Minutes)
		}
		if !(float64(s.RateMgPerH) >= 0) || !finite(float64(s.RateMgPerH)) {
			return invalid(stepField(i, "rate_mg_per_h"), "must be a rate ≥ 0 mg/h, got %v", float64(s.RateMgPerH))
		}
	}
	return nil
}

func stepField(i int, name string) string {
	return "steps[" + strconv.Itoa(i) + "]." + name
}

// PlannedDuration is the total pump-running time of the plan.
func (o Order) PlannedDuration() time.Duration {
	var d time.Duration
	for _, s := range o.Steps {
		d += time.Duration(s.Minutes) * time.Minute
	}
	return d
}

// PlannedTotal is the total dose the plan delivers: Σ rate × minutes ÷ 60.
func (o Order) PlannedTotal() Milligrams {
	var mg float64
	for _, s := range o.Steps {
		mg += float64(s.RateMgPerH) * float64(s.Minutes) / 60
	}
	return Milligrams(mg)
}

// PlannedRate returns the plan's step at a pump-running time: its index and
// rate. Past the end of the plan it returns the last step with done set.
// ok is false when the order has no steps.
func (o Order) PlannedRate(running time.Duration) (step int, rate MgPerHour, done, ok bool) {
	if len(o.Steps) == 0 {
		return 0, 0, false, false
	}
	var end time.Duration
	for i, s := range o.Steps {
		end += time.Duration(s.Minutes) * time.Minute
		if running < end {
			return i, s.RateMgPerH, false, true
		}
	}
	last := len(o.Steps) - 1
	return last, o.Steps[last].RateMgPerH, true, true
}
