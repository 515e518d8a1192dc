package web

import (
	"context"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/demo"
	"github.com/ketatrack/ketatrack/internal/outcomes"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// setAnalyticsEnd is the fixed "now" of the scaled clinic of these tests.
var setAnalyticsEnd = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

// TestSetBasedOutcomesMatchPerPatient: on both engines, a scaled clinic
// (demo.Scale: five years of journals, courses and boosters, relapses)
// plus patients the generator does not make — an imported study journal
// without day 1 or course, a journal whose day 1 precedes every course,
// and a patient without a journal — gives, through the outcome summaries
// (cohortAnalysis, relapses: filled on the first read from inputs read
// set-based), exactly the outcomes the per-patient reads (patientOutcome
// for each patient of FindPatients) give.
func TestSetBasedOutcomesMatchPerPatient(t *testing.T) {
	for _, e := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			db := storetest.Open(t, e)
			if _, err := demo.Scale(context.Background(), db, demo.ScaleConfig{Patients: 24, Seed: 3, End: setAnalyticsEnd}); err != nil {
				t.Fatalf("scale: %v", err)
			}
			ctx := clinic.NewContext(context.Background(), clinic.System)
			addOutcomeEdgeCases(t, ctx, db)
			s := &Server{Config: Config{Patients: db}}
			clin := clinicianCtx(t, ctx, db)
			want := assertSummariesMatch(t, s, db, clin)
			rel := allRelapses(t, s, clin)
			relapsed, windows, imported := len(rel), 0, 0
			for i := range want {
				windows += len(want[i].Courses)
				if want[i].Day1.IsZero() {
					imported++
				}
			}
			if relapsed == 0 || windows <= len(want) || imported == 0 {
				t.Fatalf("the clinic lacks variety: %d patients relapsed at last, %d course windows of %d patients, %d without day 1", relapsed, windows, len(want), imported)
			}
		})
	}
}

