package web

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/store"
)

// contentSecurityPolicy allows only this server's own scripts, styles and
// fonts: no inline script or style, no eval, no framing. Images may be data:
// URIs because Pico CSS draws its icons that way.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			// Clinical pages must not linger in shared caches.
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// maxRequestBody bounds every request body: 1 MiB (1,048,576 bytes). The
// largest legitimate body is a consent form of at most 50,000 characters
// (clinic.NewConsentForm's limit): form-encoded, even all four-byte UTF-8
// characters, that is 50,000 × 4 × 3 = 600,000 bytes. Every other form or
// JSON body is a few kilobytes (notes are at most 1,000 characters), and no
// route takes an upload: documents are generated, FHIR is read-only and the
// journal import is the command line's (ketatrack import), so no route
// needs a larger limit of its own.
const maxRequestBody = 1 << 20

// limitBodies refuses a body declared (Content-Length) larger than
// maxRequestBody with 413 before any handler runs, and caps every other
// body with http.MaxBytesReader at the same limit; a body that runs over
// it while a handler reads it (a chunked one) makes fail answer 413
// whatever error the handler made of it (bodyTooLarge).
func (s *Server) limitBodies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > maxRequestBody {
			s.fail(w, r, errBodyTooLarge(&http.MaxBytesError{Limit: maxRequestBody}))
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = &limitedBody{ReadCloser: http.MaxBytesReader(w, r.Body, maxRequestBody)}
		}
		next.ServeHTTP(w, r)
	})
}

// limitedBody is a request body under http.MaxBytesReader that remembers
// running over the limit, for handlers that turn the read error into one
// of their own ("form cannot be read").
type limitedBody struct {
	io.ReadCloser
	over *http.MaxBytesError
}

func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && b.over == nil {
		errors.As(err, &b.over)
	}
	return n, err
}

// sessionCookie is the name of the cookie holding the session token.
const sessionCookie = "ketatrack_session"

// authenticate resolves the session token (cookie, or "Authorization:
// Bearer TOKEN" for API clients) to an actor in the request context.
// Requests without a valid token go on anonymously; the route's guard
// decides whether that is allowed.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/static/") || r.URL.Path == "/healthz" {
			next.ServeHTTP(w, r)
			return
		}
		token := bearerToken(r)
		if token == "" {
			if c, err := r.Cookie(sessionCookie); err == nil {
				token = c.Value
			}
		}
		if token != "" {
			a, sess, err := s.Auth.Authenticate(r.Context(), token)
			switch {
			case err == nil:
				a.RemoteAddr = s.clientIP(r)
				ctx := store.WithSession(clinic.NewContext(r.Context(), a), sess)
				r = r.WithContext(ctx)
			case clinic.ErrorCode(err) != clinic.ENOTFOUND && clinic.ErrorCode(err) != clinic.EUNAUTHORIZED:
				s.fail(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func bearerToken(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if t, ok := strings.CutPrefix(h, "Bearer "); ok {
		return strings.TrimSpace(t)
	}
	return ""
}

// clientIP returns the client's address: the TCP peer, or the first
// address of the configured proxy header.
func (s *Server) clientIP(r *http.Request) string {
	if s.ClientIPHeader != "" {
		if v := r.Header.Get(s.ClientIPHeader); v != "" {
			first, _, _ := strings.Cut(v, ",")
			return strings.TrimSpace(first)
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		level := slog.LevelInfo
		if sw.status >= 500 {
			level = slog.LevelError
		}
		if !s.logger.Enabled(r.Context(), level) {
			return
		}
		s.logger.LogAttrs(r.Context(), level, "request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", sw.status),
			slog.Duration("duration", time.Since(start)), slog.String("remote", s.clientIP(r)))
	})
}

func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.fail(w, r, fmt.Errorf("panic: %v\n%s", v, debug.Stack()))
			}
		}()
		next.ServeHTTP(w, r)
	})
}
