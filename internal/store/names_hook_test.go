package store

import "context"

// PatientNames exposes patientNames to the store_test package.
func (db *DB) PatientNames(ctx context.Context, ids []int64) (map[int64][2]string, error) {
	return db.patientNames(ctx, ids)
}
