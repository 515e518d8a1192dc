package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // --pprof
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/demo"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/web"
)

func init() {
	register(&command{
		Name:     "serve",
		Synopsis: "serve [--db URL] [--addr HOST:PORT] [--demo]",
		Summary:  "Run the web UI and JSON API; SIGTERM finishes in-flight requests, then exits 0.",
		Run:      runServe,
	})
}

// shutdownGrace is how long SIGTERM waits for in-flight requests.
const shutdownGrace = 30 * time.Second

// serveMemoryLimit is serve's soft heap limit when GOMEMLIMIT is unset:
// under issue 16's 200 MB RSS bound with room for the runtime, SQLite's
// page caches and the stacks.
const serveMemoryLimit = 150 << 20

// optimizeEvery is how often serve refreshes the query planner's statistics
// (SQLite's advice for long-lived connections: every few hours,
// https://www.sqlite.org/pragma.html#pragma_optimize).
const optimizeEvery = 6 * time.Hour

func runServe(ctx context.Context, e *env, args []string) int {
	c := commands["serve"]
	fs := newFlagSet(e, c)
	dbURL := dbFlag(e, fs)
	defAddr := e.Getenv("KETATRACK_ADDR")
	if defAddr == "" {
		defAddr = "localhost:8080"
	}
	addr := fs.String("addr", defAddr, "listen address HOST:PORT (env KETATRACK_ADDR); port 0 picks a free port")
	pprofAddr := fs.String("pprof", "", "also serve Go's runtime profiles (net/http/pprof, /debug/pprof/) on this separate listen address, for an operator measuring the server; keep it on loopback: it needs no login")
	withDemo := fs.Bool("demo", false, "load a demo clinic (users of each role, a dozen fictional patients) into an empty database and print the logins")
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintf(out, "Usage: ketatrack %s\n\n%s\n\nFlags:\n", c.Synopsis, c.Summary)
		fs.PrintDefaults()
		fmt.Fprint(out, `
Environment:
  KETATRACK_DB                 default for --db (sqlite:ketatrack.db)
  KETATRACK_ADDR               default for --addr (localhost:8080)
  KETATRACK_LOG_LEVEL          debug, info (default), warn or error
  KETATRACK_LOG_FORMAT         text (default) or json
  KETATRACK_SECURE_COOKIES     1 when TLS ends at a reverse proxy
  KETATRACK_CLIENT_IP_HEADER   header with the client address set by a trusted proxy, e.g. X-Forwarded-For
  KETATRACK_FHIR_MRN_SYSTEM    identifier system URI of the clinic's MRNs in FHIR answers
  KETATRACK_CLINIC_CONTACT     the phone number printed on the patients' discharge instructions
  KETATRACK_REPORT_SLOTS       clinic-wide reports computed at a time (default 2; the others wait up to 30 s, then 503)
  GOMEMLIMIT                   the Go runtime's soft heap limit (default here 150MiB)
`)
	}
	pos, err := parseFlags(e, fs, args)
	if err != nil {
		return flagStatus(err)
	}
	if len(pos) > 0 {
		return fail(e, "serve", exitBadInput, fmt.Errorf("unexpected argument %q", pos[0]))
	}
	if _, err := store.ParseLocation(*dbURL); err != nil {
		return fail(e, "serve", exitBadInput, err)
	}
	logger, err := newLogger(e)
	if err != nil {
		return fail(e, "serve", exitBadInput, err)
	}

	// A soft limit on the Go heap unless the operator set one (GOMEMLIMIT,
	// which the runtime reads itself): short-lived copies of long charts
	// under batch ingestion took the server's RSS to 240 MB (issue 16's
	// bound is 200 MB); near the limit the collector runs more often
	// instead, and never takes more than half the CPU for it.
	if e.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(serveMemoryLimit)
	}
	// now is the server's one clock: the store, the demo loader and every
	// handler read "now" and "today" from it, so tests can set an instant.
	now := time.Now
	start := now()
	db, applied, err := openDB(ctx, *dbURL)
	if err != nil {
		return fail(e, "serve", exitFailure, err)
	}
	defer db.Close()
	db.Now = now
	// The clinic's time zone decides calendar days ("today") in the store
	// and the times the pages show: the machine's zone (set TZ to the
	// clinic's zone when the server runs elsewhere).
	zone := time.Local
	db.Zone = zone
	if len(applied) > 0 {
		logger.Info("applied migrations", "versions", applied)
	}
	if *withDemo {
		if err := loadDemo(ctx, e, db); err != nil {
			return fail(e, "serve", exitFailure, err)
		}
	}

	slots, err := envInt(e, "KETATRACK_REPORT_SLOTS")
	if err != nil {
		return fail(e, "serve", exitBadInput, err)
	}
	srv, err := web.New(web.Config{
		Auth: db, Clinics: db, Patients: db, Users: db, Audit: db,
		Ready:          db.Ping,
		Logger:         logger,
		SecureCookies:  e.Getenv("KETATRACK_SECURE_COOKIES") == "1",
		ClientIPHeader: e.Getenv("KETATRACK_CLIENT_IP_HEADER"),
		FHIRMRNSystem:  e.Getenv("KETATRACK_FHIR_MRN_SYSTEM"),
		ClinicContact:  e.Getenv("KETATRACK_CLINIC_CONTACT"),
		Now:            now,
		Location:       zone,
		ReportSlots:    slots,
	})
	if err != nil {
		return fail(e, "serve", exitFailure, err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fail(e, "serve", exitFailure, fmt.Errorf("addr: %w", err))
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	if *pprofAddr != "" {
		pl, err := net.Listen("tcp", *pprofAddr)
		if err != nil {
			return fail(e, "serve", exitFailure, fmt.Errorf("pprof: %w", err))
		}
		// http.DefaultServeMux holds only net/http/pprof's handlers.
		ps := &http.Server{Handler: http.DefaultServeMux, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = ps.Serve(pl) }()
		defer ps.Close()
		logger.Info("serving runtime profiles", "url", "http://"+pl.Addr().String()+"/debug/pprof/")
	}
	// The outcome summaries left stale by an upgrade or by new outcome
	// definitions are computed in the background from now on
	// (internal/web/analytics_fill.go); Close, after the shutdown, stops
	// that work before the database closes.
	defer srv.Close()
	if err := srv.WarmOutcomes(); err != nil {
		logger.Warn("computing the outcome summaries in the background", "error", err)
	}
	url := "http://" + ln.Addr().String()
	logger.Info("serving", "url", url, "engine", db.Engine(), "startup", time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(e.Stdout, "ketatrack listening on %s\n", url)

	// The tables grow while the server runs: the planner's statistics are
	// refreshed every optimizeEvery (store.DB.Optimize; Migrate did it at
	// start).
	go func() {
		tick := time.NewTicker(optimizeEvery)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if err := db.Optimize(ctx); err != nil {
					logger.Warn("refreshing the query planner's statistics", "error", err)
				}
			}
		}
	}()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fail(e, "serve", exitFailure, err)
	case <-ctx.Done():
	}
	logger.Info("shutting down: finishing in-flight requests", "grace", shutdownGrace)
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fail(e, "serve", exitFailure, fmt.Errorf("shutdown: %w", err))
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fail(e, "serve", exitFailure, err)
	}
	srv.Close()
	logger.Info("stopped")
	return exitOK
}

