package clinic

import (
	"context"
	"strings"
	"time"

	"github.com/ketatrack/ketatrack/internal/crps"
)

// DiagnosisInput is one CRPS diagnostic evaluation as the clinician enters
// it on the diagnosis page or through the API: the Budapest checklist, the
// answers the subtype rules need, and optionally a CRPS Severity Score. The
// presentation (inciting event, limbs, onset) and prior treatments are taken
// from the patient's current intake when the evaluation is saved.
type DiagnosisInput struct {
	Assessment crps.Assessment     `json:"assessment"`
	History    crps.History        `json:"history"`
	Severity   *crps.SeverityInput `json:"severity,omitempty"`
	// AssessedOn is the day of the evaluation, YYYY-MM-DD; empty for today.
	AssessedOn string `json:"assessed_on,omitempty"`
	Notes      string `json:"notes,omitempty"`
}

// Validate checks the input and that the Budapest form is complete: the
// two yes/no criteria (A, disproportionate pain; D, no better explanation)
// must be answered before an evaluation is saved, so that a saved record
// states met or not met. The checklist items are counted as listed (an
// item not listed is absent, as on a paper checklist).
func (in DiagnosisInput) Validate() error {
	if err := in.Assessment.Validate(); err != nil {
		return domainInvalid("assessment", err)
	}
	if in.Assessment.DisproportionatePain == crps.Unrecorded {
		return Invalid("assessment.disproportionate_pain", "not answered: is there continuing pain disproportionate to any inciting event? (Budapest criterion A)")
	}
	if in.Assessment.OtherDiagnosisExplains == crps.Unrecorded {
		return Invalid("assessment.other_diagnosis_explains", "not answered: does another diagnosis better explain the signs and symptoms? (Budapest criterion D)")
	}
	if err := in.History.Validate(); err != nil {
		return domainInvalid("history", err)
	}
	if in.Severity != nil {
		if err := in.Severity.Validate(); err != nil {
			return domainInvalid("severity", err)
		}
	}
	return checkText("notes", in.Notes, 0, 4000)
}

// AssessedDate parses AssessedOn (today when empty) and refuses a future day.
func (in DiagnosisInput) AssessedDate(today Date) (Date, error) {
	s := strings.TrimSpace(in.AssessedOn)
	if s == "" {
		return today, nil
	}
	d, err := ParseDate(s)
	if err != nil {
		return Date{}, Invalid("assessed_on", "%v", err)
	}
	if d.After(today) {
		return Date{}, Invalid("assessed_on", "%s is in the future", d)
	}
	return d, nil
}

// Diagnosis is one saved CRPS diagnostic evaluation: what was entered
// (Record, with the presentation and prior treatments of the intake it
// rests on) and what crps.Diagnose made of it then (Result: Budapest
// clinical and research criteria with the rule that decided, subtype,
// severity score with its version, SNOMED CT codes). Each evaluation is a
// new record; the history is the list.
type Diagnosis struct {
	ID         int64          `json:"id"`
	ClinicID   int64          `json:"clinic_id"`
	PatientID  int64          `json:"patient_id"`
	IntakeID   int64          `json:"intake_id"`
	AssessedOn Date           `json:"assessed_on"`
	Record     crps.Record    `json:"record"`
	Result     crps.Diagnosis `json:"result"`
	Notes      string         `json:"notes,omitempty"`
	// RecordedBy is the clinician who made the evaluation.
	RecordedBy     int64     `json:"recorded_by,omitempty"`
	RecordedByName string    `json:"recorded_by_name"`
	RecordedAt     time.Time `json:"recorded_at"`
}

// CanDiagnose reports whether a may record a CRPS diagnosis or a screening
// decision for a patient of clinicID: a clinician of that clinic (the pain
// physician diagnoses and screens, shared/PRODUCT.md "Who uses it"), or the
// command-line operator.
func CanDiagnose(a *Actor, clinicID int64) bool {
	return a != nil && (a.System || (a.Role == RoleClinician && a.ClinicID == clinicID))
}

// DiagnosisService keeps CRPS diagnostic evaluations.
type DiagnosisService interface {
	// SaveDiagnosis validates in, computes the diagnosis with crps.Diagnose
	// over the patient's current intake, and stores it as a new record
	// (clinicians only). EINVALID on "intake" when no intake is recorded.
	SaveDiagnosis(ctx context.Context, patientID int64, in DiagnosisInput) (*Diagnosis, error)
	// FindDiagnoses returns the patient's evaluations, newest first.
	FindDiagnoses(ctx context.Context, patientID int64) ([]*Diagnosis, error)
}
