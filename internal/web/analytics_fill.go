package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
)

// Outcome summaries computed in the background. A request computes the few
// summaries its clinic's writes made stale since the last read
// (refreshOutcomes); when many are stale — the first start after the
// upgrade that added them, new outcome definitions (every row again), an
// imported cohort — computing them takes longer than a request may: 43–86 s
// at 10,000 patients on SQLite under load, 33 s on PostgreSQL (issue 16,
// closing note of 2026-12-07), past the server's 60 s write timeout. Those
// are computed by one goroutine per clinic and store (an outcomeFill) while
// the pages that need them answer at once that they are being computed, how
// far it is, and when to look again (Retry-After; the HTML error page
// reloads itself); the rest of the dashboard, the charts and the journals
// are served as usual. serve starts a fill of every clinic at start
// (WarmOutcomes).

// defaultInlineStale is the most stale summaries a request computes itself:
// ~0.4–0.9 s at the first fill's rate above (10,000 in 43–86 s), a one-off
// inside a page's time. A fill stops once no more than this many are left,
// so that writes during it (journal entries, ~2 a second in bench/load's
// mixed load) cannot keep it, and the pages' "being computed", going.
const defaultInlineStale = 100

// fillRetry is the Retry-After, in seconds, of a request that found its
// summaries being computed: a small part of the fills measured (17.5 s for
// 1,000 patients and 2 min 20 s for 10,000 on SQLite under load, 41bc17c),
// so that the page is back within seconds of the end.
const fillRetry = 5

// outcomeFill is a background computation of a clinic's stale summaries.
type outcomeFill struct {
	total  atomic.Int64 // stale at its start, and found stale since
	stored atomic.Int64 // computed and stored so far
}

// fills holds the running outcomeFill of each summariesKey.
var fills sync.Map

// runningFill is the fill of key running in this process, or nil.
func runningFill(key summariesKey) *outcomeFill {
	if v, ok := fills.Load(key); ok {
		return v.(*outcomeFill)
	}
	return nil
}

// pending is the error of a request that needs the summaries f computes.
func (f *outcomeFill) pending() error {
	msg := "The outcome summaries of the clinic's patients are being computed"
	if total := f.total.Load(); total > 0 {
		msg += fmt.Sprintf(" (%d of %d patients done)", min(f.stored.Load(), total), total)
	}
	return retryAfter(fillRetry, clinic.Errorf(clinic.EUNAVAILABLE,
		"%s. The relapse list and the analytics are back when they are; the charts, sessions and journals are not affected.", msg))
}

// inlineLimit is the most stale summaries a request of s computes itself.
func (s *Server) inlineLimit() int {
	if s.inlineStale > 0 {
		return s.inlineStale
	}
	return defaultInlineStale
}

// startFill starts a fill of key (stale summaries found stale) unless one
// is running, and returns the running one.
func (s *Server) startFill(key summariesKey, stale int) *outcomeFill {
	f, claimed := claimFill(key, stale)
	if claimed {
		s.background.Add(1)
		go func() {
			defer s.background.Done()
			s.runFill(key, f)
		}()
	}
	return f
}

// claimFill registers a fill of key, or finds the one running; claimed
// says the caller is to run it.
func claimFill(key summariesKey, stale int) (f *outcomeFill, claimed bool) {
	f = &outcomeFill{}
	f.total.Store(int64(stale))
	v, loaded := fills.LoadOrStore(key, f)
	return v.(*outcomeFill), !loaded
}

// runFill runs the claimed fill f of key to its end (on a Server built by
// New: its clock and logger), as the clinic's
// system actor (the fill acts for no user: it outlives the request that
// started it), then unregisters it. Errors are logged: the next request
// finds the rest stale and starts another.
func (s *Server) runFill(key summariesKey, f *outcomeFill) {
	defer fills.Delete(key)
	actor := &clinic.Actor{System: true, ClinicID: key.clinic, Login: "system", Name: "Outcome summaries (background)"}
	ctx := clinic.NewContext(s.backgroundContext(), actor)
	start := s.Now()
	err := s.fillOutcomes(ctx, key.st, f)
	attrs := []any{slog.Int64("clinic", key.clinic), slog.Int64("computed", f.stored.Load()),
		slog.Duration("took", s.Now().Sub(start).Round(time.Millisecond))}
	switch {
	case err != nil && ctx.Err() == nil:
		s.logger.Error("computing the outcome summaries", append(attrs, slog.String("error", err.Error()))...)
	case err != nil:
		s.logger.Info("computing the outcome summaries: stopped", attrs...)
	case f.stored.Load() > 0:
		s.logger.Info("computed the outcome summaries", attrs...)
	}
}

