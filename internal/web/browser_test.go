package web_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// browser starts headless Chromium (Debian's chromium) or skips, failing
// instead when KETATRACK_REQUIRE_BROWSER=1. The returned function lists the
// console errors so far (CSP violations and exceptions included).
func browser(t *testing.T) (context.Context, func() []string) {
	t.Helper()
	path := ""
	for _, p := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if found, err := exec.LookPath(p); err == nil {
			path = found
			break
		}
	}
	if path == "" {
		storetest.SkipOrFail(t, "KETATRACK_REQUIRE_BROWSER", "no Chromium on PATH (Debian: apt-get install chromium)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.WindowSize(1280, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelB(); cancelA() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	var mu sync.Mutex
	var problems []string
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			// Network entries are the 400 and 404 answers the test provokes.
			if (m.Type == chromedp.ConsoleError && m.Source != "network") || m.IsException() {
				mu.Lock()
				problems = append(problems, m.String())
				mu.Unlock()
			}
		}
	}()
	return ctx, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), problems...)
	}
}

// screenshotDir is where page screenshots go: KETATRACK_SCREENSHOTS if set
// (to look at them), a temporary directory otherwise.
func screenshotDir(t *testing.T) string {
	if d := os.Getenv("KETATRACK_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

type css = chromedp.CSS

// screenshots returns shot: shot(name) is an action that writes a
// full-page screenshot of the current page to dir/name.png.
func screenshots(dir string) func(name string) chromedp.Action[chromedp.Void] {
	return func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644)
		})
	}
}

// browserDo returns do: do(steps...) runs the steps in the browser of ctx
// and fails t at the first error.
func browserDo(ctx context.Context, t *testing.T) func(steps ...chromedp.Action[chromedp.Void]) {
	return func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("browser: %v", err)
		}
	}
}

// browserText returns text: text(sel) is the text of the element sel
// selects in the browser of ctx; an error fails t.
func browserText(ctx context.Context, t *testing.T) func(sel string) string {
	return func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(css(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
}

// loginAs is the steps that log in as the demo user of role from the
// login page and wait for the user menu.
func (ts *testServer) loginAs(role clinic.Role) chromedp.Action[chromedp.Void] {
	login, pw := ts.password(role)
	return chromedp.Steps(
		chromedp.Navigate(ts.URL+"/login"),
		chromedp.WaitVisible(css(`#login`)),
		chromedp.SendKeys(css(`#login`), login),
		chromedp.SendKeys(css(`#password`), pw),
		chromedp.Click(css(`button[type=submit]`)),
		chromedp.WaitVisible(css(`.user-menu`)),
	)
}

// A nurse logs in, finds a patient with the live search (htmx), opens the
// record and corrects a phone number (after a refused impossible birth
// date); an admin sees the change in the audit log; a patient sees only
// their own record. Screenshots of each page, desktop and phone width.
func TestBrowserNurseAdminPatient(t *testing.T) {
	ctx, problems := browser(t)
	ts := newTestServer(t, store.SQLite)
	dir := screenshotDir(t)
	shot := screenshots(dir)
	loginAs := ts.loginAs
	logout := chromedp.Steps(
		chromedp.Click(css(`.user-menu summary`)),
		chromedp.Click(css(`.user-menu button`)),
		chromedp.WaitVisible(css(`#login`)),
	)
	text := browserText(ctx, t)
	do := browserDo(ctx, t)
	target := ts.demo.Patients[6] // Sofia García

	do(chromedp.Navigate(ts.URL+"/login"), chromedp.WaitVisible(css(`#login`)), shot("01-login"),
		loginAs(clinic.RoleNurse), shot("02-home-nurse"),
		chromedp.Navigate(ts.URL+"/patients"), chromedp.WaitVisible(css(`#q`)), shot("03-patients"),
		chromedp.SendKeys(css(`#q`), "garc"))
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelectorAll('#patient-results tbody tr').length === 1`,
		chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("live search did not narrow the list: %v", err)
	}
	if got := text(`#patient-results tbody`); !strings.Contains(got, "García") {
		t.Errorf("live search for garc shows %q", got)
	}
	do(chromedp.Click(css(`#patient-results tbody a`)), chromedp.WaitVisible(css(`dl.facts`)), shot("04-patient"))
	if got := text(`h1`); !strings.Contains(got, target.FullName()) {
		t.Errorf("patient page heading %q", got)
	}
	do(chromedp.Click(css(`a[href$="/edit"]`)), chromedp.WaitVisible(css(`#f-phone`)),
		chromedp.SetValue(css(`#f-phone`), "+1 555 0177"),
		chromedp.SetValue(css(`#f-birth_date`), "2999-01-01"), shot("05-patient-edit"),
		chromedp.Submit(css(`#f-phone`)), chromedp.WaitVisible(css(`.field-error`)), shot("06-patient-edit-error"))
	if got := text(`.field-error`); !strings.Contains(got, "not a plausible birth date") {
		t.Errorf("birth date error %q", got)
	}
	do(chromedp.SetValue(css(`#f-birth_date`), target.BirthDate.String()),
		chromedp.Submit(css(`#f-phone`)), chromedp.WaitVisible(css(`.flash`)))
	if got := text(`dl.facts`); !strings.Contains(got, "+1 555 0177") {
		t.Errorf("phone not saved: %q", got)
	}
	do(logout, loginAs(clinic.RoleAdmin), shot("07-home-admin"),
		chromedp.Navigate(ts.URL+"/audit"), chromedp.WaitVisible(css(`table.audit`)), shot("08-audit"))
	if got := text(`table.audit tbody`); !strings.Contains(got, "nurse") || !strings.Contains(got, "update") {
		t.Errorf("audit page lacks the nurse's update: %q", got)
	}
	do(chromedp.Navigate(ts.URL+"/users"), chromedp.WaitVisible(css(`table`)), shot("09-users"),
		logout, loginAs(clinic.RolePatient), shot("10-home-patient"))
	if got := text(`main`); !strings.Contains(got, ts.demo.Patients[0].FullName()) {
		t.Errorf("patient home: %q", got)
	}
	do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(ts.URL+"/me"), chromedp.WaitVisible(css(`dl.facts`)), shot("11-patient-own-phone"),
		chromedp.Navigate(fmt.Sprintf("%s/patients/%d", ts.URL, target.ID)), chromedp.WaitVisible(css(`.error-card`)),
		shot("12-patient-other-refused"))
	if got := text(`.error-card`); strings.Contains(got, target.FamilyName) || !strings.Contains(got, "404") {
		t.Errorf("patient reading another record sees %q", got)
	}
	do(chromedp.Click(css(`.user-menu summary`)), chromedp.Click(css(`.user-menu button`)), chromedp.WaitVisible(css(`#login`)),
		loginAs(clinic.RoleNurse),
		chromedp.Navigate(ts.URL+"/patients"), chromedp.WaitVisible(css(`#q`)), shot("13-patients-phone"))
	for _, p := range problems() {
		t.Errorf("browser console: %s", p)
	}
	t.Logf("screenshots in %s", dir)
}
