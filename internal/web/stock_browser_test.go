package web_test

import (
	"context"
	"fmt"
	"strconv"
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

// programmedGoldbergSession is runningGoldbergSession up to the pump's
// programme (40 mg in 500 mL at 10 mg/h): checked in at t0, programmed at
// t0 + 5 min, no bag prepared.
func programmedGoldbergSession(t *testing.T, ts *testServer, p *clinic.Patient, t0 time.Time) (courseID, sessionID int64) {
	t.Helper()
	ctx := context.Background()
	doc, nurse := ts.demo.As(ctx, clinic.RoleClinician), ts.demo.As(ctx, clinic.RoleNurse)
	today := clinic.DateOf(ts.now())
	for wd := today.Time().Weekday(); wd == time.Saturday || wd == time.Sunday; wd = today.Time().Weekday() {
		today = today.AddDays(-1)
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
	bag, _ := units.ParseConcentration("bag", "40mg/500mL")
	rate, _ := units.ParseDoseRate("rate", "10mg/h")
	for _, e := range []infusion.Event{
		{Kind: infusion.KindCheckIn, At: t0, CheckIn: &infusion.CheckIn{Weight: units.Kilograms(71),
			Baseline: infusion.Vitals{HeartRate: 70, Systolic: 120, Diastolic: 75, SpO2: 98}, BaselineAt: t0}},
		{Kind: infusion.KindProgramme, At: t0.Add(5 * time.Minute), Programme: &infusion.Programme{Drug: infusion.Racemic, Bag: bag, Entered: rate,
			DoubleCheck: infusion.DoubleCheck{By: "second nurse", Drug: infusion.Racemic, Concentration: bag}}},
	} {
		if _, _, err := ts.db.RecordEvent(nurse, s.ID, e); err != nil {
			t.Fatalf("%s: %v", e.Kind, err)
		}
	}
	return c.ID, s.ID
}

// The controlled-substance walk of issue 15 in the browser: the nurse
// receives a lot; at the session's check-in prepares the bag (0.8 mL of
// 50 mg/mL = 40 mg in 500 mL, the pump's programme), first with herself
// as witness (refused, naming the witness), then witnessed by the
// clinician typing their own password; starts the pump and charts vitals;
// two hours later (10 mg/h × 2 h = 20 mg given, 20 mg = 250 mL left)
// stops, tries to waste 300 mL (refused: more than remains), wastes
// 250 mL witnessed; the reconciliation shows the bag accounted for and
// the lot's stock 100 mL − 0.8 mL. Screenshots of each step.
func TestBrowserStockWalk(t *testing.T) {
	ctx, problems := browser(t)
	ts := newTestServer(t, store.SQLite)
	dir := screenshotDir(t)
	shot := screenshots(dir)
	do := browserDo(ctx, t)
	text := browserText(ctx, t)
	today := clinic.DateOf(ts.now())

	// Receive: 10 vials of 10 mL at 50 mg/mL.
	do(chromedp.EmulateViewport(1180, 900), ts.loginAs(clinic.RoleNurse),
		chromedp.Navigate(ts.URL+"/stock"), chromedp.WaitVisible(css(`#form-receive`)),
		chromedp.SendKeys(css(`#f-product`), "Ketamine hydrochloride injection"),
		chromedp.SetValue(css(`#f-strength`), "50mg/mL"),
		chromedp.SendKeys(css(`#f-vial_volume`), "10mL"),
		chromedp.SendKeys(css(`#f-vials`), "10"),
		chromedp.SendKeys(css(`#f-lot`), "KB-WALK-01"),
		chromedp.SetValue(css(`#f-expiry`), today.AddDays(300).String()),
		chromedp.SendKeys(css(`#f-supplier`), "Northbridge Pharmaceutical Wholesale"),
		chromedp.SendKeys(css(`#f-reference`), "INV-2026-12-0007"),
		shot("stock-01-receive"),
		chromedp.Click(css(`#form-receive button[type=submit]`)), chromedp.WaitVisible(css(`.flash`)),
		shot("stock-02-lots"))
	if got := text(`.flash`); !strings.Contains(got, "Received 10 vials of lot KB-WALK-01 (100 mL") {
		t.Errorf("receive flash %q", got)
	}
	lot := demoLot(t, ts, "KB-WALK-01")

	// Prepare the bag at check-in.
	t0 := ts.now().Add(-20 * time.Minute).Truncate(time.Minute)
	_, sid := programmedGoldbergSession(t, ts, ts.demo.Patients[6], t0)
	nurseLogin, nursePW := ts.password(clinic.RoleNurse)
	docLogin, docPW := ts.password(clinic.RoleClinician)
	prep := func(login, pw string) chromedp.Action[chromedp.Void] {
		return chromedp.Steps(
			chromedp.SetValue(css(`#form-preparation select[name="draws[0].lot_id"]`), strconv.FormatInt(lot.ID, 10)),
			chromedp.SetValue(css(`#form-preparation [name="draws[0].volume"]`), "0.8mL"),
			chromedp.SetValue(css(`#form-preparation [name="witness.login"]`), login),
			chromedp.SetValue(css(`#form-preparation [name="witness.password"]`), pw))
	}
	do(chromedp.Navigate(fmt.Sprintf("%s/sessions/%d", ts.URL, sid)), chromedp.WaitVisible(css(`#form-preparation`)),
		prep(nurseLogin, nursePW), chromedp.Click(css(`#form-preparation button[type=submit]`)),
		chromedp.WaitVisible(css(`#form-preparation .field-error`)), chromedp.ScrollIntoView(css(`#bags-h`)), shot("stock-03-witness-refused"))
	if got := text(`#form-preparation .field-error`); !strings.Contains(got, "the witness must be a second person") {
		t.Errorf("witness refusal %q", got)
	}
	do(prep(docLogin, docPW), shot("stock-04-prepare"), chromedp.Click(css(`#form-preparation button[type=submit]`)),
		chromedp.WaitVisible(css(`#bag-1`)), shot("stock-05-prepared"))
	nurseName, docName := ts.demo.Users[clinic.RoleNurse].Name, ts.demo.Users[clinic.RoleClinician].Name
	if got := text(`#bag-1`); !strings.Contains(got, "40 mg in 500 mL") || !strings.Contains(got, "KB-WALK-01") ||
		!strings.Contains(got, "by "+nurseName+", witnessed by "+docName) {
		t.Errorf("bag card %q", got)
	}

	// Chart: start, vitals; two hours later stop.
	// The vitals form is on the page before the start too: wait for the
	// running pump's actions, which only the new page has, before typing.
	do(chromedp.Click(css(`form.inline-actions button[type=submit]`)), chromedp.WaitVisible(css(`.pump-actions`)),
		chromedp.SendKeys(css(`#form-vitals [name="vitals.hr_per_min"]`), "72"), chromedp.SendKeys(css(`#form-vitals [name="vitals.sbp_mmhg"]`), "122"),
		chromedp.SendKeys(css(`#form-vitals [name="vitals.dbp_mmhg"]`), "76"), chromedp.SendKeys(css(`#form-vitals [name="vitals.spo2_pct"]`), "98"),
		chromedp.Click(css(`#form-vitals button[type=submit]`)), chromedp.WaitVisible(css(`.vitals-table tbody tr:nth-child(2)`)))
	ts.clock.Set(ts.now().Add(2 * time.Hour))
	do(chromedp.Navigate(fmt.Sprintf("%s/sessions/%d", ts.URL, sid)), chromedp.WaitVisible(css(`details:has(#form-stop) > summary`)),
		chromedp.Click(css(`details:has(#form-stop) > summary`)), chromedp.WaitVisible(css(`#form-stop`)),
		chromedp.Click(css(`#form-stop button[type=submit]`)), chromedp.WaitVisible(css(`#form-waste`)), shot("stock-06-stopped"))
	if got, err := chromedp.Run(ctx, chromedp.Value(css(`#form-waste [name="amount"]`))); err != nil || got != "250mL" {
		t.Errorf("waste form prefilled with %q (%v), want the chart's 250mL", got, err)
	}

	// Waste: 300 mL is more than remains; 250 mL witnessed.
	waste := func(amount string) chromedp.Action[chromedp.Void] {
		return chromedp.Steps(chromedp.SetValue(css(`#form-waste [name="amount"]`), amount),
			chromedp.SetValue(css(`#form-waste [name="witness.login"]`), docLogin),
			chromedp.SetValue(css(`#form-waste [name="witness.password"]`), docPW))
	}
	do(waste("300mL"), chromedp.Click(css(`#form-waste button[type=submit]`)), chromedp.WaitVisible(css(`#form-waste .field-error`)),
		chromedp.ScrollIntoView(css(`#bags-h`)), shot("stock-07-waste-refused"))
	if got := text(`#form-waste .field-error`); !strings.Contains(got, "24 mg (300 mL) is more than the 20 mg (250 mL) that remains in bag 1") {
		t.Errorf("waste refusal %q", got)
	}
	do(waste("250mL"), chromedp.Click(css(`#form-waste button[type=submit]`)), chromedp.WaitNotPresent(css(`#form-waste`)),
		chromedp.ScrollIntoView(css(`#bags-h`)), shot("stock-08-wasted"))
	if got := text(`#bag-1`); !strings.Contains(got, "Wasted") || !strings.Contains(got, "20 mg") || !strings.Contains(got, "witnessed by "+docName) {
		t.Errorf("wasted bag card %q", got)
	}

	// Reconciliation: the lot's book is 100 − 0.8 = 99.2 mL; the bag drawn
	// 40 − given 20 − wasted 20 = 0.
	do(chromedp.Navigate(ts.URL+"/stock/reconciliation"), chromedp.WaitVisible(css(`#reconcile-bags`)), shot("stock-09-reconciliation"))
	var walkRow string
	for _, row := range strings.Split(text(`#reconcile-lots tbody`), "\n") {
		if strings.Contains(row, "KB-WALK-01") {
			walkRow = row
		}
	}
	if !strings.Contains(walkRow, "99.2 mL") {
		t.Errorf("reconciliation row of the lot %q, want 99.2 mL on hand", walkRow)
	}
	if got := text(`#reconcile-bags tbody`); strings.Contains(got, ts.demo.Patients[6].MRN) || !strings.Contains(got, "not wasted") {
		t.Errorf("bags to account for: the walk's bag (balance 0) listed, or the demo's unwasted day-2 bag not flagged: %q", got)
	}
	do(chromedp.Navigate(ts.URL+"/dashboard"), chromedp.WaitVisible(css(`#stockflags-h`)), chromedp.ScrollIntoView(css(`#stockflags-h`)), shot("stock-10-dashboard"),
		chromedp.Navigate(fmt.Sprintf("%s/stock/log?lot=%d", ts.URL, lot.ID)), chromedp.WaitVisible(css(`#stock-log`)), shot("stock-11-log"))
	if got := text(`#stock-log tbody`); !strings.Contains(got, "receive") || !strings.Contains(got, "draw") || !strings.Contains(got, "waste") {
		t.Errorf("lot log %q", got)
	}
	do(chromedp.Navigate(fmt.Sprintf("%s/stock/log/print?lot=%d", ts.URL, lot.ID)), chromedp.WaitVisible(css(`.log-sign`)), shot("stock-12-log-print"))
	for _, pr := range problems() {
		t.Errorf("browser console: %s", pr)
	}
	t.Logf("screenshots in %s", dir)
}
