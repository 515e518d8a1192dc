package web

import (
	"bytes"
	"net/http"
	"strconv"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/csvsafe"
	"github.com/ketatrack/ketatrack/internal/outcomes"
)

// One patient's outcomes for the clinicians: the trajectory of each course
// by journal day with the infusion days marked, the responses, the relief
// per course and the booster suggestion.

type patientOutcomesData struct {
	Patient     *clinic.Patient
	Outcome     *patientOutcome
	Definitions *clinic.OutcomeDefinitions
	Charts      []chartSpec
	Criteria    map[string]outcomes.ResponseCriterion
	Due         string
}

// trajectoryChart draws a course's pain ratings by journal day, the
// course's infusion days marked.
func trajectoryChart(i int, co courseOutcome) chartSpec {
	days := map[int]int{}
	var x []float64
	for _, r := range co.Rows {
		if _, ok := days[r.Day]; !ok {
			days[r.Day] = len(x)
			x = append(x, float64(r.Day))
		}
	}
	spec := chartSpec{ID: "trajectory-" + strconv.Itoa(i), Title: "Course " + strconv.Itoa(i+1) + ": " + co.Window.Protocol() + " — pain by journal day",
		XLabel: "journal day", YLabel: "/10", X: x, YMin: num(0), YMax: num(10), MarkLabel: "infusion days"}
	for _, m := range []outcomes.Measure{outcomes.PainNow, outcomes.PainWorst, outcomes.PainLeast, outcomes.Pain24h, outcomes.Movement} {
		s := chartSeries{Label: m.Label(), Values: make([]*float64, len(x))}
		for _, r := range co.Rows {
			s.Values[days[r.Day]] = scoreValue(r.Scores[m])
		}
		spec.Series = append(spec.Series, s)
	}
	for _, d := range co.Window.Planned {
		spec.Marks = append(spec.Marks, float64(d.DaysSince(co.Window.Day1)+1))
	}
	return spec
}

func (s *Server) patientOutcomesPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.loadPatientOutcomes(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "analytics_patient", &page{Title: "Outcomes of " + d.Patient.FullName(), Data: d})
	return nil
}

func (s *Server) loadPatientOutcomes(r *http.Request) (*patientOutcomesData, error) {
	id, js, err := s.patientJournals(r)
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	p, err := s.Patients.FindPatientByID(ctx, id)
	if err != nil {
		return nil, err
	}
	defs, err := js.FindOutcomeDefinitions(ctx)
	if err != nil {
		return nil, err
	}
	po, err := s.patientOutcome(ctx, js, &defs.Definitions, p)
	if err != nil {
		return nil, err
	}
	d := &patientOutcomesData{Patient: p, Outcome: po, Definitions: defs, Criteria: map[string]outcomes.ResponseCriterion{}}
	for _, c := range defs.Definitions.Responses {
		d.Criteria[c.ID] = c
	}
	if po != nil {
		for i, co := range po.Courses {
			if len(co.Rows) > 0 {
				d.Charts = append(d.Charts, trajectoryChart(i, co))
			}
		}
		if po.Booster.Suggested {
			d.Due = dateOfTime(po.Booster.Due).String()
		}
	}
	return d, nil
}

// patientOutcomesCSV exports the relief by course and the responses.
func (s *Server) patientOutcomesCSV(w http.ResponseWriter, r *http.Request) error {
	d, err := s.loadPatientOutcomes(r)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	cw := csvsafe.NewWriter(&b)
	_ = cw.Write([]string{"mrn", "table", "course", "protocol", "day1", "journal_days", "criterion", "responded_or_met", "onset_day", "end_day",
		"relapsed", "relief_days", "reduction_pct", "reason"})
	if po := d.Outcome; po != nil {
		for _, co := range po.Courses {
			rel := co.Relief
			_ = cw.Write([]string{d.Patient.MRN, "relief", strconv.FormatInt(co.Window.CourseID, 10), co.Window.ProtocolID, co.Window.Day1.String(),
				strconv.Itoa(len(co.Rows)), rel.Criterion, strconv.FormatBool(rel.Responded), strconv.Itoa(rel.OnsetDay), strconv.Itoa(rel.EndDay),
				strconv.FormatBool(rel.Relapsed), strconv.Itoa(rel.Days), "", rel.Reason})
		}
		for _, res := range po.Responses {
			var pcts []string
			for _, p := range res.ReductionPct {
				pcts = append(pcts, fullFloat(p))
			}
			_ = cw.Write([]string{d.Patient.MRN, "response", "", "", "", "", res.Criterion, strconv.FormatBool(res.Met), "", strconv.Itoa(res.Day),
				"", "", joinSemicolon(pcts), res.Reason})
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	writeCSV(w, "outcomes-"+d.Patient.MRN+".csv", b.Bytes())
	return nil
}

// apiPatientOutcomes answers the same as JSON.
func (s *Server) apiPatientOutcomes(w http.ResponseWriter, r *http.Request) error {
	d, err := s.loadPatientOutcomes(r)
	if err != nil {
		return err
	}
	type course struct {
		CourseID   int64                 `json:"course_id,omitempty"`
		ProtocolID string                `json:"protocol_id"`
		Day1       clinic.Date           `json:"day1"`
		Days       int                   `json:"journal_days"`
		Relief     outcomes.CourseRelief `json:"relief"`
	}
	doc := struct {
		PatientID         int64                      `json:"patient_id"`
		DefinitionVersion int                        `json:"definitions_version"`
		Courses           []course                   `json:"courses"`
		Responses         []outcomes.ResponseResult  `json:"responses"`
		Booster           outcomes.BoosterSuggestion `json:"booster"`
	}{PatientID: d.Patient.ID, DefinitionVersion: d.Definitions.Version, Courses: []course{}, Responses: []outcomes.ResponseResult{}}
	if po := d.Outcome; po != nil {
		for _, co := range po.Courses {
			doc.Courses = append(doc.Courses, course{CourseID: co.Window.CourseID, ProtocolID: co.Window.ProtocolID, Day1: co.Window.Day1,
				Days: len(co.Rows), Relief: co.Relief})
		}
		if po.Responses != nil {
			doc.Responses = po.Responses
		}
		doc.Booster = po.Booster
	} else {
		doc.Booster = outcomes.BoosterSuggestion{Basis: "no journal on the day axis"}
	}
	writeJSON(w, http.StatusOK, doc)
	return nil
}
