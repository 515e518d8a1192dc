package clinic

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ketatrack/ketatrack/internal/crps"
	"github.com/ketatrack/ketatrack/internal/opioid"
	"github.com/ketatrack/ketatrack/internal/screening"
	"github.com/ketatrack/ketatrack/internal/units"
)

// Intake, diagnosis and screening (issue 7): the records a clinic keeps
// before a ketamine course. Every save is a new record; nothing is edited in
// place, so the history is the record. The store checks rights and audits
// every save in the same transaction.

// Plausible body weights: outside these a weight cannot be real and is
// refused as a typing or unit error (70g for 70kg). They are the extremes
// ever recorded, not clinical limits: the smallest surviving newborn,
// 245 g (Tiniest Babies Registry, University of Iowa, 2019), and the
// heaviest person in medical history, about 635 kg (Jon Brower Minnoch,
// Guinness World Records).
const (
	MinWeightKg = 0.245 // Tiniest Babies Registry (University of Iowa), 2019
	MaxWeightKg = 635   // Guinness World Records, heaviest person in medical history
)

// CheckWeight refuses a weight outside the extremes ever recorded.
func CheckWeight(field string, w units.BodyWeight) error {
	kg := w.Kilograms()
	if !(kg >= MinWeightKg && kg <= MaxWeightKg) {
		return Invalid(field, "%s is %s kg, outside the weights ever recorded (%g–%g kg): check the number and its unit",
			w, units.FormatNumber(kg, 4), MinWeightKg, float64(MaxWeightKg))
	}
	return nil
}

// WeightRecord is one body weight measurement. A patient's weights form a
// history; the one measured last is the current weight (CurrentWeight).
type WeightRecord struct {
	ID        int64 `json:"id"`
	ClinicID  int64 `json:"clinic_id"`
	PatientID int64 `json:"patient_id"`
	// Weight is the weight as written ("154lb"); Kilograms is derived.
	Weight    units.BodyWeight `json:"weight"`
	Kilograms float64          `json:"kilograms"`
	// MeasuredAt is when the patient was weighed.
	MeasuredAt     time.Time `json:"measured_at"`
	Note           string    `json:"note,omitempty"`
	RecordedBy     int64     `json:"recorded_by,omitempty"`
	RecordedByName string    `json:"recorded_by_name"`
	RecordedAt     time.Time `json:"recorded_at"`
}

// Display prints the weight as written, with kg beside a weight written in
// another unit: "154 lb (69.85 kg)".
func (w *WeightRecord) Display() string {
	if w.Weight.Unit() == units.Kg {
		return units.FormatNumber(w.Weight.Value(), 6) + " kg"
	}
	return fmt.Sprintf("%s %s (%s kg)", units.FormatNumber(w.Weight.Value(), 6), w.Weight.Unit(), units.FormatNumber(w.Kilograms, 4))
}

// HeightRecord is one body height measurement.
type HeightRecord struct {
	ID             int64      `json:"id"`
	ClinicID       int64      `json:"clinic_id"`
	PatientID      int64      `json:"patient_id"`
	Height         BodyHeight `json:"height"`
	Centimetres    float64    `json:"centimetres"`
	MeasuredAt     time.Time  `json:"measured_at"`
	Note           string     `json:"note,omitempty"`
	RecordedBy     int64      `json:"recorded_by,omitempty"`
	RecordedByName string     `json:"recorded_by_name"`
	RecordedAt     time.Time  `json:"recorded_at"`
}

// Display prints the height as written, with cm beside another unit.
func (h *HeightRecord) Display() string { return formatHeight(h.Height) }

// Measurement is a weight or height to record, with when it was measured.
type Measurement struct {
	MeasuredAt time.Time
	Note       string
}

// Validate checks the time (required, not in the future) and the note.
func (m Measurement) Validate(field string, now time.Time) error {
	if m.MeasuredAt.IsZero() {
		return Invalid(field, "when was it measured? required")
	}
	if m.MeasuredAt.After(now) {
		return Invalid(field, "%s is in the future", m.MeasuredAt.Format(time.RFC3339))
	}
	return checkText("note", m.Note, 0, 500)
}

// Medication is one drug a patient takes at intake. An opioid carries its
// regimen, which is converted to MME/day with a named table; another drug
// is recorded as the clinician writes it.
type Medication struct {
	// Name is the drug or product as the patient knows it.
	Name string `json:"name"`
	// Dose is how a drug that is not an opioid is taken, as written
	// ("300 mg three times a day"); it is shown, never computed with.
	Dose string `json:"dose,omitempty"`
	// Opioid is the regimen of an opioid (dose with unit, times a day, or a
	// patch rate in mcg/h); nil for other drugs.
	Opioid *opioid.Regimen `json:"opioid,omitempty"`
}

