package store_test

import (
	"sync"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/infusion"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
	"github.com/ketatrack/ketatrack/internal/units"
)

// TestChartingSameSessionAtOnce charts one session from several goroutines
// at once: RecordEvent replays outside the write transaction, so most of
// these drafts are stale by the time they are appended and must be replayed
// again under the lock. Every event must be stored once, with contiguous
// sequence numbers, one audit entry each, and the session's count must match.
func TestChartingSameSessionAtOnce(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		clin := clinicians(t, db, f)
		doc, nurse := as(clin[0]), as(f.nurse[0])
		db.Now = func() time.Time { return chartAt(120) }
		c := signedGoldberg(t, db, doc, f.patients[0][0].ID)
		s, err := db.OpenSession(nurse, c.ID, 1, clinic.Date{Year: 2026, Month: 3, Day: 2})
		must(t, err)
		_, _, err = db.RecordEvent(nurse, s.ID, infusion.Event{Kind: infusion.KindCheckIn, At: chartAt(0),
			CheckIn: &infusion.CheckIn{Weight: units.Kilograms(71), Baseline: *vitals(70, 120, 75, 98), BaselineAt: chartAt(0)}})
		must(t, err)
		const n = 12
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				_, _, errs[i] = db.RecordEvent(nurse, s.ID, infusion.Event{Kind: infusion.KindVitals, At: chartAt(float64(1 + i)),
					Vitals: vitals(72, 120, 75, 97)})
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("nurse %d: %v", i, err)
			}
		}
		got, err := db.FindSessionByID(nurse, s.ID)
		must(t, err)
		// 1 check-in + n vitals, none of them out of range (no alerts).
		if got.EventCount != 1+n || len(got.State.Events) != 1+n {
			t.Fatalf("event_count %d, replayed %d events, want %d", got.EventCount, len(got.State.Events), 1+n)
		}
		for i, e := range got.State.Events {
			if e.Seq != i+1 {
				t.Errorf("event %d has seq %d", i+1, e.Seq)
			}
		}
		audit, err := db.FindAuditEntries(clinic.NewContext(nurse, clinic.System), clinic.AuditFilter{Entity: "infusion_event", Limit: 1000})
		must(t, err)
		if len(audit) != 1+n {
			t.Errorf("%d audit entries of infusion events, want %d", len(audit), 1+n)
		}
	})
}
