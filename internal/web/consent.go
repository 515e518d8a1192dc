package web

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/ketatrack/ketatrack/internal/clinic"
)

// Informed consent (issue 15): the clinic's consent form versions (an
// administrator's or clinician's page), and per course the patient's
// signature at the desk or a clinician's attestation, and its withdrawal,
// from the course page. The check-in refuses a course without consent
// (store.gateEvent); the charting page says so before anyone tries.

// consentService is the store as clinic.ConsentService.
func (s *Server) consentService() (clinic.ConsentService, error) {
	cs, ok := s.Patients.(clinic.ConsentService)
	if !ok {
		return nil, clinic.Errorf(clinic.EINTERNAL, "the patient service %T keeps no consents", s.Patients)
	}
	return cs, nil
}

// consentFormsData is the consent form page.
type consentFormsData struct {
	views
	Forms     []*clinic.ConsentForm
	Current   *clinic.ConsentForm
	CanManage bool
}

func (s *Server) consentFormsPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderConsentForms(w, r, http.StatusOK, newForm())
}

func (s *Server) renderConsentForms(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	cs, err := s.consentService()
	if err != nil {
		return err
	}
	forms, err := cs.FindConsentForms(r.Context())
	if err != nil {
		return err
	}
	a := actor(r)
	d := consentFormsData{views: s.views(), Forms: forms, CanManage: clinic.CanManageConsentForms(a, a.ClinicID)}
	if c, err := cs.CurrentConsentForm(r.Context(), s.today()); err == nil {
		d.Current = c
	}
	if f.Get("effective_from") == "" {
		f.Values["effective_from"] = s.today().String()
	}
	s.render(w, r, status, "consent_forms", &page{Title: "Consent forms", Data: d, Form: f})
	return nil
}

func (s *Server) consentFormCreate(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.consentService()
	if err != nil {
		return err
	}
	f, err := formValues(r)
	if err != nil {
		return err
	}
	cf, err := cs.CreateConsentForm(r.Context(), clinic.ConsentFormInput{Version: f.Get("version"), Title: f.Get("title"),
		Body: r.PostForm.Get("body"), EffectiveFrom: f.Get("effective_from")})
	if err != nil {
		if !showErr(f, err) {
			return err
		}
		f.Values["body"] = r.PostForm.Get("body")
		return s.renderConsentForms(w, r, ErrorStatus(err), f)
	}
	msg := fmt.Sprintf("Consent form version %s saved, in force from %s.", cf.Version, cf.EffectiveFrom)
	http.Redirect(w, r, "/consent-forms?flash="+url.QueryEscape(msg), http.StatusSeeOther)
	return nil
}

// courseConsent is the course page's consent section.
type courseConsent struct {
	Consents []*clinic.Consent
	Form     *clinic.ConsentForm // in force today (nil: none)
	// Valid is the newest consent if it is not withdrawn.
	Valid      *clinic.Consent
	Statement  string
	Attest     string
	CanAttest  bool
	CanRecord  bool
	FormsError string
}

// loadCourseConsent reads the course's consents and today's form.
func (s *Server) loadCourseConsent(r *http.Request, courseID, clinicID int64) (courseConsent, error) {
	cc := courseConsent{Statement: clinic.ConsentStatement, Attest: clinic.AttestationStatement}
	cs, err := s.consentService()
	if err != nil {
		return cc, err
	}
	if cc.Consents, err = cs.FindConsents(r.Context(), courseID); err != nil {
		return cc, err
	}
	if len(cc.Consents) > 0 && cc.Consents[0].Withdrawal == nil {
		cc.Valid = cc.Consents[0]
	}
	if f, err := cs.CurrentConsentForm(r.Context(), s.today()); err == nil {
		cc.Form = f
	} else if clinic.ErrorCode(err) == clinic.ENOTFOUND {
		cc.FormsError = "This clinic has no consent form in force today: an administrator or clinician adds one under Consent forms."
	} else {
		return cc, err
	}
	a := actor(r)
	cc.CanAttest = a.System || (a.ClinicID == clinicID && a.Role == clinic.RoleClinician)
	cc.CanRecord = a.System || (a.ClinicID == clinicID && a.Role.IsStaff())
	return cc, nil
}

// courseConsentPage is the address the check-in's refusal names
// (clinic.ConsentMissing): the consent section of the course page.
func (s *Server) courseConsentPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/courses/%d#consent-h", id), http.StatusSeeOther)
	return nil
}

// consentSubmit records a desk signature or an attestation for course {id}.
func (s *Server) consentSubmit(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.consentService()
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	f, err := formValues(r)
	if err != nil {
		return err
	}
	c, err := cs.RecordConsent(r.Context(), id, clinic.ConsentInput{Method: clinic.ConsentMethod(f.Get("method")),
		SignedName: f.Get("signed_name"), Agreed: f.Get("agreed") != ""})
	if err != nil {
		if !showErr(f, err) {
			return err
		}
		return s.renderCoursePage(w, r, ErrorStatus(err), f)
	}
	msg := fmt.Sprintf("Consent recorded (%s, form version %s) by %s.", c.Method, c.FormVersion, c.RecordedByName)
	http.Redirect(w, r, fmt.Sprintf("/courses/%d?flash=%s#consent-h", id, url.QueryEscape(msg)), http.StatusSeeOther)
	return nil
}

// consentWithdraw records the withdrawal of consent {id}; the form carries
// the course to return to.
func (s *Server) consentWithdraw(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.consentService()
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	f, err := formValues(r)
	if err != nil {
		return err
	}
	c, err := cs.WithdrawConsent(r.Context(), id, f.Get("reason"))
	if err != nil {
		if !showErr(f, err) {
			return err
		}
		f.Values["withdraw_id"] = fmt.Sprint(id)
		r.SetPathValue("id", f.Get("course_id"))
		return s.renderCoursePage(w, r, ErrorStatus(err), f)
	}
	msg := "Withdrawal of consent recorded: no further session of this course can be checked in."
	http.Redirect(w, r, fmt.Sprintf("/courses/%d?flash=%s#consent-h", c.CourseID, url.QueryEscape(msg)), http.StatusSeeOther)
	return nil
}

// The JSON API.

type apiConsentFormList struct {
	Forms []*clinic.ConsentForm `json:"forms"`
}

func (s *Server) apiConsentForms(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.consentService()
	if err != nil {
		return err
	}
	list, err := cs.FindConsentForms(r.Context())
	if err != nil {
		return err
	}
	if list == nil {
		list = []*clinic.ConsentForm{}
	}
	writeJSON(w, http.StatusOK, apiConsentFormList{Forms: list})
	return nil
}

func (s *Server) apiCreateConsentForm(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.consentService()
	if err != nil {
		return err
	}
	var in clinic.ConsentFormInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	f, err := cs.CreateConsentForm(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, f)
	return nil
}

type apiConsentList struct {
	Consents []*clinic.Consent `json:"consents"`
}

func (s *Server) apiConsents(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.consentService()
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	list, err := cs.FindConsents(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, apiConsentList{Consents: list})
	return nil
}

func (s *Server) apiRecordConsent(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.consentService()
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in clinic.ConsentInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	c, err := cs.RecordConsent(r.Context(), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

type apiWithdrawalInput struct {
	Reason string `json:"reason"`
}

func (s *Server) apiWithdrawConsent(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.consentService()
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in apiWithdrawalInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	c, err := cs.WithdrawConsent(r.Context(), id, in.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}
