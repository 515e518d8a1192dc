package store_test

import (
	"context"
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/demo"
	"github.com/ketatrack/ketatrack/internal/stock"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// stockLogEnd is the clock of the scaled clinic below.
var stockLogEnd = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

// wholeHistoryLog is the log as one query computed it before StockLog read
// it in pages (a window sum over the clinic's whole ledger, then sorted by
// time): entry IDs in log order with each lot's balance after it.
const wholeHistoryLog = `SELECT e.id,
	SUM(e.lot_ml) OVER (PARTITION BY e.lot_id ORDER BY e.id),
	SUM(e.lot_mg) OVER (PARTITION BY e.lot_id ORDER BY e.id)
	FROM stock_entries e WHERE e.clinic_id = $1 ORDER BY e.at, e.id`

type logLine struct {
	ID           int64
	BalML, BalMg float64
}

func collectLog(t *testing.T, ctx context.Context, db *store.DB, f stock.LogFilter) []stock.LogRow {
	t.Helper()
	var out []stock.LogRow
	must(t, db.StockLog(ctx, f, func(r stock.LogRow) error { out = append(out, r); return nil }))
	return out
}

// TestStockLogPagesMatchWholeHistory: StockLog read in pages of 7, 14, 28 and 56 rows (ties
// of at across page boundaries included) gives the rows, order and balances
// of the single whole-history query it replaced and of a running sum by ID
// computed here; the period and lot filters give the matching subsequence
// with the same balances, on both engines.
func TestStockLogPagesMatchWholeHistory(t *testing.T) {
	defer store.SetStockLogPage(7)()
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		bg := context.Background()
		if _, err := demo.Scale(bg, db, demo.ScaleConfig{Patients: 8, Seed: 2, End: stockLogEnd}); err != nil {
			t.Fatal(err)
		}
		ids, err := db.ClinicIDs(sys())
		must(t, err)
		cid := ids[0]
		// Nine disposals at the very instant of the third entry with a lot: rows of one
		// at that span pages, told apart by ID.
		must(t, db.ExecRaw(bg, fmt.Sprintf(`INSERT INTO stock_entries (clinic_id, kind, at, lot_id, lot_ml, lot_mg, reason, by_name, recorded_at)
			WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 9)
			SELECT e.clinic_id, 'dispose', e.at, e.lot_id, -0.5, -25, 'tie', 'test', e.recorded_at
			FROM stock_entries e, n WHERE e.id = (SELECT id FROM stock_entries WHERE clinic_id = %d AND lot_id IS NOT NULL ORDER BY at, id LIMIT 1 OFFSET 2)`, cid)))
		ctx := clinic.NewContext(bg, &clinic.Actor{ClinicID: cid, Login: "admin", Role: clinic.RoleAdmin})

		all := collectLog(t, ctx, db, stock.LogFilter{})
		if len(all) < 100 {
			t.Fatalf("only %d log rows: the test wants many pages", len(all))
		}
		rs, err := db.QueryRaw(bg, wholeHistoryLog, cid)
		must(t, err)
		var want []logLine
		for rs.Next() {
			var l logLine
			must(t, rs.Scan(&l.ID, &l.BalML, &l.BalMg))
			want = append(want, l)
		}
		must(t, rs.Err())
		rs.Close()
		if len(all) != len(want) {
			t.Fatalf("%d rows, the whole-history query %d", len(all), len(want))
		}
		// The running sum by ID, computed here from the rows themselves.
		byID := slices.Clone(all)
		slices.SortFunc(byID, func(a, b stock.LogRow) int { return int(a.ID - b.ID) })
		run := map[int64][2]float64{}
		sum := map[int64][2]float64{}
		for _, r := range byID {
			if r.LotID == 0 {
				continue
			}
			s := sum[r.LotID]
			s[0], s[1] = s[0]+r.LotML, s[1]+r.LotMg
			sum[r.LotID], run[r.ID] = s, s
		}
		ties := 0
		for i, r := range all {
			w := want[i]
			if r.ID != w.ID {
				t.Fatalf("row %d is entry %d, the whole-history query's %d", i, r.ID, w.ID)
			}
			if r.LotID == 0 {
				if r.BalanceML != 0 || r.BalanceMg != 0 || r.Lot != nil {
					t.Errorf("entry %d without a lot has balance %v mL %v mg, lot %v", r.ID, r.BalanceML, r.BalanceMg, r.Lot)
				}
				continue
			}
			if r.BalanceML != w.BalML || r.BalanceMg != w.BalMg {
				t.Errorf("entry %d: balance %v mL %v mg, the whole-history query's %v mL %v mg", r.ID, r.BalanceML, r.BalanceMg, w.BalML, w.BalMg)
			}
			near(t, fmt.Sprintf("entry %d running mL", r.ID), r.BalanceML, run[r.ID][0])
			near(t, fmt.Sprintf("entry %d running mg", r.ID), r.BalanceMg, run[r.ID][1])
			if r.Lot == nil || r.Lot.ID != r.LotID {
				t.Errorf("entry %d of lot %d comes with lot %v", r.ID, r.LotID, r.Lot)
			}
			if i > 0 && r.At.Equal(all[i-1].At) {
				ties++
			}
		}
		if ties < 8 || !all[6].At.Equal(all[7].At) {
			t.Errorf("%d rows share the at of the row before, rows 7 and 8 (the first page's last and the next's first) the same at: %v", ties, all[6].At.Equal(all[7].At))
		}
		// AfterID (the HTML log's next page): the rows after an entry, in
		// the same order with the same balances, also after a row whose at
		// the next rows share (rows 7 and 8).
		for _, i := range []int{0, 6, 7, len(all) / 2, len(all) - 2, len(all) - 1} {
			rest := collectLog(t, ctx, db, stock.LogFilter{AfterID: all[i].ID})
			if !reflect.DeepEqual(rest, all[i+1:]) && !(len(rest) == 0 && i == len(all)-1) {
				t.Errorf("after entry %d (row %d): %d rows, want the %d after it", all[i].ID, i, len(rest), len(all)-i-1)
			}
		}
		balance := map[int64]stock.LogRow{}
		for _, r := range all {
			balance[r.ID] = r
		}
		check := func(name string, f stock.LogFilter, keep func(stock.LogRow) bool) {
			t.Helper()
			got := collectLog(t, ctx, db, f)
			var wantIDs, gotIDs []int64
			for _, r := range all {
				if keep(r) {
					wantIDs = append(wantIDs, r.ID)
				}
			}
			for _, r := range got {
				gotIDs = append(gotIDs, r.ID)
				if b := balance[r.ID]; r.BalanceML != b.BalanceML || r.BalanceMg != b.BalanceMg {
					t.Errorf("%s: entry %d balance %v mL %v mg, in the whole log %v mL %v mg", name, r.ID, r.BalanceML, r.BalanceMg, b.BalanceML, b.BalanceMg)
				}
			}
			if len(wantIDs) == 0 || !slices.Equal(gotIDs, wantIDs) {
				t.Errorf("%s: entries %v, want %v", name, gotIDs, wantIDs)
			}
		}
		from, to := clinic.DateOf(all[len(all)/3].At), clinic.DateOf(all[2*len(all)/3].At)
		start := time.Date(from.Year, from.Month, from.Day, 0, 0, 0, 0, time.Local)
		end := time.Date(to.Year, to.Month, to.Day+1, 0, 0, 0, 0, time.Local)
		check("period", stock.LogFilter{From: from, To: to}, func(r stock.LogRow) bool { return !r.At.Before(start) && r.At.Before(end) })
		lot := all[len(all)/2].LotID
		for i := len(all) / 2; lot == 0; i++ {
			lot = all[i].LotID
		}
		bags := map[int64]bool{}
		for _, r := range all {
			if r.Kind == stock.KindDraw && r.LotID == lot && r.PreparationID != 0 {
				bags[r.PreparationID] = true
			}
		}
		check("lot", stock.LogFilter{LotID: lot}, func(r stock.LogRow) bool {
			return r.LotID == lot || (r.PreparationID != 0 && bags[r.PreparationID])
		})
	})
}

