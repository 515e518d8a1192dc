package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/demo"
	"github.com/ketatrack/ketatrack/internal/infusion"
	"github.com/ketatrack/ketatrack/internal/stock"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// reconcileEnd is the clock of the scaled clinic below: the five years end
// here, and it is "now" for every reconciliation.
var reconcileEnd = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

// reconcilePaged reads every page of the reconciliation, limit bags at a
// time, and returns the bags, the bags' flags, the lots' flags of the first
// page and the totals of the first page (which every page must repeat).
func reconcilePaged(t *testing.T, ctx context.Context, db *store.DB, limit int, flagged bool) (bags []stock.BagBalance, bagFlags, lotFlags []stock.Discrepancy, first *stock.Reconciliation) {
	t.Helper()
	f := stock.ReconcileFilter{Limit: limit, Flagged: flagged}
	for pages := 0; ; pages++ {
		r, err := db.Reconcile(ctx, reconcileEnd, f)
		must(t, err)
		if first == nil {
			first = r
			lotFlags = r.Flags[:r.LotFlags()]
		} else if r.BagsToAccount != first.BagsToAccount || r.BagsFlagged != first.BagsFlagged || !reflect.DeepEqual(r.Lots, first.Lots) {
			t.Fatalf("page %d: totals %d/%d, lots differ %v; the first page's %d/%d", pages, r.BagsToAccount, r.BagsFlagged,
				!reflect.DeepEqual(r.Lots, first.Lots), first.BagsToAccount, first.BagsFlagged)
		}
		if limit > 0 && len(r.Bags) > limit {
			t.Fatalf("page %d has %d bags, the limit is %d", pages, len(r.Bags), limit)
		}
		bags = append(bags, r.Bags...)
		bagFlags = append(bagFlags, r.Flags[r.LotFlags():]...)
		if r.Next == 0 {
			return bags, bagFlags, lotFlags, first
		}
		if r.Next != r.Bags[len(r.Bags)-1].Preparation.ID {
			t.Fatalf("page %d: next %d, its last bag %d", pages, r.Next, r.Bags[len(r.Bags)-1].Preparation.ID)
		}
		f.After = r.Next
	}
}

// sameReconciliation checks Reconcile against the reconciliation that
// tested and replayed every bag (ReconcileReplayingAll): the same lots,
// bags and flags, whole, in pages of 3 and as the dashboard's flagged
// pages; the totals count the old bags and bag flags. It returns the old
// reconciliation.
func sameReconciliation(t *testing.T, ctx context.Context, db *store.DB, when string) *stock.Reconciliation {
	t.Helper()
	old, err := db.ReconcileReplayingAll(ctx, reconcileEnd)
	must(t, err)
	var oldBagFlags, oldLotFlags []stock.Discrepancy
	for _, f := range old.Flags {
		if f.PreparationID != 0 {
			oldBagFlags = append(oldBagFlags, f)
		} else {
			oldLotFlags = append(oldLotFlags, f)
		}
	}
	for _, c := range []struct {
		limit   int
		flagged bool
	}{{0, false}, {3, false}, {3, true}, {1, true}} {
		bags, bagFlags, lotFlags, first := reconcilePaged(t, ctx, db, c.limit, c.flagged)
		name := fmt.Sprintf("%s, pages of %d, flagged only %v", when, c.limit, c.flagged)
		if d := lotsDiffer(first.Lots, old.Lots); d != "" || !reflect.DeepEqual(lotFlags, oldLotFlags) {
			t.Errorf("%s: the lots or their flags differ from the old reconciliation's: %s", name, d)
		}
		if first.BagsToAccount != len(old.Bags) || first.BagsFlagged != len(oldBagFlags) {
			t.Errorf("%s: %d bags to account for, %d flagged; the old reconciliation %d and %d", name,
				first.BagsToAccount, first.BagsFlagged, len(old.Bags), len(oldBagFlags))
		}
		if !reflect.DeepEqual(bagFlags, oldBagFlags) {
			t.Errorf("%s: %d bag flags differ from the old reconciliation's %d", name, len(bagFlags), len(oldBagFlags))
			for i := range min(len(bagFlags), len(oldBagFlags)) {
				if !reflect.DeepEqual(bagFlags[i], oldBagFlags[i]) {
					t.Errorf("first difference, flag %d: %+v, old %+v", i, bagFlags[i], oldBagFlags[i])
					break
				}
			}
		}
		if c.flagged {
			var want []stock.BagBalance
			for _, b := range old.Bags {
				if b.Finished {
					want = append(want, b)
				}
			}
			if !reflect.DeepEqual(bags, want) {
				t.Errorf("%s: %d bags, the old reconciliation's finished bags %d", name, len(bags), len(want))
			}
		} else if !reflect.DeepEqual(bags, old.Bags) {
			t.Errorf("%s: %d bags differ from the old reconciliation's %d", name, len(bags), len(old.Bags))
		}
	}
	return old
}

