package screening

import (
	"fmt"
	"math"
	"time"
)

// Vitals are baseline vital signs. Each field's name carries its unit; a
// zero value means not recorded.
type Vitals struct {
	// MeasuredAt is when the vitals were taken.
	MeasuredAt time.Time `json:"measured_at"`
	// HeartRateBPM is the heart rate in beats per minute.
	HeartRateBPM float64 `json:"heart_rate_bpm"`
	// SystolicMmHg is the systolic blood pressure in mmHg.
	SystolicMmHg float64 `json:"systolic_mmhg"`
	// DiastolicMmHg is the diastolic blood pressure in mmHg.
	DiastolicMmHg float64 `json:"diastolic_mmhg"`
	// SpO2Percent is the oxygen saturation by pulse oximetry in percent.
	SpO2Percent float64 `json:"spo2_percent"`
	// RespiratoryRatePerMin is breaths per minute.
	RespiratoryRatePerMin float64 `json:"respiratory_rate_per_min"`
	// TemperatureC is the body temperature in degrees Celsius; optional
	// (Goldberg's protocol monitored ECG, SpO2 and blood pressure, seed
	// 003_55ad5919aae10607.txt).
	TemperatureC *float64 `json:"temperature_c,omitempty"`
}

// PlausibleRange is the open or half-open interval outside which a vital
// sign cannot be real and is refused as a data-entry or unit error. These
// are validity limits, not clinical alarm thresholds.
type PlausibleRange struct {
	// Field is the JSON field it applies to.
	Field string `json:"field"`
	// Unit is the unit of the limits.
	Unit string `json:"unit"`
	// Above: the value must be strictly greater.
	Above float64 `json:"above"`
	// Below: the value must be strictly less, unless MaxInclusive.
	Below float64 `json:"below"`
	// MaxInclusive allows Below itself (SpO2 of exactly 100 %).
	MaxInclusive bool `json:"max_inclusive"`
	// Source cites the limits.
	Source string `json:"source"`
}

// srcMIMIC cites the validity limits: the MIMIC-III concept code keeps a
// charted value only inside these bounds.
const srcMIMIC = "MIT-LCP mimic-code, MIMIC-III concepts vitals_first_day.sql (validity filters: HeartRate > 0 and < 300; SysBP > 0 and < 400; DiasBP > 0 and < 300; RespRate > 0 and < 70; TempC > 10 and < 50; SpO2 > 0 and <= 100)"

// PlausibleRanges are the validity limits for each vital sign (srcMIMIC).
var PlausibleRanges = []PlausibleRange{
	{Field: "heart_rate_bpm", Unit: "/min", Above: 0, Below: 300, Source: srcMIMIC},
	{Field: "systolic_mmhg", Unit: "mmHg", Above: 0, Below: 400, Source: srcMIMIC},
	{Field: "diastolic_mmhg", Unit: "mmHg", Above: 0, Below: 300, Source: srcMIMIC},
	{Field: "spo2_percent", Unit: "%", Above: 0, Below: 100, MaxInclusive: true, Source: srcMIMIC},
	{Field: "respiratory_rate_per_min", Unit: "/min", Above: 0, Below: 70, Source: srcMIMIC},
	{Field: "temperature_c", Unit: "°C", Above: 10, Below: 50, Source: srcMIMIC},
}

// check tests one value against a range.
func (r PlausibleRange) check(v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fieldErr(r.Field, "not a number")
	}
	upper := v < r.Below || (r.MaxInclusive && v == r.Below)
	if v > r.Above && upper {
		return nil
	}
	max := "< " + fmtNum(r.Below)
	if r.MaxInclusive {
		max = "≤ " + fmtNum(r.Below)
	}
	return fieldErr(r.Field, fmt.Sprintf("%s %s is impossible: a real value is > %s and %s %s (validity limits of MIMIC-III); check the reading and its unit",
		fmtNum(v), r.Unit, fmtNum(r.Above), max, r.Unit))
}

// fmtNum prints a number without trailing zeros.
func fmtNum(v float64) string { return fmt.Sprintf("%g", v) }

// Validate checks that the required vitals are recorded, possible, and that
// systolic pressure exceeds diastolic (by definition the systolic pressure is
// the peak of the cycle).
func (v Vitals) Validate() error {
	if v.MeasuredAt.IsZero() {
		return fieldErr("measured_at", "not recorded: when were the vitals taken?")
	}
	values := map[string]float64{
		"heart_rate_bpm":           v.HeartRateBPM,
		"systolic_mmhg":            v.SystolicMmHg,
		"diastolic_mmhg":           v.DiastolicMmHg,
		"spo2_percent":             v.SpO2Percent,
		"respiratory_rate_per_min": v.RespiratoryRatePerMin,
	}
	for _, r := range PlausibleRanges {
		val, required := values[r.Field]
		if r.Field == "temperature_c" {
			if v.TemperatureC == nil {
				continue
			}
			val = *v.TemperatureC
		} else if required && val == 0 {
			return fieldErr(r.Field, "not recorded")
		}
		if err := r.check(val); err != nil {
			return err
		}
	}
	if v.SystolicMmHg <= v.DiastolicMmHg {
		return fieldErr("diastolic_mmhg", fmt.Sprintf("diastolic %s mmHg is not below systolic %s mmHg: check the order of the readings", fmtNum(v.DiastolicMmHg), fmtNum(v.SystolicMmHg)))
	}
	return nil
}

// Hypertension threshold at rest from the Swiss product information for
// ketamine (oddb.org, registration 67199, "Kontraindikationen": poorly
// controlled or untreated arterial hypertension, "systolischer/diastolischer
// Blutdruck über 180/100 mmHg in Ruhe").
const (
	restingSystolicLimitMmHg  = 180 // Swiss product information, reg. 67199
	restingDiastolicLimitMmHg = 100 // Swiss product information, reg. 67199
	srcSwissBP                = "Swiss product information for ketamine (oddb.org, registration 67199), contraindications: poorly controlled or untreated arterial hypertension, blood pressure above 180/100 mmHg at rest"
)

// vitalsFindings returns the findings the baseline vitals raise. The vitals
// must have been validated.
func vitalsFindings(v Vitals) []Finding {
	var out []Finding
	if v.SystolicMmHg > restingSystolicLimitMmHg || v.DiastolicMmHg > restingDiastolicLimitMmHg {
		out = append(out, Finding{
			ID:    "baseline_bp_above_180_100",
			Kind:  KindVitals,
			Class: Absolute,
			Message: fmt.Sprintf("baseline blood pressure %s/%s mmHg is above 180/100 mmHg; repeat the measurement at rest before deciding",
				fmtNum(v.SystolicMmHg), fmtNum(v.DiastolicMmHg)),
			Source: srcSwissBP,
		})
	}
	return out
}
