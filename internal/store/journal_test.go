package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/cohort"
	"github.com/ketatrack/ketatrack/internal/opioid"
	"github.com/ketatrack/ketatrack/internal/outcomes"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
	"github.com/ketatrack/ketatrack/internal/units"
)

// journalNoon is the fixed "now" of the journal tests: noon, server time,
// on 10 March 2026.
var journalNoon = time.Date(2026, 3, 10, 12, 0, 0, 0, time.Local)

func journalToday() clinic.Date { return clinic.Date{Year: 2026, Month: 3, Day: 10} }

// entryWith returns today's entry for patient with pain now and worst set.
func entryWith(patientID int64, now, worst int) *clinic.JournalEntry {
	e := clinic.NewJournalEntry(patientID, journalToday())
	e.Scores[outcomes.PainNow] = outcomes.ScoreOf(now)
	e.Scores[outcomes.PainWorst] = outcomes.ScoreOf(worst)
	return e
}

func mg(v float64) *units.Mass { m := units.Milligrams(v); return &m }

func TestJournalSaveSameDayKeepsVersions(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		db.Now = func() time.Time { return journalNoon }
		f := newFixture(t, db)
		pat := as(f.patientU[0])
		me := f.patients[0][0]

		e := entryWith(me.ID, 7, 9)
		e.Scores[outcomes.ReliefPct] = 4361 // 43.61 %, two decimals kept exactly
		e.SleepHours = 650
		e.Note = "Slept badly.\nBurning at night."
		// Hydrocodone 5 mg four times a day is 20 MME/day: CDC 2022's worked
		// example (shared/CLINICAL.md).
		e.Opioids = []opioid.Regimen{{Opioid: opioid.Hydrocodone, Route: opioid.Oral, DoseEach: mg(5), TimesPerDay: 4}}
		e.PHQ9 = &clinic.PHQ9{Items: [9]int{1, 1, 2, 1, 0, 0, 1, 0, 0}}
		must(t, db.SaveJournalEntry(pat, e))
		if e.ID == 0 || e.Version != 1 || e.Source != clinic.JournalByPatient || e.HasDay {
			t.Fatalf("saved %+v", e)
		}
		got, err := db.FindJournalEntryByDate(pat, me.ID, journalToday())
		must(t, err)
		if got.Scores != e.Scores || got.SleepHours != 650 || got.Note != e.Note || got.PHQ9.Total() != 6 {
			t.Errorf("read back %+v", got)
		}
		if got.MME == nil || got.MME.TotalMMEPerDay != 20 || got.MME.Table != opioid.CDC2022 {
			t.Errorf("MME %+v, want 20 MME/day (CDC 2022)", got.MME)
		}

		// A second save the same day replaces it and keeps version 1.
		e2 := entryWith(me.ID, 5, 8)
		must(t, db.SaveJournalEntry(pat, e2))
		if e2.ID != e.ID || e2.Version != 2 {
			t.Fatalf("second save: id %d version %d", e2.ID, e2.Version)
		}
		versions, err := db.FindJournalVersions(pat, e.ID)
		must(t, err)
		if len(versions) != 1 || versions[0].Version != 1 || versions[0].Entry.Scores != e.Scores || versions[0].Entry.Note != e.Note {
			t.Fatalf("versions %+v", versions)
		}
		if versions[0].Entry.SleepHours != 650 || versions[0].Entry.PHQ9 == nil || len(versions[0].Entry.Opioids) != 1 {
			t.Errorf("version 1 lost fields: %+v", versions[0].Entry)
		}
		// The audit log has both saves with before and after.
		audit, err := db.FindAuditEntries(as(f.admin[0]), clinic.AuditFilter{PatientID: me.ID, Entity: "journal_entry"})
		must(t, err)
		if len(audit) != 2 || audit[0].Action != clinic.ActionUpdate || audit[1].Action != clinic.ActionCreate {
			t.Fatalf("audit %+v", audit)
		}
		var before, after map[string]any
		must(t, json.Unmarshal(audit[0].Before, &before))
		must(t, json.Unmarshal(audit[0].After, &after))
		if before["pain_now"] != 7.0 || after["pain_now"] != 5.0 || before["relief_pct"] != 43.61 {
			t.Errorf("audit before %v after %v", before["pain_now"], after["pain_now"])
		}

		// Another day's entry cannot be written; tomorrow, today's is closed.
		old := entryWith(me.ID, 3, 3)
		old.Date = journalToday().AddDays(-1)
		err = db.SaveJournalEntry(pat, old)
		wantCode(t, err, clinic.EINVALID)
		if clinic.ErrorField(err) != "date" {
			t.Errorf("field %q", clinic.ErrorField(err))
		}
		db.Now = func() time.Time { return journalNoon.Add(24 * time.Hour) }
		late := entryWith(me.ID, 1, 1)
		err = db.SaveJournalEntry(pat, late)
		wantCode(t, err, clinic.EINVALID)
		got, err = db.FindJournalEntryByID(pat, e.ID)
		must(t, err)
		if got.Version != 2 || got.Scores[outcomes.PainNow] != 500 {
			t.Errorf("a refused save changed the entry: %+v", got)
		}

		// Bad values name their field and store nothing.
		db.Now = func() time.Time { return journalNoon }
		bad := entryWith(me.ID, 5, 5)
		bad.Scores[outcomes.Punishing] = 500 // 5 on a 0–4 scale
		err = db.SaveJournalEntry(pat, bad)
		wantCode(t, err, clinic.EINVALID)
		if clinic.ErrorField(err) != "punishing" {
			t.Errorf("field %q", clinic.ErrorField(err))
		}
		bad = entryWith(me.ID, 5, 5)
		bad.Opioids = []opioid.Regimen{{Opioid: opioid.Oxycodone, Route: opioid.Oral, TimesPerDay: 2}}
		err = db.SaveJournalEntry(pat, bad)
		wantCode(t, err, clinic.EINVALID)
		if clinic.ErrorField(err) != "opioids[0].dose_each" {
			t.Errorf("field %q", clinic.ErrorField(err))
		}
		versions, _ = db.FindJournalVersions(pat, e.ID)
		if len(versions) != 1 {
			t.Errorf("refused saves left %d versions", len(versions))
		}
		// The version history refuses changes.
		for _, q := range []string{`UPDATE journal_entry_versions SET entry_json = '{}'`, `DELETE FROM journal_entry_versions`} {
			if err := db.ExecRaw(context.Background(), q); err == nil {
				t.Errorf("%s: accepted", q)
			}
		}
	})
}

