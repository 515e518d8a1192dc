package store

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/stock"
)

// FindRelapses is the whole relapse list of the actor's clinic (RelapsePage
// without a limit).
func (db *DB) FindRelapses(ctx context.Context) ([]RelapseSummary, error) {
	list, _, err := db.RelapsePage(ctx, nil, 0)
	return list, err
}

// ExecRaw runs SQL on the write pool, for tests that try what no API offers
// (changing the audit log).
func (db *DB) ExecRaw(ctx context.Context, q string) error {
	_, err := db.write.ExecContext(ctx, q)
	return err
}

// QueryRaw runs a query on the read pool, for tests that compare a method
// with a reference query of their own.
func (db *DB) QueryRaw(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return db.read.QueryContext(ctx, q, args...)
}

// SetStockLogPage sets how many rows StockLog reads per query and returns
// the function that restores it.
func SetStockLogPage(n int) (restore func()) {
	old := stockLogPage
	stockLogPage = n
	return func() { stockLogPage = old }
}

// ReconcileReplayingAll is the reconciliation as it was before bag_accounts
// (migration 0011) and lot_balances (0013), for the tests that compare the
// two: every bag of the clinic, each one not wasted replayed, less those
// wasted or done (bagDone) with a balance stock.Preparation.Accounted
// reads as nothing left (wasted to within a syringe's graduation:
// migration 0019; emptied by the infusion: 0016); the lots summed over the whole ledger
// (reconcileLotsFromLedger). Each bag's account is bagBalance's, as
// Reconcile's, with what the chart has given by now.
func (db *DB) ReconcileReplayingAll(ctx context.Context, now time.Time) (*stock.Reconciliation, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	cid := a.ClinicID
	r := &stock.Reconciliation{Now: now, Lots: []stock.LotBalance{}, Bags: []stock.BagBalance{}}
	if err := db.reconcileLotsFromLedger(ctx, db.read, cid, r); err != nil {
		return nil, err
	}
	preps, err := db.preparations(ctx, db.read, `p.clinic_id = $1`, cid)
	if err != nil {
		return nil, err
	}
	var open []int64
	for _, p := range preps {
		if !p.Wasted() {
			open = append(open, p.SessionID)
		}
	}
	sessions, err := db.sessionsByID(ctx, db.read, a, open)
	if err != nil {
		return nil, err
	}
	var patientIDs []int64
	for _, p := range preps {
		var use bagUse
		var done bool
		if !p.Wasted() {
			st := sessions[p.SessionID].State
			use, done = chartUse(p, st, now), bagDone(st, p.BagNumber-1)
		}
		bb := bagBalance(p, use)
		if (done || p.Wasted()) && p.Accounted(bb.BalanceMg) {
			continue // wasted to a balance a syringe cannot tell from 0, or emptied by the infusion
		}
		patientIDs = append(patientIDs, p.PatientID)
		r.Bags = append(r.Bags, bb)
	}
	names, err := db.patientNames(ctx, patientIDs)
	if err != nil {
		return nil, err
	}
	for i := range r.Bags {
		n := names[r.Bags[i].Preparation.PatientID]
		r.Bags[i].PatientName, r.Bags[i].MRN = n[0], n[1]
	}
	sort.SliceStable(r.Bags, func(i, j int) bool { return r.Bags[i].Preparation.ID < r.Bags[j].Preparation.ID })
	r.Flag(clinic.DateOf(now.In(db.zone())), db.zone())
	return r, nil
}

// FillBagsFinished runs migration 0016's backfill (fillBagsFinished) in a
// write transaction of its own, for the test that compares its rows with
// those the write paths keep.
func (db *DB) FillBagsFinished(ctx context.Context) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if err := fillBagsFinished(ctx, db, tx); err != nil {
		return err
	}
	return tx.Commit()
}

// ResettleBags runs migration 0019's backfill (resettleBags) in a write
// transaction of its own, after FillBagsFinished in the test that compares
// the backfills' rows with those the write paths keep.
func (db *DB) ResettleBags(ctx context.Context) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if err := resettleBags(ctx, db, tx); err != nil {
		return err
	}
	return tx.Commit()
}

