package clinic

import (
	"context"
	"time"
)

// Session lifetime and login throttling.
const (
	// SessionLifetime is how long a login lasts: one clinical shift. The
	// session is stored in the database so that any server instance can
	// serve any request.
	SessionLifetime = 12 * time.Hour
	// LoginFailureLimit failed logins for one login within LoginFailureWindow
	// refuse further attempts for that login until the window has passed
	// (counted from the audit log, so it holds across server instances).
	// Chosen in the spirit of the OWASP Authentication Cheat Sheet (account
	// lockout with a time-based release); the cheat sheet names no numbers.
	LoginFailureLimit  = 5
	LoginFailureWindow = 15 * time.Minute
	// LoginAddressLimit login attempts from one client address within
	// LoginAddressWindow (a sliding window), successful ones given back, so
	// a clinic whose staff share one address (NAT) is not slowed at a change
	// of shift. It bounds the CPU an attacker spends on argon2id and the
	// guesses sprayed across accounts from one address. Counted in the
	// database (table login_attempts), so it holds across server instances.
	// 10 a minute is the limit the server had as an in-memory token bucket
	// before (no published number; the OWASP Authentication Cheat Sheet
	// asks for a limit, not a value).
	LoginAddressLimit  = 10
	LoginAddressWindow = time.Minute
)

// Session is a server-side login. The client holds a random token; the
// database holds only the token's SHA-256 hash.
type Session struct {
	ID         int64     `json:"id"`
	UserID     int64     `json:"user_id"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	RemoteAddr string    `json:"-"`
}

// LoginRequest is what a user gives to log in, with where it came from.
type LoginRequest struct {
	Login      string
	Password   string
	RemoteAddr string
	UserAgent  string
}

// AuthService logs users in and out and resolves session tokens.
type AuthService interface {
	// Login checks the password and creates a session, returning it with the
	// token to give the client. Wrong login or password: EUNAUTHORIZED with
	// one message for both. Too many recent failures of the login, or too
	// many attempts from req.RemoteAddr: ERATELIMIT. Every attempt is
	// audited, except those refused by the address limit (a flood must not
	// cost a write per request).
	Login(ctx context.Context, req LoginRequest) (*Session, string, error)
	// Logout ends the session with token (no error if it has ended already).
	Logout(ctx context.Context, token string) error
	// Authenticate returns the actor and the session of a live token, or
	// EUNAUTHORIZED.
	Authenticate(ctx context.Context, token string) (*Actor, *Session, error)
}
