package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// publicRoutes may be reached without logging in.
var publicRoutes = map[string]bool{
	"GET /healthz": true, "GET /readyz": true, "GET /api/openapi.json": true,
	"GET /login": true, "POST /login": true, "POST /api/v1/session": true,
	"GET /fhir/metadata": true,
}

// concretePath fills a route's wildcards with the ID of a real record.
func concretePath(pattern string, id int64) string {
	p := strings.TrimSuffix(pattern, "{$}")
	return strings.ReplaceAll(p, "{id}", fmt.Sprint(id))
}

// Every route that is not public refuses an anonymous request: 401 for the
// API and for forms, a redirect to the login page for a page — and never
// shows a record.
func TestUnauthenticatedAccessRefused(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ts := newTestServer(t, db.Engine())
		anon := ts.client(t, "")
		patient := ts.demo.Patients[1]
		for _, rt := range ts.web.Routes() {
			if publicRoutes[rt] {
				continue
			}
			method, pattern, _ := strings.Cut(rt, " ")
			path := concretePath(pattern, patient.ID)
			resp := ts.do(t, anon, method, path, "application/json", `{}`)
			b := body(resp)
			switch {
			case resp.StatusCode == http.StatusUnauthorized:
			case resp.StatusCode == http.StatusSeeOther && method == "GET" &&
				strings.HasPrefix(resp.Header.Get("Location"), "/login?next="):
			default:
				t.Errorf("%s %s: status %d without logging in", method, path, resp.StatusCode)
			}
			if strings.Contains(b, patient.MRN) || strings.Contains(b, patient.FamilyName) {
				t.Errorf("%s %s: anonymous response shows the patient", method, path)
			}
		}
	})
}

// A patient reading another patient's record by ID gets 404, never data;
// staff cannot reach another clinic's patient either.
func TestPatientCannotReadAnotherPatient(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ts := newTestServer(t, db.Engine())
		pat := ts.client(t, clinic.RolePatient)
		own := ts.demo.Users[clinic.RolePatient].PatientID
		if resp := ts.do(t, pat, "GET", fmt.Sprintf("/api/v1/patients/%d", own), "", ""); resp.StatusCode != 200 {
			t.Fatalf("own record: %d", resp.StatusCode)
		}
		if resp := ts.do(t, pat, "GET", fmt.Sprintf("/patients/%d", own), "", ""); resp.StatusCode != 200 {
			t.Fatalf("own record page: %d", resp.StatusCode)
		}
		others := []*clinic.Patient{ts.demo.Patients[1], ts.demo.Patients[11], ts.other}
		for _, p := range others {
			for _, path := range []string{fmt.Sprintf("/api/v1/patients/%d", p.ID), fmt.Sprintf("/patients/%d", p.ID)} {
				resp := ts.do(t, pat, "GET", path, "", "")
				if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusForbidden {
					t.Errorf("patient GET %s: status %d", path, resp.StatusCode)
				}
				if b := body(resp); strings.Contains(b, p.MRN) || strings.Contains(b, p.FamilyName) {
					t.Errorf("patient GET %s shows the other patient", path)
				}
			}
		}
		// The patient's list holds only themself.
		var list struct {
			Patients []clinic.Patient `json:"patients"`
			Next     string           `json:"next"`
		}
		decode(t, ts.do(t, pat, "GET", "/api/v1/patients", "", ""), &list)
		if list.Next != "" || len(list.Patients) != 1 || list.Patients[0].ID != own {
			t.Errorf("patient's list: %+v", list)
		}
		// A patient cannot change even their own demographics, nor use staff pages.
		if resp := ts.do(t, pat, "PATCH", fmt.Sprintf("/api/v1/patients/%d", own), "application/json", `{"phone":"1"}`); resp.StatusCode != http.StatusForbidden {
			t.Errorf("patient PATCH own record: %d", resp.StatusCode)
		}
		if resp := ts.do(t, pat, "GET", "/patients", "", ""); resp.StatusCode != http.StatusForbidden {
			t.Errorf("patient GET /patients: %d", resp.StatusCode)
		}
		// A nurse cannot reach the other clinic's patient.
		nurse := ts.client(t, clinic.RoleNurse)
		resp := ts.do(t, nurse, "GET", fmt.Sprintf("/api/v1/patients/%d", ts.other.ID), "", "")
		if resp.StatusCode != http.StatusNotFound || strings.Contains(body(resp), ts.other.MRN) {
			t.Errorf("nurse reads other clinic's patient: %d", resp.StatusCode)
		}
		resp = ts.do(t, nurse, "PATCH", fmt.Sprintf("/api/v1/patients/%d", ts.other.ID), "application/json", `{"phone":"1"}`)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("nurse changes other clinic's patient: %d", resp.StatusCode)
		}
		// Malformed IDs are simply not found.
		for _, path := range []string{"/api/v1/patients/abc", "/api/v1/patients/-1", "/api/v1/patients/1%20OR%201=1"} {
			if resp := ts.do(t, nurse, "GET", path, "", ""); resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: %d", path, resp.StatusCode)
			}
		}
	})
}

