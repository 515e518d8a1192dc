package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/infusion"
	"github.com/ketatrack/ketatrack/internal/units"
)

// Infusion session charting for the nurse's tablet: one page per session
// with the live figures (cumulative dose, remaining volume, rate in mg/h and
// mL/h, vitals due), open alerts to acknowledge, and the forms of the
// session's phase. Every form posts one event to POST /sessions/{id}/events;
// the API posts the same events as JSON. Both go through
// clinic.ChartingService.RecordEvent, which replays the chart, checks the
// event with internal/infusion and the dose engine, and appends it.

// sessionData is the charting page.
type sessionData struct {
	views
	Session   *clinic.InfusionSession
	Patient   *clinic.Patient
	Course    *clinic.Course
	Plan      *clinic.Plan
	PlanDay   *clinic.PlanDay
	Summary   infusion.Summary
	Discharge infusion.DischargeStatus
	CanChart  bool
	// Failed is the kind of the form that was refused (its values and
	// errors are in page.Form), so the page opens that form.
	Failed string
	// VitalsJSON is the chart's data for static/charting.js.
	VitalsJSON string
	Events     []eventView
	// Stock is the bag preparations, the lots to draw from and the
	// course's consent (stock_bag.go).
	Stock stockPanel
	// Prediction is the planned and charted predicted concentrations
	// (prediction_view.go); not computed for the live panel's polls.
	Prediction predictionPanel

	form *form // the submitted form, when one was refused
}

// Phase reports whether the session is in phase p.
func (d sessionData) Phase(p string) bool { return string(d.Session.Phase) == p }

// CheckedIn reports whether the patient has been checked in.
func (d sessionData) CheckedIn() bool { return d.Session.Phase != infusion.PhaseAwaitingCheckIn }

// NextSeq is the number the next event will have (the forms send it, so a
// chart changed meanwhile is refused instead of charted out of context).
func (d sessionData) NextSeq() int { return len(d.Session.State.Events) + 1 }

// State is the replayed chart.
func (d sessionData) State() *infusion.State { return d.Session.State }

// PlannedRate is the plan's first rate, to fill the programme form: the
// dose as prescribed when it is per kg ("0.35mg/kg/h", converted with
// today's weight), otherwise the planned mg/h written exactly, never
// rounded (a rounded-up rate would be above the plan). "" without a
// planned profile.
func (d sessionData) PlannedRate() string {
	st := d.Session.State.Order.Steps
	if len(st) == 0 {
		return ""
	}
	if d.PlanDay != nil {
		for _, ps := range d.PlanDay.Steps {
			if ps.Bolus {
				continue
			}
			if r, err := units.ParseDoseRate("", ps.Dose); err == nil && r.NeedsWeight() {
				return r.String()
			}
			break
		}
	}
	return strconv.FormatFloat(float64(st[0].RateMgPerH), 'f', -1, 64) + "mg/h"
}

// OrderBag is the bag of the order as labelled ("" for none).
func (d sessionData) OrderBag() string {
	if b := d.Session.State.Order.Bag; b != nil {
		return b.String()
	}
	return ""
}

// StepMLPerH is a plan step's pump rate for the order's bag (nil without a bag).
func (d sessionData) StepMLPerH(s infusion.Step) string {
	if b := d.Session.State.Order.Bag; b != nil {
		if amount, volume, ok := b.Amount(); ok {
			bag := infusion.Bag{AmountMg: infusion.Milligrams(amount.Milligrams()), VolumeML: infusion.Millilitres(volume.Milliliters())}
			return d.Num(float64(bag.MLPerHour(s.RateMgPerH)))
		}
	}
	return "—"
}

// Premeds are the plan's premedication rows for the check-in form, plus
// one empty row.
func (d sessionData) Premeds() []premedRow {
	var out []premedRow
	if d.PlanDay != nil {
		for _, m := range d.PlanDay.Premedication {
			if m.Role != "premedication" {
				continue
			}
			dose := m.Dose
			if m.PatientDose != "" {
				dose = m.PatientDose
			}
			row := premedRow{Drug: m.Drug, Route: m.Route, Planned: dose}
			// A single dose fills the form; a range ("2mg to 4mg") is the
			// nurse's choice.
			if !strings.Contains(dose, " to ") && !strings.Contains(dose, " ") {
				row.Dose = dose
			}
			out = append(out, row)
		}
	}
	out = append(out, premedRow{})
	for i := range out {
		out[i].Index = i
	}
	return out
}

