package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/units"
)

// The discharge sheet of Hannah's day 1 gives the mg of that chart
// (0.35 × 154 × 0.45359237 × 4 = 97.79 mg over 4 hours), every shipped
// instruction with its source or the clinic's mark, the 24-hour driving
// rule, and the next planned day of her signed plan after the session
// (day 4, the day after the server's today, which is her day 3); a patient
// may print their own sheet but not another's.
func TestDischargeDocument(t *testing.T) {
	ts := newTestServer(t, store.SQLite)
	nurse := ts.client(t, clinic.RoleNurse)
	c := hannahCourse(t, ts)
	s1 := hannahSession(t, ts, 1)
	resp := ts.do(t, nurse, "GET", fmt.Sprintf("/courses/%d/discharge/print?session=%d", c.ID, s1.ID), "", "")
	page := body(resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("discharge: %d %s", resp.StatusCode, page)
	}
	day4 := c.Current().Plan.Day(4)
	wants := []string{"Discharge instructions", units.FormatNumber(0.35*154*0.45359237*4, 4) + " mg", "over 4 hours",
		"No driving for 24 hours", "registration 63231", "the clinic's advice", "ketatrack default 2026-12",
		"treatment day 4", day4.Date.String(), "phone: ____"}
	for _, in := range ts.web.Discharge.Instructions {
		wants = append(wants, in.Heading)
	}
	for _, want := range wants {
		if !strings.Contains(page, want) {
			t.Errorf("discharge sheet lacks %q", want)
		}
	}
	if resp := ts.do(t, nurse, "GET", fmt.Sprintf("/courses/%d/discharge/print?session=999999", c.ID), "", ""); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown session: %d", resp.StatusCode)
	}
	// The demo patient account is Patients[0]: Hannah's sheet is not theirs.
	patient := ts.client(t, clinic.RolePatient)
	if resp := ts.do(t, patient, "GET", fmt.Sprintf("/courses/%d/discharge/print", c.ID), "", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another patient's discharge sheet: %d", resp.StatusCode)
	}
	admin := ts.demo.As(context.Background(), clinic.RoleAdmin)
	es, err := ts.db.FindAuditEntries(admin, clinic.AuditFilter{Entity: "document", Action: clinic.ActionPrint})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 || !strings.Contains(string(es[0].After), `"kind":"discharge-instructions"`) || es[0].EntityID != s1.ID {
		t.Errorf("print entries %d", len(es))
	}
}
