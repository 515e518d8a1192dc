package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"sort"
	"strings"
	"time"

	"modernc.org/sqlite"
)

// Manifest describes a backup: when and from which engine and schema
// version it was made, and the digest of every table as of the backup's
// snapshot, computed inside the very snapshot the backup copies. It is
// written next to the backup as FILE.manifest.json; Restore checks the
// restored tables against it.
type Manifest struct {
	Engine        Engine    `json:"engine"`
	CreatedAt     time.Time `json:"created_at"`
	SchemaVersion int       `json:"schema_version"`
	// Snapshot is PostgreSQL's exported snapshot the dump was taken in
	// (pg_export_snapshot); empty for SQLite, whose backup is copied in
	// the read transaction the digests were read in.
	Snapshot string        `json:"snapshot,omitempty"`
	Tables   []TableDigest `json:"tables"`
}

// ManifestFile is the manifest's file of the backup file.
func ManifestFile(backup string) string { return backup + ".manifest.json" }

// Backup writes a consistent snapshot of the database to the new file out
// while the server keeps running, and its manifest to ManifestFile(out).
// The table digests of the manifest are read in the same snapshot as the
// copy, so a restore can be compared with the source exactly as it was at
// that instant.
//
// SQLite: a read transaction is begun on one connection, the digests are
// read in it, and SQLite's online backup API
// (https://www.sqlite.org/backup.html) copies the database from that same
// connection, hence from the same WAL snapshot, in one step; writers are
// not blocked (WAL). The copy is then switched to a rollback journal
// (journal_mode=DELETE) so that it is one self-contained file.
//
// PostgreSQL: a REPEATABLE READ transaction exports its snapshot
// (pg_export_snapshot, https://www.postgresql.org/docs/current/functions-admin.html#FUNCTIONS-SNAPSHOT-SYNCHRONIZATION),
// reads the digests, and runs the documented
//
//	pg_dump --format=custom --no-owner --snapshot=ID --file=OUT [--schema=S] URL
//
// in that snapshot (pg_dump must be on PATH, of a version at least the
// server's). A search_path parameter in the URL (as the tests use) selects
// the schema.
func (db *DB) Backup(ctx context.Context, out string) (*Manifest, error) {
	if _, err := os.Stat(out); err == nil {
		return nil, fmt.Errorf("out: %s exists; backups never overwrite a file", out)
	}
	if _, err := os.Stat(ManifestFile(out)); err == nil {
		return nil, fmt.Errorf("out: %s exists; backups never overwrite a file", ManifestFile(out))
	}
	m := &Manifest{Engine: db.loc.Engine, CreatedAt: db.now()}
	conn, err := db.read.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	defer conn.Close()
	switch db.loc.Engine {
	case SQLite:
		if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
			return nil, fmt.Errorf("backup: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		if err := m.read(ctx, conn); err != nil {
			return nil, err
		}
		if err := conn.Raw(func(dc any) error {
			b, ok := dc.(interface {
				NewBackup(string) (*sqlite.Backup, error)
			})
			if !ok {
				return errors.New("backup: the SQLite driver has no backup API")
			}
			bk, err := b.NewBackup(out)
			if err != nil {
				return fmt.Errorf("backup: %w", err)
			}
			if _, err := bk.Step(-1); err != nil {
				bk.Finish()
				return fmt.Errorf("backup: %w", err)
			}
			return bk.Finish()
		}); err != nil {
			os.Remove(out)
			return nil, err
		}
		if err := rollbackJournal(ctx, out); err != nil {
			return nil, err
		}
	case Postgres:
		connURL, schema, err := splitSearchPath(db.loc.URL)
		if err != nil {
			return nil, err
		}
		if _, err := conn.ExecContext(ctx, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); err != nil {
			return nil, fmt.Errorf("backup: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		if err := conn.QueryRowContext(ctx, `SELECT pg_export_snapshot()`).Scan(&m.Snapshot); err != nil {
			return nil, fmt.Errorf("backup: export snapshot: %w", err)
		}
		if err := m.read(ctx, conn); err != nil {
			return nil, err
		}
		args := []string{"--format=custom", "--no-owner", "--snapshot=" + m.Snapshot, "--file=" + out}
		if schema != "" {
			args = append(args, "--schema="+schema)
		}
		if err := runTool(ctx, "pg_dump", append(args, connURL)...); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("backup: unknown engine %q", db.loc.Engine)
	}
	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("backup manifest: %w", err)
	}
	if err := os.WriteFile(ManifestFile(out), append(raw, '\n'), 0o600); err != nil {
		return nil, fmt.Errorf("backup manifest: %w", err)
	}
	return m, nil
}