// scaledStockClinic fills db with a scaled clinic (demo.Scale, 12 patients
// over five years, seed 4) with the clock at its end, and returns the
// context of its clinician, a nurse's credentials to witness with and the
// clinic.
func scaledStockClinic(t *testing.T, db *store.DB) (context.Context, stock.Credentials, int64) {
	t.Helper()
	bg := context.Background()
	res, err := demo.Scale(bg, db, demo.ScaleConfig{Patients: 12, Seed: 4, End: reconcileEnd})
	must(t, err)
	db.Now = func() time.Time { return reconcileEnd }
	ids, err := db.ClinicIDs(sys())
	must(t, err)
	cid := ids[0]
	var doc, nurse demo.Credential
	for _, c := range res.Credentials {
		switch c.Role {
		case clinic.RoleClinician:
			doc = c
		case clinic.RoleNurse:
			nurse = c
		}
	}
	var docID int64
	rs, err := db.QueryRaw(bg, `SELECT id FROM users WHERE login = $1`, doc.Login)
	must(t, err)
	for rs.Next() {
		must(t, rs.Scan(&docID))
	}
	rs.Close()
	ctx := clinic.NewContext(bg, &clinic.Actor{UserID: docID, ClinicID: cid, Login: doc.Login, Role: clinic.RoleClinician})
	return ctx, stock.Credentials{Login: nurse.Login, Password: nurse.Password}, cid
}

// lotsDiffer says how the lots' balances got differ from want's (the sums
// over the whole ledger), "" when they agree: the same lots, counts and
// flags, every volume and amount within 1e-9 of the sum (a running sum
// adds in another order than SQL's SUM may).
func lotsDiffer(got, want []stock.LotBalance) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d lots, want %d", len(got), len(want))
	}
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b))) }
	for i := range got {
		g, w := got[i], want[i]
		gl, wl := *g.Lot, *w.Lot
		switch {
		case !near(gl.OnHandML, wl.OnHandML) || !near(gl.OnHandMg, wl.OnHandMg):
			return fmt.Sprintf("lot %d: on hand %v mL %v mg, the ledger's %v mL %v mg", gl.ID, gl.OnHandML, gl.OnHandMg, wl.OnHandML, wl.OnHandMg)
		case !near(g.OnHandML, w.OnHandML) || !near(g.OnHandMg, w.OnHandMg) || !near(g.ReceivedML, w.ReceivedML) || !near(g.DrawnML, w.DrawnML) ||
			!near(g.DisposedML, w.DisposedML) || !near(g.CorrectedML, w.CorrectedML) || !near(g.CountDiffML, w.CountDiffML):
			return fmt.Sprintf("lot %d: %+v, the ledger's %+v", gl.ID, g, w)
		case !reflect.DeepEqual(g.LastCount, w.LastCount):
			return fmt.Sprintf("lot %d: last count %+v, the ledger's %+v", gl.ID, g.LastCount, w.LastCount)
		}
		gl.OnHandML, gl.OnHandMg, wl.OnHandML, wl.OnHandMg = 0, 0, 0, 0
		if !reflect.DeepEqual(gl, wl) {
			return fmt.Sprintf("lot %d: %+v, want %+v", gl.ID, gl, wl)
		}
	}
	return ""
}

