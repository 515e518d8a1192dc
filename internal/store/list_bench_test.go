package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/outcomes"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// The list pages at 1,000 and 10,000 patients (issue 16): a generated
// clinic, the keyset pages of every list on it, and the query plans of the
// hot queries. Until `ketatrack demo --scale N` lands, the clinic is made
// here through the store's own write paths (the same transactions and audit
// entries as the pages).

// listJournalDays is each generated patient's journal: a ten-day course
// over two weeks and follow-up to six weeks.
const listJournalDays = 42

// listCourseEvery: every listCourseEvery-th patient has a signed Goldberg
// course with listSessions sessions opened.
const (
	listCourseEvery = 5
	listSessions    = 3
)

// listClinic is a generated clinic: its database, its clinician and nurse.
type listClinic struct {
	db         *store.DB
	doc, nurse context.Context
	clinicID   int64
	patients   int
	// lastPatient sorts last in the list (the deepest page).
	lastPatient clinic.PatientKey
}

var (
	listMu      sync.Mutex
	listClinics = map[string]*listClinic{}
)

// listSizes are the clinic sizes of the benchmarks: 1,000 and 10,000
// patients, KETATRACK_BENCH_PATIENTS (comma-separated) to change them.
func listSizes() []int {
	if v := os.Getenv("KETATRACK_BENCH_PATIENTS"); v != "" {
		var out []int
		for _, f := range strings.Split(v, ",") {
			if n, err := strconv.Atoi(f); err == nil && n > 0 {
				out = append(out, n)
			}
		}
		return out
	}
	return []int{1000, 10000}
}

// generateListClinic makes (once per process, engine and size) a clinic of n
// patients: each registered with CreatePatient, a journal of
// listJournalDays days (ImportJournal), and every listCourseEvery-th a
// signed course (CreateCourse, SignPlan) with listSessions sessions
// (OpenSession).
func generateListClinic(b testing.TB, e store.Engine, n int) *listClinic {
	listMu.Lock()
	defer listMu.Unlock()
	key := fmt.Sprintf("%s/%d", e, n)
	if lc, ok := listClinics[key]; ok {
		return lc
	}
	db := storetest.Open(b, e)
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	ctx := clinic.NewContext(context.Background(), clinic.System)
	c := &clinic.Clinic{Name: "List benchmark clinic"}
	if err := db.CreateClinic(ctx, c); err != nil {
		b.Fatal(err)
	}
	mk := func(login string, role clinic.Role) context.Context {
		u := &clinic.User{ClinicID: c.ID, Login: login, Name: login, Role: role}
		if err := db.CreateUser(ctx, u, testPassword); err != nil {
			b.Fatal(err)
		}
		return clinic.NewContext(context.Background(), &clinic.Actor{UserID: u.ID, ClinicID: c.ID, Login: login, Role: role})
	}
	lc := &listClinic{db: db, doc: mk("doc", clinic.RoleClinician), nurse: mk("nurse", clinic.RoleNurse), clinicID: c.ID, patients: n}
	start := time.Now()
	families := []string{"Smith", "Jones", "Brown", "Taylor", "Wilson", "Davies", "Evans", "Thomas", "Roberts", "Walker"}
	givens := []string{"Ann", "Ben", "Cara", "Dan", "Eve", "Finn", "Gail", "Hugo", "Iris", "Jon"}
	var rows []clinic.JournalImportRow
	for i := range n {
		p := &clinic.Patient{MRN: fmt.Sprintf("L%06d", i), GivenName: givens[i%len(givens)],
			FamilyName: fmt.Sprintf("%s%04d", families[(i/len(givens))%len(families)], i/100),
			BirthDate:  clinic.Date{Year: 1950 + i%50, Month: time.Month(1 + i%12), Day: 1 + i%28}, Sex: clinic.SexFemale}
		if err := db.CreatePatient(lc.nurse, p); err != nil {
			b.Fatal(err)
		}
		if i%listCourseEvery == 0 {
			in := clinic.PlanInput{ProtocolID: "goldberg-2005", Weight: fmt.Sprintf("%dkg", 55+i%40), StartDate: clinic.Date{Year: 2026, Month: 3, Day: 2},
				Settings: map[string]string{"daily-step": "+5mg", "midazolam-route": "IV"}}
			cs, err := db.CreateCourse(lc.doc, p.ID, "", in)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := db.SignPlan(lc.doc, cs.ID, 1, 0); err != nil {
				b.Fatal(err)
			}
			for d := 1; d <= listSessions; d++ {
				if _, err := db.OpenSession(lc.nurse, cs.ID, d, clinic.Date{Year: 2026, Month: 3, Day: 1 + d}); err != nil {
					b.Fatal(err)
				}
			}
		}
		for d := 1; d <= listJournalDays; d++ {
			r := outcomes.NewJournalRow(p.MRN, d)
			r.Scores[outcomes.PainNow] = outcomes.Score(800 - 10*d + 10*(i%7))
			r.Scores[outcomes.PainWorst] = outcomes.Score(900 - 10*d)
			r.Scores[outcomes.Pain24h] = outcomes.Score(700 - 5*d)
			rows = append(rows, clinic.JournalImportRow{Line: len(rows) + 2, PatientID: p.ID, Row: r})
		}
		if len(rows) >= 50000 || i == n-1 {
			if _, err := db.ImportJournal(ctx, rows); err != nil {
				b.Fatal(err)
			}
			rows = rows[:0]
		}
	}
	b.Logf("%s: generated %d patients in %s", e, n, time.Since(start).Round(time.Second))
	k := &lc.lastPatient
	if err := rawDB(b, db).QueryRowContext(ctx, `SELECT family_name, given_name, id FROM patients WHERE clinic_id = $1
		ORDER BY family_name DESC, given_name DESC, id DESC LIMIT 1`, c.ID).Scan(&k.FamilyName, &k.GivenName, &k.ID); err != nil {
		b.Fatal(err)
	}
	listClinics[key] = lc
	return lc
}

