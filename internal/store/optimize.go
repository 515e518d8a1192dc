package store

import (
	"context"
	"database/sql"
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
// (the tables keep growing).
//
// PostgreSQL's autovacuum analyzes tables itself when it runs, but a server
// may have it off (this project's CI machine does, and a bulk load outruns
// it): there the tables of the schema that hold rows and were never
// analyzed (pg_relation_size, exact at once, where the row counters are
// flushed lazily), or changed by more than autovacuum's own threshold since
// (50 rows + 10 %: autovacuum_analyze_threshold and _scale_factor's
// defaults), are analyzed. Tables whose dead row versions exceed
// autovacuum's vacuum threshold (50 rows + 20 % of the live ones:
// autovacuum_vacuum_threshold and _scale_factor's defaults) are vacuumed
// as well (VACUUM (ANALYZE)): every settle or finish of a bag updates its
// bag_accounts row, and without a vacuum the partial index of unsettled
// bags keeps an entry per old version (96,363 entries for 3,379 live rows
// at N=10,000, a 0.4 s dashboard read; issue 16).
func (db *DB) Optimize(ctx context.Context) error {
	if db.loc.Engine == Postgres {
		return db.analyzePostgres(ctx)
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

// analyzePostgres runs ANALYZE on the current schema's tables whose
// statistics are missing or stale (see Optimize).
func (db *DB) analyzePostgres(ctx context.Context) error {
	type stale struct {
		name   string
		vacuum bool
	}
	var tables []stale
	err := db.eachRow(ctx, `SELECT relname, n_dead_tup > 50 + n_live_tup / 5 FROM pg_stat_user_tables
		WHERE schemaname = current_schema()
		AND ((coalesce(last_analyze, last_autoanalyze) IS NULL AND pg_relation_size(relid) > 0)
			OR n_mod_since_analyze > 50 + n_live_tup / 10
			OR n_dead_tup > 50 + n_live_tup / 5)
		ORDER BY relname`, nil, func(rows *sql.Rows) error {
		var t stale
		err := rows.Scan(&t.name, &t.vacuum)
		tables = append(tables, t)
		return err
	})
	if err != nil {
		return fmt.Errorf("optimize: stale tables: %w", err)
	}
	for _, t := range tables {
		// VACUUM runs outside a transaction: the pool's connection in
		// autocommit, as ANALYZE.
		q := `ANALYZE ` + quoteIdent(t.name)
		if t.vacuum {
			q = `VACUUM (ANALYZE) ` + quoteIdent(t.name)
		}
		if _, err := db.write.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("optimize: %s: %w", q, err)
		}
	}
	return nil
}
