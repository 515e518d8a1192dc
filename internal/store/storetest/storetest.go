// Package storetest opens fresh, migrated ketatrack databases for tests on
// both engines, so that every store test and every HTTP test can run on
// SQLite and on PostgreSQL.
//
// SQLite databases live in t.TempDir(). Each PostgreSQL database is a schema
// of its own (kt_test_<random>) in the database at KETATRACK_TEST_POSTGRES_URL
// (default postgres://postgres@127.0.0.1:5432/test?sslmode=disable), dropped
// when the test ends, so tests never see each other's rows. When PostgreSQL
// cannot be reached the test is skipped, or fails if
// KETATRACK_REQUIRE_POSTGRES=1 (as in .ci/run).
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver

	"github.com/ketatrack/ketatrack/internal/store"
)

// DefaultPostgresURL is used when KETATRACK_TEST_POSTGRES_URL is unset.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Engines lists the engines every store test runs on.
var Engines = []store.Engine{store.SQLite, store.Postgres}

// ForEach runs fn as a subtest named after each engine, with a fresh,
// migrated database.
func ForEach(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, e := range Engines {
		t.Run(string(e), func(t *testing.T) {
			fn(t, Open(t, e))
		})
	}
}

// Open returns a fresh, migrated database on engine e, closed when t ends.
func Open(t testing.TB, e store.Engine) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), URL(t, e))
	if err != nil {
		t.Fatalf("open %s: %v", e, err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate %s: %v", e, err)
	}
	return db
}

// URL returns the --db URL of a fresh, empty database on engine e (not
// migrated), removed when t ends.
func URL(t testing.TB, e store.Engine) string {
	t.Helper()
	switch e {
	case store.SQLite:
		return "sqlite:" + filepath.Join(t.TempDir(), "ketatrack.db")
	case store.Postgres:
		return postgresSchema(t)
	}
	t.Fatalf("unknown engine %q", e)
	return ""
}

// PostgresURL returns the base PostgreSQL URL the tests use.
func PostgresURL() string {
	if u := os.Getenv("KETATRACK_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return DefaultPostgresURL
}

// SkipOrFail skips the test with why, or fails it when the variable
// requireVar is "1" (CI sets KETATRACK_REQUIRE_POSTGRES=1).
func SkipOrFail(t testing.TB, requireVar, why string) {
	t.Helper()
	if os.Getenv(requireVar) == "1" {
		t.Fatalf("%s (and %s=1)", why, requireVar)
	}
	t.Skipf("%s; set %s=1 to make this a failure", why, requireVar)
}

func postgresSchema(t testing.TB) string {
	t.Helper()
	base := PostgresURL()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		SkipOrFail(t, "KETATRACK_REQUIRE_POSTGRES", "PostgreSQL URL: "+err.Error())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		admin.Close()
		SkipOrFail(t, "KETATRACK_REQUIRE_POSTGRES", "PostgreSQL at "+base+" is unreachable: "+err.Error())
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "kt_test_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("PostgreSQL URL: %v", err)
	}
	q := u.Query()
	// pgx passes unknown URL parameters to the server as run-time
	// parameters: every connection of the pool starts in this schema.
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// RestoreURL returns the --db URL of a fresh, empty database to restore a
// backup of the database at src into: on SQLite a new file; on PostgreSQL
// a new database (kt_restore_<random>, dropped when t ends) with the same
// search_path as src, since a dump of one schema restores into a schema
// of that name.
func RestoreURL(t testing.TB, src string) string {
	t.Helper()
	loc, err := store.ParseLocation(src)
	if err != nil {
		t.Fatalf("restore URL: %v", err)
	}
	if loc.Engine == store.SQLite {
		return "sqlite:" + filepath.Join(t.TempDir(), "restored.db")
	}
	admin, err := sql.Open("pgx", PostgresURL())
	if err != nil {
		t.Fatalf("restore URL: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b := make([]byte, 6)
	rand.Read(b)
	name := "kt_restore_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
		admin.Close()
	})
	u, err := url.Parse(src)
	if err != nil {
		t.Fatalf("restore URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}