// BenchmarkListPages reads one page of each list of a generated clinic of
// 1,000 and 10,000 patients on both engines: the first and the last page of
// the patients (keyset: the same cost), a search, the audit log (all, and
// by record type and by patient), the courses and a patient's sessions,
// the first and a later page of the clinic's courses and sessions, a day's
// sessions with their charts, and the dashboard.
// The figures to compare are the ratios 10,000/1,000 of each page, which
// should be near 1 (the cost of a page does not grow with the clinic).
func BenchmarkListPages(b *testing.B) {
	for _, e := range storetest.Engines {
		for _, n := range listSizes() {
			b.Run(fmt.Sprintf("%s/%d", e, n), func(b *testing.B) {
				lc := generateListClinic(b, e, n)
				db, doc := lc.db, lc.doc
				mid := &clinic.PatientKey{FamilyName: "Jones", GivenName: "", ID: 0}
				var somePatient int64
				if ps, _, err := db.FindPatients(doc, clinic.PatientFilter{Query: "L000005", Limit: 1}); err != nil || len(ps) != 1 {
					b.Fatalf("patient L000005: %v %v", ps, err)
				} else {
					somePatient = ps[0].ID
				}
				cases := []struct {
					name string
					fn   func() error
				}{
					{"patients-first", func() error {
						_, _, err := db.FindPatients(doc, clinic.PatientFilter{Limit: 25})
						return err
					}},
					{"patients-middle", func() error {
						_, _, err := db.FindPatients(doc, clinic.PatientFilter{Limit: 25, After: mid})
						return err
					}},
					{"patients-last", func() error {
						k := lc.lastPatient
						k.ID--
						_, _, err := db.FindPatients(doc, clinic.PatientFilter{Limit: 25, After: &k})
						return err
					}},
					{"patients-search", func() error {
						_, _, err := db.FindPatients(doc, clinic.PatientFilter{Query: "wilson00", Limit: 25})
						return err
					}},
					{"patients-count", func() error {
						_, err := db.CountPatients(doc)
						return err
					}},
					{"audit", func() error {
						_, err := db.FindAuditEntries(doc, clinic.AuditFilter{Limit: 50})
						return err
					}},
					{"audit-entity", func() error {
						_, err := db.FindAuditEntries(doc, clinic.AuditFilter{Entity: "user", Limit: 50})
						return err
					}},
					{"audit-patient", func() error {
						_, err := db.FindAuditEntries(doc, clinic.AuditFilter{PatientID: somePatient, Limit: 50})
						return err
					}},
					{"sessions-patient", func() error {
						_, err := db.FindSessions(doc, clinic.SessionFilter{PatientID: somePatient})
						return err
					}},
					{"courses-patient", func() error {
						_, err := db.FindCourses(doc, clinic.CourseFilter{PatientID: somePatient})
						return err
					}},
					{"courses-first", func() error {
						_, err := db.FindCourses(doc, clinic.CourseFilter{Limit: 51})
						return err
					}},
					{"courses-last", func() error {
						_, err := db.FindCourses(doc, clinic.CourseFilter{Limit: 51, BeforeID: 60})
						return err
					}},
					{"sessions-first", func() error {
						_, err := db.FindSessions(doc, clinic.SessionFilter{Limit: 51})
						return err
					}},
					{"sessions-after", func() error {
						_, err := db.FindSessions(doc, clinic.SessionFilter{Limit: 51, After: &clinic.SessionKey{Date: clinic.Date{Year: 2026, Month: 3, Day: 3}, ID: 90}})
						return err
					}},
					{"sessions-day-charts", func() error {
						_, err := db.FindSessions(doc, clinic.SessionFilter{Date: clinic.Date{Year: 2026, Month: 3, Day: 3}, Limit: 50, WithState: true})
						return err
					}},
					{"dashboard", func() error {
						now := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
						_, err := db.Dashboard(lc.nurse, clinic.DateOf(now), now)
						return err
					}},
				}
				for _, c := range cases {
					b.Run(c.name, func(b *testing.B) {
						for b.Loop() {
							if err := c.fn(); err != nil {
								b.Fatal(err)
							}
						}
					})
				}
			})
		}
	}
}

