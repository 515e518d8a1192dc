package web

import (
	"net/http"

	"github.com/ketatrack/ketatrack/internal/clinic"
)

type homeData struct {
	Clinic        *clinic.Clinic
	PatientCount  int
	Patient       *clinic.Patient // the patient's own record, for RolePatient
	RecentChanges []*clinic.AuditEntry
}

func (s *Server) homePage(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	ctx := r.Context()
	d := homeData{}
	var err error
	if d.Clinic, err = s.Clinics.FindClinicByID(ctx, a.ClinicID); err != nil {
		return err
	}
	if a.Role == clinic.RolePatient {
		if d.Patient, err = s.Patients.FindPatientByID(ctx, a.PatientID); err != nil {
			return err
		}
	} else {
		if d.PatientCount, err = s.Patients.CountPatients(ctx); err != nil {
			return err
		}
	}
	if clinic.CanReadAudit(a, a.ClinicID) {
		if d.RecentChanges, err = s.Audit.FindAuditEntries(ctx, clinic.AuditFilter{Limit: 8}); err != nil {
			return err
		}
	}
	s.render(w, r, http.StatusOK, "home", &page{Title: "Home", Data: d})
	return nil
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, http.StatusOK, "account", &page{Title: "Your account", Form: newForm()})
	return nil
}

func (s *Server) accountPassword(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	f := newForm()
	current, pw, again := r.PostForm.Get("current_password"), r.PostForm.Get("password"), r.PostForm.Get("password_again")
	var err error
	if pw != again {
		err = clinic.Invalid("password_again", "does not match the new password")
	} else {
		err = s.Users.SetPassword(r.Context(), actor(r).UserID, current, pw)
	}
	if err != nil {
		if clinic.ErrorCode(err) != clinic.EINVALID {
			return err
		}
		f.setErr(err)
		s.render(w, r, ErrorStatus(err), "account", &page{Title: "Your account", Form: f})
		return nil
	}
	http.Redirect(w, r, "/account?flash=Password+changed.", http.StatusSeeOther)
	return nil
}
