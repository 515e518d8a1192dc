// Command cohort benchmarks the clinic's cohort report over a large journal
// (shared/PRODUCT.md, "Performance targets": 10,000 patients × 600 journal
// days, 6 million rows, target under 2 s) on SQLite and on PostgreSQL, and
// runs the same per-day summary by hand in sqlite3 and psql as the
// reference, checking that both give the same numbers.
//
// Phases (bench/cohort/run.sh runs them as separate processes, so that each
// one's peak memory is its own):
//
//	go run ./bench/cohort -phase load   -engine E   # store the cohort (once; reused)
//	go run ./bench/cohort -phase report -engine E   # time the report
//	go run ./bench/cohort -phase reference -engine E # time sqlite3/psql and compare
//	go run ./bench/cohort -phase sql                 # write reference.*.sql
//
// The journal is the Goldberg-like cohort of internal/cohort (days past 10
// repeat day 10's distribution), loaded through the store's ImportJournal —
// COPY on PostgreSQL, one prepared INSERT per row in one transaction
// on SQLite — which also packs each patient's journal into journal_series.
// The report is what the analytics page computes: CohortJournal (one row
// per patient from journal_series) and outcomes.Analyze (every measure's
// per-day n, mean, SD, median and quartiles, Kruskal–Wallis, Friedman,
// Wilcoxon first vs last day, responders).
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/cohort"
	"github.com/ketatrack/ketatrack/internal/outcomes"
	"github.com/ketatrack/ketatrack/internal/store"
)

