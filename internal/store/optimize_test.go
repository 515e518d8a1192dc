package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/demo"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// TestOptimizeGivesPatientIndex: on SQLite, after a scaled clinic is
// loaded, Optimize gives the planner the statistics that make it read a
// patient's sessions (FindSessions with PatientID: the journal, course and
// patient pages) through infusion_sessions_by_patient instead of walking
// the clinic's whole date index, and the sessions with open alerts
// through migration 0017's partial index.
func TestOptimizeGivesPatientIndex(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, store.SQLite)
	end := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	if _, err := demo.Scale(ctx, db, demo.ScaleConfig{Patients: 30, Seed: 2, End: end}); err != nil {
		t.Fatalf("scale: %v", err)
	}
	// FindSessions' query for one patient of a clinic (internal/store
	// charting.go), planned.
	const ofPatient = `SELECT s.id FROM infusion_sessions s JOIN plan_versions v ON v.id = s.plan_version_id
		WHERE s.clinic_id = $1 AND s.patient_id = $2 ORDER BY s.session_date DESC, s.id DESC LIMIT $3`
	plan := func() string { return queryPlan(t, db, ofPatient, 1, 7, 1000) }
	t.Logf("plan before Optimize: %s", plan())
	if err := db.Optimize(ctx); err != nil {
		t.Fatal(err)
	}
	got := plan()
	if !strings.Contains(got, "USING INDEX infusion_sessions_by_patient") {
		t.Errorf("plan after Optimize: %s; want a search of infusion_sessions_by_patient", got)
	}
	// The dashboard's sessions with open alerts: the partial index of
	// migration 0017, not a walk of the clinic's date index.
	a := queryPlan(t, db, `SELECT s.id FROM infusion_sessions s JOIN plan_versions v ON v.id = s.plan_version_id
		WHERE s.clinic_id = $1 AND s.open_alerts > 0 ORDER BY s.session_date DESC, s.id DESC LIMIT $2`, 1, 200)
	if !strings.Contains(a, "USING INDEX infusion_sessions_alerting") {
		t.Errorf("plan of the sessions with open alerts: %s; want a search of infusion_sessions_alerting", a)
	}
	// The plan changed, not the answers: the patient's sessions, newest
	// first.
	sys := clinic.NewContext(ctx, clinic.System)
	list, err := db.FindSessions(sys, clinic.SessionFilter{PatientID: 7, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range list {
		if s.PatientID != 7 || (i > 0 && list[i-1].SessionDate.Before(s.SessionDate)) {
			t.Fatalf("session %d of patient 7's list: patient %d on %s", i, s.PatientID, s.SessionDate)
		}
	}
}

// TestOptimizeAnalyzesPostgres: on PostgreSQL (where autovacuum may be off,
// as on this project's CI machine), Optimize after a scaled clinic's load
// leaves statistics on the tables that hold its rows, and none on an empty
// one it had no need to read.
func TestOptimizeAnalyzesPostgres(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, store.Postgres)
	end := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	if _, err := demo.Scale(ctx, db, demo.ScaleConfig{Patients: 10, Seed: 2, End: end}); err != nil {
		t.Fatalf("scale: %v", err)
	}
	if err := db.Optimize(ctx); err != nil {
		t.Fatal(err)
	}
	rows, err := db.QueryRaw(ctx, `SELECT relname, coalesce(last_analyze, last_autoanalyze) IS NOT NULL, pg_relation_size(relid) > 0
		FROM pg_stat_user_tables WHERE schemaname = current_schema() ORDER BY relname`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var name string
		var analyzed, full bool
		if err := rows.Scan(&name, &analyzed, &full); err != nil {
			t.Fatal(err)
		}
		if full && !analyzed {
			t.Errorf("table %s holds rows and has no statistics after Optimize", name)
		}
		if name == "infusion_sessions" || name == "journal_entries" {
			seen++
			if !analyzed {
				t.Errorf("%s: no statistics", name)
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if seen != 2 {
		t.Fatalf("found %d of infusion_sessions and journal_entries in pg_stat_user_tables", seen)
	}
}

// TestOptimizeVacuumsPostgres: a table whose rows were all updated twice
// holds two dead versions a live row, past autovacuum's vacuum threshold
// (50 + 20 %), and Optimize vacuums it; autovacuum is off on the CI machine,
// so only Optimize can.
func TestOptimizeVacuumsPostgres(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, store.Postgres)
	for _, q := range []string{
		`CREATE TABLE vacuum_probe (id int PRIMARY KEY, n int NOT NULL) WITH (autovacuum_enabled = off)`,
		`INSERT INTO vacuum_probe SELECT g, 0 FROM generate_series(1, 1000) g`,
		`UPDATE vacuum_probe SET n = n + 1`,
		`UPDATE vacuum_probe SET n = n + 1`,
	} {
		if err := db.ExecRaw(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	// The statistics reach pg_stat_user_tables when the writing backend
	// flushes them (PostgreSQL 15: within about a second of going idle):
	// wait for them, as Optimize would see them on its next run.
	var dead int64
	for range 300 {
		dead = probeStat[int64](t, db, "n_dead_tup")
		if dead >= 2000 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if dead < 2000 {
		t.Fatalf("n_dead_tup %d after two updates of 1,000 rows, want 2,000", dead)
	}
	if err := db.Optimize(ctx); err != nil {
		t.Fatal(err)
	}
	if !probeStat[bool](t, db, "last_vacuum IS NOT NULL") {
		t.Fatal("vacuum_probe, 2,000 dead row versions for 1,000 live ones, was not vacuumed by Optimize")
	}
}

// probeStat reads one column expression of vacuum_probe's row of
// pg_stat_user_tables (each query its own transaction, so a fresh
// statistics snapshot).
func probeStat[T any](t *testing.T, db *store.DB, expr string) T {
	t.Helper()
	var v T
	rows, err := db.QueryRaw(context.Background(), `SELECT `+expr+` FROM pg_stat_user_tables
		WHERE schemaname = current_schema() AND relname = 'vacuum_probe'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if !rows.Next() {
		t.Fatalf("vacuum_probe not in pg_stat_user_tables: %v", rows.Err())
	}
	if err := rows.Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// queryPlan is SQLite's EXPLAIN QUERY PLAN of q, its steps joined by "; ".
func queryPlan(t *testing.T, db *store.DB, q string, args ...any) string {
	t.Helper()
	rows, err := db.QueryRaw(context.Background(), "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var steps []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		steps = append(steps, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(steps, "; ")
}
