package store_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// fixture is two clinics, each with an admin, a clinician, a nurse and two
// patients, one of whom has an account.
type fixture struct {
	clinics  [2]*clinic.Clinic
	admin    [2]*clinic.User
	nurse    [2]*clinic.User
	patients [2][2]*clinic.Patient
	patientU [2]*clinic.User
}

const testPassword = "correct horse battery"

func sys() context.Context { return clinic.NewContext(context.Background(), clinic.System) }

// as returns a context acting as u.
func as(u *clinic.User) context.Context {
	return clinic.NewContext(context.Background(), &clinic.Actor{UserID: u.ID, ClinicID: u.ClinicID, Login: u.Login,
		Role: u.Role, PatientID: u.PatientID})
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	f := &fixture{}
	names := []string{"north", "south"}
	for i := range 2 {
		c := &clinic.Clinic{Name: "Clinic " + names[i]}
		must(t, db.CreateClinic(sys(), c))
		f.clinics[i] = c
		mkUser := func(login string, role clinic.Role, patientID int64) *clinic.User {
			u := &clinic.User{ClinicID: c.ID, Login: login + "@" + names[i], Name: login, Role: role, PatientID: patientID}
			must(t, db.CreateUser(sys(), u, testPassword))
			return u
		}
		f.admin[i] = mkUser("admin", clinic.RoleAdmin, 0)
		f.nurse[i] = mkUser("nurse", clinic.RoleNurse, 0)
		for j := range 2 {
			p := &clinic.Patient{ClinicID: c.ID, MRN: names[i] + "-" + string(rune('1'+j)), GivenName: "Ann", FamilyName: names[i] + string(rune('a'+j)),
				BirthDate: clinic.Date{Year: 1980, Month: 3, Day: 14 + j}, Sex: clinic.SexFemale}
			must(t, db.CreatePatient(sys(), p))
			f.patients[i][j] = p
		}
		f.patientU[i] = mkUser("patient", clinic.RolePatient, f.patients[i][0].ID)
	}
	return f
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := clinic.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
}

func TestMigrationsSameVersionsOnBothEngines(t *testing.T) {
	a, err := store.Migrations(store.SQLite)
	must(t, err)
	b, err := store.Migrations(store.Postgres)
	must(t, err)
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("sqlite has %d migrations, postgres %d", len(a), len(b))
	}
	for i := range a {
		if a[i].Version != b[i].Version || a[i].Name != b[i].Name {
			t.Errorf("migration %d: %d_%s vs %d_%s", i, a[i].Version, a[i].Name, b[i].Version, b[i].Name)
		}
	}
}

func TestMigrateTwice(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ms, _ := store.Migrations(db.Engine())
		v, err := db.SchemaVersion(context.Background())
		must(t, err)
		if v != len(ms) {
			t.Errorf("schema version %d, want %d", v, len(ms))
		}
		applied, err := db.Migrate(context.Background())
		must(t, err)
		if len(applied) != 0 {
			t.Errorf("second migrate applied %v", applied)
		}
	})
}

