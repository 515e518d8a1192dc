package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/crps"
)

// The CRPS diagnosis page and API (issue 7): the Budapest checklist, the
// subtype questions and the CRPS Severity Score (css-16, the form
// internal/crps offers) → crps.Diagnose through the store. Every saved
// evaluation is a new record; the page shows the latest with the rules that
// decided and the history of scores.

// diagnosisPageData is what diagnosis_page.html shows.
type diagnosisPageData struct {
	Patient   *clinic.Patient
	Intake    *clinic.Intake // the current intake (nil: record one first)
	Diagnoses []*clinic.Diagnosis
	CanWrite  bool
}

// Current returns the latest evaluation, or nil.
func (d diagnosisPageData) Current() *clinic.Diagnosis {
	if len(d.Diagnoses) == 0 {
		return nil
	}
	return d.Diagnoses[0]
}

// budapestGroup is one category of the checklist with its symptom and
// sign items, for the form.
type budapestGroup struct {
	Category crps.Category
	Symptoms []crps.Item
	Signs    []crps.Item
}

// Checklist groups the Budapest items by category, in the published order.
func (d diagnosisPageData) Checklist() []budapestGroup {
	var out []budapestGroup
	for _, c := range crps.Categories {
		g := budapestGroup{Category: c}
		for _, it := range crps.Checklist {
			if it.Category != c {
				continue
			}
			if it.Kind == crps.Symptom {
				g.Symptoms = append(g.Symptoms, it)
			} else {
				g.Signs = append(g.Signs, it)
			}
		}
		out = append(out, g)
	}
	return out
}

// Severity returns the CSS form offered.
func (d diagnosisPageData) Severity() crps.SeverityForm { return crps.SeverityForms[crps.CSS16] }

// ScoreHistory lists the evaluations with a severity score, oldest first,
// with the change from the previous score.
func (d diagnosisPageData) ScoreHistory() []scorePoint {
	var out []scorePoint
	for i := len(d.Diagnoses) - 1; i >= 0; i-- {
		dg := d.Diagnoses[i]
		if dg.Result.Severity == nil {
			continue
		}
		pt := scorePoint{Diagnosis: dg, Score: *dg.Result.Severity}
		if n := len(out); n > 0 && out[n-1].Score.Version == pt.Score.Version {
			ch := pt.Score.Score - out[n-1].Score.Score
			pt.Change = &ch
		}
		out = append(out, pt)
	}
	return out
}

type scorePoint struct {
	Diagnosis *clinic.Diagnosis
	Score     crps.SeverityScore
	// Change from the previous score of the same version (nil for the first).
	Change *int
}

func (s *Server) loadDiagnosisPage(r *http.Request, id int64) (*diagnosisPageData, error) {
	p, err := s.Patients.FindPatientByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	d := &diagnosisPageData{Patient: p, CanWrite: clinic.CanDiagnose(actor(r), p.ClinicID)}
	intakes, err := s.Workup.FindIntakes(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if len(intakes) > 0 {
		d.Intake = intakes[0]
	}
	if d.Diagnoses, err = s.Workup.FindDiagnoses(r.Context(), id); err != nil {
		return nil, err
	}
	return d, nil
}

func (s *Server) diagnosisPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	d, err := s.loadDiagnosisPage(r, id)
	if err != nil {
		return err
	}
	f := newForm()
	if cur := d.Current(); cur != nil {
		// Start from the last evaluation's answers to the history questions.
		h := cur.Record.History
		f.Values["history.nerve_injury_confirmed"] = string(h.NerveInjuryConfirmed)
		f.Values["history.met_former_iasp_criteria"] = string(h.MetFormerIASPCriteria)
		if cur.Result.Evaluation.Clinical.Outcome == crps.Met {
			f.Values["history.previously_met_budapest"] = string(crps.Yes)
		} else {
			f.Values["history.previously_met_budapest"] = string(h.PreviouslyMetBudapest)
		}
	}
	s.render(w, r, http.StatusOK, "diagnosis_page", &page{Title: "CRPS diagnosis · " + d.Patient.FullName(), Data: d, Form: f})
	return nil
}

