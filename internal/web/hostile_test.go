package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/csvsafe"
	"github.com/ketatrack/ketatrack/internal/infusion"
	"github.com/ketatrack/ketatrack/internal/stock"
	"github.com/ketatrack/ketatrack/internal/store"
)

// hostileTail is what every planted value carries after its field's tag:
// an attribute break-out with an event handler, a textarea close and a
// script element (OWASP XSS filter evasion cheat sheet, the basic forms).
const hostileTail = `"><img src=x onerror=alert(1)></textarea><script>alert(1)</script>`

// hostileValue is the value planted in a field: a formula lead character
// (one of OWASP's = + - @, chosen by lead), the tag and hostileTail, cut to
// max characters (the field's limit) — so each field's value is both a
// stored-XSS and a CSV-injection probe, and the tag tells which field a
// page or a CSV shows.
func hostileValue(lead byte, tag string, max int) string {
	v := string(lead) + tag + hostileTail
	if len(v) > max {
		v = v[:max]
	}
	return v
}

// hostileFixture plants hostile values in every free-text field of the
// demo clinic that a page or a CSV shows. Field → value, for the checks.
type hostileFixture struct {
	values    map[string]string // field → planted value
	patient   *clinic.Patient   // Hannah, with course, running session, journal, measures
	course    *clinic.Course    // Hannah's course
	session   int64             // Hannah's running session
	newCourse *clinic.Course    // a course with a hostile title and acknowledgement
}

