package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/store"
)

// unescapedHostile matches the markup of hostileTail if a page let it
// through unescaped: the element, the event handler, a javascript: link.
var unescapedHostile = regexp.MustCompile(`(?i)<img src=x|<svg/onload|<script>alert|</textarea><(?:script|img|svg)|href\s*=\s*"?\s*javascript:`)

// shownEscaped reports whether page shows the value planted for field, its
// tag followed by the quote and element of hostileTail (or
// hostileLoginTail) escaped as html/template escapes them in text and
// attributes (&#34;&gt;&lt;) or in a script's JSON (\u0022\u003e\u003c).
func shownEscaped(page, field string) bool {
	return strings.Contains(page, field+"&#34;&gt;&lt;") || strings.Contains(page, field+`\u0022\u003e\u003c`) ||
		strings.Contains(page, field+"&quot;&gt;&lt;")
}

// Every page that shows a planted free-text value (patient names, MRN,
// referrer, user name, measures, stock, journal note, charted note and
// side effect, revision reason, course title, acknowledgement, consent
// form) shows it escaped, and no page carries its markup unescaped; the
// CSV exports are served as text/csv with nosniff, never as HTML.
func TestHostileStoredXSS(t *testing.T) {
	ts := newTestServer(t, store.SQLite)
	f := plantHostile(t, ts)
	doc := ts.client(t, clinic.RoleClinician)
	admin := ts.client(t, clinic.RoleAdmin)
	pid, cid, ncid, sid := f.patient.ID, f.course.ID, f.newCourse.ID, f.session
	// A consent to the new course under the planted form, withdrawn for a
	// hostile reason.
	clinician := ts.demo.As(context.Background(), clinic.RoleClinician)
	c, err := ts.db.RecordConsent(clinician, ncid, clinic.ConsentInput{Method: clinic.ConsentAttestation, Agreed: true})
	if err != nil {
		t.Fatalf("record consent: %v", err)
	}
	reason := hostileValue('-', "withdrawal_reason", 1000)
	f.values["withdrawal_reason"] = reason
	if _, err := ts.db.WithdrawConsent(clinician, c.ID, reason); err != nil {
		t.Fatalf("withdraw consent: %v", err)
	}
	entries, err := ts.db.FindJournalEntries(sysCtx(), clinic.JournalFilter{PatientID: pid})
	if err != nil || len(entries) == 0 {
		t.Fatalf("journal of %s: %v", f.patient.MRN, err)
	}
	eid := entries[len(entries)-1].ID
	for _, e := range entries {
		if strings.Contains(e.Note, "journal_note") {
			eid = e.ID
		}
	}
	pages := []struct {
		path   string
		client *http.Client
	}{
		{"/", doc}, {"/patients", doc}, {"/patients?q=given_name", doc},
		{fmt.Sprintf("/patients/%d", pid), doc}, {fmt.Sprintf("/patients/%d/edit", pid), doc},
		{fmt.Sprintf("/patients/%d/intake", pid), doc}, {fmt.Sprintf("/patients/%d/diagnosis", pid), doc},
		{fmt.Sprintf("/patients/%d/screening", pid), doc}, {fmt.Sprintf("/patients/%d/courses", pid), doc},
		{fmt.Sprintf("/patients/%d/journal", pid), doc}, {fmt.Sprintf("/patients/%d/journal/%d", pid, eid), doc},
		{fmt.Sprintf("/patients/%d/measures", pid), doc}, {fmt.Sprintf("/patients/%d/outcomes", pid), doc},
		{"/courses", doc}, {fmt.Sprintf("/courses/%d", cid), doc}, {fmt.Sprintf("/courses/%d", ncid), doc},
		{fmt.Sprintf("/courses/%d/revise", cid), doc},
		{fmt.Sprintf("/courses/%d/plan/print", cid), doc}, {fmt.Sprintf("/courses/%d/plan/print", ncid), doc},
		{fmt.Sprintf("/courses/%d/letter/print", cid), doc}, {fmt.Sprintf("/courses/%d/discharge/print", cid), doc},
		{fmt.Sprintf("/sessions/%d", sid), doc}, {fmt.Sprintf("/sessions/%d/print", sid), doc},
		{"/stock", doc}, {"/stock/reconciliation", doc}, {"/stock/log", doc}, {"/stock/log/print", doc},
		{"/consent-forms", doc}, {"/dashboard", doc}, {"/analytics", doc}, {"/audit", doc},
		{"/users", admin},
	}
	shownOn := map[string][]string{} // field → pages showing it
	for _, pg := range pages {
		t.Run(strings.ReplaceAll(pg.path, "/", "_"), func(t *testing.T) {
			resp := ts.do(t, pg.client, "GET", pg.path, "", "")
			page := body(resp)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %.300s", resp.StatusCode, page)
			}
			escaped := true
			for _, m := range unescapedHostile.FindAllStringIndex(page, -1) {
				escaped = false
				t.Errorf("unescaped markup at %d: %q", m[0], page[max(m[0]-80, 0):min(m[1]+40, len(page))])
			}
			var shown []string
			for field := range f.values {
				if shownEscaped(page, field) {
					shown = append(shown, field)
					shownOn[field] = append(shownOn[field], pg.path)
				}
			}
			sort.Strings(shown)
			logHostile(t, "stored XSS "+strings.Join(shown, ","), "GET "+pg.path, resp.StatusCode, len(shown) > 0, fmt.Sprintf("escaped=%v", escaped))
		})
	}
	// Stored with the plan but on no page: the API's JSON (application/json,
	// nosniff) is the only reader.
	notOnPages := map[string]bool{"acknowledgement": true}
	for field := range f.values {
		if len(shownOn[field]) == 0 && !notOnPages[field] {
			t.Errorf("no page shows the planted %s: the table would not test it", field)
		}
	}
	for _, path := range []string{"/stock/log.csv", fmt.Sprintf("/patients/%d/journal.csv", pid), fmt.Sprintf("/patients/%d/measures.csv", pid),
		fmt.Sprintf("/patients/%d/outcomes.csv", pid)} {
		resp := ts.do(t, doc, "GET", path, "", "")
		ct, sniff := resp.Header.Get("Content-Type"), resp.Header.Get("X-Content-Type-Options")
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(ct, "text/csv") || sniff != "nosniff" {
			t.Errorf("GET %s: status %d, Content-Type %q, X-Content-Type-Options %q; want 200, text/csv, nosniff", path, resp.StatusCode, ct, sniff)
		}
		logHostile(t, "stored XSS (csv)", "GET "+path, resp.StatusCode, true, "text/csv + nosniff: never rendered as HTML")
	}
}

