package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/ketatrack/ketatrack/internal/store"
)

func init() {
	register(&command{
		Name:     "backup",
		Synopsis: "backup --out FILE [--db URL]",
		Summary:  "Write a consistent snapshot of the running database to a new file (SQLite: VACUUM INTO; PostgreSQL: pg_dump -Fc).",
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
	if err := db.Backup(ctx, *out); err != nil {
		return fail(e, "backup", exitFailure, err)
	}
	fmt.Fprintf(e.Stdout, "backup of the %s database written to %s\n", db.Engine(), *out)
	return exitOK
}
