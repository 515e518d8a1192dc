package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/ketatrack/ketatrack/internal/clinic"
)

const patientColumns = `id, clinic_id, mrn, given_name, family_name, birth_date, sex, phone, email, referring_doctor, referring_address, created_at, updated_at`

func scanPatient(row interface{ Scan(...any) error }) (*clinic.Patient, error) {
	p := &clinic.Patient{}
	var birth sql.NullTime
	var sex string
	if err := row.Scan(&p.ID, &p.ClinicID, &p.MRN, &p.GivenName, &p.FamilyName, &birth, &sex,
		&p.Phone, &p.Email, &p.ReferringDoctor, &p.ReferringAddress, &p.CreatedAt, &p.UpdatedAt); err != nil {
		return nil, err
	}
	p.BirthDate, p.Sex = dateOf(birth), clinic.Sex(sex)
	return p, nil
}

// FindPatientByID implements clinic.PatientService.
func (db *DB) FindPatientByID(ctx context.Context, id int64) (*clinic.Patient, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	p, err := scanPatient(db.queryRow(ctx, `SELECT `+patientColumns+` FROM patients WHERE id = $1`, id))
	if err != nil {
		return nil, notFound(err, "find patient", "No such patient.")
	}
	if !clinic.CanReadPatient(a, p) {
		return nil, clinic.Errorf(clinic.ENOTFOUND, "No such patient.")
	}
	return p, nil
}

// patientScope restricts a query of patients to those a may list.
func patientScope(a *clinic.Actor, w *where) error {
	switch {
	case a.System:
	case a.Role == clinic.RolePatient:
		w.add("id = " + w.arg(a.PatientID))
	case clinic.CanListPatients(a):
		w.add("clinic_id = " + w.arg(a.ClinicID))
	default:
		return clinic.Errorf(clinic.EFORBIDDEN, "You may not list patients.")
	}
	return nil
}

// patientSearchKeys are the expressions a search matches the start of. Each
// has an index on (clinic_id, expression) in binary order (migration 0009),
// so a search is one index range per expression. The full name covers a
// search of the given name: for a query without a space, "given family"
// starts with it exactly when the given name does.
var patientSearchKeys = []string{"lower(mrn)", "lower(family_name)", "lower(given_name || ' ' || family_name)"}

// FindPatients implements clinic.PatientService. The page is a keyset range
// of patients_by_name_id (clinic_id, family_name, given_name, id) after
// f.After, never an OFFSET, so page 400 costs what page 1 does.
func (db *DB) FindPatients(ctx context.Context, f clinic.PatientFilter) ([]*clinic.Patient, *clinic.PatientKey, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, nil, err
	}
	var w where
	if err := patientScope(a, &w); err != nil {
		return nil, nil, err
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		lo, hi, bounded := prefixRange(db.lower(q))
		var or []string
		for _, k := range patientSearchKeys {
			c := db.binary(k) + " >= " + w.arg(lo)
			if bounded {
				c += " AND " + db.binary(k) + " < " + w.arg(hi)
			}
			or = append(or, "("+c+")")
		}
		w.add("(" + strings.Join(or, " OR ") + ")")
	}
	if len(f.IDs) > 0 {
		var in string
		in, w.args = inList(w.args, f.IDs)
		w.add("id IN (" + in + ")")
	}
	if k := f.After; k != nil {
		w.add("(family_name, given_name, id) > (" + w.arg(k.FamilyName) + ", " + w.arg(k.GivenName) + ", " + w.arg(k.ID) + ")")
	}
	n := limit(f.Limit, 50, 500)
	// One row more than the page tells whether there is a next page.
	q := `SELECT ` + patientColumns + ` FROM patients` + w.sql() +
		` ORDER BY family_name, given_name, id LIMIT ` + w.arg(n+1)
	rows, err := db.query(ctx, q, w.args...)
	if err != nil {
		return nil, nil, fmt.Errorf("find patients: %w", err)
	}
	defer rows.Close()
	var out []*clinic.Patient
	for rows.Next() {
		p, err := scanPatient(rows)
		if err != nil {
			return nil, nil, fmt.Errorf("find patients: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("find patients: %w", err)
	}
	if len(out) > n {
		out = out[:n]
		next := out[n-1].Key()
		return out, &next, nil
	}
	return out, nil, nil
}

// CountPatients implements clinic.PatientService.
func (db *DB) CountPatients(ctx context.Context) (int, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return 0, err
	}
	var w where
	if err := patientScope(a, &w); err != nil {
		return 0, err
	}
	var total int
	if err := db.queryRow(ctx, `SELECT count(*) FROM patients`+w.sql(), w.args...).Scan(&total); err != nil {
		return 0, fmt.Errorf("count patients: %w", err)
	}
	return total, nil
}

