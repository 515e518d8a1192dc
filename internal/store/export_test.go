package store

import "context"

// ExecRaw runs SQL on the write pool, for tests that try what no API offers
// (changing the audit log).
func (db *DB) ExecRaw(ctx context.Context, q string) error {
	_, err := db.write.ExecContext(ctx, q)
	return err
}