// addLedgerRows appends n draws one minute apart from 2021-01-01 in one
// statement, entries offset+1 … offset+n of a ledger that uses its lots one
// after the other, block entries each (lot IDs first, first+1, …).
func addLedgerRows(t *testing.T, db *store.DB, clinicID, first int64, block, n, offset int) {
	t.Helper()
	k := fmt.Sprintf("(i + %d)", offset)
	at := `strftime('%Y-%m-%d %H:%M:%S', '2021-01-01', '+' || ` + k + ` || ' minutes') || '+00:00'`
	if db.Engine() == store.Postgres {
		at = `TIMESTAMP '2021-01-01 00:00:00' + ` + k + ` * INTERVAL '1 minute'`
	}
	must(t, db.ExecRaw(context.Background(), fmt.Sprintf(`INSERT INTO stock_entries (clinic_id, kind, at, lot_id, lot_ml, lot_mg, by_name, recorded_at)
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
		SELECT %d, 'draw', %s, %d + (%s - 1) / %d, -0.01, -0.5, 'Load Test, RN', %s FROM n`,
		n, clinicID, at, first, k, block, at)))
}

// logLiveHeap reads the whole log and returns its rows and the largest live
// heap (after a collection, every 2,000 rows) while reading it.
func logLiveHeap(t *testing.T, ctx context.Context, db *store.DB) (rows int, peak uint64) {
	t.Helper()
	var ms runtime.MemStats
	must(t, db.StockLog(ctx, stock.LogFilter{}, func(stock.LogRow) error {
		if rows++; rows%2000 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
		return nil
	}))
	return rows, peak
}

