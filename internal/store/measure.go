package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/ketatrack/ketatrack/internal/clinic"
)

// Functional measures (clinic.MeasureService) on both engines.

const measureColumns = `id, clinic_id, patient_id, kind, measured_on, value, unit, site, aid, note, recorded_by, recorded_by_name,
	recorded_at, in_error, in_error_reason, in_error_by, in_error_at`

func scanMeasure(row scanner) (*clinic.FunctionalMeasure, error) {
	m := &clinic.FunctionalMeasure{}
	var on, errAt sql.NullTime
	var by, errBy sql.NullInt64
	var kind string
	if err := row.Scan(&m.ID, &m.ClinicID, &m.PatientID, &kind, &on, &m.Value, &m.Unit, &m.Site, &m.Aid, &m.Note, &by,
		&m.RecordedByName, &m.RecordedAt, &m.InError, &m.InErrorReason, &errBy, &errAt); err != nil {
		return nil, err
	}
	m.Kind, m.MeasuredOn, m.RecordedBy, m.InErrorBy = clinic.MeasureKind(kind), dateOf(on), by.Int64, errBy.Int64
	if errAt.Valid {
		m.InErrorAt = errAt.Time
	}
	return m, nil
}

// RecordMeasure implements clinic.MeasureService.
func (db *DB) RecordMeasure(ctx context.Context, m *clinic.FunctionalMeasure) error {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return err
	}
	m.Value, m.Site, m.Aid, m.Note = strings.TrimSpace(m.Value), strings.TrimSpace(m.Site), strings.TrimSpace(m.Aid), strings.TrimSpace(m.Note)
	return db.update(ctx, func(tx *Tx) error {
		clinicID, err := patientClinic(tx.one(), a, m.PatientID)
		if err != nil {
			return err
		}
		if !clinic.CanWritePatientRecord(a, clinicID, m.PatientID) {
			return clinic.Errorf(clinic.EFORBIDDEN, "Functional measures are recorded by the clinic's staff.")
		}
		if err := m.Validate(tx.now); err != nil {
			return err
		}
		m.ClinicID, m.RecordedBy, m.RecordedByName, m.RecordedAt = clinicID, journalUserID(a), a.Name, tx.now
		if m.RecordedByName == "" {
			m.RecordedByName = a.Login
		}
		m.InError, m.InErrorReason, m.InErrorBy = false, "", 0
		err = tx.QueryRowContext(ctx, `INSERT INTO functional_measures (clinic_id, patient_id, kind, measured_on, value, unit, site, aid, note,
			recorded_by, recorded_by_name, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
			m.ClinicID, m.PatientID, string(m.Kind), dateArg(m.MeasuredOn), m.Value, m.Unit, m.Site, m.Aid, m.Note,
			nullInt(m.RecordedBy), m.RecordedByName, m.RecordedAt).Scan(&m.ID)
		if err != nil {
			return fmt.Errorf("record measure: %w", err)
		}
		return tx.audit(clinic.AuditEntry{ClinicID: clinicID, Action: clinic.ActionCreate, Entity: "functional_measure",
			EntityID: m.ID, PatientID: m.PatientID}, nil, m)
	})
}

// FindMeasures implements clinic.MeasureService.
func (db *DB) FindMeasures(ctx context.Context, patientID int64) ([]*clinic.FunctionalMeasure, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := patientClinic(db.readOne(ctx), a, patientID); err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, `SELECT `+measureColumns+` FROM functional_measures WHERE patient_id = $1
		ORDER BY measured_on, id`, patientID)
	if err != nil {
		return nil, fmt.Errorf("find measures: %w", err)
	}
	defer rows.Close()
	var out []*clinic.FunctionalMeasure
	for rows.Next() {
		m, err := scanMeasure(rows)
		if err != nil {
			return nil, fmt.Errorf("find measures: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// MarkMeasureInError implements clinic.MeasureService.
func (db *DB) MarkMeasureInError(ctx context.Context, id int64, reason string) (*clinic.FunctionalMeasure, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	var out *clinic.FunctionalMeasure
	err = db.update(ctx, func(tx *Tx) error {
		before, err := scanMeasure(tx.QueryRowContext(ctx, `SELECT `+measureColumns+` FROM functional_measures WHERE id = $1`, id))
		if err != nil {
			return notFound(err, "find measure", "No such measure.")
		}
		if !clinic.CanReadPatientRecord(a, before.ClinicID, before.PatientID) {
			return clinic.Errorf(clinic.ENOTFOUND, "No such measure.")
		}
		if !clinic.CanWritePatientRecord(a, before.ClinicID, before.PatientID) {
			return clinic.Errorf(clinic.EFORBIDDEN, "Functional measures are corrected by the clinic's staff.")
		}
		if before.InError {
			return clinic.Errorf(clinic.ECONFLICT, "This measure was already marked entered in error.")
		}
		if reason == "" {
			return clinic.Invalid("reason", "say why the measure was entered in error")
		}
		if err := checkReason(reason); err != nil {
			return err
		}
		m := *before
		m.InError, m.InErrorReason, m.InErrorBy, m.InErrorAt = true, reason, journalUserID(a), tx.now
		if _, err := tx.ExecContext(ctx, `UPDATE functional_measures SET in_error = $1, in_error_reason = $2, in_error_by = $3, in_error_at = $4
			WHERE id = $5`, true, reason, nullInt(m.InErrorBy), m.InErrorAt, id); err != nil {
			return fmt.Errorf("mark measure in error: %w", err)
		}
		out = &m
		return tx.audit(clinic.AuditEntry{ClinicID: m.ClinicID, Action: "entered_in_error", Entity: "functional_measure",
			EntityID: m.ID, PatientID: m.PatientID}, before, m)
	})
	return out, err
}

// checkReason bounds a free-text reason.
func checkReason(s string) error {
	if len([]rune(s)) > 500 {
		return clinic.Invalid("reason", "at most 500 characters")
	}
	return nil
}
