package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/ketatrack/ketatrack/internal/store"
)

func init() {
	register(&command{
		Name:     "backup",
		Synopsis: "backup --out FILE [--db URL]",
		Summary:  "Write a consistent snapshot of the running database to a new file (SQLite: online backup API; PostgreSQL: pg_dump -Fc in an exported snapshot) and FILE.manifest.json with each table's row count and SHA-256 in that snapshot.",
		Run:      runBackup,
	})
}

func runBackup(ctx context.Context, e *env, args []string) int {
	c := commands["backup"]
	fs := newFlagSet(e, c)
	dbURL := dbFlag(e, fs)
	out := fs.String("out", "", "the backup file to create (must not exist)")
	pos, err := parseFlags(e, fs, args)
	if err != nil {
		return flagStatus(err)
	}
	if len(pos) > 0 {
		return fail(e, "backup", exitBadInput, fmt.Errorf("unexpected argument %q", pos[0]))
	}
	if *out == "" {
		return fail(e, "backup", exitBadInput, errors.New("out: the backup file is required (--out FILE)"))
	}
	if _, err := store.ParseLocation(*dbURL); err != nil {
		return fail(e, "backup", exitBadInput, err)
	}
	db, _, err := openDB(ctx, *dbURL)
	if err != nil {
		return fail(e, "backup", exitFailure, err)
	}
	defer db.Close()
	m, err := db.Backup(ctx, *out)
	if err != nil {
		return fail(e, "backup", exitFailure, err)
	}
	fmt.Fprintf(e.Stdout, "backup of the %s database (schema version %d) written to %s, manifest %s\n",
		db.Engine(), m.SchemaVersion, *out, store.ManifestFile(*out))
	printDigests(e.Stdout, m.Tables)
	return exitOK
}

// printDigests writes the table of per-table row counts and checksums.
func printDigests(w io.Writer, ds []store.TableDigest) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TABLE\tROWS\tSHA-256")
	for _, d := range ds {
		fmt.Fprintf(tw, "%s\t%d\t%s\n", d.Table, d.Rows, d.SHA256)
	}
	tw.Flush()
}
