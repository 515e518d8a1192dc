package demo_test

import (
	"context"
	"regexp"
	"testing"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/demo"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

func TestLoadOnlyIntoEmptyDatabase(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r, err := demo.Load(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Patients) != 12 {
			t.Errorf("%d patients, want a dozen", len(r.Patients))
		}
		roles := map[clinic.Role]bool{}
		pwShape := regexp.MustCompile(`^[a-z2-9]{4}(-[a-z2-9]{4}){3}$`)
		for _, c := range r.Credentials {
			roles[c.Role] = true
			if !pwShape.MatchString(c.Password) {
				t.Errorf("%s password %q", c.Login, c.Password)
			}
			if _, _, err := db.Login(ctx, clinic.LoginRequest{Login: c.Login, Password: c.Password}); err != nil {
				t.Errorf("demo login %s: %v", c.Login, err)
			}
		}
		for _, role := range clinic.Roles {
			if !roles[role] {
				t.Errorf("no demo user with role %s", role)
			}
		}
		// The patient account reaches its own record only.
		pat := r.Users[clinic.RolePatient]
		actx := clinic.NewContext(ctx, &clinic.Actor{UserID: pat.ID, ClinicID: pat.ClinicID, Role: pat.Role, PatientID: pat.PatientID})
		if _, err := db.FindPatientByID(actx, r.Patients[0].ID); err != nil {
			t.Errorf("patient reads own record: %v", err)
		}
		if _, err := db.FindPatientByID(actx, r.Patients[1].ID); clinic.ErrorCode(err) != clinic.ENOTFOUND {
			t.Errorf("patient reads another record: %v", err)
		}
		// A second load is refused and changes nothing.
		if _, err := demo.Load(ctx, db); clinic.ErrorCode(err) != clinic.ECONFLICT {
			t.Errorf("second load: %v", err)
		}
		total, err := db.CountPatients(clinic.NewContext(ctx, clinic.System))
		if err != nil || total != 12 {
			t.Errorf("after a refused second load: %d patients, %v", total, err)
		}
	})
}
