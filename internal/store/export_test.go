package store

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/infusion"
	"github.com/ketatrack/ketatrack/internal/stock"
)

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
// (migration 0011), for the tests that compare the two: every bag not
// wasted, or wasted with a balance, found by testing every bag of the
// clinic against its entries, and every such bag not wasted replayed. The
// lots are Reconcile's (reconcileLots, unchanged).
func (db *DB) ReconcileReplayingAll(ctx context.Context, now time.Time) (*stock.Reconciliation, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	cid := a.ClinicID
	r := &stock.Reconciliation{Now: now, Lots: []stock.LotBalance{}, Bags: []stock.BagBalance{}}
	if err := db.reconcileLots(ctx, db.read, cid, r); err != nil {
		return nil, err
	}
	preps, err := db.preparations(ctx, db.read, `p.clinic_id = $1 AND (
		NOT EXISTS (SELECT 1 FROM stock_entries w WHERE w.preparation_id = p.id AND w.kind = 'waste')
		OR ABS((SELECT SUM(b.bag_mg) FROM stock_entries b WHERE b.preparation_id = p.id)
			- (SELECT MAX(w.given_mg) FROM stock_entries w WHERE w.preparation_id = p.id AND w.kind = 'waste')) > $2)`,
		cid, stock.BalanceTolerance)
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
		patientIDs = append(patientIDs, p.PatientID)
		bb := stock.BagBalance{Preparation: p, WastedMg: p.WastedMg(), CorrectedMg: p.CorrectedMg()}
		for _, d := range p.Draws {
			bb.DrawnMg += d.BagMg
		}
		if p.Wasted() {
			bb.GivenMg, bb.Finished = *p.Wastes[0].GivenMg, true
		} else {
			st := sessions[p.SessionID].State
			bb.GivenMg = float64(st.BagGivenMg(p.BagNumber-1, now))
			bb.Finished = st.Phase == infusion.PhaseStopped
		}
		bb.BalanceMg = bb.DrawnMg - bb.GivenMg - bb.WastedMg + bb.CorrectedMg
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

// BagAccountsBackfill is migration 0011's INSERT that fills bag_accounts
// from the ledger, for the test that compares it with the rows the write
// paths keep.
func BagAccountsBackfill(e Engine) (string, error) {
	ms, err := Migrations(e)
	if err != nil {
		return "", err
	}
	for _, m := range ms {
		if m.Name == "bag_accounts" {
			if i := strings.Index(m.SQL, "INSERT INTO bag_accounts"); i >= 0 {
				return m.SQL[i:], nil
			}
		}
	}
	return "", errors.New("migration bag_accounts has no INSERT INTO bag_accounts")
}
