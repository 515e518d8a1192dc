package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/ketatrack/ketatrack/internal/clinic"
)

// pathID reads the {id} path parameter; a malformed one is ENOTFOUND, like
// an ID that does not exist.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, clinic.Errorf(clinic.ENOTFOUND, "No such record.")
	}
	return id, nil
}

// pathPatient loads patient {id}: pathID, then the patient service, whose
// errors (ENOTFOUND, EFORBIDDEN) pass through unchanged.
func (s *Server) pathPatient(r *http.Request) (*clinic.Patient, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return s.Patients.FindPatientByID(r.Context(), id)
}

// queryInt reads a non-negative integer query parameter (0 if absent).
func queryInt(r *http.Request, name string) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, clinic.Invalid(name, "must be a whole number ≥ 0")
	}
	return n, nil
}

type patientsData struct {
	Patients []*clinic.Patient
	Query    string
	// First is true on the first page; Next is the cursor of the next page
	// ("" on the last).
	First bool
	Next  string
}

const patientsPerPage = 25

// patientCursor is the cursor of the patient list (clinic.PatientKey).
type patientCursor clinic.PatientKey

func (k *patientCursor) valid() bool { return k.ID > 0 }

// patientsAfter reads the patient list's ?after cursor.
func patientsAfter(r *http.Request) (*clinic.PatientKey, error) {
	k, err := afterCursor[patientCursor](r)
	return (*clinic.PatientKey)(k), err
}

func (s *Server) patientsPage(w http.ResponseWriter, r *http.Request) error {
	after, err := patientsAfter(r)
	if err != nil {
		return err
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	list, next, err := s.Patients.FindPatients(r.Context(), clinic.PatientFilter{Query: q, After: after, Limit: patientsPerPage})
	if err != nil {
		return err
	}
	p := &page{Title: "Patients", Data: patientsData{Patients: list, Query: q, First: after == nil, Next: encodeCursor(next)}}
	if isHTMX(r) && r.Header.Get("HX-Target") == "patient-results" {
		s.renderPartial(w, r, "patients", "patient_results", p)
		return nil
	}
	s.render(w, r, http.StatusOK, "patients", p)
	return nil
}

// patientForm reads the patient fields of a submitted form into p.
func patientForm(r *http.Request, p *clinic.Patient) (*form, error) {
	f := newForm()
	if err := parseForm(r); err != nil {
		return f, err
	}
	for _, k := range []string{"mrn", "given_name", "family_name", "birth_date", "sex", "phone", "email", "referring_doctor", "referring_address"} {
		f.Values[k] = strings.TrimSpace(r.PostForm.Get(k))
	}
	p.MRN, p.GivenName, p.FamilyName = f.Values["mrn"], f.Values["given_name"], f.Values["family_name"]
	p.Sex, p.Phone, p.Email = clinic.Sex(f.Values["sex"]), f.Values["phone"], f.Values["email"]
	p.ReferringDoctor = f.Values["referring_doctor"]
	p.ReferringAddress = strings.ReplaceAll(f.Values["referring_address"], "\r\n", "\n")
	p.BirthDate = clinic.Date{}
	if v := f.Values["birth_date"]; v != "" {
		d, err := clinic.ParseDate(v)
		if err != nil {
			return f, clinic.Invalid("birth_date", "%v", err)
		}
		p.BirthDate = d
	}
	return f, nil
}

func patientValues(p *clinic.Patient) *form {
	f := newForm()
	f.Values = map[string]string{"mrn": p.MRN, "given_name": p.GivenName, "family_name": p.FamilyName,
		"birth_date": p.BirthDate.String(), "sex": string(p.Sex), "phone": p.Phone, "email": p.Email,
		"referring_doctor": p.ReferringDoctor, "referring_address": p.ReferringAddress}
	return f
}

type patientFormData struct {
	Patient *clinic.Patient // nil for a new patient
}

func (s *Server) patientNewPage(w http.ResponseWriter, r *http.Request) error {
	f := newForm()
	f.Values["sex"] = string(clinic.SexUnknown)
	s.render(w, r, http.StatusOK, "patient_form", &page{Title: "New patient", Form: f, Data: patientFormData{}})
	return nil
}

func (s *Server) patientCreate(w http.ResponseWriter, r *http.Request) error {
	p := &clinic.Patient{}
	f, err := patientForm(r, p)
	if err == nil {
		err = s.Patients.CreatePatient(r.Context(), p)
	}
	if err != nil {
		if c := clinic.ErrorCode(err); c != clinic.EINVALID && c != clinic.ECONFLICT {
			return err
		}
		f.setErr(err)
		s.render(w, r, ErrorStatus(err), "patient_form", &page{Title: "New patient", Form: f, Data: patientFormData{}})
		return nil
	}
	http.Redirect(w, r, "/patients/"+strconv.FormatInt(p.ID, 10)+"?flash=Patient+registered.", http.StatusSeeOther)
	return nil
}

type patientData struct {
	Patient *clinic.Patient
	History []*clinic.AuditEntry // shown to those who may read the audit log
	Workup  *workupView          // intake, diagnosis, screening (intake.go)
}

func (s *Server) patientPage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.pathPatient(r)
	if err != nil {
		return err
	}
	d := patientData{Patient: p}
	if d.Workup, err = s.workupView(r, p); err != nil {
		return err
	}
	if a := actor(r); clinic.CanReadAudit(a, p.ClinicID) {
		d.History, err = s.Audit.FindAuditEntries(r.Context(), clinic.AuditFilter{PatientID: p.ID, Limit: 10})
		if err != nil {
			return err
		}
	}
	s.render(w, r, http.StatusOK, "patient", &page{Title: p.FullName(), Data: d})
	return nil
}

