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
		Summary:  "Replace the database's contents with a backup made by `ketatrack backup` (stop the servers first).",
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
	if err := db.Restore(ctx, pos[0]); err != nil {
		return fail(e, "restore", exitFailure, err)
	}
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return fail(e, "restore", exitFailure, err)
	}
	fmt.Fprintf(e.Stdout, "restored %s into the %s database (schema version %d)\n", pos[0], db.Engine(), v)
	return exitOK
}