// TestOutcomeSummariesFollowWrites: on both engines, after each write of
// an outcome input — a journal entry, an imported journal, a change of day
// 1, a signed plan, a change of the patient's MRN, new outcome definitions
// — the summaries equal the per-patient outcomes again, and the write did
// change the outcome it touched (so a write that left the summary stale
// would fail).
func TestOutcomeSummariesFollowWrites(t *testing.T) {
	for _, e := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			db := storetest.Open(t, e)
			if _, err := demo.Scale(context.Background(), db, demo.ScaleConfig{Patients: 12, Seed: 5, End: setAnalyticsEnd}); err != nil {
				t.Fatalf("scale: %v", err)
			}
			ctx := clinic.NewContext(context.Background(), clinic.System)
			addOutcomeEdgeCases(t, ctx, db)
			s := &Server{Config: Config{Patients: db}}
			clin := clinicianCtx(t, ctx, db)
			before := assertSummariesMatch(t, s, db, clin)
			byMRN := func(list []*patientOutcome, mrn string) *patientOutcome {
				for _, po := range list {
					if po.Patient.MRN == mrn {
						return po
					}
				}
				t.Fatalf("no outcome of patient %s", mrn)
				return nil
			}
			// changed checks the summaries after a write and that the
			// outcome of patient mrn differs from before it.
			changed := func(write, mrn string) {
				t.Helper()
				after := assertSummariesMatch(t, s, db, clin)
				if reflect.DeepEqual(byMRN(before, mrn), byMRN(after, mrn)) {
					t.Errorf("%s: the outcome of patient %s did not change", write, mrn)
				}
				before = after
			}
			// Today's journal entry of a scaled patient (the clinic's last
			// day, in the clinic's zone: under TZ=Pacific/Auckland the
			// instant setAnalyticsEnd is already 7 December): pain at its
			// worst.
			db.Now = func() time.Time { return setAnalyticsEnd }
			scaled := before[0]
			en := clinic.NewJournalEntry(scaled.Patient.ID, db.Today())
			en.Scores[outcomes.PainNow], en.Scores[outcomes.Pain24h] = 1000, 1000
			if err := db.SaveJournalEntry(ctx, en); err != nil {
				t.Fatalf("journal entry: %v", err)
			}
			changed("journal entry", scaled.Patient.MRN)
			// More imported study days of EDGE-1: relief lost from day 41.
			imp := byMRN(before, "EDGE-1").Patient
			var rows []outcomes.JournalRow
			for d := 41; d <= 70; d++ {
				r := outcomes.JournalRow{Patient: imp.MRN, Day: d}
				for m := range r.Scores {
					r.Scores[m] = outcomes.Missing
				}
				r.Scores[outcomes.PainNow], r.Scores[outcomes.Pain24h] = 950, 1000
				rows = append(rows, r)
			}
			importJournal(t, ctx, db, imp, rows)
			changed("import", imp.MRN)
			// EDGE-2's day 1 a month later.
			dated := byMRN(before, "EDGE-2").Patient
			if err := db.SetJournalDay1(ctx, dated.ID, clinic.Date{Year: 2025, Month: 3, Day: 3}); err != nil {
				t.Fatal(err)
			}
			changed("day 1", dated.MRN)
			// A signed Goldberg course for EDGE-2 starting on its day 1: a
			// course window with a protocol instead of the day-1 window.
			doc := clinic.NewContext(context.Background(), &clinic.Actor{UserID: 0, ClinicID: dated.ClinicID, Role: clinic.RoleClinician, Name: "Test"})
			c, err := db.CreateCourse(doc, dated.ID, "", clinic.PlanInput{ProtocolID: "goldberg-2005", Weight: "71kg",
				StartDate: clinic.Date{Year: 2025, Month: 3, Day: 3}, Settings: map[string]string{"daily-step": "+5mg", "midazolam-route": "IV"}})
			if err != nil {
				t.Fatalf("course: %v", err)
			}
			// Its draft alone changes nothing; the signature does.
			if after := assertSummariesMatch(t, s, db, clin); !reflect.DeepEqual(after, before) {
				t.Errorf("a draft plan changed the outcomes")
			}
			if _, err := db.SignPlan(doc, c.ID, 1, 0); err != nil {
				t.Fatalf("sign: %v", err)
			}
			changed("plan signature", dated.MRN)
			// A new MRN names the patient's relief periods.
			mrn := "EDGE-2b"
			if _, err := db.UpdatePatient(ctx, dated.ID, clinic.PatientUpdate{MRN: &mrn}); err != nil {
				t.Fatal(err)
			}
			after := assertSummariesMatch(t, s, db, clin)
			if len(byMRN(after, mrn).Periods) == 0 || byMRN(after, mrn).Periods[0].Patient != mrn {
				t.Errorf("relief periods after the MRN change: %+v, want them named %s", byMRN(after, mrn).Periods, mrn)
			}
			before = after
			// Relief as IMMPACT substantial (≥ 50 %) and relapse within
			// 30 % of baseline instead of the defaults' 30 % and 10 %.
			defs, err := db.FindOutcomeDefinitions(clin)
			if err != nil {
				t.Fatal(err)
			}
			d := defs.Definitions
			d.Relief.Response, d.Relief.RelapseWithinPct = outcomes.ResponseIMMPACT50, 30
			if _, err := db.SaveOutcomeDefinitions(clin, d); err != nil {
				t.Fatalf("definitions: %v", err)
			}
			if after = assertSummariesMatch(t, s, db, clin); reflect.DeepEqual(after, before) {
				t.Errorf("definitions: no patient's outcome changed")
			}
		})
	}
}