// reconcileLotsFromLedger is reconcileLots as it was before lot_balances
// (migration 0013): each lot's stock, received, drawn, disposed and
// corrected volumes summed over its entries, its newest count found among
// all of them.
func (db *DB) reconcileLotsFromLedger(ctx context.Context, q queryer, cid int64, r *stock.Reconciliation) error {
	rows, err := q.QueryContext(ctx, `SELECT l.id, l.clinic_id, l.product, l.drug, l.strength, l.vial_volume_ml, l.lot_number, l.expiry, l.created_at,
		COALESCE((SELECT SUM(e.lot_ml) FROM stock_entries e WHERE e.clinic_id = l.clinic_id AND e.lot_id = l.id), 0),
		COALESCE((SELECT SUM(e.lot_mg) FROM stock_entries e WHERE e.clinic_id = l.clinic_id AND e.lot_id = l.id), 0)
		FROM stock_lots l WHERE l.clinic_id = $1 ORDER BY l.expiry, l.id`, cid)
	if err != nil {
		return err
	}
	for rows.Next() {
		l, err := scanLot(rows)
		if err != nil {
			rows.Close()
			return err
		}
		r.Lots = append(r.Lots, stock.LotBalance{Lot: l, OnHandML: l.OnHandML, OnHandMg: l.OnHandMg})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	byLot := map[int64]*stock.LotBalance{}
	for i := range r.Lots {
		byLot[r.Lots[i].Lot.ID] = &r.Lots[i]
	}
	rows, err = q.QueryContext(ctx, `SELECT lot_id, kind, SUM(lot_ml) FROM stock_entries
		WHERE clinic_id = $1 AND lot_id IS NOT NULL GROUP BY lot_id, kind`, cid)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var kind string
		var ml float64
		if err := rows.Scan(&id, &kind, &ml); err != nil {
			rows.Close()
			return err
		}
		lb := byLot[id]
		if lb == nil {
			continue
		}
		switch stock.Kind(kind) {
		case stock.KindReceive:
			lb.ReceivedML += ml
		case stock.KindDraw:
			lb.DrawnML -= ml
		case stock.KindDispose:
			lb.DisposedML -= ml
		case stock.KindCorrection:
			lb.CorrectedML += ml
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = q.QueryContext(ctx, `SELECT `+entryColumns+`,
		COALESCE((SELECT SUM(x.lot_ml) FROM stock_entries x WHERE x.corrects_id = e.id), 0)
		FROM stock_entries e WHERE e.clinic_id = $1 AND e.kind = 'count'
		AND e.id = (SELECT MAX(y.id) FROM stock_entries y WHERE y.lot_id = e.lot_id AND y.kind = 'count')`, cid)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var corrected float64
		e, err := scanEntry(rows, &corrected)
		if err != nil {
			return err
		}
		if lb := byLot[e.LotID]; lb != nil && e.CountedML != nil && e.BookML != nil {
			lb.LastCount, lb.CountDiffML = e, *e.CountedML-(*e.BookML+corrected)
		}
	}
	return rows.Err()
}

// LotsFromLedger is every lot of the actor's clinic with its balances
// summed over the whole ledger (reconcileLotsFromLedger), for the tests
// that compare the running balances with them.
func (db *DB) LotsFromLedger(ctx context.Context) ([]stock.LotBalance, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	r := &stock.Reconciliation{}
	err = db.reconcileLotsFromLedger(ctx, db.read, a.ClinicID, r)
	return r.Lots, err
}

// BagAccountsBackfill is migration 0011's INSERT that fills bag_accounts
// from the ledger, for the test that compares it with the rows the write
// paths keep.
func BagAccountsBackfill(e Engine) (string, error) { return backfill(e, "bag_accounts") }

// LotBalancesBackfill is migration 0013's INSERT that fills lot_balances
// from the ledger, as BagAccountsBackfill.
func LotBalancesBackfill(e Engine) (string, error) { return backfill(e, "lot_balances") }

// backfill is the INSERT INTO table of the migration of that name, up to
// the statement's end.
func backfill(e Engine, table string) (string, error) {
	ms, err := Migrations(e)
	if err != nil {
		return "", err
	}
	for _, m := range ms {
		if m.Name == table {
			if i := strings.Index(m.SQL, "INSERT INTO "+table); i >= 0 {
				q := m.SQL[i:]
				if j := strings.Index(q, ";"); j >= 0 {
					q = q[:j+1]
				}
				return q, nil
			}
		}
	}
	return "", errors.New("migration " + table + " has no INSERT INTO " + table)
}
