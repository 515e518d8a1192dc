package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/ketatrack/ketatrack/internal/store"
)

func init() {
	register(&command{
		Name:     "restore",
		Synopsis: "restore FILE [--db URL]",
		Summary:  "Replace the database's contents with a backup made by `ketatrack backup` (stop the servers first); the restored tables are checked against the backup's manifest.",
		Run:      runRestore,
	})
}

func runRestore(ctx context.Context, e *env, args []string) int {
	c := commands["restore"]
	fs := newFlagSet(e, c)
	dbURL := dbFlag(e, fs)
	pos, err := parseFlags(e, fs, args)
	if err != nil {
		return flagStatus(err)
	}
	if len(pos) != 1 {
		return fail(e, "restore", exitBadInput, errors.New("file: give exactly one backup file"))
	}
	if _, err := store.ParseLocation(*dbURL); err != nil {
		return fail(e, "restore", exitBadInput, err)
	}
	db, err := store.Open(ctx, *dbURL)
	if err != nil {
		return fail(e, "restore", exitFailure, err)
	}
	defer db.Close()
	verified, err := db.Restore(ctx, pos[0])
	if err != nil {
		return fail(e, "restore", exitFailure, err)
	}
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return fail(e, "restore", exitFailure, err)
	}
	fmt.Fprintf(e.Stdout, "restored %s into the %s database (schema version %d)\n", pos[0], db.Engine(), v)
	if verified == nil {
		fmt.Fprintf(e.Stdout, "the backup has no manifest (%s): the tables were not checked\n", store.ManifestFile(pos[0]))
		return exitOK
	}
	fmt.Fprintf(e.Stdout, "all %d tables equal the backup's manifest (row counts and SHA-256):\n", len(verified))
	printDigests(e.Stdout, verified)
	return exitOK
}
