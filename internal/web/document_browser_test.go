package web_test

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/store"
)

// TestBrowserDocuments walks to the four documents of the demo patient
// Hannah Becker as a nurse would (course page → each printable page, in
// Chromium), checks each page's DOM for its real values, then prints each
// to PDF through the server (headless Chromium's print-to-PDF), checks the
// PDF's text with pdftotext and renders its pages to PNG with pdftoppm
// (KETATRACK_SCREENSHOTS=dir keeps them as doc-KIND-N.png to be looked at).
func TestBrowserDocuments(t *testing.T) {
	ctx, problems := browser(t)
	ts := newTestServer(t, store.SQLite)
	do, text := browserDo(ctx, t), browserText(ctx, t)
	shot := screenshots(screenshotDir(t))
	c := hannahCourse(t, ts)
	s1 := hannahSession(t, ts, 1)
	mrn := ts.demo.Patients[1].MRN
	witness := ts.demo.Users[clinic.RoleClinician].Name

	do(ts.loginAs(clinic.RoleNurse), chromedp.Navigate(fmt.Sprintf("%s/courses/%d", ts.URL, c.ID)), chromedp.WaitVisible(css("#print-letter")))
	docs := []struct {
		name, link, pdf string
		want            []string
	}{
		{"plan", "#print-plan", fmt.Sprintf("/courses/%d/plan.pdf", c.ID), []string{"Infusion plan", mrn, "24.45", "Signed by"}},
		{"letter", "#print-letter", fmt.Sprintf("/courses/%d/letter.pdf", c.ID), []string{"Dr Paul Lindqvist", mrn, "journal day", "Budapest", "Yours sincerely"}},
		{"discharge", "#print-discharge", fmt.Sprintf("/courses/%d/discharge.pdf?session=%d", c.ID, s1.ID), []string{"No driving for 24 hours", mrn, "97.79 mg", "next infusion"}},
	}
	for _, d := range docs {
		do(chromedp.Navigate(fmt.Sprintf("%s/courses/%d", ts.URL, c.ID)), chromedp.WaitVisible(css(d.link)), chromedp.Click(css(d.link)),
			chromedp.WaitVisible(css(".doc-frame")), shot("doc-"+d.name+"-screen"))
		page := text(".doc-frame")
		for _, w := range d.want[:2] {
			if !strings.Contains(page, w) {
				t.Errorf("%s page lacks %q", d.name, w)
			}
		}
	}
	// The session record, from the charting page's link.
	do(chromedp.Navigate(fmt.Sprintf("%s/sessions/%d", ts.URL, s1.ID)), chromedp.WaitVisible(css("#print-session")), chromedp.Click(css("#print-session")),
		chromedp.WaitVisible(css(".doc-frame")), shot("doc-session-screen"))
	if page := text(".doc-frame"); !strings.Contains(page, "KH100-2608B") || !strings.Contains(page, witness) {
		t.Errorf("session record page lacks the lot or the witness")
	}
	docs = append(docs, struct {
		name, link, pdf string
		want            []string
	}{"session", "", fmt.Sprintf("/sessions/%d/record.pdf", s1.ID), []string{mrn, "97.79 mg", "KH100-2608B", witness, "2.205"}})

	nurse := ts.client(t, clinic.RoleNurse)
	for _, d := range docs {
		resp := ts.do(t, nurse, "GET", d.pdf, "", "")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("%s PDF: %d %.300s", d.name, resp.StatusCode, body(resp))
		}
		pdf := []byte(body(resp))
		pngs := savePDF(t, "doc-"+d.name, pdf)
		if len(pngs) == 0 {
			t.Errorf("%s: no page rendered", d.name)
		}
		txt := pdfText(t, pdf)
		for _, w := range d.want {
			if !strings.Contains(txt, w) {
				t.Errorf("%s PDF text lacks %q", d.name, w)
			}
		}
		if !strings.Contains(txt, "page 1 of") {
			t.Errorf("%s PDF has no page numbers", d.name)
		}
		t.Logf("%s: %d bytes, %d pages: %s", d.name, len(pdf), len(pngs), strings.Join(func() []string {
			var out []string
			for _, p := range pngs {
				out = append(out, filepath.Base(p))
			}
			return out
		}(), " "))
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console: %v", p)
	}
}
