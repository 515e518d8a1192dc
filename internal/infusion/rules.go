package infusion

import (
	"fmt"
	"time"
)

// Rules are the alert thresholds and charting intervals a session is
// recorded under, each with its source. A clinic may change the ones marked
// configurable; alerts already raised stay on the record whatever the rules
// become, because they are stored as events.
type Rules struct {
	// DesaturationBelow: an SpO2 strictly below this raises an alert.
	// Goldberg defined desaturation as SpO2 < 93 % (003_55ad5919aae10607.txt).
	DesaturationBelow Percent `json:"desaturation_below_pct"`
	// TachycardiaRisePct: a heart rate at or above baseline × (1 + pct/100)
	// raises an alert. Goldberg counted "a 20 % increase over their baseline
	// heart rate" (003_55ad5919aae10607.txt); the baseline is this session's.
	TachycardiaRisePct int `json:"tachycardia_rise_pct"`
	// BPRisePct (configurable): a systolic pressure at or above this
	// session's baseline systolic × (1 + pct/100) raises an alert. Default
	// 20 %: Goldberg gives no blood-pressure number (clonidine was given "to
	// prevent a hypertensive response", 003_55ad5919aae10607.txt), so the
	// default mirrors Goldberg's own 20 % rule for heart rate, and 20 % of the
	// pre-procedure value is also the band within which both the modified
	// Aldrete score (Aldrete 1995) and the PADSS (Chung 1995; Marshall & Chung
	// 1999) count blood pressure as back to baseline. 0 disables the rule.
	BPRisePct int `json:"bp_rise_pct"`
	// SystolicAbove and DiastolicAbove (configurable): an absolute pressure
	// strictly above either raises an alert whatever the baseline. Default
	// 180/110 mmHg, the cut-offs commonly proposed for hypertensive urgency
	// (StatPearls, "Hypertensive Urgency", which notes they are arbitrarily
	// derived); a patient with a high baseline is thus still caught. 0
	// disables the bound.
	SystolicAbove  MmHg `json:"systolic_above_mmhg"`
	DiastolicAbove MmHg `json:"diastolic_above_mmhg"`
	// VitalsEvery is how often vitals are due while the infusion is in
	// progress (running or paused): Goldberg took non-invasive blood pressure
	// every 15 minutes (003_55ad5919aae10607.txt).
	VitalsEvery time.Duration `json:"vitals_every_ns"`
	// AfterStopVitalsEvery is how often vitals are due after the stop until
	// discharge. The seeds are silent, so it is unspecified (0 = no
	// reminders) until the clinic sets it.
	AfterStopVitalsEvery time.Duration `json:"after_stop_vitals_every_ns,omitempty"`
	// Limits are the plausibility bounds of charted values.
	Limits ChartLimits `json:"limits"`
}

// DefaultRules returns the rules with the sourced defaults given on Rules.
func DefaultRules() Rules {
	return Rules{
		DesaturationBelow:  93,
		TachycardiaRisePct: 20,
		BPRisePct:          20,
		SystolicAbove:      180,
		DiastolicAbove:     110,
		VitalsEvery:        15 * time.Minute,
		Limits:             DefaultChartLimits(),
	}
}

// Validate checks that the rules can be applied.
func (r Rules) Validate() error {
	if !(r.DesaturationBelow > 0 && r.DesaturationBelow <= 100) {
		return invalid("desaturation_below_pct", "must lie in (0, 100] %%, got %v", float64(r.DesaturationBelow))
	}
	if r.TachycardiaRisePct <= 0 {
		return invalid("tachycardia_rise_pct", "must be a positive percentage, got %d", r.TachycardiaRisePct)
	}
	if r.BPRisePct < 0 || r.SystolicAbove < 0 || r.DiastolicAbove < 0 {
		return invalid("bp_rise_pct", "blood-pressure thresholds cannot be negative")
	}
	if r.VitalsEvery <= 0 {
		return invalid("vitals_every_ns", "must be a positive interval")
	}
	if r.AfterStopVitalsEvery < 0 {
		return invalid("after_stop_vitals_every_ns", "cannot be negative")
	}
	if r.Limits.HeartRateMin <= 0 || r.Limits.HeartRateMax <= r.Limits.HeartRateMin {
		return invalid("limits.hr_min_per_min", "heart-rate bounds must satisfy 0 < min < max")
	}
	return nil
}

// AlertRule names the rule that raised an alert.
type AlertRule string

// Alert rules.
const (
	RuleDesaturation  AlertRule = "desaturation"
	RuleTachycardia   AlertRule = "tachycardia"
	RuleBloodPressure AlertRule = "blood-pressure"
	RuleRateAbovePlan AlertRule = "rate-above-plan"
)

