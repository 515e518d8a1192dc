// Package demo fills an empty database with a fictional demo clinic: one
// user of each role with a freshly generated password, and a dozen fictional
// patients with plausible demographics. `ketatrack serve --demo` calls Load.
//
// Later features add their own demo data (courses, sessions, journals) with
// AddStep from a file of their own in this package; steps run in the order
// added, after the clinic, users and patients exist.
package demo

import (
	"context"
	"fmt"
	mrand "math/rand/v2"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/store"
)

// Credential is a demo login, printed once when the data are loaded.
type Credential struct {
	Role     clinic.Role
	Name     string
	Login    string
	Password string
}

// Result is what Load created; steps read and extend it.
type Result struct {
	Clinic      *clinic.Clinic
	Credentials []Credential
	Users       map[clinic.Role]*clinic.User
	Patients    []*clinic.Patient
}

// As returns ctx acting as the demo user of role, for steps whose records
// must be made by a named member of staff (a plan signed by the clinician,
// a session charted by the nurse) rather than by the System actor.
func (r *Result) As(ctx context.Context, role clinic.Role) context.Context {
	u := r.Users[role]
	return clinic.NewContext(ctx, &clinic.Actor{UserID: u.ID, ClinicID: u.ClinicID, Login: u.Login, Name: u.Name,
		Role: u.Role, PatientID: u.PatientID})
}

// Step adds demo data of one feature. ctx carries the System actor (use
// Result.As to act as a demo user); rng is seeded so that the demo looks the
// same on every load (passwords aside).
type Step func(ctx context.Context, db *store.DB, r *Result, rng *mrand.Rand) error

type namedStep struct {
	name string
	fn   Step
}

var steps []namedStep

// AddStep registers a step; call it from an init function.
func AddStep(name string, fn Step) { steps = append(steps, namedStep{name, fn}) }

// demoPatient is a fictional patient. CRPS affects women more often (36 of
// 40 in Goldberg et al. 2005, seeds/003_55ad5919aae10607.txt), so most are
// women; ages span the adult range of the seeds' studies.
type demoPatient struct {
	given, family string
	sex           clinic.Sex
	birth         clinic.Date
}

var demoPatients = []demoPatient{
	{"Maria", "Alvarez", clinic.SexFemale, clinic.Date{Year: 1978, Month: 4, Day: 12}},
	{"Hannah", "Becker", clinic.SexFemale, clinic.Date{Year: 1985, Month: 9, Day: 3}},
	{"Olivia", "Chen", clinic.SexFemale, clinic.Date{Year: 1969, Month: 1, Day: 27}},
	{"Grace", "Dubois", clinic.SexFemale, clinic.Date{Year: 1991, Month: 6, Day: 18}},
	{"Amira", "El-Sayed", clinic.SexFemale, clinic.Date{Year: 1974, Month: 11, Day: 5}},
	{"Lucy", "Fitzgerald", clinic.SexFemale, clinic.Date{Year: 1988, Month: 2, Day: 14}},
	{"Sofia", "García", clinic.SexFemale, clinic.Date{Year: 1962, Month: 8, Day: 30}},
	{"Ingrid", "Halvorsen", clinic.SexFemale, clinic.Date{Year: 1980, Month: 12, Day: 9}},
	{"Priya", "Iyer", clinic.SexFemale, clinic.Date{Year: 1995, Month: 3, Day: 22}},
	{"Jonas", "Keller", clinic.SexMale, clinic.Date{Year: 1971, Month: 7, Day: 1}},
	{"Daniel", "Mensah", clinic.SexMale, clinic.Date{Year: 1983, Month: 10, Day: 16}},
	{"Robin", "Novak", clinic.SexOther, clinic.Date{Year: 1990, Month: 5, Day: 8}},
}

// Load creates the demo clinic in an empty database and returns what it
// made, including the generated passwords. It refuses (ECONFLICT) a database
// that already holds a clinic, so demo data never mix with real records.
func Load(ctx context.Context, db *store.DB) (*Result, error) {
	empty, err := db.IsEmpty(ctx)
	if err != nil {
		return nil, err
	}
	if !empty {
		return nil, clinic.Errorf(clinic.ECONFLICT, "the database already holds data; demo data are loaded only into an empty database")
	}
	ctx = clinic.NewContext(ctx, clinic.System)
	rng := mrand.New(mrand.NewPCG(2005, 3)) // fixed seed: the same demo every time
	r := &Result{Users: map[clinic.Role]*clinic.User{}}

	r.Clinic = &clinic.Clinic{Name: "Riverside Pain Clinic (demo)"}
	if err := db.CreateClinic(ctx, r.Clinic); err != nil {
		return nil, fmt.Errorf("demo clinic: %w", err)
	}
	for i, dp := range demoPatients {
		p := &clinic.Patient{
			ClinicID: r.Clinic.ID, MRN: fmt.Sprintf("DEMO-%04d", 1001+i),
			GivenName: dp.given, FamilyName: dp.family, BirthDate: dp.birth, Sex: dp.sex,
			// 555-0100 to 555-0199 are reserved for fiction (NANPA); example.org
			// is reserved for examples (RFC 2606).
			Phone: fmt.Sprintf("+1 555 01%02d", 10+i),
			Email: fmt.Sprintf("%s.%s@example.org", lowerASCII(dp.given), lowerASCII(dp.family)),
		}
		if i == 1 {
			// Hannah Becker's course has sessions: her letter goes to her
			// family doctor (a fictional practice).
			p.ReferringDoctor = "Dr Paul Lindqvist"
			p.ReferringAddress = "Harbour Street Family Practice\n14 Harbour Street\nRiverside RV1 4HS"
		}
		if err := db.CreatePatient(ctx, p); err != nil {
			return nil, fmt.Errorf("demo patient %s: %w", p.MRN, err)
		}
		r.Patients = append(r.Patients, p)
	}
	staff := []struct {
		role  clinic.Role
		login string
		name  string
	}{
		{clinic.RoleAdmin, "admin", "Alex Morgan"},
		{clinic.RoleClinician, "clinician", "Dr. Nadia Okafor"},
		{clinic.RoleNurse, "nurse", "Sam Rivera, RN"},
		{clinic.RolePatient, "patient", r.Patients[0].FullName()},
	}
	for _, s := range staff {
		pw, err := clinic.GeneratePassword()
		if err != nil {
			return nil, err
		}
		u := &clinic.User{ClinicID: r.Clinic.ID, Login: s.login, Name: s.name, Role: s.role}
		if s.role == clinic.RolePatient {
			u.PatientID = r.Patients[0].ID
		}
		if err := db.CreateUser(ctx, u, pw); err != nil {
			return nil, fmt.Errorf("demo user %s: %w", s.login, err)
		}
		r.Users[s.role] = u
		r.Credentials = append(r.Credentials, Credential{Role: s.role, Name: s.name, Login: s.login, Password: pw})
	}
	for _, s := range steps {
		if err := s.fn(ctx, db, r, rng); err != nil {
			return nil, fmt.Errorf("demo %s: %w", s.name, err)
		}
	}
	return r, nil
}

func lowerASCII(s string) string {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case r >= 'A' && r <= 'Z':
			out = append(out, byte(r-'A'+'a'))
		case r >= 'a' && r <= 'z':
			out = append(out, byte(r))
		case r == 'í':
			out = append(out, 'i')
		}
	}
	return string(out)
}
