package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/ketatrack/ketatrack/internal/clinic"
)

const userColumns = `id, clinic_id, login, name, role, patient_id, disabled, password_hash, created_at, updated_at`

func scanUser(row interface{ Scan(...any) error }) (*clinic.User, error) {
	u := &clinic.User{}
	var role string
	var patientID sql.NullInt64
	if err := row.Scan(&u.ID, &u.ClinicID, &u.Login, &u.Name, &role, &patientID, &u.Disabled,
		&u.PasswordHash, &u.CreatedAt, &u.UpdatedAt); err != nil {
		return nil, err
	}
	u.Role, u.PatientID = clinic.Role(role), patientID.Int64
	return u, nil
}

// FindUserByID implements clinic.UserService.
func (db *DB) FindUserByID(ctx context.Context, id int64) (*clinic.User, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	u, err := scanUser(db.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	if err != nil {
		return nil, notFound(err, "find user", "No such user.")
	}
	if u.ID != a.UserID && !clinic.CanManageUsers(a, u.ClinicID) {
		return nil, clinic.Errorf(clinic.ENOTFOUND, "No such user.")
	}
	return u, nil
}

// FindUsers implements clinic.UserService.
func (db *DB) FindUsers(ctx context.Context, f clinic.UserFilter) ([]*clinic.User, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if !clinic.CanManageUsers(a, a.ClinicID) {
		return nil, clinic.Errorf(clinic.EFORBIDDEN, "Only an administrator may list users.")
	}
	q := `SELECT ` + userColumns + ` FROM users WHERE ($1 = 0 OR clinic_id = $1) AND ($2 = '' OR role = $2)
		ORDER BY name, id LIMIT $3 OFFSET $4`
	clinicID := a.ClinicID
	if a.System {
		clinicID = 0
	}
	rows, err := db.query(ctx, q, clinicID, string(f.Role), limit(f.Limit, 100, 1000), max(f.Offset, 0))
	if err != nil {
		return nil, fmt.Errorf("find users: %w", err)
	}
	defer rows.Close()
	var out []*clinic.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("find users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// CreateUser implements clinic.UserService.
func (db *DB) CreateUser(ctx context.Context, u *clinic.User, password string) error {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return err
	}
	if !a.System {
		u.ClinicID = a.ClinicID
	}
	if !clinic.CanManageUsers(a, u.ClinicID) {
		return clinic.Errorf(clinic.EFORBIDDEN, "Only an administrator may create users.")
	}
	u.Login = clinic.NormalizeLogin(u.Login)
	if err := u.Validate(); err != nil {
		return err
	}
	if err := clinic.CheckPassword(password); err != nil {
		return err
	}
	// Hash before the transaction: argon2id takes tens of milliseconds and
	// must not hold the write lock.
	hash, err := clinic.HashPassword(password)
	if err != nil {
		return err
	}
	u.PasswordHash = hash
	return db.update(ctx, func(tx *Tx) error {
		if u.PatientID != 0 {
			var clinicID int64
			err := tx.QueryRowContext(ctx, `SELECT clinic_id FROM patients WHERE id = $1`, u.PatientID).Scan(&clinicID)
			if err != nil || clinicID != u.ClinicID {
				return clinic.Invalid("patient_id", "no patient %d in this clinic", u.PatientID)
			}
		}
		u.CreatedAt, u.UpdatedAt = tx.now, tx.now
		err := tx.QueryRowContext(ctx, `INSERT INTO users
			(clinic_id, login, name, role, patient_id, disabled, password_hash, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			u.ClinicID, u.Login, u.Name, string(u.Role), nullInt(u.PatientID), u.Disabled, u.PasswordHash,
			u.CreatedAt, u.UpdatedAt).Scan(&u.ID)
		if err != nil {
			return conflict(err, "create user", "login", fmt.Sprintf("The login %s is already taken.", u.Login))
		}
		return tx.audit(clinic.AuditEntry{ClinicID: u.ClinicID, Action: clinic.ActionCreate, Entity: "user",
			EntityID: u.ID, PatientID: u.PatientID}, nil, u)
	})
}

// UpdateUser implements clinic.UserService.
func (db *DB) UpdateUser(ctx context.Context, id int64, upd clinic.UserUpdate) (*clinic.User, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var out *clinic.User
	err = db.update(ctx, func(tx *Tx) error {
		before, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
		if err != nil {
			return notFound(err, "update user", "No such user.")
		}
		if !clinic.CanManageUsers(a, before.ClinicID) {
			return clinic.Errorf(clinic.ENOTFOUND, "No such user.")
		}
		u := *before
		if upd.Name != nil {
			u.Name = *upd.Name
		}
		if upd.Role != nil {
			u.Role = *upd.Role
		}
		if upd.Disabled != nil {
			u.Disabled = *upd.Disabled
		}
		if u.ID == a.UserID && (u.Disabled || u.Role != clinic.RoleAdmin) {
			return clinic.Invalid("role", "you cannot disable or demote your own account; ask another administrator")
		}
		if err := u.Validate(); err != nil {
			return err
		}
		u.UpdatedAt = tx.now
		if _, err := tx.ExecContext(ctx, `UPDATE users SET name = $1, role = $2, disabled = $3, updated_at = $4 WHERE id = $5`,
			u.Name, string(u.Role), u.Disabled, u.UpdatedAt, id); err != nil {
			return fmt.Errorf("update user: %w", err)
		}
		if u.Disabled {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
				return fmt.Errorf("end sessions: %w", err)
			}
		}
		out = &u
		return tx.audit(clinic.AuditEntry{ClinicID: u.ClinicID, Action: clinic.ActionUpdate, Entity: "user",
			EntityID: u.ID, PatientID: u.PatientID}, before, u)
	})
	return out, err
}

// SetPassword implements clinic.UserService.
func (db *DB) SetPassword(ctx context.Context, id int64, current, password string) error {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return err
	}
	u, err := scanUser(db.write.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	if err != nil {
		return notFound(err, "set password", "No such user.")
	}
	self := u.ID == a.UserID
	if !self && !clinic.CanManageUsers(a, u.ClinicID) {
		return clinic.Errorf(clinic.ENOTFOUND, "No such user.")
	}
	if self && !clinic.VerifyPassword(u.PasswordHash, current) {
		return clinic.Invalid("current_password", "is not your current password")
	}
	if err := clinic.CheckPassword(password); err != nil {
		return err
	}
	hash, err := clinic.HashPassword(password)
	if err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3`, hash, tx.now, id); err != nil {
			return fmt.Errorf("set password: %w", err)
		}
		// End the user's sessions (an admin's reset ends all; a user's own
		// change keeps the session they made it from).
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND id <> $2`, id, sessionIDFrom(ctx, self)); err != nil {
			return fmt.Errorf("end sessions: %w", err)
		}
		return tx.audit(clinic.AuditEntry{ClinicID: u.ClinicID, Action: clinic.ActionUpdate, Entity: "user",
			EntityID: u.ID, PatientID: u.PatientID}, nil, map[string]string{"password": "changed"})
	})
}