type premedRow struct {
	Index                      int
	Drug, Dose, Route, Planned string
}

// Field returns the form field name of premedication row i.
func (p premedRow) Field(name string) string {
	return fmt.Sprintf("check_in.premedication[%d].%s", p.Index, name)
}

// eventView is one line of the chart's event log.
type eventView struct {
	Seq    int
	At     time.Time
	Kind   string
	By     string
	Text   string
	IsAlrt bool
}

// sessionPage shows the chart; ?part=live returns only the live panel (the
// page polls it with htmx).
func (s *Server) sessionPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.sessionView(r)
	if err != nil {
		return err
	}
	p := &page{Title: fmt.Sprintf("Day %d · %s", d.Session.Day, d.Patient.FullName()), Data: d, Form: newForm()}
	if r.URL.Query().Get("part") == "live" {
		s.renderPartial(w, r, "charting_session", "charting_live", p)
		return nil
	}
	s.render(w, r, http.StatusOK, "charting_session", p)
	return nil
}

// sessionView loads everything the page shows.
func (s *Server) sessionView(r *http.Request) (sessionData, error) {
	svc, err := s.treatment()
	if err != nil {
		return sessionData{}, err
	}
	id, err := pathID(r)
	if err != nil {
		return sessionData{}, err
	}
	ss, err := svc.FindSessionByID(r.Context(), id)
	if err != nil {
		return sessionData{}, err
	}
	return s.sessionViewOf(r, ss)
}

func (s *Server) sessionViewOf(r *http.Request, ss *clinic.InfusionSession) (sessionData, error) {
	svc, err := s.treatment()
	if err != nil {
		return sessionData{}, err
	}
	p, err := s.Patients.FindPatientByID(r.Context(), ss.PatientID)
	if err != nil {
		return sessionData{}, err
	}
	c, err := svc.FindCourseByID(r.Context(), ss.CourseID)
	if err != nil {
		return sessionData{}, err
	}
	d := sessionData{views: s.views(), Session: ss, Patient: p, Course: c, CanChart: clinic.CanChart(actor(r), ss.ClinicID)}
	for _, v := range c.Versions {
		if v.ID == ss.PlanVersionID {
			d.Plan = v.Plan
			d.PlanDay = v.Plan.Day(ss.Day)
		}
	}
	st := *ss.State
	d.Summary = st.Summary(d.now)
	d.Discharge = st.DischargeStatus()
	d.VitalsJSON = vitalsChartJSON(st)
	for _, e := range st.Events {
		d.Events = append(d.Events, eventView{Seq: e.Seq, At: e.At, Kind: string(e.Kind), By: e.By, Text: d.eventText(e),
			IsAlrt: e.Kind == infusion.KindAlert})
	}
	if err := s.loadStockPanel(r, &d); err != nil {
		return sessionData{}, err
	}
	if r.URL.Query().Get("part") != "live" {
		if d.Prediction, err = s.sessionPanel(r, ss, c, p); err != nil {
			return sessionData{}, err
		}
	}
	return d, nil
}

// vitalsChartJSON is the series static/charting.js draws: times in Unix
// seconds, the session's baseline first, and the span of the x axis: the
// planned session (from the first point, or the pump's start, to the end of
// the plan's running time) around the points, or 30 minutes either side of
// them without a plan, so that a single baseline point does not leave the
// axis to the chart library's guess.
func vitalsChartJSON(st infusion.State) string {
	var c struct {
		Span [2]int64  `json:"span"`
		T    []int64   `json:"t"`
		HR   []int     `json:"hr"`
		SBP  []int     `json:"sbp"`
		DBP  []int     `json:"dbp"`
		SpO2 []float64 `json:"spo2"`
	}
	add := func(t time.Time, v infusion.Vitals) {
		c.T = append(c.T, t.Unix())
		c.HR, c.SBP, c.DBP = append(c.HR, int(v.HeartRate)), append(c.SBP, int(v.Systolic)), append(c.DBP, int(v.Diastolic))
		c.SpO2 = append(c.SpO2, float64(v.SpO2))
	}
	if st.CheckIn != nil {
		add(st.CheckIn.BaselineAt, st.CheckIn.Baseline)
	}
	vs := append([]infusion.VitalsRecord(nil), st.Vitals...)
	// Vitals may be charted late: draw them in clinical time order.
	for i := 1; i < len(vs); i++ {
		for j := i; j > 0 && vs[j].At.Before(vs[j-1].At); j-- {
			vs[j], vs[j-1] = vs[j-1], vs[j]
		}
	}
	for _, v := range vs {
		add(v.At, v.Vitals)
	}
	if len(c.T) > 0 {
		lo, hi := c.T[0], c.T[len(c.T)-1]
		if d := st.Order.PlannedDuration(); d > 0 {
			anchor := time.Unix(lo, 0)
			if !st.StartedAt.IsZero() {
				anchor = st.StartedAt
			}
			c.Span = [2]int64{min(lo, anchor.Unix()) - 5*60, max(hi, anchor.Add(d).Unix()) + 5*60}
		} else {
			c.Span = [2]int64{lo - 30*60, hi + 30*60}
		}
	}
	b, _ := json.Marshal(c)
	return string(b)
}

