package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/ketatrack/ketatrack/internal/store"
)

func init() {
	register(&command{
		Name:     "migrate",
		Synopsis: "migrate [--db URL]",
		Summary:  "Apply the database schema migrations the database lacks.",
		Run:      runMigrate,
	})
}

// defaultDB is the database when neither --db nor KETATRACK_DB is given.
const defaultDB = "sqlite:ketatrack.db"

// dbFlag adds the --db flag shared by the commands that use the database;
// its default comes from KETATRACK_DB.
func dbFlag(e *env, fs *flag.FlagSet) *string {
	def := e.Getenv("KETATRACK_DB")
	if def == "" {
		def = defaultDB
	}
	return fs.String("db", def, "database: sqlite:FILE or postgres://USER@HOST:PORT/DB?sslmode=… (env KETATRACK_DB)")
}

// openDB opens and migrates the database at url.
func openDB(ctx context.Context, url string) (*store.DB, []int, error) {
	db, err := store.Open(ctx, url)
	if err != nil {
		return nil, nil, err
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, applied, nil
}

func runMigrate(ctx context.Context, e *env, args []string) int {
	c := commands["migrate"]
	fs := newFlagSet(e, c)
	dbURL := dbFlag(e, fs)
	pos, err := parseFlags(e, fs, args)
	if err != nil {
		return flagStatus(err)
	}
	if len(pos) > 0 {
		return fail(e, "migrate", exitBadInput, fmt.Errorf("unexpected argument %q", pos[0]))
	}
	if _, err := store.ParseLocation(*dbURL); err != nil {
		return fail(e, "migrate", exitBadInput, err)
	}
	db, applied, err := openDB(ctx, *dbURL)
	if err != nil {
		return fail(e, "migrate", exitFailure, err)
	}
	defer db.Close()
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return fail(e, "migrate", exitFailure, err)
	}
	if len(applied) == 0 {
		fmt.Fprintf(e.Stdout, "schema is up to date at version %d\n", v)
	} else {
		fmt.Fprintf(e.Stdout, "applied migrations %v; schema at version %d\n", applied, v)
	}
	return exitOK
}
