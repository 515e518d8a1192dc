package clinic

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Informed consent to a course (issue 15). A clinic keeps its consent form
// as versions (text, version label, effective date), never changed; a
// patient consents to one course against the version in force that day,
// by signing it (their typed name and a ticked statement, in the portal or
// on the desk's tablet) or through a clinician's attestation (a paper form
// signed, or consent taken in person). A course's first check-in is refused
// without a consent, and every check-in after a withdrawal.

// ConsentForm is one version of a clinic's consent form.
type ConsentForm struct {
	ID            int64     `json:"id"`
	ClinicID      int64     `json:"clinic_id"`
	Version       string    `json:"version"`
	Title         string    `json:"title"`
	Body          string    `json:"body"`
	EffectiveFrom Date      `json:"effective_from"`
	CreatedByName string    `json:"created_by_name"`
	CreatedAt     time.Time `json:"created_at"`
}

// ConsentFormInput is a new version as the form and the API send it.
type ConsentFormInput struct {
	Version       string `json:"version"`
	Title         string `json:"title"`
	Body          string `json:"body"`
	EffectiveFrom string `json:"effective_from"`
}

// Parse checks a new form version.
func (in ConsentFormInput) Parse() (ConsentForm, error) {
	f := ConsentForm{Version: strings.TrimSpace(in.Version), Title: strings.TrimSpace(in.Title), Body: strings.TrimSpace(in.Body)}
	if err := checkText("version", f.Version, 1, 40); err != nil {
		return f, err
	}
	if err := checkText("title", f.Title, 1, 200); err != nil {
		return f, err
	}
	f.Body = strings.ReplaceAll(f.Body, "\r\n", "\n")
	if err := checkText("body", strings.NewReplacer("\n", " ", "\t", " ").Replace(f.Body), 20, 50000); err != nil {
		return f, err
	}
	d, err := ParseDate(strings.TrimSpace(in.EffectiveFrom))
	if err != nil {
		return f, Invalid("effective_from", "%q is not a date (YYYY-MM-DD)", in.EffectiveFrom)
	}
	f.EffectiveFrom = d
	return f, nil
}

// ConsentMethod is how a consent was given.
type ConsentMethod string

// The ways of consenting.
const (
	ConsentPortal      ConsentMethod = "portal"      // the patient, logged in, in the portal
	ConsentDesk        ConsentMethod = "desk"        // the patient, on the clinic's tablet, staff present
	ConsentAttestation ConsentMethod = "attestation" // a clinician attests consent taken outside ketatrack
)

// ConsentStatement is what a signing patient ticks.
const ConsentStatement = "I have read this consent form, my questions have been answered, and I agree to this course of ketamine infusions."

// AttestationStatement is what an attesting clinician ticks.
const AttestationStatement = "I attest that the patient gave informed consent to this course, on this form version, after its risks, benefits and alternatives were explained."

// Consent is a patient's consent to one course.
type Consent struct {
	ID             int64         `json:"id"`
	ClinicID       int64         `json:"clinic_id"`
	PatientID      int64         `json:"patient_id"`
	CourseID       int64         `json:"course_id"`
	FormID         int64         `json:"form_id"`
	FormVersion    string        `json:"form_version"`
	Method         ConsentMethod `json:"method"`
	SignedName     string        `json:"signed_name"`
	Statement      string        `json:"statement"`
	RecordedByName string        `json:"recorded_by_name"`
	RecordedAt     time.Time     `json:"recorded_at"`
	// Withdrawal, once recorded, blocks further check-ins.
	Withdrawal *ConsentWithdrawal `json:"withdrawal,omitempty"`
}

// ConsentWithdrawal is the withdrawal of a consent.
type ConsentWithdrawal struct {
	Reason         string    `json:"reason"`
	RecordedByName string    `json:"recorded_by_name"`
	RecordedAt     time.Time `json:"recorded_at"`
}

