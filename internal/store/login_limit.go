package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
)

// The per-address login limit (clinic.LoginAddressLimit in
// clinic.LoginAddressWindow) counts attempts in table login_attempts, one
// row per address and window-long period, so every server instance over the
// database sees the same counts. The window slides: the previous period's
// count weighs in by the part of it still inside the window (the sliding
// window counter of rate limiters), which approximates a token bucket
// refilled at the limit per window without a timer.

// loginAttempt is one attempt taken from an address's allowance; refund
// gives it back.
type loginAttempt struct {
	addr   string
	period int64
}

// addressWindow returns the period now falls in and the fraction of it that
// has passed.
func addressWindow(now time.Time) (period int64, elapsed float64) {
	w := clinic.LoginAddressWindow.Microseconds()
	us := now.UnixMicro()
	period = us / w
	return period, float64(us-period*w) / float64(w)
}

// addressEstimate is the sliding-window count of attempts: cur in this
// period plus prev of the previous one weighted by the part of it still
// inside the window.
func addressEstimate(prev, cur int, elapsed float64) float64 {
	return float64(prev)*(1-elapsed) + float64(cur)
}

// errAddressLimited is the answer to an address over its limit.
func errAddressLimited() error {
	return clinic.Errorf(clinic.ERATELIMIT, "Too many login attempts from your address. Wait a minute and try again.")
}

// takeLoginAttempt counts an attempt from addr, or refuses it (ERATELIMIT,
// not counted) when the address has used its allowance. The count is
// committed before the password is checked, so concurrent attempts on any
// number of servers cannot pass the limit together. An empty addr (a caller
// inside the process, not a network client) is not limited.
func (db *DB) takeLoginAttempt(ctx context.Context, addr string) (*loginAttempt, error) {
	if addr == "" {
		return nil, nil
	}
	period, elapsed := addressWindow(db.now())
	// A read first, so that a flood from a limited address costs no writes.
	prev, cur, err := db.addressCounts(ctx, addr, period)
	if err != nil {
		return nil, err
	}
	if addressEstimate(prev, cur+1, elapsed) > clinic.LoginAddressLimit {
		return nil, errAddressLimited()
	}
	limited := false
	err = db.update(ctx, func(tx *Tx) error {
		// The upsert locks the address's row until commit, so attempts
		// from one address are counted one after another on PostgreSQL as
		// on SQLite.
		if err := tx.QueryRowContext(ctx, `INSERT INTO login_attempts (remote_addr, period, attempts) VALUES ($1, $2, 1)
			ON CONFLICT (remote_addr, period) DO UPDATE SET attempts = login_attempts.attempts + 1
			RETURNING attempts`, addr, period).Scan(&cur); err != nil {
			return fmt.Errorf("count login attempt: %w", err)
		}
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(attempts), 0) FROM login_attempts WHERE remote_addr = $1 AND period = $2`,
			addr, period-1).Scan(&prev); err != nil {
			return fmt.Errorf("count login attempts: %w", err)
		}
		if addressEstimate(prev, cur, elapsed) > clinic.LoginAddressLimit {
			limited = true
			_, err := tx.ExecContext(ctx, `UPDATE login_attempts SET attempts = attempts - 1 WHERE remote_addr = $1 AND period = $2`, addr, period)
			return err
		}
		// Periods before the previous one no longer count.
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_attempts WHERE period < $1`, period-1); err != nil {
			return fmt.Errorf("purge login attempts: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if limited {
		return nil, errAddressLimited()
	}
	return &loginAttempt{addr: addr, period: period}, nil
}

// addressCounts reads the attempts of addr in period and the one before.
func (db *DB) addressCounts(ctx context.Context, addr string, period int64) (prev, cur int, err error) {
	err = db.queryRow(ctx, `SELECT COALESCE(SUM(CASE WHEN period = $2 THEN attempts ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN period = $3 THEN attempts ELSE 0 END), 0)
		FROM login_attempts WHERE remote_addr = $1 AND period IN ($2, $3)`, addr, period-1, period).Scan(&prev, &cur)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, 0, fmt.Errorf("count login attempts: %w", err)
	}
	return prev, cur, nil
}

// refund gives back the attempt a (nil: nothing) inside tx: a successful
// login does not count towards its address's limit.
func (a *loginAttempt) refund(tx *Tx) error {
	if a == nil {
		return nil
	}
	if _, err := tx.ExecContext(tx.ctx, `UPDATE login_attempts SET attempts = attempts - 1
		WHERE remote_addr = $1 AND period = $2 AND attempts > 0`, a.addr, a.period); err != nil {
		return fmt.Errorf("refund login attempt: %w", err)
	}
	return nil
}