func TestPatientsCreateFindUpdate(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		nurse := as(f.nurse[0])
		p := &clinic.Patient{MRN: "N-100", GivenName: "Zoë", FamilyName: "O'Brien", BirthDate: clinic.Date{Year: 1975, Month: 12, Day: 31},
			Sex: clinic.SexFemale, Phone: "+1 555 0100", Email: "zoe@example.org", ClinicID: f.clinics[1].ID}
		must(t, db.CreatePatient(nurse, p))
		if p.ClinicID != f.clinics[0].ID {
			t.Errorf("patient created in clinic %d, want the nurse's clinic %d", p.ClinicID, f.clinics[0].ID)
		}
		got, err := db.FindPatientByID(nurse, p.ID)
		must(t, err)
		if got.FullName() != "Zoë O'Brien" || got.BirthDate != p.BirthDate || got.Email != p.Email || !got.CreatedAt.Equal(p.CreatedAt) {
			t.Errorf("read back %+v, wrote %+v", got, p)
		}
		// Duplicate MRN in the same clinic: ECONFLICT on mrn.
		dup := *p
		err = db.CreatePatient(nurse, &dup)
		wantCode(t, err, clinic.ECONFLICT)
		if clinic.ErrorField(err) != "mrn" {
			t.Errorf("conflict field %q", clinic.ErrorField(err))
		}
		// The same MRN in the other clinic is fine.
		other := *p
		other.ID = 0
		must(t, db.CreatePatient(as(f.nurse[1]), &other))

		phone := "+1 555 0199"
		upd, err := db.UpdatePatient(nurse, p.ID, clinic.PatientUpdate{Phone: &phone})
		must(t, err)
		if upd.Phone != phone || upd.GivenName != "Zoë" {
			t.Errorf("update gave %+v", upd)
		}
		bad := clinic.Sex("f")
		_, err = db.UpdatePatient(nurse, p.ID, clinic.PatientUpdate{Sex: &bad})
		wantCode(t, err, clinic.EINVALID)

		// Every change is in the audit log with before and after.
		entries, err := db.FindAuditEntries(as(f.admin[0]), clinic.AuditFilter{PatientID: p.ID})
		must(t, err)
		if len(entries) != 2 || entries[0].Action != clinic.ActionUpdate || entries[1].Action != clinic.ActionCreate {
			t.Fatalf("audit entries %+v", entries)
		}
		var before, after clinic.Patient
		must(t, json.Unmarshal(entries[0].Before, &before))
		must(t, json.Unmarshal(entries[0].After, &after))
		if before.Phone != "+1 555 0100" || after.Phone != phone || entries[0].ActorLogin != f.nurse[0].Login {
			t.Errorf("audit before %q after %q by %q", before.Phone, after.Phone, entries[0].ActorLogin)
		}
	})
}

func TestPatientRights(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		mine, theirs, otherClinic := f.patients[0][0], f.patients[0][1], f.patients[1][0]
		pat := as(f.patientU[0])

		if _, err := db.FindPatientByID(pat, mine.ID); err != nil {
			t.Errorf("patient cannot read own record: %v", err)
		}
		for _, id := range []int64{theirs.ID, otherClinic.ID, 99999} {
			_, err := db.FindPatientByID(pat, id)
			wantCode(t, err, clinic.ENOTFOUND)
		}
		list, next, err := db.FindPatients(pat, clinic.PatientFilter{})
		must(t, err)
		if next != nil || len(list) != 1 || list[0].ID != mine.ID {
			t.Errorf("patient's list: %v (next %v)", list, next)
		}
		if n, err := db.CountPatients(pat); err != nil || n != 1 {
			t.Errorf("patient's count: %d, %v", n, err)
		}
		name := "Changed"
		_, err = db.UpdatePatient(pat, mine.ID, clinic.PatientUpdate{GivenName: &name})
		wantCode(t, err, clinic.EFORBIDDEN)

		// Staff see only their own clinic.
		_, err = db.FindPatientByID(as(f.nurse[0]), otherClinic.ID)
		wantCode(t, err, clinic.ENOTFOUND)
		_, err = db.UpdatePatient(as(f.nurse[0]), otherClinic.ID, clinic.PatientUpdate{GivenName: &name})
		wantCode(t, err, clinic.ENOTFOUND)
		list, _, err = db.FindPatients(as(f.nurse[0]), clinic.PatientFilter{})
		must(t, err)
		if total, _ := db.CountPatients(as(f.nurse[0])); total != 2 || len(list) != 2 {
			t.Errorf("nurse sees %d (%d listed) patients, want 2", total, len(list))
		}
		for _, p := range list {
			if p.ClinicID != f.clinics[0].ID {
				t.Errorf("nurse sees patient %d of clinic %d", p.ID, p.ClinicID)
			}
		}
		// Anonymous: refused.
		_, err = db.FindPatientByID(context.Background(), mine.ID)
		wantCode(t, err, clinic.EUNAUTHORIZED)
		// Audit log: not for nurses or patients.
		_, err = db.FindAuditEntries(as(f.nurse[0]), clinic.AuditFilter{})
		wantCode(t, err, clinic.EFORBIDDEN)
	})
}

