package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/demo"
	"github.com/ketatrack/ketatrack/internal/outcomes"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// TestAnalyticsPageKept: a request of /analytics whose analysis is kept
// answers its kept rendered content (the same bytes, with no rendering:
// the body is the kept one), the same bytes as another server instance
// renders from the same database; after a journal entry the page is
// computed again and differs. journal.csv, streamed from the summaries,
// is the cohort journal written whole. SQLite (the page's reads are the
// summaries', tested on both engines by TestOutcomeSummariesFollowWrites).
func TestAnalyticsPageKept(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	if _, err := demo.Scale(context.Background(), db, demo.ScaleConfig{Patients: 12, Seed: 5, End: setAnalyticsEnd}); err != nil {
		t.Fatalf("scale: %v", err)
	}
	db.Now = func() time.Time { return setAnalyticsEnd }
	sys := clinic.NewContext(context.Background(), clinic.System)
	clin := clinicianCtx(t, sys, db)
	newServer := func(patients clinic.PatientService) *Server {
		t.Helper()
		s, err := New(Config{Auth: db, Clinics: db, Patients: patients, Users: db, Audit: db, Ready: db.Ping,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: db.Now, ReportSlots: 2})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := newServer(db)
	get := func(s *Server, path string) (int, string) {
		t.Helper()
		w := httptest.NewRecorder()
		r := httptest.NewRequestWithContext(clin, "GET", path, nil)
		if err := s.analyticsPage(w, r); err != nil {
			return ErrorStatus(err), clinic.ErrorMessage(err)
		}
		return w.Code, w.Body.String()
	}
	code, first := get(s, "/analytics")
	if code != http.StatusOK {
		t.Fatalf("first request: %d %s", code, first)
	}
	// The kept analysis (cohortAnalysis answers it when the summaries did
	// not change; a new one would hold no rendered content).
	kept, err := s.cohortAnalysis(clin)
	if err != nil {
		t.Fatal(err)
	}
	if kept == nil || string(kept.bodies[""]) == "" || !strings.Contains(first, string(kept.bodies[""])) {
		t.Fatalf("after the first request: no kept analysis with the page's rendered content")
	}
	if code, again := get(s, "/analytics"); code != http.StatusOK || again != first {
		t.Errorf("kept page: %d, same bytes %v; want 200 and the first answer's bytes", code, again == first)
	}
	// Another instance's own computation (another key of the process's
	// caches) of the same summaries.
	if code, other := get(newServer(&countingSaves{DB: db}), "/analytics"); code != http.StatusOK || other != first {
		t.Errorf("another instance's page: %d, same bytes %v", code, other == first)
	}
	ps, _, err := db.FindPatients(sys, clinic.PatientFilter{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	en := clinic.NewJournalEntry(ps[0].ID, db.Today())
	en.Scores[outcomes.PainNow], en.Scores[outcomes.Pain24h] = 1000, 1000
	if err := db.SaveJournalEntry(sys, en); err != nil {
		t.Fatalf("journal entry: %v", err)
	}
	if code, after := get(s, "/analytics"); code != http.StatusOK || after == first {
		t.Errorf("after a journal entry: %d, changed %v; want 200 and another page", code, after != first)
	}
	// journal.csv, streamed from the summaries, is the cohort journal
	// written whole (the reference: CohortJournal's rows, from the
	// journal's packed series), today's entry included.
	en2 := clinic.NewJournalEntry(ps[1].ID, db.Today())
	en2.Scores[outcomes.PainNow] = 10
	if err := db.SaveJournalEntry(sys, en2); err != nil {
		t.Fatalf("journal entry: %v", err)
	}
	w := httptest.NewRecorder()
	r := httptest.NewRequestWithContext(clin, "GET", "/analytics/journal.csv", nil)
	r.SetPathValue("table", "journal.csv")
	if err := s.analyticsCSV(w, r); err != nil {
		t.Fatal(err)
	}
	ref, err := db.CohortJournal(clin, clinic.CohortFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	if err := outcomes.WriteJournalCSV(&want, ref.Rows); err != nil {
		t.Fatal(err)
	}
	if got := w.Body.String(); got != want.String() || len(ref.Rows) < 1000 {
		t.Errorf("journal.csv: %d bytes, want the %d bytes of the %d rows of the cohort journal", len(got), want.Len(), len(ref.Rows))
	}
}
