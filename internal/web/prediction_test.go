package web_test

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/infusion"
	"github.com/ketatrack/ketatrack/internal/prediction"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
	"github.com/ketatrack/ketatrack/internal/units"
)

// goldbergCourse signs a Goldberg course (71 kg, +5 mg a day) for p from
// the last weekday on or before today and returns its ID.
func goldbergCourse(t *testing.T, ts *testServer, p *clinic.Patient) int64 {
	t.Helper()
	doc := ts.demo.As(context.Background(), clinic.RoleClinician)
	today := clinic.DateOf(ts.now())
	for wd := today.Time().Weekday(); wd == time.Saturday || wd == time.Sunday; wd = today.Time().Weekday() {
		today = today.AddDays(-1) // Goldberg's sessions fall on weekdays
	}
	c, err := ts.db.CreateCourse(doc, p.ID, "", clinic.PlanInput{ProtocolID: "goldberg-2005", Weight: "71kg", StartDate: today,
		Settings: map[string]string{"daily-step": "+5mg", "midazolam-route": "IV"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.db.SignPlan(doc, c.ID, 1, 0); err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// kampInfusion is the closed form of kamp-2020-racemic's ketamine, one
// compartment (internal/pk/models/kamp-2020-racemic.yaml: V 252 L per 70 kg
// scaled linearly, CL 79 L/h at 70 kg to the power 0.75), at the end of a
// constant infusion of r mg/h for h hours from nothing at w kg:
// 1000·r/CL·(1 − e^(−CL/V·h)) ng/mL.
func kampInfusion(w, r, h float64) float64 {
	v := 252 * w / 70
	cl := 79 * math.Pow(w/70, 0.75)
	return 1000 * r / cl * (1 - math.Exp(-cl/v*h))
}

// The course and session prediction API: the default model's figures
// against its closed form, the schema, a population model, the refusals
// (unknown model, a model of the other drug), rights, and a session
// before and after its pump ran, on both engines.
func TestPredictionAPI(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ts := newTestServer(t, db.Engine())
		doc := loadOpenAPI(t, ts)
		clin := ts.client(t, clinic.RoleClinician)
		p := ts.demo.Patients[5]
		cid := goldbergCourse(t, ts, p)
		get := func(c *http.Client, path string, status int, name string, v any) {
			t.Helper()
			resp := ts.do(t, c, "GET", path, "", "")
			if resp.StatusCode != status {
				t.Fatalf("GET %s: status %d, want %d: %s", path, resp.StatusCode, status, body(resp))
			}
			var raw any
			decode(t, resp, &raw)
			if err := validate(doc, schema{Ref: "#/components/schemas/" + name}, raw, "$"); err != nil {
				t.Errorf("GET %s: %v", path, err)
			}
			if v != nil {
				decode(t, resp, v)
			}
		}
		var cp struct {
			PlanVersion int                   `json:"plan_version"`
			Prediction  prediction.Prediction `json:"prediction"`
		}
		path := fmt.Sprintf("/api/v1/courses/%d/prediction", cid)
		get(clin, path, 200, "CoursePrediction", &cp)
		pr := cp.Prediction
		if pr.Model.ID != "kamp-2020-racemic" || !pr.TypicalOnly || pr.Patients != 0 {
			t.Fatalf("model %s, typical only %v, %d patients: want kamp-2020-racemic's typical patient", pr.Model.ID, pr.TypicalOnly, pr.Patients)
		}
		if !strings.HasPrefix(pr.Model.Validation, "not validated against measured concentrations") || pr.Model.Population.Description == "" {
			t.Errorf("validation %q, population %+v", pr.Model.Validation, pr.Model.Population)
		}
		if len(pr.Series) != 2 || pr.Series[0].Label != "ketamine" || pr.Series[1].Label != "norketamine" {
			t.Fatalf("series %d", len(pr.Series))
		}
		k := pr.Summaries[0]
		if len(k.Days) != 10 || len(k.Ends) != 10 {
			t.Fatalf("%d days, %d infusion ends: want Goldberg's 10", len(k.Days), len(k.Ends))
		}
		// Day 1: 40 mg over 4 h = 10 mg/h (Goldberg 2005, 003); ketamine is
		// one compartment in this model, so the end of the infusion is the
		// closed form.
		if want := kampInfusion(71, 10, 4); math.Abs(k.Ends[0].ConcNgML.Value-want) > 1e-9*want || math.Abs(k.Days[0].CmaxNgML.Value-want) > 1e-9*want {
			t.Errorf("day 1 end of infusion %v, Cmax %v: want %v ng/mL", k.Ends[0].ConcNgML.Value, k.Days[0].CmaxNgML.Value, want)
		}
		if k.HoursBelow == nil || k.HoursBelow.Value <= 0 {
			t.Errorf("hours until below 10 ng/mL: %+v", k.HoursBelow)
		}
		if n := len(pr.TimesH); math.Abs(pr.TimesH[n-1]-pr.TimesH[n-2]-1.0/60) > 1e-9 {
			t.Errorf("grid step %v h, want a minute", pr.TimesH[n-1]-pr.TimesH[n-2])
		}

		// A model with variability: 200 virtual patients; Herd 2007 is a
		// model of children, so the adult's age is warned about.
		var pop struct {
			Prediction prediction.Prediction `json:"prediction"`
		}
		get(clin, path+"?model=herd-2007", 200, "CoursePrediction", &pop)
		if pop.Prediction.TypicalOnly || pop.Prediction.Patients != 200 || pop.Prediction.Seed != 14 || pop.Prediction.Series[0].P95 == nil {
			t.Errorf("herd-2007: typical only %v, %d patients, seed %d", pop.Prediction.TypicalOnly, pop.Prediction.Patients, pop.Prediction.Seed)
		}
		if pop.Prediction.AgeWarning == "" {
			t.Errorf("no age warning for patient born %s with a model of children", p.BirthDate)
		}

		var e predErrBody
		get(clin, path+"?model=nope", 400, "Error", &e)
		if e.Error.Field != "model" || !strings.Contains(e.Error.Message, "kamp-2020-racemic") {
			t.Errorf("unknown model: %+v", e)
		}
		get(clin, path+"?model=fanta-otto-s", 400, "Error", &e)
		if !strings.Contains(e.Error.Message, "s-ketamine") || !strings.Contains(e.Error.Message, "choose a model of racemic") {
			t.Errorf("S-ketamine model for a racemic plan: %+v", e)
		}
		get(clin, path+"?version=9", 400, "Error", nil)
		// Rights: the course's routes' (a patient reaches only their own).
		get(ts.client(t, clinic.RolePatient), path, 404, "Error", nil)
		get(ts.client(t, ""), path, 401, "Error", nil)

		// The course page: the chart's data, the model, its validation
		// status and population, the table of each output's 10 days.
		page := pageOf(ts.do(t, clin, "GET", fmt.Sprintf("/courses/%d", cid), "", ""))
		for _, want := range []string{`id="prediction-chart" data-prediction="{`, "kamp-2020-racemic",
			"not validated against measured concentrations", "Typical patient only", "meta-analysis of 18 studies",
			`id="prediction-ketamine_ng_mL"`, `id="prediction-norketamine_ng_mL"`} {
			if !strings.Contains(page, want) {
				t.Errorf("course page lacks %s", want)
			}
		}
		if n := strings.Count(page[strings.Index(page, `id="prediction-ketamine_ng_mL"`):], "<th scope=\"row\">"); n < 11 {
			t.Errorf("the ketamine table has %d rows, want 10 days and the last dose's", n)
		}
		page = pageOf(ts.do(t, clin, "GET", fmt.Sprintf("/courses/%d?model=fanta-otto-s", cid), "", ""))
		if !strings.Contains(page, `id="prediction-error"`) || !strings.Contains(page, "kamp-2020-racemic") {
			t.Errorf("course page with an S-ketamine model: no error shown, or no default model's prediction")
		}

		// A session: before anything is charted, the planned line alone.
		storetest.Consent(t, ts.db, cid)
		nurse := ts.demo.As(context.Background(), clinic.RoleNurse)
		ss, err := ts.db.OpenSession(nurse, cid, 1, clinic.DateOf(ts.now()))
		if err != nil {
			t.Fatal(err)
		}
		spath := fmt.Sprintf("/api/v1/sessions/%d/prediction", ss.ID)
		var sp struct {
			Planned       *prediction.Prediction `json:"planned"`
			Actual        *prediction.Prediction `json:"actual"`
			ActualMessage string                 `json:"actual_message"`
			NowH          float64                `json:"now_h"`
		}
		get(clin, spath, 200, "SessionPrediction", &sp)
		if sp.Planned == nil || sp.Actual != nil || sp.ActualMessage == "" || sp.NowH != 0 {
			t.Fatalf("before the pump: planned %v, actual %v, message %q, now %v h", sp.Planned != nil, sp.Actual != nil, sp.ActualMessage, sp.NowH)
		}
		// Checked in, programmed at 10 mg/h and started 50 minutes ago.
		t0 := ts.now().Add(-time.Hour).Truncate(time.Minute)
		bag, _ := units.ParseConcentration("bag", "40mg/500mL")
		rate, _ := units.ParseDoseRate("rate", "10mg/h")
		for _, ev := range []infusion.Event{
			{Kind: infusion.KindCheckIn, At: t0, CheckIn: &infusion.CheckIn{Weight: units.Kilograms(71),
				Baseline: infusion.Vitals{HeartRate: 70, Systolic: 120, Diastolic: 75, SpO2: 98}, BaselineAt: t0}},
			{Kind: infusion.KindProgramme, At: t0.Add(5 * time.Minute), Programme: &infusion.Programme{Drug: infusion.Racemic, Bag: bag, Entered: rate,
				DoubleCheck: infusion.DoubleCheck{By: "second nurse", Drug: infusion.Racemic, Concentration: bag}}},
			{Kind: infusion.KindStart, At: t0.Add(10 * time.Minute)},
		} {
			if ev.Kind == infusion.KindStart {
				storetest.PrepareBag(t, ts.db, ss.ID, "40mg/500mL")
			}
			if _, _, err := ts.db.RecordEvent(nurse, ss.ID, ev); err != nil {
				t.Fatalf("%s: %v", ev.Kind, err)
			}
		}
		get(clin, spath, 200, "SessionPrediction", &sp)
		if sp.Planned == nil || sp.Actual == nil {
			t.Fatalf("after the start: planned %v, actual %v (%s)", sp.Planned != nil, sp.Actual != nil, sp.ActualMessage)
		}
		running := ts.now().Sub(t0.Add(10 * time.Minute)).Hours()
		if math.Abs(sp.Actual.DoseMg-10*running) > 1e-9 || math.Abs(sp.NowH-running) > 1e-9 {
			t.Errorf("charted dose %v mg at %v h: want 10 mg/h × %v h", sp.Actual.DoseMg, sp.NowH, running)
		}
		if end := sp.Actual.Summaries[0].Ends[0]; math.Abs(end.ConcNgML.Value-kampInfusion(71, 10, running)) > 1e-9*end.ConcNgML.Value {
			t.Errorf("charted line at now %v, want %v ng/mL", end.ConcNgML.Value, kampInfusion(71, 10, running))
		}
		get(clin, spath+"?model=simons-2022-s", 400, "Error", nil)
		page = pageOf(ts.do(t, clin, "GET", fmt.Sprintf("/sessions/%d", ss.ID), "", ""))
		for _, want := range []string{`id="prediction-chart" data-prediction="{`, "ketamine (planned)", "ketamine (charted)", "The pump is running"} {
			if !strings.Contains(page, want) {
				t.Errorf("charting page lacks %s", want)
			}
		}
		get(ts.client(t, clinic.RolePatient), spath, 404, "Error", nil)
	})
}

// predErrBody is the API's error body.
type predErrBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}
