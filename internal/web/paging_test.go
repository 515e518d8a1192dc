package web_test

import (
	"context"
	"fmt"
	"net/http"
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

// TestKeysetCoursesAndSessions: /api/v1/courses and /api/v1/sessions page
// by cursor (?limit=N&after=NEXT) through the rows of one large page, each
// once and in order, sessions sharing a date included; /courses links its
// Next page (50 a page) and the two pages hold every course once, each row
// with its patient; a forged cursor is a 400 naming "after"; both engines.
func TestKeysetCoursesAndSessions(t *testing.T) {
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) {
			ts := newTestServer(t, e)
			nurse := ts.client(t, clinic.RoleNurse)
			nurseCtx := ts.demo.As(context.Background(), clinic.RoleNurse)
			today := clinic.DateOf(ts.now())
			for i := range 56 {
				cid := goldbergCourse(t, ts, ts.demo.Patients[i%len(ts.demo.Patients)])
				if i%8 == 0 {
					for d := 1; d <= 2; d++ {
						if _, err := ts.db.OpenSession(nurseCtx, cid, d, today.AddDays(-d)); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
			walk := func(list string, base string, n int, rows func(resp *http.Response) ([]int64, string)) {
				t.Helper()
				want, next := rows(ts.do(t, nurse, "GET", base+"?limit=200", "", ""))
				if next != "" {
					t.Fatalf("%s: one page of 200 has a next", list)
				}
				var got []int64
				path, pages := fmt.Sprintf("%s?limit=%d", base, n), 0
				for ; pages < 100; pages++ {
					ids, next := rows(ts.do(t, nurse, "GET", path, "", ""))
					got = append(got, ids...)
					if next == "" {
						break
					}
					path = fmt.Sprintf("%s?limit=%d&after=%s", base, n, url.QueryEscape(next))
				}
				if len(want) < 2*n || !slices.Equal(got, want) {
					t.Errorf("%s in pages of %d: %v, want %v", list, n, got, want)
				}
			}
			walk("courses", "/api/v1/courses", 7, func(resp *http.Response) ([]int64, string) {
				var p struct {
					Courses []clinic.Course `json:"courses"`
					Next    string          `json:"next"`
				}
				decode(t, resp, &p)
				var ids []int64
				for _, c := range p.Courses {
					ids = append(ids, c.ID)
				}
				return ids, p.Next
			})
			walk("sessions", "/api/v1/sessions", 3, func(resp *http.Response) ([]int64, string) {
				var p struct {
					Sessions []clinic.InfusionSession `json:"sessions"`
					Next     string                   `json:"next"`
				}
				decode(t, resp, &p)
				var ids []int64
				for _, s := range p.Sessions {
					ids = append(ids, s.ID)
				}
				return ids, p.Next
			})

			first := pageOf(ts.do(t, nurse, "GET", "/courses", "", ""))
			m := regexp.MustCompile(`href="(/courses\?after=[^"]+)">Next page`).FindStringSubmatch(first)
			if m == nil {
				t.Fatalf("/courses with 56 courses and more has no Next page link")
			}
			second := pageOf(ts.do(t, nurse, "GET", m[1], "", ""))
			course := regexp.MustCompile(`<td><a href="/courses/(\d+)">`)
			patient := regexp.MustCompile(`<td><a href="/patients/\d+">[^<]+</a>`)
			var ids []string
			for _, pg := range []string{first, second} {
				for _, mm := range course.FindAllStringSubmatch(pg, -1) {
					ids = append(ids, mm[1])
				}
				if a, b := len(course.FindAllString(pg, -1)), len(patient.FindAllString(pg, -1)); a != b {
					t.Errorf("a page of %d courses shows %d patients", a, b)
				}
			}
			var all struct {
				Courses []clinic.Course `json:"courses"`
			}
			decode(t, ts.do(t, nurse, "GET", "/api/v1/courses?limit=200", "", ""), &all)
			var want []string
			for _, c := range all.Courses {
				want = append(want, fmt.Sprint(c.ID))
			}
			if !slices.Equal(ids, want) || len(course.FindAllString(first, -1)) != 50 {
				t.Errorf("/courses pages: %v, want %v (50 on the first)", ids, want)
			}
			for _, p := range []string{"/api/v1/courses?after=e30x", "/api/v1/sessions?after=eyJpZCI6MX0", "/courses?after=xyz"} {
				resp := ts.do(t, nurse, "GET", p, "", "")
				if resp.StatusCode != 400 {
					t.Errorf("%s: status %d, want 400", p, resp.StatusCode)
				}
				resp.Body.Close()
			}
		})
	}
}
