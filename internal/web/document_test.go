package web_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
	"github.com/ketatrack/ketatrack/internal/units"
)

// pdfText extracts the text of a PDF with poppler's pdftotext -layout
// (skipped, or failed under KETATRACK_REQUIRE_BROWSER=1, without it).
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	return pdfTextAs(t, pdf, "-layout")
}

// pdfTextAs is pdfText in pdftotext's mode (-layout, or -raw: the order of
// the content stream, so that a table cell's lines are not interleaved
// with the next cell's).
func pdfTextAs(t *testing.T, pdf []byte, mode string) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		storetest.SkipOrFail(t, "KETATRACK_REQUIRE_BROWSER", "no pdftotext on PATH (Debian: apt-get install poppler-utils)")
	}
	f := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(f, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, mode, f, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// requireChromium skips (or fails under KETATRACK_REQUIRE_BROWSER=1) when
// the server cannot make PDFs.
func requireChromium(t *testing.T) {
	t.Helper()
	for _, p := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if _, err := exec.LookPath(p); err == nil {
			return
		}
	}
	storetest.SkipOrFail(t, "KETATRACK_REQUIRE_BROWSER", "no Chromium on PATH: the server makes no PDFs")
}

// hannahCourse is the demo's Schwartzman course of Hannah Becker (154 lb,
// 0.35 mg/kg/h from a 100 mg/100 mL bag; internal/demo/treatment.go).
func hannahCourse(t *testing.T, ts *testServer) *clinic.Course {
	t.Helper()
	ctx := ts.demo.As(context.Background(), clinic.RoleClinician)
	cs, err := ts.db.FindCourses(ctx, clinic.CourseFilter{PatientID: ts.demo.Patients[1].ID})
	if err != nil || len(cs) != 1 {
		t.Fatalf("Hannah's courses: %v %v", cs, err)
	}
	c, err := ts.db.FindCourseByID(ctx, cs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The plan document's mg/h and mL/h, in the printable page and in the PDF's
// text, are the plan engine's, and those equal Schwartzman's 0.35 mg/kg/h
// (001_db080c63fd53018a.txt) at 154 lb × 0.45359237 kg/lb from a 1 mg/mL
// bag, computed here independently.
func TestPlanDocumentNumbers(t *testing.T) {
	ts := newTestServer(t, store.SQLite)
	nurse := ts.client(t, clinic.RoleNurse)
	c := hannahCourse(t, ts)
	step := c.Current().Plan.Days[0].Steps[0]
	wantMgH := 0.35 * 154 * 0.45359237 // 24.4486... mg/h
	if d := step.MgPerH - wantMgH; d > 1e-9 || d < -1e-9 {
		t.Fatalf("plan engine mg/h %v, independent %v", step.MgPerH, wantMgH)
	}
	if step.MLPerH == nil || *step.MLPerH-wantMgH > 1e-9 || *step.MLPerH-wantMgH < -1e-9 {
		t.Fatalf("plan engine mL/h %v, want %v at 1 mg/mL", step.MLPerH, wantMgH)
	}
	mgh, mlh := units.FormatNumber(step.MgPerH, 4), units.FormatNumber(*step.MLPerH, 4)
	if mgh != "24.45" {
		t.Fatalf("mg/h shown as %q, want 24.45", mgh)
	}

	resp := ts.do(t, nurse, "GET", fmt.Sprintf("/courses/%d/plan/print", c.ID), "", "")
	page := body(resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("plan page: %d %s", resp.StatusCode, page)
	}
	for _, want := range []string{"Infusion plan", ts.demo.Patients[1].MRN, "Signed", mgh, mlh, "0.35", "100mg/100mL", "Schwartzman", "clonidine"} {
		if !strings.Contains(page, want) {
			t.Errorf("plan page lacks %q", want)
		}
	}
	if strings.Contains(page, "NOT SIGNED") {
		t.Error("a signed plan is marked not signed")
	}

	requireChromium(t)
	resp = ts.do(t, nurse, "GET", fmt.Sprintf("/courses/%d/plan.pdf?paper=letter", c.ID), "", "")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("plan PDF: %d %s %.200s", resp.StatusCode, resp.Header.Get("Content-Type"), body(resp))
	}
	if err := os.WriteFile(filepath.Join(screenshotDir(t), "plan.pdf"), []byte(body(resp)), 0o644); err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, []byte(body(resp)))
	for _, want := range []string{ts.demo.Patients[1].MRN, mgh, mlh, "mg/kg/h", "Signed by"} {
		if !strings.Contains(text, want) {
			t.Errorf("plan PDF text lacks %q:\n%s", want, text)
		}
	}
	for _, day := range c.Current().Plan.Days {
		if want := fmt.Sprintf("Day %d: %s mg", day.Day, units.FormatNumber(day.SessionMg, 4)); !strings.Contains(text, want) {
			t.Errorf("plan PDF text lacks %q", want)
		}
	}
}

