package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/store"
)

// A clinician opens the protocol library from the menu, reads Goldberg
// 2005, follows its study to the evidence page and back, and sorts the
// evidence list by design; at desktop (1366×900) and tablet (820×1180)
// widths no page scrolls sideways, and no console error (CSP included) is
// raised. Screenshots go to KETATRACK_SCREENSHOTS when it is set.
func TestBrowserProtocolAndEvidenceLibrary(t *testing.T) {
	ctx, problems := browser(t)
	ts := newTestServer(t, store.SQLite)
	shot := screenshots(screenshotDir(t))
	text := browserText(ctx, t)
	do := browserDo(ctx, t)
	// fits fails t when the page is wider than the viewport, or a table
	// scrolls sideways in its box (columns hidden until scrolled to).
	fits := func(name string) {
		t.Helper()
		w, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`[document.documentElement.scrollWidth, window.innerWidth,
			...[...document.querySelectorAll('.overflow-auto')].map(d => d.scrollWidth - d.clientWidth)]`))
		if err != nil {
			t.Fatal(err)
		}
		if w[0] > w[1] {
			t.Errorf("%s: page is %d px wide in a %d px viewport", name, w[0], w[1])
		}
		for i, over := range w[2:] {
			if over > 0 {
				t.Errorf("%s: table %d scrolls sideways by %d px", name, i+1, over)
			}
		}
	}

	do(chromedp.EmulateViewport(1366, 900), ts.loginAs(clinic.RoleClinician),
		chromedp.Click(css(`.nav-links a[href="/protocols"]`)), chromedp.WaitVisible(css(`#protocols`)), shot("protocols-desktop"))
	fits("/protocols")
	if got := text(`#p-goldberg-2005`); !strings.Contains(got, "outpatient") || !strings.Contains(got, "Goldberg et al. 2005") {
		t.Errorf("library row of goldberg-2005: %q", got)
	}
	do(chromedp.Click(css(`#p-goldberg-2005 a[href="/protocols/goldberg-2005"]`)), chromedp.WaitVisible(css(`#studies`)),
		shot("protocol-goldberg-2005-desktop"))
	fits("/protocols/goldberg-2005")
	if got := text(`.nav-links a[aria-current="page"]`); got != "Protocols" {
		t.Errorf("current menu entry on a protocol page: %q", got)
	}
	if got := strings.ReplaceAll(text(`#premedication`), "\u00a0", " "); !strings.Contains(got, "clonidine") || !strings.Contains(got, "0.1 mg") || !strings.Contains(got, "PO") {
		t.Errorf("premedication: %q", got)
	}
	do(chromedp.Click(css(`#studies a[href="/evidence/goldberg-2005"]`)), chromedp.WaitVisible(css(`#protocols`)),
		shot("evidence-goldberg-2005-desktop"))
	fits("/evidence/goldberg-2005")
	if got := text(`.nav-links a[aria-current="page"]`); got != "Protocols" {
		t.Errorf("current menu entry on an evidence page: %q", got)
	}
	do(chromedp.Click(css(`#protocols a[href="/protocols/goldberg-2005"]`)), chromedp.WaitVisible(css(`#studies`)),
		chromedp.Navigate(ts.URL+"/evidence/schwartzman-2009"), chromedp.WaitVisible(css(`#protocols`)), shot("evidence-schwartzman-2009-desktop"),
		chromedp.Navigate(ts.URL+"/evidence"), chromedp.WaitVisible(css(`#evidence`)), shot("evidence-desktop"),
		chromedp.Click(css(`.sort-nav a[href="/evidence?sort=design"]`)), chromedp.WaitVisible(css(`.sort-nav a[aria-current]`)),
		shot("evidence-by-design-desktop"))
	fits("/evidence?sort=design")
	if got := text(`#evidence tr.group-row`); got != "Case report" {
		t.Errorf("first design group %q, want Case report (A to Z)", got)
	}

	for _, p := range []string{"/protocols/goldberg-2005", "/evidence/schwartzman-2009", "/evidence/goldberg-2005", "/protocols", "/evidence"} {
		name := strings.ReplaceAll(strings.TrimPrefix(p, "/"), "/", "-")
		do(chromedp.EmulateViewport(820, 1180), chromedp.Navigate(ts.URL+p), chromedp.WaitVisible(css(`main h1`)), shot(strings.Replace(name, "protocols-", "protocol-", 1)+"-tablet"))
		fits(fmt.Sprintf("%s at 820 px", p))
	}
	for _, p := range problems() {
		t.Errorf("console: %s", p)
	}
}