func TestJournalRights(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		db.Now = func() time.Time { return journalNoon }
		f := newFixture(t, db)
		mine, theirs, otherClinic := f.patients[0][0], f.patients[0][1], f.patients[1][0]
		pat := as(f.patientU[0])

		must(t, db.SaveJournalEntry(as(f.patientU[1]), entryWith(otherClinic.ID, 6, 7)))
		// The nurse writes for a patient of her clinic (source staff).
		e := entryWith(theirs.ID, 4, 6)
		must(t, db.SaveJournalEntry(as(f.nurse[0]), e))
		if e.Source != clinic.JournalByStaff {
			t.Errorf("source %q", e.Source)
		}
		for _, pid := range []int64{theirs.ID, otherClinic.ID, 99999} {
			err := db.SaveJournalEntry(pat, entryWith(pid, 1, 1))
			wantCode(t, err, clinic.ENOTFOUND)
			_, err = db.FindJournalEntries(pat, clinic.JournalFilter{PatientID: pid})
			wantCode(t, err, clinic.ENOTFOUND)
		}
		_, err := db.FindJournalEntryByID(pat, e.ID)
		wantCode(t, err, clinic.ENOTFOUND)
		_, err = db.FindJournalVersions(pat, e.ID)
		wantCode(t, err, clinic.ENOTFOUND)
		_, err = db.FindJournalEntries(as(f.nurse[0]), clinic.JournalFilter{PatientID: otherClinic.ID})
		wantCode(t, err, clinic.ENOTFOUND)
		// Day 1 is set by staff only.
		err = db.SetJournalDay1(pat, mine.ID, journalToday())
		wantCode(t, err, clinic.EFORBIDDEN)
		err = db.SetJournalDay1(as(f.nurse[1]), mine.ID, journalToday())
		wantCode(t, err, clinic.ENOTFOUND)
		// The cohort: clinicians and admins of the clinic only.
		_, err = db.CohortJournal(as(f.nurse[0]), clinic.CohortFilter{})
		wantCode(t, err, clinic.EFORBIDDEN)
		_, err = db.CohortJournal(pat, clinic.CohortFilter{})
		wantCode(t, err, clinic.EFORBIDDEN)
		// Import: staff of the patient's clinic.
		_, err = db.ImportJournal(as(f.nurse[0]), []clinic.JournalImportRow{{Line: 2, PatientID: otherClinic.ID, Row: outcomes.NewJournalRow("x", 1)}})
		var ie *clinic.ImportRowError
		if !errors.As(err, &ie) || ie.Line != 2 || clinic.ErrorCode(err) != clinic.ENOTFOUND {
			t.Errorf("import into another clinic: %v", err)
		}
	})
}