// eventText describes an event for the log (display only).
func (d sessionData) eventText(e infusion.Event) string {
	vit := func(v infusion.Vitals) string {
		s := fmt.Sprintf("HR %d /min, BP %d/%d mmHg, SpO2 %s %%", v.HeartRate, v.Systolic, v.Diastolic, d.Num(float64(v.SpO2)))
		if v.OnOxygen {
			s += " on O2"
		}
		if v.RespRate != nil {
			s += fmt.Sprintf(", RR %d /min", *v.RespRate)
		}
		if v.RASS != nil {
			s += fmt.Sprintf(", RASS %+d", *v.RASS)
		}
		if v.CADSS != nil {
			s += fmt.Sprintf(", CADSS %d", *v.CADSS)
		}
		return s
	}
	rate := func(r infusion.Rate) string {
		return d.Num(float64(r.MgPerH)) + " mg/h = " + d.Num(float64(r.MLPerH)) + " mL/h"
	}
	var t string
	switch {
	case e.CheckIn != nil:
		c := e.CheckIn
		t = "weight " + c.Weight.String() + "; baseline " + vit(c.Baseline)
		for _, m := range c.Premedication {
			t += fmt.Sprintf("; %s %s %s at %s", m.Drug, m.Dose, m.Route, d.Clock(m.At))
		}
	case e.Programme != nil:
		p := e.Programme
		t = fmt.Sprintf("%s, bag %s, entered %s → %s; double check by %s: %s %s", p.Drug, p.Bag, p.Entered, rate(p.Rate),
			p.DoubleCheck.By, p.DoubleCheck.Drug, p.DoubleCheck.Concentration)
		if p.Override != nil {
			t += "; soft limit overridden: " + p.Override.Reason
		}
	case e.RateChange != nil:
		rc := e.RateChange
		t = fmt.Sprintf("entered %s → %s", rc.Entered, rate(rc.Rate))
		if rc.Reason != "" {
			t += "; " + rc.Reason
		}
		if rc.Override != nil {
			t += "; soft limit overridden: " + rc.Override.Reason
		}
	case e.Stop != nil:
		t = "reason: " + string(e.Stop.Reason)
	case e.Vitals != nil:
		t = vit(*e.Vitals)
	case e.SideEffect != nil:
		se := e.SideEffect
		name := string(se.Effect)
		if se.Other != "" {
			name += " (" + se.Other + ")"
		}
		t = fmt.Sprintf("%s, grade %d; action: %s", name, se.Severity, se.Action)
	case e.Medication != nil:
		m := e.Medication
		t = fmt.Sprintf("%s %s %s at %s", m.Drug, m.Dose, m.Route, d.Clock(m.At))
	case e.Alert != nil:
		a := e.Alert
		t = fmt.Sprintf("%s (%s; threshold %s; source: %s)", a.Message, a.Observed, a.Threshold, a.Source)
	case e.Acknowledge != nil:
		t = fmt.Sprintf("alert %d: %s", e.Acknowledge.AlertSeq, e.Acknowledge.Action)
	case e.Discharge != nil:
		a := e.Discharge
		t = fmt.Sprintf("Aldrete items %d/%d/%d, PADSS items %d/%d/%d/%d, escort %v", a.Activity, a.Respiration, a.Consciousness,
			a.Ambulation, a.NauseaVomiting, a.Pain, a.Bleeding, a.EscortPresent)
	}
	if e.Note != "" {
		t += " — " + e.Note
	}
	return t
}

