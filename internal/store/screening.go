package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/screening"
)

// Screenings and the clinicians' decisions on them (issue 7, migration
// 0004): each save is a new record.

// SaveScreening implements clinic.ScreeningService.
func (db *DB) SaveScreening(ctx context.Context, patientID int64, in screening.Input) (*clinic.Screening, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var out *clinic.Screening
	err = db.update(ctx, func(tx *Tx) error {
		p, err := workupPatient(ctx, tx, a, patientID, true)
		if err != nil {
			return err
		}
		if in.Conditions == nil {
			in.Conditions = map[string]screening.Answer{}
		}
		if in.Tests == nil {
			in.Tests = []screening.TestRecord{}
		}
		in.Vitals.MeasuredAt = in.Vitals.MeasuredAt.UTC()
		if err := clinic.ValidateScreeningInput(in, tx.now); err != nil {
			return err
		}
		res, err := screening.Screen(in)
		if err != nil {
			return screeningInvalid("", err)
		}
		by, name := workupActor(a)
		s := &clinic.Screening{ClinicID: p.ClinicID, PatientID: p.ID, Input: in, Result: res, RecordedBy: by,
			RecordedByName: name, RecordedAt: tx.now, Decisions: []*clinic.ScreeningDecision{}}
		inJSON, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("save screening: %w", err)
		}
		resJSON, err := json.Marshal(res)
		if err != nil {
			return fmt.Errorf("save screening: %w", err)
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO screenings
			(clinic_id, patient_id, input_json, result_json, status, recorded_by, recorded_by_name, recorded_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			p.ClinicID, p.ID, string(inJSON), string(resJSON), string(res.Status), nullInt(by), name, tx.now).Scan(&s.ID)
		if err != nil {
			return fmt.Errorf("save screening: %w", err)
		}
		out = s
		return tx.audit(clinic.AuditEntry{ClinicID: p.ClinicID, Action: clinic.ActionCreate, Entity: "screening",
			EntityID: s.ID, PatientID: p.ID}, nil, s)
	})
	return out, err
}

// screeningInvalid turns a screening.FieldError into EINVALID on its field.
func screeningInvalid(prefix string, err error) error {
	var fe *screening.FieldError
	if errors.As(err, &fe) {
		f := fe.Field
		if prefix != "" {
			f = prefix + "." + f
		}
		return clinic.Invalid(f, "%s", fe.Message)
	}
	return err
}