func main() {
	phase := flag.String("phase", "report", "load, report, reference, scan or sql")
	engine := flag.String("engine", "sqlite", "sqlite or postgres")
	patients := flag.Int("patients", 10_000, "patients in the cohort")
	days := flag.Int("days", 600, "journal days per patient")
	dir := flag.String("dir", "bench/out", "directory of the SQLite database and the results")
	pgURL := flag.String("pg", envOr("KETATRACK_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"), "PostgreSQL URL (the cohort goes into a schema of its own)")
	reps := flag.Int("reps", 3, "timed repetitions of the report (the median is reported)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the phase to this file")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	log.SetFlags(0)
	b := &bench{engine: store.Engine(*engine), patients: *patients, days: *days, dir: *dir, pgURL: *pgURL, reps: *reps}
	if err := os.MkdirAll(b.dir, 0o755); err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	var err error
	switch *phase {
	case "load":
		err = b.load(ctx)
	case "report":
		err = b.report(ctx)
	case "reference":
		err = b.reference(ctx)
	case "scan":
		err = b.scan(ctx)
	case "sql":
		err = writeReferenceSQL(filepath.Join("bench", "cohort"))
	default:
		err = fmt.Errorf("phase %q: want load, report, reference, scan or sql", *phase)
	}
	if err != nil {
		pprof.StopCPUProfile()
		log.Fatalf("cohort bench (%s, %s): %v", *phase, *engine, err)
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

type bench struct {
	engine         store.Engine
	patients, days int
	dir, pgURL     string
	reps           int
	// pgSchema overrides the PostgreSQL schema (tests use their own).
	pgSchema string
}

// schema is the PostgreSQL schema of the cohort.
func (b *bench) schema() string {
	if b.pgSchema != "" {
		return b.pgSchema
	}
	return fmt.Sprintf("kt_bench_cohort_%d_%d", b.patients, b.days)
}

// url is the --db URL of the cohort's database.
func (b *bench) url() string {
	if b.engine == store.SQLite {
		return "sqlite:" + filepath.Join(b.dir, fmt.Sprintf("cohort-%d-%d.sqlite", b.patients, b.days))
	}
	sep := "?"
	if strings.Contains(b.pgURL, "?") {
		sep = "&"
	}
	return b.pgURL + sep + "search_path=" + b.schema()
}

// rows returns how many journal rows the database holds (0 when it has no
// schema yet).
func (b *bench) rows(ctx context.Context, db *store.DB) int {
	c, err := db.CohortJournal(clinic.NewContext(ctx, clinic.System), clinic.CohortFilter{})
	if err != nil {
		return 0
	}
	return len(c.Rows)
}

func (b *bench) open(ctx context.Context) (*store.DB, error) {
	if b.engine == store.Postgres {
		admin, err := sql.Open("pgx", b.pgURL)
		if err != nil {
			return nil, err
		}
		defer admin.Close()
		if _, err := admin.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+b.schema()); err != nil {
			return nil, err
		}
	}
	db, err := store.Open(ctx, b.url())
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// load stores the cohort unless the database holds it already.
func (b *bench) load(ctx context.Context) error {
	db, err := b.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	want := b.patients * b.days
	if n := b.rows(ctx, db); n == want {
		log.Printf("%s: the cohort of %d rows is loaded already (%s)", b.engine, n, b.url())
		return nil
	} else if n != 0 {
		return fmt.Errorf("%s holds %d journal rows, not %d: remove it first", b.url(), n, want)
	}
	sys := clinic.NewContext(ctx, clinic.System)
	c := &clinic.Clinic{Name: "Cohort benchmark clinic"}
	if err := db.CreateClinic(sys, c); err != nil {
		return err
	}
	start := time.Now()
	ids, err := b.insertPatients(ctx, c.ID)
	if err != nil {
		return err
	}
	tPatients := time.Since(start)
	gen, err := cohort.Journal(cohort.JournalConfig{Patients: b.patients, Days: b.days, Seed: 2005, IDPrefix: "B"})
	if err != nil {
		return err
	}
	in := make([]clinic.JournalImportRow, len(gen))
	for i, r := range gen {
		in[i] = clinic.JournalImportRow{Line: i + 2, PatientID: ids[r.Patient], Row: r}
	}
	gen = nil
	start = time.Now()
	res, err := db.ImportJournal(sys, in)
	if err != nil {
		return err
	}
	tImport := time.Since(start)
	doc := map[string]any{"engine": b.engine, "patients": res.Patients, "rows": res.Rows,
		"patients_insert_s": tPatients.Seconds(), "import_s": tImport.Seconds(),
		"import_rows_per_s": float64(res.Rows) / tImport.Seconds(), "method": map[store.Engine]string{
			store.SQLite: "one prepared INSERT executed per row, in one transaction", store.Postgres: "COPY in one transaction"}[b.engine]}
	return b.emit("load", doc)
}

// insertPatients registers the cohort's patients (MRN B00001 …) in one
// transaction, straight in SQL: fixture set-up, not the thing measured.
func (b *bench) insertPatients(ctx context.Context, clinicID int64) (map[string]int64, error) {
	driver, dsn := "pgx", b.url()
	if b.engine == store.SQLite {
		driver, dsn = "sqlite", strings.TrimPrefix(b.url(), "sqlite:")+"?_pragma=busy_timeout(10000)&_time_format=sqlite"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, `INSERT INTO patients (clinic_id, mrn, given_name, family_name, birth_date, sex, created_at, updated_at)
		VALUES ($1, $2, 'Cohort', $3, $4, 'female', $5, $5) RETURNING id`)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	width := len(fmt.Sprint(b.patients))
	ids := map[string]int64{}
	for p := 1; p <= b.patients; p++ {
		mrn := fmt.Sprintf("B%0*d", max(width, 2), p)
		var id int64
		if err := st.QueryRowContext(ctx, clinicID, mrn, mrn, "1980-01-01", now).Scan(&id); err != nil {
			return nil, err
		}
		ids[mrn] = id
	}
	return ids, tx.Commit()
}

// report times the cohort report: the read (CohortJournal) and the
// statistics (outcomes.Analyze), reps times, with the heap they use.
func (b *bench) report(ctx context.Context) error {
	db, err := b.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	clinics, err := db.ClinicIDs(clinic.NewContext(ctx, clinic.System))
	if err != nil || len(clinics) != 1 {
		return fmt.Errorf("the benchmark database should hold one clinic (run -phase load): %v %v", clinics, err)
	}
	// A clinician of the clinic, as on the analytics page.
	actor := clinic.NewContext(ctx, &clinic.Actor{UserID: 1, ClinicID: clinics[0], Login: "bench", Role: clinic.RoleClinician})
	var reads, analyses, totals []float64
	var live, alloc uint64
	rowsN := 0
	for range b.reps {
		runtime.GC()
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		t0 := time.Now()
		rows, err := db.CohortJournal(actor, clinic.CohortFilter{})
		if err != nil {
			return err
		}
		t1 := time.Now()
		rep, err := outcomes.Analyze(rows.Rows)
		if err != nil {
			return err
		}
		t2 := time.Now()
		runtime.ReadMemStats(&m1)
		rowsN = len(rows.Rows)
		if rowsN != b.patients*b.days || rep.Patients != b.patients {
			return fmt.Errorf("report of %d rows and %d patients, want %d and %d (run -phase load)", rowsN, rep.Patients, b.patients*b.days, b.patients)
		}
		reads, analyses, totals = append(reads, t1.Sub(t0).Seconds()), append(analyses, t2.Sub(t1).Seconds()), append(totals, t2.Sub(t0).Seconds())
		live, alloc = max(live, m1.HeapAlloc), max(alloc, m1.TotalAlloc-m0.TotalAlloc)
		runtime.KeepAlive(rows)
	}
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	doc := map[string]any{"engine": b.engine, "rows": rowsN, "patients": b.patients, "reps": b.reps,
		"read_s": median(reads), "analyze_s": median(analyses), "report_s": median(totals), "report_s_all": totals,
		"heap_live_mb": float64(live) / 1e6, "allocated_mb": float64(alloc) / 1e6, "max_rss_mb": float64(ru.Maxrss) / 1e3}
	return b.emit("report", doc)
}

// scan times the report the way it would run without journal_series:
// every journal row read through database/sql (one row per patient-day),
// then the same outcomes.Analyze. It shows what the packed series saves.
func (b *bench) scan(ctx context.Context) error {
	driver, dsn := "pgx", b.url()
	if b.engine == store.SQLite {
		driver, dsn = "sqlite", strings.TrimPrefix(b.url(), "sqlite:")+"?_pragma=query_only(1)"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	var cols []string
	for _, m := range outcomes.Measures() {
		cols = append(cols, m.Column())
	}
	t0 := time.Now()
	rs, err := db.QueryContext(ctx, `SELECT patient_id, day, `+strings.Join(cols, ", ")+` FROM journal_entries WHERE day >= 1`)
	if err != nil {
		return err
	}
	defer rs.Close()
	rows := make([]outcomes.JournalRow, 0, b.patients*b.days)
	ids := map[int64]string{}
	var pid int64
	var day int
	vals := make([]sql.NullInt64, len(cols))
	dest := []any{&pid, &day}
	for i := range vals {
		dest = append(dest, &vals[i])
	}
	for rs.Next() {
		if err := rs.Scan(dest...); err != nil {
			return err
		}
		id, ok := ids[pid]
		if !ok {
			id = fmt.Sprint(pid)
			ids[pid] = id
		}
		r := outcomes.JournalRow{Patient: id, Day: day}
		for i, v := range vals {
			r.Scores[i] = outcomes.Missing
			if v.Valid {
				r.Scores[i] = outcomes.Score(v.Int64)
			}
		}
		rows = append(rows, r)
	}
	if err := rs.Err(); err != nil {
		return err
	}
	t1 := time.Now()
	if _, err := outcomes.Analyze(rows); err != nil {
		return err
	}
	t2 := time.Now()
	doc := map[string]any{"engine": b.engine, "rows": len(rows), "read_rows_s": t1.Sub(t0).Seconds(), "analyze_s": t2.Sub(t1).Seconds(),
		"report_s": t2.Sub(t0).Seconds()}
	return b.emit("scan", doc)
}

func median(x []float64) float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

// emit prints doc as JSON and keeps it in dir.
func (b *bench) emit(phase string, doc map[string]any) error {
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	fmt.Println(string(out))
	name := filepath.Join(b.dir, fmt.Sprintf("cohort-%s-%s-%d-%d.json", phase, b.engine, b.patients, b.days))
	return os.WriteFile(name, append(out, '\n'), 0o644)
}