// bagAccounts is the table as rows "preparation clinic session wasted
// settled given", given being finished_given_mg of a bag not wasted (a
// wasted bag's is the waste's).
func bagAccounts(t *testing.T, db *store.DB) []string {
	t.Helper()
	rs, err := db.QueryRaw(context.Background(), `SELECT preparation_id, clinic_id, session_id, wasted, settled, finished_given_mg FROM bag_accounts ORDER BY preparation_id`)
	must(t, err)
	defer rs.Close()
	var out []string
	for rs.Next() {
		var p, c, s int64
		var w, st bool
		var given sql.NullFloat64
		must(t, rs.Scan(&p, &c, &s, &w, &st, &given))
		g := "-"
		if given.Valid && !w {
			g = strconv.FormatFloat(given.Float64, 'g', 12, 64)
		}
		out = append(out, fmt.Sprintf("%d %d %d %v %v %s", p, c, s, w, st, g))
	}
	must(t, rs.Err())
	return out
}

// sessionOfBag is the session of bag preparation id.
func sessionOfBag(t *testing.T, db *store.DB, id int64) int64 {
	t.Helper()
	rs, err := db.QueryRaw(context.Background(), `SELECT session_id FROM bag_preparations WHERE id = $1`, id)
	must(t, err)
	defer rs.Close()
	var s int64
	for rs.Next() {
		must(t, rs.Scan(&s))
	}
	must(t, rs.Err())
	return s
}

