package store

import (
	"context"
	"database/sql"
)

// readQueryer runs queries on the read pool through the statement cache
// (db.query), for the functions that take a queryer.
type readQueryer struct{ db *DB }

// QueryContext runs q on the read pool.
func (r readQueryer) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return r.db.query(ctx, q, args...)
}

// QueryRowContext runs a one-row q on the read pool; if q cannot be prepared
// it runs unprepared, so that the error is reported by Scan.
func (r readQueryer) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if r.db.loc.Engine == SQLite {
		if s, err := r.db.readStmt(ctx, q); err == nil {
			return s.QueryRowContext(ctx, args...)
		}
	}
	return r.db.read.QueryRowContext(ctx, q, args...)
}