// fillOutcomes computes the stale summaries of the actor's clinic in st,
// under the clinic's outcome definitions as they are at each round, until
// no more than inlineLimit are stale.
func (s *Server) fillOutcomes(ctx context.Context, st outcomeSummaries, f *outcomeFill) error {
	js, err := s.journals()
	if err != nil {
		return err
	}
	unlock, err := lockRefresh(ctx, st)
	if err != nil {
		return err
	}
	defer unlock()
	for round := 0; ; round++ {
		defs, err := js.FindOutcomeDefinitions(ctx)
		if err != nil {
			return err
		}
		stamp, err := definitionsStamp(defs)
		if err != nil {
			return err
		}
		stale, err := st.StaleOutcomes(ctx, stamp)
		if err != nil {
			return err
		}
		// The first round computes whatever is stale (WarmOutcomes' may
		// find few); the later ones only what writes left past the limit.
		if len(stale) == 0 || round > 0 && len(stale) <= s.inlineLimit() {
			return nil
		}
		if round == 0 {
			f.total.Store(int64(len(stale)))
		} else {
			f.total.Add(int64(len(stale)))
		}
		base := f.stored.Load()
		if err := computeStale(ctx, st, defs, stamp, stale, func(n int) { f.stored.Store(base + int64(n)) }); err != nil {
			return err
		}
	}
}

// WarmOutcomes starts computing, in the background, the stale outcome
// summaries of every clinic of the store (serve calls it at start), one
// clinic after another; requests meanwhile find them being computed.
func (s *Server) WarmOutcomes() error {
	st, ok := s.Patients.(outcomeSummaries)
	if !ok {
		return nil // no summaries kept: nothing to warm
	}
	lister, ok := s.Patients.(interface {
		ClinicIDs(ctx context.Context) ([]int64, error)
	})
	if !ok {
		return nil
	}
	ids, err := lister.ClinicIDs(clinic.NewContext(s.backgroundContext(), clinic.System))
	if err != nil {
		return fmt.Errorf("warm the outcome summaries: %w", err)
	}
	s.background.Add(1)
	go func() {
		defer s.background.Done()
		for _, id := range ids {
			key := summariesKey{st: st, clinic: id}
			if f, claimed := claimFill(key, 0); claimed {
				s.runFill(key, f)
			}
		}
	}()
	return nil
}

// backgroundContext is the context of s's background work: done once Close
// is called.
func (s *Server) backgroundContext() context.Context {
	if s.stop == nil {
		return context.Background() // a Server built without New
	}
	return s.stopCtx
}

// Close stops the server's background work (the fills: a batch being
// computed is not stored, and stays stale) and waits for it to end. serve
// calls it after the HTTP server's shutdown, before closing the database.
func (s *Server) Close() {
	if s.stop != nil {
		s.stop()
	}
	s.background.Wait()
}

// retryLaterError is an error whose response tells the client when to try
// again: a Retry-After header (RFC 9110 §10.2.3) and, on an HTML page
// asked for by GET, a page that reloads itself then.
type retryLaterError struct {
	err     error
	seconds int
}

func (e *retryLaterError) Error() string { return e.err.Error() }
func (e *retryLaterError) Unwrap() error { return e.err }

// retryAfter is err answered with a Retry-After of seconds.
func retryAfter(seconds int, err error) error {
	return &retryLaterError{err: err, seconds: seconds}
}

// retrySeconds is the Retry-After of err's chain, 0 for none.
func retrySeconds(err error) int {
	var rl *retryLaterError
	if errors.As(err, &rl) {
		return rl.seconds
	}
	return 0
}
