package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// migrationFiles are the schema's history: migrations/NNNN_name.sql for both
// engines, with optional NNNN_name.sqlite.sql / NNNN_name.postgres.sql run
// after it in the same transaction. See doc.go for how to add one.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationFills are the backfills of migrations whose rows SQL cannot
// compute (a chart's replay), by migration name: each runs in its
// migration's transaction, after its SQL.
var migrationFills = map[string]func(ctx context.Context, db *DB, tx *sql.Tx) error{
	"bag_finished":   fillBagsFinished,
	"bag_resolution": resettleBags,
}

// Migration is one schema version.
type Migration struct {
	Version int
	Name    string
	// SQL is the statements for one engine, tokens replaced.
	SQL string
}

var migrationName = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+?)(?:\.(sqlite|postgres))?\.sql$`)

// Migrations returns the migrations for engine e in version order. It fails
// if versions are not 1, 2, 3, … without gaps, or if an engine-only file has
// no shared file.
func Migrations(e Engine) ([]Migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	byVersion := map[int]*Migration{}
	extra := map[int]string{}
	for _, ent := range entries {
		m := migrationName.FindStringSubmatch(ent.Name())
		if m == nil {
			return nil, fmt.Errorf("migration %s: name is not NNNN_name[.engine].sql", ent.Name())
		}
		v, _ := strconv.Atoi(m[1])
		body, err := migrationFiles.ReadFile("migrations/" + ent.Name())
		if err != nil {
			return nil, err
		}
		switch m[3] {
		case "":
			if _, dup := byVersion[v]; dup {
				return nil, fmt.Errorf("migration %04d: two shared files", v)
			}
			byVersion[v] = &Migration{Version: v, Name: m[2], SQL: string(body)}
		case string(e):
			extra[v] = string(body)
		}
	}
	var out []Migration
	for v := 1; v <= len(byVersion); v++ {
		m, ok := byVersion[v]
		if !ok {
			return nil, fmt.Errorf("migration %04d is missing (versions must have no gaps)", v)
		}
		m.SQL = replaceTokens(e, m.SQL)
		if x, ok := extra[v]; ok {
			m.SQL += "\n" + replaceTokens(e, x)
			delete(extra, v)
		}
		out = append(out, *m)
	}
	if len(extra) > 0 {
		return nil, fmt.Errorf("engine-only migration files without a shared NNNN_name.sql: versions %v", keys(extra))
	}
	return out, nil
}

func replaceTokens(e Engine, s string) string {
	for k, v := range dialectTokens[e] {
		s = strings.ReplaceAll(s, k, v)
	}
	return s
}

func keys(m map[int]string) []int {
	var ks []int
	for k := range m {
		ks = append(ks, k)
	}
	sort.Ints(ks)
	return ks
}

// Migrate applies the migrations the database lacks, each in its own
// transaction together with its row in schema_migrations, and returns the
// versions it applied, then refreshes the planner's statistics (Optimize).
// It is safe to run from several servers at once.
func (db *DB) Migrate(ctx context.Context) ([]int, error) {
	ms, err := Migrations(db.loc.Engine)
	if err != nil {
		return nil, err
	}
	if _, err := db.write.ExecContext(ctx, replaceTokens(db.loc.Engine, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at {{TIMESTAMP}} NOT NULL)`)); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	var applied []int
	for _, m := range ms {
		done, err := db.applyMigration(ctx, m)
		if err != nil {
			return applied, err
		}
		if done {
			applied = append(applied, m.Version)
		}
	}
	return applied, db.Optimize(ctx)
}

func (db *DB) applyMigration(ctx context.Context, m Migration) (bool, error) {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("migration %04d: %w", m.Version, err)
	}
	defer tx.Rollback()
	if err := lockForMigration(ctx, tx, db.loc.Engine); err != nil {
		return false, fmt.Errorf("migration lock: %w", err)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, m.Version).Scan(&n); err != nil {
		return false, fmt.Errorf("migration %04d: %w", m.Version, err)
	}
	if n > 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return false, fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
	}
	if fill := migrationFills[m.Name]; fill != nil {
		if err := fill(ctx, db, tx); err != nil {
			return false, fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
		m.Version, m.Name, db.now()); err != nil {
		return false, fmt.Errorf("migration %04d: record: %w", m.Version, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("migration %04d: commit: %w", m.Version, err)
	}
	return true, nil
}

// SchemaVersion returns the highest applied migration (0 for a new database).
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	q := `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`
	if db.loc.Engine == Postgres {
		q = `SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'schema_migrations'`
	}
	var n int
	if err := db.read.QueryRowContext(ctx, q).Scan(&n); err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	if n == 0 {
		return 0, nil
	}
	var v sql.NullInt64
	if err := db.read.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	return int(v.Int64), nil
}