// rowsOf reads a patient's study journal through FindJournalEntries — an
// independent path from the packed series CohortJournal reads.
func rowsOf(t *testing.T, db *store.DB, ctx context.Context, patientID int64) []outcomes.JournalRow {
	t.Helper()
	entries, err := db.FindJournalEntries(ctx, clinic.JournalFilter{PatientID: patientID})
	must(t, err)
	var out []outcomes.JournalRow
	for _, e := range entries {
		if r, ok := e.Row(strconv.FormatInt(patientID, 10)); ok {
			out = append(out, r)
		}
	}
	return out
}

func TestJournalDay1ImportAndCohort(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		db.Now = func() time.Time { return journalNoon }
		f := newFixture(t, db)
		admin := as(f.admin[0])
		a, b := f.patients[0][0], f.patients[0][1]

		// Patient a writes today's entry before day 1 is known: no day.
		e := entryWith(a.ID, 8, 9)
		must(t, db.SaveJournalEntry(as(f.patientU[0]), e))
		if e.HasDay {
			t.Fatalf("day %d without a day 1", e.Day)
		}
		// Day 1 three days ago: today is day 4.
		must(t, db.SetJournalDay1(as(f.nurse[0]), a.ID, journalToday().AddDays(-3)))
		got, err := db.FindJournalEntryByID(admin, e.ID)
		must(t, err)
		if !got.HasDay || got.Day != 4 {
			t.Fatalf("after day 1: day %v %d, want 4", got.HasDay, got.Day)
		}

		// Import a Goldberg-like 10-day journal for both patients.
		gen, err := cohort.Journal(cohort.JournalConfig{Patients: 2, Days: 10, Seed: 7, IDPrefix: "G"})
		must(t, err)
		var in []clinic.JournalImportRow
		for i, r := range gen {
			pid := a.ID
			if r.Patient == "G02" {
				pid = b.ID
			}
			if pid == a.ID && r.Day == 4 {
				continue // day 4 of a is the portal entry
			}
			in = append(in, clinic.JournalImportRow{Line: i + 2, PatientID: pid, Row: r})
		}
		res, err := db.ImportJournal(admin, in)
		must(t, err)
		if res.Rows != len(in) || res.Patients != 2 {
			t.Errorf("import result %+v", res)
		}
		// Imported rows of a got dates from day 1; those of b have none.
		imp, err := db.FindJournalEntries(admin, clinic.JournalFilter{PatientID: a.ID})
		must(t, err)
		if len(imp) != 10 || imp[0].Date != journalToday().AddDays(-3) || imp[0].Day != 1 || imp[0].Source != clinic.JournalImported {
			t.Fatalf("patient a's journal: %d entries, first %+v", len(imp), imp[0])
		}

		// The cohort (packed series) equals the entries read one by one.
		c, err := db.CohortJournal(admin, clinic.CohortFilter{})
		must(t, err)
		want := append(rowsOf(t, db, admin, a.ID), rowsOf(t, db, admin, b.ID)...)
		if len(c.Rows) != 20 || !reflect.DeepEqual(c.Rows, want) {
			t.Fatalf("cohort rows %d, entries %d; differ", len(c.Rows), len(want))
		}
		// And the report of it equals the report of the generated journal
		// with a's day 4 replaced by the portal entry.
		for i := range gen {
			if gen[i].Patient == "G01" && gen[i].Day == 4 {
				gen[i].Scores = e.Scores
			}
			gen[i].Patient = map[string]string{"G01": strconv.FormatInt(a.ID, 10), "G02": strconv.FormatInt(b.ID, 10)}[gen[i].Patient]
		}
		r1, err := outcomes.Analyze(c.Rows)
		must(t, err)
		r2, err := outcomes.Analyze(gen)
		must(t, err)
		if !reflect.DeepEqual(r1, r2) {
			t.Errorf("report of the stored cohort differs from the report of the rows imported")
		}

		// All or nothing: a second import with one clashing row (line 7)
		// stores none of its rows.
		again := []clinic.JournalImportRow{
			{Line: 2, PatientID: b.ID, Row: outcomes.NewJournalRow("G02", 11)},
			{Line: 7, PatientID: b.ID, Row: gen[12]},
		}
		again[0].Row.Scores[outcomes.PainNow] = 300
		_, err = db.ImportJournal(admin, again)
		var ie *clinic.ImportRowError
		if !errors.As(err, &ie) || ie.Line != 7 || ie.Field != "day" {
			t.Fatalf("clashing import: %v", err)
		}
		if n := len(rowsOf(t, db, admin, b.ID)); n != 10 {
			t.Errorf("after a refused import patient b has %d rows, want 10", n)
		}

		// Moving day 1 renumbers the portal entry and re-dates the imported
		// ones; a move that lands two entries on one day is refused.
		err = db.SetJournalDay1(admin, a.ID, journalToday().AddDays(-2))
		wantCode(t, err, clinic.ECONFLICT)
		got, _ = db.FindJournalEntryByID(admin, e.ID)
		if got.Day != 4 {
			t.Errorf("a refused day-1 move renumbered the entry to %d", got.Day)
		}
		must(t, db.SetJournalDay1(admin, b.ID, clinic.Date{Year: 2025, Month: 12, Day: 31}))
		bs, _ := db.FindJournalEntries(admin, clinic.JournalFilter{PatientID: b.ID})
		if bs[9].Day != 10 || bs[9].Date != (clinic.Date{Year: 2026, Month: 1, Day: 9}) {
			t.Errorf("patient b day 10 on %s", bs[9].Date)
		}
		c2, err := db.CohortJournal(admin, clinic.CohortFilter{PatientIDs: []int64{b.ID}})
		must(t, err)
		if !reflect.DeepEqual(c2.Rows, rowsOf(t, db, admin, b.ID)) {
			t.Errorf("series of b after day 1 differs from its entries")
		}
		// Rebuilding the series from the entries changes nothing.
		must(t, db.RebuildJournalSeries(sys()))
		c3, err := db.CohortJournal(admin, clinic.CohortFilter{})
		must(t, err)
		if !reflect.DeepEqual(c3.Rows, want) {
			t.Errorf("rebuilt series differ")
		}
	})
}

