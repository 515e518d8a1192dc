package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/units"
)

// Weights and heights (issue 7): append-only histories per patient
// (migration 0004). The current weight is the one measured last; ties go
// to the one recorded last.

// querier is what both the read pool and a write transaction offer.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// workupPatient loads the patient for a workup record and checks that the
// actor may read it (a refused read is ENOTFOUND, like a missing patient)
// and, when write is set, write it.
func workupPatient(ctx context.Context, q querier, a *clinic.Actor, patientID int64, write bool) (*clinic.Patient, error) {
	p, err := scanPatient(q.QueryRowContext(ctx, `SELECT `+patientColumns+` FROM patients WHERE id = $1`, patientID))
	if err != nil {
		return nil, notFound(err, "find patient", "No such patient.")
	}
	if !clinic.CanReadPatient(a, p) {
		return nil, clinic.Errorf(clinic.ENOTFOUND, "No such patient.")
	}
	if write && !clinic.CanWritePatientRecord(a, p.ClinicID, p.ID) {
		return nil, clinic.Errorf(clinic.EFORBIDDEN, "You may not change this patient's clinical record.")
	}
	return p, nil
}

// workupActor returns the user ID (0 for the command line) and the name
// recorded as the author of a workup record.
func workupActor(a *clinic.Actor) (int64, string) {
	if a == nil {
		return 0, ""
	}
	name := a.Name
	if name == "" {
		name = a.Login
	}
	if a.System {
		return 0, name
	}
	return a.UserID, name
}

const weightColumns = `id, clinic_id, patient_id, weight, weight_kg, measured_at, note, recorded_by, recorded_by_name, recorded_at`

func scanWeight(row interface{ Scan(...any) error }) (*clinic.WeightRecord, error) {
	w := &clinic.WeightRecord{}
	var text string
	var by sql.NullInt64
	if err := row.Scan(&w.ID, &w.ClinicID, &w.PatientID, &text, &w.Kilograms, &w.MeasuredAt, &w.Note, &by,
		&w.RecordedByName, &w.RecordedAt); err != nil {
		return nil, err
	}
	bw, err := units.ParseBodyWeight("weight", text)
	if err != nil {
		return nil, fmt.Errorf("stored weight %d: %w", w.ID, err)
	}
	w.Weight, w.RecordedBy = bw, by.Int64
	w.MeasuredAt, w.RecordedAt = w.MeasuredAt.UTC(), w.RecordedAt.UTC()
	return w, nil
}

const heightColumns = `id, clinic_id, patient_id, height, height_cm, measured_at, note, recorded_by, recorded_by_name, recorded_at`

func scanHeight(row interface{ Scan(...any) error }) (*clinic.HeightRecord, error) {
	h := &clinic.HeightRecord{}
	var text string
	var by sql.NullInt64
	if err := row.Scan(&h.ID, &h.ClinicID, &h.PatientID, &text, &h.Centimetres, &h.MeasuredAt, &h.Note, &by,
		&h.RecordedByName, &h.RecordedAt); err != nil {
		return nil, err
	}
	bh, err := clinic.ParseBodyHeight("height", text)
	if err != nil {
		return nil, fmt.Errorf("stored height %d: %w", h.ID, err)
	}
	h.Height, h.RecordedBy = bh, by.Int64
	h.MeasuredAt, h.RecordedAt = h.MeasuredAt.UTC(), h.RecordedAt.UTC()
	return h, nil
}