func (s *Server) patientEditPage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.pathPatient(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "patient_form", &page{Title: "Edit " + p.FullName(), Form: patientValues(p), Data: patientFormData{Patient: p}})
	return nil
}

func (s *Server) patientUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	old, err := s.Patients.FindPatientByID(r.Context(), id)
	if err != nil {
		return err
	}
	p := *old
	f, err := patientForm(r, &p)
	if err == nil {
		_, err = s.Patients.UpdatePatient(r.Context(), id, clinic.PatientUpdate{MRN: &p.MRN, GivenName: &p.GivenName,
			FamilyName: &p.FamilyName, BirthDate: &p.BirthDate, Sex: &p.Sex, Phone: &p.Phone, Email: &p.Email,
			ReferringDoctor: &p.ReferringDoctor, ReferringAddress: &p.ReferringAddress})
	}
	if err != nil {
		if c := clinic.ErrorCode(err); c != clinic.EINVALID && c != clinic.ECONFLICT {
			return err
		}
		f.setErr(err)
		s.render(w, r, ErrorStatus(err), "patient_form", &page{Title: "Edit " + old.FullName(), Form: f, Data: patientFormData{Patient: old}})
		return nil
	}
	http.Redirect(w, r, "/patients/"+strconv.FormatInt(id, 10)+"?flash=Changes+saved.", http.StatusSeeOther)
	return nil
}

// mePage sends a patient to their record and staff to their account.
func (s *Server) mePage(w http.ResponseWriter, r *http.Request) error {
	if a := actor(r); a.Role == clinic.RolePatient && a.PatientID != 0 {
		http.Redirect(w, r, "/patients/"+strconv.FormatInt(a.PatientID, 10), http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/account", http.StatusSeeOther)
	return nil
}

// The JSON API over the same service.

type apiPatientList struct {
	Patients []*clinic.Patient `json:"patients"`
	Limit    int               `json:"limit"`
	// Next is the cursor of the next page (?after=NEXT); absent on the last.
	Next string `json:"next,omitempty"`
}

func (s *Server) apiPatients(w http.ResponseWriter, r *http.Request) error {
	after, err := patientsAfter(r)
	if err != nil {
		return err
	}
	lim, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	if lim == 0 {
		lim = 50
	}
	lim = min(lim, 500)
	list, next, err := s.Patients.FindPatients(r.Context(), clinic.PatientFilter{Query: r.URL.Query().Get("q"), After: after, Limit: lim})
	if err != nil {
		return err
	}
	if list == nil {
		list = []*clinic.Patient{}
	}
	writeJSON(w, http.StatusOK, apiPatientList{Patients: list, Limit: lim, Next: encodeCursor(next)})
	return nil
}

func (s *Server) apiPatient(w http.ResponseWriter, r *http.Request) error {
	p, err := s.pathPatient(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// apiPatientInput is what a client may set on a patient.
type apiPatientInput struct {
	MRN        string      `json:"mrn"`
	GivenName  string      `json:"given_name"`
	FamilyName string      `json:"family_name"`
	BirthDate  clinic.Date `json:"birth_date"`
	Sex        clinic.Sex  `json:"sex"`
	Phone      string      `json:"phone"`
	Email      string      `json:"email"`
	// ReferringDoctor and ReferringAddress address the letter to the
	// referring doctor.
	ReferringDoctor  string `json:"referring_doctor"`
	ReferringAddress string `json:"referring_address"`
}

func (s *Server) apiCreatePatient(w http.ResponseWriter, r *http.Request) error {
	var in apiPatientInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	p := &clinic.Patient{MRN: in.MRN, GivenName: in.GivenName, FamilyName: in.FamilyName, BirthDate: in.BirthDate,
		Sex: in.Sex, Phone: in.Phone, Email: in.Email, ReferringDoctor: in.ReferringDoctor, ReferringAddress: in.ReferringAddress}
	if err := s.Patients.CreatePatient(r.Context(), p); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/patients/"+strconv.FormatInt(p.ID, 10))
	writeJSON(w, http.StatusCreated, p)
	return nil
}

func (s *Server) apiUpdatePatient(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var u clinic.PatientUpdate
	if err := decodeJSON(w, r, &u); err != nil {
		return err
	}
	p, err := s.Patients.UpdatePatient(r.Context(), id, u)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}
