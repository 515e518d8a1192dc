package store

import "context"

// CountRows counts the rows of table, for tests that check nothing was
// stored after a refused write.
func (db *DB) CountRows(ctx context.Context, table string) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&n)
	return n, err
}