// explainQueries are the hot queries of the list pages and the analytics,
// as the store writes them (engine differences marked {{C}}: the "C"
// collation of store.binary on PostgreSQL). $1 is the clinic, $2 a patient.
var explainQueries = []struct{ name, sql string }{
	{"patients first page", `SELECT id FROM patients WHERE clinic_id = $1 ORDER BY family_name, given_name, id LIMIT 26`},
	{"patients page after a key", `SELECT id FROM patients WHERE clinic_id = $1 AND (family_name, given_name, id) > ('Taylor0050', 'Ann', 0) ORDER BY family_name, given_name, id LIMIT 26`},
	{"patients search (prefix)", `SELECT id FROM patients WHERE clinic_id = $1 AND (((lower(mrn){{C}}) >= 'wilson00' AND (lower(mrn){{C}}) < 'wilson01') OR ((lower(family_name){{C}}) >= 'wilson00' AND (lower(family_name){{C}}) < 'wilson01') OR ((lower(given_name || ' ' || family_name){{C}}) >= 'wilson00' AND (lower(given_name || ' ' || family_name){{C}}) < 'wilson01')) ORDER BY family_name, given_name, id LIMIT 26`},
	{"audit page", `SELECT id FROM audit_log WHERE clinic_id = $1 ORDER BY id DESC LIMIT 50`},
	{"audit by record type", `SELECT id FROM audit_log WHERE clinic_id = $1 AND entity = 'user' ORDER BY id DESC LIMIT 50`},
	{"audit by action", `SELECT id FROM audit_log WHERE clinic_id = $1 AND action = 'sign' ORDER BY id DESC LIMIT 50`},
	{"audit by patient", `SELECT id FROM audit_log WHERE clinic_id = $1 AND patient_id = $2 ORDER BY id DESC LIMIT 50`},
	{"sessions of a patient", `SELECT s.id FROM infusion_sessions s WHERE s.clinic_id = $1 AND s.patient_id = $2 ORDER BY s.session_date DESC, s.id DESC LIMIT 200`},
	{"sessions of a day", `SELECT s.id FROM infusion_sessions s WHERE s.clinic_id = $1 AND s.session_date = '2026-03-03' ORDER BY s.session_date DESC, s.id DESC LIMIT 200`},
	{"courses page", `SELECT id FROM courses WHERE clinic_id = $1 ORDER BY id DESC LIMIT 50`},
	{"courses of a patient", `SELECT id FROM courses WHERE clinic_id = $1 AND patient_id = $2 ORDER BY id DESC LIMIT 50`},
	{"courses page after a key", `SELECT id FROM courses WHERE clinic_id = $1 AND id < 60 ORDER BY id DESC LIMIT 51`},
	{"sessions page", `SELECT s.id FROM infusion_sessions s WHERE s.clinic_id = $1 ORDER BY s.session_date DESC, s.id DESC LIMIT 51`},
	{"sessions page after a key", `SELECT s.id FROM infusion_sessions s WHERE s.clinic_id = $1 AND (s.session_date, s.id) < ('2026-03-03', 90) ORDER BY s.session_date DESC, s.id DESC LIMIT 51`},
	{"events of a page of sessions", `SELECT session_id, seq FROM infusion_events WHERE session_id IN (1, 2, 3) ORDER BY session_id, seq`},
	{"patients of a page of courses", `SELECT id FROM patients WHERE clinic_id = $1 AND id IN ($2, 7, 9) ORDER BY family_name, given_name, id LIMIT 4`},
	{"journal of a patient", `SELECT id FROM journal_entries WHERE patient_id = $2 ORDER BY entry_date`},
}