// insertWeight stores a validated weight of p inside tx and audits it.
func (tx *Tx) insertWeight(p *clinic.Patient, w units.BodyWeight, m clinic.Measurement) (*clinic.WeightRecord, error) {
	by, name := workupActor(tx.actor)
	rec := &clinic.WeightRecord{ClinicID: p.ClinicID, PatientID: p.ID, Weight: w, Kilograms: w.Kilograms(),
		MeasuredAt: m.MeasuredAt.UTC().Truncate(time.Microsecond), Note: m.Note, RecordedBy: by, RecordedByName: name, RecordedAt: tx.now}
	err := tx.QueryRowContext(tx.ctx, `INSERT INTO body_weights
		(clinic_id, patient_id, weight, weight_kg, measured_at, note, recorded_by, recorded_by_name, recorded_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		rec.ClinicID, rec.PatientID, w.String(), rec.Kilograms, rec.MeasuredAt, rec.Note, nullInt(by), name, tx.now).Scan(&rec.ID)
	if err != nil {
		return nil, fmt.Errorf("record weight: %w", err)
	}
	return rec, tx.audit(clinic.AuditEntry{ClinicID: p.ClinicID, Action: clinic.ActionCreate, Entity: "weight",
		EntityID: rec.ID, PatientID: p.ID}, nil, rec)
}

// insertHeight stores a validated height of p inside tx and audits it.
func (tx *Tx) insertHeight(p *clinic.Patient, h clinic.BodyHeight, m clinic.Measurement) (*clinic.HeightRecord, error) {
	by, name := workupActor(tx.actor)
	rec := &clinic.HeightRecord{ClinicID: p.ClinicID, PatientID: p.ID, Height: h, Centimetres: h.Centimetres(),
		MeasuredAt: m.MeasuredAt.UTC().Truncate(time.Microsecond), Note: m.Note, RecordedBy: by, RecordedByName: name, RecordedAt: tx.now}
	err := tx.QueryRowContext(tx.ctx, `INSERT INTO body_heights
		(clinic_id, patient_id, height, height_cm, measured_at, note, recorded_by, recorded_by_name, recorded_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		rec.ClinicID, rec.PatientID, h.String(), rec.Centimetres, rec.MeasuredAt, rec.Note, nullInt(by), name, tx.now).Scan(&rec.ID)
	if err != nil {
		return nil, fmt.Errorf("record height: %w", err)
	}
	return rec, tx.audit(clinic.AuditEntry{ClinicID: p.ClinicID, Action: clinic.ActionCreate, Entity: "height",
		EntityID: rec.ID, PatientID: p.ID}, nil, rec)
}

// RecordWeight implements clinic.IntakeService.
func (db *DB) RecordWeight(ctx context.Context, patientID int64, w units.BodyWeight, m clinic.Measurement) (*clinic.WeightRecord, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if err := clinic.CheckWeight("weight", w); err != nil {
		return nil, err
	}
	if err := m.Validate("measured_at", db.now()); err != nil {
		return nil, err
	}
	var out *clinic.WeightRecord
	err = db.update(ctx, func(tx *Tx) error {
		p, err := workupPatient(ctx, tx, a, patientID, true)
		if err != nil {
			return err
		}
		out, err = tx.insertWeight(p, w, m)
		return err
	})
	return out, err
}

// RecordHeight implements clinic.IntakeService.
func (db *DB) RecordHeight(ctx context.Context, patientID int64, h clinic.BodyHeight, m clinic.Measurement) (*clinic.HeightRecord, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := clinic.ParseBodyHeight("height", h.String()); err != nil {
		return nil, err
	}
	if err := m.Validate("measured_at", db.now()); err != nil {
		return nil, err
	}
	var out *clinic.HeightRecord
	err = db.update(ctx, func(tx *Tx) error {
		p, err := workupPatient(ctx, tx, a, patientID, true)
		if err != nil {
			return err
		}
		out, err = tx.insertHeight(p, h, m)
		return err
	})
	return out, err
}

// latestFirst orders a measurement history: measured last first, then
// recorded last.
const latestFirst = ` ORDER BY measured_at DESC, id DESC`

// queryList runs a read query and scans every row with scan, in order; the
// list is empty, not nil, when no row matches. what names the query in
// errors ("find weights").
func queryList[T any](ctx context.Context, q *sql.DB, what string, scan func(interface{ Scan(...any) error }) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// FindWeights implements clinic.IntakeService.
func (db *DB) FindWeights(ctx context.Context, patientID int64) ([]*clinic.WeightRecord, error) {
	if _, err := db.readableWorkupPatient(ctx, patientID); err != nil {
		return nil, err
	}
	return queryList(ctx, db.read, "find weights", scanWeight, `SELECT `+weightColumns+` FROM body_weights WHERE patient_id = $1`+latestFirst, patientID)
}

// FindHeights implements clinic.IntakeService.
func (db *DB) FindHeights(ctx context.Context, patientID int64) ([]*clinic.HeightRecord, error) {
	if _, err := db.readableWorkupPatient(ctx, patientID); err != nil {
		return nil, err
	}
	return queryList(ctx, db.read, "find heights", scanHeight, `SELECT `+heightColumns+` FROM body_heights WHERE patient_id = $1`+latestFirst, patientID)
}

// CurrentWeight implements clinic.IntakeService: the weight measured last
// (ties: recorded last). Other features (courses, charting) read the
// patient's weight here. ENOTFOUND when none is on record.
func (db *DB) CurrentWeight(ctx context.Context, patientID int64) (*clinic.WeightRecord, error) {
	if _, err := db.readableWorkupPatient(ctx, patientID); err != nil {
		return nil, err
	}
	w, err := scanWeight(db.read.QueryRowContext(ctx, `SELECT `+weightColumns+` FROM body_weights WHERE patient_id = $1`+latestFirst+` LIMIT 1`, patientID))
	if err != nil {
		return nil, notFound(err, "current weight", "No weight is recorded for this patient.")
	}
	return w, nil
}

// CurrentHeight implements clinic.IntakeService.
func (db *DB) CurrentHeight(ctx context.Context, patientID int64) (*clinic.HeightRecord, error) {
	if _, err := db.readableWorkupPatient(ctx, patientID); err != nil {
		return nil, err
	}
	h, err := scanHeight(db.read.QueryRowContext(ctx, `SELECT `+heightColumns+` FROM body_heights WHERE patient_id = $1`+latestFirst+` LIMIT 1`, patientID))
	if err != nil {
		return nil, notFound(err, "current height", "No height is recorded for this patient.")
	}
	return h, nil
}

// readableWorkupPatient checks that the actor of ctx may read the patient.
func (db *DB) readableWorkupPatient(ctx context.Context, patientID int64) (*clinic.Patient, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	return workupPatient(ctx, db.read, a, patientID, false)
}
