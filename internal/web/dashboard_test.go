package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// A day planned but not yet opened must not read as a dose already given:
// its "Dose so far" cell says none yet and names the planned amount apart.
// Goldberg 2005 day 1 is 40 mg over 4 hours (003_55ad5919aae10607.txt
// Methods: 'started on a 40 mg infusion lasting four hours').
func TestHTTPDashboardPlannedDayGivesNoDose(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ts := newTestServer(t, db.Engine())
		p := ts.demo.Patients[3]
		signedCourse(t, ts, p, clinic.DateOf(ts.now().In(time.Local)))
		nurse := ts.client(t, clinic.RoleNurse)
		resp := ts.do(t, nurse, "GET", "/dashboard", "", "")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /dashboard: %d", resp.StatusCode)
		}
		page := pageOf(resp)
		at := strings.Index(page, fmt.Sprintf("<code>%s</code>", p.MRN))
		if at < 0 {
			t.Fatalf("dashboard lacks %s's row", p.MRN)
		}
		row := page[at:]
		row = row[:strings.Index(row, "</tr>")]
		cell := strings.Join(strings.Fields(stripTags(row)), " ")
		if !strings.Contains(cell, "none yet (40 mg planned)") {
			t.Errorf("planned day's row = %q, want the dose so far as \"none yet (40 mg planned)\"", cell)
		}
	})
}

// stripTags drops HTML tags, keeping the text between them.
func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
			b.WriteByte(' ')
		case !in:
			b.WriteRune(r)
		}
	}
	return b.String()
}