// Intake is one version of a patient's intake: how the CRPS presented,
// the medications taken then (opioids converted to MME/day), and the
// treatments tried before. Saving an intake makes a new version; the
// latest is current.
type Intake struct {
	ID              int64                 `json:"id"`
	ClinicID        int64                 `json:"clinic_id"`
	PatientID       int64                 `json:"patient_id"`
	Version         int                   `json:"version"`
	Presentation    crps.Presentation     `json:"presentation"`
	Medications     []Medication          `json:"medications"`
	PriorTreatments []crps.PriorTreatment `json:"prior_treatments"`
	Notes           string                `json:"notes,omitempty"`
	// MME is the opioid summary computed when the intake was saved, with
	// the table named on every figure (opioid.DefaultTable, CDC 2022).
	MME opioid.Summary `json:"mme"`
	// PriorRelief tallies the prior treatments by Goldberg's relief
	// categories (≤ 8 weeks, > 8 weeks).
	PriorRelief crps.ReliefTally `json:"prior_relief"`
	// Weight and Height are the measurements recorded with this intake,
	// if any.
	Weight         *WeightRecord `json:"weight,omitempty"`
	Height         *HeightRecord `json:"height,omitempty"`
	RecordedBy     int64         `json:"recorded_by,omitempty"`
	RecordedByName string        `json:"recorded_by_name"`
	RecordedAt     time.Time     `json:"recorded_at"`
}

// IntakeInput is an intake to save, parsed and typed. The store adds the
// weight and height (when given) to the patient's history in the same
// transaction.
type IntakeInput struct {
	Presentation    crps.Presentation
	Medications     []Medication
	PriorTreatments []crps.PriorTreatment
	Notes           string
	// Weight and Height, when not nil, are measured at MeasuredAt.
	Weight     *units.BodyWeight
	Height     *BodyHeight
	MeasuredAt time.Time
}

// Validate checks every part of the intake for patient p on day today,
// naming the field at fault with the path the API uses.
func (in IntakeInput) Validate(p *Patient, today Date, now time.Time) error {
	if err := in.Presentation.Validate(); err != nil {
		return domainInvalid("presentation", err)
	}
	if in.Presentation.Onset != "" {
		onset, _ := ParseDate(in.Presentation.Onset)
		if onset.After(today) {
			return Invalid("presentation.onset", "%s is in the future", onset)
		}
		if p != nil && onset.Before(p.BirthDate) {
			return Invalid("presentation.onset", "%s is before the patient's birth date %s", onset, p.BirthDate)
		}
	}
	if err := checkText("presentation.inciting_event_other", in.Presentation.IncitingEventOther, 0, 200); err != nil {
		return err
	}
	if err := checkText("presentation.other_sites", in.Presentation.OtherSites, 0, 200); err != nil {
		return err
	}
	for i, m := range in.Medications {
		f := fmt.Sprintf("medications[%d]", i)
		if err := checkText(f+".name", m.Name, 1, 100); err != nil {
			return err
		}
		if err := checkText(f+".dose", m.Dose, 0, 200); err != nil {
			return err
		}
		if m.Opioid != nil {
			if m.Dose != "" {
				return Invalid(f+".dose", "an opioid's dose goes in its regimen (dose with unit and times a day, or patch rate)")
			}
			if err := m.Opioid.Validate(); err != nil {
				return domainInvalid(f+".opioid", err)
			}
		}
	}
	if err := crps.ValidatePriorTreatments(in.PriorTreatments); err != nil {
		return domainInvalid("", err)
	}
	for i, t := range in.PriorTreatments {
		if err := checkText(fmt.Sprintf("prior_treatments[%d].description", i), t.Description, 0, 200); err != nil {
			return err
		}
	}
	if err := checkText("notes", in.Notes, 0, 4000); err != nil {
		return err
	}
	if in.Weight != nil {
		if err := CheckWeight("weight", *in.Weight); err != nil {
			return err
		}
	}
	if in.Height != nil {
		if err := checkHeight("height", *in.Height); err != nil {
			return err
		}
	}
	if in.Weight != nil || in.Height != nil {
		if err := (Measurement{MeasuredAt: in.MeasuredAt}).Validate("measured_at", now); err != nil {
			return err
		}
	}
	return nil
}