// A state-changing request from another origin is refused, even with a
// valid session cookie; the same request from this origin works.
func TestCrossOriginPostRefused(t *testing.T) {
	ts := newTestServer(t, store.SQLite)
	nurse := ts.client(t, clinic.RoleNurse)
	p := ts.demo.Patients[2]
	path := fmt.Sprintf("/patients/%d", p.ID)
	form := url.Values{"mrn": {p.MRN}, "given_name": {"Hijacked"}, "family_name": {p.FamilyName},
		"birth_date": {p.BirthDate.String()}, "sex": {string(p.Sex)}}.Encode()
	for _, h := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Origin": "https://evil.example"},
		{"Sec-Fetch-Site": "same-site", "Origin": "https://sub." + strings.TrimPrefix(ts.URL, "http://")},
	} {
		req, _ := http.NewRequest("POST", ts.URL+path, strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range h {
			req.Header.Set(k, v)
		}
		resp, err := nurse.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-origin POST with %v: status %d", h, resp.StatusCode)
		}
	}
	// The API refuses it too.
	req, _ := http.NewRequest("PATCH", fmt.Sprintf("%s/api/v1/patients/%d", ts.URL, p.ID), strings.NewReader(`{"given_name":"Hijacked"}`))
	req.Header.Set("Origin", "https://evil.example")
	resp, err := nurse.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin PATCH: status %d", resp.StatusCode)
	}
	got, err := ts.db.FindPatientByID(sysCtx(), p.ID)
	if err != nil || got.GivenName != p.GivenName {
		t.Fatalf("patient changed by a cross-origin request: %+v %v", got, err)
	}
	// Same origin: accepted.
	resp = ts.do(t, nurse, "POST", path, "application/x-www-form-urlencoded", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("same-origin POST: status %d: %s", resp.StatusCode, body(resp))
	}
}