// eventFromForm reads one charting form into an EventInput. Field names are
// the API's JSON paths ("check_in.weight", "vitals.spo2_pct").
func eventFromForm(f *form) (clinic.EventInput, error) {
	in := clinic.EventInput{Kind: f.Get("kind"), At: f.Get("at"), Note: f.Get("note")}
	if v := f.Get("seq"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return in, clinic.Invalid("seq", "%q is not an event number", v)
		}
		in.Seq = n
	}
	intField := func(name string, required bool) (int, error) {
		v := f.Get(name)
		if v == "" && !required {
			return 0, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, clinic.Invalid(name, "choose a value")
		}
		return n, nil
	}
	var err error
	switch infusion.Kind(in.Kind) {
	case infusion.KindCheckIn:
		c := &clinic.CheckInInput{Weight: f.Get("check_in.weight"), BaselineAt: f.Get("check_in.baseline_at")}
		if c.Baseline, err = clinic.ParseVitals("check_in.baseline", f.Get); err != nil {
			return in, err
		}
		for i := 0; i < 8; i++ {
			field := func(n string) string { return f.Get(fmt.Sprintf("check_in.premedication[%d].%s", i, n)) }
			if field("drug") == "" && field("dose") == "" {
				continue
			}
			c.Premedication = append(c.Premedication, clinic.MedicationInput{Drug: field("drug"), Dose: field("dose"), Route: field("route"), At: field("at")})
		}
		in.CheckIn = c
	case infusion.KindProgramme:
		in.Programme = &clinic.ProgrammeInput{Drug: f.Get("programme.drug"), Bag: f.Get("programme.bag"), Entered: f.Get("programme.entered"),
			DoubleCheck: clinic.DoubleCheckInput{By: f.Get("programme.double_check.by"), Drug: f.Get("programme.double_check.drug"),
				Concentration: f.Get("programme.double_check.concentration")},
			Override: &clinic.OverrideInput{Reason: f.Get("programme.override.reason")}}
	case infusion.KindRateChange:
		in.RateChange = &clinic.RateChangeInput{Entered: f.Get("rate_change.entered"), Reason: f.Get("rate_change.reason"),
			Override: &clinic.OverrideInput{Reason: f.Get("rate_change.override.reason")}}
	case infusion.KindStop:
		in.Stop = &infusion.Stop{Reason: infusion.StopReason(f.Get("stop.reason"))}
	case infusion.KindVitals:
		v, err := clinic.ParseVitals("vitals", f.Get)
		if err != nil {
			return in, err
		}
		in.Vitals = &v
	case infusion.KindSideEffect:
		sev, err := intField("side_effect.severity", true)
		if err != nil {
			return in, err
		}
		in.SideEffect = &infusion.SideEffect{Effect: infusion.SideEffectKind(f.Get("side_effect.effect")), Other: f.Get("side_effect.other"),
			Severity: infusion.Severity(sev), Action: f.Get("side_effect.action")}
	case infusion.KindMedication:
		in.Medication = &clinic.MedicationInput{Drug: f.Get("medication.drug"), Dose: f.Get("medication.dose"), Route: f.Get("medication.route"), At: f.Get("medication.at")}
	case infusion.KindAcknowledge:
		seq, err := intField("acknowledge.alert_seq", true)
		if err != nil {
			return in, err
		}
		in.Acknowledge = &infusion.Acknowledgement{AlertSeq: seq, Action: f.Get("acknowledge.action")}
	case infusion.KindDischarge:
		a := &infusion.DischargeAssessment{EscortPresent: f.Get("discharge.escort_present") != ""}
		for _, it := range []struct {
			name string
			dst  *int
		}{
			{"discharge.aldrete_activity", &a.Activity}, {"discharge.aldrete_respiration", &a.Respiration},
			{"discharge.aldrete_consciousness", &a.Consciousness}, {"discharge.padss_ambulation", &a.Ambulation},
			{"discharge.padss_nausea_vomiting", &a.NauseaVomiting}, {"discharge.padss_pain", &a.Pain},
			{"discharge.padss_bleeding", &a.Bleeding},
		} {
			if *it.dst, err = intField(it.name, true); err != nil {
				return in, err
			}
		}
		in.Discharge = a
	}
	return in, nil
}