func newLogger(e *env) (*slog.Logger, error) {
	var level slog.Level
	if v := e.Getenv("KETATRACK_LOG_LEVEL"); v != "" {
		if err := level.UnmarshalText([]byte(v)); err != nil {
			return nil, fmt.Errorf("KETATRACK_LOG_LEVEL: %q is not debug, info, warn or error", v)
		}
	}
	opts := &slog.HandlerOptions{Level: level}
	switch f := e.Getenv("KETATRACK_LOG_FORMAT"); f {
	case "", "text":
		return slog.New(slog.NewTextHandler(e.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(e.Stderr, opts)), nil
	default:
		return nil, fmt.Errorf("KETATRACK_LOG_FORMAT: %q is not text or json", f)
	}
}

// loadDemo loads the demo clinic into an empty database and prints its
// logins; a database that holds data already is left as it is.
func loadDemo(ctx context.Context, e *env, db *store.DB) error {
	r, err := demo.Load(ctx, db)
	if clinic.ErrorCode(err) == clinic.ECONFLICT {
		fmt.Fprintln(e.Stdout, "demo: the database already holds data, so no demo data were loaded (the demo logins were printed when they were created; start with a new --db file to get fresh ones)")
		return nil
	}
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "demo: loaded %q with %d fictional patients. Logins (shown only now):\n", r.Clinic.Name, len(r.Patients))
	for _, c := range r.Credentials {
		fmt.Fprintf(&b, "  %-10s login %-10s password %s   (%s)\n", c.Role, c.Login, c.Password, c.Name)
	}
	fmt.Fprint(e.Stdout, b.String())
	return nil
}

// envInt reads a whole positive number from the environment variable name;
// unset or empty gives 0 (the default).
func envInt(e *env, name string) (int, error) {
	v := e.Getenv(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%s: %q is not a whole number of at least 1", name, v)
	}
	return n, nil
}
