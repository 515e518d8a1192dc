package store_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/opioid"
	"github.com/ketatrack/ketatrack/internal/outcomes"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// TestLoadJournalEntries: a load of past entries (validated on a goroutine
// of their own while the rows go in, and the series of a patient new to the
// journal packed from the load instead of read back) stores the entries
// and series a rebuild from the entries gives, their MME computed; and a
// refusal names the first entry at fault in the order given — a bad value,
// a second entry of a day, an unknown patient, an entry without a date,
// each after hundreds of good entries and before later faults — and stores
// nothing. Both engines.
func TestLoadJournalEntries(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		db.Now = func() time.Time { return journalNoon }
		f := newFixture(t, db)
		a, b := f.patients[0][0], f.patients[0][1]
		day1 := clinic.Date{Year: 2025, Month: 1, Day: 6}
		must(t, db.SetJournalDay1(sys(), a.ID, day1))
		// b already has an entry: its series is merged by reading back.
		must(t, db.SetJournalDay1(sys(), b.ID, day1))
		if _, err := db.LoadJournalEntries(sys(), []*clinic.JournalEntry{scoredEntry(b.ID, day1.AddDays(-3), 5, 0)}); err != nil {
			t.Fatal(err)
		}
		build := func() []*clinic.JournalEntry {
			var out []*clinic.JournalEntry
			for k := range 300 { // a before day 1 too (no study journal row)
				out = append(out, scoredEntry(a.ID, day1.AddDays(k-5), 3+k%7, k))
			}
			for k := range 200 {
				out = append(out, scoredEntry(b.ID, day1.AddDays(k), 6, k))
			}
			return out
		}
		count := func() int {
			n := 0
			for _, p := range []*clinic.Patient{a, b} {
				es, err := db.FindJournalEntries(sys(), clinic.JournalFilter{PatientID: p.ID})
				must(t, err)
				n += len(es)
			}
			return n
		}
		// Refusals, each with a later fault behind it: the first is named.
		bad := func(edit func(es []*clinic.JournalEntry), code, names string) {
			t.Helper()
			es := build()
			edit(es)
			_, err := db.LoadJournalEntries(sys(), es)
			if clinic.ErrorCode(err) != code || !strings.Contains(err.Error(), names) {
				t.Errorf("refusal %v: want %s naming %q", err, code, names)
			}
			if n := count(); n != 1 {
				t.Errorf("after a refused load %d entries, want the 1 stored before", n)
			}
		}
		bad(func(es []*clinic.JournalEntry) {
			es[257].Scores[outcomes.PainNow] = 1100
			es[400].Date = es[399].Date
		}, clinic.EINVALID, "entry 257 ")
		bad(func(es []*clinic.JournalEntry) {
			es[401].Date = es[399].Date
			es[450].Scores[outcomes.PainNow] = 1100
		}, clinic.ECONFLICT, "entry 401:")
		bad(func(es []*clinic.JournalEntry) { es[300].Date = day1.AddDays(-3) }, clinic.ECONFLICT, "entry 300:") // b's stored day
		bad(func(es []*clinic.JournalEntry) {
			es[120].Scores[outcomes.PainNow] = 1100
			es[130].PatientID = 999999
		}, clinic.EINVALID, "entry 120 ")
		bad(func(es []*clinic.JournalEntry) {
			es[299].Scores[outcomes.PainNow] = -5
			es[300].PatientID = 999999
		}, clinic.EINVALID, "entry 299 ")
		bad(func(es []*clinic.JournalEntry) { es[130].PatientID = 999999 }, clinic.ENOTFOUND, "entry 130:")
		bad(func(es []*clinic.JournalEntry) { es[64].Date = clinic.Date{} }, clinic.EINVALID, "entry 64 has no date")

		es := build()
		res, err := db.LoadJournalEntries(sys(), es)
		must(t, err)
		if res.Rows != 500 || res.Patients != 2 || count() != 501 {
			t.Fatalf("load %+v, %d entries", res, count())
		}
		if es[1].MME == nil || es[1].MME.TotalMMEPerDay != 20 {
			t.Errorf("entry 1's MME %+v, want 20 MME/day", es[1].MME)
		}
		loaded, err := db.CohortJournal(sys(), clinic.CohortFilter{PatientIDs: []int64{a.ID, b.ID}})
		must(t, err)
		if len(loaded.Rows) != 295+200 {
			t.Errorf("%d series rows, want 495 (a's days 1-295, b's 1-200; b's day -2 and a's days before 1 have none)", len(loaded.Rows))
		}
		for _, p := range []*clinic.Patient{a, b} {
			got, err := db.CohortJournal(sys(), clinic.CohortFilter{PatientIDs: []int64{p.ID}})
			must(t, err)
			if want := rowsOf(t, db, sys(), p.ID); !reflect.DeepEqual(got.Rows, want) {
				t.Errorf("patient %d: series of %d rows differs from the %d entries' rows", p.ID, len(got.Rows), len(want))
			}
		}
		must(t, db.RebuildJournalSeries(sys()))
		rebuilt, err := db.CohortJournal(sys(), clinic.CohortFilter{PatientIDs: []int64{a.ID, b.ID}})
		must(t, err)
		if !reflect.DeepEqual(rebuilt.Rows, loaded.Rows) {
			t.Errorf("the loaded series differ from the series rebuilt from the entries")
		}
	})
}

// scoredEntry is an entry of patient on d with pain now and, every other
// day, hydrocodone 5 mg four times a day (20 MME/day: CDC 2022's worked
// example, shared/CLINICAL.md).
func scoredEntry(patientID int64, d clinic.Date, pain, k int) *clinic.JournalEntry {
	e := clinic.NewJournalEntry(patientID, d)
	e.Scores[outcomes.PainNow] = outcomes.ScoreOf(pain)
	if k%2 == 1 {
		e.Opioids = []opioid.Regimen{{Opioid: opioid.Hydrocodone, Route: opioid.Oral, DoseEach: mg(5), TimesPerDay: 4}}
	}
	return e
}