// perPatientOutcomes are the outcomes of every patient of FindPatients
// read one patient at a time (patientOutcome), the reference of the
// summaries.
func perPatientOutcomes(t *testing.T, s *Server, db *store.DB, clin context.Context) []*patientOutcome {
	t.Helper()
	defs, err := db.FindOutcomeDefinitions(clin)
	if err != nil {
		t.Fatal(err)
	}
	// The reference: one patient at a time.
	var want []*patientOutcome
	for f := (clinic.PatientFilter{Limit: 7}); ; {
		page, next, err := db.FindPatients(clin, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range page {
			po, err := s.patientOutcome(clin, db, &defs.Definitions, p)
			if err != nil {
				t.Fatal(err)
			}
			if po != nil {
				for i := range po.Courses {
					po.Courses[i].Rows = nil
				}
				want = append(want, po)
			}
		}
		if next == nil {
			break
		}
		f.After = next
	}
	return want
}

// assertSummariesMatch checks that the analytics' outcomes (cohortAnalysis)
// and the dashboard's relapses, read from the refreshed summaries, equal
// the per-patient outcomes, and returns those.
func assertSummariesMatch(t *testing.T, s *Server, db *store.DB, clin context.Context) []*patientOutcome {
	t.Helper()
	want := perPatientOutcomes(t, s, db, clin)
	c, err := s.cohortAnalysis(clin)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Patients) != len(want) {
		t.Fatalf("%d patients' outcomes, want %d", len(c.Patients), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(c.Patients[i], want[i]) {
			t.Errorf("patient %s: summarized outcome\n%+v\nwant\n%+v", want[i].Patient.MRN, c.Patients[i], want[i])
		}
	}
	// The dashboard's list, built independently from the reference.
	wantRel := []relapseRow{}
	for _, po := range want {
		if len(po.Courses) == 0 || len(po.Periods) == 0 {
			continue
		}
		last, per := po.Courses[len(po.Courses)-1], po.Periods[len(po.Periods)-1]
		if last.Relief.Relapsed && per.Relapsed {
			wantRel = append(wantRel, relapseRow{Patient: po.Patient, PatientID: po.Patient.ID, PatientName: po.Patient.FullName(),
				MRN: po.Patient.MRN, Protocol: last.Window.Protocol(), ReliefDays: last.Relief.Days,
				RelapseOn: clinic.DateOf(per.End.UTC()), Booster: po.Booster})
		}
	}
	sort.SliceStable(wantRel, func(i, j int) bool { return wantRel[j].RelapseOn.Before(wantRel[i].RelapseOn) })
	got := allRelapses(t, s, clin)
	if !reflect.DeepEqual(got, wantRel) {
		t.Errorf("relapses: %d rows\n%+v\nwant %d\n%+v", len(got), got, len(wantRel), wantRel)
	}
	return want
}

// clinicianCtx is a clinician of the scaled clinic.
func clinicianCtx(t *testing.T, ctx context.Context, db *store.DB) context.Context {
	t.Helper()
	ps, _, err := db.FindPatients(ctx, clinic.PatientFilter{Limit: 1})
	if err != nil || len(ps) == 0 {
		t.Fatalf("patients: %v", err)
	}
	return clinic.NewContext(context.Background(), &clinic.Actor{UserID: 0, ClinicID: ps[0].ClinicID, Role: clinic.RoleClinician, Name: "Test"})
}

// addOutcomeEdgeCases adds the patients the generator does not make.
func addOutcomeEdgeCases(t *testing.T, ctx context.Context, db *store.DB) {
	t.Helper()
	ps, _, err := db.FindPatients(ctx, clinic.PatientFilter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(mrn, family string) *clinic.Patient {
		p := &clinic.Patient{ClinicID: ps[0].ClinicID, MRN: mrn, GivenName: "Edge", FamilyName: family, BirthDate: clinic.Date{Year: 1980, Month: 3, Day: 4}, Sex: clinic.SexFemale}
		if err := db.CreatePatient(ctx, p); err != nil {
			t.Fatalf("create patient %s: %v", mrn, err)
		}
		return p
	}
	mk("EDGE-0", "Nojournal")
	// Imported study journal: journal days, no dates, no day 1, no course.
	imp := mk("EDGE-1", "Imported")
	rows := []outcomes.JournalRow{}
	for d := 1; d <= 40; d++ {
		r := outcomes.JournalRow{Patient: imp.MRN, Day: d}
		for m := range r.Scores {
			r.Scores[m] = outcomes.Missing
		}
		pain := 800 - 40*min(d, 12) + 30*max(d-25, 0)
		r.Scores[outcomes.PainNow], r.Scores[outcomes.Pain24h] = outcomes.Score(min(pain, 1000)), outcomes.Score(min(pain+50, 1000))
		rows = append(rows, r)
	}
	importJournal(t, ctx, db, imp, rows)
	// The same journal dated by a day 1, and a later one on the same axis.
	dated := mk("EDGE-2", "Dated")
	importJournal(t, ctx, db, dated, rows)
	if err := db.SetJournalDay1(ctx, dated.ID, clinic.Date{Year: 2025, Month: 2, Day: 3}); err != nil {
		t.Fatal(err)
	}
}

// importJournal imports rows as the patient's study journal.
func importJournal(t *testing.T, ctx context.Context, db *store.DB, p *clinic.Patient, rows []outcomes.JournalRow) {
	t.Helper()
	var in []clinic.JournalImportRow
	for i, r := range rows {
		in = append(in, clinic.JournalImportRow{Line: i + 2, PatientID: p.ID, Row: r})
	}
	if _, err := db.ImportJournal(ctx, in); err != nil {
		t.Fatalf("import journal of %s: %v", p.MRN, err)
	}
}
