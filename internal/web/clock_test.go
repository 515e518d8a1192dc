package web_test

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/infusion"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// mustZone loads an IANA zone or fails the test (the zones come from the
// Go distribution's or the system's tz database).
func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("time zone %s: %v", name, err)
	}
	return loc
}

// schwartzmanForm is the course form for Schwartzman 2009 (0.35 mg/kg/h for
// 4 h daily for 10 consecutive days, schwartzman-2009.yaml) at 70 kg, with
// the details the paper leaves to the clinician filled with the library's
// only choices: 24.5 mg/h a session, on any day of the week.
func schwartzmanForm(start clinic.Date) url.Values {
	return url.Values{"protocol_id": {"schwartzman-2009"}, "weight": {"70kg"}, "start_date": {start.String()},
		"settings.clonidine-dose": {"0.1mg"}, "settings.clonidine-route": {"PO"},
		"settings.midazolam-dose": {"2mg"}, "settings.midazolam-route": {"IV"}}
}

var programmeBag = regexp.MustCompile(`name="programme\.bag" type="text" value="([^"]+)"`)

// The "today" paths of the server — course start, dashboard, journal and
// charting — at the instants where a clock bug shows: a weekend, a minute
// either side of local midnight (when the UTC date differs from the
// clinic's), both daylight-saving changes of Europe/Amsterdam and
// America/New_York, and the turn of the year. The clinic's zone is the
// server's Location, not the machine's (.ci/run also runs the suite with
// TZ=Pacific/Auckland and America/Los_Angeles).
//
// Each case starts a session "now" and charts it for two hours of real time
// (the clock moved by 2 h), so across a daylight-saving change the wall
// clock moves by 1 or 3 h while the dose must be 24.5 mg/h × 2 h = 49 mg.
func TestTodayAtHardInstants(t *testing.T) {
	ams, ny := mustZone(t, "Europe/Amsterdam"), mustZone(t, "America/New_York")
	cases := []struct {
		name string
		at   time.Time
		// wall is the local clock reading 2 h of real time after at.
		wall string
	}{
		{"saturday Amsterdam", time.Date(2026, 12, 5, 10, 30, 0, 0, ams), "12:30"},
		{"sunday New York", time.Date(2026, 12, 6, 10, 30, 0, 0, ny), "12:30"},
		// 22:59 UTC: the same date in UTC, the next day 2 h later.
		{"23:59 Amsterdam (Tuesday)", time.Date(2026, 12, 8, 23, 59, 0, 0, ams), "01:59"},
		// 23:01 UTC on the 8th: UTC still says yesterday.
		{"00:01 Amsterdam (Wednesday)", time.Date(2026, 12, 9, 0, 1, 0, 0, ams), "02:01"},
		// 04:59 UTC on the 9th: UTC already says tomorrow.
		{"23:59 New York (Tuesday)", time.Date(2026, 12, 8, 23, 59, 0, 0, ny), "01:59"},
		{"00:01 New York (Wednesday)", time.Date(2026, 12, 9, 0, 1, 0, 0, ny), "02:01"},
		// EU summer time begins Sunday 29 March 2026 at 01:00 UTC: 02:00 CET → 03:00 CEST.
		{"Amsterdam spring forward", time.Date(2026, 3, 29, 1, 30, 0, 0, ams), "04:30"},
		// EU summer time ends Sunday 25 October 2026 at 01:00 UTC: 03:00 CEST → 02:00 CET.
		{"Amsterdam fall back", time.Date(2026, 10, 25, 1, 30, 0, 0, ams), "02:30"},
		// US DST begins Sunday 8 March 2026 at 02:00 EST → 03:00 EDT.
		{"New York spring forward", time.Date(2026, 3, 8, 1, 30, 0, 0, ny), "04:30"},
		// US DST ends Sunday 1 November 2026 at 02:00 EDT → 01:00 EST.
		{"New York fall back", time.Date(2026, 11, 1, 0, 30, 0, 0, ny), "01:30"},
		{"31 December 23:59 Amsterdam", time.Date(2026, 12, 31, 23, 59, 0, 0, ams), "01:59"},
		{"1 January 00:01 Amsterdam", time.Date(2027, 1, 1, 0, 1, 0, 0, ams), "02:01"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			loc := tc.at.Location()
			ts := newTestServerIn(t, store.SQLite, tc.at, loc)
			today := clinic.DateOf(tc.at)
			if got := tc.at.Add(2 * time.Hour).Format("15:04"); got != tc.wall {
				t.Fatalf("case set-up: 2 h after %s reads %s, want %s", tc.at, got, tc.wall)
			}
			doc := ts.client(t, clinic.RoleClinician)

			// Course start: Goldberg 2005 gives sessions on weekdays only
			// (goldberg-2005.yaml), judged on the clinic's date.
			weekday := tc.at.Weekday() != time.Saturday && tc.at.Weekday() != time.Sunday
			resp := ts.form(t, doc, fmt.Sprintf("/patients/%d/courses", ts.demo.Patients[3].ID), goldbergForm(today))
			if weekday {
				if resp.StatusCode != http.StatusSeeOther {
					t.Errorf("Goldberg course from %s (a %s): status %d: %s", today, tc.at.Weekday(), resp.StatusCode, firstError(body(resp)))
				}
			} else {
				msg := firstError(body(resp))
				want := fmt.Sprintf("%s is a %s", today, tc.at.Weekday())
				if resp.StatusCode != http.StatusUnprocessableEntity && resp.StatusCode != http.StatusBadRequest || !strings.Contains(msg, want) {
					t.Errorf("Goldberg course from %s: status %d %q, want a refusal saying %q", today, resp.StatusCode, msg, want)
				}
			}

			// A course on consecutive days starting today, signed.
			p := ts.demo.Patients[4]
			cid := located(t, ts.form(t, doc, fmt.Sprintf("/patients/%d/courses", p.ID), schwartzmanForm(today)), "/courses/")
			if resp := ts.form(t, doc, fmt.Sprintf("/courses/%d/versions/1/sign", cid), url.Values{}); resp.StatusCode != http.StatusSeeOther ||
				strings.Contains(resp.Header.Get("Location"), "Not+signed") {
				t.Fatalf("sign: %d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			storetest.Consent(t, ts.db, cid)

			// Dashboard: today is day 1, 0.35 mg/kg/h × 70 kg × 4 h = 98 mg planned.
			nurse := ts.client(t, clinic.RoleNurse)
			page := pageOf(ts.do(t, nurse, "GET", "/dashboard", "", ""))
			at := strings.Index(page, fmt.Sprintf("<code>%s</code>", p.MRN))
			if at < 0 {
				t.Fatalf("dashboard lacks %s's row", p.MRN)
			}
			row := page[at:]
			row = strings.Join(strings.Fields(stripTags(row[:strings.Index(row, "</tr>")])), " ")
			if !strings.Contains(row, "none yet (98 mg planned)") {
				t.Errorf("dashboard row %q, want today's planned 98 mg", row)
			}

			// Journal: an entry written now lands on the clinic's date.
			pat := ts.client(t, clinic.RolePatient)
			resp = ts.do(t, pat, "POST", fmt.Sprintf("/api/v1/patients/%d/journal", ts.demo.Patients[0].ID), "application/json", `{"pain_now": 4}`)
			if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
				t.Fatalf("journal: %d %s", resp.StatusCode, body(resp))
			}
			var entry struct {
				Date string `json:"date"`
			}
			decode(t, resp, &entry)
			if entry.Date != today.String() {
				t.Errorf("journal entry dated %s, want the clinic's today %s", entry.Date, today)
			}

			// Charting: day 1 opened now, check-in, programme, bag, start;
			// vitals and stop two hours of real time later.
			sid := located(t, ts.form(t, nurse, fmt.Sprintf("/courses/%d/sessions", cid), url.Values{"day": {"1"}}), "/sessions/")
			seq := 1
			chart := func(v url.Values) {
				t.Helper()
				v.Set("seq", fmt.Sprint(seq))
				v.Set("at", ts.now().In(loc).Format(time.RFC3339))
				resp := ts.form(t, nurse, fmt.Sprintf("/sessions/%d/events", sid), v)
				if resp.StatusCode != http.StatusSeeOther {
					t.Fatalf("%s at %s: status %d: %s", v.Get("kind"), v.Get("at"), resp.StatusCode, firstError(body(resp)))
				}
				seq = len(ts.chart(t, nurse, sid).State.Events) + 1
			}
			chart(url.Values{"kind": {"check-in"}, "check_in.weight": {"70kg"},
				"check_in.baseline.hr_per_min": {"70"}, "check_in.baseline.sbp_mmhg": {"120"}, "check_in.baseline.dbp_mmhg": {"75"},
				"check_in.baseline.spo2_pct": {"98"}, "check_in.baseline.rr_per_min": {"14"}, "check_in.baseline.rass": {"0"}})
			m := programmeBag.FindStringSubmatch(pageOf(ts.do(t, nurse, "GET", fmt.Sprintf("/sessions/%d", sid), "", "")))
			if m == nil {
				t.Fatal("the programme form shows no bag from the order")
			}
			bag := m[1]
			chart(url.Values{"kind": {"programme"}, "programme.drug": {"racemic"}, "programme.bag": {bag},
				"programme.entered": {"24.5mg/h"}, "programme.double_check.drug": {"racemic"}, "programme.double_check.concentration": {bag}})
			storetest.PrepareBag(t, ts.db, sid, bag)
			chart(url.Values{"kind": {"start"}})
			ts.clock.Set(tc.at.Add(2 * time.Hour))
			chart(url.Values{"kind": {"vitals"}, "vitals.hr_per_min": {"72"}, "vitals.sbp_mmhg": {"118"}, "vitals.dbp_mmhg": {"74"},
				"vitals.spo2_pct": {"97"}, "vitals.rr_per_min": {"14"}, "vitals.rass": {"0"}})
			chart(url.Values{"kind": {"stop"}, "stop.reason": {"completed"}})
			ch := ts.chart(t, nurse, sid)
			// 24.5 mg/h for 2 h of elapsed time, whatever the wall clock did.
			if ch.Phase != infusion.PhaseStopped || math.Abs(ch.Summary.CumulativeDoseMg-49) > 1e-9 {
				t.Errorf("phase %s, cumulative %v mg; want stopped, 49 mg (24.5 mg/h × 2 h)", ch.Phase, ch.Summary.CumulativeDoseMg)
			}
			// The chart shows the stop at the local wall time.
			if page := pageOf(ts.do(t, nurse, "GET", fmt.Sprintf("/sessions/%d", sid), "", "")); !strings.Contains(page, tc.wall) {
				t.Errorf("charting page does not show the local time %s of the last events", tc.wall)
			}
		})
	}
}