// Wrong passwords: after clinic.LoginFailureLimit failures the account is
// locked (429) even for the right password, through the form and the API;
// the per-address limit also stops a spray across accounts.
func TestWrongPasswordRateLimited(t *testing.T) {
	ts := newTestServer(t, store.SQLite)
	anon := ts.client(t, "")
	login, pw := ts.password(clinic.RoleClinician)
	for i := range clinic.LoginFailureLimit {
		resp := ts.do(t, anon, "POST", "/login", "application/x-www-form-urlencoded",
			url.Values{"login": {login}, "password": {fmt.Sprintf("wrong-%d-password", i)}}.Encode())
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body(resp), "Wrong login or password") {
			t.Fatalf("attempt %d: status %d", i, resp.StatusCode)
		}
	}
	resp := ts.do(t, anon, "POST", "/login", "application/x-www-form-urlencoded",
		url.Values{"login": {login}, "password": {pw}}.Encode())
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("right password after %d failures: status %d", clinic.LoginFailureLimit, resp.StatusCode)
	}
	resp = ts.do(t, anon, "POST", "/api/v1/session", "application/json", fmt.Sprintf(`{"login":%q,"password":%q}`, login, pw))
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	decode(t, resp, &e)
	if resp.StatusCode != http.StatusTooManyRequests || e.Error.Code != clinic.ERATELIMIT {
		t.Errorf("API login when locked: %d %+v", resp.StatusCode, e)
	}
	// Spraying other accounts from the same address hits the per-address limit.
	limited := false
	for i := range 20 {
		resp := ts.do(t, anon, "POST", "/api/v1/session", "application/json", fmt.Sprintf(`{"login":"nobody%d","password":"x"}`, i))
		if resp.StatusCode == http.StatusTooManyRequests {
			limited = true
			break
		}
	}
	if !limited {
		t.Error("20 more attempts from one address were never rate-limited")
	}
}

// SQL injection strings in every text field of the API are stored and
// returned literally.
func TestInjectionThroughAPIStoredLiterally(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ts := newTestServer(t, db.Engine())
		nurse := ts.client(t, clinic.RoleNurse)
		evil := []string{`'; DROP TABLE patients; --`, `" OR 1=1 --`, `Robert'); DELETE FROM audit_log;--`, `%_\`, `<script>alert(1)</script>`}
		for i, s := range evil {
			in := map[string]any{"mrn": s, "given_name": s, "family_name": s, "birth_date": fmt.Sprintf("1980-01-%02d", i+1),
				"sex": "unknown", "phone": s}
			b, _ := json.Marshal(in)
			resp := ts.do(t, nurse, "POST", "/api/v1/patients", "application/json", string(b))
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("create %q: %d %s", s, resp.StatusCode, body(resp))
			}
			var p clinic.Patient
			decode(t, resp, &p)
			resp = ts.do(t, nurse, "GET", fmt.Sprintf("/api/v1/patients/%d", p.ID), "", "")
			var got clinic.Patient
			decode(t, resp, &got)
			if got.MRN != s || got.GivenName != s || got.FamilyName != s || got.Phone != s {
				t.Errorf("stored %q, read back %+v", s, got)
			}
			var list struct{ Patients []clinic.Patient }
			decode(t, ts.do(t, nurse, "GET", "/api/v1/patients?q="+url.QueryEscape(s), "", ""), &list)
			if len(list.Patients) != 1 {
				t.Errorf("search %q: %d results", s, len(list.Patients))
			}
			// The HTML page escapes it.
			page := body(ts.do(t, nurse, "GET", fmt.Sprintf("/patients/%d", p.ID), "", ""))
			if strings.Contains(page, "<script>alert(1)</script>") {
				t.Errorf("page shows unescaped script")
			}
		}
		// The tables are intact: the demo's 12 patients plus these.
		var list struct{ Patients []clinic.Patient }
		decode(t, ts.do(t, nurse, "GET", "/api/v1/patients", "", ""), &list)
		if len(list.Patients) != 12+len(evil) {
			t.Errorf("%d patients, want %d", len(list.Patients), 12+len(evil))
		}
	})
}

// An htmx fragment request after the session ended sends the whole page to
// the login form (HX-Redirect), instead of swapping the form into the list.
func TestHTMXRequestWithoutSessionRedirectsPage(t *testing.T) {
	ts := newTestServer(t, store.SQLite)
	req, _ := http.NewRequest("GET", ts.URL+"/patients?q=al", nil)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("HX-Target", "patient-results")
	req.Header.Set("HX-Current-URL", ts.URL+"/patients?q=a")
	resp, err := ts.client(t, "").Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("HX-Redirect") != "/login?next=%2Fpatients%3Fq%3Da" {
		t.Errorf("status %d, HX-Redirect %q", resp.StatusCode, resp.Header.Get("HX-Redirect"))
	}
}
