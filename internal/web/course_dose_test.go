package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/store"
)

// The course preview and plan pages print a computed step dose to 6
// significant digits, as they say, while the API keeps the exact dose the
// charting form parses. Goldberg 003 linear from 40 mg to 80 mg over 10
// sessions: session 2 is 40 + 40/9 = 44.4444444444... mg over 4 h.
func TestCourseDoseShown(t *testing.T) {
	ts := newTestServer(t, store.SQLite)
	p := ts.demo.Patients[7]
	doc := ts.client(t, clinic.RoleClinician)
	f := goldbergForm(clinic.DateOf(ts.now()))
	f.Set("settings.daily-step", "linear")
	f.Set("preview", "1")
	page := pageOf(ts.form(t, doc, fmt.Sprintf("/patients/%d/courses", p.ID), f))
	if !strings.Contains(page, "Preview (not saved)") {
		t.Fatalf("no preview: %s", firstError(page))
	}
	check := func(where, page string) {
		t.Helper()
		if !strings.Contains(page, "44.4444mg over 4h") || strings.Contains(page, "44.4444444444") {
			t.Errorf("%s: the dose is not shown to 6 significant digits", where)
		}
		if !strings.Contains(page, "computed ones to 6 significant digits") {
			t.Errorf("%s: the page does not say how doses are shown", where)
		}
	}
	check("preview", page)

	f.Del("preview")
	id := located(t, ts.form(t, doc, fmt.Sprintf("/patients/%d/courses", p.ID), f), "/courses/")
	check("plan page", pageOf(ts.do(t, doc, "GET", fmt.Sprintf("/courses/%d", id), "", "")))
	api := body(ts.do(t, doc, "GET", fmt.Sprintf("/api/v1/courses/%d", id), "", ""))
	if !strings.Contains(api, `"dose":"44.4444444444mg over 4h"`) {
		t.Errorf("the API lost the exact dose: %s", api)
	}
}