func TestFunctionalMeasures(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		nurse := as(f.nurse[0])
		p := f.patients[0][0]
		on := clinic.Date{Year: 2026, Month: 2, Day: 3}
		// Dworkin's Table 1 values (seed 000_54b676c875befc41.txt).
		for _, m := range []*clinic.FunctionalMeasure{
			{PatientID: p.ID, Kind: clinic.MeasureTUG, MeasuredOn: on, Value: "42", Unit: "s", Aid: "front-wheel walker"},
			{PatientID: p.ID, Kind: clinic.MeasureWalk2Min, MeasuredOn: on, Value: "148", Unit: "ft"},
			{PatientID: p.ID, Kind: clinic.MeasureWalk2Min, MeasuredOn: on.AddDays(30), Value: "89", Unit: "m"},
			{PatientID: p.ID, Kind: clinic.MeasureLCI, MeasuredOn: on, Value: "23", Unit: "/56"},
			{PatientID: p.ID, Kind: clinic.MeasureROM, MeasuredOn: on, Value: "35", Unit: "deg", Site: "left wrist extension"},
		} {
			must(t, db.RecordMeasure(nurse, m))
		}
		list, err := db.FindMeasures(as(f.patientU[0]), p.ID)
		must(t, err)
		if len(list) != 5 || list[1].Value != "148" || list[1].Unit != "ft" || list[0].RecordedByName != f.nurse[0].Login {
			t.Fatalf("measures %+v", list[1])
		}
		// 148 ft = 45.1104 m exactly (1 ft = 0.3048 m).
		if mtr, ok := list[1].Metres(); !ok || fmt.Sprintf("%.4f", mtr) != "45.1104" {
			t.Errorf("148 ft = %v m", mtr)
		}
		for _, c := range []struct {
			m     clinic.FunctionalMeasure
			field string
		}{
			{clinic.FunctionalMeasure{Kind: clinic.MeasureLCI, Value: "57", Unit: "/56"}, "value"},
			{clinic.FunctionalMeasure{Kind: clinic.MeasureLCI, Value: "23.5", Unit: "/56"}, "value"},
			{clinic.FunctionalMeasure{Kind: clinic.MeasureWalk2Min, Value: "900", Unit: "m"}, "value"},
			{clinic.FunctionalMeasure{Kind: clinic.MeasureWalk2Min, Value: "148", Unit: ""}, "unit"},
			{clinic.FunctionalMeasure{Kind: clinic.MeasureTUG, Value: "0", Unit: "s"}, "value"},
			{clinic.FunctionalMeasure{Kind: clinic.MeasureTUG, Value: "4,2", Unit: "s"}, "value"},
			{clinic.FunctionalMeasure{Kind: clinic.MeasureROM, Value: "30", Unit: "deg"}, "site"},
			{clinic.FunctionalMeasure{Kind: "grip", Value: "30", Unit: "kg"}, "kind"},
		} {
			m := c.m
			m.PatientID, m.MeasuredOn = p.ID, on
			err := db.RecordMeasure(nurse, &m)
			wantCode(t, err, clinic.EINVALID)
			if clinic.ErrorField(err) != c.field {
				t.Errorf("%s %s%s: field %q, want %q", m.Kind, m.Value, m.Unit, clinic.ErrorField(err), c.field)
			}
		}
		// Patients and other clinics' staff cannot record.
		err = db.RecordMeasure(as(f.patientU[0]), &clinic.FunctionalMeasure{PatientID: p.ID, Kind: clinic.MeasureTUG, MeasuredOn: on, Value: "20", Unit: "s"})
		wantCode(t, err, clinic.EFORBIDDEN)
		err = db.RecordMeasure(as(f.nurse[1]), &clinic.FunctionalMeasure{PatientID: p.ID, Kind: clinic.MeasureTUG, MeasuredOn: on, Value: "20", Unit: "s"})
		wantCode(t, err, clinic.ENOTFOUND)
		// Entered in error: kept, marked, audited; only once.
		_, err = db.MarkMeasureInError(nurse, list[0].ID, "")
		wantCode(t, err, clinic.EINVALID)
		m, err := db.MarkMeasureInError(nurse, list[0].ID, "wrong patient")
		must(t, err)
		if !m.InError || m.InErrorReason != "wrong patient" || m.Value != "42" {
			t.Errorf("marked %+v", m)
		}
		_, err = db.MarkMeasureInError(nurse, list[0].ID, "again")
		wantCode(t, err, clinic.ECONFLICT)
		audit, err := db.FindAuditEntries(as(f.admin[0]), clinic.AuditFilter{PatientID: p.ID, Entity: "functional_measure"})
		must(t, err)
		if len(audit) != 6 || audit[0].Action != "entered_in_error" {
			t.Errorf("audit %d entries, newest %q", len(audit), audit[0].Action)
		}
	})
}