// Regimens returns the opioid regimens of the medications, in order.
func (in IntakeInput) Regimens() []opioid.Regimen {
	var out []opioid.Regimen
	for _, m := range in.Medications {
		if m.Opioid != nil {
			out = append(out, *m.Opioid)
		}
	}
	return out
}

// Summarize converts the opioids to MME/day with opioid.DefaultTable (CDC
// 2022), naming the medication at fault in an error.
func (in IntakeInput) Summarize() (opioid.Summary, error) {
	s, err := opioid.Summarize(in.Regimens(), opioid.DefaultTable)
	if err != nil {
		return opioid.Summary{}, domainInvalid("medications", err)
	}
	return s, nil
}

// WorkupSummary is the latest of each pre-course record of a patient, for
// the patient page; a nil field means none is recorded.
type WorkupSummary struct {
	Weight    *WeightRecord      `json:"weight"`
	Height    *HeightRecord      `json:"height"`
	Intake    *Intake            `json:"intake"`
	Diagnosis *Diagnosis         `json:"diagnosis"`
	Screening *Screening         `json:"screening"`
	Decision  *ScreeningDecision `json:"decision"`
}

// IntakeService keeps intakes and the weight and height histories. Every
// method checks the actor's rights (a patient reads only their own records;
// staff of the patient's clinic read and write them) and audits its saves.
type IntakeService interface {
	// SaveIntake validates in and stores it as the patient's newest intake
	// version, with its weight and height (if given) added to their
	// histories, in one transaction. A patient with no weight on record
	// must have one recorded with the intake (EINVALID on "weight").
	SaveIntake(ctx context.Context, patientID int64, in IntakeInput) (*Intake, error)
	// FindIntakes returns the patient's intake versions, newest first.
	FindIntakes(ctx context.Context, patientID int64) ([]*Intake, error)
	// RecordWeight adds a weight measurement to the patient's history.
	RecordWeight(ctx context.Context, patientID int64, w units.BodyWeight, m Measurement) (*WeightRecord, error)
	// FindWeights returns the patient's weights, latest measured first.
	FindWeights(ctx context.Context, patientID int64) ([]*WeightRecord, error)
	// CurrentWeight returns the weight measured last (ties: recorded
	// last). ENOTFOUND when none is recorded, or the actor may not read
	// the patient.
	CurrentWeight(ctx context.Context, patientID int64) (*WeightRecord, error)
	// RecordHeight adds a height measurement to the patient's history.
	RecordHeight(ctx context.Context, patientID int64, h BodyHeight, m Measurement) (*HeightRecord, error)
	// FindHeights returns the patient's heights, latest measured first.
	FindHeights(ctx context.Context, patientID int64) ([]*HeightRecord, error)
	// CurrentHeight returns the height measured last; ENOTFOUND if none.
	CurrentHeight(ctx context.Context, patientID int64) (*HeightRecord, error)
}

// WorkupService is everything before a course: intake, diagnosis and
// screening, and the summary of their latest records.
type WorkupService interface {
	IntakeService
	DiagnosisService
	ScreeningService
	// WorkupSummary returns the latest record of each kind for the patient.
	WorkupSummary(ctx context.Context, patientID int64) (*WorkupSummary, error)
}

// domainInvalid turns a domain package's field error (crps, opioid,
// screening, units) into an EINVALID *Error whose field is the API path,
// prefixed with prefix ("presentation", "medications[0].opioid").
func domainInvalid(prefix string, err error) error {
	join := func(field string) string {
		switch {
		case prefix == "":
			return field
		case field == "":
			return prefix
		}
		return prefix + "." + field
	}
	var ce *crps.FieldError
	var oe *opioid.FieldError
	var se *screening.FieldError
	var ue *units.ParseError
	var e *Error
	switch {
	case errors.As(err, &ce):
		return Invalid(join(ce.Field), "%s", ce.Message)
	case errors.As(err, &oe):
		return Invalid(join(oe.Field), "%s", oe.Message)
	case errors.As(err, &se):
		return Invalid(join(se.Field), "%s", se.Message)
	case errors.As(err, &ue):
		msg := ue.Error()
		if ue.Field != "" {
			msg = strings.TrimPrefix(msg, ue.Field+" ")
		}
		return Invalid(join(ue.Field), "%s", msg)
	case errors.As(err, &e):
		return err
	}
	return Invalid(join(""), "%v", err)
}
