package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/infusion"
	"github.com/ketatrack/ketatrack/internal/pk"
	"github.com/ketatrack/ketatrack/internal/prediction"
)

// Predicted concentrations beside a course's plan and a session's chart
// (internal/prediction). The course page, the charting page and the API
// call the same functions here, which only load the records and choose the
// model: the numbers are the prediction package's.
//
// A model of the other drug than the plan's (an S-ketamine model for a
// racemic plan) is refused with 400, not drawn with a warning: its curve
// would be another drug's concentrations under a racemic plan's title, a
// number a reader copies while the warning stays behind; `ketatrack
// simulate` refuses the same mismatch as bad input.

// coursePrediction is the API's answer for a course: the plan version
// predicted and the prediction, timed in hours from the start of the first
// session.
type coursePrediction struct {
	CourseID    int64  `json:"course_id"`
	PlanVersion int    `json:"plan_version"`
	PlanStatus  string `json:"plan_status"`
	ProtocolID  string `json:"protocol_id"`
	StartDate   string `json:"start_date"`
	// Origin says what time 0 is.
	Origin     string                 `json:"origin"`
	Prediction *prediction.Prediction `json:"prediction"`
}

// sessionPrediction is the API's answer for a session: the day's plan and
// the doses charted, on one time axis from Origin.
type sessionPrediction struct {
	SessionID int64 `json:"session_id"`
	Day       int   `json:"day"`
	// Origin is time 0 of both predictions: the start of the pump (or of
	// the first intravenous ketamine charted), or the time of the request
	// before anything was given.
	Origin time.Time `json:"origin"`
	// Now is the time of the request in hours from Origin: the charted
	// line counts a running pump up to it.
	NowH    float64                `json:"now_h"`
	Planned *prediction.Prediction `json:"planned"`
	// PlannedMessage says why Planned is null.
	PlannedMessage string                 `json:"planned_message,omitempty"`
	Actual         *prediction.Prediction `json:"actual"`
	// ActualMessage says why Actual is null (nothing charted yet).
	ActualMessage string `json:"actual_message,omitempty"`
}

// predictionModel is the model chosen by ?model= (or the drug's default),
// refused with 400 when unknown or of another drug, the message listing the
// models to choose from.
func predictionModel(r *http.Request, drug string) (*pk.Model, error) {
	id := strings.TrimSpace(r.URL.Query().Get("model"))
	if id == "" {
		id = prediction.DefaultModel(drug)
	}
	m, err := pk.Lookup(id)
	if err != nil {
		return nil, clinic.Invalid("model", "%v", err)
	}
	if m.Drug != drug {
		var same []string
		for _, o := range pk.Models() {
			if o.Drug == drug {
				same = append(same, o.ID)
			}
		}
		de := &prediction.DrugError{Model: m.ID, ModelDrug: m.Drug, Drug: drug}
		return nil, clinic.Invalid("model", "%v; choose a model of %s: %s", de, drug, strings.Join(same, ", "))
	}
	return m, nil
}

// predictionError maps the prediction package's refusals to the API's.
func predictionError(err error) error {
	var de *prediction.DrugError
	switch {
	case errors.As(err, &de):
		return clinic.Invalid("model", "%v", de)
	case clinic.ErrorCode(err) != clinic.EINTERNAL:
		return err
	}
	return fmt.Errorf("prediction: %w", err)
}

// ageOn is the patient's age in years on day (0 without a birth date).
func ageOn(p *clinic.Patient, day clinic.Date) float64 {
	if p == nil || p.BirthDate.IsZero() {
		return 0
	}
	return float64(p.Age(day))
}

// courseVersion is the plan version ?version= names, by default the signed
// version in force, else the latest draft (nil when the course has none).
func courseVersion(r *http.Request, c *clinic.Course) (*clinic.PlanVersion, error) {
	v := c.Current()
	if v == nil {
		v = c.Latest()
	}
	if q := r.URL.Query().Get("version"); q != "" {
		n, err := strconv.Atoi(q)
		if err != nil || c.Version(n) == nil {
			return nil, clinic.Invalid("version", "this course has no plan version %q", q)
		}
		v = c.Version(n)
	}
	return v, nil
}

