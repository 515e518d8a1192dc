package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/outcomes"
)

// Outcome definitions (clinic.OutcomeService) on both engines.

func findOutcomeDefinitions(one oneRow, clinicID int64) (*clinic.OutcomeDefinitions, error) {
	d := &clinic.OutcomeDefinitions{ClinicID: clinicID}
	var js string
	var by sql.NullInt64
	err := one(`SELECT definitions_json, version, updated_by, updated_at FROM outcome_definitions WHERE clinic_id = $1`,
		clinicID).Scan(&js, &d.Version, &by, &d.UpdatedAt)
	if err == sql.ErrNoRows {
		d.Definitions = outcomes.DefaultDefinitions()
		return d, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find outcome definitions: %w", err)
	}
	d.UpdatedBy = by.Int64
	if err := json.Unmarshal([]byte(js), &d.Definitions); err != nil {
		return nil, fmt.Errorf("outcome definitions of clinic %d: %w", clinicID, err)
	}
	return d, nil
}

// FindOutcomeDefinitions implements clinic.OutcomeService.
func (db *DB) FindOutcomeDefinitions(ctx context.Context) (*clinic.OutcomeDefinitions, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if !a.System && !a.Role.IsStaff() {
		return nil, clinic.Errorf(clinic.EFORBIDDEN, "The outcome definitions are for the clinic's staff.")
	}
	return findOutcomeDefinitions(db.readOne(ctx), a.ClinicID)
}

// SaveOutcomeDefinitions implements clinic.OutcomeService.
func (db *DB) SaveOutcomeDefinitions(ctx context.Context, defs outcomes.Definitions) (*clinic.OutcomeDefinitions, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if !clinic.CanEditOutcomeDefinitions(a, a.ClinicID) || a.ClinicID == 0 {
		return nil, clinic.Errorf(clinic.EFORBIDDEN, "The outcome definitions are changed by the clinic's clinicians and administrators.")
	}
	if err := defs.Validate(); err != nil {
		return nil, clinic.Invalid("definitions", "%v", err)
	}
	js, err := json.Marshal(defs)
	if err != nil {
		return nil, fmt.Errorf("outcome definitions: %w", err)
	}
	var out *clinic.OutcomeDefinitions
	err = db.update(ctx, func(tx *Tx) error {
		before, err := findOutcomeDefinitions(tx.one(), a.ClinicID)
		if err != nil {
			return err
		}
		d := &clinic.OutcomeDefinitions{ClinicID: a.ClinicID, Definitions: defs, Version: before.Version + 1,
			UpdatedBy: journalUserID(a), UpdatedAt: tx.now}
		if before.Version == 0 {
			_, err = tx.ExecContext(ctx, `INSERT INTO outcome_definitions (clinic_id, definitions_json, version, updated_by, updated_at)
				VALUES ($1, $2, $3, $4, $5)`, d.ClinicID, string(js), d.Version, nullInt(d.UpdatedBy), d.UpdatedAt)
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE outcome_definitions SET definitions_json = $1, version = $2, updated_by = $3, updated_at = $4
				WHERE clinic_id = $5`, string(js), d.Version, nullInt(d.UpdatedBy), d.UpdatedAt, d.ClinicID)
		}
		if err != nil {
			return fmt.Errorf("save outcome definitions: %w", err)
		}
		out = d
		return tx.audit(clinic.AuditEntry{ClinicID: d.ClinicID, Action: clinic.ActionUpdate, Entity: "outcome_definitions",
			EntityID: d.ClinicID}, before, d)
	})
	return out, err
}
