package main

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// The benchmark's phases on a small cohort (60 patients × 20 days) on both
// engines: the load stores every row, and the per-day summary written by
// hand in SQL, run by sqlite3 and psql, equals the report's to 1e-9.
func TestCohortBenchSmall(t *testing.T) {
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) {
			tool := map[store.Engine]string{store.SQLite: "sqlite3", store.Postgres: "psql"}[e]
			if _, err := exec.LookPath(tool); err != nil {
				storetest.SkipOrFail(t, map[store.Engine]string{store.SQLite: "KETATRACK_REQUIRE_SQLITE3", store.Postgres: "KETATRACK_REQUIRE_POSTGRES"}[e], tool+" is not on PATH")
			}
			b := &bench{engine: e, patients: 60, days: 20, dir: t.TempDir(), pgURL: storetest.PostgresURL(), reps: 1}
			if e == store.Postgres {
				// A fresh schema per run, which storetest drops at the end.
				u, err := url.Parse(storetest.URL(t, e))
				if err != nil {
					t.Fatal(err)
				}
				b.pgSchema = u.Query().Get("search_path")
			}
			ctx := context.Background()
			for _, phase := range []func(context.Context) error{b.load, b.report, b.reference} {
				if err := phase(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := os.Stat(filepath.Join(b.dir, "cohort-reference-"+string(e)+"-60-20.json")); err != nil {
				t.Error(err)
			}
		})
	}
}

// The committed reference SQL files are what the program writes.
func TestReferenceSQLFilesCurrent(t *testing.T) {
	for _, e := range storetest.Engines {
		b, err := os.ReadFile("reference." + string(e) + ".sql")
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != referenceSQL(e) {
			t.Errorf("reference.%s.sql is stale: go run ./bench/cohort -phase sql", e)
		}
	}
}
