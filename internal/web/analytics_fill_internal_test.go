package web

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/demo"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// heldSaves is the store whose SaveOutcomes waits, once it has said so on
// entered, until release is closed or its context ends.
type heldSaves struct {
	*store.DB
	entered chan struct{}
	release chan struct{}
}

func (h *heldSaves) SaveOutcomes(ctx context.Context, list []store.OutcomeSummary) error {
	select {
	case h.entered <- struct{}{}:
	default:
	}
	select {
	case <-h.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	return h.DB.SaveOutcomes(ctx, list)
}

// fillServer is a Server over a scaled clinic of 24 patients (all stale)
// whose requests compute at most 5 stale summaries themselves, over a
// heldSaves store.
func fillServer(t *testing.T) (*Server, *heldSaves, context.Context) {
	t.Helper()
	db := storetest.Open(t, store.SQLite)
	if _, err := demo.Scale(context.Background(), db, demo.ScaleConfig{Patients: 24, Seed: 3, End: setAnalyticsEnd}); err != nil {
		t.Fatalf("scale: %v", err)
	}
	h := &heldSaves{DB: db, entered: make(chan struct{}, 1), release: make(chan struct{})}
	s, err := New(Config{Auth: h, Clinics: h, Patients: h, Users: h, Audit: h,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return setAnalyticsEnd }})
	if err != nil {
		t.Fatal(err)
	}
	s.inlineStale = 5
	t.Cleanup(s.Close)
	return s, h, clinicianCtx(t, clinic.NewContext(context.Background(), clinic.System), db)
}

// staleCount is how many of the actor's clinic's summaries are stale.
func staleCount(t *testing.T, db *store.DB, ctx context.Context) int {
	t.Helper()
	defs, err := db.FindOutcomeDefinitions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stamp, err := definitionsStamp(defs)
	if err != nil {
		t.Fatal(err)
	}
	stale, err := db.StaleOutcomes(ctx, stamp)
	if err != nil {
		t.Fatal(err)
	}
	return len(stale)
}

// TestManyStaleComputedInBackground: with more stale summaries than a
// request computes itself, the request that finds them starts one
// background fill and answers at once EUNAVAILABLE with a Retry-After and
// the progress; so do the requests during the fill (without starting
// another); the dashboard is answered without its relapses, the HTML error
// page reloads itself; once the fill has stored them, the pages answer the
// outcomes the per-patient reads give. Without the fill the first request
// would wait in SaveOutcomes, held here, and the test would not end.
func TestManyStaleComputedInBackground(t *testing.T) {
	s, h, clin := fillServer(t)
	if n := staleCount(t, h.DB, clin); n != 24 {
		t.Fatalf("%d stale summaries, want the 24 patients'", n)
	}
	for i := range 2 {
		_, _, _, err := s.relapsePage(clin, nil, dashboardRelapses)
		if clinic.ErrorCode(err) != clinic.EUNAVAILABLE || retrySeconds(err) != fillRetry {
			t.Fatalf("request %d during the fill: %v (code %s, retry %d s), want %s with a retry of %d s", i, err, clinic.ErrorCode(err), retrySeconds(err), clinic.EUNAVAILABLE, fillRetry)
		}
		if want := "(0 of 24 patients done)"; !strings.Contains(clinic.ErrorMessage(err), want) {
			t.Errorf("request %d: %q does not say %q", i, clinic.ErrorMessage(err), want)
		}
		if i == 0 {
			<-h.entered // the fill is storing its first batch
		}
	}
	if _, err := s.cohortAnalysis(clin); clinic.ErrorCode(err) != clinic.EUNAVAILABLE {
		t.Fatalf("the analytics during the fill: %v, want %s", err, clinic.EUNAVAILABLE)
	}

	// The HTML page of that error reloads itself; the API's dashboard is
	// whole but for its relapses.
	_, err := s.cohortAnalysis(clin)
	rec := httptest.NewRecorder()
	s.fail(rec, httptest.NewRequestWithContext(clin, http.MethodGet, "/analytics", nil), err)
	body := rec.Body.String()
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "5" ||
		!strings.Contains(body, `<meta http-equiv="refresh" content="5">`) || !strings.Contains(body, "being computed") {
		t.Errorf("the analytics page during the fill: %d, Retry-After %q, body:\n%s", rec.Code, rec.Header().Get("Retry-After"), body)
	}
	rec = httptest.NewRecorder()
	s.fail(rec, httptest.NewRequestWithContext(clin, http.MethodPost, "/analytics", nil), err)
	if strings.Contains(rec.Body.String(), `http-equiv="refresh"`) {
		t.Error("the error page of a POST reloads itself")
	}
	rec = httptest.NewRecorder()
	if err := s.apiDashboard(rec, httptest.NewRequestWithContext(clin, http.MethodGet, "/api/v1/dashboard", nil)); err != nil {
		t.Fatalf("the API dashboard during the fill: %v", err)
	}
	var dash struct {
		Relapses      []relapseRow `json:"relapses"`
		RelapsesError string       `json:"relapses_error"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &dash); err != nil || dash.Relapses == nil || len(dash.Relapses) != 0 || !strings.Contains(dash.RelapsesError, "being computed") {
		t.Errorf("the API dashboard during the fill: %v %+v\n%s", err, dash, rec.Body.String())
	}

	close(h.release)
	s.background.Wait()
	if runningFill(keyOf(clin, h)) != nil {
		t.Error("the fill is still registered after its end")
	}
	if n := staleCount(t, h.DB, clin); n != 0 {
		t.Fatalf("%d summaries stale after the fill", n)
	}
	assertSummariesMatch(t, s, h.DB, clin)
}

// TestCloseStopsTheFill: Close ends a fill in its batch, stores nothing of
// it, and returns.
func TestCloseStopsTheFill(t *testing.T) {
	s, h, clin := fillServer(t)
	if _, _, _, err := s.relapsePage(clin, nil, dashboardRelapses); clinic.ErrorCode(err) != clinic.EUNAVAILABLE {
		t.Fatalf("the first request: %v, want %s", err, clinic.EUNAVAILABLE)
	}
	<-h.entered
	s.Close()
	if runningFill(keyOf(clin, h)) != nil {
		t.Error("the fill is still registered after Close")
	}
	if n := staleCount(t, h.DB, clin); n != 24 {
		t.Errorf("%d summaries stale after Close stopped the fill, want 24 (its batch not stored)", n)
	}
}

// TestWarmOutcomes: WarmOutcomes computes every clinic's stale summaries
// in the background; then nothing is stale and the relapses are listed.
func TestWarmOutcomes(t *testing.T) {
	s, h, clin := fillServer(t)
	close(h.release)
	if err := s.WarmOutcomes(); err != nil {
		t.Fatal(err)
	}
	s.background.Wait()
	if n := staleCount(t, h.DB, clin); n != 0 {
		t.Fatalf("%d summaries stale after WarmOutcomes", n)
	}
	if _, _, _, err := s.relapsePage(clin, nil, dashboardRelapses); err != nil {
		t.Fatalf("the relapses after WarmOutcomes: %v", err)
	}
}
