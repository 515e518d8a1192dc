package store

import (
	"context"
	"fmt"

	"github.com/ketatrack/ketatrack/internal/clinic"
)

// CreateClinic implements clinic.ClinicService.
func (db *DB) CreateClinic(ctx context.Context, c *clinic.Clinic) error {
	a := clinic.ActorFrom(ctx)
	if a == nil || !a.System {
		return clinic.Errorf(clinic.EFORBIDDEN, "Only the command-line operator may create a clinic.")
	}
	if err := c.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		c.CreatedAt = tx.now
		if err := tx.QueryRowContext(ctx, `INSERT INTO clinics (name, created_at) VALUES ($1, $2) RETURNING id`,
			c.Name, c.CreatedAt).Scan(&c.ID); err != nil {
			return fmt.Errorf("create clinic: %w", err)
		}
		return tx.audit(clinic.AuditEntry{ClinicID: c.ID, Action: clinic.ActionCreate, Entity: "clinic", EntityID: c.ID}, nil, c)
	})
}

// FindClinicByID implements clinic.ClinicService.
func (db *DB) FindClinicByID(ctx context.Context, id int64) (*clinic.Clinic, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if !a.System && a.ClinicID != id {
		return nil, clinic.Errorf(clinic.ENOTFOUND, "No such clinic.")
	}
	c := &clinic.Clinic{}
	err = db.queryRow(ctx, `SELECT id, name, created_at FROM clinics WHERE id = $1`, id).
		Scan(&c.ID, &c.Name, &c.CreatedAt)
	if err != nil {
		return nil, notFound(err, "find clinic", "No such clinic.")
	}
	return c, nil
}

// IsEmpty reports whether the database holds no clinic yet (demo data is
// loaded only then).
func (db *DB) IsEmpty(ctx context.Context) (bool, error) {
	var n int
	if err := db.queryRow(ctx, `SELECT count(*) FROM clinics`).Scan(&n); err != nil {
		return false, fmt.Errorf("count clinics: %w", err)
	}
	return n == 0, nil
}
