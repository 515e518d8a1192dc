package clinic

import (
	"testing"
	"time"
)

func TestRights(t *testing.T) {
	const clinicA, clinicB = 1, 2
	const patient1, patient2 = 10, 11 // both in clinic A
	nurseA := &Actor{UserID: 1, ClinicID: clinicA, Role: RoleNurse}
	adminA := &Actor{UserID: 2, ClinicID: clinicA, Role: RoleAdmin}
	clinicianB := &Actor{UserID: 3, ClinicID: clinicB, Role: RoleClinician}
	pat1 := &Actor{UserID: 4, ClinicID: clinicA, Role: RolePatient, PatientID: patient1}
	patNoRecord := &Actor{UserID: 5, ClinicID: clinicA, Role: RolePatient}
	tests := []struct {
		name                 string
		a                    *Actor
		clinic, patient      int64
		read, write, journal bool
	}{
		{"nobody", nil, clinicA, patient1, false, false, false},
		{"system", System, clinicB, patient2, true, true, true},
		{"nurse, own clinic", nurseA, clinicA, patient1, true, true, true},
		{"admin, own clinic", adminA, clinicA, patient2, true, true, true},
		{"clinician, other clinic", clinicianB, clinicA, patient1, false, false, false},
		{"patient, own record", pat1, clinicA, patient1, true, false, true},
		{"patient, another patient", pat1, clinicA, patient2, false, false, false},
		{"patient account without a record", patNoRecord, clinicA, 0, false, false, false},
	}
	for _, tt := range tests {
		if got := CanReadPatientRecord(tt.a, tt.clinic, tt.patient); got != tt.read {
			t.Errorf("%s: read = %v", tt.name, got)
		}
		if got := CanWritePatientRecord(tt.a, tt.clinic, tt.patient); got != tt.write {
			t.Errorf("%s: write = %v", tt.name, got)
		}
		if got := CanWriteOwnJournal(tt.a, tt.clinic, tt.patient); got != tt.journal {
			t.Errorf("%s: journal = %v", tt.name, got)
		}
	}
	if !CanManageUsers(adminA, clinicA) || CanManageUsers(adminA, clinicB) || CanManageUsers(nurseA, clinicA) {
		t.Error("CanManageUsers")
	}
	if !CanReadAudit(adminA, clinicA) || CanReadAudit(nurseA, clinicA) || CanReadAudit(pat1, clinicA) || CanReadAudit(clinicianB, clinicA) {
		t.Error("CanReadAudit")
	}
}

// validateSaturday is the clock of the validation tests: Saturday
// 2026-12-05, 10:00 UTC.
var validateSaturday = time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)

func TestPatientValidate(t *testing.T) {
	ok := Patient{MRN: "A-1", GivenName: "Ann", FamilyName: "Lee", BirthDate: Date{1980, 1, 2}, Sex: SexFemale}
	if err := ok.Validate(validateSaturday); err != nil {
		t.Fatalf("valid patient: %v", err)
	}
	tests := []struct {
		field  string
		change func(p *Patient)
	}{
		{"mrn", func(p *Patient) { p.MRN = "" }},
		{"mrn", func(p *Patient) { p.MRN = " A-1" }},
		{"given_name", func(p *Patient) { p.GivenName = "Ann\x00" }},
		{"family_name", func(p *Patient) { p.FamilyName = string(make([]byte, 101)) }},
		{"birth_date", func(p *Patient) { p.BirthDate = Date{} }},
		{"birth_date", func(p *Patient) { p.BirthDate = Date{1850, 1, 1} }},
		{"birth_date", func(p *Patient) { p.BirthDate = Date{2999, 1, 1} }},
		{"birth_date", func(p *Patient) { p.BirthDate = Date{2026, 12, 6} }}, // the day after the clock's today
		{"sex", func(p *Patient) { p.Sex = "F" }},
		{"email", func(p *Patient) { p.Email = "not an address" }},
	}
	for _, tt := range tests {
		p := ok
		tt.change(&p)
		err := p.Validate(validateSaturday)
		if ErrorCode(err) != EINVALID || ErrorField(err) != tt.field {
			t.Errorf("want EINVALID on %s, got %v (field %q)", tt.field, err, ErrorField(err))
		}
	}
}

func TestUserValidate(t *testing.T) {
	tests := []struct {
		u     User
		field string
	}{
		{User{Login: "nurse", Name: "N", Role: RoleNurse}, ""},
		{User{Login: "Nurse", Name: "N", Role: RoleNurse}, "login"},
		{User{Login: "a b", Name: "N", Role: RoleNurse}, "login"},
		{User{Login: "nurse", Name: "N", Role: "doctor"}, "role"},
		{User{Login: "pat", Name: "P", Role: RolePatient}, "patient_id"},
		{User{Login: "pat", Name: "P", Role: RoleNurse, PatientID: 3}, "patient_id"},
	}
	for _, tt := range tests {
		err := tt.u.Validate()
		if ErrorField(err) != tt.field || (tt.field == "") != (err == nil) {
			t.Errorf("%+v: %v", tt.u, err)
		}
	}
}

func TestErrorHelpers(t *testing.T) {
	if ErrorCode(nil) != "" || ErrorMessage(nil) != "" {
		t.Error("nil error")
	}
	plain := errTest("db exploded: password=secret")
	if ErrorCode(plain) != EINTERNAL || ErrorMessage(plain) != "Internal error." {
		t.Error("an internal error's detail must not reach the user")
	}
	e := Invalid("weight", "needs a unit, e.g. 70kg")
	if e.Error() != "weight: needs a unit, e.g. 70kg" || ErrorCode(e) != EINVALID {
		t.Errorf("Invalid: %v", e)
	}
}

type errTest string

func (e errTest) Error() string { return string(e) }
