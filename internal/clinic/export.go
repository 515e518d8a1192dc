package clinic

import (
	"context"

	"github.com/ketatrack/ketatrack/internal/crps"
	"github.com/ketatrack/ketatrack/internal/units"
)

// ActionExport is the audit action of a record read out of ketatrack in
// bulk or for another system: a FHIR read, search, $everything or bulk
// export. Reading a page is not audited; handing records to another system
// is (shared/PRODUCT.md: every export audited).
const ActionExport = "export"

// Export records what was exported, for the audit log's "after".
type Export struct {
	// Format is the export format, e.g. "fhir-r4".
	Format string `json:"format"`
	// Operation is what was asked, e.g. "Patient/$everything", "bulk".
	Operation string `json:"operation"`
	// Resources counts the resources handed out, by resource type.
	Resources map[string]int `json:"resources"`
	// ClinicID is the clinic exported by a clinic-wide export run by the
	// command-line operator (who belongs to no clinic); 0 otherwise.
	ClinicID int64 `json:"clinic_id,omitempty"`
}

// ExportAuditor writes the audit entry of an export. The store implements
// it; the caller must already have read the records with the actor's
// rights, so no right beyond reading is checked here.
type ExportAuditor interface {
	// AuditExport records that the actor exported records of patientID (0
	// for a whole clinic, as in a bulk export) in the actor's clinic.
	AuditExport(ctx context.Context, patientID int64, e Export) error
	// AuditBulkExport records a clinic-wide export in one transaction: one
	// entry for the clinic with e, and one for each patient exported, so
	// that each patient's audit trail accounts for the disclosure.
	AuditBulkExport(ctx context.Context, clinicID int64, patientIDs []int64, e Export) error
}

// PatientImport is a patient with the measurements and CRPS presentation
// read from another system's record (a FHIR Bundle), stored together by
// PatientImporter: all of it or nothing.
type PatientImport struct {
	Patient Patient
	Weights []ImportedWeight
	Heights []ImportedHeight
	// Presentation, when not nil, is saved as the patient's first intake
	// (the affected limbs and onset of an imported CRPS condition), with
	// Notes saying where it came from.
	Presentation *crps.Presentation
	Notes        string
}

// ImportedWeight is one body weight of an import.
type ImportedWeight struct {
	Weight units.BodyWeight
	Measurement
}

// ImportedHeight is one body height of an import.
type ImportedHeight struct {
	Height BodyHeight
	Measurement
}

// PatientImporter stores an imported patient.
type PatientImporter interface {
	// ImportPatient validates everything in in and stores the patient, the
	// weights, the heights and the intake in one transaction, every row
	// audited; on any error nothing is stored. Staff of the clinic (or
	// System, into in.Patient.ClinicID) may import.
	ImportPatient(ctx context.Context, in *PatientImport) (*Patient, error)
}

// CheckHeight refuses a height built in code (not parsed, e.g. read from
// another system's record) that no person could have, naming field.
func CheckHeight(field string, h BodyHeight) error { return checkHeight(field, h) }
