package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

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
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if !a.System {
		where = append(where, "clinic_id = "+arg(a.ClinicID))
	}
	if f.PatientID != 0 {
		where = append(where, "patient_id = "+arg(f.PatientID))
	}
	if f.Entity != "" {
		where = append(where, "entity = "+arg(f.Entity))
	}
	if f.Action != "" {
		where = append(where, "action = "+arg(f.Action))
	}
	if f.BeforeID != 0 {
		where = append(where, "id < "+arg(f.BeforeID))
	}
	q := `SELECT id, at, clinic_id, actor_id, actor_login, action, entity, entity_id, patient_id, before_json, after_json, remote_addr
		FROM audit_log`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY id DESC LIMIT " + arg(limit(f.Limit, 100, 1000))
	rows, err := db.query(ctx, q, args...)
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
