package web

import (
	"context"
	"net/http"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
)

// healthz answers while the process serves requests (liveness).
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// readyz answers 200 when the database answers within 2 s, 503 otherwise
// (readiness: a load balancer stops sending requests here).
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	if s.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.Ready(ctx); err != nil {
			s.logger.Warn("not ready", "error", err)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unavailable"})
			return nil
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	return nil
}

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write(openAPIDoc)
	return err
}

// actor returns the request's actor; the route guard has already refused
// anonymous requests to routes that need one.
func actor(r *http.Request) *clinic.Actor { return clinic.ActorFrom(r.Context()) }
