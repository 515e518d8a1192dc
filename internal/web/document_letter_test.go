package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/infusion"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/units"
)

// The letter about Hannah's course is addressed to her referring doctor
// (demo), gives her diagnosis as recorded, the sessions given with the mg
// of each chart summed (computed here from the charts: the two completed
// days at 0.35 mg/kg/h × 154 lb × 0.45359237 × 4 h = 97.79 mg each, the
// running day 3 to the server's instant), and the trajectory as an inline
// SVG without script; without a referring doctor the letter says so.
func TestReferralLetterDocument(t *testing.T) {
	ts := newTestServer(t, store.SQLite)
	doc := ts.client(t, clinic.RoleClinician)
	c := hannahCourse(t, ts)
	ctx := ts.demo.As(context.Background(), clinic.RoleClinician)
	sessions, err := ts.db.FindSessions(ctx, clinic.SessionFilter{CourseID: c.ID, WithState: true})
	if err != nil {
		t.Fatal(err)
	}
	var total float64
	for _, s := range sessions {
		at := ts.now()
		if s.State.Phase == infusion.PhaseStopped {
			at = s.State.StoppedAt
		}
		total += float64(s.State.Summary(at).CumulativeDoseMg)
	}
	day := 0.35 * 154 * 0.45359237 * 4
	if total < 2*day || total > 3*day {
		t.Fatalf("course total %v outside two to three full days of %v", total, day)
	}
	sum, err := ts.db.WorkupSummary(ctx, ts.demo.Patients[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	resp := ts.do(t, doc, "GET", fmt.Sprintf("/courses/%d/letter/print", c.ID), "", "")
	page := body(resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("letter: %d %s", resp.StatusCode, page)
	}
	wants := []string{"Dear Dr Paul Lindqvist,", "Harbour Street Family Practice", ts.demo.Patients[1].MRN,
		units.FormatNumber(total, 4) + " mg", units.FormatNumber(day, 4), "<svg", "infusion day", "Schwartzman", "Yours sincerely",
		ts.demo.Users[clinic.RoleClinician].Name}
	if sum.Diagnosis != nil {
		wants = append(wants, sum.Diagnosis.Result.Classification.Type.Label(), "clinical: <strong>"+string(sum.Diagnosis.Result.Evaluation.Clinical.Outcome))
	}
	for _, want := range wants {
		if !strings.Contains(page, want) {
			t.Errorf("letter lacks %q", want)
		}
	}
	svg := page[strings.Index(page, "<svg"):]
	svg = svg[:strings.Index(svg, "</svg>")]
	if strings.Contains(svg, "<script") || strings.Contains(svg, "href=") {
		t.Error("the trajectory SVG carries a script or a link")
	}
	// Another patient of the demo, without a referring doctor or course
	// sessions: the letter is flagged.
	olivia := ts.demo.Patients[2]
	cs, err := ts.db.FindCourses(ctx, clinic.CourseFilter{PatientID: olivia.ID})
	if err != nil || len(cs) == 0 {
		t.Fatalf("Olivia's courses: %v %v", cs, err)
	}
	page = body(ts.do(t, doc, "GET", fmt.Sprintf("/courses/%d/letter/print", cs[0].ID), "", ""))
	if !strings.Contains(page, "NO REFERRING DOCTOR RECORDED") || !strings.Contains(page, "Dear colleague,") {
		t.Error("a letter without a referring doctor is not flagged")
	}
	if resp := ts.do(t, ts.client(t, clinic.RolePatient), "GET", fmt.Sprintf("/courses/%d/letter/print", c.ID), "", ""); resp.StatusCode == http.StatusOK {
		t.Error("a patient printed a letter")
	}
}

// The referring doctor is set and cleared through the API and the
// patient form; an address of too many lines is refused naming the field.
func TestReferringDoctorField(t *testing.T) {
	ts := newTestServer(t, store.SQLite)
	nurse := ts.client(t, clinic.RoleNurse)
	id := ts.demo.Patients[0].ID
	resp := ts.do(t, nurse, "PATCH", fmt.Sprintf("/api/v1/patients/%d", id), "application/json",
		`{"referring_doctor": "Dr Eva Stone", "referring_address": "Elm Practice\n3 Elm Road"}`)
	if page := body(resp); resp.StatusCode != http.StatusOK || !strings.Contains(page, `"referring_doctor":"Dr Eva Stone"`) ||
		!strings.Contains(page, `Elm Practice\n3 Elm Road`) {
		t.Fatalf("PATCH: %d %s", resp.StatusCode, page)
	}
	resp = ts.do(t, nurse, "PATCH", fmt.Sprintf("/api/v1/patients/%d", id), "application/json",
		`{"referring_address": "1\n2\n3\n4\n5\n6\n7\n8\n9"}`)
	if page := body(resp); resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "referring_address") {
		t.Errorf("nine lines: %d %s", resp.StatusCode, page)
	}
	p, err := ts.db.FindPatientByID(ts.demo.As(context.Background(), clinic.RoleNurse), id)
	if err != nil || p.ReferringAddress != "Elm Practice\n3 Elm Road" {
		t.Errorf("stored %q %v (a refused change must store nothing)", p.ReferringAddress, err)
	}
	if page := body(ts.do(t, nurse, "GET", fmt.Sprintf("/patients/%d", id), "", "")); !strings.Contains(page, "Dr Eva Stone") {
		t.Error("the patient page does not show the referring doctor")
	}
}

// The letter's PDF carries the addressee, the total and the chart drawn as
// vector text (its axis label is in the PDF's text).
func TestReferralLetterPDF(t *testing.T) {
	requireChromium(t)
	ts := newTestServer(t, store.SQLite)
	doc := ts.client(t, clinic.RoleClinician)
	c := hannahCourse(t, ts)
	resp := ts.do(t, doc, "GET", fmt.Sprintf("/courses/%d/letter.pdf", c.ID), "", "")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("letter PDF: %d %.300s", resp.StatusCode, body(resp))
	}
	pdf := []byte(body(resp))
	savePDF(t, "doc-letter", pdf)
	text := pdfText(t, pdf)
	for _, want := range []string{"Dr Paul Lindqvist", ts.demo.Patients[1].MRN, "journal day", "Yours sincerely"} {
		if !strings.Contains(text, want) {
			t.Errorf("letter PDF text lacks %q", want)
		}
	}
}