// TestReconcileMatchesReplayingAll: on a scaled clinic (demo.Scale, 12
// patients over five years: bags wasted to zero, bags never wasted after
// the stop, bags wasted short with a reason, on both engines), Reconcile
// read from bag_accounts finds every lot, bag and flag the reconciliation
// that tested and replayed every bag found, whole and in pages; so it does
// after the ledger changes that move a bag in or out of the list (the
// 0 mg waste of an empty bag, a correction that unbalances a waste, one
// that unbalances a settled bag and one that balances an unbalanced one) and after vitals
// charted on a stopped session with a bag never wasted (what may be charted
// after a stop: a restart or a rate change is refused, so what the chart has
// given from a stopped bag never changes). The rows the write
// paths keep are the rows migration 0011's backfill computes from the ledger.
func TestReconcileMatchesReplayingAll(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		bg := context.Background()
		ctx, witness, cid := scaledStockClinic(t, db)

		old := sameReconciliation(t, ctx, db, "as generated")
		listed := map[int64]bool{}
		for _, b := range old.Bags {
			listed[b.Preparation.ID] = true
		}
		// The scaled clinic's nurses waste what they read, rounded down to
		// 0.01 mL (less than a graduation: stock.WasteResolutionML): the
		// ledger leaves such a bag more than 1e-6 mg and less than 0.01 mL
		// short, and it is settled, not listed.
		rs, err := db.QueryRaw(bg, `SELECT w.preparation_id, p.mg_added / p.final_volume_ml,
			(SELECT SUM(b.bag_mg) FROM stock_entries b WHERE b.preparation_id = w.preparation_id) - w.given_mg
			FROM stock_entries w JOIN bag_preparations p ON p.id = w.preparation_id
			WHERE w.clinic_id = $1 AND w.kind = 'waste' AND w.reason = 'measured to 0.01 mL' ORDER BY w.id`, cid)
		must(t, err)
		rounded := 0
		for rs.Next() {
			var prep int64
			var mgPerML, left float64
			must(t, rs.Scan(&prep, &mgPerML, &left))
			rounded++
			if left <= stock.BalanceTolerance || left >= 0.01*mgPerML {
				t.Errorf("bag %d wasted rounded down to 0.01 mL is %v mg short (%v mg/mL)", prep, left, mgPerML)
			}
			if listed[prep] {
				t.Errorf("bag %d, wasted %v mg (%v mL) short of the chart's remainder, is listed", prep, left, left/mgPerML)
			}
		}
		rs.Close()
		if rounded < 3 {
			t.Fatalf("%d wastes rounded to 0.01 mL: the test wants at least 3", rounded)
		}
		// Settled wastes: one corrected by +0.5 mg (0.5 mL: unbalanced,
		// listed), one by +0.05 mg (less than a graduation: still
		// settled); a third (settledWaste) is corrected below.
		var settledWastes []int64
		rs, err = db.QueryRaw(bg, `SELECT e.id, e.preparation_id FROM stock_entries e WHERE e.clinic_id = $1 AND e.kind = 'waste' ORDER BY e.id`, cid)
		must(t, err)
		for rs.Next() {
			var id, prep int64
			must(t, rs.Scan(&id, &prep))
			if !listed[prep] {
				settledWastes = append(settledWastes, id)
			}
		}
		rs.Close()
		if len(settledWastes) < 3 {
			t.Fatalf("%d bags settled by their waste: the test wants at least 3", len(settledWastes))
		}
		settledWaste := settledWastes[0]
		_, err = db.Correct(ctx, settledWastes[1], stock.CorrectionInput{Change: "+0.5mg", Reason: "the waste was entered 0.5 mg too high", Witness: witness})
		must(t, err)
		_, err = db.Correct(ctx, settledWastes[2], stock.CorrectionInput{Change: "+0.05mg", Reason: "the waste was entered 0.05 mg too high", Witness: witness})
		must(t, err)
		old = sameReconciliation(t, ctx, db, "after wastes corrected by 0.5 and 0.05 mg")
		var unbalanced []stock.BagBalance
		listed = map[int64]bool{}
		for _, b := range old.Bags {
			listed[b.Preparation.ID] = true
			if b.Finished && b.Preparation.Wasted() {
				unbalanced = append(unbalanced, b)
			}
		}
		if len(unbalanced) != 1 || math.Abs(unbalanced[0].BalanceMg-0.5) >= 0.01 {
			t.Fatalf("wasted bags listed with a balance: %+v; want the one corrected by 0.5 mg", unbalanced)
		}
		// The bags emptied by the infusion (the scaled clinic wastes only
		// what is left), to the mg: settled when their stop was charted, no waste.
		var emptied []int64
		rs, err = db.QueryRaw(bg, `SELECT preparation_id FROM bag_accounts WHERE clinic_id = $1 AND settled AND NOT wasted
			AND finished_given_mg IS NOT NULL
			AND ABS((SELECT SUM(b.bag_mg) FROM stock_entries b WHERE b.preparation_id = bag_accounts.preparation_id) - finished_given_mg) <= 0.000001
			ORDER BY preparation_id`, cid)
		must(t, err)
		for rs.Next() {
			var id int64
			must(t, rs.Scan(&id))
			emptied = append(emptied, id)
		}
		rs.Close()
		if len(emptied) < 3 {
			t.Fatalf("%d bags emptied by the infusion: the test wants at least 3", len(emptied))
		}
		preps := map[int64]*stock.Preparation{}
		for _, id := range emptied[:3] {
			ps, err := db.FindPreparations(ctx, sessionOfBag(t, db, id))
			must(t, err)
			for _, p := range ps {
				preps[p.ID] = p
			}
		}
		exact, short, d := preps[emptied[0]], preps[emptied[1]], preps[emptied[2]]

		// An emptied bag's 0 mL waste recorded all the same: still settled.
		_, err = db.WasteBag(ctx, exact.ID, stock.WasteInput{Amount: "0mL", Witness: witness})
		must(t, err)
		// An emptied bag's draw corrected by +2 mg (more was drawn into it
		// than entered): 2 mg left by the chart, listed as not wasted.
		_, err = db.Correct(ctx, short.Draws[0].ID, stock.CorrectionInput{Change: "+2mg", Reason: "2 mg more was drawn than entered", Witness: witness})
		must(t, err)
		// A settled bag's waste corrected by +1 mg: unbalanced, listed again.
		_, err = db.Correct(ctx, settledWaste, stock.CorrectionInput{Change: "+1mg", Reason: "the waste was entered 1 mg too high", Witness: witness})
		must(t, err)
		// An unbalanced bag corrected by its balance: settled.
		u := unbalanced[0]
		_, err = db.Correct(ctx, u.Preparation.Wastes[0].ID, stock.CorrectionInput{Change: strconv.FormatFloat(-u.BalanceMg, 'f', -1, 64) + "mg",
			Reason: "the remainder was wasted at the bedside and entered late", Witness: witness})
		must(t, err)
		// Vitals charted on the stopped session of an emptied bag, and a
		// restart refused there: it stays settled.
		s, err := db.FindSessionByID(ctx, d.SessionID)
		must(t, err)
		last := s.State.Events[len(s.State.Events)-1].At
		_, _, err = db.RecordEvent(ctx, s.ID, infusion.Event{Kind: infusion.KindVitals, At: last.Add(time.Minute), Vitals: vitals(72, 118, 74, 98)})
		must(t, err)
		_, _, err = db.RecordEvent(ctx, s.ID, infusion.Event{Kind: infusion.KindStart, At: last.Add(2 * time.Minute)})
		wantCode(t, err, clinic.ECONFLICT)
		after := sameReconciliation(t, ctx, db, "after the changes")
		status := map[int64]stock.BagBalance{}
		for _, b := range after.Bags {
			status[b.Preparation.ID] = b
		}
		if _, ok := status[exact.ID]; ok {
			t.Errorf("emptied bag %d wasted 0 mL is listed", exact.ID)
		}
		if b, ok := status[short.ID]; !ok || b.Preparation.Wasted() || !b.Finished || math.Abs(b.BalanceMg-2) > stock.BalanceTolerance {
			t.Errorf("emptied bag %d whose draw was corrected by +2 mg is not listed as 2 mg not wasted: %+v", short.ID, b)
		}
		if _, ok := status[u.Preparation.ID]; ok {
			t.Errorf("bag %d corrected to zero is still listed", u.Preparation.ID)
		}
		if _, ok := status[d.ID]; ok {
			t.Errorf("emptied bag %d is listed after vitals charted on its stopped session", d.ID)
		}
		if len(after.Bags) != len(old.Bags)+1 {
			t.Errorf("%d bags listed after the changes, %d before: want one more (1 emptied bag and 1 settled one unbalanced, 1 unbalanced one settled)", len(after.Bags), len(old.Bags))
		}

		// The rows kept by the write paths are those the backfills compute:
		// migration 0011's from the ledger, then 0016's from the charts and
		// 0019's.
		kept := bagAccounts(t, db)
		backfill, err := store.BagAccountsBackfill(db.Engine())
		must(t, err)
		must(t, db.ExecRaw(bg, `DELETE FROM bag_accounts`))
		must(t, db.ExecRaw(bg, backfill))
		must(t, db.FillBagsFinished(bg))
		must(t, db.ResettleBags(bg))
		if filled := bagAccounts(t, db); !reflect.DeepEqual(filled, kept) {
			t.Errorf("the backfill gives %d rows, the write paths kept %d (or they differ)", len(filled), len(kept))
			for i := range min(len(filled), len(kept)) {
				if filled[i] != kept[i] {
					t.Errorf("first difference: backfill %q, kept %q", filled[i], kept[i])
					break
				}
			}
		}
	})
}