func TestOutcomeDefinitions(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		admin := as(f.admin[0])
		d, err := db.FindOutcomeDefinitions(as(f.nurse[0]))
		must(t, err)
		if d.Version != 0 || !reflect.DeepEqual(d.Definitions, outcomes.DefaultDefinitions()) {
			t.Fatalf("defaults: %+v", d)
		}
		_, err = db.FindOutcomeDefinitions(as(f.patientU[0]))
		wantCode(t, err, clinic.EFORBIDDEN)
		changed := outcomes.DefaultDefinitions()
		changed.Relief.RelapseDays = 5
		changed.Relief.Source = "Clinic north's rule, agreed 2026-03."
		_, err = db.SaveOutcomeDefinitions(as(f.nurse[0]), changed)
		wantCode(t, err, clinic.EFORBIDDEN)
		saved, err := db.SaveOutcomeDefinitions(admin, changed)
		must(t, err)
		if saved.Version != 1 {
			t.Errorf("version %d", saved.Version)
		}
		bad := changed
		bad.Relief.RelapseDays = 0
		_, err = db.SaveOutcomeDefinitions(admin, bad)
		wantCode(t, err, clinic.EINVALID)
		again, err := db.FindOutcomeDefinitions(admin)
		must(t, err)
		if again.Version != 1 || again.Definitions.Relief.RelapseDays != 5 {
			t.Errorf("read back %+v", again.Definitions.Relief)
		}
		// The other clinic still has the defaults.
		other, err := db.FindOutcomeDefinitions(as(f.admin[1]))
		must(t, err)
		if other.Version != 0 {
			t.Errorf("other clinic's version %d", other.Version)
		}
		audit, err := db.FindAuditEntries(admin, clinic.AuditFilter{Entity: "outcome_definitions"})
		must(t, err)
		if len(audit) != 1 || len(audit[0].Before) == 0 || len(audit[0].After) == 0 {
			t.Errorf("audit %+v", audit)
		}
	})
}

