package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/infusion"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// batchSession opens day 1 of a signed Goldberg course of demo patient 3
// through the API and checks the patient in at t0 (baseline HR 70 /min,
// SpO2 98 %), programmes 40 mg/500 mL at 10 mg/h at t0+10 min and starts
// the pump at t0+15 min, one event a request; it returns the session's ID.
func batchSession(t *testing.T, ts *testServer, t0 time.Time) int64 {
	t.Helper()
	p := ts.demo.Patients[3]
	courseID := signedCourse(t, ts, p, clinic.DateOf(ts.now()))
	nurse := ts.client(t, clinic.RoleNurse)
	resp := ts.do(t, nurse, "POST", fmt.Sprintf("/api/v1/courses/%d/sessions", courseID), "application/json", `{"day":1}`)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("open session: %d %s", resp.StatusCode, body(resp))
	}
	var s struct {
		ID int64 `json:"id"`
	}
	decode(t, resp, &s)
	at := func(min int) string { return t0.Add(time.Duration(min) * time.Minute).Format(time.RFC3339) }
	post := func(ev string) {
		t.Helper()
		if resp := ts.do(t, nurse, "POST", fmt.Sprintf("/api/v1/sessions/%d/events", s.ID), "application/json", ev); resp.StatusCode != http.StatusCreated {
			t.Fatalf("%s: %d %s", ev, resp.StatusCode, body(resp))
		}
	}
	post(fmt.Sprintf(`{"kind":"check-in","at":%q,"check_in":{"weight":"71kg","baseline":{"hr_per_min":70,"sbp_mmhg":120,"dbp_mmhg":75,"spo2_pct":98}}}`, at(0)))
	post(fmt.Sprintf(`{"kind":"programme","at":%q,"programme":{"drug":"racemic","bag":"40mg/500mL","entered":"10mg/h","double_check":{"drug":"racemic","concentration":"40mg/500mL"}}}`, at(10)))
	storetest.PrepareBag(t, ts.db, s.ID, "40mg/500mL")
	post(fmt.Sprintf(`{"kind":"start","at":%q}`, at(15)))
	return s.ID
}

// vitalsJSON is one vitals event at t as the API takes it.
func vitalsJSON(t time.Time, hr, spo2 int) string {
	return fmt.Sprintf(`{"kind":"vitals","at":%q,"vitals":{"hr_per_min":%d,"sbp_mmhg":121,"dbp_mmhg":76,"spo2_pct":%d,"rr_per_min":14}}`,
		t.Format(time.RFC3339), hr, spo2)
}

// batchBody is the body of POST …/events:batch with events (JSON objects).
func batchBody(events []string) string { return `{"events":[` + strings.Join(events, ",") + `]}` }

// batchEvents are 20 events from t0+20 min, one every 5 minutes: vitals at
// HR 72 /min and SpO2 97 %, except event 4 (SpO2 92 %, below Goldberg's
// 93 %: a desaturation alert) and event 11 (HR 84 /min, exactly 20 % over
// the baseline 70 /min: a tachycardia alert; infusion.DefaultRules), and a
// pause (event 7) and resume (event 8) of the pump.
func batchEvents(t0 time.Time) []string {
	var out []string
	for i := range 20 {
		at := t0.Add(time.Duration(20+5*i) * time.Minute)
		switch i {
		case 4:
			out = append(out, vitalsJSON(at, 72, 92))
		case 7:
			out = append(out, fmt.Sprintf(`{"kind":"pause","at":%q}`, at.Format(time.RFC3339)))
		case 8:
			out = append(out, fmt.Sprintf(`{"kind":"resume","at":%q}`, at.Format(time.RFC3339)))
		case 11:
			out = append(out, vitalsJSON(at, 84, 97))
		default:
			out = append(out, vitalsJSON(at, 72, 97))
		}
	}
	return out
}