// ConsentInput is a signature or an attestation.
type ConsentInput struct {
	Method ConsentMethod `json:"method"`
	// SignedName is the patient's full name as they type it (portal, desk)
	// or empty for an attestation (the clinician is the one recording).
	SignedName string `json:"signed_name"`
	// Agreed is the ticked statement.
	Agreed bool `json:"agreed"`
}

// Check validates a consent by actor a for patient p.
func (in ConsentInput) Check(a *Actor, p *Patient) error {
	switch in.Method {
	case ConsentPortal:
		if a.Role != RolePatient {
			return Invalid("method", "the portal signature is the patient's own; staff record a desk signature or a clinician's attestation")
		}
	case ConsentDesk:
		if !a.System && a.Role != RoleNurse && a.Role != RoleClinician && a.Role != RoleAdmin {
			return Invalid("method", "a desk signature is recorded by clinic staff")
		}
	case ConsentAttestation:
		if !a.System && a.Role != RoleClinician {
			return Invalid("method", "only a clinician may attest consent")
		}
	default:
		return Invalid("method", "%q is not a way of consenting (portal, desk or attestation)", in.Method)
	}
	if !in.Agreed {
		return Invalid("agreed", "tick the statement to consent")
	}
	if in.Method == ConsentAttestation {
		return nil
	}
	name := strings.TrimSpace(in.SignedName)
	if name == "" {
		return Invalid("signed_name", "the patient types their full name to sign")
	}
	if foldName(name) != foldName(p.FullName()) {
		return Invalid("signed_name", "the typed name %q is not the patient's name as registered (%s)", name, p.FullName())
	}
	return nil
}

// foldName compares names without case or spacing.
func foldName(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}

// ConsentMissing is the check-in's refusal when a course has no consent.
func ConsentMissing(courseID int64) *Error {
	return &Error{Code: ECONFLICT, Field: "consent", Message: "Check-in refused: this course has no recorded consent. " +
		"Record the patient's signature (in the portal, or at the desk) or a clinician's attestation under Consent on the course page " +
		"(/courses/" + strconv.FormatInt(courseID, 10) + "/consent) before the first session."}
}

// ConsentWithdrawn is the check-in's refusal after a withdrawal.
func ConsentWithdrawn(c *Consent) *Error {
	return &Error{Code: ECONFLICT, Field: "consent", Message: "Check-in refused: the patient withdrew consent to this course on " +
		c.Withdrawal.RecordedAt.UTC().Format("2006-01-02") + " (" + c.Withdrawal.Reason + "). No further sessions may start; " +
		"a new consent must be recorded on the course page before any."}
}

// CanManageConsentForms reports whether a may add consent form versions for
// clinicID: its administrators and clinicians.
func CanManageConsentForms(a *Actor, clinicID int64) bool {
	if a == nil {
		return false
	}
	return a.System || (a.ClinicID == clinicID && (a.Role == RoleAdmin || a.Role == RoleClinician))
}

// ConsentService keeps consent forms and consents.
type ConsentService interface {
	// CreateConsentForm adds a version of the actor's clinic's form
	// (administrators and clinicians).
	CreateConsentForm(ctx context.Context, in ConsentFormInput) (*ConsentForm, error)
	// FindConsentForms returns the clinic's form versions, newest first
	// (anyone of the clinic, patients included).
	FindConsentForms(ctx context.Context) ([]*ConsentForm, error)
	// CurrentConsentForm returns the version in force on date on, or
	// ENOTFOUND.
	CurrentConsentForm(ctx context.Context, on Date) (*ConsentForm, error)
	// RecordConsent records consent to a course against the version in
	// force today (the patient themselves, or staff; see ConsentInput.Check).
	RecordConsent(ctx context.Context, courseID int64, in ConsentInput) (*Consent, error)
	// FindConsents returns a course's consents, newest first.
	FindConsents(ctx context.Context, courseID int64) ([]*Consent, error)
	// WithdrawConsent records the withdrawal of a consent (the patient, or
	// staff recording it), with the reason.
	WithdrawConsent(ctx context.Context, consentID int64, reason string) (*Consent, error)
}