// diagnosisFromValues builds the API's DiagnosisInput from the page.
func diagnosisFromValues(f *form, raw url.Values) clinic.DiagnosisInput {
	in := clinic.DiagnosisInput{
		Assessment: crps.Assessment{
			DisproportionatePain:   crps.Answer(f.Get("assessment.disproportionate_pain")),
			OtherDiagnosisExplains: crps.Answer(f.Get("assessment.other_diagnosis_explains")),
			Symptoms:               []string{}, Signs: []string{},
		},
		History: crps.History{
			NerveInjuryConfirmed:  crps.Answer(f.Get("history.nerve_injury_confirmed")),
			PreviouslyMetBudapest: crps.Answer(f.Get("history.previously_met_budapest")),
			MetFormerIASPCriteria: crps.Answer(f.Get("history.met_former_iasp_criteria")),
		},
		AssessedOn: f.Get("assessed_on"),
		Notes:      f.Get("notes"),
	}
	for _, id := range raw["assessment.symptoms"] {
		in.Assessment.Symptoms = append(in.Assessment.Symptoms, id)
		f.Values["item."+id] = "on"
	}
	for _, id := range raw["assessment.signs"] {
		in.Assessment.Signs = append(in.Assessment.Signs, id)
		f.Values["item."+id] = "on"
	}
	// The severity score is recorded when any of its items is answered;
	// then every item must be (crps.SeverityInput.Validate names the first
	// one left out).
	sev := &crps.SeverityInput{Version: crps.CSS16, Items: map[string]crps.ItemState{}}
	for _, it := range crps.SeverityForms[crps.CSS16].Items {
		if v := f.Get("severity.items." + it.ID); v != "" {
			sev.Items[it.ID] = crps.ItemState(v)
		}
	}
	if len(sev.Items) > 0 {
		in.Severity = sev
	}
	return in
}

// budapestFieldOnPage maps an error on a listed item (assessment.signs[2])
// to the checklist fieldset that holds it.
func budapestFieldOnPage(field string) string {
	for _, k := range []string{"assessment.symptoms", "assessment.signs"} {
		if len(field) > len(k) && field[:len(k)] == k && field[len(k)] == '[' {
			return k
		}
	}
	return field
}

func (s *Server) diagnosisSubmit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	d, err := s.loadDiagnosisPage(r, id)
	if err != nil {
		return err
	}
	f, raw, err := workupFormFromRequest(r)
	if err == nil {
		_, err = s.Workup.SaveDiagnosis(r.Context(), id, diagnosisFromValues(f, raw))
	}
	if err != nil {
		if !clientError(err) {
			return err
		}
		setWorkupErr(f, renameField(err, budapestFieldOnPage))
		s.render(w, r, ErrorStatus(err), "diagnosis_page", &page{Title: "CRPS diagnosis · " + d.Patient.FullName(), Data: d, Form: f})
		return nil
	}
	http.Redirect(w, r, "/patients/"+strconv.FormatInt(id, 10)+"/diagnosis?flash=Evaluation+saved.#current", http.StatusSeeOther)
	return nil
}

func (s *Server) apiDiagnoses(w http.ResponseWriter, r *http.Request) error {
	return writePatientList(w, r, "diagnoses", s.Workup.FindDiagnoses)
}

func (s *Server) apiSaveDiagnosis(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in clinic.DiagnosisInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.Assessment.Symptoms == nil {
		in.Assessment.Symptoms = []string{}
	}
	if in.Assessment.Signs == nil {
		in.Assessment.Signs = []string{}
	}
	dg, err := s.Workup.SaveDiagnosis(r.Context(), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, dg)
	return nil
}

// Tab names the workup page, for the tabs of workup_head.
func (d diagnosisPageData) Tab() string { return "diagnosis" }

// historyQuestion is one of the subtype questions on the form.
type historyQuestion struct {
	Field, Text, Hint string
}

// HistoryQuestions lists the subtype questions (crps.History).
func (d diagnosisPageData) HistoryQuestions() []historyQuestion {
	return []historyQuestion{
		{"history.nerve_injury_confirmed", "Is a nerve injury confirmed?", "type II rather than type I"},
		{"history.previously_met_budapest", "Was the patient documented earlier to meet the Budapest clinical criteria?", "needed when the criteria are not met now: CRPS with remission of some features (Valencia 2021)"},
		{"history.met_former_iasp_criteria", "Does the patient meet the former IASP (1994) criteria?", "asked only for CRPS-NOS (Harden 2010)"},
	}
}

// ItemStates lists the CSS item states with labels.
func (d diagnosisPageData) ItemStates() [][2]string {
	return [][2]string{{string(crps.Present), "present"}, {string(crps.Absent), "absent"}, {string(crps.NotAssessable), "not assessable"}}
}

// CategoryLabel names a Budapest category as the published table does.
func (d diagnosisPageData) CategoryLabel(c crps.Category) string { return c.Label() }

// EventLabel names an inciting event.
func (d diagnosisPageData) EventLabel(e crps.IncitingEvent) string {
	return intakePageData{}.EventLabel(e)
}
