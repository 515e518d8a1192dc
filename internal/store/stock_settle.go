package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/infusion"
	"github.com/ketatrack/ketatrack/internal/stock"
)

// Settling a bag's account (bag_accounts, migrations 0011 and 0016). A bag
// is settled once nothing of it is left to account for: drawn ± corrections
// − wasted equals what the chart gave from it within a syringe's graduation
// (stock.Preparation.Accounted: stock.WasteResolutionML), the given being the chart's at the waste once
// wasted, and otherwise what the chart had given when the bag was done
// (finished_given_mg: the session stopped, or the next bag was hung). So a
// bag emptied by the infusion is settled when its stop is charted, with no
// waste entry: there is nothing left to waste, and the record that it was
// emptied is the charted administration (every pump event with who charted
// it and when, in the audit log). A bag with a remainder stays unsettled,
// and is flagged once its session has stopped, until the remainder is
// wasted with a witness.

// settleSQL recomputes a bag's settled (and wasted) from the ledger and its
// finished_given_mg as the statement sees them: $1 the bag, $2
// stock.BalanceTolerance, $3 stock.WasteResolutionML. Settled is
// stock.Preparation.Accounted of the balance: within $2 mg of zero, or less
// than $3 mL of the bag.
const settleSQL = `UPDATE bag_accounts SET wasted = EXISTS (SELECT 1 FROM stock_entries w WHERE w.preparation_id = $1 AND w.kind = 'waste'),
	settled = COALESCE((EXISTS (SELECT 1 FROM stock_entries w WHERE w.preparation_id = $1 AND w.kind = 'waste') OR finished_given_mg IS NOT NULL)
		AND (` + bagBalanceSQL + ` <= $2 OR ` + bagBalanceSQL + ` < $3 * (SELECT p.mg_added / p.final_volume_ml FROM bag_preparations p WHERE p.id = $1)), FALSE)
	WHERE preparation_id = $1`

// bagBalanceSQL is |drawn ± corrections − wasted − given| of bag $1 in
// settleSQL, the given being the chart's at its waste or, not wasted, when
// it was done.
const bagBalanceSQL = `ABS(COALESCE((SELECT SUM(b.bag_mg) FROM stock_entries b WHERE b.preparation_id = $1), 0)
			- COALESCE((SELECT MAX(w.given_mg) FROM stock_entries w WHERE w.preparation_id = $1 AND w.kind = 'waste'), finished_given_mg))`

// settleBag recomputes bag id's row of bag_accounts from the ledger as
// this transaction sees it: after its waste, a correction of it or the end
// of its use (finishBags).
func (tx *Tx) settleBag(id int64) error {
	if tx.db.loc.Engine == Postgres {
		// Two corrections of one bag at once: the second waits here, and
		// its UPDATE then reads the ledger with the first one's entry
		// (READ COMMITTED takes a snapshot per statement).
		var got int64
		if err := tx.QueryRowContext(tx.ctx, `SELECT preparation_id FROM bag_accounts WHERE preparation_id = $1 FOR UPDATE`, id).Scan(&got); err != nil {
			return fmt.Errorf("settle bag %d: %w", id, err)
		}
	}
	return settle(tx.ctx, tx, id)
}