// Every document produced is in the audit log with who printed it, the
// format and the digest; another clinic's staff and another patient get
// 404, a patient their own plan but not a session record.
func TestDocumentRightsAndAudit(t *testing.T) {
	ts := newTestServer(t, store.SQLite)
	c := hannahCourse(t, ts)
	nurse, patient := ts.client(t, clinic.RoleNurse), ts.client(t, clinic.RolePatient)
	path := fmt.Sprintf("/courses/%d/plan/print", c.ID)
	if resp := ts.do(t, nurse, "GET", path+"?paper=a5", "", ""); resp.StatusCode != http.StatusBadRequest ||
		!strings.Contains(body(resp), "a4 or letter") {
		t.Errorf("paper a5: %d %.300s", resp.StatusCode, body(resp))
	}
	if resp := ts.do(t, nurse, "GET", path+"?version=9", "", ""); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("version 9: %d", resp.StatusCode)
	}
	if resp := ts.do(t, nurse, "GET", path, "", ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("nurse: %d", resp.StatusCode)
	}
	// The demo patient account is Patients[0], not Hannah.
	if resp := ts.do(t, patient, "GET", path, "", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another patient reading Hannah's plan: %d", resp.StatusCode)
	}
	admin := ts.demo.As(context.Background(), clinic.RoleAdmin)
	es, err := ts.db.FindAuditEntries(admin, clinic.AuditFilter{Entity: "document", Action: clinic.ActionPrint})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 {
		t.Fatalf("%d print entries, want 1 (refused requests print nothing)", len(es))
	}
	e := es[0]
	if e.ActorLogin == "" || e.PatientID != ts.demo.Patients[1].ID || e.EntityID != c.ID ||
		!strings.Contains(string(e.After), `"format":"html"`) || !strings.Contains(string(e.After), `"kind":"plan"`) ||
		!strings.Contains(string(e.After), `"sha256":"`) {
		t.Errorf("print entry %+v %s", e, e.After)
	}
}

// savePDF writes a document's PDF into the screenshot directory and, with
// poppler's pdftoppm on PATH, its pages as NAME-N.png (NAME.png for one
// page) to be looked at.
func savePDF(t *testing.T, name string, pdf []byte) []string {
	t.Helper()
	dir := screenshotDir(t)
	f := filepath.Join(dir, name+".pdf")
	if err := os.WriteFile(f, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	bin, err := exec.LookPath("pdftoppm")
	if err != nil {
		storetest.SkipOrFail(t, "KETATRACK_REQUIRE_BROWSER", "no pdftoppm on PATH (Debian: apt-get install poppler-utils)")
	}
	if out, err := exec.Command(bin, "-png", "-r", "70", f, filepath.Join(dir, name)).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	pngs, _ := filepath.Glob(filepath.Join(dir, name+"-[0-9]*.png"))
	return pngs
}
