package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/demo"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
	"github.com/ketatrack/ketatrack/internal/web"
)

// testServer is the real handler over a real store with the demo clinic,
// plus a second clinic whose records the demo users must never reach.
type testServer struct {
	*httptest.Server
	db    *store.DB
	web   *web.Server
	demo  *demo.Result
	other *clinic.Patient // a patient of the second clinic
	clock *testClock      // the clock of the store, the demo and the server
}

// serverMonday is the clock of the HTTP tests: Monday 7 December 2026, 10:30
// in the server's time zone (time.Local, which .ci/run also sets to
// Pacific/Auckland and America/Los_Angeles). A weekday mid-morning, so a
// Goldberg course (weekdays only) starts "today" and a session opened at
// 09:00 has run for a while.
var serverMonday = time.Date(2026, 12, 7, 10, 30, 0, 0, time.Local)

// testClock is a settable clock shared by a test's store and server.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the instant set last.
func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// now is the test server's "now".
func (ts *testServer) now() time.Time { return ts.clock.Now() }

// newTestServer is newTestServerAt at serverMonday.
func newTestServer(t *testing.T, e store.Engine) *testServer {
	t.Helper()
	return newTestServerAt(t, e, serverMonday)
}

// newTestServerAt builds the test server with its store, demo data and
// handler all on one clock set to now.
func newTestServerAt(t *testing.T, e store.Engine, now time.Time) *testServer {
	t.Helper()
	return newTestServerIn(t, e, now, time.Local)
}

// newTestServerIn is newTestServerAt for a clinic in time zone loc.
func newTestServerIn(t *testing.T, e store.Engine, now time.Time, loc *time.Location) *testServer {
	t.Helper()
	clock := &testClock{t: now}
	db := storetest.Open(t, e)
	db.Now = clock.Now
	db.Zone = loc
	ctx := context.Background()
	r, err := demo.Load(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	sys := clinic.NewContext(ctx, clinic.System)
	c2 := &clinic.Clinic{Name: "Other clinic"}
	if err := db.CreateClinic(sys, c2); err != nil {
		t.Fatal(err)
	}
	other := &clinic.Patient{ClinicID: c2.ID, MRN: "X-1", GivenName: "Secret", FamilyName: "Elsewhere",
		BirthDate: clinic.Date{Year: 1970, Month: 1, Day: 1}, Sex: clinic.SexFemale}
	if err := db.CreatePatient(sys, other); err != nil {
		t.Fatal(err)
	}
	srv, err := web.New(web.Config{Auth: db, Clinics: db, Patients: db, Users: db, Audit: db, Ready: db.Ping,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: clock.Now, Location: loc})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &testServer{Server: ts, db: db, web: srv, demo: r, other: other, clock: clock}
}

// behindProxy serves db on the test server's clock as a server behind a
// reverse proxy that names the client in X-Forwarded-For, so that a test
// can send requests from many addresses; it returns the base URL.
func (ts *testServer) behindProxy(t *testing.T, db *store.DB) string {
	t.Helper()
	srv, err := web.New(web.Config{Auth: db, Clinics: db, Patients: db, Users: db, Audit: db,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: ts.clock.Now,
		ClientIPHeader: "X-Forwarded-For"})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return hs.URL
}

func (ts *testServer) password(role clinic.Role) (string, string) {
	for _, c := range ts.demo.Credentials {
		if c.Role == role {
			return c.Login, c.Password
		}
	}
	panic("no demo user " + role)
}

// client returns an HTTP client that does not follow redirects, logged in
// as role through the login form (or anonymous for role "").
func (ts *testServer) client(t *testing.T, role clinic.Role) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if role == "" {
		return c
	}
	login, pw := ts.password(role)
	resp := ts.do(t, c, "POST", "/login", "application/x-www-form-urlencoded",
		url.Values{"login": {login}, "password": {pw}}.Encode())
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login as %s: status %d", role, resp.StatusCode)
	}
	return c
}

// do sends a same-origin request (as a browser would, with Sec-Fetch-Site).
func (ts *testServer) do(t *testing.T, c *http.Client, method, path, contentType, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(strings.NewReader(string(b)))
	return resp
}

func body(resp *http.Response) string {
	b, _ := io.ReadAll(resp.Body)
	resp.Body = io.NopCloser(strings.NewReader(string(b)))
	return string(b)
}

func decode(t *testing.T, resp *http.Response, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body(resp)), v); err != nil {
		t.Fatalf("decode %q: %v", body(resp), err)
	}
}

func sysCtx() context.Context { return clinic.NewContext(context.Background(), clinic.System) }
