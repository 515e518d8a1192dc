package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/infusion"
	"github.com/ketatrack/ketatrack/internal/stock"
)

// Reconciliation and the controlled-substance log (stock.Service). Lot
// balances are the lots' running balances (lot_balances, migration 0013:
// reconcileLots), the balances of wasted bags sums over their entries in
// SQL. The bags still to account for are those bag_accounts has not
// settled (migrations 0011 and 0016, stock_settle.go: a bag is settled once
// wasted to a zero balance, or emptied by the infusion when it is done, in
// the transaction of its waste, correction or stop), read a page at a time
// by preparation ID; what a bag done gave is kept in bag_accounts, and only
// the page's bags still in use are replayed (to read what the chart has
// given by now, all in one read: sessionsByID). The work grows with the
// page and the bags not settled, not with the history.

// Reconcile implements stock.Service.
func (db *DB) Reconcile(ctx context.Context, now time.Time, f stock.ReconcileFilter) (*stock.Reconciliation, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if a.ClinicID == 0 || !stock.CanRead(a, a.ClinicID) {
		return nil, clinic.Errorf(clinic.EFORBIDDEN, "The stock record is for clinic staff.")
	}
	if f.After < 0 || f.Limit < 0 {
		return nil, clinic.Invalid("after", "a page starts after a bag's ID and holds a positive number of bags")
	}
	cid := a.ClinicID
	// One snapshot: the lots, the totals and the page agree.
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return nil, fmt.Errorf("reconcile: %w", err)
	}
	defer func() { _ = tx.Rollback() }() // read-only: nothing to keep
	r := &stock.Reconciliation{Now: now, Lots: []stock.LotBalance{}, Bags: []stock.BagBalance{}}
	if err := db.reconcileLots(ctx, tx, cid, r); err != nil {
		return nil, err
	}
	// The clinic's bags not settled: in use (the session has not stopped
	// and the bag was not wasted) or flagged.
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN a.wasted OR s.phase = 'stopped' THEN 1 ELSE 0 END), 0)
		FROM bag_accounts a JOIN infusion_sessions s ON s.id = a.session_id
		WHERE a.clinic_id = $1 AND NOT a.settled`, cid).Scan(&r.BagsToAccount, &r.BagsFlagged); err != nil {
		return nil, fmt.Errorf("reconcile bags: %w", err)
	}
	page := `SELECT a.preparation_id FROM bag_accounts a`
	if f.Flagged {
		page += ` JOIN infusion_sessions s ON s.id = a.session_id`
	}
	page += ` WHERE a.clinic_id = $1 AND NOT a.settled AND a.preparation_id > $2`
	if f.Flagged {
		page += ` AND (a.wasted OR s.phase = 'stopped')`
	}
	args := []any{cid, f.After}
	if f.Limit > 0 {
		// One more than the page: whether there is a next one.
		page += ` ORDER BY a.preparation_id LIMIT $3`
		args = append(args, f.Limit+1)
	}
	preps, err := db.preparations(ctx, tx, `p.id IN (`+page+`)`, args...)
	if err != nil {
		return nil, err
	}
	sort.Slice(preps, func(i, j int) bool { return preps[i].ID < preps[j].ID })
	if f.Limit > 0 && len(preps) > f.Limit {
		preps = preps[:f.Limit]
		r.Next = preps[f.Limit-1].ID
	}
	uses, err := db.bagUses(ctx, tx, a, preps, now)
	if err != nil {
		return nil, err
	}
	var patientIDs []int64
	for _, p := range preps {
		patientIDs = append(patientIDs, p.PatientID)
		r.Bags = append(r.Bags, bagBalance(p, uses[p.ID]))
	}
	names, err := db.patientNames(ctx, patientIDs)
	if err != nil {
		return nil, err
	}
	for i := range r.Bags {
		n := names[r.Bags[i].Preparation.PatientID]
		r.Bags[i].PatientName, r.Bags[i].MRN = n[0], n[1]
	}
	r.Flag(clinic.DateOf(now.In(db.zone())), db.zone())
	return r, nil
}

// reconcileLots sets r.Lots: every lot of the clinic with its received,
// drawn, disposed and corrected volumes and its newest count, from the
// lots' running balances (lot_balances, migration 0013): the work grows
// with the lots, not with the ledger.
func (db *DB) reconcileLots(ctx context.Context, q queryer, cid int64, r *stock.Reconciliation) error {
	rows, err := q.QueryContext(ctx, `SELECT `+lotColumns+`, b.received_ml, b.drawn_ml, b.disposed_ml, b.corrected_ml`+lotFrom+`
		WHERE l.clinic_id = $1 ORDER BY l.expiry, l.id`, cid)
	if err != nil {
		return fmt.Errorf("reconcile: %w", err)
	}
	for rows.Next() {
		var lb stock.LotBalance
		l, err := scanLot(rows, &lb.ReceivedML, &lb.DrawnML, &lb.DisposedML, &lb.CorrectedML)
		if err != nil {
			rows.Close()
			return fmt.Errorf("reconcile: %w", err)
		}
		lb.Lot, lb.OnHandML, lb.OnHandMg = l, l.OnHandML, l.OnHandMg
		r.Lots = append(r.Lots, lb)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reconcile: %w", err)
	}
	byLot := map[int64]*stock.LotBalance{}
	for i := range r.Lots {
		byLot[r.Lots[i].Lot.ID] = &r.Lots[i]
	}
	// The newest count of each lot, with the corrections that name it
	// (stock_entries_corrections).
	rows, err = q.QueryContext(ctx, `SELECT `+entryColumns+`,
		COALESCE((SELECT SUM(x.lot_ml) FROM stock_entries x WHERE x.corrects_id = e.id), 0)
		FROM stock_entries e WHERE e.id IN (SELECT b.last_count_id FROM lot_balances b WHERE b.clinic_id = $1)`, cid)
	if err != nil {
		return fmt.Errorf("reconcile counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var corrected float64
		e, err := scanEntry(rows, &corrected)
		if err != nil {
			return fmt.Errorf("reconcile counts: %w", err)
		}
		if lb := byLot[e.LotID]; lb != nil && e.CountedML != nil && e.BookML != nil {
			lb.LastCount, lb.CountDiffML = e, *e.CountedML-(*e.BookML+corrected)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reconcile counts: %w", err)
	}
	return nil
}

// bagUse is what a bag not wasted has given and whether its session has
// stopped.
type bagUse struct {
	givenMg  float64
	finished bool
}

// chartUse is bag p's use by now on its session's chart st.
func chartUse(p *stock.Preparation, st *infusion.State, now time.Time) bagUse {
	return bagUse{givenMg: float64(st.BagGivenMg(p.BagNumber-1, now)), finished: st.Phase == infusion.PhaseStopped}
}

// bagUses returns the use of each of preps not wasted: what the chart gave
// from it once done, kept in bag_accounts (finished_given_mg, finishBags),
// and for a bag still in use what its chart has given by now, the charts
// of those read together (sessionsByID). A stopped session's bags are all
// done: only the bags of sessions in progress are replayed.
func (db *DB) bagUses(ctx context.Context, q queryer, a *clinic.Actor, preps []*stock.Preparation, now time.Time) (map[int64]bagUse, error) {
	var ids []int64
	byID := map[int64]*stock.Preparation{}
	for _, p := range preps {
		if !p.Wasted() {
			ids = append(ids, p.ID)
			byID[p.ID] = p
		}
	}
	out := make(map[int64]bagUse, len(ids))
	var inUse []*stock.Preparation
	err := chunks(ids, func(part []int64) error {
		in, args := inList(nil, part)
		rows, err := q.QueryContext(ctx, `SELECT a.preparation_id, a.finished_given_mg, s.phase FROM bag_accounts a
			JOIN infusion_sessions s ON s.id = a.session_id WHERE a.preparation_id IN (`+in+`)`, args...)
		if err != nil {
			return fmt.Errorf("reconcile bags: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var given sql.NullFloat64
			var phase string
			if err := rows.Scan(&id, &given, &phase); err != nil {
				return fmt.Errorf("reconcile bags: %w", err)
			}
			if given.Valid {
				out[id] = bagUse{givenMg: given.Float64, finished: infusion.Phase(phase) == infusion.PhaseStopped}
			} else {
				inUse = append(inUse, byID[id])
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	var open []int64
	for _, p := range inUse {
		open = append(open, p.SessionID)
	}
	sessions, err := db.sessionsByID(ctx, q, a, open)
	if err != nil {
		return nil, err
	}
	for _, p := range inUse {
		out[p.ID] = chartUse(p, sessions[p.SessionID].State, now)
	}
	return out, nil
}

// bagBalance is bag p's account: drawn − given − wasted ± corrections, the
// given being the chart's at its waste once wasted and otherwise use's
// (read only for a bag not wasted).
func bagBalance(p *stock.Preparation, use bagUse) stock.BagBalance {
	bb := stock.BagBalance{Preparation: p, WastedMg: p.WastedMg(), CorrectedMg: p.CorrectedMg()}
	for _, d := range p.Draws {
		bb.DrawnMg += d.BagMg
	}
	if p.Wasted() {
		bb.GivenMg, bb.Finished = *p.Wastes[0].GivenMg, true
	} else {
		bb.GivenMg, bb.Finished = use.givenMg, use.finished
	}
	bb.BalanceMg = bb.DrawnMg - bb.GivenMg - bb.WastedMg + bb.CorrectedMg
	return bb
}

// stockLogPage is how many ledger rows StockLog reads in its first query
// (the first rows are sent soon); each next page is twice as long, up to
// 8 × stockLogPage, since a page's balances read its lots' entries from
// their first one (on /tmp/scale10000.db, 157,000 entries in 61 lots of
// about 1,560, pages of 500 read 588,000 lot entries for their balances).
// A variable so that tests can page through a small ledger.
var stockLogPage = 500

// StockLog implements stock.Service: the ledger in time order, each row
// with its lot and the lot's balance after it (the sum of the lot's
// entries up to it by ID over the whole history, so the first row of a
// period, or a row of another lot that a bag of the chosen lot also drew
// from, shows the true balance).
//
// The rows are read in pages of stockLogPage rows and more by key (at, id) on
// stock_entries_by_time, all in one read-only transaction (one snapshot);
// each page's balances are a window sum over its lots' entries up to its
// highest ID. Memory and the time to the first row do not grow with the
// ledger: neither engine sorts the history, which the single window query
// over every entry did before the first row could be sent.
func (db *DB) StockLog(ctx context.Context, f stock.LogFilter, fn func(stock.LogRow) error) error {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return err
	}
	if a.ClinicID == 0 || !stock.CanRead(a, a.ClinicID) {
		return clinic.Errorf(clinic.EFORBIDDEN, "The stock record is for clinic staff.")
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		return clinic.Invalid("to", "the period ends (%s) before it starts (%s)", f.To, f.From)
	}
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return fmt.Errorf("stock log: %w", err)
	}
	defer func() { _ = tx.Rollback() }() // read-only: nothing to keep
	lots, err := db.lotMap(ctx, tx, a.ClinicID, false)
	if err != nil {
		return err
	}
	var w where
	w.add(`e.clinic_id = ` + w.arg(a.ClinicID))
	if f.LotID != 0 {
		w.add(`(e.lot_id = ` + w.arg(f.LotID) + ` OR e.preparation_id IN (SELECT d.preparation_id FROM stock_entries d WHERE d.kind = 'draw' AND d.lot_id = ` + w.arg(f.LotID) + `))`)
	}
	if !f.From.IsZero() {
		w.add(`e.at >= ` + w.arg(time.Date(f.From.Time().Year(), f.From.Time().Month(), f.From.Time().Day(), 0, 0, 0, 0, time.Local).UTC()))
	}
	if !f.To.IsZero() {
		end := f.To.AddDays(1).Time()
		w.add(`e.at < ` + w.arg(time.Date(end.Year(), end.Month(), end.Day(), 0, 0, 0, 0, time.Local).UTC()))
	}
	if f.AfterID != 0 {
		// The entry's own stored at (not a time formatted again by the
		// driver), so that the key compares equal to what is stored.
		id := w.arg(f.AfterID)
		w.add(`(e.at, e.id) > ((SELECT k.at FROM stock_entries k WHERE k.id = ` + id + ` AND k.clinic_id = e.clinic_id), ` + id + `)`)
	}
	// The key is the stored text of at (CAST: the driver's time.Time would
	// be formatted again, and a key must compare equal to what is stored).
	page := `SELECT ` + entryColumns + `, COALESCE(pt.mrn, ''), COALESCE(p.bag_number, 0), CAST(e.at AS TEXT)
		FROM stock_entries e
		LEFT JOIN patients pt ON pt.id = e.patient_id
		LEFT JOIN bag_preparations p ON p.id = e.preparation_id` + w.sql()
	n := strconv.Itoa(len(w.args) + 1)
	first := page + ` ORDER BY e.at, e.id LIMIT $` + n
	next := page + ` AND (e.at, e.id) > ($` + strconv.Itoa(len(w.args)+2) + `, $` + strconv.Itoa(len(w.args)+3) + `) ORDER BY e.at, e.id LIMIT $` + n
	limit := stockLogPage
	var keyAt string
	var keyID int64
	rows := make([]stock.LogRow, 0, stockLogPage)
	for {
		q, args := first, append(w.args[:len(w.args):len(w.args)], limit)
		if keyID != 0 {
			q, args = next, append(args, keyAt, keyID)
		}
		rows, keyAt, err = stockLogRows(ctx, tx, q, args, lots, rows[:0], keyAt)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		if err := stockLogBalances(ctx, tx, a.ClinicID, rows); err != nil {
			return err
		}
		for _, r := range rows {
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(rows) < limit {
			return nil
		}
		keyID = rows[len(rows)-1].ID
		limit = min(2*limit, 8*stockLogPage)
	}
}

// stockLogRows reads one page of the log into out, with the stored text of
// the last row's at (keyAt when the page is empty).
func stockLogRows(ctx context.Context, tx *sql.Tx, q string, args []any, lots map[int64]*stock.Lot, out []stock.LogRow, keyAt string) ([]stock.LogRow, string, error) {
	rs, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("stock log: %w", err)
	}
	defer rs.Close()
	for rs.Next() {
		var r stock.LogRow
		e, err := scanEntry(rs, &r.PatientMRN, &r.BagNumber, &keyAt)
		if err != nil {
			return nil, "", fmt.Errorf("stock log: %w", err)
		}
		r.Entry, r.Lot = *e, lots[e.LotID]
		out = append(out, r)
	}
	if err := rs.Err(); err != nil {
		return nil, "", fmt.Errorf("stock log: %w", err)
	}
	return out, keyAt, nil
}

// stockLogBalances sets the lot balance after each row of a page that has
// a lot: the running sum by ID over the lot's whole history, in one window
// query over the page's lots up to its highest ID. The rows are picked out
// here by ID from those between the page's lowest and highest (a list of
// a page's IDs costs SQLite more to parse than the window to run).
func stockLogBalances(ctx context.Context, tx *sql.Tx, clinicID int64, rows []stock.LogRow) error {
	var w where
	w.arg(clinicID)
	var lotPH []string
	seen := map[int64]bool{}
	var minID, maxID int64
	at := map[int64]int{}
	for i, r := range rows {
		if r.LotID == 0 {
			continue
		}
		if !seen[r.LotID] {
			seen[r.LotID] = true
			lotPH = append(lotPH, w.arg(r.LotID))
		}
		at[r.ID] = i
		if minID == 0 || r.ID < minID {
			minID = r.ID
		}
		maxID = max(maxID, r.ID)
	}
	if len(at) == 0 {
		return nil
	}
	q := `SELECT t.id, t.bal_ml, t.bal_mg FROM (SELECT x.id,
		SUM(x.lot_ml) OVER (PARTITION BY x.lot_id ORDER BY x.id) AS bal_ml,
		SUM(x.lot_mg) OVER (PARTITION BY x.lot_id ORDER BY x.id) AS bal_mg
		FROM stock_entries x WHERE x.clinic_id = $1 AND x.lot_id IN (` + strings.Join(lotPH, ", ") + `) AND x.id <= ` + w.arg(maxID) + `) t
		WHERE t.id >= ` + w.arg(minID)
	rs, err := tx.QueryContext(ctx, q, w.args...)
	if err != nil {
		return fmt.Errorf("stock log balances: %w", err)
	}
	defer rs.Close()
	for rs.Next() {
		var id int64
		var ml, mg float64
		if err := rs.Scan(&id, &ml, &mg); err != nil {
			return fmt.Errorf("stock log balances: %w", err)
		}
		if i, ok := at[id]; ok {
			rows[i].BalanceML, rows[i].BalanceMg = ml, mg
		}
	}
	if err := rs.Err(); err != nil {
		return fmt.Errorf("stock log balances: %w", err)
	}
	return nil
}