// CreatePatient implements clinic.PatientService.
func (db *DB) CreatePatient(ctx context.Context, p *clinic.Patient) error {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return err
	}
	if !a.System {
		p.ClinicID = a.ClinicID
	}
	if !clinic.CanWritePatient(a, p) {
		return clinic.Errorf(clinic.EFORBIDDEN, "You may not register patients.")
	}
	if err := p.Validate(db.now()); err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error { return tx.insertPatient(p) })
}

// insertPatient stores a validated p inside tx, sets its ID and times, and
// audits it.
func (tx *Tx) insertPatient(p *clinic.Patient) error {
	p.CreatedAt, p.UpdatedAt = tx.now, tx.now
	err := tx.QueryRowContext(tx.ctx, `INSERT INTO patients
		(clinic_id, mrn, given_name, family_name, birth_date, sex, phone, email, referring_doctor, referring_address, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
		p.ClinicID, p.MRN, p.GivenName, p.FamilyName, dateArg(p.BirthDate), string(p.Sex), p.Phone, p.Email,
		p.ReferringDoctor, p.ReferringAddress, p.CreatedAt, p.UpdatedAt).Scan(&p.ID)
	if err != nil {
		return conflict(err, "create patient", "mrn", fmt.Sprintf("The MRN %s is already in use in this clinic.", p.MRN))
	}
	if err := bumpOutcomeGen(tx, p.ClinicID, p.ID); err != nil {
		return err
	}
	return tx.audit(clinic.AuditEntry{ClinicID: p.ClinicID, Action: clinic.ActionCreate, Entity: "patient",
		EntityID: p.ID, PatientID: p.ID}, nil, p)
}

// UpdatePatient implements clinic.PatientService.
func (db *DB) UpdatePatient(ctx context.Context, id int64, u clinic.PatientUpdate) (*clinic.Patient, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var out *clinic.Patient
	err = db.update(ctx, func(tx *Tx) error {
		before, err := scanPatient(tx.QueryRowContext(ctx, `SELECT `+patientColumns+` FROM patients WHERE id = $1`, id))
		if err != nil {
			return notFound(err, "update patient", "No such patient.")
		}
		if !clinic.CanReadPatient(a, before) {
			return clinic.Errorf(clinic.ENOTFOUND, "No such patient.")
		}
		if !clinic.CanWritePatient(a, before) {
			return clinic.Errorf(clinic.EFORBIDDEN, "You may not change this patient's details.")
		}
		p := *before
		u.Apply(&p)
		if err := p.Validate(tx.now); err != nil {
			return err
		}
		p.UpdatedAt = tx.now
		_, err = tx.ExecContext(ctx, `UPDATE patients SET mrn = $1, given_name = $2, family_name = $3, birth_date = $4,
			sex = $5, phone = $6, email = $7, referring_doctor = $8, referring_address = $9, updated_at = $10 WHERE id = $11`,
			p.MRN, p.GivenName, p.FamilyName, dateArg(p.BirthDate), string(p.Sex), p.Phone, p.Email,
			p.ReferringDoctor, p.ReferringAddress, p.UpdatedAt, id)
		if err != nil {
			return conflict(err, "update patient", "mrn", fmt.Sprintf("The MRN %s is already in use in this clinic.", p.MRN))
		}
		out = &p
		// The outcomes name the patient by MRN (relief periods).
		if err := bumpOutcomeGen(tx, p.ClinicID, p.ID); err != nil {
			return err
		}
		return tx.audit(clinic.AuditEntry{ClinicID: p.ClinicID, Action: clinic.ActionUpdate, Entity: "patient",
			EntityID: p.ID, PatientID: p.ID}, before, p)
	})
	return out, err
}