// flashFor is the confirmation after an event is charted, with any alert it
// raised.
func flashFor(appended []infusion.Event) string {
	if len(appended) == 0 {
		return ""
	}
	msg := "Charted: " + string(appended[0].Kind) + "."
	for _, e := range appended[1:] {
		if e.Alert != nil {
			msg += " ALERT: " + e.Alert.Message + "."
		}
	}
	return msg
}

// sessionEvent charts one event from a form. A refused event re-shows the
// page with the form's values and the field at fault; nothing is stored.
func (s *Server) sessionEvent(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := s.treatmentRecord(r)
	if err != nil {
		return err
	}
	f, err := formValues(r)
	if err != nil {
		return err
	}
	in, err := eventFromForm(f)
	var appended []infusion.Event
	if err == nil {
		var e infusion.Event
		if e, err = in.Event(actor(r).Login, s.Now(), s.Location); err == nil {
			_, appended, err = svc.RecordEvent(r.Context(), id, e)
		}
	}
	if err != nil {
		if !showErr(f, err) {
			return err
		}
		d, verr := s.sessionView(r)
		if verr != nil {
			return verr
		}
		d.Failed, d.form = f.Get("kind"), f
		s.render(w, r, ErrorStatus(err), "charting_session", &page{Title: fmt.Sprintf("Day %d · %s", d.Session.Day, d.Patient.FullName()), Data: d, Form: f})
		return nil
	}
	http.Redirect(w, r, fmt.Sprintf("/sessions/%d?flash=%s", id, url.QueryEscape(flashFor(appended))), http.StatusSeeOther)
	return nil
}

// The JSON API.

// apiChart is a session as the API returns it: the stored session with
// its replayed chart, the summary at the time of the request and the
// discharge criteria.
type apiChart struct {
	*clinic.InfusionSession
	Summary   infusion.Summary         `json:"summary"`
	Discharge infusion.DischargeStatus `json:"discharge"`
}

func apiChartOf(ss *clinic.InfusionSession, now time.Time) apiChart {
	st := *ss.State
	return apiChart{InfusionSession: ss, Summary: st.Summary(now), Discharge: st.DischargeStatus()}
}

type apiSessionList struct {
	Sessions []*clinic.InfusionSession `json:"sessions"`
	// Next is the cursor of the next page (?after=NEXT); absent on the last.
	Next string `json:"next,omitempty"`
}

// apiSessions lists sessions newest first (session date, then ID), ?limit
// (default 200, at most 500: one row more than the page must fit under
// FindSessions' 1000) a page, ?after=NEXT for the next.

func (s *Server) apiSessions(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.treatment()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := clinic.SessionFilter{WithOpenAlerts: q.Get("open_alerts") == "true"}
	if v := q.Get("date"); v != "" {
		d, err := clinic.ParseDate(v)
		if err != nil {
			return clinic.Invalid("date", "%v", err)
		}
		f.Date = d
	}
	cid, err := queryInt(r, "course_id")
	if err != nil {
		return err
	}
	pid, err := queryInt(r, "patient_id")
	if err != nil {
		return err
	}
	f.CourseID, f.PatientID = int64(cid), int64(pid)
	n, err := pageLimit(r, 200, 500)
	if err != nil {
		return err
	}
	after, err := afterCursor[sessionCursor](r)
	if err != nil {
		return err
	}
	f.After, f.Limit = (*clinic.SessionKey)(after), n+1
	list, err := svc.FindSessions(r.Context(), f)
	if err != nil {
		return err
	}
	list, next := cutPage(list, n, func(ss *clinic.InfusionSession) sessionCursor { return sessionCursor(ss.Key()) })
	if list == nil {
		list = []*clinic.InfusionSession{}
	}
	writeJSON(w, http.StatusOK, apiSessionList{Sessions: list, Next: encodeCursor(next)})
	return nil
}

func (s *Server) apiInfusionSession(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := s.treatmentRecord(r)
	if err != nil {
		return err
	}
	ss, err := svc.FindSessionByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, apiChartOf(ss, s.Now()))
	return nil
}

type apiOpenSessionInput struct {
	Day  int         `json:"day"`
	Date clinic.Date `json:"date"`
}

func (s *Server) apiOpenSession(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := s.treatmentRecord(r)
	if err != nil {
		return err
	}
	var in apiOpenSessionInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.Day <= 0 {
		return clinic.Invalid("day", "the plan's treatment day (1, 2, …) is required")
	}
	if in.Date.IsZero() {
		in.Date = s.today()
	}
	ss, err := svc.OpenSession(r.Context(), id, in.Day, in.Date)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/sessions/%d", ss.ID))
	writeJSON(w, http.StatusCreated, apiChartOf(ss, s.Now()))
	return nil
}

