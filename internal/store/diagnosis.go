package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/crps"
)

// CRPS diagnostic evaluations (issue 7, migration 0004): each save is a new
// record holding what was entered and what crps.Diagnose computed then.

// SaveDiagnosis implements clinic.DiagnosisService.
func (db *DB) SaveDiagnosis(ctx context.Context, patientID int64, in clinic.DiagnosisInput) (*clinic.Diagnosis, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var out *clinic.Diagnosis
	err = db.update(ctx, func(tx *Tx) error {
		p, err := workupPatient(ctx, tx, a, patientID, false)
		if err != nil {
			return err
		}
		if !clinic.CanDiagnose(a, p.ClinicID) {
			return clinic.Errorf(clinic.EFORBIDDEN, "Only a clinician records a CRPS diagnosis.")
		}
		if err := in.Validate(); err != nil {
			return err
		}
		on, err := in.AssessedDate(clinic.DateOf(tx.now))
		if err != nil {
			return err
		}
		it, _, _, err := scanIntake(tx.QueryRowContext(ctx, `SELECT `+intakeColumns+` FROM intakes WHERE patient_id = $1 ORDER BY version DESC LIMIT 1`, p.ID))
		if err != nil {
			if err == sql.ErrNoRows {
				return clinic.Invalid("intake", "record the patient's intake (inciting event, affected limbs) before a diagnosis")
			}
			return fmt.Errorf("save diagnosis: %w", err)
		}
		rec := crps.Record{Presentation: it.Presentation, Assessment: in.Assessment, History: in.History,
			Severity: in.Severity, PriorTreatments: it.PriorTreatments}
		if rec.Assessment.Symptoms == nil {
			rec.Assessment.Symptoms = []string{}
		}
		if rec.Assessment.Signs == nil {
			rec.Assessment.Signs = []string{}
		}
		res, err := crps.Diagnose(rec)
		if err != nil {
			var fe *crps.FieldError
			if errors.As(err, &fe) {
				return clinic.Invalid(fe.Field, "%s", fe.Message)
			}
			return fmt.Errorf("save diagnosis: %w", err)
		}
		by, name := workupActor(a)
		d := &clinic.Diagnosis{ClinicID: p.ClinicID, PatientID: p.ID, IntakeID: it.ID, AssessedOn: on, Record: rec, Result: res,
			Notes: in.Notes, RecordedBy: by, RecordedByName: name, RecordedAt: tx.now}
		recJSON, err := json.Marshal(rec)
		if err != nil {
			return fmt.Errorf("save diagnosis: %w", err)
		}
		resJSON, err := json.Marshal(res)
		if err != nil {
			return fmt.Errorf("save diagnosis: %w", err)
		}
		var cssVersion, cssScore any
		if res.Severity != nil {
			cssVersion, cssScore = string(res.Severity.Version), res.Severity.Score
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO crps_diagnoses
			(clinic_id, patient_id, intake_id, assessed_on, record_json, result_json, clinical, research, crps_type,
			 css_version, css_score, notes, recorded_by, recorded_by_name, recorded_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
			p.ClinicID, p.ID, it.ID, dateArg(on), string(recJSON), string(resJSON), string(res.Evaluation.Clinical.Outcome),
			string(res.Evaluation.Research.Outcome), string(res.Classification.Type), cssVersion, cssScore, in.Notes,
			nullInt(by), name, tx.now).Scan(&d.ID)
		if err != nil {
			return fmt.Errorf("save diagnosis: %w", err)
		}
		out = d
		return tx.audit(clinic.AuditEntry{ClinicID: p.ClinicID, Action: clinic.ActionCreate, Entity: "crps_diagnosis",
			EntityID: d.ID, PatientID: p.ID}, nil, d)
	})
	return out, err
}

const diagnosisColumns = `id, clinic_id, patient_id, intake_id, assessed_on, record_json, result_json, notes, recorded_by, recorded_by_name, recorded_at`

func scanDiagnosis(row interface{ Scan(...any) error }) (*clinic.Diagnosis, error) {
	d := &clinic.Diagnosis{}
	var on sql.NullTime
	var rec, res string
	var by sql.NullInt64
	if err := row.Scan(&d.ID, &d.ClinicID, &d.PatientID, &d.IntakeID, &on, &rec, &res, &d.Notes, &by, &d.RecordedByName, &d.RecordedAt); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(rec), &d.Record); err != nil {
		return nil, fmt.Errorf("diagnosis %d: %w", d.ID, err)
	}
	if err := json.Unmarshal([]byte(res), &d.Result); err != nil {
		return nil, fmt.Errorf("diagnosis %d result: %w", d.ID, err)
	}
	d.AssessedOn, d.RecordedBy, d.RecordedAt = dateOf(on), by.Int64, d.RecordedAt.UTC()
	return d, nil
}

// findDiagnoses returns the patient's evaluations, newest first (limit 0:
// all).
func (db *DB) findDiagnoses(ctx context.Context, patientID int64, limit int) ([]*clinic.Diagnosis, error) {
	q := `SELECT ` + diagnosisColumns + ` FROM crps_diagnoses WHERE patient_id = $1 ORDER BY id DESC`
	if limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", limit)
	}
	return queryList(ctx, db.read, "find diagnoses", scanDiagnosis, q, patientID)
}

// FindDiagnoses implements clinic.DiagnosisService.
func (db *DB) FindDiagnoses(ctx context.Context, patientID int64) ([]*clinic.Diagnosis, error) {
	if _, err := db.readableWorkupPatient(ctx, patientID); err != nil {
		return nil, err
	}
	return db.findDiagnoses(ctx, patientID, 0)
}
