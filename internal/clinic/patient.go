package clinic

import (
	"context"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// Sex is the administrative sex of a patient, with FHIR R4's
// AdministrativeGender codes (http://hl7.org/fhir/R4/valueset-administrative-gender.html).
type Sex string

// The AdministrativeGender codes.
const (
	SexFemale  Sex = "female"
	SexMale    Sex = "male"
	SexOther   Sex = "other"
	SexUnknown Sex = "unknown"
)

// Sexes lists every Sex in display order.
var Sexes = []Sex{SexFemale, SexMale, SexOther, SexUnknown}

// Valid reports whether s is one of Sexes.
func (s Sex) Valid() bool {
	switch s {
	case SexFemale, SexMale, SexOther, SexUnknown:
		return true
	}
	return false
}

// Patient holds a patient's identity and contact details. Clinical data
// (intake, diagnosis, courses, journal) hang off the patient's ID in their
// own types.
type Patient struct {
	ID       int64 `json:"id"`
	ClinicID int64 `json:"clinic_id"`
	// MRN is the clinic's medical record number, unique within the clinic.
	MRN        string `json:"mrn"`
	GivenName  string `json:"given_name"`
	FamilyName string `json:"family_name"`
	BirthDate  Date   `json:"birth_date"`
	Sex        Sex    `json:"sex"`
	Phone      string `json:"phone"`
	Email      string `json:"email"`
	// ReferringDoctor is the doctor who referred the patient, as the letter
	// is addressed ("Dr Anna Weber"), and ReferringAddress their practice
	// and postal address, one line per line; both optional.
	ReferringDoctor  string    `json:"referring_doctor,omitempty"`
	ReferringAddress string    `json:"referring_address,omitempty"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// FullName returns "Given Family".
func (p *Patient) FullName() string {
	return strings.TrimSpace(p.GivenName + " " + p.FamilyName)
}

// ReferringAddressLines are the referring doctor's address lines.
func (p *Patient) ReferringAddressLines() []string {
	if p.ReferringAddress == "" {
		return nil
	}
	return strings.Split(p.ReferringAddress, "\n")
}

// Age returns the patient's age in whole years on day.
func (p *Patient) Age(day Date) int { return day.YearsSince(p.BirthDate) }

// Validate checks every field (CheckFields) and names the first one at
// fault; now is the clock's instant, so a birth date after today is refused.
func (p *Patient) Validate(now time.Time) error {
	if err := p.CheckFields(); err != nil {
		return err
	}
	if p.BirthDate.After(DateOf(now)) {
		return Invalid("birth_date", "%s is after today (%s): not a plausible birth date", p.BirthDate, DateOf(now))
	}
	return nil
}

// CheckFields checks every field that does not depend on the date, naming the
// first one at fault; Validate adds the check against today. Parsers that run
// without a clock (the FHIR import) use it and leave Validate to the store.
func (p *Patient) CheckFields() error {
	if err := checkText("mrn", p.MRN, 1, 40); err != nil {
		return err
	}
	if err := checkText("given_name", p.GivenName, 1, 100); err != nil {
		return err
	}
	if err := checkText("family_name", p.FamilyName, 1, 100); err != nil {
		return err
	}
	if p.BirthDate.IsZero() {
		return Invalid("birth_date", "a birth date YYYY-MM-DD is required")
	}
	if p.BirthDate.Year < 1900 {
		return Invalid("birth_date", "%s is not a plausible birth date", p.BirthDate)
	}
	if !p.Sex.Valid() {
		return Invalid("sex", "must be one of female, male, other, unknown")
	}
	if err := checkText("phone", p.Phone, 0, 40); err != nil {
		return err
	}
	if err := checkText("email", p.Email, 0, 200); err != nil {
		return err
	}
	if err := checkText("referring_doctor", p.ReferringDoctor, 0, 200); err != nil {
		return err
	}
	if err := checkLines("referring_address", p.ReferringAddress, 500, 8); err != nil {
		return err
	}
	if p.Email != "" {
		if _, err := mail.ParseAddress(p.Email); err != nil {
			return Invalid("email", "%q is not an e-mail address", p.Email)
		}
	}
	return nil
}

// checkText checks that s is valid UTF-8 without control characters and has
// between min and max characters.
func checkText(field, s string, min, max int) error {
	n := utf8.RuneCountInString(s)
	switch {
	case !utf8.ValidString(s):
		return Invalid(field, "is not valid UTF-8 text")
	case n < min && min == 1:
		return Invalid(field, "is required")
	case n < min:
		return Invalid(field, "needs at least %d characters", min)
	case n > max:
		return Invalid(field, "has %d characters; at most %d are allowed", n, max)
	case strings.TrimSpace(s) != s:
		return Invalid(field, "must not start or end with spaces")
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return Invalid(field, "must not contain control characters")
		}
	}
	return nil
}

// checkLines checks a text of up to maxLines lines (an address): each line
// as checkText, the whole at most max characters.
func checkLines(field, s string, max, maxLines int) error {
	if n := utf8.RuneCountInString(s); n > max {
		return Invalid(field, "has %d characters; at most %d are allowed", n, max)
	}
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	if s == "" {
		return nil
	}
	if len(lines) > maxLines {
		return Invalid(field, "has %d lines; at most %d are allowed", len(lines), maxLines)
	}
	for i, l := range lines {
		if err := checkText(field, l, 0, max); err != nil {
			e := err.(*Error)
			return Invalid(field, "line %d %s", i+1, e.Message)
		}
	}
	return nil
}

// PatientFilter selects patients. The actor's rights narrow it further: staff
// see their clinic's patients, a patient only themself.
type PatientFilter struct {
	// Query matches the start of the MRN, of the family name or of the full
	// name (given then family name, so "ann" and "ann sm" find Ann Smith),
	// case-insensitively: a prefix, so that the search is an index range
	// (issue 16) rather than a scan of every patient.
	Query string
	// After pages forward (keyset pagination, issue 16): only patients
	// after this one in the list's order; nil starts at the first.
	After *PatientKey
	// IDs, when not empty, selects only these patients (the patients of
	// a page of another list, in one query).
	IDs   []int64
	Limit int // 0 means 50; at most 500
}

// PatientKey is a patient's place in the order of FindPatients: family
// name, then given name, then ID (which makes it unique).
type PatientKey struct {
	FamilyName string `json:"f"`
	GivenName  string `json:"g"`
	ID         int64  `json:"id"`
}

// Key returns p's place in the order of FindPatients.
func (p *Patient) Key() PatientKey {
	return PatientKey{FamilyName: p.FamilyName, GivenName: p.GivenName, ID: p.ID}
}

// PatientUpdate holds the fields to change; nil leaves a field as it is.
type PatientUpdate struct {
	MRN        *string `json:"mrn"`
	GivenName  *string `json:"given_name"`
	FamilyName *string `json:"family_name"`
	BirthDate  *Date   `json:"birth_date"`
	Sex        *Sex    `json:"sex"`
	Phone      *string `json:"phone"`
	Email      *string `json:"email"`
	// ReferringDoctor and ReferringAddress: "" clears them.
	ReferringDoctor  *string `json:"referring_doctor"`
	ReferringAddress *string `json:"referring_address"`
}

// Apply writes the non-nil fields of u into p.
func (u *PatientUpdate) Apply(p *Patient) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&p.MRN, u.MRN)
	set(&p.GivenName, u.GivenName)
	set(&p.FamilyName, u.FamilyName)
	set(&p.Phone, u.Phone)
	set(&p.Email, u.Email)
	set(&p.ReferringDoctor, u.ReferringDoctor)
	if u.ReferringAddress != nil {
		a := strings.TrimSpace(strings.ReplaceAll(*u.ReferringAddress, "\r\n", "\n"))
		p.ReferringAddress = a
	}
	if u.BirthDate != nil {
		p.BirthDate = *u.BirthDate
	}
	if u.Sex != nil {
		p.Sex = *u.Sex
	}
}

// PatientService manages patients. Every method checks the actor's rights
// (rights.go) and audits its changes in the same transaction.
type PatientService interface {
	// FindPatientByID returns the patient, or ENOTFOUND if there is none or
	// the actor may not read it.
	FindPatientByID(ctx context.Context, id int64) (*Patient, error)
	// FindPatients returns the first f.Limit patients the actor may see
	// that match f, ordered by family name, given name and ID, and the key
	// to pass as f.After for the next page (nil on the last page).
	FindPatients(ctx context.Context, f PatientFilter) ([]*Patient, *PatientKey, error)
	// CountPatients returns how many patients the actor may see.
	CountPatients(ctx context.Context) (int, error)
	// CreatePatient validates and stores p in the actor's clinic (p.ClinicID
	// for System) and sets its ID. ECONFLICT if the MRN is taken.
	CreatePatient(ctx context.Context, p *Patient) error
	// UpdatePatient applies u to the patient, validates and stores it, and
	// returns the new version.
	UpdatePatient(ctx context.Context, id int64, u PatientUpdate) (*Patient, error)
}

// EachPatient calls fn with every patient of svc that matches f, in the
// order of FindPatients, reading them a page of f.Limit (0: 500) at a time
// so that memory stays bounded by one page. It stops at fn's first error.
func EachPatient(ctx context.Context, svc PatientService, f PatientFilter, fn func(*Patient) error) error {
	if f.Limit == 0 {
		f.Limit = 500
	}
	for {
		page, next, err := svc.FindPatients(ctx, f)
		if err != nil {
			return err
		}
		for _, p := range page {
			if err := fn(p); err != nil {
				return err
			}
		}
		if next == nil {
			return nil
		}
		f.After = next
	}
}
