package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/screening"
)

// The screening page and API (issue 7): contraindications and cautions
// with their sources (internal/screening), baseline vitals, the tests the
// answers call for (ECG, liver function, blood count) with dates and
// results, the computed result, and the clinician's signed decision with
// reasoned overrides.

// screeningPageData is what screening_page.html shows.
type screeningPageData struct {
	Patient    *clinic.Patient
	Screenings []*clinic.Screening // newest first
	CanWrite   bool                // may record a screening (staff)
	CanDecide  bool                // may decide and sign overrides (clinician)
	Now        string
}

// Current returns the latest screening, or nil.
func (d screeningPageData) Current() *clinic.Screening {
	if len(d.Screenings) == 0 {
		return nil
	}
	return d.Screenings[0]
}

// Conditions lists the conditions asked, absolute ones first.
func (d screeningPageData) Conditions() []screening.Condition {
	var out []screening.Condition
	for _, class := range []screening.Class{screening.Absolute, screening.Relative, screening.Caution} {
		for _, c := range screening.Conditions {
			if c.Class == class {
				out = append(out, c)
			}
		}
	}
	return out
}

// riskQuestion is one yes/no question besides the conditions.
type riskQuestion struct {
	Field, Text, Hint string
}

// Risks lists the risk questions of screening.Input.
func (d screeningPageData) Risks() []riskQuestion {
	return []riskQuestion{
		{"cardiovascular_risk", "Suspected or high risk of cardiovascular disease?", "calls for a baseline ECG (Cohen 2018)"},
		{"liver_risk", "Baseline liver dysfunction or at risk of liver toxicity (e.g. alcohol abuse, chronic hepatitis)?", "calls for liver function tests before and after (Cohen 2018)"},
		{"repeated_infusions", "More than one infusion planned?", ""},
		{"high_dose_frequent", "High doses expected at frequent intervals?", "asked only when more than one infusion is planned; the source defines neither high nor frequent: your judgement"},
		{"multi_day_continuous", "A continuous infusion over several days planned?", "liver tests and blood count during the infusion (seed 001: Sigtermans 2009, Goebel 2015)"},
	}
}

// Vitals lists the vital-sign inputs with their validity limits.
func (d screeningPageData) Vitals() []vitalField {
	labels := map[string]string{
		"heart_rate_bpm": "Heart rate", "systolic_mmhg": "Systolic BP", "diastolic_mmhg": "Diastolic BP",
		"spo2_percent": "SpO₂", "respiratory_rate_per_min": "Respiratory rate", "temperature_c": "Temperature (optional)",
	}
	var out []vitalField
	for _, pr := range screening.PlausibleRanges {
		out = append(out, vitalField{Field: "vitals." + pr.Field, Label: labels[pr.Field], Unit: pr.Unit, Limits: pr})
	}
	return out
}

type vitalField struct {
	Field, Label, Unit string
	Limits             screening.PlausibleRange
}

// Tests lists the test rows of the form.
func (d screeningPageData) Tests() []screening.TestKind {
	return []screening.TestKind{screening.ECG, screening.LiverFunction, screening.BloodCount}
}

func (s *Server) loadScreeningPage(r *http.Request, id int64) (*screeningPageData, error) {
	p, err := s.Patients.FindPatientByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	a := actor(r)
	d := &screeningPageData{Patient: p, CanWrite: clinic.CanWritePatientRecord(a, p.ClinicID, p.ID),
		CanDecide: clinic.CanDiagnose(a, p.ClinicID), Now: s.Now().In(s.Location).Format("2006-01-02T15:04")}
	if d.Screenings, err = s.Workup.FindScreenings(r.Context(), id); err != nil {
		return nil, err
	}
	return d, nil
}

// screeningValues fills the form from the latest screening: the answers
// carry over; the vitals are taken afresh.
func screeningValues(sc *clinic.Screening) *form {
	f := newForm()
	if sc == nil {
		return f
	}
	for id, a := range sc.Input.Conditions {
		f.Values["conditions."+id] = string(a)
	}
	in := sc.Input
	for k, v := range map[string]screening.Answer{"cardiovascular_risk": in.CardiovascularRisk, "liver_risk": in.LiverRisk,
		"repeated_infusions": in.RepeatedInfusions, "high_dose_frequent": in.HighDoseFrequent, "multi_day_continuous": in.MultiDayContinuous} {
		f.Values[k] = string(v)
	}
	for _, t := range in.Tests {
		k := "tests." + string(t.Test) + "."
		f.Values[k+"status"], f.Values[k+"date"], f.Values[k+"result"], f.Values[k+"note"] = string(t.Status), t.Date, string(t.Result), t.Note
	}
	return f
}

