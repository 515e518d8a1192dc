package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/ketatrack/ketatrack/internal/clinic"
)

// Consent forms and consents (migration 0005, clinic.ConsentService).

var _ clinic.ConsentService = (*DB)(nil)

const consentFormColumns = `f.id, f.clinic_id, f.version, f.title, f.body, f.effective_from, f.created_by_name, f.created_at`

func scanConsentForm(row interface{ Scan(...any) error }) (*clinic.ConsentForm, error) {
	f := &clinic.ConsentForm{}
	var eff sql.NullTime
	if err := row.Scan(&f.ID, &f.ClinicID, &f.Version, &f.Title, &f.Body, &eff, &f.CreatedByName, &f.CreatedAt); err != nil {
		return nil, err
	}
	f.EffectiveFrom = dateOf(eff)
	return f, nil
}

// CreateConsentForm implements clinic.ConsentService.
func (db *DB) CreateConsentForm(ctx context.Context, in clinic.ConsentFormInput) (*clinic.ConsentForm, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if a.ClinicID == 0 || !clinic.CanManageConsentForms(a, a.ClinicID) {
		return nil, clinic.Errorf(clinic.EFORBIDDEN, "Only the clinic's administrators and clinicians add consent form versions.")
	}
	f, err := in.Parse()
	if err != nil {
		return nil, err
	}
	f.ClinicID = a.ClinicID
	err = db.update(ctx, func(tx *Tx) error {
		f.CreatedByName, f.CreatedAt = actorName(a), tx.now
		if err := tx.QueryRowContext(ctx, `INSERT INTO consent_forms (clinic_id, version, title, body, effective_from, created_by, created_by_name, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, f.ClinicID, f.Version, f.Title, f.Body, dateArg(f.EffectiveFrom),
			nullInt(actorUserID(a)), f.CreatedByName, f.CreatedAt).Scan(&f.ID); err != nil {
			return conflict(err, "consent form", "version", fmt.Sprintf("Version %q exists already: a changed form is a new version.", f.Version))
		}
		return tx.audit(clinic.AuditEntry{ClinicID: f.ClinicID, Action: clinic.ActionCreate, Entity: "consent_form", EntityID: f.ID}, nil, &f)
	})
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// FindConsentForms implements clinic.ConsentService.
func (db *DB) FindConsentForms(ctx context.Context) ([]*clinic.ConsentForm, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+consentFormColumns+` FROM consent_forms f WHERE f.clinic_id = $1
		ORDER BY f.effective_from DESC, f.id DESC`, a.ClinicID)
	if err != nil {
		return nil, fmt.Errorf("consent forms: %w", err)
	}
	defer rows.Close()
	out := []*clinic.ConsentForm{}
	for rows.Next() {
		f, err := scanConsentForm(rows)
		if err != nil {
			return nil, fmt.Errorf("consent forms: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// currentForm is the version of clinicID's form in force on date on.
func (db *DB) currentForm(ctx context.Context, q queryer, clinicID int64, on clinic.Date) (*clinic.ConsentForm, error) {
	f, err := scanConsentForm(q.QueryRowContext(ctx, `SELECT `+consentFormColumns+` FROM consent_forms f
		WHERE f.clinic_id = $1 AND f.effective_from <= $2 ORDER BY f.effective_from DESC, f.id DESC LIMIT 1`, clinicID, dateArg(on)))
	if err != nil {
		return nil, notFound(err, "consent form", "The clinic has no consent form in force: an administrator or clinician adds one under Consent forms.")
	}
	return f, nil
}

// CurrentConsentForm implements clinic.ConsentService.
func (db *DB) CurrentConsentForm(ctx context.Context, on clinic.Date) (*clinic.ConsentForm, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	return db.currentForm(ctx, db.read, a.ClinicID, on)
}

const consentColumns = `c.id, c.clinic_id, c.patient_id, c.course_id, c.form_id, f.version, c.method, c.signed_name, c.statement,
	c.recorded_by_name, c.recorded_at, w.reason, w.recorded_by_name, w.recorded_at`

const consentFrom = ` FROM course_consents c JOIN consent_forms f ON f.id = c.form_id LEFT JOIN consent_withdrawals w ON w.consent_id = c.id`

func scanConsent(row interface{ Scan(...any) error }) (*clinic.Consent, error) {
	c := &clinic.Consent{}
	var method string
	var wr, wb sql.NullString
	var wat sql.NullTime
	if err := row.Scan(&c.ID, &c.ClinicID, &c.PatientID, &c.CourseID, &c.FormID, &c.FormVersion, &method, &c.SignedName, &c.Statement,
		&c.RecordedByName, &c.RecordedAt, &wr, &wb, &wat); err != nil {
		return nil, err
	}
	c.Method = clinic.ConsentMethod(method)
	if wat.Valid {
		c.Withdrawal = &clinic.ConsentWithdrawal{Reason: wr.String, RecordedByName: wb.String, RecordedAt: wat.Time}
	}
	return c, nil
}

// latestConsent is the course's newest consent (nil for none).
func (db *DB) latestConsent(ctx context.Context, q queryer, courseID int64) (*clinic.Consent, error) {
	c, err := scanConsent(q.QueryRowContext(ctx, `SELECT `+consentColumns+consentFrom+` WHERE c.course_id = $1 ORDER BY c.id DESC LIMIT 1`, courseID))
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("course consent: %w", err)
	}
	return c, nil
}

// RecordConsent implements clinic.ConsentService.
func (db *DB) RecordConsent(ctx context.Context, courseID int64, in clinic.ConsentInput) (*clinic.Consent, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var out *clinic.Consent
	err = db.update(ctx, func(tx *Tx) error {
		c, err := db.courseForRead(ctx, tx, a, courseID)
		if err != nil {
			return err
		}
		if !clinic.CanWritePatientRecord(a, c.ClinicID, c.PatientID) && !clinic.CanWriteOwnJournal(a, c.ClinicID, c.PatientID) {
			return clinic.Errorf(clinic.EFORBIDDEN, "You may not record consent for this course.")
		}
		p, err := db.patientForConsent(ctx, tx, c.PatientID)
		if err != nil {
			return err
		}
		if err := in.Check(a, p); err != nil {
			return err
		}
		f, err := db.currentForm(ctx, tx, c.ClinicID, db.Today())
		if err != nil {
			return &clinic.Error{Code: clinic.ECONFLICT, Field: "form", Message: clinic.ErrorMessage(err)}
		}
		k := &clinic.Consent{ClinicID: c.ClinicID, PatientID: c.PatientID, CourseID: c.ID, FormID: f.ID, FormVersion: f.Version,
			Method: in.Method, SignedName: strings.TrimSpace(in.SignedName), Statement: clinic.ConsentStatement,
			RecordedByName: actorName(a), RecordedAt: tx.now}
		if in.Method == clinic.ConsentAttestation {
			k.SignedName, k.Statement = actorName(a), clinic.AttestationStatement
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO course_consents (clinic_id, patient_id, course_id, form_id, method, signed_name, statement,
			recorded_by, recorded_by_name, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			k.ClinicID, k.PatientID, k.CourseID, k.FormID, string(k.Method), k.SignedName, k.Statement, nullInt(actorUserID(a)),
			k.RecordedByName, k.RecordedAt).Scan(&k.ID); err != nil {
			return fmt.Errorf("record consent: %w", err)
		}
		out = k
		return tx.audit(clinic.AuditEntry{ClinicID: k.ClinicID, Action: clinic.ActionCreate, Entity: "consent", EntityID: k.ID,
			PatientID: k.PatientID}, nil, k)
	})
	return out, err
}

// patientForConsent reads the patient's name (rights are the caller's).
func (db *DB) patientForConsent(ctx context.Context, q queryer, id int64) (*clinic.Patient, error) {
	p := &clinic.Patient{ID: id}
	if err := q.QueryRowContext(ctx, `SELECT given_name, family_name FROM patients WHERE id = $1`, id).Scan(&p.GivenName, &p.FamilyName); err != nil {
		return nil, notFound(err, "patient", "No such patient.")
	}
	return p, nil
}

// FindConsents implements clinic.ConsentService.
func (db *DB) FindConsents(ctx context.Context, courseID int64) ([]*clinic.Consent, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := db.courseForRead(ctx, db.read, a, courseID); err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+consentColumns+consentFrom+` WHERE c.course_id = $1 ORDER BY c.id DESC`, courseID)
	if err != nil {
		return nil, fmt.Errorf("consents: %w", err)
	}
	defer rows.Close()
	out := []*clinic.Consent{}
	for rows.Next() {
		c, err := scanConsent(rows)
		if err != nil {
			return nil, fmt.Errorf("consents: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// WithdrawConsent implements clinic.ConsentService.
func (db *DB) WithdrawConsent(ctx context.Context, consentID int64, reason string) (*clinic.Consent, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, clinic.Invalid("reason", "is required: what the patient said, or how the withdrawal was received")
	}
	if len([]rune(reason)) > 2000 {
		return nil, clinic.Invalid("reason", "at most 2000 characters")
	}
	var out *clinic.Consent
	err = db.update(ctx, func(tx *Tx) error {
		c, err := scanConsent(tx.QueryRowContext(ctx, `SELECT `+consentColumns+consentFrom+` WHERE c.id = $1`, consentID))
		if err != nil {
			return notFound(err, "consent", "No such consent.")
		}
		if !clinic.CanReadPatientRecord(a, c.ClinicID, c.PatientID) {
			return clinic.Errorf(clinic.ENOTFOUND, "No such consent.")
		}
		if !clinic.CanWritePatientRecord(a, c.ClinicID, c.PatientID) && !clinic.CanWriteOwnJournal(a, c.ClinicID, c.PatientID) {
			return clinic.Errorf(clinic.EFORBIDDEN, "You may not withdraw this consent.")
		}
		if c.Withdrawal != nil {
			return &clinic.Error{Code: clinic.ECONFLICT, Field: "reason", Message: "This consent was withdrawn already."}
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO consent_withdrawals (consent_id, clinic_id, course_id, reason, recorded_by, recorded_by_name, recorded_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, c.ID, c.ClinicID, c.CourseID, reason, nullInt(actorUserID(a)), actorName(a), tx.now).Scan(&id); err != nil {
			return conflict(err, "withdraw consent", "reason", "This consent was withdrawn at the same time.")
		}
		c.Withdrawal = &clinic.ConsentWithdrawal{Reason: reason, RecordedByName: actorName(a), RecordedAt: tx.now}
		out = c
		return tx.audit(clinic.AuditEntry{ClinicID: c.ClinicID, Action: "withdraw", Entity: "consent", EntityID: c.ID, PatientID: c.PatientID}, nil, c.Withdrawal)
	})
	return out, err
}
