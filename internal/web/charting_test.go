package web_test

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/infusion"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// form posts values as a browser's form would and returns the response.
func (ts *testServer) form(t *testing.T, c *http.Client, path string, v url.Values) *http.Response {
	t.Helper()
	return ts.do(t, c, "POST", path, "application/x-www-form-urlencoded", v.Encode())
}

// located returns the ID at the end of a 303's Location path (before any query).
func located(t *testing.T, resp *http.Response, prefix string) int64 {
	t.Helper()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d, want 303: %s", resp.StatusCode, firstError(body(resp)))
	}
	loc := resp.Header.Get("Location")
	rest, ok := strings.CutPrefix(loc, prefix)
	if !ok {
		t.Fatalf("redirect to %q, want %s…", loc, prefix)
	}
	rest, _, _ = strings.Cut(rest, "?")
	id, err := strconv.ParseInt(rest, 10, 64)
	if err != nil {
		t.Fatalf("redirect to %q: %v", loc, err)
	}
	return id
}

var errorText = regexp.MustCompile(`(?s)class="(?:form-error|field-error)"[^>]*>(.*?)</`)

// firstError returns the first error message shown on a page (for test
// failure messages).
func firstError(page string) string {
	page = html.UnescapeString(page)
	if m := errorText.FindStringSubmatch(page); m != nil {
		return m[1]
	}
	if len(page) > 300 {
		return page[:300]
	}
	return page
}

// pageOf returns a page's text with HTML escapes undone, to search it.
func pageOf(resp *http.Response) string { return html.UnescapeString(body(resp)) }

// goldbergForm is the course form for Goldberg 2005 at 71 kg from today,
// with the paper's unspecified details filled (+5 mg a day; midazolam IV).
func goldbergForm(start clinic.Date) url.Values {
	return url.Values{"protocol_id": {"goldberg-2005"}, "weight": {"71kg"}, "start_date": {start.String()},
		"settings.daily-step": {"+5mg"}, "settings.midazolam-route": {"IV"}}
}

