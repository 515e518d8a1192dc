package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"

	"modernc.org/sqlite"
)

// Backup writes a consistent snapshot of the database to the new file out
// while the server keeps running.
//
// SQLite: VACUUM INTO (https://www.sqlite.org/lang_vacuum.html#vacuuminto)
// copies the database as of one read transaction into a new, compact file,
// without blocking writers (WAL).
//
// PostgreSQL: runs the documented
//
//	pg_dump --format=custom --no-owner --file=OUT [--schema=S] URL
//
// (pg_dump must be on PATH, of a version at least the server's). pg_dump
// takes one repeatable-read snapshot, so the dump is consistent. A
// search_path parameter in the URL (as the tests use) selects the schema.
func (db *DB) Backup(ctx context.Context, out string) error {
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("out: %s exists; backups never overwrite a file", out)
	}
	switch db.loc.Engine {
	case SQLite:
		if _, err := db.write.ExecContext(ctx, `VACUUM INTO $1`, out); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		return nil
	case Postgres:
		connURL, schema, err := splitSearchPath(db.loc.URL)
		if err != nil {
			return err
		}
		args := []string{"--format=custom", "--no-owner", "--file=" + out}
		if schema != "" {
			args = append(args, "--schema="+schema)
		}
		return runTool(ctx, "pg_dump", append(args, connURL)...)
	}
	return fmt.Errorf("backup: unknown engine %q", db.loc.Engine)
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
func (db *DB) Restore(ctx context.Context, file string) error {
	if _, err := os.Stat(file); err != nil {
		return fmt.Errorf("file: %w", err)
	}
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
	_, err := db.Migrate(ctx)
	return err
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
