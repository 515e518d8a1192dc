package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/units"
)

// hannahSession is the demo session of Hannah's course on plan day day.
func hannahSession(t *testing.T, ts *testServer, day int) *clinic.InfusionSession {
	t.Helper()
	c := hannahCourse(t, ts)
	ctx := ts.demo.As(context.Background(), clinic.RoleNurse)
	list, err := ts.db.FindSessions(ctx, clinic.SessionFilter{CourseID: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list {
		if s.Day == day {
			return s
		}
	}
	t.Fatalf("no session of day %d", day)
	return nil
}

// The session record of Hannah's day 1 (the demo's 4 h at 0.35 mg/kg/h,
// 154 lb, from a 100 mg in 100 mL bag drawn from lot KH100-2608B at
// 100 mg/mL, internal/demo) shows the mg given, computed here
// independently as 0.35 × 154 × 0.45359237 × 4 = 97.79 mg, the lot, the
// preparer and witness, and the waste 100 − 97.7945 = 2.205 mg (2.205 mL at
// 1 mg/mL) with its witness; the running day 3 is marked in progress; a
// patient gets no session record.
func TestSessionRecordDocument(t *testing.T) {
	ts := newTestServer(t, store.SQLite)
	nurse := ts.client(t, clinic.RoleNurse)
	s1 := hannahSession(t, ts, 1)
	given := 0.35 * 154 * 0.45359237 * 4
	waste := 100 - given
	nurseName, docName := ts.demo.Users[clinic.RoleNurse].Name, ts.demo.Users[clinic.RoleClinician].Name
	resp := ts.do(t, nurse, "GET", fmt.Sprintf("/sessions/%d/print", s1.ID), "", "")
	page := body(resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("record: %d %s", resp.StatusCode, page)
	}
	for _, want := range []string{"Infusion session record", ts.demo.Patients[1].MRN, units.FormatNumber(given, 4) + " mg",
		"KH100-2608B", nurseName, docName, units.FormatNumber(waste, 4), "clonidine", "Discharge criteria met", "completed"} {
		if !strings.Contains(page, want) {
			t.Errorf("session record lacks %q", want)
		}
	}
	if units.FormatNumber(given, 4) != "97.79" || units.FormatNumber(waste, 4) != "2.205" {
		t.Fatalf("independent figures %v %v", given, waste)
	}
	if strings.Contains(page, "IN PROGRESS") || strings.Contains(page, "waste has not been recorded") {
		t.Error("a finished, wasted session is marked in progress or unwasted")
	}
	// Day 2's bag was left unwasted by the demo.
	s2 := hannahSession(t, ts, 2)
	if page := body(ts.do(t, nurse, "GET", fmt.Sprintf("/sessions/%d/print", s2.ID), "", "")); !strings.Contains(page, "waste has not been recorded") {
		t.Error("day 2's unwasted bag is not flagged")
	}
	s3 := hannahSession(t, ts, 3)
	if page := body(ts.do(t, nurse, "GET", fmt.Sprintf("/sessions/%d/print", s3.ID), "", "")); !strings.Contains(page, "IN PROGRESS") ||
		!strings.Contains(page, "NOT ACKNOWLEDGED") || !strings.Contains(page, "restlessness") {
		t.Error("the running session is not marked in progress with its open alert and side effect")
	}
	patient := ts.client(t, clinic.RolePatient)
	if resp := ts.do(t, patient, "GET", fmt.Sprintf("/sessions/%d/print", s1.ID), "", ""); resp.StatusCode == http.StatusOK {
		t.Errorf("a patient printed a session record: %d", resp.StatusCode)
	}
	// Printed documents are audited, one entry per print.
	admin := ts.demo.As(context.Background(), clinic.RoleAdmin)
	es, err := ts.db.FindAuditEntries(admin, clinic.AuditFilter{Entity: "document", Action: clinic.ActionPrint})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 3 || !strings.Contains(string(es[len(es)-1].After), `"kind":"session-record"`) {
		t.Errorf("%d print entries, want 3 session records", len(es))
	}
}

// The session record's PDF carries the same figures as its page.
func TestSessionRecordPDF(t *testing.T) {
	requireChromium(t)
	ts := newTestServer(t, store.SQLite)
	nurse := ts.client(t, clinic.RoleNurse)
	s1 := hannahSession(t, ts, 1)
	resp := ts.do(t, nurse, "GET", fmt.Sprintf("/sessions/%d/record.pdf", s1.ID), "", "")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("record PDF: %d %.300s", resp.StatusCode, body(resp))
	}
	pdf := []byte(body(resp))
	savePDF(t, "doc-session", pdf)
	text := pdfText(t, pdf)
	for _, want := range []string{ts.demo.Patients[1].MRN, "97.79 mg", "KH100-2608B", "2.205", ts.demo.Users[clinic.RoleClinician].Name} {
		if !strings.Contains(text, want) {
			t.Errorf("record PDF text lacks %q", want)
		}
	}
}