// read fills the schema version and the digests from q's snapshot.
func (m *Manifest) read(ctx context.Context, q queryer) error {
	var v sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v); err != nil {
		return fmt.Errorf("backup: schema version: %w", err)
	}
	m.SchemaVersion = int(v.Int64)
	t, err := digestTables(ctx, q, m.Engine)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	m.Tables = t
	return nil
}

// rollbackJournal switches the SQLite file to a rollback journal, so the
// backup is one file without -wal or -shm companions.
func rollbackJournal(ctx context.Context, file string) error {
	c, err := sql.Open("sqlite", file)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, `PRAGMA journal_mode=DELETE`); err != nil {
		return fmt.Errorf("backup: journal mode: %w", err)
	}
	return nil
}

// ReadManifest reads the manifest of the backup file; ok is false when
// the backup has none (made by an older ketatrack).
func ReadManifest(backup string) (m *Manifest, ok bool, err error) {
	raw, err := os.ReadFile(ManifestFile(backup))
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("manifest: %w", err)
	}
	m = &Manifest{}
	if err := json.Unmarshal(raw, m); err != nil {
		return nil, false, fmt.Errorf("manifest %s: %w", ManifestFile(backup), err)
	}
	return m, true, nil
}

// CompareDigests lists the differences between the tables of want (a
// manifest) and got, empty when they are equal.
func CompareDigests(want, got []TableDigest) []string {
	var diffs []string
	g := map[string]TableDigest{}
	for _, d := range got {
		g[d.Table] = d
	}
	for _, w := range want {
		d, ok := g[w.Table]
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("table %s is missing", w.Table))
		case d.Rows != w.Rows:
			diffs = append(diffs, fmt.Sprintf("table %s has %d rows, the backup %d", w.Table, d.Rows, w.Rows))
		case d.SHA256 != w.SHA256:
			diffs = append(diffs, fmt.Sprintf("table %s differs (sha256 %s, the backup %s)", w.Table, d.SHA256, w.SHA256))
		}
		delete(g, w.Table)
	}
	for name := range g {
		diffs = append(diffs, fmt.Sprintf("table %s is not in the backup", name))
	}
	sort.Strings(diffs)
	return diffs
}

// Restore replaces the database's contents with the backup in file, then
// migrates it to this program's schema version. A backup from a newer
// version of ketatrack is refused.
//
// SQLite: the backup file is checked (integrity_check, schema version)
// and copied page by page onto the live database with SQLite's online
// backup API (https://www.sqlite.org/backup.html), which takes the write
// lock, so a running server's connections see either the old or the new
// database, never a mixture. Stop the servers anyway: their open pages
// are from the old database.
//
// PostgreSQL: runs the documented
//
//	pg_restore --clean --if-exists --no-owner --single-transaction --dbname=URL FILE
//
// When the backup has a manifest (ManifestFile), the restored tables are
// digested before the migrations run and compared with it; any difference
// is an error naming the tables. The digests are returned (nil without a
// manifest).
func (db *DB) Restore(ctx context.Context, file string) ([]TableDigest, error) {
	if _, err := os.Stat(file); err != nil {
		return nil, fmt.Errorf("file: %w", err)
	}
	m, haveManifest, err := ReadManifest(file)
	if err != nil {
		return nil, err
	}
	if haveManifest && m.Engine != db.loc.Engine {
		return nil, fmt.Errorf("file: %s is a %s backup; this database is %s", file, m.Engine, db.loc.Engine)
	}
	if err := db.restore(ctx, file); err != nil {
		return nil, err
	}
	var got []TableDigest
	if haveManifest {
		if got, err = db.Digest(ctx); err != nil {
			return nil, err
		}
		if diffs := CompareDigests(m.Tables, got); len(diffs) > 0 {
			return got, fmt.Errorf("restore: the restored database differs from the backup's manifest %s: %s",
				ManifestFile(file), strings.Join(diffs, "; "))
		}
	}
	_, err = db.Migrate(ctx)
	return got, err
}