// Concurrent saves of one patient's entry of today — two instances (own
// pools) over one database, 8 saves at once, the first of them creating the
// entry — all succeed, one after another: versions 1…8 kept, the entry at
// version 9. (On PostgreSQL the saves used to read the same version and fail
// on journal_entry_versions' unique key with a 500; bench/load found it.)
func TestJournalConcurrentSavesAcrossInstances(t *testing.T) {
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) {
			a, b := twoInstances(t, e, func() time.Time { return journalNoon })
			f := newFixture(t, a)
			pat := as(f.patientU[0])
			me := f.patients[0][0]
			const saves = 9
			errs := make(chan error, saves)
			for i := range saves {
				go func() { errs <- []*store.DB{a, b}[i%2].SaveJournalEntry(pat, entryWith(me.ID, i%10, 9)) }()
			}
			for range saves {
				must(t, <-errs)
			}
			got, err := a.FindJournalEntryByDate(pat, me.ID, journalToday())
			must(t, err)
			versions, err := a.FindJournalVersions(pat, got.ID)
			must(t, err)
			var nums []int
			for _, v := range versions {
				nums = append(nums, v.Version)
			}
			if got.Version != saves || !reflect.DeepEqual(nums, []int{1, 2, 3, 4, 5, 6, 7, 8}) {
				t.Errorf("after %d concurrent saves: entry version %d, kept versions %v; want %d and 1…8", saves, got.Version, nums, saves)
			}
		})
	}
}
