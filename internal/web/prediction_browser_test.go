package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/store"
)

// A clinician opens a Goldberg course and a running session: the course
// page draws the predicted ketamine and norketamine over the 10 days, the
// charting page the planned and charted lines, both as canvases with no
// console error, at desktop (1366×900) and tablet (820×1180) widths. The
// session's vitals chart has its baseline alone: its axis spans the
// planned session, not the years the chart library made of one point.
// Screenshots of the prediction sections (and the whole pages).
func TestBrowserPrediction(t *testing.T) {
	ctx, problems := browser(t)
	ts := newTestServer(t, store.SQLite)
	cid := goldbergCourse(t, ts, ts.demo.Patients[5])
	sid := runningGoldbergSession(t, ts, ts.demo.Patients[6])
	dir := screenshotDir(t)
	shot := screenshots(dir)
	do := browserDo(ctx, t)
	part := func(sel, name string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(c context.Context, _ *chromedp.Target) error {
			// The sticky top bar would sit over an element scrolled under it.
			if _, err := chromedp.Run(c, chromedp.Evaluate[bool](`document.querySelector('.topbar').style.position = 'static', true`)); err != nil {
				return err
			}
			buf, err := chromedp.Run(c, chromedp.Screenshot(css(sel)))
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644)
		})
	}
	drawn := func(sel string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf(`document.querySelector(%q) !== null`, sel+" canvas"),
			chromedp.WithPollingTimeout(10*time.Second))); err != nil {
			t.Fatalf("no canvas in %s: %v", sel, err)
		}
	}
	do(ts.loginAs(clinic.RoleClinician))
	for _, vp := range []struct {
		name string
		w, h int64
	}{{"desktop", 1366, 900}, {"tablet", 820, 1180}} {
		do(chromedp.EmulateViewport(vp.w, vp.h), chromedp.Navigate(fmt.Sprintf("%s/courses/%d", ts.URL, cid)), chromedp.WaitVisible(css(`#prediction`)))
		drawn("#prediction-chart")
		do(chromedp.ScrollIntoView(css(`#prediction`)), part(`#prediction`, "predict-course-"+vp.name), shot("predict-course-page-"+vp.name))
		do(chromedp.Navigate(fmt.Sprintf("%s/sessions/%d", ts.URL, sid)), chromedp.WaitVisible(css(`#prediction`)))
		drawn("#prediction-chart")
		drawn("#vitals-chart")
		do(chromedp.ScrollIntoView(css(`#vchart-h`)))
		do(part(`section[aria-labelledby="vchart-h"]`, "predict-session-vitals-"+vp.name), part(`#prediction`, "predict-session-"+vp.name),
			shot("predict-session-page-"+vp.name))
	}
	// A model with variability: the band of 200 virtual patients (Herd
	// 2007, children: the adult's age is warned about).
	do(chromedp.EmulateViewport(1366, 900), chromedp.Navigate(fmt.Sprintf("%s/courses/%d?model=herd-2007", ts.URL, cid)), chromedp.WaitVisible(css(`#age-warning`)))
	drawn("#prediction-chart")
	do(chromedp.ScrollIntoView(css(`#prediction`)), part(`#prediction`, "predict-course-population-desktop"))
	do(chromedp.Navigate(fmt.Sprintf("%s/sessions/%d", ts.URL, sid)), chromedp.WaitVisible(css(`#vitals-chart`)))
	// The vitals chart's x axis: the planned 4-hour session around the one
	// baseline point (check-in an hour ago, start 10 min later, 240 min).
	raw, err := chromedp.Run(ctx, chromedp.AttributeValue(css(`#vitals-chart`), "data-vitals"))
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Span [2]int64 `json:"span"`
		T    []int64  `json:"t"`
	}
	if err := json.Unmarshal([]byte(raw.Value), &v); err != nil {
		t.Fatal(err)
	}
	if len(v.T) != 1 || v.Span[1]-v.Span[0] != (10+240+10)*60 || v.Span[0] != v.T[0]-5*60 {
		t.Errorf("vitals span %v around %v: want the baseline −5 min to the planned end +5 min", v.Span, v.T)
	}
	for _, pr := range problems() {
		t.Errorf("browser console: %s", pr)
	}
	t.Logf("screenshots in %s", dir)
}