// apiEventResult is the answer to a charted event: the events appended (the
// event, then any alert it raised) and the session as it now stands.
type apiEventResult struct {
	Appended []infusion.Event `json:"appended"`
	Session  apiChart         `json:"session"`
}

func (s *Server) apiSessionEvent(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := s.treatmentRecord(r)
	if err != nil {
		return err
	}
	var in clinic.EventInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	e, err := in.Event(actor(r).Login, s.Now(), s.Location)
	if err != nil {
		return err
	}
	ss, appended, err := svc.RecordEvent(r.Context(), id, e)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, apiEventResult{Appended: appended, Session: apiChartOf(ss, s.Now())})
	return nil
}

// maxEventBatch bounds the events of one POST
// /api/v1/sessions/{id}/events:batch. A batch is one write transaction: on
// SQLite one savepoint of the single writer's group commit, which every
// other write of the clinic waits behind, and on PostgreSQL the session's
// row lock held for its inserts; each event is also recorded on a copy of
// the chart so far (infusion.Record), so a batch costs its size times the
// chart's. 500 sets of vitals are two 4-hour infusions charted once a
// minute — a monitor gateway's whole backlog of one session after an
// outage — in under 100 KB of JSON (maxRequestBody is 1 MiB).
const maxEventBatch = 500

// apiEventBatchInput is the body of a batch: events in the order to chart,
// each decoded on its own (decodeShapedJSON: decodeJSON checked the shape
// of the whole body) so that an error names its index (events[3].spo2).
type apiEventBatchInput struct {
	Events []json.RawMessage `json:"events"`
}

// apiEventBatchResult is the compact answer to a batch: counts, the alerts
// the batch raised and the chart's new revision, instead of the chart.
type apiEventBatchResult struct {
	SessionID int64 `json:"session_id"`
	// Charted is the number of events of the request (all were charted);
	// Appended adds the alerts they raised.
	Charted  int `json:"charted"`
	Appended int `json:"appended"`
	// Alerts are the alert events raised, each with its seq and the seq of
	// the event that raised it (alert.cause_seq).
	Alerts []infusion.Event `json:"alerts"`
	// Revision is the chart's number of events now, the seq of the last
	// one appended: a client that charts next sends seq revision+1.
	Revision   int            `json:"revision"`
	Phase      infusion.Phase `json:"phase"`
	OpenAlerts int            `json:"open_alerts"`
}

// apiSessionEventBatch charts a list of events as POST
// /api/v1/sessions/{id}/events charts each (the same parsing, checks,
// alerts, rows and audit entries, one after another at one instant), all
// or none: a refusal names the event by index (events[17].vitals.spo2_pct)
// with the status the event alone would get.
func (s *Server) apiSessionEventBatch(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := s.treatmentRecord(r)
	if err != nil {
		return err
	}
	var in apiEventBatchInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	switch {
	case len(in.Events) == 0:
		return clinic.Invalid("events", "list at least one event to chart")
	case len(in.Events) > maxEventBatch:
		return clinic.Invalid("events", "%d events in one request; at most %d: send the rest in another", len(in.Events), maxEventBatch)
	}
	login, now := actor(r).Login, s.Now()
	evs := make([]infusion.Event, len(in.Events))
	for i, raw := range in.Events {
		var ei clinic.EventInput
		if err := decodeShapedJSON(raw, &ei); err != nil {
			return clinic.ItemError("events", i, err)
		}
		if evs[i], err = ei.Event(login, now, s.Location); err != nil {
			return clinic.ItemError("events", i, err)
		}
	}
	ss, appended, err := svc.RecordEvents(r.Context(), id, evs)
	if err != nil {
		return err
	}
	res := apiEventBatchResult{SessionID: ss.ID, Charted: len(evs), Appended: len(appended), Alerts: []infusion.Event{},
		Revision: ss.EventCount, Phase: ss.Phase, OpenAlerts: ss.OpenAlerts}
	for _, e := range appended {
		if e.Kind == infusion.KindAlert {
			res.Alerts = append(res.Alerts, e)
		}
	}
	writeJSON(w, http.StatusCreated, res)
	return nil
}