// SQL injection strings in every text field are stored and found literally,
// and LIKE wildcards in a search match only themselves (the search is a
// prefix range, with no wildcards at all).
func TestInjectionStoredLiterally(t *testing.T) {
	evil := []string{
		`Robert'); DROP TABLE patients;--`,
		`' OR '1'='1`,
		`"; DELETE FROM audit_log; --`,
		`100% _sure_ \ backslash`,
		`$1 $2 ?1 :name @x`,
	}
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		nurse := as(f.nurse[0])
		for i, s := range evil {
			p := &clinic.Patient{MRN: s, GivenName: s, FamilyName: s, BirthDate: clinic.Date{Year: 1990, Month: 1, Day: 1 + i},
				Sex: clinic.SexOther, Phone: s[:min(len(s), 40)], Email: ""}
			must(t, db.CreatePatient(nurse, p))
			got, err := db.FindPatientByID(nurse, p.ID)
			must(t, err)
			if got.MRN != s || got.GivenName != s || got.FamilyName != s || got.Phone != p.Phone {
				t.Errorf("stored %q, read %+v", s, got)
			}
			list, _, err := db.FindPatients(nurse, clinic.PatientFilter{Query: s})
			must(t, err)
			if len(list) != 1 || list[0].ID != p.ID {
				t.Errorf("search %q found %d patients", s, len(list))
			}
		}
		// "%" and "_" start no MRN or name; "100%" starts one.
		for q, want := range map[string]int{"%": 0, "_": 0, "100%": 1, "100% _": 1, "100%_": 0} {
			list, _, err := db.FindPatients(nurse, clinic.PatientFilter{Query: q})
			must(t, err)
			if len(list) != want {
				t.Errorf("search %q found %d patients, want %d", q, len(list), want)
			}
		}
		u := &clinic.User{Login: `x'--@north`, Name: evil[0], Role: clinic.RoleNurse}
		must(t, db.CreateUser(as(f.admin[0]), u, evil[1]+evil[2]))
		if _, _, err := db.Login(context.Background(), clinic.LoginRequest{Login: u.Login, Password: evil[1] + evil[2]}); err != nil {
			t.Errorf("login with injection-like password: %v", err)
		}
		if _, _, err := db.Login(context.Background(), clinic.LoginRequest{Login: `' OR 1=1 --`, Password: `' OR 1=1 --`}); clinic.ErrorCode(err) != clinic.EUNAUTHORIZED {
			t.Errorf("injection login: %v", err)
		}
	})
}

