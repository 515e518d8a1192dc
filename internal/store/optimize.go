package store

import (
	"context"
	"fmt"
)

// Optimize refreshes the statistics the query planner chooses indexes by
// (SQLite: PRAGMA optimize, https://www.sqlite.org/pragma.html#pragma_optimize,
// which runs ANALYZE on the tables that lack statistics or have grown
// since, each over at most 1,000 rows an index — analysis_limit — so it
// takes seconds at a clinic group's volume, not minutes).
//
// Without statistics SQLite takes equal-looking indexes as equal: a
// patient's sessions (clinic_id = ? AND patient_id = ? ORDER BY
// session_date DESC) were read through the clinic's date index, every
// session of the clinic for each patient page (0.37 s at N=10,000 patients,
// 3 ms with statistics; issue 16). Migrate calls it, so every process
// starts with current statistics; serve calls it again every few hours
// (the tables keep growing). PostgreSQL's autovacuum keeps its statistics
// itself: nothing to do.
func (db *DB) Optimize(ctx context.Context) error {
	if db.loc.Engine != SQLite {
		return nil
	}
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("optimize: %w", err)
	}
	defer conn.Close()
	// 0x10002: consider every table, not only those this connection
	// queried (the recommended form for a long-lived connection).
	for _, q := range []string{`PRAGMA analysis_limit = 1000`, `PRAGMA optimize = 0x10002`} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("optimize: %s: %w", q, err)
		}
	}
	// A connection plans with the statistics it loaded when it opened:
	// the idle readers are closed so that the next reads open new ones
	// (those busy now end within sqliteReaderLifetime).
	db.read.SetMaxIdleConns(0)
	db.read.SetMaxIdleConns(sqliteReaders)
	return nil
}
