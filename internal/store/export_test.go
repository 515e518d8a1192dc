package store

import (
	"context"
	"database/sql"
)

// ExecRaw runs SQL on the write pool, for tests that try what no API offers
// (changing the audit log).
func (db *DB) ExecRaw(ctx context.Context, q string) error {
	_, err := db.write.ExecContext(ctx, q)
	return err
}

// QueryRaw runs a query on the read pool, for tests that compare a method
// with a reference query of their own.
func (db *DB) QueryRaw(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return db.read.QueryContext(ctx, q, args...)
}

// SetStockLogPage sets how many rows StockLog reads per query and returns
// the function that restores it.
func SetStockLogPage(n int) (restore func()) {
	old := stockLogPage
	stockLogPage = n
	return func() { stockLogPage = old }
}