func (s *Server) screeningPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	d, err := s.loadScreeningPage(r, id)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "screening_page", &page{Title: "Screening · " + d.Patient.FullName(), Data: d, Form: screeningValues(d.Current())})
	return nil
}

// parseVital reads one vital sign; empty is 0 (not recorded).
func parseVital(f *form, field string) (float64, error) {
	v := f.Get(field)
	if v == "" {
		return 0, nil
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, clinic.Invalid(field, "%q is not a number", v)
	}
	return x, nil
}

// screeningFromValues builds the API's ScreeningForm from the page, and the
// mapping of tests[k] to the page's rows.
func screeningFromValues(f *form) (clinic.ScreeningForm, []string, error) {
	in := clinic.ScreeningForm{Conditions: map[string]screening.Answer{},
		CardiovascularRisk: screening.Answer(f.Get("cardiovascular_risk")), LiverRisk: screening.Answer(f.Get("liver_risk")),
		RepeatedInfusions: screening.Answer(f.Get("repeated_infusions")), HighDoseFrequent: screening.Answer(f.Get("high_dose_frequent")),
		MultiDayContinuous: screening.Answer(f.Get("multi_day_continuous")), Tests: []screening.TestRecord{}}
	if in.RepeatedInfusions != screening.Yes {
		// The page always shows the follow-up question; it applies only
		// when more than one infusion is planned, so an answer to it is
		// dropped otherwise (the API refuses it instead).
		in.HighDoseFrequent = ""
		delete(f.Values, "high_dose_frequent")
	}
	for _, c := range screening.Conditions {
		if v := f.Get("conditions." + c.ID); v != "" {
			in.Conditions[c.ID] = screening.Answer(v)
		}
	}
	var err error
	in.Vitals.MeasuredAt = f.Get("vitals.measured_at")
	for _, p := range []struct {
		field string
		dst   *float64
	}{
		{"vitals.heart_rate_bpm", &in.Vitals.HeartRateBPM}, {"vitals.systolic_mmhg", &in.Vitals.SystolicMmHg},
		{"vitals.diastolic_mmhg", &in.Vitals.DiastolicMmHg}, {"vitals.spo2_percent", &in.Vitals.SpO2Percent},
		{"vitals.respiratory_rate_per_min", &in.Vitals.RespiratoryRatePerMin},
	} {
		if *p.dst, err = parseVital(f, p.field); err != nil {
			return in, nil, err
		}
	}
	if f.Get("vitals.temperature_c") != "" {
		t, err := parseVital(f, "vitals.temperature_c")
		if err != nil {
			return in, nil, err
		}
		in.Vitals.TemperatureC = &t
	}
	var mapping []string
	for _, k := range []screening.TestKind{screening.ECG, screening.LiverFunction, screening.BloodCount} {
		p := "tests." + string(k) + "."
		st := f.Get(p + "status")
		if st == "" {
			if f.Get(p+"date") != "" || f.Get(p+"result") != "" {
				return in, nil, clinic.Invalid(p+"status", "say whether the test is ordered or resulted")
			}
			continue
		}
		mapping = append(mapping, fmt.Sprintf("tests[%d]=tests.%s", len(in.Tests), k))
		in.Tests = append(in.Tests, screening.TestRecord{Test: k, Status: screening.TestStatus(st), Date: f.Get(p + "date"),
			Result: screening.TestResult(f.Get(p + "result")), Note: f.Get(p + "note")})
	}
	return in, mapping, nil
}

func (s *Server) screeningSubmit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	d, err := s.loadScreeningPage(r, id)
	if err != nil {
		return err
	}
	f, _, err := workupFormFromRequest(r)
	var mapping []string
	if err == nil {
		var in clinic.ScreeningForm
		if in, mapping, err = screeningFromValues(f); err == nil {
			var parsed screening.Input
			if parsed, err = in.Parse(s.Location, s.Now()); err == nil {
				_, err = s.Workup.SaveScreening(r.Context(), id, parsed)
			}
		}
	}
	if err != nil {
		if !clientError(err) {
			return err
		}
		setWorkupErr(f, renameField(err, mapFields(mapping)))
		s.render(w, r, ErrorStatus(err), "screening_page", &page{Title: "Screening · " + d.Patient.FullName(), Data: d, Form: f})
		return nil
	}
	http.Redirect(w, r, "/patients/"+strconv.FormatInt(id, 10)+"/screening?flash=Screening+saved.#current", http.StatusSeeOther)
	return nil
}

