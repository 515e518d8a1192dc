package infusion

// PerMinute is a heart rate (beats) or respiratory rate (breaths) per minute.
type PerMinute int

// MmHg is a blood pressure in millimetres of mercury.
type MmHg int

// Percent is a percentage, e.g. an oxygen saturation.
type Percent float64

// Vitals is one set of observations. Heart rate, blood pressure and SpO2 are
// required: Goldberg monitored continuous ECG and pulse oximetry and took
// non-invasive blood pressure every 15 minutes (003_55ad5919aae10607.txt).
// Respiratory rate and the sedation and dissociation scores are optional
// (nil = not assessed).
type Vitals struct {
	HeartRate PerMinute  `json:"hr_per_min"`
	Systolic  MmHg       `json:"sbp_mmhg"`
	Diastolic MmHg       `json:"dbp_mmhg"`
	SpO2      Percent    `json:"spo2_pct"`
	OnOxygen  bool       `json:"on_oxygen,omitempty"` // supplemental O2 at the time of the SpO2 reading (room air if false)
	RespRate  *PerMinute `json:"rr_per_min,omitempty"`
	RASS      *int       `json:"rass,omitempty"`
	CADSS     *int       `json:"cadss,omitempty"`
}

// Richmond Agitation–Sedation Scale bounds: a 10-level scale from +4
// "combative" to −5 "unarousable", 0 = alert and calm (Sessler CN et al.,
// Am J Respir Crit Care Med 2002;166:1338–44, Table 1; validated in
// ventilated and non-ventilated, sedated and non-sedated adults). Chosen over
// the Pasero Opioid-induced Sedation Scale because ketamine can agitate as
// well as sedate, and RASS scores both directions.
const (
	RASSMin = -5
	RASSMax = 4
)

// CADSS bounds: the 23-item Clinician-Administered Dissociative States Scale
// (Bremner JD et al., J Trauma Stress 1998;11:125–36), the instrument most
// used to rate ketamine-induced dissociation; each item is scored 0 (normal)
// to 4, total 0–92 (item count and range as stated for the 23-item CADSS in
// the trial registration NCT04226963 and by Bremner et al., J Affect Disord
// 2024;364:249–58).
const (
	CADSSMin = 0
	CADSSMax = 92
)

// ChartLimits are the bounds outside which a charted value cannot be a
// measurement and is refused as a typing error. They are plausibility
// bounds, not alarm limits (alarms are in Rules).
type ChartLimits struct {
	// HeartRateMin and HeartRateMax bound the heart rate: 15–300 /min is the
	// adult range of a bedside monitor's ECG heart-rate meter (Mindray Trio
	// Operating Instructions 0070-10-0666-01, §6.2.4.1, 3/5-lead ECG, adult
	// 15 to 300 bpm). 0 and 400 are refused.
	HeartRateMin PerMinute `json:"hr_min_per_min"`
	HeartRateMax PerMinute `json:"hr_max_per_min"`
	// SystolicMax, when not zero, bounds the systolic pressure. No source
	// giving a measurement ceiling was read, so the default is unset
	// (unspecified: the clinic sets it); diastolic < systolic and both > 0
	// are always required.
	SystolicMax MmHg `json:"sbp_max_mmhg,omitempty"`
	// RespRateMax, when not zero, bounds the respiratory rate; unspecified by
	// default for the same reason.
	RespRateMax PerMinute `json:"rr_max_per_min,omitempty"`
}

// DefaultChartLimits returns the limits with the sources given on
// ChartLimits.
func DefaultChartLimits() ChartLimits {
	return ChartLimits{HeartRateMin: 15, HeartRateMax: 300}
}

// Validate checks v against the limits and the definitions of the
// quantities: SpO2 is a saturation, 0 < SpO2 ≤ 100 %; diastolic pressure is
// below systolic by definition; RASS and CADSS within their published
// ranges. The error names the field (JSON name).
func (v Vitals) Validate(l ChartLimits) error {
	if v.HeartRate < l.HeartRateMin || v.HeartRate > l.HeartRateMax {
		return invalid("hr_per_min", "heart rate %d /min is outside %d–%d /min", v.HeartRate, l.HeartRateMin, l.HeartRateMax)
	}
	if v.Systolic <= 0 {
		return invalid("sbp_mmhg", "systolic pressure must be a positive number of mmHg, got %d", v.Systolic)
	}
	if l.SystolicMax > 0 && v.Systolic > l.SystolicMax {
		return invalid("sbp_mmhg", "systolic pressure %d mmHg is above the clinic's limit of %d mmHg", v.Systolic, l.SystolicMax)
	}
	if v.Diastolic <= 0 {
		return invalid("dbp_mmhg", "diastolic pressure must be a positive number of mmHg, got %d", v.Diastolic)
	}
	if v.Diastolic >= v.Systolic {
		return invalid("dbp_mmhg", "diastolic pressure %d mmHg must be below systolic %d mmHg", v.Diastolic, v.Systolic)
	}
	if !finite(float64(v.SpO2)) || v.SpO2 <= 0 || v.SpO2 > 100 {
		return invalid("spo2_pct", "SpO2 %v %% is impossible: a saturation lies in (0, 100] %%", float64(v.SpO2))
	}
	if v.RespRate != nil {
		if *v.RespRate < 0 {
			return invalid("rr_per_min", "respiratory rate cannot be negative, got %d", *v.RespRate)
		}
		if l.RespRateMax > 0 && *v.RespRate > l.RespRateMax {
			return invalid("rr_per_min", "respiratory rate %d /min is above the clinic's limit of %d /min", *v.RespRate, l.RespRateMax)
		}
	}
	if v.RASS != nil && (*v.RASS < RASSMin || *v.RASS > RASSMax) {
		return invalid("rass", "RASS %d is outside %d…+%d", *v.RASS, RASSMin, RASSMax)
	}
	if v.CADSS != nil && (*v.CADSS < CADSSMin || *v.CADSS > CADSSMax) {
		return invalid("cadss", "CADSS total %d is outside %d–%d", *v.CADSS, CADSSMin, CADSSMax)
	}
	return nil
}
