package web

import (
	"net/http"
	"strings"

	"github.com/ketatrack/ketatrack/internal/clinic"
)

// access says who may call a route. The guard checks it before the handler
// runs; the store checks the record-level rights again.
type access int

const (
	public    access = iota // anyone, logged in or not
	loggedIn                // any role
	staffOnly               // admin, clinician, nurse
	adminOnly               // admin
)

// route is one entry of the route table (routes.go). API routes (paths
// under /api/) must be described in openapi.json; a test checks it.
type route struct {
	Method string
	Path   string // a net/http ServeMux pattern path, e.g. /patients/{id}
	Access access
	Handle func(w http.ResponseWriter, r *http.Request) error
}

func (rt route) pattern() string { return rt.Method + " " + rt.Path }

// guard wraps a route's handler with its access check and error rendering.
func (s *Server) guard(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := clinic.ActorFrom(r.Context())
		var err error
		switch {
		case rt.Access == public:
		case a == nil:
			err = clinic.Errorf(clinic.EUNAUTHORIZED, "You must log in.")
		case rt.Access == staffOnly && !a.Role.IsStaff():
			err = clinic.Errorf(clinic.EFORBIDDEN, "This page is for clinic staff.")
		case rt.Access == adminOnly && a.Role != clinic.RoleAdmin:
			err = clinic.Errorf(clinic.EFORBIDDEN, "This page is for administrators.")
		}
		if err == nil {
			err = rt.Handle(w, r)
		}
		if err != nil {
			s.fail(w, r, err)
		}
	})
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// isHTMX reports whether htmx made the request (it then wants a fragment).
func isHTMX(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }
