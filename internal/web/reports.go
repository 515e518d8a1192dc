package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
)

// Clinic-wide reports (the cohort analytics, their CSV tables, the whole
// stock log) read every patient's records; at a clinic group's volume one
// takes seconds where a chart takes milliseconds. Without a bound, a few of
// them at once hold every database connection (SQLite: 8 readers) and
// every chart, session and journal page queues behind them (issue 16: the
// mixed load at N=1,000 answered 1 request a second, its charts at p95
// 25 s). So at most reportSlots reports run at a time in one server; the
// others wait for a slot, for at most reportWait, then get 503 with
// Retry-After and a message saying so. Interactive pages never wait here.
const (
	// defaultReportSlots leaves 6 of SQLite's 8 reader connections (14 of
	// PostgreSQL's 16) to the interactive pages.
	defaultReportSlots = 2
	// defaultReportWait is how long a report waits for a slot: under the
	// server's 60 s write timeout, with time left to compute the report.
	defaultReportWait = 30 * time.Second
)

// reportGate bounds the clinic-wide reports running at once (see above).
// The zero value (a Server built without New, as some tests do) does not
// bound them.
type reportGate struct {
	slots chan struct{}
	wait  time.Duration
}

func newReportGate(slots int, wait time.Duration) reportGate {
	if slots <= 0 {
		slots = defaultReportSlots
	}
	if wait <= 0 {
		wait = defaultReportWait
	}
	return reportGate{slots: make(chan struct{}, slots), wait: wait}
}

// report wraps a clinic-wide report's handler: it runs once a slot is free.
func (s *Server) report(h func(http.ResponseWriter, *http.Request) error) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		g := s.reports
		if g.slots == nil {
			return h(w, r)
		}
		select {
		case g.slots <- struct{}{}:
		default:
			t := time.NewTimer(g.wait)
			defer t.Stop()
			select {
			case g.slots <- struct{}{}:
			case <-t.C:
				return retryAfter(60, clinic.Errorf(clinic.EUNAVAILABLE, "Other clinic-wide reports are being computed (at most %d at a time); try again in a minute. The patients' charts are not affected.", cap(g.slots)))
			case <-r.Context().Done():
				return fmt.Errorf("wait for a report slot: %w", r.Context().Err())
			}
		}
		defer func() { <-g.slots }()
		return h(w, r)
	}
}
