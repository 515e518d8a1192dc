package web_test

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"testing"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// nextLink finds the "Next page" link of a list page.
var nextLink = regexp.MustCompile(`href="(/[a-z]+\?[^"]*after=[^"]+)">Next page`)

// TestKeysetPages: the patient list and the audit log page by cursor in the
// API (?after=NEXT&limit=N, next absent on the last page) and on the pages
// (the "Next page" link), every row once and in order; a cursor that is not
// one of ours is refused naming "after"; both engines.
func TestKeysetPages(t *testing.T) {
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) {
			ts := newTestServer(t, e)
			nurse := ts.client(t, clinic.RoleNurse)
			admin := ts.client(t, clinic.RoleAdmin)
			var all struct {
				Patients []clinic.Patient `json:"patients"`
				Next     string           `json:"next"`
			}
			decode(t, ts.do(t, nurse, "GET", "/api/v1/patients?limit=500", "", ""), &all)
			if len(all.Patients) != 12 || all.Next != "" {
				t.Fatalf("the demo clinic's patients: %d, next %q", len(all.Patients), all.Next)
			}
			var want, got []int64
			for _, p := range all.Patients {
				want = append(want, p.ID)
			}
			path, pages := "/api/v1/patients?limit=5", 0
			for {
				var page struct {
					Patients []clinic.Patient `json:"patients"`
					Next     string           `json:"next"`
				}
				decode(t, ts.do(t, nurse, "GET", path, "", ""), &page)
				pages++
				for _, p := range page.Patients {
					got = append(got, p.ID)
				}
				if page.Next == "" || pages > 10 {
					break
				}
				path = "/api/v1/patients?limit=5&after=" + url.QueryEscape(page.Next)
			}
			if !slices.Equal(got, want) || pages != 3 {
				t.Errorf("API pages of 5: %v in %d pages, want %v in 3", got, pages, want)
			}

			// The HTML page shows 25 a page: the demo's 12 and 20 more make two.
			for i := range 20 {
				mustStatus(t, ts.do(t, nurse, "POST", "/api/v1/patients", "application/json",
					fmt.Sprintf(`{"mrn":"PG-%02d","given_name":"Page","family_name":"Zz%02d","birth_date":"1980-01-01","sex":"other"}`, i, i)), 201)
			}
			first := pageOf(ts.do(t, nurse, "GET", "/patients", "", ""))
			m := nextLink.FindStringSubmatch(first)
			if m == nil {
				t.Fatalf("first page of 32 patients has no Next page link")
			}
			second := pageOf(ts.do(t, nurse, "GET", m[1], "", ""))
			zz := regexp.MustCompile(`Zz(\d\d)`)
			if nextLink.MatchString(second) || fmt.Sprint(zz.FindAllString(second, -1)) != "[Zz13 Zz14 Zz15 Zz16 Zz17 Zz18 Zz19]" {
				t.Errorf("second page: Next link %v, holds %v", nextLink.MatchString(second), zz.FindAllString(second, -1))
			}
			rows := regexp.MustCompile(`<td><a href="/patients/\d+">`)
			if a, b := len(rows.FindAllString(first, -1)), len(rows.FindAllString(second, -1)); a != 25 || b != 7 {
				t.Errorf("pages of %d and %d patients, want 25 and 7", a, b)
			}

			// A forged cursor is refused, on the API and the page.
			for _, p := range []string{"/api/v1/patients?after=bm90IGEgY3Vyc29y", "/api/v1/patients?after=%25%25", "/api/v1/audit?after=e30x", "/patients?after=xyz"} {
				c := nurse
				if p[:10] == "/api/v1/au" {
					c = admin
				}
				resp := ts.do(t, c, "GET", p, "", "")
				if resp.StatusCode != 400 {
					t.Errorf("%s: status %d, want 400", p, resp.StatusCode)
				}
				resp.Body.Close()
			}

			// The audit log: pages of 7 by cursor hold the entries of one
			// page of 1000, in order.
			type entries struct {
				Entries []clinic.AuditEntry `json:"entries"`
				Next    string              `json:"next"`
			}
			var log entries
			decode(t, ts.do(t, admin, "GET", "/api/v1/audit?limit=1000", "", ""), &log)
			var wantA, gotA []int64
			for _, e := range log.Entries {
				wantA = append(wantA, e.ID)
			}
			path, pages = "/api/v1/audit?limit=7", 0
			for {
				var page entries
				decode(t, ts.do(t, admin, "GET", path, "", ""), &page)
				pages++
				for _, e := range page.Entries {
					gotA = append(gotA, e.ID)
				}
				if page.Next == "" || pages > 1000 {
					break
				}
				path = "/api/v1/audit?limit=7&after=" + url.QueryEscape(page.Next)
			}
			if len(wantA) < 30 || !slices.Equal(gotA, wantA) {
				t.Errorf("audit pages of 7: %d entries in %d pages, want the %d of one page", len(gotA), pages, len(wantA))
			}
		})
	}
}
