package store

import (
	"context"
	"fmt"
)

// WriteSetting reads a setting of the connection a write runs on (inside
// a batch, the batch's transaction): PRAGMA name on SQLite, SHOW name on
// PostgreSQL.
func (db *DB) WriteSetting(ctx context.Context, name string) (string, error) {
	var v string
	err := db.update(ctx, func(tx *Tx) error {
		q := "SHOW " + name
		if db.loc.Engine == SQLite {
			q = "PRAGMA " + name
		}
		var raw any
		if err := tx.QueryRowContext(tx.ctx, q).Scan(&raw); err != nil {
			return err
		}
		v = fmt.Sprint(raw)
		return nil
	})
	return v, err
}
