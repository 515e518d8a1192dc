package store

import (
	"context"
	"fmt"

	"github.com/ketatrack/ketatrack/internal/clinic"
)

// AuditExport implements clinic.ExportAuditor: one audit entry (action
// "export", entity "fhir") with what was handed out, in the patient's
// clinic (the actor's for a clinic-wide export).
func (db *DB) AuditExport(ctx context.Context, patientID int64, e clinic.Export) error {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		clinicID := a.ClinicID
		if a.System && e.ClinicID != 0 {
			clinicID = e.ClinicID
		}
		if patientID != 0 {
			p, err := workupPatient(ctx, tx, a, patientID, false)
			if err != nil {
				return err
			}
			clinicID = p.ClinicID
		}
		return tx.audit(clinic.AuditEntry{ClinicID: clinicID, Action: clinic.ActionExport, Entity: "fhir",
			PatientID: patientID}, nil, e)
	})
}

// AuditBulkExport implements clinic.ExportAuditor.
func (db *DB) AuditBulkExport(ctx context.Context, clinicID int64, patientIDs []int64, e clinic.Export) error {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return err
	}
	if !a.System && a.ClinicID != clinicID {
		return clinic.Errorf(clinic.EFORBIDDEN, "You may not export another clinic's records.")
	}
	e.ClinicID = clinicID
	per := clinic.Export{Format: e.Format, Operation: e.Operation, ClinicID: clinicID}
	return db.update(ctx, func(tx *Tx) error {
		if err := tx.audit(clinic.AuditEntry{ClinicID: clinicID, Action: clinic.ActionExport, Entity: "fhir"}, nil, e); err != nil {
			return err
		}
		for _, id := range patientIDs {
			if err := tx.audit(clinic.AuditEntry{ClinicID: clinicID, Action: clinic.ActionExport, Entity: "fhir", PatientID: id}, nil, per); err != nil {
				return err
			}
		}
		return nil
	})
}

// ImportPatient implements clinic.PatientImporter. Everything is checked
// before the transaction and again by the insert paths inside it; any error
// rolls the whole import back.
func (db *DB) ImportPatient(ctx context.Context, in *clinic.PatientImport) (*clinic.Patient, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	p := in.Patient
	if !a.System {
		p.ClinicID = a.ClinicID
	}
	if !clinic.CanWritePatient(a, &p) {
		return nil, clinic.Errorf(clinic.EFORBIDDEN, "You may not register patients.")
	}
	if err := p.Validate(db.now()); err != nil {
		return nil, err
	}
	now := db.now()
	for i, w := range in.Weights {
		if err := clinic.CheckWeight(fmt.Sprintf("weights[%d]", i), w.Weight); err != nil {
			return nil, err
		}
		if err := w.Measurement.Validate(fmt.Sprintf("weights[%d].measured_at", i), now); err != nil {
			return nil, err
		}
	}
	for i, h := range in.Heights {
		if err := clinic.CheckHeight(fmt.Sprintf("heights[%d]", i), h.Height); err != nil {
			return nil, err
		}
		if err := h.Measurement.Validate(fmt.Sprintf("heights[%d].measured_at", i), now); err != nil {
			return nil, err
		}
	}
	if in.Presentation != nil && len(in.Weights) == 0 {
		return nil, clinic.Invalid("weights", "an intake needs a body weight on record: the import has none")
	}
	err = db.update(ctx, func(tx *Tx) error {
		if err := tx.insertPatient(&p); err != nil {
			return err
		}
		for _, w := range in.Weights {
			if _, err := tx.insertWeight(&p, w.Weight, w.Measurement); err != nil {
				return err
			}
		}
		for _, h := range in.Heights {
			if _, err := tx.insertHeight(&p, h.Height, h.Measurement); err != nil {
				return err
			}
		}
		if in.Presentation != nil {
			if _, err := tx.saveIntake(&p, clinic.IntakeInput{Presentation: *in.Presentation, Notes: in.Notes}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}