func (db *DB) restore(ctx context.Context, file string) error {
	switch db.loc.Engine {
	case SQLite:
		if err := checkSQLiteBackup(ctx, file); err != nil {
			return err
		}
		conn, err := db.write.Conn(ctx)
		if err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		err = conn.Raw(func(dc any) error {
			r, ok := dc.(interface {
				NewRestore(string) (*sqlite.Backup, error)
			})
			if !ok {
				return errors.New("restore: the SQLite driver has no backup API")
			}
			b, err := r.NewRestore(file)
			if err != nil {
				return fmt.Errorf("restore: %w", err)
			}
			if _, err := b.Step(-1); err != nil {
				b.Finish()
				return fmt.Errorf("restore: %w", err)
			}
			return b.Finish()
		})
		conn.Close()
		if err != nil {
			return err
		}
	case Postgres:
		connURL, _, err := splitSearchPath(db.loc.URL)
		if err != nil {
			return err
		}
		if err := runTool(ctx, "pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
			"--dbname="+connURL, file); err != nil {
			return err
		}
	default:
		return fmt.Errorf("restore: unknown engine %q", db.loc.Engine)
	}
	return nil
}

// checkSQLiteBackup opens file read-only and checks that it is an intact
// ketatrack database no newer than this program.
func checkSQLiteBackup(ctx context.Context, file string) error {
	src, err := sql.Open("sqlite", "file:"+file+"?mode=ro")
	if err != nil {
		return fmt.Errorf("file: %w", err)
	}
	defer src.Close()
	var ok string
	if err := src.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&ok); err != nil {
		return fmt.Errorf("file: %s is not a SQLite database: %w", file, err)
	}
	if ok != "ok" {
		return fmt.Errorf("file: %s fails the integrity check: %s", file, ok)
	}
	var version sql.NullInt64
	if err := src.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&version); err != nil {
		return fmt.Errorf("file: %s is not a ketatrack database (no schema_migrations)", file)
	}
	ms, err := Migrations(SQLite)
	if err != nil {
		return err
	}
	if int(version.Int64) > len(ms) {
		return fmt.Errorf("file: %s has schema version %d, newer than this ketatrack's %d", file, version.Int64, len(ms))
	}
	return nil
}

// splitSearchPath removes a search_path parameter (which pgx passes to the
// server but libpq's tools do not understand) from a PostgreSQL URL.
func splitSearchPath(s string) (string, string, error) {
	u, err := url.Parse(s)
	if err != nil {
		return "", "", fmt.Errorf("db: %w", err)
	}
	q := u.Query()
	schema := q.Get("search_path")
	q.Del("search_path")
	u.RawQuery = q.Encode()
	return u.String(), schema, nil
}

func runTool(ctx context.Context, name string, args ...string) error {
	path, err := exec.LookPath(name)
	if err != nil {
		return fmt.Errorf("%s is needed for PostgreSQL backups and is not on PATH (Debian: apt-get install postgresql-client)", name)
	}
	out, err := exec.CommandContext(ctx, path, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, out)
	}
	return nil
}