// lotBalanceRows is lot_balances as rows "lot clinic count" with the
// volumes, for comparing the rows the write paths keep with the backfill's.
func lotBalanceRows(t *testing.T, db *store.DB) map[int64][7]float64 {
	t.Helper()
	rs, err := db.QueryRaw(context.Background(), `SELECT lot_id, clinic_id, on_hand_ml, on_hand_mg, received_ml, drawn_ml, disposed_ml, corrected_ml,
		COALESCE(last_count_id, 0) FROM lot_balances`)
	must(t, err)
	defer rs.Close()
	out := map[int64][7]float64{}
	for rs.Next() {
		var lot, cid, count int64
		var v [7]float64
		must(t, rs.Scan(&lot, &cid, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &count))
		v[6] = float64(cid*1_000_000 + count)
		out[lot] = v
	}
	must(t, rs.Err())
	return out
}

// TestLotBalancesMatchLedger: the running balances of lot_balances
// (migration 0013), kept by every ledger entry on a lot, give the stock page
// (FindLots, FindLotByID) and the reconciliation the same book stock, the
// same received, drawn, disposed and corrected volumes and the same newest
// count as the sums over the whole ledger (LotsFromLedger, the code before
// 0013), on the scaled clinic as generated (receipts and draws) and after a
// count that differs from the book, a correction naming it, a disposal, a
// correction of a draw's lot volume, a second receipt of a lot and a count
// that matches the book; the rows kept are those the migration's
// backfill computes from the ledger. Both engines.
func TestLotBalancesMatchLedger(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		bg := context.Background()
		ctx, witness, _ := scaledStockClinic(t, db)
		same := func(when string) {
			t.Helper()
			want, err := db.LotsFromLedger(ctx)
			must(t, err)
			r, err := db.Reconcile(ctx, reconcileEnd, stock.ReconcileFilter{Limit: 1})
			must(t, err)
			if d := lotsDiffer(r.Lots, want); d != "" {
				t.Errorf("%s: reconciliation: %s", when, d)
			}
			lots, err := db.FindLots(ctx, stock.LotFilter{})
			must(t, err)
			var got []stock.LotBalance
			for _, l := range lots {
				one, err := db.FindLotByID(ctx, l.ID)
				must(t, err)
				if !reflect.DeepEqual(one, l) {
					t.Errorf("%s: lot %d by ID %+v, in the list %+v", when, l.ID, one, l)
				}
				got = append(got, stock.LotBalance{Lot: l, OnHandML: l.OnHandML, OnHandMg: l.OnHandMg})
			}
			for i := range want {
				w := want[i]
				want[i] = stock.LotBalance{Lot: w.Lot, OnHandML: w.OnHandML, OnHandMg: w.OnHandMg}
			}
			if d := lotsDiffer(got, want); d != "" {
				t.Errorf("%s: FindLots: %s", when, d)
			}
		}
		same("as generated")
		inStock, err := db.FindLots(ctx, stock.LotFilter{InStock: true})
		must(t, err)
		var lots []*stock.Lot
		for _, l := range inStock {
			if !l.Expired(clinic.DateOf(reconcileEnd)) {
				lots = append(lots, l)
			}
		}
		if len(lots) < 2 {
			t.Fatalf("%d lots in stock and not expired: the test wants 2", len(lots))
		}
		a, b := lots[0], lots[1]
		// A count 1 mL short of the book, and its correction.
		count, err := db.AdjustStock(ctx, a.ID, stock.AdjustInput{Kind: stock.KindCount,
			Volume: strconv.FormatFloat(a.OnHandML-1, 'f', -1, 64) + "mL", Witness: witness})
		must(t, err)
		_, err = db.Correct(ctx, count.ID, stock.CorrectionInput{Change: "-1mL", Reason: "a vial broken and not recorded", Witness: witness})
		must(t, err)
		// A disposal, a second receipt of lot b, and a draw's lot volume
		// corrected.
		_, err = db.AdjustStock(ctx, b.ID, stock.AdjustInput{Kind: stock.KindDispose, Volume: "1 vials", Reason: "vial dropped", Witness: witness})
		must(t, err)
		_, _, err = db.ReceiveStock(ctx, stock.ReceiptInput{Product: b.Product, Drug: string(b.Drug), Strength: b.Strength.String(),
			VialVolume: strconv.FormatFloat(b.VialML, 'f', -1, 64) + "mL", Lot: b.LotNumber, Expiry: b.Expiry.String(), Vials: "3", Supplier: "Wholesale", Reference: "INV-2026-12"})
		must(t, err)
		var draw int64
		rs, err := db.QueryRaw(bg, `SELECT MAX(id) FROM stock_entries WHERE kind = 'draw' AND lot_id = $1`, a.ID)
		must(t, err)
		for rs.Next() {
			must(t, rs.Scan(&draw))
		}
		rs.Close()
		_, err = db.Correct(ctx, draw, stock.CorrectionInput{Change: "+0.5mL", Reason: "the draw was entered 0.5 mL too high", Witness: witness})
		must(t, err)
		// A count that matches the book: the newest count, no flag.
		a, err = db.FindLotByID(ctx, a.ID)
		must(t, err)
		_, err = db.AdjustStock(ctx, a.ID, stock.AdjustInput{Kind: stock.KindCount,
			Volume: strconv.FormatFloat(a.OnHandML, 'f', -1, 64) + "mL", Witness: witness})
		must(t, err)
		same("after counts, corrections, a disposal and a receipt")

		kept := lotBalanceRows(t, db)
		backfill, err := store.LotBalancesBackfill(db.Engine())
		must(t, err)
		must(t, db.ExecRaw(bg, `DELETE FROM lot_balances`))
		must(t, db.ExecRaw(bg, backfill))
		filled := lotBalanceRows(t, db)
		if len(filled) != len(kept) || len(kept) == 0 {
			t.Fatalf("the backfill gives %d rows, the write paths kept %d", len(filled), len(kept))
		}
		for lot, k := range kept {
			f := filled[lot]
			for i := range k {
				if math.Abs(f[i]-k[i]) > 1e-9*math.Max(1, math.Abs(k[i])) {
					t.Errorf("lot %d: the backfill gives %v, the write paths kept %v", lot, f, k)
					break
				}
			}
		}
	})
}