// Every query parameter a page reads, and the path itself, given a hostile
// value: whatever the answer (the page, 400 naming the value, 404), no
// markup comes back unescaped; where the value is shown it is escaped.
func TestHostileQueryXSS(t *testing.T) {
	ts := newTestServer(t, store.SQLite)
	doc, nurse, admin := ts.client(t, clinic.RoleClinician), ts.client(t, clinic.RoleNurse), ts.client(t, clinic.RoleAdmin)
	c := hannahCourse(t, ts)
	sid := hannahSession(t, ts, 1).ID
	pid := ts.demo.Patients[1].ID
	h := func(tag string) string { return url.QueryEscape(hostileValue('=', tag, 200)) }
	cases := []struct {
		path   string
		client *http.Client
		tags   []string // the parameters' tags
	}{
		{"/patients?q=" + h("q"), doc, []string{"q"}},
		{"/patients?after=" + h("after"), doc, []string{"after"}},
		{"/courses?after=" + h("after"), doc, []string{"after"}},
		{fmt.Sprintf("/courses/%d?version=%s&flash=%s", c.ID, h("version"), h("flash")), doc, []string{"version", "flash"}},
		{fmt.Sprintf("/courses/%d?flash=%s", c.ID, h("flash")), doc, []string{"flash"}},
		{fmt.Sprintf("/courses/%d/plan/print?paper=%s", c.ID, h("paper")), doc, []string{"paper"}},
		{fmt.Sprintf("/courses/%d/plan/print?version=%s", c.ID, h("version")), doc, []string{"version"}},
		{fmt.Sprintf("/courses/%d/discharge/print?session=%s", c.ID, h("session")), doc, []string{"session"}},
		{fmt.Sprintf("/courses/%d/letter/print?paper=%s", c.ID, h("paper")), doc, []string{"paper"}},
		{fmt.Sprintf("/sessions/%d?flash=%s", sid, h("flash")), nurse, []string{"flash"}},
		{fmt.Sprintf("/sessions/%d/print?paper=%s", sid, h("paper")), nurse, []string{"paper"}},
		{fmt.Sprintf("/patients/%d/journal/today?phq9=%s&flash=%s", pid, h("phq9"), h("flash")), nurse, []string{"phq9", "flash"}},
		{"/dashboard?date=" + h("date"), doc, []string{"date"}},
		{"/dashboard?part=" + h("part"), doc, []string{"part"}},
		{"/stock?all=" + h("all") + "&flash=" + h("flash"), nurse, []string{"all", "flash"}},
		{"/stock/reconciliation?flash=" + h("flash"), nurse, []string{"flash"}},
		{"/stock/log?from=" + h("from"), nurse, []string{"from"}},
		{"/stock/log?to=" + h("to"), nurse, []string{"to"}},
		{"/stock/log?lot=" + h("lot"), nurse, []string{"lot"}},
		{"/stock/log/print?lot=" + h("lot"), nurse, []string{"lot"}},
		{"/audit?entity=" + h("entity") + "&action=" + h("action"), doc, []string{"entity", "action"}},
		{"/audit?patient_id=" + h("patient_id"), doc, []string{"patient_id"}},
		{"/evidence?sort=" + h("sort"), doc, []string{"sort"}},
		{"/users?role=" + h("role") + "&flash=" + h("flash"), admin, []string{"role", "flash"}},
		{"/outcome-definitions?flash=" + h("flash"), doc, []string{"flash"}},
		{"/consent-forms?flash=" + h("flash"), doc, []string{"flash"}},
		{"/login?next=" + h("next"), ts.client(t, ""), []string{"next"}},
		{"/patients/" + url.PathEscape(hostileValue('=', "path", 200)), doc, []string{"path"}},
		{"/no-such-page/" + url.PathEscape(hostileValue('=', "path", 200)), doc, []string{"path"}},
	}
	failures, shown := 0, 0
	for _, tc := range cases {
		t.Run(strings.ReplaceAll(tc.path[:min(len(tc.path), 40)], "/", "_"), func(t *testing.T) {
			resp := ts.do(t, tc.client, "GET", tc.path, "", "")
			page := body(resp)
			if resp.StatusCode >= 500 {
				failures++
				t.Errorf("GET %s: status %d", tc.path, resp.StatusCode)
			}
			if m := unescapedHostile.FindStringIndex(page); m != nil {
				failures++
				t.Errorf("GET %s: unescaped markup: %q", tc.path, page[max(m[0]-80, 0):min(m[1]+40, len(page))])
			}
			var echoed []string
			for _, tag := range tc.tags {
				if shownEscaped(page, tag) {
					echoed = append(echoed, tag)
				}
			}
			if len(echoed) > 0 {
				shown++
			}
			logHostile(t, "query "+strings.Join(tc.tags, ","), "GET "+tc.path[:strings.IndexAny(tc.path+"?", "?")], resp.StatusCode, false,
				fmt.Sprintf("reflected escaped: %v", echoed))
		})
	}
	t.Logf("HOSTILE SUMMARY | query and path parameters: %d requests, %d reflect the value (escaped) | failures: %d", len(cases), shown, failures)
}