// predictCourse predicts plan version v of course c with the model of
// ?model=. A course without a version, or whose plan gives no ketamine, is
// a 409 saying so.
func (s *Server) predictCourse(ctx context.Context, r *http.Request, c *clinic.Course, v *clinic.PlanVersion, p *clinic.Patient) (*coursePrediction, error) {
	if v == nil || v.Plan == nil {
		return nil, clinic.Errorf(clinic.ECONFLICT, "Course %d has no plan yet: make and sign a plan version, then its concentrations can be predicted.", c.ID)
	}
	m, err := predictionModel(r, v.Plan.Drug)
	if err != nil {
		return nil, err
	}
	reg := prediction.PlanRegimen(v.Plan)
	if len(reg.Doses) == 0 {
		return nil, clinic.Errorf(clinic.ECONFLICT, "Plan version %d of course %d gives no ketamine dose with a rate and a duration: there is nothing to predict.", v.Version, c.ID)
	}
	pred, err := prediction.Predict(ctx, reg, prediction.Options{Model: m, AgeY: ageOn(p, s.today())})
	if err != nil {
		return nil, predictionError(err)
	}
	return &coursePrediction{CourseID: c.ID, PlanVersion: v.Version, PlanStatus: string(v.Status), ProtocolID: v.Plan.ProtocolID,
		StartDate: v.Plan.StartDate.String(), Prediction: pred,
		Origin: "hours from the start of the first session (day 1); later sessions start at the same time of day"}, nil
}

// predictSession predicts session ss: its plan day and what is charted.
func (s *Server) predictSession(ctx context.Context, r *http.Request, ss *clinic.InfusionSession, c *clinic.Course, p *clinic.Patient) (*sessionPrediction, error) {
	var plan *clinic.Plan
	for _, v := range c.Versions {
		if v.ID == ss.PlanVersionID {
			plan = v.Plan
		}
	}
	st := *ss.State
	drug := string(st.Order.Drug)
	m, err := predictionModel(r, drug)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	out := &sessionPrediction{SessionID: ss.ID, Day: ss.Day, Origin: prediction.SessionOrigin(st)}
	if out.Origin.IsZero() {
		out.Origin = now
	}
	out.NowH = now.Sub(out.Origin).Hours()
	weight := float64(st.Weight()) // today's, from the check-in
	if weight == 0 && plan != nil {
		weight = plan.WeightKg
	}
	opt := prediction.Options{Model: m, AgeY: ageOn(p, s.today())}
	if plan != nil {
		if reg, err := prediction.PlanDayRegimen(plan, ss.Day); err == nil && len(reg.Doses) > 0 {
			reg.WeightKg = weight
			if out.Planned, err = prediction.Predict(ctx, reg, opt); err != nil {
				return nil, predictionError(err)
			}
		}
	}
	if out.Planned == nil {
		out.PlannedMessage = fmt.Sprintf("The plan gives no ketamine dose for day %d.", ss.Day)
	}
	reg := prediction.ChartedRegimen(st, out.Origin, now, ss.Day, weight)
	if len(reg.Doses) == 0 {
		out.ActualMessage = "No ketamine has been charted yet: the line of the doses given appears once the pump has run."
		return out, nil
	}
	if out.Actual, err = prediction.Predict(ctx, reg, opt); err != nil {
		return nil, predictionError(err)
	}
	if st.Phase == infusion.PhaseRunning {
		out.Actual.Notes = append(out.Actual.Notes, fmt.Sprintf("The pump is running: the doses count up to now (%s, %.2f h); after now the line shows the fall as if it stopped now, and the last \"end of infusion\" is now.",
			now.In(s.Location).Format("15:04"), out.NowH))
	}
	return out, nil
}

// apiCoursePrediction answers GET /api/v1/courses/{id}/prediction.
func (s *Server) apiCoursePrediction(w http.ResponseWriter, r *http.Request) error {
	c, p, err := s.courseAndPatient(r)
	if err != nil {
		return err
	}
	v, err := courseVersion(r, c)
	if err != nil {
		return err
	}
	out, err := s.predictCourse(r.Context(), r, c, v, p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// apiSessionPrediction answers GET /api/v1/sessions/{id}/prediction.
func (s *Server) apiSessionPrediction(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := s.treatmentRecord(r)
	if err != nil {
		return err
	}
	ss, err := svc.FindSessionByID(r.Context(), id)
	if err != nil {
		return err
	}
	c, err := svc.FindCourseByID(r.Context(), ss.CourseID)
	if err != nil {
		return err
	}
	p, err := s.Patients.FindPatientByID(r.Context(), ss.PatientID)
	if err != nil {
		return err
	}
	out, err := s.predictSession(r.Context(), r, ss, c, p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