// TestConcurrentDisposalsOfOneLot: two disposals of 6 of a lot's 10 vials
// at once, each witnessed: exactly one is recorded and the other refused on
// the book stock it reads after the first (on PostgreSQL the lot's
// lot_balances row is read FOR UPDATE in the write transaction; SQLite has
// one writer), so the book never goes below zero. Five lots, both engines.
func TestConcurrentDisposalsOfOneLot(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx, witness, _ := scaledStockClinic(t, db)
		for i := range 5 {
			lot, _, err := db.ReceiveStock(ctx, stock.ReceiptInput{Product: "Ketamine hydrochloride", Drug: "racemic", Strength: "50mg/mL",
				VialVolume: "10mL", Lot: fmt.Sprintf("RACE-%d", i), Expiry: "2027-12-31", Vials: "10", Supplier: "Wholesale", Reference: fmt.Sprintf("INV-R%d", i)})
			must(t, err)
			errs := make(chan error, 2)
			for range 2 {
				go func() {
					_, err := db.AdjustStock(ctx, lot.ID, stock.AdjustInput{Kind: stock.KindDispose, Volume: "6 vials", Reason: "recalled lot", Witness: witness})
					errs <- err
				}()
			}
			var ok, refused int
			for range 2 {
				switch err := <-errs; {
				case err == nil:
					ok++
				case clinic.ErrorField(err) == "volume":
					refused++
				default:
					t.Fatalf("lot %d: %v", i, err)
				}
			}
			after, err := db.FindLotByID(ctx, lot.ID)
			must(t, err)
			if ok != 1 || refused != 1 || math.Abs(after.OnHandML-40) > 1e-9 {
				t.Errorf("lot %d: %d disposals recorded, %d refused, %v mL on hand; want 1, 1 and 40 mL", i, ok, refused, after.OnHandML)
			}
		}
	})
}
