package store

import (
	"context"
	"fmt"

	"github.com/ketatrack/ketatrack/internal/clinic"
)

// RecordPrint implements clinic.DocumentService: one audit entry per
// document produced, entity "document", the record printed in after_json.
func (db *DB) RecordPrint(ctx context.Context, d *clinic.DocumentPrint) error {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return err
	}
	if err := d.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		var clinicID int64
		if err := tx.QueryRowContext(ctx, `SELECT clinic_id FROM patients WHERE id = $1`, d.PatientID).Scan(&clinicID); err != nil {
			return notFound(err, "record print", "No such patient.")
		}
		if !clinic.CanReadPatientRecord(a, clinicID, d.PatientID) {
			return clinic.Errorf(clinic.ENOTFOUND, "No such patient.")
		}
		if !clinic.CanPrintDocument(a, d.Kind, clinicID, d.PatientID) {
			return clinic.Errorf(clinic.EFORBIDDEN, "You may not print the %s.", d.Kind.Title())
		}
		if err := tx.audit(clinic.AuditEntry{ClinicID: clinicID, Action: clinic.ActionPrint, Entity: "document",
			EntityID: d.EntityID, PatientID: d.PatientID}, nil, d); err != nil {
			return fmt.Errorf("record print: %w", err)
		}
		return nil
	})
}