// TestExplainListQueries prints the plan of each hot query on a generated
// clinic of KETATRACK_EXPLAIN_PATIENTS patients (default 40, so that the
// plans are printed in every run; not 60, TestKeysetSessionsAndCourses's
// clinic: generateListClinic's cached database closes with the test that
// made it):
// EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on PostgreSQL (after
// ANALYZE). With KETATRACK_EXPLAIN_BEFORE=1 the indexes of migrations 0009
// and 0010 are dropped first (and 0001's patients_by_name and 0002's
// infusion_sessions_by_date put back), to show the plans before them. Its output is kept in the closing note.
func TestExplainListQueries(t *testing.T) {
	n := 40
	if v := os.Getenv("KETATRACK_EXPLAIN_PATIENTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			t.Fatalf("KETATRACK_EXPLAIN_PATIENTS=%q: want a number of patients > 0", v)
		}
	}
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) {
			lc := generateListClinic(t, e, n)
			raw := rawDB(t, lc.db)
			ctx := context.Background()
			var pid int64
			if err := raw.QueryRowContext(ctx, `SELECT id FROM patients WHERE mrn = 'L000005'`).Scan(&pid); err != nil {
				t.Fatal(err)
			}
			if os.Getenv("KETATRACK_EXPLAIN_BEFORE") == "1" {
				for _, s := range []string{"DROP INDEX patients_by_name_id", "DROP INDEX patients_by_mrn_prefix", "DROP INDEX patients_by_family_prefix",
					"DROP INDEX patients_by_full_name_prefix", "DROP INDEX audit_by_entity", "DROP INDEX audit_by_action",
					"DROP INDEX infusion_sessions_by_patient", "DROP INDEX courses_by_clinic",
					"DROP INDEX infusion_sessions_by_date_id", "CREATE INDEX infusion_sessions_by_date ON infusion_sessions (clinic_id, session_date)",
					"CREATE INDEX patients_by_name ON patients (clinic_id, family_name, given_name)"} {
					if _, err := raw.ExecContext(ctx, s); err != nil {
						t.Fatalf("%s: %v", s, err)
					}
				}
			}
			if _, err := raw.ExecContext(ctx, "ANALYZE"); err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			for _, q := range explainQueries {
				c := ""
				prefix := "EXPLAIN QUERY PLAN "
				if e == store.Postgres {
					c, prefix = ` COLLATE "C"`, "EXPLAIN (ANALYZE, COSTS OFF, BUFFERS OFF) "
				}
				sqlText := strings.ReplaceAll(q.sql, "{{C}}", c)
				sqlText = strings.ReplaceAll(strings.ReplaceAll(sqlText, "$1", strconv.FormatInt(lc.clinicID, 10)), "$2", strconv.FormatInt(pid, 10))
				rows, err := raw.QueryContext(ctx, prefix+sqlText)
				if err != nil {
					t.Fatalf("%s: %v", q.name, err)
				}
				cols, _ := rows.Columns()
				fmt.Fprintf(&out, "-- %s\n%s\n", q.name, sqlText)
				for rows.Next() {
					vals := make([]any, len(cols))
					ptrs := make([]any, len(cols))
					for i := range vals {
						ptrs[i] = &vals[i]
					}
					if err := rows.Scan(ptrs...); err != nil {
						t.Fatal(err)
					}
					fmt.Fprintf(&out, "   %v\n", vals[len(vals)-1])
				}
				rows.Close()
			}
			t.Logf("%s, %d patients:\n%s", e, n, out.String())
		})
	}
}

// rawDB opens the database of db with database/sql directly, for EXPLAIN.
func rawDB(t testing.TB, db *store.DB) *sql.DB {
	t.Helper()
	loc := db.Location()
	driver, dsn := "sqlite", loc.Path
	if loc.Engine == store.Postgres {
		driver, dsn = "pgx", loc.URL
	}
	raw, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}
