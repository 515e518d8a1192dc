package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/store"
)

// A clinician opens the intake, diagnosis and screening pages of a demo
// patient, records an evaluation by ticking the Budapest checklist, is
// refused an impossible SpO2 on the screening form (the value kept, the
// field marked), and signs a screening decision; screenshots at desktop and
// phone width (set KETATRACK_SCREENSHOTS=DIR to keep them).
func TestBrowserWorkupPages(t *testing.T) {
	bctx, problems := browser(t)
	// Bounded, so that a page that never shows fails the test instead of
	// hanging it (a guard, not a speed limit).
	ctx, cancel := context.WithTimeout(bctx, 2*time.Minute)
	defer cancel()
	ts := newTestServer(t, store.SQLite)
	dir := screenshotDir(t)
	shot := screenshots(dir)
	view := func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644)
		})
	}
	do := browserDo(ctx, t)
	text := browserText(ctx, t)
	login, pw := ts.password(clinic.RoleClinician)
	// Patient 7 (Ingrid Halvorsen) has an intake but no evaluation in the demo.
	p := ts.demo.Patients[7]
	base := fmt.Sprintf("%s/patients/%d", ts.URL, p.ID)

	do(chromedp.Navigate(ts.URL+"/login"), chromedp.WaitVisible(css(`#login`)),
		chromedp.SendKeys(css(`#login`), login), chromedp.SendKeys(css(`#password`), pw),
		chromedp.Click(css(`button[type=submit]`)), chromedp.WaitVisible(css(`.user-menu`)),
		chromedp.Navigate(fmt.Sprintf("%s/patients/%d", ts.URL, ts.demo.Patients[2].ID)), chromedp.WaitVisible(css(`.workup-summary`)), shot("w1-patient-summary"),
		chromedp.Navigate(fmt.Sprintf("%s/patients/%d/intake", ts.URL, ts.demo.Patients[2].ID)), chromedp.WaitVisible(css(`#current`)), shot("w2-intake"),
		chromedp.Navigate(fmt.Sprintf("%s/patients/%d/diagnosis", ts.URL, ts.demo.Patients[0].ID)), chromedp.WaitVisible(css(`#current`)), shot("w3-diagnosis"),
		chromedp.Navigate(fmt.Sprintf("%s/patients/%d/screening", ts.URL, ts.demo.Patients[2].ID)), chromedp.WaitVisible(css(`#current`)), shot("w4-screening"))
	if got := text(`.workup-tabs`); !strings.Contains(got, "Screening") {
		t.Errorf("tabs %q", got)
	}

	// Record an evaluation: criteria A and D, then tick the checklist.
	do(chromedp.Navigate(base+"/diagnosis"), chromedp.WaitVisible(css(`#dx-form`)),
		chromedp.Click(css(`input[name="assessment.disproportionate_pain"][value=yes]`)),
		chromedp.Click(css(`input[name="assessment.other_diagnosis_explains"][value=no]`)),
		chromedp.Click(css(`input[name="history.nerve_injury_confirmed"][value=no]`)))
	for _, id := range []string{"symptom.allodynia", "symptom.skin_colour_changes", "symptom.oedema", "symptom.weakness", "sign.hyperalgesia_pinprick", "sign.oedema"} {
		do(chromedp.Click(css(`input[value="` + id + `"]`)))
	}
	do(chromedp.Click(css(`#dx-form button[type=submit]`)), chromedp.WaitVisible(css(`#current .dx-type`)), shot("w5-diagnosis-saved"))
	if got := text(`#current`); !strings.Contains(got, "CRPS type I") || !strings.Contains(got, "research criteria met") {
		t.Errorf("evaluation shows %q", got)
	}

	// Screening with an impossible SpO2: refused, the value kept.
	do(chromedp.Navigate(base+"/screening"), chromedp.WaitVisible(css(`#screening-form`)))
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelectorAll('#screening-form input[type=radio][value=no]').forEach(r => r.click()), true`)); err != nil {
		t.Fatal(err)
	}
	do(chromedp.SetValue(css(`#f-vitals\.measured_at`), "2026-01-05T09:30"),
		chromedp.SendKeys(css(`#f-vitals\.heart_rate_bpm`), "72"), chromedp.SendKeys(css(`#f-vitals\.systolic_mmhg`), "120"),
		chromedp.SendKeys(css(`#f-vitals\.diastolic_mmhg`), "78"), chromedp.SendKeys(css(`#f-vitals\.spo2_percent`), "140"),
		chromedp.SendKeys(css(`#f-vitals\.respiratory_rate_per_min`), "14"),
		chromedp.Click(css(`#screening-form button[type=submit]`)), chromedp.WaitVisible(css(`.form-error`)), shot("w6-screening-refused"))
	if got := text(`.form-error`); !strings.Contains(got, "140 % is impossible") {
		t.Errorf("error shown: %q", got)
	}
	val, err := chromedp.Run(ctx, chromedp.Value(css(`#f-vitals\.spo2_percent`)))
	if err != nil || val != "140" {
		t.Errorf("SpO2 input kept %q (%v)", val, err)
	}
	do(chromedp.SetValue(css(`#f-vitals\.spo2_percent`), "97"), chromedp.Click(css(`#screening-form button[type=submit]`)),
		chromedp.WaitVisible(css(`.decision-form`)),
		chromedp.Click(css(`input[name="decision.verdict"][value=proceed]`)),
		chromedp.SendKeys(css(`#f-decision\.reason`), "Fit for the outpatient course."),
		chromedp.Click(css(`.decision-form button[type=submit]`)), chromedp.WaitVisible(css(`.decision`)), shot("w7-screening-decided"))
	if got := text(`.decision`); !strings.Contains(got, "proceed") || !strings.Contains(got, "Dr. Nadia Okafor") {
		t.Errorf("decision shows %q", got)
	}
	do(chromedp.EmulateViewport(390, 844), chromedp.Navigate(base+"/screening"), chromedp.WaitVisible(css(`#current`)), view("w8-screening-phone"),
		chromedp.Navigate(base+"/screening#screening-form"), chromedp.WaitVisible(css(`#screening-form`)), view("w8b-screening-form-phone"),
		chromedp.Navigate(base+"/intake#intake-form"), chromedp.WaitVisible(css(`#weights`)), view("w9-intake-phone"),
		chromedp.Navigate(base+"/diagnosis#dx-form"), chromedp.WaitVisible(css(`#dx-form`)), view("w10-diagnosis-phone"))
	if ps := problems(); len(ps) > 0 {
		t.Errorf("console problems: %v", ps)
	}
}
