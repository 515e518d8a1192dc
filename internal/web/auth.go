package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
)

func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, token string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{
		Name:     sessionCookie,
		Value:    token,
		Path:     "/",
		Expires:  expires,
		MaxAge:   int(expires.Sub(s.Now()).Seconds()),
		HttpOnly: true,
		Secure:   r.TLS != nil || s.SecureCookies,
		// Lax: the cookie goes with top-level navigation from a link, not
		// with cross-site POSTs; CrossOriginProtection refuses those too.
		SameSite: http.SameSiteLaxMode,
	})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: r.TLS != nil || s.SecureCookies, SameSite: http.SameSiteLaxMode})
}

// localPath returns next if it is a path on this site, "/" otherwise (no
// open redirects).
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) error {
	if actor(r) != nil {
		http.Redirect(w, r, localPath(r.URL.Query().Get("next")), http.StatusSeeOther)
		return nil
	}
	f := newForm()
	f.Values["next"] = localPath(r.URL.Query().Get("next"))
	s.render(w, r, http.StatusOK, "login", &page{Title: "Log in", Form: f})
	return nil
}

// login runs the store's login with the client's address; both the form and
// the API use it. The rate limits, per account and per address, are the
// store's (clinic.LoginFailureLimit, clinic.LoginAddressLimit): counted in
// the database, they hold across server instances.
func (s *Server) login(r *http.Request, login, password string) (*clinic.Session, string, error) {
	return s.Auth.Login(r.Context(), clinic.LoginRequest{Login: login, Password: password,
		RemoteAddr: s.clientIP(r), UserAgent: r.UserAgent()})
}

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	f := newForm()
	f.Values["login"] = r.PostForm.Get("login")
	f.Values["next"] = localPath(r.PostForm.Get("next"))
	sess, token, err := s.login(r, r.PostForm.Get("login"), r.PostForm.Get("password"))
	if err != nil {
		code := clinic.ErrorCode(err)
		if code != clinic.EUNAUTHORIZED && code != clinic.ERATELIMIT {
			return err
		}
		f.Error = clinic.ErrorMessage(err)
		s.render(w, r, ErrorStatus(err), "login", &page{Title: "Log in", Form: f})
		return nil
	}
	s.setSessionCookie(w, r, token, sess.ExpiresAt)
	http.Redirect(w, r, f.Values["next"], http.StatusSeeOther)
	return nil
}

func (s *Server) logoutSubmit(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.Auth.Logout(r.Context(), c.Value); err != nil {
			return err
		}
	}
	s.clearSessionCookie(w, r)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

type apiLoginRequest struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

type apiSession struct {
	Token     string        `json:"token"`
	ExpiresAt time.Time     `json:"expires_at"`
	Actor     *clinic.Actor `json:"-"`
	User      apiMe         `json:"user"`
}

type apiMe struct {
	ID        int64       `json:"id"`
	ClinicID  int64       `json:"clinic_id"`
	Login     string      `json:"login"`
	Name      string      `json:"name"`
	Role      clinic.Role `json:"role"`
	PatientID int64       `json:"patient_id,omitempty"`
}

func meOf(a *clinic.Actor) apiMe {
	return apiMe{ID: a.UserID, ClinicID: a.ClinicID, Login: a.Login, Name: a.Name, Role: a.Role, PatientID: a.PatientID}
}

// apiLogin answers a token for "Authorization: Bearer" (and sets the cookie
// too, for a browser).
func (s *Server) apiLogin(w http.ResponseWriter, r *http.Request) error {
	var req apiLoginRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	sess, token, err := s.login(r, req.Login, req.Password)
	if err != nil {
		return err
	}
	a, _, err := s.Auth.Authenticate(r.Context(), token)
	if err != nil {
		return err
	}
	s.setSessionCookie(w, r, token, sess.ExpiresAt)
	writeJSON(w, http.StatusCreated, apiSession{Token: token, ExpiresAt: sess.ExpiresAt, User: meOf(a)})
	return nil
}

func (s *Server) apiLogout(w http.ResponseWriter, r *http.Request) error {
	token := bearerToken(r)
	if token == "" {
		if c, err := r.Cookie(sessionCookie); err == nil {
			token = c.Value
		}
	}
	if err := s.Auth.Logout(r.Context(), token); err != nil {
		return err
	}
	s.clearSessionCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, meOf(actor(r)))
	return nil
}