// batchResult is the answer to a batch as the tests read it.
type batchResult struct {
	SessionID  int64            `json:"session_id"`
	Charted    int              `json:"charted"`
	Appended   int              `json:"appended"`
	Alerts     []infusion.Event `json:"alerts"`
	Revision   int              `json:"revision"`
	Phase      infusion.Phase   `json:"phase"`
	OpenAlerts int              `json:"open_alerts"`
}

// sessionAudit is the audit log of the session's patient as the admin reads
// it, without the entries' own IDs.
func sessionAudit(t *testing.T, ts *testServer) string {
	t.Helper()
	var audit struct {
		Entries []map[string]any `json:"entries"`
	}
	decode(t, ts.do(t, ts.client(t, clinic.RoleAdmin), "GET", fmt.Sprintf("/api/v1/audit?patient_id=%d&limit=500", ts.demo.Patients[3].ID), "", ""), &audit)
	for _, e := range audit.Entries {
		delete(e, "id")
	}
	b, err := json.Marshal(audit.Entries)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A batch stores exactly what the same events posted one by one store: two
// servers built alike on one engine, the 20 events of batchEvents charted
// one a request on the first and in one batch on the second, at the same
// instant of the test clock; the charts (GET /api/v1/sessions/{id}, byte
// for byte) and the patient's audit logs (but for the entries' IDs) are
// identical, and the batch's answer counts 20 events, 22 rows (the two
// alerts), revision 3 + 22 = 25. Then 85 more vitals (a batch's rows are
// inserted 64, 16, 4 and 1 at a time), the fifth a desaturation: the
// charts, the audit logs and the rows of infusion_events and
// infusion_sessions (every column, digests of the tables) are still the
// same.
func TestAPIEventBatchEqualsOneByOne(t *testing.T) {
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) {
			one, batch := newTestServer(t, e), newTestServer(t, e)
			t0 := serverMonday.Add(-3 * time.Hour)
			sidOne, sidBatch := batchSession(t, one, t0), batchSession(t, batch, t0)
			events := batchEvents(t0)

			nurse := one.client(t, clinic.RoleNurse)
			for i, ev := range events {
				if resp := one.do(t, nurse, "POST", fmt.Sprintf("/api/v1/sessions/%d/events", sidOne), "application/json", ev); resp.StatusCode != http.StatusCreated {
					t.Fatalf("event %d alone: %d %s", i, resp.StatusCode, body(resp))
				}
			}
			resp := batch.do(t, batch.client(t, clinic.RoleNurse), "POST", fmt.Sprintf("/api/v1/sessions/%d/events:batch", sidBatch), "application/json", batchBody(events))
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("batch: %d %s", resp.StatusCode, body(resp))
			}
			var res batchResult
			decode(t, resp, &res)
			if res.SessionID != sidBatch || res.Charted != 20 || res.Appended != 22 || res.Revision != 25 || res.OpenAlerts != 2 || res.Phase != infusion.PhaseRunning {
				t.Errorf("batch answer %+v: want session %d, 20 charted, 22 appended, revision 25, 2 open alerts, running", res, sidBatch)
			}
			// Event 4 is seq 3 + 5 = 8, its alert 9; event 11 is seq 3 + 12 + 1
			// (the alert before it) = 16, its alert 17.
			if len(res.Alerts) != 2 || res.Alerts[0].Alert.Rule != infusion.RuleDesaturation || res.Alerts[0].Seq != 9 || res.Alerts[0].Alert.CauseSeq != 8 ||
				res.Alerts[1].Alert.Rule != infusion.RuleTachycardia || res.Alerts[1].Seq != 17 || res.Alerts[1].Alert.CauseSeq != 16 {
				t.Errorf("alerts %+v", res.Alerts)
			}
			chartOne := body(one.do(t, nurse, "GET", fmt.Sprintf("/api/v1/sessions/%d", sidOne), "", ""))
			chartBatch := body(batch.do(t, batch.client(t, clinic.RoleNurse), "GET", fmt.Sprintf("/api/v1/sessions/%d", sidBatch), "", ""))
			if sidOne != sidBatch || chartOne != chartBatch {
				t.Errorf("charts differ:\none by one (session %d) %.600s\nbatch (session %d) %.600s", sidOne, chartOne, sidBatch, chartBatch)
			}
			if a, b := sessionAudit(t, one), sessionAudit(t, batch); a != b {
				t.Errorf("audit logs differ:\none by one %.600s\nbatch %.600s", a, b)
			}
			if n := strings.Count(sessionAudit(t, batch), `"entity":"infusion_event"`); n != 25 {
				t.Errorf("%d infusion events audited, want 25 (3 before the batch, 22 appended)", n)
			}

			var more []string
			for i := range 85 {
				spo2 := 97
				if i == 4 {
					spo2 = 91
				}
				more = append(more, vitalsJSON(t0.Add(2*time.Hour+time.Duration(i)*time.Second), 73, spo2))
			}
			for i, ev := range more {
				if resp := one.do(t, nurse, "POST", fmt.Sprintf("/api/v1/sessions/%d/events", sidOne), "application/json", ev); resp.StatusCode != http.StatusCreated {
					t.Fatalf("event %d of 85 alone: %d %s", i, resp.StatusCode, body(resp))
				}
			}
			resp = batch.do(t, batch.client(t, clinic.RoleNurse), "POST", fmt.Sprintf("/api/v1/sessions/%d/events:batch", sidBatch), "application/json", batchBody(more))
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("batch of 85: %d %s", resp.StatusCode, body(resp))
			}
			decode(t, resp, &res)
			if res.Charted != 85 || res.Appended != 86 || res.Revision != 25+86 {
				t.Errorf("batch of 85: %+v, want 85 charted, 86 appended, revision 111", res)
			}
			chartOne = body(one.do(t, nurse, "GET", fmt.Sprintf("/api/v1/sessions/%d", sidOne), "", ""))
			chartBatch = body(batch.do(t, batch.client(t, clinic.RoleNurse), "GET", fmt.Sprintf("/api/v1/sessions/%d", sidBatch), "", ""))
			if chartOne != chartBatch {
				t.Errorf("charts differ after 85 more:\none by one %.600s\nbatch %.600s", chartOne, chartBatch)
			}
			if a, b := sessionAudit(t, one), sessionAudit(t, batch); a != b {
				t.Errorf("audit logs differ after 85 more:\none by one %.600s\nbatch %.600s", a, b)
			}
			dOne, dBatch := tableDigests(t, one.db), tableDigests(t, batch.db)
			for _, table := range []string{"infusion_events", "infusion_sessions"} {
				if dOne[table] != dBatch[table] || dOne[table].Rows == 0 {
					t.Errorf("table %s: one by one %+v, batch %+v", table, dOne[table], dBatch[table])
				}
			}
		})
	}
}

