package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/ketatrack/ketatrack/internal/clinic"
)

// FindAuditEntries implements clinic.AuditService.
func (db *DB) FindAuditEntries(ctx context.Context, f clinic.AuditFilter) ([]*clinic.AuditEntry, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if !clinic.CanReadAudit(a, a.ClinicID) {
		return nil, clinic.Errorf(clinic.EFORBIDDEN, "You may not read the audit log.")
	}
	var w where
	if !a.System {
		w.add("clinic_id = " + w.arg(a.ClinicID))
	}
	if f.PatientID != 0 {
		w.add("patient_id = " + w.arg(f.PatientID))
	}
	if f.Entity != "" {
		w.add("entity = " + w.arg(f.Entity))
	}
	if f.Action != "" {
		w.add("action = " + w.arg(f.Action))
	}
	if f.BeforeID != 0 {
		w.add("id < " + w.arg(f.BeforeID))
	}
	q := `SELECT id, at, clinic_id, actor_id, actor_login, action, entity, entity_id, patient_id, before_json, after_json, remote_addr
		FROM audit_log` + w.sql() + " ORDER BY id DESC LIMIT " + w.arg(limit(f.Limit, 100, 1000))
	rows, err := db.query(ctx, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("find audit entries: %w", err)
	}
	defer rows.Close()
	var out []*clinic.AuditEntry
	for rows.Next() {
		e := &clinic.AuditEntry{}
		var clinicID, actorID, entityID, patientID sql.NullInt64
		var before, after sql.NullString
		if err := rows.Scan(&e.ID, &e.At, &clinicID, &actorID, &e.ActorLogin, &e.Action, &e.Entity, &entityID,
			&patientID, &before, &after, &e.RemoteAddr); err != nil {
			return nil, fmt.Errorf("find audit entries: %w", err)
		}
		e.ClinicID, e.ActorID, e.EntityID, e.PatientID = clinicID.Int64, actorID.Int64, entityID.Int64, patientID.Int64
		if before.Valid {
			e.Before = []byte(before.String)
		}
		if after.Valid {
			e.After = []byte(after.String)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
