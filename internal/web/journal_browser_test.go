package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/store"
)

// A patient, on a phone, writes today's journal entry by tapping the
// scales and sees it as the last point of their pain chart; a clinician
// looks at the clinic's analytics, one patient's outcomes, the functional
// measures and the outcome definitions. Screenshots of each page.
func TestBrowserJournalEntryOnChart(t *testing.T) {
	ctx, problems := browser(t)
	ts := newTestServer(t, store.SQLite)
	dir := screenshotDir(t)
	shot := screenshots(dir)
	do := browserDo(ctx, t)
	loginAs := ts.loginAs
	tap := func(name string, v int) chromedp.Action[chromedp.Void] {
		return chromedp.Click(css(fmt.Sprintf(`input[name=%q][value="%d"] + span`, name, v)))
	}
	me := ts.demo.Patients[0]

	do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), loginAs(clinic.RolePatient),
		chromedp.WaitVisible(css(`#journal-reminder`)), shot("j00-home-reminder-phone"),
		chromedp.Navigate(ts.URL+"/journal"), chromedp.WaitVisible(css(`#write-today`)),
		chromedp.WaitVisible(css(`#chart-pain canvas`)), shot("j01-portal-phone"),
		chromedp.Click(css(`#write-today`)), chromedp.WaitVisible(css(`#save-entry`)), shot("j02-form-phone"),
		tap("pain_now", 3), tap("pain_worst", 6), tap("pain_least", 2), tap("pain_24h", 4), tap("burning", 2),
		chromedp.SendKeys(css(`#f-relief_pct`), "35"),
		chromedp.SendKeys(css(`#f-sleep_hours`), "6.5"),
		chromedp.SendKeys(css(`#f-note`), "Less burning after the walk."),
		chromedp.Click(css(`#save-entry`)),
		chromedp.WaitVisible(css(`.flash`)), chromedp.WaitVisible(css(`#chart-pain canvas`)), shot("j03-saved-phone"))

	// Today's entry is the last point of the pain chart, drawn by uPlot.
	last, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => {
		const el = document.querySelector('#chart-pain');
		const spec = JSON.parse(el.dataset.chart);
		const i = spec.x.length - 1;
		return [spec.x[i], spec.series[0].values[i], spec.series[1].values[i], el.querySelectorAll('canvas').length];
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	today := ts.db.Today()
	if len(last) != 4 || last[0] != float64(today.Time().Unix()) || last[1] != 3 || last[2] != 6 || last[3] < 1 {
		t.Errorf("last point of the pain chart %v, want today (%d) with pain now 3, worst 6, on a canvas", last, today.Time().Unix())
	}
	legend, _ := chromedp.Run(ctx, chromedp.Text(css(`#chart-pain .u-legend`)))
	if !strings.Contains(legend, "Pain now") {
		t.Errorf("chart legend %q", legend)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(css(`table.journal-table tbody tr`)))
	if err != nil || !strings.Contains(text, today.String()) {
		t.Errorf("first row of the entries %q (%v)", text, err)
	}

	// The clinician's pages, desktop width.
	do(chromedp.EmulateViewport(1280, 900),
		chromedp.Click(css(`.user-menu summary`)), chromedp.Click(css(`.user-menu button`)), chromedp.WaitVisible(css(`#login`)),
		loginAs(clinic.RoleClinician),
		chromedp.Navigate(ts.URL+"/analytics"), chromedp.WaitVisible(css(`#chart-km canvas`)), shot("j04-analytics"))
	// Printed: no menu, no forms, charts a page wide.
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	do(chromedp.EmulateViewport(800, 1100), shot("j09-analytics-print"))
	if hidden, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`getComputedStyle(document.querySelector('.topbar')).display === 'none'`)); err != nil || !hidden {
		t.Errorf("the menu is printed (%v)", err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}); err != nil {
		t.Fatal(err)
	}
	do(chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(fmt.Sprintf("%s/patients/%d", ts.URL, me.ID)), chromedp.WaitVisible(css(`.record-links`)),
		chromedp.Click(css(`.record-links a[href$="/outcomes"]`)), chromedp.WaitVisible(css(`#chart-trajectory-0 canvas`)), shot("j05-patient-outcomes"),
		chromedp.Navigate(fmt.Sprintf("%s/patients/%d/journal", ts.URL, me.ID)), chromedp.WaitVisible(css(`#chart-pain canvas`)), shot("j06-journal-staff"),
		chromedp.Navigate(fmt.Sprintf("%s/patients/%d/measures", ts.URL, me.ID)), chromedp.WaitVisible(css(`#record-measure`)),
		chromedp.SetValue(css(`#f-kind`), "lci"), chromedp.SetValue(css(`#f-value`), "57"),
		chromedp.Click(css(`#record-measure`)), chromedp.WaitVisible(css(`.field-error`)), shot("j07-measures-error"),
		chromedp.Navigate(ts.URL+"/outcome-definitions"), chromedp.WaitVisible(css(`#save-definitions`)), shot("j08-definitions"))
	if got, _ := chromedp.Run(ctx, chromedp.Text(css(`main`))); !strings.Contains(got, "IMMPACT") {
		t.Errorf("definitions page lacks IMMPACT")
	}
	for _, p := range problems() {
		t.Errorf("browser console: %s", p)
	}
	t.Logf("screenshots in %s", dir)
}