// A bad event anywhere in a batch stores nothing (every table's digest is
// unchanged) and the 400 names it by index: an impossible SpO2 (150 %,
// infusion.Vitals.Validate) first, in the middle and last; an unknown kind
// and a time in the future (clinic.EventInput.Event); a batch over
// maxEventBatch (501 events) and an empty one. 500 events are accepted.
func TestAPIEventBatchRefusals(t *testing.T) {
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) {
			ts := newTestServer(t, e)
			t0 := serverMonday.Add(-3 * time.Hour)
			sid := batchSession(t, ts, t0)
			nurse := ts.client(t, clinic.RoleNurse)
			path := fmt.Sprintf("/api/v1/sessions/%d/events:batch", sid)
			with := func(i int, ev string) []string {
				evs := batchEvents(t0)
				evs[i] = ev
				return evs
			}
			bad := func(i int) string { return vitalsJSON(t0.Add(time.Duration(20+5*i)*time.Minute), 72, 150) }
			many := func(n int) []string {
				var evs []string
				for i := range n {
					evs = append(evs, vitalsJSON(t0.Add(20*time.Minute+time.Duration(i)*time.Second), 72, 97))
				}
				return evs
			}
			cases := []struct {
				name  string
				body  string
				field string
			}{
				{"first spo2", batchBody(with(0, bad(0))), "events[0].vitals.spo2_pct"},
				{"middle spo2", batchBody(with(17, bad(17))), "events[17].vitals.spo2_pct"},
				{"last spo2", batchBody(with(19, bad(19))), "events[19].vitals.spo2_pct"},
				{"unknown kind", batchBody(with(5, `{"kind":"bogus"}`)), "events[5].kind"},
				{"future", batchBody(with(9, vitalsJSON(serverMonday.Add(time.Hour), 72, 97))), "events[9].at"},
				{"unknown field", batchBody(with(3, `{"kind":"vitals","spo2":97}`)), "events[3].spo2"},
				{"wrong type", batchBody(with(12, `{"kind":"vitals","vitals":{"hr_per_min":"72"}}`)), "events[12].vitals.hr_per_min"},
				{"null", batchBody(with(8, `null`)), "events[8].kind"},
				{"over the limit", batchBody(many(501)), "events"},
				{"empty", `{"events":[]}`, "events"},
			}
			for _, c := range cases {
				before := tableDigests(t, ts.db)
				t.Run(c.name, func(t *testing.T) {
					wantAPIError(t, ts.do(t, nurse, "POST", path, "application/json", c.body), http.StatusBadRequest, c.field)
				})
				assertUnchanged(t, ts.db, before)
			}
			resp := ts.do(t, nurse, "POST", path, "application/json", batchBody(many(500)))
			var res batchResult
			decode(t, resp, &res)
			if resp.StatusCode != http.StatusCreated || res.Charted != 500 || res.Revision != 503 || len(res.Alerts) != 0 {
				t.Errorf("500 events: %d %+v, want 201, 500 charted, revision 503, no alert", resp.StatusCode, res)
			}
		})
	}
}