// DecideScreening implements clinic.ScreeningService. The decision is
// signed with the clinician's user ID and the time of saving, and checked
// against the screening with screening.Record.Evaluate (which applies
// screening.Decide).
func (db *DB) DecideScreening(ctx context.Context, screeningID int64, in clinic.DecisionInput) (*clinic.ScreeningDecision, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var out *clinic.ScreeningDecision
	err = db.update(ctx, func(tx *Tx) error {
		s, err := scanScreening(tx.QueryRowContext(ctx, `SELECT `+screeningColumns+` FROM screenings WHERE id = $1`, screeningID))
		if err != nil {
			return notFound(err, "decide screening", "No such screening.")
		}
		p, err := workupPatient(ctx, tx, a, s.PatientID, false)
		if err != nil {
			return clinic.Errorf(clinic.ENOTFOUND, "No such screening.")
		}
		if !clinic.CanDiagnose(a, p.ClinicID) {
			return clinic.Errorf(clinic.EFORBIDDEN, "Only a clinician decides on a screening and signs its overrides.")
		}
		by, name := workupActor(a)
		clinician := strconv.FormatInt(by, 10)
		if a.System {
			clinician = a.Login
		}
		overrides := in.Overrides
		if overrides == nil {
			overrides = []screening.Override{}
		}
		dec := screening.Decision{Clinician: clinician, DecidedAt: tx.now, Verdict: in.Verdict, Reason: in.Reason, Overrides: overrides}
		for i, o := range dec.Overrides {
			if len(o.Reason) > 1000 {
				return clinic.Invalid("overrides["+strconv.Itoa(i)+"].reason", "is longer than 1000 characters")
			}
		}
		if len(dec.Reason) > 2000 {
			return clinic.Invalid("reason", "is longer than 2000 characters")
		}
		res, err := screening.Record{Input: s.Input, Decision: &dec}.Evaluate()
		if err != nil {
			return screeningInvalid("", stripDecisionPrefix(err))
		}
		d := &clinic.ScreeningDecision{ScreeningID: s.ID, ClinicID: p.ClinicID, PatientID: p.ID, Decision: dec, Result: res,
			ClinicianName: name, Current: true}
		decJSON, err := json.Marshal(dec)
		if err != nil {
			return fmt.Errorf("decide screening: %w", err)
		}
		resJSON, err := json.Marshal(res)
		if err != nil {
			return fmt.Errorf("decide screening: %w", err)
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO screening_decisions
			(screening_id, clinic_id, patient_id, verdict, status, decision_json, result_json, decided_by, decided_by_name, decided_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			s.ID, p.ClinicID, p.ID, string(dec.Verdict), string(res.Status), string(decJSON), string(resJSON), nullInt(by), name, tx.now).Scan(&d.ID)
		if err != nil {
			return fmt.Errorf("decide screening: %w", err)
		}
		var newer int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM screenings WHERE patient_id = $1 AND id > $2`, p.ID, s.ID).Scan(&newer); err != nil {
			return fmt.Errorf("decide screening: %w", err)
		}
		d.Current = newer == 0
		out = d
		return tx.audit(clinic.AuditEntry{ClinicID: p.ClinicID, Action: clinic.ActionSign, Entity: "screening_decision",
			EntityID: d.ID, PatientID: p.ID}, nil, d)
	})
	return out, err
}

// stripDecisionPrefix removes the "decision." prefix screening.Record puts
// on the decision's fields: the API's decision body has them at its top.
func stripDecisionPrefix(err error) error {
	var fe *screening.FieldError
	if errors.As(err, &fe) && len(fe.Field) > len("decision.") && fe.Field[:len("decision.")] == "decision." {
		return &screening.FieldError{Field: fe.Field[len("decision."):], Message: fe.Message}
	}
	return err
}

const screeningColumns = `id, clinic_id, patient_id, input_json, result_json, recorded_by, recorded_by_name, recorded_at`

func scanScreening(row interface{ Scan(...any) error }) (*clinic.Screening, error) {
	s := &clinic.Screening{Decisions: []*clinic.ScreeningDecision{}}
	var in, res string
	var by sql.NullInt64
	if err := row.Scan(&s.ID, &s.ClinicID, &s.PatientID, &in, &res, &by, &s.RecordedByName, &s.RecordedAt); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(in), &s.Input); err != nil {
		return nil, fmt.Errorf("screening %d: %w", s.ID, err)
	}
	if err := json.Unmarshal([]byte(res), &s.Result); err != nil {
		return nil, fmt.Errorf("screening %d result: %w", s.ID, err)
	}
	s.RecordedBy, s.RecordedAt = by.Int64, s.RecordedAt.UTC()
	s.Input.Vitals.MeasuredAt = s.Input.Vitals.MeasuredAt.UTC()
	return s, nil
}

const decisionColumns = `id, screening_id, clinic_id, patient_id, decision_json, result_json, decided_by_name`

func scanDecision(row interface{ Scan(...any) error }) (*clinic.ScreeningDecision, error) {
	d := &clinic.ScreeningDecision{}
	var dec, res string
	if err := row.Scan(&d.ID, &d.ScreeningID, &d.ClinicID, &d.PatientID, &dec, &res, &d.ClinicianName); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(dec), &d.Decision); err != nil {
		return nil, fmt.Errorf("screening decision %d: %w", d.ID, err)
	}
	if err := json.Unmarshal([]byte(res), &d.Result); err != nil {
		return nil, fmt.Errorf("screening decision %d result: %w", d.ID, err)
	}
	d.Decision.DecidedAt = d.Decision.DecidedAt.UTC()
	return d, nil
}

// findScreenings returns the patient's screenings, newest first, with their
// decisions (limit 0: all).
func (db *DB) findScreenings(ctx context.Context, patientID int64, limit int) ([]*clinic.Screening, error) {
	q := `SELECT ` + screeningColumns + ` FROM screenings WHERE patient_id = $1 ORDER BY id DESC`
	if limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", limit)
	}
	rows, err := db.read.QueryContext(ctx, q, patientID)
	if err != nil {
		return nil, fmt.Errorf("find screenings: %w", err)
	}
	out := []*clinic.Screening{}
	byID := map[int64]*clinic.Screening{}
	for rows.Next() {
		s, err := scanScreening(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("find screenings: %w", err)
		}
		out = append(out, s)
		byID[s.ID] = s
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find screenings: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	latest := out[0].ID
	if limit > 0 {
		if err := db.read.QueryRowContext(ctx, `SELECT MAX(id) FROM screenings WHERE patient_id = $1`, patientID).Scan(&latest); err != nil {
			return nil, fmt.Errorf("find screenings: %w", err)
		}
	}
	drows, err := db.read.QueryContext(ctx, `SELECT `+decisionColumns+` FROM screening_decisions WHERE patient_id = $1 AND screening_id >= $2 ORDER BY id`,
		patientID, out[len(out)-1].ID)
	if err != nil {
		return nil, fmt.Errorf("find screening decisions: %w", err)
	}
	defer drows.Close()
	for drows.Next() {
		d, err := scanDecision(drows)
		if err != nil {
			return nil, fmt.Errorf("find screening decisions: %w", err)
		}
		if s, ok := byID[d.ScreeningID]; ok {
			d.Current = d.ScreeningID == latest
			s.Decisions = append(s.Decisions, d)
		}
	}
	return out, drows.Err()
}

// FindScreenings implements clinic.ScreeningService.
func (db *DB) FindScreenings(ctx context.Context, patientID int64) ([]*clinic.Screening, error) {
	if _, err := db.readableWorkupPatient(ctx, patientID); err != nil {
		return nil, err
	}
	return db.findScreenings(ctx, patientID, 0)
}

// latestDecision returns the patient's latest decision with Current set.
func (db *DB) latestDecision(ctx context.Context, patientID int64) (*clinic.ScreeningDecision, error) {
	d, err := scanDecision(db.read.QueryRowContext(ctx, `SELECT `+decisionColumns+` FROM screening_decisions WHERE patient_id = $1 ORDER BY id DESC LIMIT 1`, patientID))
	if err != nil {
		return nil, notFound(err, "latest screening decision", "No screening decision is recorded for this patient.")
	}
	var latest int64
	if err := db.read.QueryRowContext(ctx, `SELECT MAX(id) FROM screenings WHERE patient_id = $1`, patientID).Scan(&latest); err != nil {
		return nil, fmt.Errorf("latest screening decision: %w", err)
	}
	d.Current = d.ScreeningID == latest
	return d, nil
}

// LatestScreeningDecision implements clinic.ScreeningService. Courses read
// it to know whether a patient may start: only a decision that is Current
// and Cleared lets them.
func (db *DB) LatestScreeningDecision(ctx context.Context, patientID int64) (*clinic.ScreeningDecision, error) {
	if _, err := db.readableWorkupPatient(ctx, patientID); err != nil {
		return nil, err
	}
	return db.latestDecision(ctx, patientID)
}