// signedCourse has the clinician plan and sign a Goldberg course for p
// through the pages, and returns its ID.
func signedCourse(t *testing.T, ts *testServer, p *clinic.Patient, start clinic.Date) int64 {
	t.Helper()
	doc := ts.client(t, clinic.RoleClinician)
	id := located(t, ts.form(t, doc, fmt.Sprintf("/patients/%d/courses", p.ID), goldbergForm(start)), "/courses/")
	resp := ts.form(t, doc, fmt.Sprintf("/courses/%d/versions/1/sign", id), url.Values{})
	if resp.StatusCode != http.StatusSeeOther || strings.Contains(resp.Header.Get("Location"), "Not+signed") {
		t.Fatalf("sign: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	storetest.Consent(t, ts.db, id) // issue 15: no check-in without consent
	return id
}

// apiChart is the part of GET /api/v1/sessions/{id} the tests read.
type apiChart struct {
	ID         int64          `json:"id"`
	Phase      infusion.Phase `json:"phase"`
	OpenAlerts int            `json:"open_alerts"`
	State      infusion.State `json:"state"`
	Summary    struct {
		CumulativeDoseMg  float64 `json:"cumulative_dose_mg"`
		InfusedVolumeML   float64 `json:"infused_volume_ml"`
		RemainingVolumeML float64 `json:"remaining_volume_ml"`
		Rate              struct {
			MgPerH float64 `json:"mg_per_h"`
			MLPerH float64 `json:"ml_per_h"`
		} `json:"rate"`
	} `json:"summary"`
	Discharge infusion.DischargeStatus `json:"discharge"`
}

func (ts *testServer) chart(t *testing.T, c *http.Client, id int64) apiChart {
	t.Helper()
	resp := ts.do(t, c, "GET", fmt.Sprintf("/api/v1/sessions/%d", id), "", "")
	if resp.StatusCode != 200 {
		t.Fatalf("GET session: %d %s", resp.StatusCode, body(resp))
	}
	var ch apiChart
	decode(t, resp, &ch)
	return ch
}

// The scenario through the pages, as a nurse charts it on the
// tablet: Goldberg day 1 at 71 kg (003_55ad5919aae10607.txt), clonidine
// 0.1 mg PO and midazolam 2 mg, 40 mg in 500 mL over 4 h, vitals every
// 15 minutes with one tachycardia alert (heart rate 84 /min, exactly 20 %
// over the baseline 70 /min) acknowledged, stop, vitals, discharge. The
// cumulative dose must be 40 mg (10 mg/h × 4 h) and the record complete.
func TestHTTPGoldbergDay1Session(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ts := newTestServer(t, db.Engine())
		loc := time.Local
		p := ts.demo.Patients[3]
		courseID := signedCourse(t, ts, p, clinic.DateOf(ts.now().In(loc)))
		nurse := ts.client(t, clinic.RoleNurse)
		sid := located(t, ts.form(t, nurse, fmt.Sprintf("/courses/%d/sessions", courseID), url.Values{"day": {"1"}}), "/sessions/")

		// The session started five hours ago; every time is written as the
		// API and forms accept it (RFC 3339).
		t0 := ts.now().Add(-5 * time.Hour).Truncate(time.Minute)
		at := func(min int) string { return t0.Add(time.Duration(min) * time.Minute).Format(time.RFC3339) }
		seq := 1
		chart := func(v url.Values) {
			t.Helper()
			v.Set("seq", strconv.Itoa(seq))
			resp := ts.form(t, nurse, fmt.Sprintf("/sessions/%d/events", sid), v)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("%s at %s: status %d: %s", v.Get("kind"), v.Get("at"), resp.StatusCode, firstError(body(resp)))
			}
			seq = len(ts.chart(t, nurse, sid).State.Events) + 1
		}
		vitals := func(min, hr int) url.Values {
			return url.Values{"kind": {"vitals"}, "at": {at(min)}, "vitals.hr_per_min": {strconv.Itoa(hr)},
				"vitals.sbp_mmhg": {"120"}, "vitals.dbp_mmhg": {"75"}, "vitals.spo2_pct": {"97"}, "vitals.rr_per_min": {"14"}, "vitals.rass": {"0"}}
		}
		chart(url.Values{"kind": {"check-in"}, "at": {at(0)}, "check_in.weight": {"71kg"},
			"check_in.baseline.hr_per_min": {"70"}, "check_in.baseline.sbp_mmhg": {"120"}, "check_in.baseline.dbp_mmhg": {"75"},
			"check_in.baseline.spo2_pct": {"98"}, "check_in.baseline.rr_per_min": {"14"}, "check_in.baseline.rass": {"0"},
			"check_in.premedication[0].drug": {"clonidine"}, "check_in.premedication[0].dose": {"0.1mg"},
			"check_in.premedication[0].route": {"PO"}, "check_in.premedication[0].at": {at(0)},
			"check_in.premedication[1].drug": {"midazolam"}, "check_in.premedication[1].dose": {"2mg"},
			"check_in.premedication[1].route": {"IV"}, "check_in.premedication[1].at": {at(0)}})
		// The programme form is filled from the order: the bag and the
		// planned rate, written exactly.
		page := pageOf(ts.do(t, nurse, "GET", fmt.Sprintf("/sessions/%d", sid), "", ""))
		for _, want := range []string{`name="programme.bag" type="text" value="40mg/500mL"`, `name="programme.entered" type="text" value="10mg/h"`} {
			if !strings.Contains(page, want) {
				t.Errorf("programme form lacks %s", want)
			}
		}
		chart(url.Values{"kind": {"programme"}, "at": {at(10)}, "programme.drug": {"racemic"}, "programme.bag": {"40mg/500mL"},
			"programme.entered": {"10mg/h"}, "programme.double_check.drug": {"racemic"}, "programme.double_check.concentration": {"40mg/500mL"}})
		storetest.PrepareBag(t, ts.db, sid, "40mg/500mL") // issue 15: no start without a witnessed bag
		chart(url.Values{"kind": {"start"}, "at": {at(15)}})
		for m := 30; m <= 255; m += 15 {
			hr := 70
			if m == 90 {
				hr = 84
			}
			chart(vitals(m, hr))
		}
		// The alert is on the page, as an alert to acknowledge.
		page = pageOf(ts.do(t, nurse, "GET", fmt.Sprintf("/sessions/%d", sid), "", ""))
		if !strings.Contains(page, `role="alert"`) || !strings.Contains(page, "Heart rate 84 /min is +20.0 % over this session's baseline of 70 /min") {
			t.Fatalf("the tachycardia alert is not shown on the charting page")
		}
		ch := ts.chart(t, nurse, sid)
		if len(ch.State.Alerts) != 1 || ch.State.Alerts[0].Alert.Rule != infusion.RuleTachycardia || ch.OpenAlerts != 1 {
			t.Fatalf("alerts %+v", ch.State.Alerts)
		}
		alertSeq := ch.State.Alerts[0].Seq
		chart(url.Values{"kind": {"stop"}, "at": {at(255)}, "stop.reason": {"completed"}})
		// Stopped, the pump figure says so instead of showing the last
		// rate as if it still ran (10 mg/h, 125 mL/h: the programme above).
		page = pageOf(ts.do(t, nurse, "GET", fmt.Sprintf("/sessions/%d", sid), "", ""))
		if !strings.Contains(page, `<span class="fig-value">not flowing</span>`) || !strings.Contains(page, "last set 10 mg/h = 125 mL/h") {
			t.Errorf("the stopped pump's figure does not say it is not flowing with the last rate set")
		}
		chart(url.Values{"kind": {"acknowledge"}, "at": {at(256)}, "acknowledge.alert_seq": {strconv.Itoa(alertSeq)},
			"acknowledge.action": {"12-lead ECG sinus tachycardia, patient calm; observed, physician informed"}})
		chart(vitals(285, 72))
		d := url.Values{"kind": {"discharge-assessment"}, "at": {at(286)}, "discharge.escort_present": {"1"}}
		for _, k := range []string{"aldrete_activity", "aldrete_respiration", "aldrete_consciousness", "padss_ambulation",
			"padss_nausea_vomiting", "padss_pain", "padss_bleeding"} {
			d.Set("discharge."+k, "2")
		}
		chart(d)

		ch = ts.chart(t, nurse, sid)
		// 10 mg/h × 4 h = 40 mg; 125 mL/h × 4 h = 500 mL, the whole bag
		// (10 mg/h × 500 mL / 40 mg = 125 mL/h).
		if ch.Summary.CumulativeDoseMg != 40 || ch.Summary.InfusedVolumeML != 500 || ch.Summary.RemainingVolumeML != 0 {
			t.Errorf("cumulative %v mg, infused %v mL, remaining %v mL; want 40, 500, 0",
				ch.Summary.CumulativeDoseMg, ch.Summary.InfusedVolumeML, ch.Summary.RemainingVolumeML)
		}
		if ch.Summary.Rate.MgPerH != 10 || ch.Summary.Rate.MLPerH != 125 {
			t.Errorf("rate %v mg/h = %v mL/h", ch.Summary.Rate.MgPerH, ch.Summary.Rate.MLPerH)
		}
		if ch.Phase != infusion.PhaseStopped || ch.OpenAlerts != 0 || !ch.Discharge.Met {
			t.Errorf("phase %s, open alerts %d, discharge %+v", ch.Phase, ch.OpenAlerts, ch.Discharge)
		}
		// The record: check-in, programme, start, 16 vitals, alert, stop,
		// acknowledgement, vitals, discharge = 24 events.
		if n := len(ch.State.Events); n != 24 {
			t.Errorf("%d events, want 24", n)
		}
		nurseLogin, _ := ts.password(clinic.RoleNurse)
		a := ch.State.Alerts[0]
		if a.Ack == nil || a.Ack.By != nurseLogin || !strings.Contains(a.Ack.Action, "ECG") {
			t.Errorf("acknowledgement %+v", a.Ack)
		}
		meds := ch.State.Medications
		if len(meds) != 2 || meds[0].DoseMg != 0.1 || meds[1].DoseMg != 2 || meds[0].Medication.Route != infusion.RoutePO {
			t.Errorf("premedication %+v", meds)
		}
		// The audit log holds every event, by the nurse (alerts by the rules).
		var audit struct {
			Entries []clinic.AuditEntry `json:"entries"`
		}
		decode(t, ts.do(t, ts.client(t, clinic.RoleAdmin), "GET", fmt.Sprintf("/api/v1/audit?patient_id=%d&limit=200", p.ID), "", ""), &audit)
		n := 0
		for _, e := range audit.Entries {
			if e.Entity == "infusion_event" {
				n++
			}
		}
		if n != 24 {
			t.Errorf("%d audited events, want 24", n)
		}
		// The charting page shows the figures and the closed chart.
		page = pageOf(ts.do(t, nurse, "GET", fmt.Sprintf("/sessions/%d", sid), "", ""))
		for _, want := range []string{"Discharge criteria met", "40 <small>mg</small>", "acknowledge", "Aldrete"} {
			if !strings.Contains(page, want) {
				t.Errorf("charting page lacks %q", want)
			}
		}
	})
}

// Bad input through the pages and the API: a clear message naming the
// field (the page keeps what was typed), a 4xx status, and nothing on the
// record changed.
func TestHTTPBadChartingInput(t *testing.T) {
	ts := newTestServer(t, store.SQLite)
	p := ts.demo.Patients[4]
	courseID := signedCourse(t, ts, p, clinic.DateOf(ts.now()))
	nurse := ts.client(t, clinic.RoleNurse)
	sid := located(t, ts.form(t, nurse, fmt.Sprintf("/courses/%d/sessions", courseID), url.Values{"day": {"1"}}), "/sessions/")
	events := func() int { return len(ts.chart(t, nurse, sid).State.Events) }
	t0 := ts.now().Add(-2 * time.Hour).Truncate(time.Minute)
	at := func(min int) string { return t0.Add(time.Duration(min) * time.Minute).Format(time.RFC3339) }

	checkIn := url.Values{"kind": {"check-in"}, "at": {at(0)}, "check_in.weight": {"71"},
		"check_in.baseline.hr_per_min": {"70"}, "check_in.baseline.sbp_mmhg": {"120"}, "check_in.baseline.dbp_mmhg": {"75"},
		"check_in.baseline.spo2_pct": {"98"}}
	// Missing unit: the page says so, keeps "71" in the box, stores nothing.
	resp := ts.form(t, nurse, fmt.Sprintf("/sessions/%d/events", sid), checkIn)
	page := pageOf(resp)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "a number without a unit is ambiguous") ||
		!strings.Contains(page, `name="check_in.weight" type="text" value="71"`) {
		t.Errorf("weight without unit: status %d, %s", resp.StatusCode, firstError(page))
	}
	if n := events(); n != 0 {
		t.Fatalf("%d events stored by a refused check-in", n)
	}
	checkIn.Set("check_in.weight", "71kg")
	if resp := ts.form(t, nurse, fmt.Sprintf("/sessions/%d/events", sid), checkIn); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("check-in: %d %s", resp.StatusCode, firstError(body(resp)))
	}
	api := func(v any) (int, string, string) {
		t.Helper()
		b, _ := json.Marshal(v)
		resp := ts.do(t, nurse, "POST", fmt.Sprintf("/api/v1/sessions/%d/events", sid), "application/json", string(b))
		var e struct {
			Error struct{ Code, Message, Field string } `json:"error"`
		}
		if resp.StatusCode >= 400 {
			decode(t, resp, &e)
		}
		return resp.StatusCode, e.Error.Field, e.Error.Message
	}
	if st, field, msg := api(map[string]any{"kind": "programme", "at": at(5), "programme": map[string]any{"drug": "racemic", "bag": "40mg/500mL",
		"entered": "10", "double_check": map[string]any{"drug": "racemic", "concentration": "40mg/500mL"}}}); st != 400 || field != "programme.entered" {
		t.Errorf("rate without unit: %d %q %q", st, field, msg)
	}
	// The double check must match the bag: a ten-fold label is refused.
	if st, field, msg := api(map[string]any{"kind": "programme", "at": at(5), "programme": map[string]any{"drug": "racemic", "bag": "40mg/500mL",
		"entered": "10mg/h", "double_check": map[string]any{"drug": "racemic", "concentration": "400mg/500mL"}}}); st != 400 || field != "programme.double_check.concentration" {
		t.Errorf("double check mismatch: %d %q %q", st, field, msg)
	}
	if st, _, msg := api(map[string]any{"kind": "programme", "at": at(5), "programme": map[string]any{"drug": "racemic", "bag": "40mg/500mL",
		"entered": "125mL/h", "double_check": map[string]any{"drug": "racemic", "concentration": "0.08mg/mL"}}}); st != 201 {
		t.Fatalf("programme: %d %s", st, msg)
	}
	storetest.PrepareBag(t, ts.db, sid, "40mg/500mL")
	if st, _, msg := api(map[string]any{"kind": "start", "at": at(10)}); st != 201 {
		t.Fatalf("start: %d %s", st, msg)
	}
	before := ts.chart(t, nurse, sid)

	// SpO2 140 %: impossible. The page shows the message and keeps the values.
	v := url.Values{"kind": {"vitals"}, "at": {at(25)}, "vitals.hr_per_min": {"72"}, "vitals.sbp_mmhg": {"118"},
		"vitals.dbp_mmhg": {"76"}, "vitals.spo2_pct": {"140"}}
	resp = ts.form(t, nurse, fmt.Sprintf("/sessions/%d/events", sid), v)
	page = pageOf(resp)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "SpO2 140 % is impossible") ||
		!strings.Contains(page, `name="vitals.spo2_pct" type="text" value="140"`) || !strings.Contains(page, `aria-invalid="true"`) {
		t.Errorf("SpO2 140 %% on the page: status %d, %s", resp.StatusCode, firstError(page))
	}
	if st, field, _ := api(map[string]any{"kind": "vitals", "at": at(25), "vitals": map[string]any{"hr_per_min": 72, "sbp_mmhg": 118, "dbp_mmhg": 76, "spo2_pct": 140}}); st != 400 || field != "vitals.spo2_pct" {
		t.Errorf("SpO2 140 %% in the API: %d %q", st, field)
	}
	// A rate change beyond the hard limit (200 mg/h > outpatient hard max
	// 150 mg/h, CLINICAL.md): refused on the page and in the API.
	resp = ts.form(t, nurse, fmt.Sprintf("/sessions/%d/events", sid), url.Values{"kind": {"rate-change"}, "at": {at(30)}, "rate_change.entered": {"200mg/h"}})
	page = pageOf(resp)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "over a hard limit") || !strings.Contains(page, `value="200mg/h"`) {
		t.Errorf("hard limit on the page: status %d, %s", resp.StatusCode, firstError(page))
	}
	if st, field, msg := api(map[string]any{"kind": "rate-change", "at": at(30), "rate_change": map[string]any{"entered": "200mg/h"}}); st != 400 || field != "rate_change.entered" || !strings.Contains(msg, "hard limit") {
		t.Errorf("hard limit in the API: %d %q %q", st, field, msg)
	}
	// Over the soft limit (90 mg/h > 80 mg/h): a reason is asked for.
	if st, field, _ := api(map[string]any{"kind": "rate-change", "at": at(30), "rate_change": map[string]any{"entered": "90mg/h"}}); st != 400 || field != "rate_change.override.reason" {
		t.Errorf("soft limit in the API: %d %q", st, field)
	}
	// Time in the future; unknown kind; alerts cannot be posted.
	if st, field, _ := api(map[string]any{"kind": "vitals", "at": ts.now().Add(time.Hour).Format(time.RFC3339), "vitals": map[string]any{"hr_per_min": 72, "sbp_mmhg": 118, "dbp_mmhg": 76, "spo2_pct": 97}}); st != 400 || field != "at" {
		t.Errorf("future time: %d %q", st, field)
	}
	if st, field, _ := api(map[string]any{"kind": "alert"}); st != 400 || field != "kind" {
		t.Errorf("posted alert: %d %q", st, field)
	}
	// A stale form (seq of an older chart) is a conflict, not charted.
	stale := url.Values{"kind": {"pause"}, "at": {at(35)}, "seq": {"2"}}
	if resp := ts.form(t, nurse, fmt.Sprintf("/sessions/%d/events", sid), stale); resp.StatusCode != http.StatusConflict {
		t.Errorf("stale form: %d", resp.StatusCode)
	}
	after := ts.chart(t, nurse, sid)
	if a, b := mustMarshal(t, before.State.Events), mustMarshal(t, after.State.Events); a != b {
		t.Errorf("refused input changed the chart")
	}
	// An administrator reads the chart but may not chart.
	admin := ts.client(t, clinic.RoleAdmin)
	if resp := ts.form(t, admin, fmt.Sprintf("/sessions/%d/events", sid), url.Values{"kind": {"pause"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("admin charting: %d", resp.StatusCode)
	}
}

// Editing a signed plan is refused on the page and in the API with the
// reason, and the signed version stays as it was; a change makes a new
// version with a reason.
func TestHTTPSignedPlanNotEditable(t *testing.T) {
	ts := newTestServer(t, store.SQLite)
	p := ts.demo.Patients[5]
	id := signedCourse(t, ts, p, clinic.DateOf(ts.now()))
	doc := ts.client(t, clinic.RoleClinician)
	get := func() string {
		return body(ts.do(t, doc, "GET", fmt.Sprintf("/api/v1/courses/%d/versions/1", id), "", ""))
	}
	before := get()

	f := goldbergForm(clinic.DateOf(ts.now()))
	f.Set("weight", "90kg")
	resp := ts.form(t, doc, fmt.Sprintf("/courses/%d/versions/1", id), f)
	page := pageOf(resp)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(page, "cannot be changed and your edit was not saved; make a new version") {
		t.Errorf("editing the signed version on the page: %d %s", resp.StatusCode, firstError(page))
	}
	in := map[string]any{"protocol_id": "goldberg-2005", "weight": "90kg", "start_date": clinic.DateOf(ts.now()).String(),
		"settings": map[string]string{"daily-step": "+5mg", "midazolam-route": "IV"}, "reason": "new weight"}
	b, _ := json.Marshal(in)
	resp = ts.do(t, doc, "PUT", fmt.Sprintf("/api/v1/courses/%d/versions/1", id), "application/json", string(b))
	var e struct {
		Error struct{ Code, Field string } `json:"error"`
	}
	decode(t, resp, &e)
	if resp.StatusCode != http.StatusConflict || e.Error.Field != "version" {
		t.Errorf("PUT signed version: %d %+v", resp.StatusCode, e)
	}
	if after := get(); after != before {
		t.Errorf("signed version changed:\n%s\n%s", before, after)
	}
	// The edit page for a signed version says why and offers a new version.
	page = pageOf(ts.do(t, doc, "GET", fmt.Sprintf("/courses/%d/versions/1/edit", id), "", ""))
	if !strings.Contains(page, "cannot be changed") || !strings.Contains(page, fmt.Sprintf(`action="/courses/%d/versions"`, id)) {
		t.Errorf("edit page of a signed version: %s", firstError(page))
	}
	// A new version needs a reason; then it is a draft and version 1 stays signed.
	resp = ts.form(t, doc, fmt.Sprintf("/courses/%d/versions", id), f)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(pageOf(resp), "say why the signed plan is being changed") {
		t.Errorf("new version without a reason: %d", resp.StatusCode)
	}
	f.Set("reason", "weight re-measured: 90 kg")
	if resp := ts.form(t, doc, fmt.Sprintf("/courses/%d/versions", id), f); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("new version: %d %s", resp.StatusCode, firstError(body(resp)))
	}
	var c clinic.Course
	decode(t, ts.do(t, doc, "GET", fmt.Sprintf("/api/v1/courses/%d", id), "", ""), &c)
	if len(c.Versions) != 2 || c.Versions[0].Status != clinic.PlanSigned || c.Versions[1].Status != clinic.PlanDraft || c.Versions[1].Reason == "" {
		t.Errorf("versions after the change: %+v", c.Versions)
	}
	// Both versions are visible on the course page.
	page = pageOf(ts.do(t, doc, "GET", fmt.Sprintf("/courses/%d", id), "", ""))
	for _, want := range []string{">v1<", ">v2<", "weight re-measured: 90 kg", "awaits a clinician"} {
		if !strings.Contains(page, want) {
			t.Errorf("course page lacks %q", want)
		}
	}
	// The patient record links to the patient's courses, which list this one.
	if page := pageOf(ts.do(t, doc, "GET", fmt.Sprintf("/patients/%d", p.ID), "", "")); !strings.Contains(page, fmt.Sprintf(`hx-get="/patients/%d/courses"`, p.ID)) {
		t.Errorf("patient record lacks the courses section")
	}
	if page := pageOf(ts.do(t, doc, "GET", fmt.Sprintf("/patients/%d/courses", p.ID), "", "")); !strings.Contains(page, fmt.Sprintf(`href="/courses/%d"`, id)) {
		t.Errorf("the patient's course list lacks course %d", id)
	}
	// A patient reaches neither another patient's course nor the staff pages.
	pat := ts.client(t, clinic.RolePatient)
	for path, want := range map[string]int{
		fmt.Sprintf("/api/v1/courses/%d", id):            http.StatusNotFound,
		fmt.Sprintf("/api/v1/courses/%d/versions/1", id): http.StatusNotFound,
		fmt.Sprintf("/courses/%d", id):                   http.StatusForbidden,
		"/dashboard":                                     http.StatusForbidden,
		"/api/v1/dashboard":                              http.StatusForbidden,
	} {
		resp := ts.do(t, pat, "GET", path, "", "")
		if resp.StatusCode != want || strings.Contains(body(resp), p.MRN) {
			t.Errorf("patient GET %s: %d, want %d", path, resp.StatusCode, want)
		}
	}
	var own struct{ Courses []clinic.Course }
	decode(t, ts.do(t, pat, "GET", "/api/v1/courses", "", ""), &own)
	for _, c := range own.Courses {
		if c.PatientID != ts.demo.Users[clinic.RolePatient].PatientID {
			t.Errorf("patient sees course %d of patient %d", c.ID, c.PatientID)
		}
	}
	// A nurse cannot sign or plan.
	nurse := ts.client(t, clinic.RoleNurse)
	if resp := ts.do(t, nurse, "POST", fmt.Sprintf("/api/v1/courses/%d/versions/2/sign", id), "application/json", ""); resp.StatusCode != http.StatusForbidden {
		t.Errorf("nurse signs: %d", resp.StatusCode)
	}
}