func plantHostile(t *testing.T, ts *testServer) *hostileFixture {
	t.Helper()
	ctx := context.Background()
	doc := ts.demo.As(ctx, clinic.RoleClinician)
	f := &hostileFixture{values: map[string]string{}}
	v := func(field string, lead byte, max int) string {
		s := hostileValue(lead, field, max)
		f.values[field] = s
		return s
	}
	hannah := ts.demo.Patients[1]
	mrn, given, family := v("mrn", '=', 40), v("given_name", '+', 100), v("family_name", '-', 100)
	refDoc, refAddr := v("referring_doctor", '@', 200), v("referring_address", '=', 200)
	refAddr += "\njavascript:alert(1)"
	f.values["referring_address"] = refAddr
	p, err := ts.db.UpdatePatient(sysCtx(), hannah.ID, clinic.PatientUpdate{MRN: &mrn, GivenName: &given, FamilyName: &family,
		ReferringDoctor: &refDoc, ReferringAddress: &refAddr})
	if err != nil {
		t.Fatalf("plant patient: %v", err)
	}
	f.patient = p
	nurseUser := ts.demo.Users[clinic.RoleNurse]
	name := v("user_name", '+', 200)
	u, err := ts.db.UpdateUser(sysCtx(), nurseUser.ID, clinic.UserUpdate{Name: &name})
	if err != nil {
		t.Fatalf("plant user name: %v", err)
	}
	ts.demo.Users[clinic.RoleNurse] = u
	nurse := ts.demo.As(ctx, clinic.RoleNurse) // the actor carries the name into what it records
	if err := ts.db.RecordMeasure(nurse, &clinic.FunctionalMeasure{PatientID: p.ID, Kind: clinic.MeasureROM, MeasuredOn: clinic.DateOf(ts.now()),
		Value: "30", Unit: "deg", Site: v("measure_site", '+', 200), Aid: v("measure_aid", '-', 200), Note: v("measure_note", '@', 1000)}); err != nil {
		t.Fatalf("plant measure: %v", err)
	}
	if _, _, err := ts.db.ReceiveStock(nurse, stock.ReceiptInput{Product: v("stock_product", '=', 200), Drug: "racemic", Strength: "50mg/mL",
		VialVolume: "10mL", Lot: v("stock_lot", '+', 60), Expiry: clinic.DateOf(ts.now()).AddDays(300).String(), Vials: "2",
		Supplier: v("stock_supplier", '-', 200), Reference: v("stock_reference", '@', 200)}); err != nil {
		t.Fatalf("plant stock: %v", err)
	}
	e := clinic.NewJournalEntry(p.ID, clinic.DateOf(ts.now()))
	e.Scores[0] = 5
	e.Note = v("journal_note", '=', 1000)
	if err := ts.db.SaveJournalEntry(sysCtx(), e); err != nil {
		t.Fatalf("plant journal note: %v", err)
	}
	courses, err := ts.db.FindCourses(sysCtx(), clinic.CourseFilter{PatientID: p.ID})
	if err != nil || len(courses) == 0 {
		t.Fatalf("courses of %s: %v", p.MRN, err)
	}
	f.course = courses[0]
	sessions, err := ts.db.FindSessions(sysCtx(), clinic.SessionFilter{CourseID: f.course.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sessions {
		if s.Phase == infusion.PhaseRunning {
			f.session = s.ID
		}
	}
	if f.session == 0 {
		t.Fatalf("no running session of %s", p.MRN)
	}
	if _, _, err := ts.db.RecordEvent(nurse, f.session, infusion.Event{Kind: infusion.KindSideEffect, At: ts.now(),
		Note: v("event_note", '-', 500), SideEffect: &infusion.SideEffect{Effect: infusion.SEOther, Other: v("side_effect_other", '@', 200),
			Severity: infusion.Mild, Action: v("side_effect_action", '=', 200)}}); err != nil {
		t.Fatalf("plant side effect: %v", err)
	}
	if _, err := ts.db.ReviseCourse(doc, f.course.ID, clinic.PlanInput{ProtocolID: "schwartzman-2009", Weight: "154lb", Bag: "100mg/100mL",
		StartDate: clinic.DateOf(ts.now()).AddDays(-2), Settings: map[string]string{"clonidine-dose": "0.1mg", "clonidine-route": "PO", "midazolam-dose": "2mg", "midazolam-route": "IV"}},
		v("revision_reason", '+', 1000), 0); err != nil {
		t.Fatalf("plant revision reason: %v", err)
	}
	grace := ts.demo.Patients[4]
	nc, err := ts.db.CreateCourse(doc, grace.ID, v("course_title", '-', 200), clinic.PlanInput{ProtocolID: "goldberg-2005", Weight: "70kg",
		StartDate: clinic.DateOf(ts.now()).AddDays(7), Settings: map[string]string{"daily-step": "+5mg", "midazolam-route": "IV"},
		Acknowledgement: v("acknowledgement", '@', 1000)})
	if err != nil {
		t.Fatalf("plant course title: %v", err)
	}
	f.newCourse = nc
	body := v("consent_body", '=', 1000) + " — the patient agrees to the treatment described."
	f.values["consent_body"] = body
	if _, err := ts.db.CreateConsentForm(doc, clinic.ConsentFormInput{Version: v("consent_version", '+', 40), Title: v("consent_title", '-', 200),
		Body: body, EffectiveFrom: clinic.DateOf(ts.now()).String()}); err != nil {
		t.Fatalf("plant consent form: %v", err)
	}
	return f
}

// formulaLead reports whether a CSV cell would start a formula in a
// spreadsheet: csvsafe's rule (OWASP's six characters, plain decimal
// numbers excepted) checked independently of csvsafe.Cell.
func formulaLead(cell string) bool {
	if cell == "" || !strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return false
	}
	var f float64
	var rest string
	n, _ := fmt.Sscanf(cell+" x", "%g %s", &f, &rest)
	return !(n == 2 && rest == "x" && !strings.ContainsAny(cell, "xXpPiInN_"))
}

// Every CSV export neutralises a cell that would start a formula, keeps
// numbers (negative ones too) as numbers, and still carries the planted
// value behind the quote.
func TestHostileCSVExports(t *testing.T) {
	ts := newTestServer(t, store.SQLite)
	f := plantHostile(t, ts)
	nurse := ts.client(t, clinic.RoleNurse)
	doc := ts.client(t, clinic.RoleClinician)
	pid := f.patient.ID
	for _, tc := range []struct {
		path   string
		client *http.Client
		want   []string // fields whose value the export must carry
	}{
		{"/stock/log.csv", nurse, []string{"stock_product", "stock_lot", "stock_supplier", "stock_reference", "user_name"}},
		{fmt.Sprintf("/patients/%d/journal.csv", pid), nurse, []string{"mrn"}},
		{fmt.Sprintf("/patients/%d/measures.csv", pid), nurse, []string{"mrn", "measure_site", "measure_aid", "measure_note", "user_name"}},
		{fmt.Sprintf("/patients/%d/outcomes.csv", pid), doc, []string{"mrn"}},
		{"/analytics/cohort.csv", doc, nil},
		{"/analytics/tests.csv", doc, nil},
		{"/analytics/responders.csv", doc, nil},
		{"/analytics/criteria.csv", doc, nil},
		{"/analytics/survival.csv", doc, nil},
		{"/analytics/relief.csv", doc, nil},
		{"/analytics/boosters.csv", doc, nil},
		{"/analytics/journal.csv", doc, nil}, // pseudonymous patient IDs, not MRNs
	} {
		t.Run(strings.ReplaceAll(tc.path, "/", "_"), func(t *testing.T) {
			resp := ts.do(t, tc.client, "GET", tc.path, "", "")
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
				t.Fatalf("status %d %s: %.200s", resp.StatusCode, resp.Header.Get("Content-Type"), body(resp))
			}
			cr := csv.NewReader(strings.NewReader(body(resp)))
			cr.FieldsPerRecord = -1
			recs, err := cr.ReadAll()
			if err != nil {
				t.Fatalf("read csv: %v", err)
			}
			cells := map[string]bool{}
			for i, rec := range recs {
				for j, c := range rec {
					cells[c] = true
					if formulaLead(c) {
						t.Errorf("line %d cell %d starts a formula: %q", i+1, j+1, c)
					}
					// What Cell writes for the text the cell stands for
					// (Uncell reads it back as an importer does).
					if c != csvsafe.Cell(csvsafe.Uncell(c)) {
						t.Errorf("line %d cell %d is not neutral: %q", i+1, j+1, c)
					}
				}
			}
			for _, field := range tc.want {
				if !cells["'"+f.values[field]] {
					t.Errorf("no cell holds %s as '%q", field, f.values[field])
				}
			}
			logHostile(t, "csv "+strings.Join(tc.want, ","), "GET "+tc.path, resp.StatusCode, len(tc.want) > 0, "formula cells quoted")
		})
	}
}

// logHostile prints one row of the hostile-input table (input, route,
// status, stored?, outcome) under go test -v.
func logHostile(t *testing.T, input, route string, status int, stored bool, outcome string) {
	t.Helper()
	t.Logf("HOSTILE | %s | %s | %d | stored=%v | %s", input, route, status, stored, outcome)
}