func settle(ctx context.Context, q execer, id int64) error {
	res, err := q.ExecContext(ctx, settleSQL, id, stock.BalanceTolerance, stock.WasteResolutionML)
	if err != nil {
		return fmt.Errorf("settle bag %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("settle bag %d: %d account rows (%v)", id, n, err)
	}
	return nil
}

// execer is what settle and finish write through: a *Tx, or the *sql.Tx of
// a migration.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// bagDone reports whether bag b (0-based) of chart st is done: nothing more
// can be given from it, because the session has stopped or a later bag was
// hung.
func bagDone(st *infusion.State, b int) bool {
	return st.Phase == infusion.PhaseStopped || b < len(st.Bags)-1
}

// finishBags records, in the charting transaction of an event that may end
// a bag's use (a stop, the programme of the next bag: gateEvent), what the
// chart st has given from each bag of session sessionID now done and not
// yet wasted or finished, and settles it (emptied: settled; with a
// remainder: left to waste).
func (tx *Tx) finishBags(sessionID int64, st *infusion.State) error {
	rows, err := tx.QueryContext(tx.ctx, `SELECT p.id, p.bag_number FROM bag_preparations p JOIN bag_accounts a ON a.preparation_id = p.id
		WHERE p.session_id = $1 AND a.finished_given_mg IS NULL AND NOT a.wasted ORDER BY p.bag_number`, sessionID)
	if err != nil {
		return fmt.Errorf("finish bags: %w", err)
	}
	type bag struct {
		id     int64
		number int
	}
	var bags []bag
	for rows.Next() {
		var b bag
		if err := rows.Scan(&b.id, &b.number); err != nil {
			rows.Close()
			return fmt.Errorf("finish bags: %w", err)
		}
		bags = append(bags, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("finish bags: %w", err)
	}
	for _, b := range bags {
		if !bagDone(st, b.number-1) {
			continue
		}
		if tx.db.loc.Engine == Postgres {
			var got int64
			if err := tx.QueryRowContext(tx.ctx, `SELECT preparation_id FROM bag_accounts WHERE preparation_id = $1 FOR UPDATE`, b.id).Scan(&got); err != nil {
				return fmt.Errorf("finish bag %d: %w", b.id, err)
			}
		}
		if err := finish(tx.ctx, tx, b.id, float64(st.BagGivenMg(b.number-1, tx.now))); err != nil {
			return err
		}
	}
	return nil
}

// finish sets bag id's finished_given_mg and settles it.
func finish(ctx context.Context, q execer, id int64, givenMg float64) error {
	if _, err := q.ExecContext(ctx, `UPDATE bag_accounts SET finished_given_mg = $2 WHERE preparation_id = $1`, id, givenMg); err != nil {
		return fmt.Errorf("finish bag %d: %w", id, err)
	}
	return settle(ctx, q, id)
}

// fillBagsFinished is migration 0016's backfill (run in its transaction
// after its SQL, migrationFills): the bags not settled and not wasted are
// replayed, a session's chart at a time and idChunk sessions a query, and
// those done (bagDone) get what the chart gave from them and are settled,
// as finishBags would have when their stop was charted. The clock is the
// server's: a stopped or replaced bag's given no longer changes.
func fillBagsFinished(ctx context.Context, db *DB, tx *sql.Tx) error {
	ids, err := queryIDs(ctx, tx, `SELECT DISTINCT a.session_id FROM bag_accounts a
		WHERE NOT a.settled AND NOT a.wasted AND a.finished_given_mg IS NULL ORDER BY a.session_id`)
	if err != nil {
		return fmt.Errorf("bags finished: %w", err)
	}
	now := db.now()
	return chunks(ids, func(part []int64) error {
		sessions, err := db.sessionsByID(ctx, tx, clinic.System, part)
		if err != nil {
			return err
		}
		in, args := inList(nil, part)
		rows, err := tx.QueryContext(ctx, `SELECT p.id, p.session_id, p.bag_number FROM bag_preparations p JOIN bag_accounts a ON a.preparation_id = p.id
			WHERE p.session_id IN (`+in+`) AND NOT a.settled AND NOT a.wasted AND a.finished_given_mg IS NULL`, args...)
		if err != nil {
			return fmt.Errorf("bags finished: %w", err)
		}
		type done struct {
			id    int64
			given float64
		}
		var list []done
		for rows.Next() {
			var id, sid int64
			var n int
			if err := rows.Scan(&id, &sid, &n); err != nil {
				rows.Close()
				return fmt.Errorf("bags finished: %w", err)
			}
			if st := sessions[sid].State; bagDone(st, n-1) {
				list = append(list, done{id, float64(st.BagGivenMg(n-1, now))})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("bags finished: %w", err)
		}
		for _, d := range list {
			if err := finish(ctx, tx, d.id, d.given); err != nil {
				return err
			}
		}
		return nil
	})
}

// resettleBags is migration 0019's backfill (migrationFills): every bag
// not settled is settled again by settleSQL, which since then reads a
// balance of less than stock.WasteResolutionML of the bag as accounted for
// (before, only one within stock.BalanceTolerance). A settled bag stays
// settled: its balance was within the tighter bound.
func resettleBags(ctx context.Context, _ *DB, tx *sql.Tx) error {
	ids, err := queryIDs(ctx, tx, `SELECT preparation_id FROM bag_accounts WHERE NOT settled ORDER BY preparation_id`)
	if err != nil {
		return fmt.Errorf("resettle bags: %w", err)
	}
	for _, id := range ids {
		if err := settle(ctx, tx, id); err != nil {
			return err
		}
	}
	return nil
}

// queryIDs returns the IDs query q reads, one a row.
func queryIDs(ctx context.Context, tx *sql.Tx, q string) ([]int64, error) {
	var ids []int64
	rows, err := tx.QueryContext(ctx, q)
	err = scanEach(rows, err, func(rows *sql.Rows) error {
		var id int64
		err := rows.Scan(&id)
		ids = append(ids, id)
		return err
	})
	return ids, err
}