func TestLoginSessionsAndThrottle(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		login := f.nurse[0].Login
		s, token, err := db.Login(ctx, clinic.LoginRequest{Login: "  NURSE@north ", Password: testPassword, RemoteAddr: "192.0.2.1"})
		must(t, err)
		if token == "" || s.ExpiresAt.Sub(s.CreatedAt) != clinic.SessionLifetime {
			t.Errorf("session %+v token %q", s, token)
		}
		a, _, err := db.Authenticate(ctx, token)
		must(t, err)
		if a.UserID != f.nurse[0].ID || a.Role != clinic.RoleNurse || a.ClinicID != f.clinics[0].ID {
			t.Errorf("actor %+v", a)
		}
		_, _, err = db.Authenticate(ctx, token+"x")
		wantCode(t, err, clinic.ENOTFOUND)

		// An expired session is refused.
		db.Now = func() time.Time { return time.Now().Add(clinic.SessionLifetime + time.Minute) }
		_, _, err = db.Authenticate(ctx, token)
		wantCode(t, err, clinic.ENOTFOUND)
		db.Now = time.Now

		must(t, db.Logout(ctx, token))
		_, _, err = db.Authenticate(ctx, token)
		wantCode(t, err, clinic.ENOTFOUND)

		// Wrong password LoginFailureLimit times, then even the right one is refused.
		for range clinic.LoginFailureLimit {
			_, _, err := db.Login(ctx, clinic.LoginRequest{Login: login, Password: "wrong password!"})
			wantCode(t, err, clinic.EUNAUTHORIZED)
		}
		_, _, err = db.Login(ctx, clinic.LoginRequest{Login: login, Password: testPassword})
		wantCode(t, err, clinic.ERATELIMIT)
		// Another account is not affected.
		_, _, err = db.Login(ctx, clinic.LoginRequest{Login: f.admin[0].Login, Password: testPassword})
		must(t, err)
		// After the window, the account opens again.
		db.Now = func() time.Time { return time.Now().Add(clinic.LoginFailureWindow + time.Minute) }
		_, _, err = db.Login(ctx, clinic.LoginRequest{Login: login, Password: testPassword})
		must(t, err)
		db.Now = time.Now

		// Logins are audited, failed ones too.
		entries, err := db.FindAuditEntries(as(f.admin[0]), clinic.AuditFilter{Entity: "session"})
		must(t, err)
		counts := map[string]int{}
		for _, e := range entries {
			counts[e.Action]++
		}
		if counts[clinic.ActionLogin] != 3 || counts[clinic.ActionLoginFailed] != clinic.LoginFailureLimit || counts[clinic.ActionLogout] != 1 || counts[store.ActionLoginThrottled] != 1 {
			t.Errorf("audited session actions %v", counts)
		}

		// A disabled user cannot log in, and their sessions end.
		_, token, err = db.Login(ctx, clinic.LoginRequest{Login: f.patientU[0].Login, Password: testPassword})
		must(t, err)
		yes := true
		_, err = db.UpdateUser(as(f.admin[0]), f.patientU[0].ID, clinic.UserUpdate{Disabled: &yes})
		must(t, err)
		_, _, err = db.Authenticate(ctx, token)
		wantCode(t, err, clinic.ENOTFOUND)
		_, _, err = db.Login(ctx, clinic.LoginRequest{Login: f.patientU[0].Login, Password: testPassword})
		wantCode(t, err, clinic.EUNAUTHORIZED)
	})
}

func TestUsers(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		admin := as(f.admin[0])
		u := &clinic.User{Login: "Clin@North", Name: "Dr Who", Role: clinic.RoleClinician}
		must(t, db.CreateUser(admin, u, "short"+"password1"))
		if u.Login != "clin@north" || u.ClinicID != f.clinics[0].ID {
			t.Errorf("created %+v", u)
		}
		err := db.CreateUser(admin, &clinic.User{Login: "clin@north", Name: "Two", Role: clinic.RoleNurse}, testPassword)
		wantCode(t, err, clinic.ECONFLICT)
		err = db.CreateUser(admin, &clinic.User{Login: "p2@north", Name: "P", Role: clinic.RolePatient, PatientID: f.patients[1][0].ID}, testPassword)
		wantCode(t, err, clinic.EINVALID)
		err = db.CreateUser(as(f.nurse[0]), &clinic.User{Login: "n2@north", Name: "N", Role: clinic.RoleNurse}, testPassword)
		wantCode(t, err, clinic.EFORBIDDEN)
		err = db.CreateUser(admin, &clinic.User{Login: "n3@north", Name: "N", Role: clinic.RoleNurse}, "short")
		wantCode(t, err, clinic.EINVALID)

		users, err := db.FindUsers(admin, clinic.UserFilter{})
		must(t, err)
		if len(users) != 4 {
			t.Errorf("admin sees %d users, want 4 of their clinic", len(users))
		}
		_, err = db.FindUsers(as(f.nurse[0]), clinic.UserFilter{})
		wantCode(t, err, clinic.EFORBIDDEN)
		_, err = db.FindUserByID(admin, f.admin[1].ID)
		wantCode(t, err, clinic.ENOTFOUND)

		nurseRole := clinic.RoleNurse
		_, err = db.UpdateUser(admin, f.admin[0].ID, clinic.UserUpdate{Role: &nurseRole})
		wantCode(t, err, clinic.EINVALID)

		// Own password change needs the current one.
		err = db.SetPassword(as(u), u.ID, "wrong", "a new long password")
		wantCode(t, err, clinic.EINVALID)
		must(t, db.SetPassword(as(u), u.ID, "shortpassword1", "a new long password"))
		if _, _, err := db.Login(context.Background(), clinic.LoginRequest{Login: u.Login, Password: "a new long password"}); err != nil {
			t.Errorf("login with new password: %v", err)
		}
		// The audit log never holds a password hash.
		entries, err := db.FindAuditEntries(admin, clinic.AuditFilter{Entity: "user"})
		must(t, err)
		for _, e := range entries {
			if strings.Contains(string(e.After), "argon2") || strings.Contains(string(e.Before), "argon2") {
				t.Errorf("audit entry %d holds a hash", e.ID)
			}
		}
	})
}

