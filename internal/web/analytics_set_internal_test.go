package web

import (
	"bytes"
	"context"
	"net/http/httptest"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/csvsafe"
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
			report := func() outcomes.Report {
				t.Helper()
				c, err := s.cohortAnalysis(clin)
				if err != nil {
					t.Fatal(err)
				}
				return c.Report
			}
			reportBefore := report()
			changed := func(write, mrn string) {
				t.Helper()
				after := assertSummariesMatch(t, s, db, clin)
				if reflect.DeepEqual(byMRN(before, mrn), byMRN(after, mrn)) {
					t.Errorf("%s: the outcome of patient %s did not change", write, mrn)
				}
				before = after
			}
			// journalChanged is changed for a write of the study journal,
			// which changes the cohort report too.
			journalChanged := func(write, mrn string) {
				t.Helper()
				changed(write, mrn)
				if after := report(); reflect.DeepEqual(after, reportBefore) {
					t.Errorf("%s: the cohort report did not change", write)
				} else {
					reportBefore = after
				}
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
			journalChanged("journal entry", scaled.Patient.MRN)
			// Another server instance refreshes the summaries after the
			// next entry (its own copy: another key of the process's
			// caches); this one's copy of the summaries and of the
			// report then follows what that one stored.
			other := &Server{Config: Config{Patients: &countingSaves{DB: db}}}
			next := clinic.NewJournalEntry(before[1].Patient.ID, db.Today())
			next.Scores[outcomes.PainNow], next.Scores[outcomes.Pain24h] = 0, 0
			if err := db.SaveJournalEntry(ctx, next); err != nil {
				t.Fatalf("journal entry: %v", err)
			}
			if _, err := other.cohortAnalysis(clin); err != nil {
				t.Fatal(err)
			}
			journalChanged("journal entry refreshed by another instance", before[1].Patient.MRN)
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
			journalChanged("import", imp.MRN)
			// EDGE-2's day 1 a month later.
			dated := byMRN(before, "EDGE-2").Patient
			if err := db.SetJournalDay1(ctx, dated.ID, clinic.Date{Year: 2025, Month: 3, Day: 3}); err != nil {
				t.Fatal(err)
			}
			changed("day 1", dated.MRN) // the imported days keep their numbers: the report stays
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
	assertReportMatches(t, db, clin, c)
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

// assertReportMatches checks that the analysis' cohort report, from the
// cohort totals the summaries keep, is exactly the report of the whole
// cohort journal (CohortJournal, outcomes.Analyze: the computation before
// the totals), and that the stored totals are the sums of every patient's
// journal rows, as if added afresh.
func assertReportMatches(t *testing.T, db *store.DB, clin context.Context, c *cohortAnalysis) {
	t.Helper()
	rows, err := db.CohortJournal(clin, clinic.CohortFilter{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := outcomes.Analyze(rows.Rows)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Report, want) || c.Rows != len(rows.Rows) {
		t.Errorf("cohort report of the totals (%d rows)\n%+v\nwant that of the cohort journal (%d rows)\n%+v", c.Rows, c.Report, len(rows.Rows), want)
	}
	fresh := &outcomes.Totals{}
	for start := 0; start < len(rows.Rows); {
		end := start
		for end < len(rows.Rows) && rows.Rows[end].Patient == rows.Rows[start].Patient {
			end++
		}
		id, err := strconv.ParseInt(rows.Rows[start].Patient, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		fresh.Add(id, rows.Rows[start:end], 1)
		start = end
	}
	stored, err := db.CohortTotals(clin)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stored.Encode(nil), fresh.Encode(nil)) {
		t.Errorf("stored cohort totals (%d patients, %d rows) differ from the sums of the journal (%d patients, %d rows)",
			stored.Patients, stored.Rows, fresh.Patients, fresh.Rows)
	}
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

// TestBoosterPagesMatchWholeList: on both engines, the booster list read by
// keyset in pages of 1, 2, 7 and boostersPerPage rows, followed to the end,
// and boosters.csv (streamed from the analysis) give every patient
// with an outcome once, in the order the whole list had before it was paged:
// suggested boosters by date, then the others, each in FindPatients order
// (a stable sort of the analysis' outcomes); also after a new journal entry
// changes a patient's suggestion.
func TestBoosterPagesMatchWholeList(t *testing.T) {
	for _, e := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			db := storetest.Open(t, e)
			if _, err := demo.Scale(context.Background(), db, demo.ScaleConfig{Patients: 24, Seed: 7, End: setAnalyticsEnd}); err != nil {
				t.Fatalf("scale: %v", err)
			}
			ctx := clinic.NewContext(context.Background(), clinic.System)
			addOutcomeEdgeCases(t, ctx, db)
			s := &Server{Config: Config{Patients: db}}
			clin := clinicianCtx(t, ctx, db)
			check := func() {
				t.Helper()
				c, err := s.cohortAnalysis(clin)
				if err != nil {
					t.Fatal(err)
				}
				// The reference: the whole list as pageData sorted it.
				var want []boosterRow
				for _, p := range c.Patients {
					b := boosterRow{Patient: p.Patient, Booster: p.Booster}
					if p.Booster.Suggested {
						b.Due = dateOfTime(p.Booster.Due).String()
					}
					want = append(want, b)
				}
				sort.SliceStable(want, func(i, j int) bool {
					a, b := want[i].Due, want[j].Due
					return a != b && (b == "" || (a != "" && a < b))
				})
				suggested := 0
				for _, b := range want {
					if b.Due != "" {
						suggested++
					}
				}
				if suggested == 0 || suggested == len(want) {
					t.Fatalf("%d of %d patients with a suggested booster: the list lacks variety", suggested, len(want))
				}
				for _, n := range []int{1, 2, 7, boostersPerPage} {
					var got []boosterRow
					var after *store.BoosterKey
					for pages := 0; ; pages++ {
						if pages > len(want) {
							t.Fatalf("pages of %d: more pages than rows", n)
						}
						page, next, err := boosterPage(clin, db, after, n)
						if err != nil {
							t.Fatal(err)
						}
						if len(page) > n || (next != nil && len(page) != n) {
							t.Fatalf("pages of %d: a page of %d rows (next %v)", n, len(page), next)
						}
						got = append(got, page...)
						if next == nil {
							break
						}
						// Through the cursor, as the Next link carries it.
						cur := encodeCursor((*boosterCursor)(next))
						r := httptest.NewRequest("GET", "/analytics?after="+cur, nil)
						k, err := afterCursor[boosterCursor](r)
						if err != nil {
							t.Fatal(err)
						}
						after = (*store.BoosterKey)(k)
					}
					if !reflect.DeepEqual(got, want) {
						t.Errorf("pages of %d: %d rows\n%+v\nwant %d\n%+v", n, len(got), got, len(want), want)
					}
				}
				// The CSV (from the analysis), with rows as the whole
				// list the pages gave.
				var b strings.Builder
				cw := csvsafe.NewWriter(&b)
				_ = cw.Write([]string{"mrn", "patient", "suggested", "due", "relapses", "shortest_days", "median_days", "basis"})
				for _, r := range want {
					bs := r.Booster
					_ = cw.Write([]string{r.Patient.MRN, r.Patient.FullName(), strconv.FormatBool(bs.Suggested), r.Due,
						strconv.Itoa(bs.Relapses), strconv.Itoa(bs.ShortestDays), strconv.FormatFloat(bs.MedianDays, 'g', -1, 64), bs.Basis})
				}
				cw.Flush()
				w := httptest.NewRecorder()
				if err := boostersCSV(w, c); err != nil {
					t.Fatal(err)
				}
				if w.Body.String() != b.String() {
					t.Errorf("boosters.csv\n%s\nwant\n%s", w.Body.String(), b.String())
				}
			}
			check()
			// A relapse today for a patient without a suggestion moves it
			// into the suggested part of the list.
			c, err := s.cohortAnalysis(clin)
			if err != nil {
				t.Fatal(err)
			}
			db.Now = func() time.Time { return setAnalyticsEnd }
			for _, p := range c.Patients {
				if !p.Booster.Suggested && !p.Day1.IsZero() {
					en := clinic.NewJournalEntry(p.Patient.ID, db.Today())
					en.Scores[outcomes.PainNow], en.Scores[outcomes.Pain24h] = 1000, 1000
					if err := db.SaveJournalEntry(ctx, en); err != nil {
						t.Fatalf("journal entry: %v", err)
					}
					break
				}
			}
			check()
		})
	}
}

// countingSaves is the store counting the summaries SaveOutcomes is given.
type countingSaves struct {
	*store.DB
	saved atomic.Int64
}

func (c *countingSaves) SaveOutcomes(ctx context.Context, list []store.OutcomeSummary) error {
	c.saved.Add(int64(len(list)))
	return c.DB.SaveOutcomes(ctx, list)
}

// TestConcurrentFirstFillsComputeOnce: four concurrent first requests of
// the analytics of a clinic whose summaries are all stale compute each
// stale patient once (the refresh lock of the clinic: the others wait and
// find the rows fresh), and all four answer the same report; a request
// that ends while waiting for the lock gives up with its context's error.
// SQLite (the lock is the process's; PostgreSQL runs the same code).
func TestConcurrentFirstFillsComputeOnce(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	if _, err := demo.Scale(context.Background(), db, demo.ScaleConfig{Patients: 12, Seed: 9, End: setAnalyticsEnd}); err != nil {
		t.Fatalf("scale: %v", err)
	}
	ctx := clinic.NewContext(context.Background(), clinic.System)
	clin := clinicianCtx(t, ctx, db)
	stale := staleCount(t, db, clin)
	if stale < 12 {
		t.Fatalf("%d stale summaries, want every patient's", stale)
	}
	cs := &countingSaves{DB: db}
	s := &Server{Config: Config{Patients: cs}}
	reports := make([]outcomes.Report, 4)
	errs := make([]error, 4)
	var wg sync.WaitGroup
	for i := range reports {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := s.cohortAnalysis(clin)
			if err == nil {
				reports[i] = c.Report
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if !reflect.DeepEqual(reports[i], reports[0]) {
			t.Errorf("request %d answered another report than request 0", i)
		}
	}
	if got := cs.saved.Load(); got != int64(stale) {
		t.Errorf("%d summaries computed for %d stale patients", got, stale)
	}
	// Held by one request, the lock is given up on by another whose
	// context ends.
	unlock, err := lockRefresh(clin, cs)
	if err != nil {
		t.Fatal(err)
	}
	done, cancel := context.WithCancel(clin)
	cancel()
	if _, err := lockRefresh(done, cs); err != context.Canceled {
		t.Errorf("waiting on a held lock with an ended context: %v, want %v", err, context.Canceled)
	}
	unlock()
	if unlock, err = lockRefresh(clin, cs); err != nil {
		t.Fatalf("the lock after its unlock: %v", err)
	}
	unlock()
}
