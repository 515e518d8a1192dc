package web

import (
	"context"
	"net/http"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/outcomes"
	"github.com/ketatrack/ketatrack/internal/store"
)

// Patients whose journal shows a relapse, for the dashboard. The journal
// and its relief analysis are the journal pages' (journal_services.go,
// analytics.go: patientOutcome under the clinic's outcome definitions,
// internal/outcomes); this file only picks the patients whose latest relief
// period ended in relapse.

// relapseRow is one patient whose latest relief ended in relapse.
type relapseRow struct {
	Patient *clinic.Patient `json:"-"`
	// PatientID, PatientName and MRN name the patient in the API.
	PatientID   int64  `json:"patient_id"`
	PatientName string `json:"patient_name"`
	MRN         string `json:"mrn"`
	// Protocol is the course the relief followed.
	Protocol string `json:"protocol"`
	// ReliefDays is how long the relief lasted; RelapseOn when it ended.
	ReliefDays int         `json:"relief_days"`
	RelapseOn  clinic.Date `json:"relapse_on"`
	// Booster is the booster suggestion under the clinic's definitions.
	Booster outcomes.BoosterSuggestion `json:"booster"`
}

// The dashboard lists the dashboardRelapses most recent relapses and counts
// the rest; /relapses lists them all, relapsesPerPage a page by key. A
// clinic group has thousands (a third of the scaled clinic's patients:
// 3,640 at N=10,000, issue 16), too many for one page.
const (
	dashboardRelapses = 20
	relapsesPerPage   = 100
)

// relapseCursor is store.RelapseKey as a cursor.
type relapseCursor store.RelapseKey

func (k *relapseCursor) valid() bool { return k.ID > 0 && !k.RelapseOn.IsZero() }

// relapsePage returns up to limit (0: all) of the clinic's patients whose
// journal shows that their latest relief period ended in relapse, the most
// recent first (then in FindPatients order), after the row at key after
// (nil: from the first); the key of the page's last row when more follow;
// and how many there are in all. It reads the refreshed outcome summaries
// (analytics_set.go): an indexed range and an indexed count.
func (s *Server) relapsePage(ctx context.Context, after *store.RelapseKey, limit int) ([]relapseRow, *store.RelapseKey, int, error) {
	js, err := s.journals()
	if err != nil {
		return nil, nil, 0, err
	}
	defs, err := js.FindOutcomeDefinitions(ctx)
	if err != nil {
		return nil, nil, 0, err
	}
	st, err := s.refreshOutcomes(ctx, defs)
	if err != nil {
		return nil, nil, 0, err
	}
	list, next, err := st.RelapsePage(ctx, after, limit)
	if err != nil {
		return nil, nil, 0, err
	}
	total := len(list)
	if after != nil || next != nil {
		if total, err = st.CountRelapses(ctx); err != nil {
			return nil, nil, 0, err
		}
	}
	out := make([]relapseRow, 0, len(list))
	for _, r := range list {
		p := r.Patient
		b, err := decodeBooster(p.ID, r.Booster)
		if err != nil {
			return nil, nil, 0, err
		}
		out = append(out, relapseRow{Patient: p, PatientID: p.ID, PatientName: p.FullName(), MRN: p.MRN,
			Protocol: r.Protocol, ReliefDays: r.ReliefDays, RelapseOn: r.RelapseOn, Booster: b})
	}
	return out, next, total, nil
}

// relapsesData is the /relapses page.
type relapsesData struct {
	views
	Relapses []relapseRow
	// Total is how many there are; First says this is the first page;
	// Next is the cursor of the next page ("" on the last).
	Total int
	First bool
	Next  string
}

// relapsesPage lists every patient whose journal shows relapse, a page at
// a time.
func (s *Server) relapsesPage(w http.ResponseWriter, r *http.Request) error {
	after, err := afterCursor[relapseCursor](r)
	if err != nil {
		return err
	}
	list, next, total, err := s.relapsePage(r.Context(), (*store.RelapseKey)(after), relapsesPerPage)
	if err != nil {
		return err
	}
	d := relapsesData{views: s.views(), Relapses: list, Total: total, First: after == nil, Next: encodeCursor((*relapseCursor)(next))}
	s.render(w, r, http.StatusOK, "relapses", &page{Title: "Journal shows relapse", Data: d})
	return nil
}

// apiRelapses is GET /api/v1/relapses: the relapse list by key.
func (s *Server) apiRelapses(w http.ResponseWriter, r *http.Request) error {
	after, err := afterCursor[relapseCursor](r)
	if err != nil {
		return err
	}
	lim, err := pageLimit(r, relapsesPerPage, 500)
	if err != nil {
		return err
	}
	list, next, total, err := s.relapsePage(r.Context(), (*store.RelapseKey)(after), lim)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, apiRelapseList{Relapses: list, Total: total, Next: encodeCursor((*relapseCursor)(next))})
	return nil
}

// apiRelapseList is a page of the relapse list.
type apiRelapseList struct {
	Relapses []relapseRow `json:"relapses"`
	Total    int          `json:"total"`
	Next     string       `json:"next,omitempty"`
}

// DaysAgo is the number of days from d to the clinic's today.
func (v views) DaysAgo(d clinic.Date) int { return v.ClinicToday().DaysSince(d) }

// BoosterDue is a booster suggestion's date ("" when none is suggested).
func (views) BoosterDue(b outcomes.BoosterSuggestion) string {
	if !b.Suggested || b.Due.IsZero() {
		return ""
	}
	return clinic.DateOf(b.Due.In(time.UTC)).String()
}
