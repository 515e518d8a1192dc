package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/crps"
)

// Intake versions (issue 7, migration 0004): every save is a new version.

// intakeDoc is what intakes.input_json holds.
type intakeDoc struct {
	Presentation    crps.Presentation     `json:"presentation"`
	Medications     []clinic.Medication   `json:"medications"`
	PriorTreatments []crps.PriorTreatment `json:"prior_treatments"`
	Notes           string                `json:"notes,omitempty"`
}

// SaveIntake implements clinic.IntakeService.
func (db *DB) SaveIntake(ctx context.Context, patientID int64, in clinic.IntakeInput) (*clinic.Intake, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var out *clinic.Intake
	err = db.update(ctx, func(tx *Tx) error {
		p, err := workupPatient(ctx, tx, a, patientID, true)
		if err != nil {
			return err
		}
		out, err = tx.saveIntake(p, in)
		return err
	})
	return out, err
}

// saveIntake validates in and stores it as p's newest intake inside tx,
// with its weight and height, every row audited.
func (tx *Tx) saveIntake(p *clinic.Patient, in clinic.IntakeInput) (*clinic.Intake, error) {
	ctx, a := tx.ctx, tx.actor
	if err := in.Validate(p, clinic.DateOf(tx.now), tx.now); err != nil {
		return nil, err
	}
	mme, err := in.Summarize()
	if err != nil {
		return nil, err
	}
	if in.Weight == nil {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM body_weights WHERE patient_id = $1`, p.ID).Scan(&n); err != nil {
			return nil, fmt.Errorf("save intake: %w", err)
		}
		if n == 0 {
			return nil, clinic.Invalid("weight", "no weight is on record: record the patient's weight with its unit (e.g. 70kg or 154lb)")
		}
	}
	by, name := workupActor(a)
	it := &clinic.Intake{ClinicID: p.ClinicID, PatientID: p.ID, Presentation: in.Presentation, Medications: in.Medications,
		PriorTreatments: in.PriorTreatments, Notes: in.Notes, MME: mme, PriorRelief: crps.TallyRelief(in.PriorTreatments),
		RecordedBy: by, RecordedByName: name, RecordedAt: tx.now}
	m := clinic.Measurement{MeasuredAt: in.MeasuredAt, Note: "recorded with the intake"}
	if in.Weight != nil {
		if it.Weight, err = tx.insertWeight(p, *in.Weight, m); err != nil {
			return nil, err
		}
	}
	if in.Height != nil {
		if it.Height, err = tx.insertHeight(p, *in.Height, m); err != nil {
			return nil, err
		}
	}
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM intakes WHERE patient_id = $1`, p.ID).Scan(&it.Version); err != nil {
		return nil, fmt.Errorf("save intake: %w", err)
	}
	doc, err := json.Marshal(intakeDoc{it.Presentation, it.Medications, it.PriorTreatments, it.Notes})
	if err != nil {
		return nil, fmt.Errorf("save intake: %w", err)
	}
	mmeJSON, err := json.Marshal(mme)
	if err != nil {
		return nil, fmt.Errorf("save intake: %w", err)
	}
	var weightID, heightID int64
	if it.Weight != nil {
		weightID = it.Weight.ID
	}
	if it.Height != nil {
		heightID = it.Height.ID
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO intakes
		(clinic_id, patient_id, version, input_json, mme_json, weight_id, height_id, recorded_by, recorded_by_name, recorded_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		p.ClinicID, p.ID, it.Version, string(doc), string(mmeJSON), nullInt(weightID), nullInt(heightID), nullInt(by), name, tx.now).Scan(&it.ID)
	if err != nil {
		return nil, conflict(err, "save intake", "version", "Another intake of this patient was saved at the same moment; reload and try again.")
	}
	return it, tx.audit(clinic.AuditEntry{ClinicID: p.ClinicID, Action: clinic.ActionCreate, Entity: "intake",
		EntityID: it.ID, PatientID: p.ID}, nil, it)
}

const intakeColumns = `id, clinic_id, patient_id, version, input_json, mme_json, weight_id, height_id, recorded_by, recorded_by_name, recorded_at`

// scanIntake reads one intakes row; the weight and height it refers to are
// loaded by loadIntakeMeasurements.
func scanIntake(row interface{ Scan(...any) error }) (*clinic.Intake, int64, int64, error) {
	it := &clinic.Intake{}
	var doc, mme string
	var weightID, heightID, by sql.NullInt64
	if err := row.Scan(&it.ID, &it.ClinicID, &it.PatientID, &it.Version, &doc, &mme, &weightID, &heightID, &by,
		&it.RecordedByName, &it.RecordedAt); err != nil {
		return nil, 0, 0, err
	}
	var d intakeDoc
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		return nil, 0, 0, fmt.Errorf("intake %d: %w", it.ID, err)
	}
	if err := json.Unmarshal([]byte(mme), &it.MME); err != nil {
		return nil, 0, 0, fmt.Errorf("intake %d mme: %w", it.ID, err)
	}
	it.Presentation, it.Medications, it.PriorTreatments, it.Notes = d.Presentation, d.Medications, d.PriorTreatments, d.Notes
	if it.Medications == nil {
		it.Medications = []clinic.Medication{}
	}
	if it.PriorTreatments == nil {
		it.PriorTreatments = []crps.PriorTreatment{}
	}
	it.PriorRelief = crps.TallyRelief(it.PriorTreatments)
	it.RecordedBy, it.RecordedAt = by.Int64, it.RecordedAt.UTC()
	return it, weightID.Int64, heightID.Int64, nil
}

