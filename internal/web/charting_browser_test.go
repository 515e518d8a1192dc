package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/infusion"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
	"github.com/ketatrack/ketatrack/internal/units"
)

// runningGoldbergSession signs a Goldberg day-1 course for p and charts its
// session up to a running pump (check-in an hour ago at 70 /min, 120/75,
// 98 %), returning the session's ID.
func runningGoldbergSession(t *testing.T, ts *testServer, p *clinic.Patient) int64 {
	t.Helper()
	ctx := context.Background()
	doc, nurse := ts.demo.As(ctx, clinic.RoleClinician), ts.demo.As(ctx, clinic.RoleNurse)
	today := clinic.DateOf(ts.now())
	for wd := today.Time().Weekday(); wd == time.Saturday || wd == time.Sunday; wd = today.Time().Weekday() {
		today = today.AddDays(-1) // Goldberg's sessions fall on weekdays
	}
	c, err := ts.db.CreateCourse(doc, p.ID, "", clinic.PlanInput{ProtocolID: "goldberg-2005", Weight: "71kg", StartDate: today,
		Settings: map[string]string{"daily-step": "+5mg", "midazolam-route": "IV"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.db.SignPlan(doc, c.ID, 1, 0); err != nil {
		t.Fatal(err)
	}
	storetest.Consent(t, ts.db, c.ID)
	s, err := ts.db.OpenSession(nurse, c.ID, 1, clinic.DateOf(ts.now()))
	if err != nil {
		t.Fatal(err)
	}
	t0 := ts.now().Add(-time.Hour).Truncate(time.Minute)
	bag, _ := units.ParseConcentration("bag", "40mg/500mL")
	rate, _ := units.ParseDoseRate("rate", "10mg/h")
	for _, e := range []infusion.Event{
		{Kind: infusion.KindCheckIn, At: t0, CheckIn: &infusion.CheckIn{Weight: units.Kilograms(71),
			Baseline: infusion.Vitals{HeartRate: 70, Systolic: 120, Diastolic: 75, SpO2: 98}, BaselineAt: t0}},
		{Kind: infusion.KindProgramme, At: t0.Add(5 * time.Minute), Programme: &infusion.Programme{Drug: infusion.Racemic, Bag: bag, Entered: rate,
			DoubleCheck: infusion.DoubleCheck{By: "second nurse", Drug: infusion.Racemic, Concentration: bag}}},
		{Kind: infusion.KindStart, At: t0.Add(10 * time.Minute)},
	} {
		if e.Kind == infusion.KindStart {
			storetest.PrepareBag(t, ts.db, s.ID, "40mg/500mL")
		}
		if _, _, err := ts.db.RecordEvent(nurse, s.ID, e); err != nil {
			t.Fatalf("%s: %v", e.Kind, err)
		}
	}
	return s.ID
}

// A nurse logs in on a tablet-sized screen, opens a running session from
// the dashboard, charts vitals (an impossible SpO2 first, refused with the
// field marked and the values kept), sees the tachycardia alert the next
// vitals raise (heart rate 90 /min, +28.6 % over the baseline 70 /min,
// Goldberg's 20 % rule) and acknowledges it with the action taken.
// Screenshots of each step.
func TestBrowserNurseChartsVitalsAndAcknowledgesAlert(t *testing.T) {
	ctx, problems := browser(t)
	ts := newTestServer(t, store.SQLite)
	p := ts.demo.Patients[6]
	sid := runningGoldbergSession(t, ts, p)
	dir := screenshotDir(t)
	shot := screenshots(dir)
	do := browserDo(ctx, t)
	text := browserText(ctx, t)
	login, _ := ts.password(clinic.RoleNurse)
	vit := func(name string) css { return css(fmt.Sprintf(`#form-vitals [name="vitals.%s"]`, name)) }
	do(chromedp.EmulateViewport(1024, 768), ts.loginAs(clinic.RoleNurse),
		chromedp.Navigate(ts.URL+"/dashboard"), chromedp.WaitVisible(css(`#today-h`)), shot("charting-01-dashboard"),
		chromedp.Click(css(fmt.Sprintf(`a[href="/sessions/%d"][role=button]`, sid))), chromedp.WaitVisible(css(`#form-vitals`)),
		shot("charting-02-session-running"))
	if got := text(`.figures`); !strings.Contains(got, "10 mg/h") || !strings.Contains(got, "125 mL/h") {
		t.Errorf("live figures lack the rate in mg/h and mL/h side by side: %q", got)
	}

	// SpO2 140 %: refused, the field marked, the values kept.
	do(chromedp.SendKeys(vit("hr_per_min"), "72"), chromedp.SendKeys(vit("sbp_mmhg"), "121"),
		chromedp.SendKeys(vit("dbp_mmhg"), "76"), chromedp.SendKeys(vit("spo2_pct"), "140"),
		chromedp.Click(css(`#form-vitals button[type=submit]`)), chromedp.WaitVisible(css(`#form-vitals .field-error`)),
		shot("charting-03-spo2-refused"))
	if got := text(`#form-vitals .field-error`); !strings.Contains(got, "SpO2 140 % is impossible") {
		t.Errorf("SpO2 error %q", got)
	}
	kept, err := chromedp.Run(ctx, chromedp.Value(vit("hr_per_min")))
	if err != nil || kept != "72" {
		t.Errorf("heart rate typed was not kept: %q %v", kept, err)
	}

	// Heart rate 90 /min: charted, and the tachycardia alert appears.
	do(chromedp.SetValue(vit("hr_per_min"), "90"), chromedp.SetValue(vit("spo2_pct"), "97"),
		chromedp.Click(css(`#form-vitals button[type=submit]`)), chromedp.WaitVisible(css(`.alert-box`)),
		shot("charting-04-alert"))
	if got := text(`.alert-box`); !strings.Contains(got, "Heart rate 90 /min") || !strings.Contains(got, "003_55ad5919aae10607.txt") {
		t.Errorf("alert %q", got)
	}
	if got := text(`.flash`); !strings.Contains(got, "ALERT") {
		t.Errorf("flash after charting %q", got)
	}

	// Acknowledge it with the action taken, as this nurse.
	do(chromedp.SendKeys(css(`.ack-form input[name="acknowledge.action"]`), "ECG: sinus tachycardia; patient calm, reassured; recheck in 5 min"),
		chromedp.Click(css(`.ack-form button[type=submit]`)))
	// The page reloads after the post; the acknowledged alert leaves the
	// list of alerts to acknowledge.
	do(chromedp.WaitNotPresent(css(`.alert-box`)))
	do(chromedp.WaitVisible(css(`.event-log`)), shot("charting-05-acknowledged"))
	log := text(`.event-log tbody`)
	for _, want := range []string{"alert", "acknowledge", "ECG: sinus tachycardia"} {
		if !strings.Contains(log, want) {
			t.Errorf("the chart lacks %q: %q", want, log)
		}
	}
	ch := ts.chart(t, ts.client(t, clinic.RoleNurse), sid)
	if len(ch.State.Alerts) != 1 || ch.State.Alerts[0].Ack == nil || ch.State.Alerts[0].Ack.By != login {
		t.Errorf("stored alerts %+v", ch.State.Alerts)
	}
	do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Reload(), chromedp.WaitVisible(css(`#form-vitals`)),
		shot("charting-06-phone"))
	for _, pr := range problems() {
		t.Errorf("browser console: %s", pr)
	}
	t.Logf("screenshots in %s", dir)
}

// A clinician plans a course on the form: choosing Goldberg 2005 shows the
// details the paper leaves unspecified with the literature's choices; the
// preview shows the plan; the draft is saved and signed; the course page
// shows the calendar. Screenshots of each step.
func TestBrowserClinicianPlansAndSignsCourse(t *testing.T) {
	ctx, problems := browser(t)
	ts := newTestServer(t, store.SQLite)
	p := ts.demo.Patients[7]
	dir := screenshotDir(t)
	shot := screenshots(dir)
	do := browserDo(ctx, t)
	monday := clinic.DateOf(ts.now())
	for monday.Time().Weekday() != time.Monday {
		monday = monday.AddDays(1)
	}
	do(chromedp.EmulateViewport(1024, 768), ts.loginAs(clinic.RoleClinician),
		chromedp.Navigate(fmt.Sprintf("%s/patients/%d", ts.URL, p.ID)), chromedp.WaitVisible(css(`#patient-course-list`)),
		chromedp.Click(css(fmt.Sprintf(`a[href="/patients/%d/courses/new"]`, p.ID))), chromedp.WaitVisible(css(`#f-protocol_id`)))
	// Choosing a protocol shows its details (static/course.js). The choice
	// is made in a poll so that it lands in the form's page, not in the
	// one being left.
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => { const s = document.querySelector('#f-protocol_id');
		if (!s || document.readyState !== 'complete') return false;
		s.value = 'goldberg-2005'; s.dispatchEvent(new Event('change')); return true; })()`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatal(err)
	}
	do(chromedp.WaitVisible(css(`[name="settings.daily-step"]`)), shot("course-01-form"),
		chromedp.SendKeys(css(`[name="settings.daily-step"]`), "+5mg"),
		chromedp.SendKeys(css(`[name="settings.midazolam-route"]`), "IV"),
		chromedp.SetValue(css(`#f-weight`), "71kg"),
		chromedp.SetValue(css(`#f-start_date`), monday.String()),
		chromedp.Click(css(`button[name=preview]`)), chromedp.WaitVisible(css(`#preview-h`)), shot("course-02-preview"))
	got, err := chromedp.Run(ctx, chromedp.Text(css(`.preview .plan-table`)))
	if err != nil || !strings.Contains(got, "40mg over 4h") || !strings.Contains(got, "80mg over 4h") {
		t.Errorf("preview lacks Goldberg's 40 and 80 mg days: %v %q", err, got)
	}
	do(chromedp.Click(css(`#save-draft`)), chromedp.WaitVisible(css(`.draft-box`)), shot("course-03-draft"),
		chromedp.Click(css(`.draft-box form button`)), chromedp.WaitVisible(css(`table.calendar`)), shot("course-04-signed"))
	cal, err := chromedp.Run(ctx, chromedp.Text(css(`table.calendar`)))
	if err != nil || !strings.Contains(cal, monday.String()) || !strings.Contains(cal, "125 mL/h") {
		t.Errorf("calendar %v %q", err, cal)
	}
	for _, pr := range problems() {
		t.Errorf("browser console: %s", pr)
	}
	t.Logf("screenshots in %s", dir)
}