// The course form: missing details are listed with the literature's
// choices; a preview shows the plan without saving; a soft limit needs a
// reason.
func TestHTTPCourseForm(t *testing.T) {
	ts := newTestServer(t, store.SQLite)
	p := ts.demo.Patients[7]
	doc := ts.client(t, clinic.RoleClinician)
	var list struct{ Courses []clinic.Course }
	decode(t, ts.do(t, doc, "GET", fmt.Sprintf("/api/v1/courses?patient_id=%d", p.ID), "", ""), &list)
	before := len(list.Courses)
	page := pageOf(ts.do(t, doc, "GET", fmt.Sprintf("/patients/%d/courses/new?protocol_id=goldberg-2005", p.ID), "", ""))
	for _, want := range []string{"daily-step", "midazolam-route", "+10mg", "NCT00579085"} {
		if !strings.Contains(page, want) {
			t.Errorf("new course form lacks %q", want)
		}
	}
	f := goldbergForm(clinic.DateOf(ts.now()))
	f.Del("settings.daily-step")
	resp := ts.form(t, doc, fmt.Sprintf("/patients/%d/courses", p.ID), f)
	page = pageOf(resp)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "Choices from the literature: linear, +5mg, +10mg") {
		t.Errorf("missing detail: %d %s", resp.StatusCode, firstError(page))
	}
	f.Set("settings.daily-step", "+10mg")
	f.Set("preview", "1")
	page = pageOf(ts.form(t, doc, fmt.Sprintf("/patients/%d/courses", p.ID), f))
	if !strings.Contains(page, "Preview (not saved)") || !strings.Contains(page, "50 mg") {
		t.Errorf("preview lacks the plan: %s", firstError(page))
	}
	decode(t, ts.do(t, doc, "GET", fmt.Sprintf("/api/v1/courses?patient_id=%d", p.ID), "", ""), &list)
	if n := len(list.Courses); n != before {
		t.Errorf("a preview saved a course: %d courses, %d before", n, before)
	}
	// Soft limit (Puchalski 1.5 mg/kg/h outpatient, above the soft 1.0
	// mg/kg/h of CLINICAL.md) through the API: 400 naming acknowledgement.
	in := fmt.Sprintf(`{"patient_id":%d,"protocol_id":"puchalski-2016","weight":"70kg","care_area":"outpatient","start_date":%q}`, p.ID, clinic.DateOf(ts.now()).String())
	resp = ts.do(t, doc, "POST", "/api/v1/courses", "application/json", in)
	var e struct {
		Error struct{ Field string } `json:"error"`
	}
	decode(t, resp, &e)
	if resp.StatusCode != 400 || e.Error.Field != "acknowledgement" {
		t.Errorf("soft limit: %d %+v", resp.StatusCode, e)
	}
	in = strings.Replace(in, `"weight":"70kg"`, `"weight":"70"`, 1)
	resp = ts.do(t, doc, "POST", "/api/v1/courses", "application/json", in)
	decode(t, resp, &e)
	if resp.StatusCode != 400 || e.Error.Field != "weight" {
		t.Errorf("weight without unit: %d %+v", resp.StatusCode, e)
	}
}

func mustMarshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
