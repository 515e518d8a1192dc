package clinic

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/ketatrack/ketatrack/internal/screening"
)

// ScreeningForm is a screening as the page and the API receive it: the
// answers and tests as internal/screening defines them, the vitals as
// numbers in their fields' units, and the time of the vitals as text (see
// ParseTime).
type ScreeningForm struct {
	Conditions         map[string]screening.Answer `json:"conditions"`
	CardiovascularRisk screening.Answer            `json:"cardiovascular_risk"`
	LiverRisk          screening.Answer            `json:"liver_risk"`
	RepeatedInfusions  screening.Answer            `json:"repeated_infusions"`
	HighDoseFrequent   screening.Answer            `json:"high_dose_frequent"`
	MultiDayContinuous screening.Answer            `json:"multi_day_continuous"`
	Tests              []screening.TestRecord      `json:"tests"`
	Vitals             VitalsForm                  `json:"vitals"`
}

// VitalsForm is the baseline vitals as entered. Each field's name carries
// its unit; 0 (or absent) means not recorded.
type VitalsForm struct {
	MeasuredAt            string   `json:"measured_at"`
	HeartRateBPM          float64  `json:"heart_rate_bpm"`
	SystolicMmHg          float64  `json:"systolic_mmhg"`
	DiastolicMmHg         float64  `json:"diastolic_mmhg"`
	SpO2Percent           float64  `json:"spo2_percent"`
	RespiratoryRatePerMin float64  `json:"respiratory_rate_per_min"`
	TemperatureC          *float64 `json:"temperature_c,omitempty"`
}

// Parse turns the form into a screening.Input and validates it, naming the
// field at fault ("vitals.spo2_percent"). The vitals must have been taken,
// so a time in the future is refused.
func (f ScreeningForm) Parse(loc *time.Location, now time.Time) (screening.Input, error) {
	in := screening.Input{
		Conditions: f.Conditions, CardiovascularRisk: f.CardiovascularRisk, LiverRisk: f.LiverRisk,
		RepeatedInfusions: f.RepeatedInfusions, HighDoseFrequent: f.HighDoseFrequent, MultiDayContinuous: f.MultiDayContinuous,
		Tests: f.Tests,
		Vitals: screening.Vitals{HeartRateBPM: f.Vitals.HeartRateBPM, SystolicMmHg: f.Vitals.SystolicMmHg,
			DiastolicMmHg: f.Vitals.DiastolicMmHg, SpO2Percent: f.Vitals.SpO2Percent,
			RespiratoryRatePerMin: f.Vitals.RespiratoryRatePerMin, TemperatureC: f.Vitals.TemperatureC},
	}
	if in.Conditions == nil {
		in.Conditions = map[string]screening.Answer{}
	}
	if in.Tests == nil {
		in.Tests = []screening.TestRecord{}
	}
	if strings.TrimSpace(f.Vitals.MeasuredAt) == "" {
		return screening.Input{}, Invalid("vitals.measured_at", "not recorded: when were the vitals taken?")
	}
	at, err := ParseTime("vitals.measured_at", f.Vitals.MeasuredAt, loc, now)
	if err != nil {
		return screening.Input{}, err
	}
	in.Vitals.MeasuredAt = at
	if err := ValidateScreeningInput(in, now); err != nil {
		return screening.Input{}, err
	}
	return in, nil
}

// ValidateScreeningInput checks a screening input as the store does before
// saving it: screening.Input.Validate, vitals not taken in the future, test
// dates not in the future and notes of sane length.
func ValidateScreeningInput(in screening.Input, now time.Time) error {
	if err := in.Validate(); err != nil {
		return domainInvalid("", err)
	}
	if in.Vitals.MeasuredAt.After(now) {
		return Invalid("vitals.measured_at", "%s is in the future", in.Vitals.MeasuredAt.Format(time.RFC3339))
	}
	today := DateOf(now)
	for i, t := range in.Tests {
		if t.Date != "" {
			d, _ := ParseDate(t.Date)
			if d.After(today.AddDays(1)) { // a day's grace for time zones
				return Invalid("tests["+strconv.Itoa(i)+"].date", "%s is in the future", d)
			}
		}
		if err := checkText("tests["+strconv.Itoa(i)+"].note", t.Note, 0, 500); err != nil {
			return err
		}
	}
	return nil
}

// Screening is one saved screening: the input as recorded and the result
// internal/screening computed from it then, with the decisions taken on it
// (oldest first).
type Screening struct {
	ID             int64                `json:"id"`
	ClinicID       int64                `json:"clinic_id"`
	PatientID      int64                `json:"patient_id"`
	Input          screening.Input      `json:"input"`
	Result         screening.Result     `json:"result"`
	RecordedBy     int64                `json:"recorded_by,omitempty"`
	RecordedByName string               `json:"recorded_by_name"`
	RecordedAt     time.Time            `json:"recorded_at"`
	Decisions      []*ScreeningDecision `json:"decisions"`
}

// Latest returns the newest decision on the screening (nil if none).
func (s *Screening) Latest() *ScreeningDecision {
	if len(s.Decisions) == 0 {
		return nil
	}
	return s.Decisions[len(s.Decisions)-1]
}

// ScreeningDecision is a clinician's decision on one screening: the verdict,
// the reason, and the reasoned overrides, signed by the clinician (who and
// when), with the screening result the overrides produce. A new decision is
// a new record.
type ScreeningDecision struct {
	ID          int64              `json:"id"`
	ScreeningID int64              `json:"screening_id"`
	ClinicID    int64              `json:"clinic_id"`
	PatientID   int64              `json:"patient_id"`
	Decision    screening.Decision `json:"decision"`
	// Result is the screening result with the overrides applied.
	Result        screening.Result `json:"result"`
	ClinicianName string           `json:"clinician_name"`
	// Current is true when the decision answers the patient's latest
	// screening; a newer screening awaits its own decision.
	Current bool `json:"current"`
}

// Cleared reports whether the decision lets the patient proceed: the
// verdict is proceed and the result is cleared (with or without
// overrides).
func (d *ScreeningDecision) Cleared() bool {
	if d == nil || d.Decision.Verdict != screening.Proceed {
		return false
	}
	return d.Result.Status == screening.Cleared || d.Result.Status == screening.ClearedWithOverrides
}

// DecisionInput is what a clinician submits to decide on a screening; who
// and when are taken from the session and the clock.
type DecisionInput struct {
	Verdict   screening.Verdict    `json:"verdict"`
	Reason    string               `json:"reason"`
	Overrides []screening.Override `json:"overrides"`
}

// ScreeningService keeps screenings and the clinicians' decisions.
type ScreeningService interface {
	// SaveScreening validates in and stores it with its computed result as
	// a new screening of the patient (staff of the clinic).
	SaveScreening(ctx context.Context, patientID int64, in screening.Input) (*Screening, error)
	// FindScreenings returns the patient's screenings, newest first, each
	// with its decisions.
	FindScreenings(ctx context.Context, patientID int64) ([]*Screening, error)
	// DecideScreening records a clinician's decision on a screening,
	// checked with screening.Decide (clinicians only; overrides need a
	// reason each; nothing overrides what blocks).
	DecideScreening(ctx context.Context, screeningID int64, in DecisionInput) (*ScreeningDecision, error)
	// LatestScreeningDecision returns the patient's latest decision, with
	// Current saying whether it answers the latest screening. ENOTFOUND
	// when no decision is recorded or the actor may not read the patient.
	// A course should start only when it is Current and Cleared.
	LatestScreeningDecision(ctx context.Context, patientID int64) (*ScreeningDecision, error)
}
