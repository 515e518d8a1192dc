package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/infusion"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// bodyLimit is the server's request body limit as its 413 message states
// it (web.maxRequestBody: 1 MiB).
const bodyLimit = 1 << 20

// tableDigests is every table's row count and content hash, to check that
// a refused request wrote nothing (not even part of a record or an audit
// line).
func tableDigests(t *testing.T, db *store.DB) map[string]store.TableDigest {
	t.Helper()
	list, err := db.Digest(context.Background())
	if err != nil {
		t.Fatalf("digest: %v", err)
	}
	out := make(map[string]store.TableDigest, len(list))
	for _, d := range list {
		out[d.Table] = d
	}
	return out
}

// assertUnchanged fails for every table whose rows differ from before.
func assertUnchanged(t *testing.T, db *store.DB, before map[string]store.TableDigest) bool {
	t.Helper()
	ok := true
	for name, d := range tableDigests(t, db) {
		if b := before[name]; b != d {
			t.Errorf("table %s changed: %d rows %.12s → %d rows %.12s", name, b.Rows, b.SHA256, d.Rows, d.SHA256)
			ok = false
		}
	}
	return ok
}

// runningSession returns the id of p's running infusion session.
func runningSession(t *testing.T, ts *testServer, p *clinic.Patient) int64 {
	t.Helper()
	courses, err := ts.db.FindCourses(sysCtx(), clinic.CourseFilter{PatientID: p.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range courses {
		sessions, err := ts.db.FindSessions(sysCtx(), clinic.SessionFilter{CourseID: c.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range sessions {
			if s.Phase == infusion.PhaseRunning {
				return s.ID
			}
		}
	}
	t.Fatalf("no running session of %s", p.MRN)
	return 0
}

// unsized hides a body's length from net/http, so the request goes out
// chunked without a Content-Length and the server only learns the size by
// reading.
type unsized struct{ io.Reader }

// Bodies of 2 MiB to the form, JSON and login routes are refused with 413
// naming the limit, whether they declare their length or not, and nothing
// is written.
func TestBodyOverLimitRefused(t *testing.T) {
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) {
			ts := newTestServer(t, e)
			nurse := ts.client(t, clinic.RoleNurse)
			anon := ts.client(t, "")
			hannah := ts.demo.Patients[1]
			sid := runningSession(t, ts, hannah)
			big := strings.Repeat("A", 2<<20)
			form := "application/x-www-form-urlencoded"
			jsonType := "application/json"
			for _, tc := range []struct {
				route, ctype, body string
				client             *http.Client
			}{
				{"POST /patients", form, url.Values{"mrn": {"BIG-1"}, "given_name": {"Big"}, "family_name": {big}, "birth_date": {"1980-01-01"}, "sex": {"female"}}.Encode(), nurse},
				{"POST /api/v1/patients", jsonType, `{"mrn":"BIG-2","given_name":"Big","family_name":"` + big + `","birth_date":"1980-01-01","sex":"female"}`, nurse},
				{fmt.Sprintf("POST /sessions/%d/events", sid), form, url.Values{"kind": {"note"}, "note": {big}}.Encode(), nurse},
				{fmt.Sprintf("POST /api/v1/sessions/%d/events", sid), jsonType, `{"kind":"note","note":"` + big + `"}`, nurse},
				{fmt.Sprintf("POST /api/v1/patients/%d/journal", hannah.ID), jsonType, `{"scores":[5],"note":"` + big + `"}`, nurse},
				{fmt.Sprintf("POST /patients/%d/journal/today", hannah.ID), form, url.Values{"note": {big}}.Encode(), nurse},
				{"POST /login", form, url.Values{"login": {"nurse"}, "password": {big}}.Encode(), anon},
				{"POST /api/v1/session", jsonType, `{"login":"nurse","password":"` + big + `"}`, anon},
			} {
				for _, sized := range []bool{true, false} {
					name := fmt.Sprintf("%s sized=%v", tc.route, sized)
					t.Run(strings.ReplaceAll(name, "/", "_"), func(t *testing.T) {
						before := tableDigests(t, ts.db)
						method, path, _ := strings.Cut(tc.route, " ")
						var rd io.Reader = strings.NewReader(tc.body)
						if !sized {
							rd = unsized{rd}
						}
						req, err := http.NewRequest(method, ts.URL+path, rd)
						if err != nil {
							t.Fatal(err)
						}
						req.Header.Set("Content-Type", tc.ctype)
						req.Header.Set("Sec-Fetch-Site", "same-origin")
						resp, err := tc.client.Do(req)
						if err != nil {
							t.Fatalf("%s: %v", name, err)
						}
						b, _ := io.ReadAll(resp.Body)
						resp.Body.Close()
						if resp.StatusCode != http.StatusRequestEntityTooLarge {
							t.Errorf("status %d, want 413: %.300s", resp.StatusCode, b)
						}
						want := fmt.Sprintf("larger than the limit of %d bytes (1 MiB)", bodyLimit)
						if !strings.Contains(string(b), want) {
							t.Errorf("body does not name the limit (%q): %.300s", want, b)
						}
						if strings.HasPrefix(path, "/api/") {
							var ae struct {
								Error struct{ Code, Field string }
							}
							if err := json.Unmarshal(b, &ae); err != nil || ae.Error.Field != "body" || ae.Error.Code != clinic.EINVALID {
								t.Errorf("API error %+v (%v), want field body, code %s: %.300s", ae, err, clinic.EINVALID, b)
							}
						}
						stored := !assertUnchanged(t, ts.db, before)
						logHostile(t, fmt.Sprintf("2 MiB body (sized=%v)", sized), tc.route, resp.StatusCode, stored, "refused, limit named")
					})
				}
			}
		})
	}
}