// A stopped session takes a batch as it takes the events alone: vitals
// after the stop are charted (observation until discharge), a pump event
// is 409 (infusion: "the infusion is already stopped"), and a batch with
// one stores none of its vitals.
func TestAPIEventBatchStoppedSession(t *testing.T) {
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) {
			ts := newTestServer(t, e)
			t0 := serverMonday.Add(-3 * time.Hour)
			sid := batchSession(t, ts, t0)
			nurse := ts.client(t, clinic.RoleNurse)
			at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
			stop := fmt.Sprintf(`{"kind":"stop","at":%q,"stop":{"reason":"completed"}}`, at(60).Format(time.RFC3339))
			if resp := ts.do(t, nurse, "POST", fmt.Sprintf("/api/v1/sessions/%d/events", sid), "application/json", stop); resp.StatusCode != http.StatusCreated {
				t.Fatalf("stop: %d %s", resp.StatusCode, body(resp))
			}
			path := fmt.Sprintf("/api/v1/sessions/%d/events:batch", sid)
			for _, c := range []struct {
				events []string
				field  string
			}{
				{[]string{vitalsJSON(at(65), 72, 97), stop}, "events[1].kind"},
				{[]string{vitalsJSON(at(65), 72, 97), vitalsJSON(at(70), 72, 97), fmt.Sprintf(`{"kind":"resume","at":%q}`, at(75).Format(time.RFC3339))}, "events[2].kind"},
			} {
				before := tableDigests(t, ts.db)
				wantAPIError(t, ts.do(t, nurse, "POST", path, "application/json", batchBody(c.events)), http.StatusConflict, c.field)
				assertUnchanged(t, ts.db, before)
			}
			resp := ts.do(t, nurse, "POST", path, "application/json", batchBody([]string{vitalsJSON(at(65), 72, 97), vitalsJSON(at(70), 72, 92)}))
			var res batchResult
			decode(t, resp, &res)
			// check-in, programme, start, stop = 4; two vitals and the
			// desaturation alert of SpO2 92 % = 7.
			if resp.StatusCode != http.StatusCreated || res.Charted != 2 || res.Revision != 7 || res.Phase != infusion.PhaseStopped || len(res.Alerts) != 1 {
				t.Errorf("vitals after the stop: %d %+v, want 201, 2 charted, revision 7, stopped, 1 alert", resp.StatusCode, res)
			}
		})
	}
}