// Source texts shown with each alert.
const (
	sourceGoldberg = "Goldberg et al. 2005 (003_55ad5919aae10607.txt)"
	sourceBP       = "ketatrack default: 20 % over baseline as Goldberg's heart-rate rule and the Aldrete/PADSS 20 % band; 180/110 mmHg hypertensive-urgency cut-offs (StatPearls); clinic-configurable"
	sourcePlan     = "the signed plan for this session"
)

// Alert is an alert raised by a rule. It is stored as an event of its own
// (KindAlert), never removed, and answered by an acknowledgement event.
type Alert struct {
	Rule AlertRule `json:"rule"`
	// CauseSeq is the event whose values broke the rule.
	CauseSeq  int    `json:"cause_seq"`
	Message   string `json:"message"`
	Observed  string `json:"observed"`
	Threshold string `json:"threshold"`
	Source    string `json:"source"`
	// Key identifies the condition for rate alerts, so that the same
	// over-plan rate in the same plan step raises one alert, not one per
	// event.
	Key string `json:"key,omitempty"`
}

// vitalsAlerts applies the vital-sign rules to v against this session's
// baseline.
func (r Rules) vitalsAlerts(v Vitals, baseline Vitals, cause int) []Alert {
	var out []Alert
	if v.SpO2 < r.DesaturationBelow {
		out = append(out, Alert{
			Rule: RuleDesaturation, CauseSeq: cause,
			Message:   fmt.Sprintf("Desaturation: SpO2 %v %%", float64(v.SpO2)),
			Observed:  fmt.Sprintf("SpO2 %v %%", float64(v.SpO2)),
			Threshold: fmt.Sprintf("SpO2 < %v %%", float64(r.DesaturationBelow)),
			Source:    sourceGoldberg,
		})
	}
	// 100·HR ≥ (100 + pct)·baseline, in integers: exactly +20 % alerts.
	if 100*int(v.HeartRate) >= (100+r.TachycardiaRisePct)*int(baseline.HeartRate) {
		out = append(out, Alert{
			Rule: RuleTachycardia, CauseSeq: cause,
			Message:   fmt.Sprintf("Heart rate %d /min is %s over this session's baseline of %d /min", v.HeartRate, pctOver(int(v.HeartRate), int(baseline.HeartRate)), baseline.HeartRate),
			Observed:  fmt.Sprintf("HR %d /min", v.HeartRate),
			Threshold: fmt.Sprintf("HR ≥ baseline %d /min + %d %%", baseline.HeartRate, r.TachycardiaRisePct),
			Source:    sourceGoldberg,
		})
	}
	var why []string
	if r.BPRisePct > 0 && 100*int(v.Systolic) >= (100+r.BPRisePct)*int(baseline.Systolic) {
		why = append(why, fmt.Sprintf("systolic %d mmHg is %s over baseline %d mmHg (threshold +%d %%)", v.Systolic, pctOver(int(v.Systolic), int(baseline.Systolic)), baseline.Systolic, r.BPRisePct))
	}
	if r.SystolicAbove > 0 && v.Systolic > r.SystolicAbove {
		why = append(why, fmt.Sprintf("systolic %d mmHg > %d mmHg", v.Systolic, r.SystolicAbove))
	}
	if r.DiastolicAbove > 0 && v.Diastolic > r.DiastolicAbove {
		why = append(why, fmt.Sprintf("diastolic %d mmHg > %d mmHg", v.Diastolic, r.DiastolicAbove))
	}
	if len(why) > 0 {
		msg := "Blood pressure rise: " + why[0]
		for _, w := range why[1:] {
			msg += "; " + w
		}
		out = append(out, Alert{
			Rule: RuleBloodPressure, CauseSeq: cause,
			Message:   msg,
			Observed:  fmt.Sprintf("BP %d/%d mmHg", v.Systolic, v.Diastolic),
			Threshold: fmt.Sprintf("systolic ≥ baseline %d mmHg + %d %%, or > %d/%d mmHg", baseline.Systolic, r.BPRisePct, r.SystolicAbove, r.DiastolicAbove),
			Source:    sourceBP,
		})
	}
	return out
}

// pctOver formats (x − base)/base as a percentage, for messages only.
func pctOver(x, base int) string {
	return fmt.Sprintf("%+.1f %%", 100*float64(x-base)/float64(base))
}

// rateTolerance absorbs binary floating-point representation when comparing
// a pump rate converted from mL/h with the plan's mg/h; a real excess is
// many orders of magnitude larger.
const rateTolerance = 1e-9

// aboveRate reports whether rate exceeds plan beyond representation error.
func aboveRate(rate, plan MgPerHour) bool {
	return float64(rate) > float64(plan)*(1+rateTolerance)
}
