package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/ketatrack/ketatrack/internal/clinic"
)

// The analytics' booster list from the outcome summaries, by keyset.

// BoosterKey is a row's place in the booster list: the patients with a
// suggested booster by its due date, then those without one, each in
// FindPatients order (family name, given name, ID).
type BoosterKey struct {
	// Due is the suggested date, "" for none.
	Due        string `json:"due"`
	FamilyName string `json:"f"`
	GivenName  string `json:"g"`
	ID         int64  `json:"id"`
}

// BoosterSummary is one row of the booster list: the patient, the due date
// of a suggested booster (zero: none) and the suggestion as the summary
// encoded it.
type BoosterSummary struct {
	Patient *clinic.Patient
	Due     clinic.Date
	Booster []byte
}

// Key is the row's place in the list.
func (b *BoosterSummary) Key() BoosterKey {
	k := BoosterKey{FamilyName: b.Patient.FamilyName, GivenName: b.Patient.GivenName, ID: b.Patient.ID}
	if !b.Due.IsZero() {
		k.Due = b.Due.String()
	}
	return k
}

// FindBoosters returns the page of at most limit (1–1000) rows of the
// booster list of the actor's clinic's patients with an outcome after the
// row at after (nil: from the first), and the key of its last row when
// there are more. The caller refreshes the stale summaries first.
func (db *DB) FindBoosters(ctx context.Context, after *BoosterKey, limit int) ([]BoosterSummary, *BoosterKey, error) {
	clinicID, err := summaryClinic(ctx)
	if err != nil {
		return nil, nil, err
	}
	if limit < 1 || limit > 1000 {
		return nil, nil, fmt.Errorf("boosters: a page of %d rows", limit)
	}
	var w where
	w.add("o.clinic_id = " + w.arg(clinicID))
	w.add("o.has_outcome = " + w.arg(true))
	if k := after; k != nil {
		names := "(p.family_name, p.given_name, p.id) > (" + w.arg(k.FamilyName) + ", " + w.arg(k.GivenName) + ", " + w.arg(k.ID) + ")"
		if k.Due == "" {
			w.add("o.booster_due IS NULL AND " + names)
		} else {
			d, err := clinic.ParseDate(k.Due)
			if err != nil {
				return nil, nil, clinic.Invalid("after", "%v", err)
			}
			w.add("(o.booster_due IS NULL OR o.booster_due > " + w.arg(d.String()) + " OR (o.booster_due = " + w.arg(d.String()) + " AND " + names + "))")
		}
	}
	q := `SELECT ` + prefixed("p", patientColumns) + `, o.booster_due, o.booster_json
		FROM patient_outcomes o JOIN patients p ON p.id = o.patient_id` + w.sql() + `
		ORDER BY o.booster_due IS NULL, o.booster_due, p.family_name, p.given_name, p.id LIMIT ` + w.arg(limit+1)
	var out []BoosterSummary
	err = db.eachRow(ctx, q, w.args, func(rows *sql.Rows) error {
		var b BoosterSummary
		var due sql.NullTime
		var booster sql.NullString
		p, err := scanPatient(withExtra(rows, &due, &booster))
		if err != nil {
			return err
		}
		b.Patient, b.Due = p, dateOf(due)
		if booster.Valid {
			b.Booster = []byte(booster.String)
		}
		out = append(out, b)
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("boosters: %w", err)
	}
	if len(out) > limit {
		out = out[:limit]
		next := out[limit-1].Key()
		return out, &next, nil
	}
	return out, nil, nil
}