// No statement can change or remove audit entries: the triggers refuse.
func TestAuditLogAppendOnly(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		newFixture(t, db)
		for _, q := range []string{
			`UPDATE audit_log SET actor_login = 'mallory'`,
			`DELETE FROM audit_log`,
		} {
			if err := db.ExecRaw(context.Background(), q); err == nil {
				t.Errorf("%s: accepted", q)
			}
		}
		if db.Engine() == store.Postgres {
			if err := db.ExecRaw(context.Background(), `TRUNCATE audit_log`); err == nil {
				t.Errorf("TRUNCATE accepted")
			}
		}
		entries, err := db.FindAuditEntries(sys(), clinic.AuditFilter{})
		must(t, err)
		if len(entries) == 0 {
			t.Fatal("no audit entries")
		}
		for _, e := range entries {
			if e.ActorLogin == "mallory" {
				t.Fatalf("entry %d changed", e.ID)
			}
		}
	})
}

func TestParseLocation(t *testing.T) {
	tests := []struct {
		in     string
		engine store.Engine
		ok     bool
	}{
		{"sqlite:ketatrack.db", store.SQLite, true},
		{"sqlite:/var/lib/ketatrack/k.db", store.SQLite, true},
		{"sqlite://rel.db", store.SQLite, true},
		{"sqlite:", "", false},
		{"sqlite::memory:", "", false},
		{"sqlite:x.db?_pragma=foo", "", false}, // no DSN injection through the path
		{"postgres://u@h:5432/db?sslmode=disable", store.Postgres, true},
		{"postgresql://u@h/db", store.Postgres, true},
		{"mysql://u@h/db", "", false},
		{"ketatrack.db", "", false},
	}
	for _, tt := range tests {
		loc, err := store.ParseLocation(tt.in)
		if (err == nil) != tt.ok || loc.Engine != tt.engine {
			t.Errorf("ParseLocation(%q) = %+v, %v", tt.in, loc, err)
		}
	}
}

func FuzzParseLocation(f *testing.F) {
	for _, s := range []string{"sqlite:k.db", "postgres://u@h/db", "sqlite:a?b", "postgres://%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		loc, err := store.ParseLocation(s)
		if err != nil {
			return
		}
		switch loc.Engine {
		case store.SQLite:
			if loc.Path == "" || strings.ContainsAny(loc.Path, "?#") {
				t.Errorf("%q: SQLite path %q", s, loc.Path)
			}
		case store.Postgres:
			if loc.URL != s {
				t.Errorf("%q: URL %q", s, loc.URL)
			}
		default:
			t.Errorf("%q: engine %q", s, loc.Engine)
		}
	})
}
