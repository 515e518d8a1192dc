package web

import (
	"context"
	"embed"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/document"
)

//go:embed static
var staticFiles embed.FS

//go:embed openapi.json
var openAPIDoc []byte

// Config is what the web server needs: the domain services (internal/store
// implements them all) and a few settings.
type Config struct {
	Auth     clinic.AuthService
	Clinics  clinic.ClinicService
	Patients clinic.PatientService
	Users    clinic.UserService
	Audit    clinic.AuditService
	// Workup is intake, CRPS diagnosis and screening (intake.go,
	// diagnosis.go, screening.go); when nil, Patients is used if it
	// implements it (the store does).
	Workup clinic.WorkupService
	// Ready reports whether the database answers (GET /readyz).
	Ready func(context.Context) error

	Logger *slog.Logger
	// SecureCookies marks the session cookie Secure even when the request
	// did not arrive over TLS here (TLS ended at a proxy). Requests that
	// arrive over TLS always get Secure cookies.
	SecureCookies bool
	// ClientIPHeader names a header set by a trusted reverse proxy with the
	// client's address (e.g. X-Forwarded-For); empty to use the TCP peer.
	ClientIPHeader string
	// FHIRMRNSystem is the identifier system URI of the clinic's MRNs in
	// FHIR answers (env KETATRACK_FHIR_MRN_SYSTEM), as the receiving EHR
	// knows it; empty gives fhir.DefaultMRNSystem.
	FHIRMRNSystem string
	// Location is the clinic's time zone for showing times (default: the
	// server's).
	Location *time.Location
	// Printer makes the documents' PDFs (default: document.NewPrinter
	// finding Chromium on PATH; without one the PDF links answer 503 and
	// point to the printable page).
	Printer *document.Printer
	// Discharge are the discharge instructions printed for patients
	// (default: document.DefaultInstructions).
	Discharge *document.Instructions
	// ClinicContact is how patients reach the clinic (a phone number, env
	// KETATRACK_CLINIC_CONTACT), printed on the discharge instructions;
	// empty leaves a line for the nurse to write it in.
	ClinicContact string
	// Now is the clock: every "now" and "today" of the handlers and of the
	// domain calls they make comes from it (required; serve passes
	// time.Now, tests a fixed named instant).
	Now func() time.Time
	// ReportSlots is how many clinic-wide reports (analytics, their CSV
	// tables, the whole stock log) one server computes at a time
	// (reports.go; 0: 2, env KETATRACK_REPORT_SLOTS).
	ReportSlots int
}

// Server serves the HTML pages, the JSON API under /api/v1, the health
// probes and the static files.
type Server struct {
	Config
	logger    *slog.Logger
	templates *templates
	routes    []route
	handler   http.Handler
	reports   reportGate
	// stopCtx is the background work's context (analytics_fill.go), done
	// by stop (Close); background counts the goroutines doing it.
	stopCtx    context.Context
	stop       context.CancelFunc
	background sync.WaitGroup
	// inlineStale overrides defaultInlineStale (tests).
	inlineStale int
}

// New checks cfg, parses the templates and builds the handler.
func New(cfg Config) (*Server, error) {
	if cfg.Auth == nil || cfg.Patients == nil || cfg.Users == nil || cfg.Audit == nil || cfg.Clinics == nil {
		return nil, errors.New("web: every service in Config must be set")
	}
	if cfg.Workup == nil {
		cfg.Workup, _ = cfg.Patients.(clinic.WorkupService)
		if cfg.Workup == nil {
			return nil, errors.New("web: Config.Workup must be set")
		}
	}
	if cfg.Now == nil {
		return nil, errors.New("web: Config.Now (the clock) must be set")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	if cfg.Printer == nil {
		cfg.Printer = document.NewPrinter("")
	}
	if cfg.Discharge == nil {
		d, err := document.DefaultInstructions()
		if err != nil {
			return nil, err
		}
		cfg.Discharge = d
	}
	s := &Server{Config: cfg, logger: cfg.Logger, reports: newReportGate(cfg.ReportSlots, 0)}
	s.stopCtx, s.stop = context.WithCancel(context.Background())
	t, err := parseTemplates(s.funcs())
	if err != nil {
		return nil, err
	}
	s.templates = t
	mux := http.NewServeMux()
	s.routes = s.routeTable()
	for _, rt := range s.routes {
		mux.Handle(rt.pattern(), s.guard(rt))
	}
	static, _ := fs.Sub(staticFiles, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheStatic(http.FileServerFS(static))))
	mux.Handle("/", s.guard(route{Access: public, Handle: func(w http.ResponseWriter, r *http.Request) error {
		return clinic.Errorf(clinic.ENOTFOUND, "There is no page at %s.", r.URL.Path)
	}}))

	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, clinic.Errorf(clinic.EFORBIDDEN, "Cross-origin request refused."))
	}))
	s.handler = s.recoverPanics(s.logRequests(securityHeaders(s.limitBodies(csrf.Handler(s.authenticate(mux))))))
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Routes returns "METHOD PATH" of every route in the table, for the OpenAPI
// test and documentation.
func (s *Server) Routes() []string {
	var out []string
	for _, rt := range s.routes {
		out = append(out, rt.pattern())
	}
	return out
}

func cacheStatic(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}
