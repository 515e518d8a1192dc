package clinic

import (
	"context"
	"fmt"
)

// ActionPrint is the audit action of a document generated for printing or
// as a PDF: who produced which document of which patient, when, in what
// format, and the SHA-256 of the bytes handed out.
const ActionPrint = "print"

// DocumentKind names a document ketatrack prints.
type DocumentKind string

// The documents (issue 15): the signed plan for the infusion room, the
// record of one session, the letter to the referring doctor and the
// patient's discharge instructions.
const (
	DocPlan      DocumentKind = "plan"
	DocSession   DocumentKind = "session-record"
	DocLetter    DocumentKind = "referral-letter"
	DocDischarge DocumentKind = "discharge-instructions"
)

// Title is the document's name as printed.
func (k DocumentKind) Title() string {
	switch k {
	case DocPlan:
		return "Infusion plan"
	case DocSession:
		return "Infusion session record"
	case DocLetter:
		return "Letter to the referring doctor"
	case DocDischarge:
		return "Discharge instructions"
	}
	return string(k)
}

// CanPrintDocument reports whether a may produce document kind of a patient
// of clinicID: the clinic's staff any of them; the patient their own plan
// and discharge instructions (the session record and the letter are
// clinical correspondence, given to the patient by the clinic if at all).
func CanPrintDocument(a *Actor, kind DocumentKind, clinicID, patientID int64) bool {
	switch {
	case a == nil:
		return false
	case a.System:
		return true
	case a.Role == RolePatient:
		return (kind == DocPlan || kind == DocDischarge) && a.PatientID != 0 && a.PatientID == patientID
	case a.Role.IsStaff():
		return a.ClinicID == clinicID
	}
	return false
}

// DocumentPrint is the audit record of one document produced.
type DocumentPrint struct {
	Kind DocumentKind `json:"kind"`
	// Format is html (the printable page) or pdf.
	Format    string `json:"format"`
	Paper     string `json:"paper"`
	PatientID int64  `json:"patient_id"`
	// Entity and EntityID are the record printed: course (with Version, the
	// plan version), infusion_session, or patient.
	Entity   string `json:"entity"`
	EntityID int64  `json:"entity_id"`
	Version  int    `json:"version,omitempty"`
	// SHA256 is the hex digest of the document's bytes as handed out.
	SHA256 string `json:"sha256"`
	Bytes  int    `json:"bytes"`
}

// Validate checks the record.
func (d *DocumentPrint) Validate() error {
	switch d.Kind {
	case DocPlan, DocSession, DocLetter, DocDischarge:
	default:
		return Invalid("kind", "%q is not a document ketatrack prints", d.Kind)
	}
	if d.Format != "html" && d.Format != "pdf" {
		return Invalid("format", "must be html or pdf, got %q", d.Format)
	}
	if d.PatientID <= 0 || d.EntityID <= 0 || d.Entity == "" {
		return Invalid("entity", "a document names its patient and record")
	}
	if len(d.SHA256) != 64 {
		return Invalid("sha256", "must be a hex SHA-256 digest, got %d characters", len(d.SHA256))
	}
	return nil
}

// String is "plan (pdf, a4) of course 3 v2".
func (d *DocumentPrint) String() string {
	s := fmt.Sprintf("%s (%s, %s) of %s %d", d.Kind, d.Format, d.Paper, d.Entity, d.EntityID)
	if d.Version > 0 {
		s += fmt.Sprintf(" v%d", d.Version)
	}
	return s
}

// DocumentService records the documents produced.
type DocumentService interface {
	// RecordPrint appends d to the audit log as ActionPrint, after checking
	// CanPrintDocument against the patient's clinic (ENOTFOUND for a
	// patient the actor may not read, EFORBIDDEN for a document they may
	// not print).
	RecordPrint(ctx context.Context, d *DocumentPrint) error
}