// decisionSubmit records a clinician's decision on the patient's screening
// {sid}, with an override reason for each finding the clinician overrides.
func (s *Server) decisionSubmit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	sid, err := strconv.ParseInt(r.PathValue("sid"), 10, 64)
	if err != nil || sid <= 0 {
		return clinic.Errorf(clinic.ENOTFOUND, "No such screening.")
	}
	d, err := s.loadScreeningPage(r, id)
	if err != nil {
		return err
	}
	var sc *clinic.Screening
	for _, x := range d.Screenings {
		if x.ID == sid {
			sc = x
		}
	}
	if sc == nil {
		return clinic.Errorf(clinic.ENOTFOUND, "No such screening.")
	}
	f, _, err := workupFormFromRequest(r)
	var mapping []string
	if err == nil {
		in := clinic.DecisionInput{Verdict: screening.Verdict(f.Get("decision.verdict")), Reason: f.Get("decision.reason"),
			Overrides: []screening.Override{}}
		for _, fd := range sc.Result.NeedsOverride {
			if reason := f.Get("decision.override." + fd.ID); reason != "" || f.Get("decision.override_on."+fd.ID) != "" {
				mapping = append(mapping, fmt.Sprintf("overrides[%d]=decision.override.%s", len(in.Overrides), fd.ID))
				in.Overrides = append(in.Overrides, screening.Override{FindingID: fd.ID, Reason: reason})
			}
		}
		_, err = s.Workup.DecideScreening(r.Context(), sid, in)
	}
	if err != nil {
		if !clientError(err) {
			return err
		}
		err = renameField(err, func(field string) string {
			field = mapFields(mapping)(field)
			if field == "verdict" || field == "reason" || field == "overrides" {
				return "decision." + field
			}
			return field
		})
		setWorkupErr(f, err)
		fs := screeningValues(d.Current())
		for k, v := range f.Values {
			fs.Values[k] = v
		}
		fs.Errors, fs.Error = f.Errors, f.Error
		s.render(w, r, ErrorStatus(err), "screening_page", &page{Title: "Screening · " + d.Patient.FullName(), Data: d, Form: fs})
		return nil
	}
	http.Redirect(w, r, "/patients/"+strconv.FormatInt(id, 10)+"/screening?flash=Decision+signed+and+recorded.#current", http.StatusSeeOther)
	return nil
}

func (s *Server) apiScreenings(w http.ResponseWriter, r *http.Request) error {
	return writePatientList(w, r, "screenings", s.Workup.FindScreenings)
}

func (s *Server) apiSaveScreening(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in clinic.ScreeningForm
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	parsed, err := in.Parse(s.Location, s.Now())
	if err != nil {
		return err
	}
	sc, err := s.Workup.SaveScreening(r.Context(), id, parsed)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, sc)
	return nil
}

func (s *Server) apiDecideScreening(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in clinic.DecisionInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	in.Reason = strings.TrimSpace(in.Reason)
	d, err := s.Workup.DecideScreening(r.Context(), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, d)
	return nil
}

func (s *Server) apiLatestDecision(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	d, err := s.Workup.LatestScreeningDecision(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

// Tab names the workup page, for the tabs of workup_head.
func (d screeningPageData) Tab() string { return "screening" }

// StatusText says a screening status in words.
func (d screeningPageData) StatusText(st screening.Status) string {
	switch st {
	case screening.Blocked:
		return "blocked: an absolute contraindication or an unanswered question"
	case screening.NeedsOverride:
		return "needs a clinician's override with a reason for each finding below"
	case screening.Cleared:
		return "cleared: nothing stands in the way"
	case screening.ClearedWithOverrides:
		return "cleared with overrides signed by a clinician"
	}
	return string(st)
}

// Answers lists the yes/no answers for the radios.
func (d screeningPageData) Answers() []string { return []string{"no", "yes"} }
