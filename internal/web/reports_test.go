package web

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
)

// TestReportGate: with one slot held by a running report, a second report
// does not run: it returns when its client goes away, or after the wait
// with 503, Retry-After and a message naming the busy reports; once the
// first ends, the next report runs. The zero gate does not bound reports.
func TestReportGate(t *testing.T) {
	s := &Server{reports: newReportGate(1, time.Millisecond)}
	inside, release := make(chan struct{}), make(chan struct{})
	slow := s.report(func(http.ResponseWriter, *http.Request) error {
		close(inside)
		<-release
		return nil
	})
	ran := 0
	quick := s.report(func(http.ResponseWriter, *http.Request) error { ran++; return nil })
	get := func(ctx context.Context, h func(http.ResponseWriter, *http.Request) error) (*httptest.ResponseRecorder, error) {
		w := httptest.NewRecorder()
		return w, h(w, httptest.NewRequestWithContext(ctx, "GET", "/analytics", nil))
	}

	done := make(chan error)
	go func() { _, err := get(context.Background(), slow); done <- err }()
	<-inside

	_, err := get(context.Background(), quick)
	if clinic.ErrorCode(err) != clinic.EUNAVAILABLE || ErrorStatus(err) != http.StatusServiceUnavailable || ran != 0 {
		t.Fatalf("a report while the only slot is held: ran %d, error %v (status %d), want 503 without running", ran, err, ErrorStatus(err))
	}
	rec := httptest.NewRecorder()
	s.fail(rec, httptest.NewRequest("GET", "/api/v1/analytics", nil), err)
	if got := rec.Header().Get("Retry-After"); got != "60" || retrySeconds(err) != 60 {
		t.Errorf("Retry-After %q (%d s), want 60", got, retrySeconds(err))
	}
	if msg := clinic.ErrorMessage(err); msg != "Other clinic-wide reports are being computed (at most 1 at a time); try again in a minute. The patients' charts are not affected." {
		t.Errorf("message %q", msg)
	}

	s.reports.wait = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := get(ctx, quick); !errors.Is(err, context.Canceled) || ran != 0 {
		t.Fatalf("a report whose client left while waiting: ran %d, error %v, want context.Canceled without running", ran, err)
	}

	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := get(context.Background(), quick); err != nil || ran != 1 {
		t.Fatalf("a report after the slot was freed: ran %d, error %v", ran, err)
	}

	var unbounded Server
	h := unbounded.report(func(http.ResponseWriter, *http.Request) error { ran++; return nil })
	if _, err := get(context.Background(), h); err != nil || ran != 2 {
		t.Fatalf("the zero gate: ran %d, error %v", ran, err)
	}
}