// findIntakes returns the patient's intakes, newest first (limit 0: all).
func (db *DB) findIntakes(ctx context.Context, patientID int64, limit int) ([]*clinic.Intake, error) {
	q := `SELECT ` + intakeColumns + ` FROM intakes WHERE patient_id = $1 ORDER BY version DESC`
	if limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", limit)
	}
	rows, err := db.read.QueryContext(ctx, q, patientID)
	if err != nil {
		return nil, fmt.Errorf("find intakes: %w", err)
	}
	type ref struct {
		it       *clinic.Intake
		wID, hID int64
	}
	var refs []ref
	for rows.Next() {
		it, w, h, err := scanIntake(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("find intakes: %w", err)
		}
		refs = append(refs, ref{it, w, h})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find intakes: %w", err)
	}
	out := make([]*clinic.Intake, 0, len(refs))
	for _, r := range refs {
		if r.wID != 0 {
			if r.it.Weight, err = scanWeight(db.read.QueryRowContext(ctx, `SELECT `+weightColumns+` FROM body_weights WHERE id = $1`, r.wID)); err != nil {
				return nil, fmt.Errorf("intake %d weight: %w", r.it.ID, err)
			}
		}
		if r.hID != 0 {
			if r.it.Height, err = scanHeight(db.read.QueryRowContext(ctx, `SELECT `+heightColumns+` FROM body_heights WHERE id = $1`, r.hID)); err != nil {
				return nil, fmt.Errorf("intake %d height: %w", r.it.ID, err)
			}
		}
		out = append(out, r.it)
	}
	return out, nil
}

// FindIntakes implements clinic.IntakeService.
func (db *DB) FindIntakes(ctx context.Context, patientID int64) ([]*clinic.Intake, error) {
	if _, err := db.readableWorkupPatient(ctx, patientID); err != nil {
		return nil, err
	}
	return db.findIntakes(ctx, patientID, 0)
}

// WorkupSummary implements clinic.WorkupService.
func (db *DB) WorkupSummary(ctx context.Context, patientID int64) (*clinic.WorkupSummary, error) {
	if _, err := db.readableWorkupPatient(ctx, patientID); err != nil {
		return nil, err
	}
	s := &clinic.WorkupSummary{}
	var err error
	orNone := func(err error) error {
		if clinic.ErrorCode(err) == clinic.ENOTFOUND {
			return nil
		}
		return err
	}
	if s.Weight, err = db.CurrentWeight(ctx, patientID); orNone(err) != nil {
		return nil, err
	}
	if s.Height, err = db.CurrentHeight(ctx, patientID); orNone(err) != nil {
		return nil, err
	}
	intakes, err := db.findIntakes(ctx, patientID, 1)
	if err != nil {
		return nil, err
	}
	if len(intakes) > 0 {
		s.Intake = intakes[0]
	}
	diags, err := db.findDiagnoses(ctx, patientID, 1)
	if err != nil {
		return nil, err
	}
	if len(diags) > 0 {
		s.Diagnosis = diags[0]
	}
	scr, err := db.findScreenings(ctx, patientID, 1)
	if err != nil {
		return nil, err
	}
	if len(scr) > 0 {
		s.Screening = scr[0]
	}
	if s.Decision, err = db.latestDecision(ctx, patientID); orNone(err) != nil {
		return nil, err
	}
	return s, nil
}
