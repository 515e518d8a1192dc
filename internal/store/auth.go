package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/ketatrack/ketatrack/internal/clinic"
)

// ActionLoginThrottled is audited for a login attempt refused because the
// login has failed too often recently (clinic.LoginFailureLimit); it does not
// count as a failure itself, so the lock lifts LoginFailureWindow after the
// last real failure.
const ActionLoginThrottled = "login.throttled"

func hashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

type sessionKey struct{}

// WithSession returns ctx carrying the ID of the session a request came in
// on, so that a password change can keep that session alive.
func WithSession(ctx context.Context, s *clinic.Session) context.Context {
	return context.WithValue(ctx, sessionKey{}, s.ID)
}

func sessionIDFrom(ctx context.Context, self bool) int64 {
	if !self {
		return 0
	}
	id, _ := ctx.Value(sessionKey{}).(int64)
	return id
}

// checkPassword checks a login and password as Login does: refused
// (ERATELIMIT, audited as throttled) after clinic.LoginFailureLimit recent
// failures of the login, and every wrong password audited as a failed login
// (so a witness's mistyped password counts towards the same limit). Wrong
// login and wrong password get the same message.
func (db *DB) checkPassword(ctx context.Context, rawLogin, password, remoteAddr string) (*clinic.User, error) {
	login := clinic.NormalizeLogin(rawLogin)
	if login == "" || password == "" {
		return nil, clinic.Errorf(clinic.EUNAUTHORIZED, "Wrong login or password.")
	}
	if len(login) > 200 || len(password) > clinic.MaxPasswordLen*4 {
		return nil, clinic.Errorf(clinic.EUNAUTHORIZED, "Wrong login or password.")
	}
	anon := clinic.NewContext(ctx, &clinic.Actor{Login: login, RemoteAddr: remoteAddr})
	now := db.now()

	u, err := scanUser(db.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE login = $1`, login))
	if err != nil {
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("login: %w", err)
		}
		u = nil
	}
	// Audit entries of a known login belong to its clinic, so its admins
	// see attacks on their accounts.
	attempt := clinic.AuditEntry{Entity: "session"}
	if u != nil {
		attempt.ClinicID, attempt.ActorID = u.ClinicID, u.ID
	}
	var failures int
	if err := db.queryRow(ctx, `SELECT count(*) FROM audit_log
		WHERE actor_login = $1 AND action = $2 AND at > $3`,
		login, clinic.ActionLoginFailed, now.Add(-clinic.LoginFailureWindow)).Scan(&failures); err != nil {
		return nil, fmt.Errorf("login: count failures: %w", err)
	}
	if failures >= clinic.LoginFailureLimit {
		err := db.update(anon, func(tx *Tx) error {
			e := attempt
			e.Action = ActionLoginThrottled
			return tx.audit(e, nil, nil)
		})
		if err != nil {
			return nil, err
		}
		return nil, clinic.Errorf(clinic.ERATELIMIT,
			"Too many failed logins for this account. Try again in %d minutes.", int(clinic.LoginFailureWindow.Minutes()))
	}

	ok := false
	if u != nil {
		ok = clinic.VerifyPassword(u.PasswordHash, password) && !u.Disabled
	} else {
		clinic.SpendPasswordTime(password)
	}
	if !ok {
		e := attempt
		e.Action = clinic.ActionLoginFailed
		if err := db.update(anon, func(tx *Tx) error { return tx.audit(e, nil, nil) }); err != nil {
			return nil, err
		}
		return nil, clinic.Errorf(clinic.EUNAUTHORIZED, "Wrong login or password.")
	}
	return u, nil
}

// Login implements clinic.AuthService.
func (db *DB) Login(ctx context.Context, req clinic.LoginRequest) (*clinic.Session, string, error) {
	attempt, err := db.takeLoginAttempt(ctx, req.RemoteAddr)
	if err != nil {
		return nil, "", err
	}
	u, err := db.checkPassword(ctx, req.Login, req.Password, req.RemoteAddr)
	if err != nil {
		return nil, "", err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, "", fmt.Errorf("session token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	s := &clinic.Session{UserID: u.ID, RemoteAddr: req.RemoteAddr}
	actor := clinic.NewContext(ctx, &clinic.Actor{UserID: u.ID, ClinicID: u.ClinicID, Login: u.Login, Role: u.Role,
		PatientID: u.PatientID, RemoteAddr: req.RemoteAddr})
	err = db.update(actor, func(tx *Tx) error {
		s.CreatedAt, s.ExpiresAt = tx.now, tx.now.Add(clinic.SessionLifetime)
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < $1`, tx.now); err != nil {
			return fmt.Errorf("purge sessions: %w", err)
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at, remote_addr)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, hashToken(token), u.ID, s.CreatedAt, s.ExpiresAt, req.RemoteAddr).Scan(&s.ID); err != nil {
			return fmt.Errorf("create session: %w", err)
		}
		if err := attempt.refund(tx); err != nil {
			return err
		}
		return tx.audit(clinic.AuditEntry{ClinicID: u.ClinicID, Action: clinic.ActionLogin, Entity: "session",
			EntityID: s.ID}, nil, map[string]string{"user_agent": truncate(req.UserAgent, 200)})
	})
	if err != nil {
		return nil, "", err
	}
	return s, token, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Authenticate implements clinic.AuthService.
func (db *DB) Authenticate(ctx context.Context, token string) (*clinic.Actor, *clinic.Session, error) {
	if token == "" || len(token) > 100 {
		return nil, nil, clinic.Errorf(clinic.EUNAUTHORIZED, "You must log in.")
	}
	s := &clinic.Session{}
	a := &clinic.Actor{}
	var role string
	var patientID *int64
	err := db.queryRow(ctx, `SELECT s.id, s.user_id, s.created_at, s.expires_at, s.remote_addr,
			u.clinic_id, u.login, u.name, u.role, u.patient_id
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = $1 AND s.expires_at > $2 AND NOT u.disabled`, hashToken(token), db.now()).
		Scan(&s.ID, &s.UserID, &s.CreatedAt, &s.ExpiresAt, &s.RemoteAddr, &a.ClinicID, &a.Login, &a.Name, &role, &patientID)
	if err != nil {
		return nil, nil, notFound(err, "authenticate", "Your session has ended; please log in.")
	}
	a.UserID, a.Role = s.UserID, clinic.Role(role)
	if patientID != nil {
		a.PatientID = *patientID
	}
	return a, s, nil
}

// Logout implements clinic.AuthService.
func (db *DB) Logout(ctx context.Context, token string) error {
	a, s, err := db.Authenticate(ctx, token)
	if err != nil {
		return nil // already ended
	}
	if r := clinic.ActorFrom(ctx); r != nil {
		a.RemoteAddr = r.RemoteAddr
	}
	return db.update(clinic.NewContext(ctx, a), func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = $1`, s.ID); err != nil {
			return fmt.Errorf("logout: %w", err)
		}
		return tx.audit(clinic.AuditEntry{ClinicID: a.ClinicID, Action: clinic.ActionLogout, Entity: "session", EntityID: s.ID}, nil, nil)
	})
}
