package web_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// The course, charting and dashboard API answers match the schemas
// openapi.json gives them, errors included.
func TestCourseChartingOpenAPISchemas(t *testing.T) {
	ts := newTestServer(t, store.SQLite)
	doc := loadOpenAPI(t, ts)
	clin := ts.client(t, clinic.RoleClinician)
	nurse := ts.client(t, clinic.RoleNurse)
	p := ts.demo.Patients[8]
	today := clinic.DateOf(ts.now()).String()
	in := fmt.Sprintf(`{"patient_id":%d,"protocol_id":"goldberg-2005","weight":"71kg","start_date":%q,"settings":{"daily-step":"+5mg","midazolam-route":"IV"}}`, p.ID, today)
	var c clinic.Course
	check := func(cl any, method, path, in string, status int, name string) {
		t.Helper()
		client := clin
		if cl == "nurse" {
			client = nurse
		}
		resp := ts.do(t, client, method, path, "application/json", in)
		if resp.StatusCode != status {
			t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, status, firstError(body(resp)))
		}
		var v any
		decode(t, resp, &v)
		if err := validate(doc, schema{Ref: "#/components/schemas/" + name}, v, "$"); err != nil {
			t.Errorf("%s %s: %v", method, path, err)
		}
		if method == "POST" && path == "/api/v1/courses" && status == 201 {
			decode(t, resp, &c)
		}
	}
	check(nil, "POST", "/api/v1/courses", in, 201, "Course")
	cp := fmt.Sprintf("/api/v1/courses/%d", c.ID)
	check(nil, "GET", cp, "", 200, "Course")
	check(nil, "GET", "/api/v1/courses?patient_id="+fmt.Sprint(p.ID), "", 200, "CourseList")
	check(nil, "PUT", cp+"/versions/1", fmt.Sprintf(`{"protocol_id":"goldberg-2005","weight":"72kg","start_date":%q,"settings":{"daily-step":"linear","midazolam-route":"IV"}}`, today), 200, "PlanVersion")
	check(nil, "POST", cp+"/versions/1/sign", "", 200, "PlanVersion")
	check(nil, "GET", cp+"/versions/1", "", 200, "PlanVersion")
	check(nil, "PUT", cp+"/versions/1", fmt.Sprintf(`{"protocol_id":"goldberg-2005","weight":"72kg","start_date":%q}`, today), 409, "Error")
	check(nil, "POST", cp+"/versions", fmt.Sprintf(`{"protocol_id":"goldberg-2005","weight":"72","start_date":%q,"reason":"x"}`, today), 400, "Error")
	storetest.Consent(t, ts.db, c.ID) // check-in needs the course's consent
	check("nurse", "POST", cp+"/sessions", `{"day":1}`, 201, "InfusionSession")
	var list struct {
		Sessions []struct{ ID int64 } `json:"sessions"`
	}
	decode(t, ts.do(t, nurse, "GET", fmt.Sprintf("/api/v1/sessions?course_id=%d", c.ID), "", ""), &list)
	if len(list.Sessions) != 1 {
		t.Fatalf("sessions %+v", list)
	}
	sp := fmt.Sprintf("/api/v1/sessions/%d", list.Sessions[0].ID)
	check("nurse", "GET", "/api/v1/sessions?date="+today, "", 200, "SessionList")
	at := ts.now().Add(-time.Hour).Format(time.RFC3339)
	check("nurse", "POST", sp+"/events", fmt.Sprintf(`{"kind":"check-in","at":%q,"check_in":{"weight":"72kg","baseline":{"hr_per_min":70,"sbp_mmhg":120,"dbp_mmhg":75,"spo2_pct":98}}}`, at), 201, "EventResult")
	check("nurse", "POST", sp+"/events", `{"kind":"vitals","vitals":{"hr_per_min":90,"sbp_mmhg":120,"dbp_mmhg":75,"spo2_pct":97}}`, 201, "EventResult")
	check("nurse", "POST", sp+"/events", `{"kind":"vitals","vitals":{"hr_per_min":"ninety"}}`, 400, "Error")
	check("nurse", "GET", sp, "", 200, "InfusionSession")
	check("nurse", "GET", "/api/v1/dashboard", "", 200, "Dashboard")
	check("nurse", "GET", "/api/v1/dashboard?date=02/03/2026", "", 400, "Error")
}