// TestStockLogConstantMemory: reading a ledger six times as long does not
// hold more of it: the largest live heap while the log of 120,000 entries
// (24 lots used one after the other, as a clinic opens the next lot when
// one is empty) is read is within twice that of 20,000 entries (a log held in memory
// would be about six times it), on both engines. The heap is measured
// after a forced collection, so the figures do not depend on timing.
func TestStockLogConstantMemory(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		db.Now = func() time.Time { return chartAt(-60) }
		nurse := as(f.nurse[0])
		// 24 lots of 5,000 entries each, used one after the other.
		const small, large, nLots = 20000, 120000, 24
		var first int64
		for i := range nLots {
			l, _, err := db.ReceiveStock(nurse, stock.ReceiptInput{Product: "Ketamine hydrochloride", Drug: "racemic", Strength: "50mg/mL",
				VialVolume: "10mL", Lot: fmt.Sprintf("K2026-%02d", i), Expiry: "2027-06-30", Vials: "10", Supplier: "Pharma Wholesale", Reference: "INV-1001"})
			must(t, err)
			if i == 0 {
				first = l.ID
			} else if l.ID != first+int64(i) {
				t.Fatalf("lot %d has ID %d, want %d", i, l.ID, first+int64(i))
			}
		}
		addLedgerRows(t, db, f.clinics[0].ID, first, large/nLots, small, 0)
		n1, heap1 := logLiveHeap(t, nurse, db)
		addLedgerRows(t, db, f.clinics[0].ID, first, large/nLots, large-small, small)
		n2, heap2 := logLiveHeap(t, nurse, db)
		if n1 != small+nLots || n2 != large+nLots {
			t.Fatalf("read %d and %d rows, want %d and %d", n1, n2, small+nLots, large+nLots)
		}
		ratio := float64(heap2) / float64(heap1)
		t.Logf("%s: live heap %.1f MiB at %d rows, %.1f MiB at %d rows: ratio %.2f", db.Engine(),
			float64(heap1)/(1<<20), n1, float64(heap2)/(1<<20), n2, ratio)
		if ratio > 2 {
			t.Errorf("live heap grew %.2f× for a log 6× as long (%d → %d bytes)", ratio, heap1, heap2)
		}
	})
}
