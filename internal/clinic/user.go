package clinic

import (
	"context"
	"strings"
	"time"
)

// User is an account: a member of staff or a patient.
type User struct {
	ID       int64 `json:"id"`
	ClinicID int64 `json:"clinic_id"`
	// Login is what the user types to log in (an e-mail address or a short
	// name); unique across clinics, compared case-insensitively.
	Login string `json:"login"`
	Name  string `json:"name"`
	Role  Role   `json:"role"`
	// PatientID links a patient's account to their record (RolePatient only).
	PatientID int64     `json:"patient_id,omitempty"`
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// PasswordHash is the argon2id hash (password.go); never serialised.
	PasswordHash string `json:"-"`
}

// NormalizeLogin returns the form logins are stored and compared in.
func NormalizeLogin(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Validate checks the user's fields.
func (u *User) Validate() error {
	if err := checkText("login", u.Login, 3, 200); err != nil {
		return err
	}
	if u.Login != NormalizeLogin(u.Login) {
		return Invalid("login", "must be lower case without surrounding spaces")
	}
	if strings.ContainsAny(u.Login, " \t") {
		return Invalid("login", "must not contain spaces")
	}
	if err := checkText("name", u.Name, 1, 200); err != nil {
		return err
	}
	if !u.Role.Valid() {
		return Invalid("role", "must be one of admin, clinician, nurse, patient")
	}
	if u.Role == RolePatient && u.PatientID == 0 {
		return Invalid("patient_id", "a patient's account must be linked to their record")
	}
	if u.Role != RolePatient && u.PatientID != 0 {
		return Invalid("patient_id", "only a patient's account is linked to a patient record")
	}
	return nil
}

// UserFilter selects users of the actor's clinic.
type UserFilter struct {
	Role   Role // "" for every role
	Offset int
	Limit  int // 0 means 100
}

// UserUpdate holds the fields to change; nil leaves a field as it is.
type UserUpdate struct {
	Name     *string `json:"name"`
	Role     *Role   `json:"role"`
	Disabled *bool   `json:"disabled"`
}

// UserService manages accounts. Only the clinic's admins (CanManageUsers)
// may list, create or change them; anyone may read their own account.
// Changes are audited without the password hash.
type UserService interface {
	// FindUserByID returns the user, ENOTFOUND if the actor may not see it.
	FindUserByID(ctx context.Context, id int64) (*User, error)
	// FindUsers lists the users of the actor's clinic, ordered by name.
	FindUsers(ctx context.Context, f UserFilter) ([]*User, error)
	// CreateUser validates u, hashes password into it and stores it in the
	// actor's clinic (u.ClinicID for System). ECONFLICT if the login is taken.
	CreateUser(ctx context.Context, u *User, password string) error
	// UpdateUser changes name, role or disabled. An admin cannot disable or
	// demote themself (so a clinic keeps an admin).
	UpdateUser(ctx context.Context, id int64, upd UserUpdate) (*User, error)
	// SetPassword replaces a user's password: an admin for their clinic's
	// users, or a user for themself (who must give the current password).
	// The user's other sessions are ended.
	SetPassword(ctx context.Context, id int64, current, password string) error
}
