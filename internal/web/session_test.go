package web_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
	"github.com/ketatrack/ketatrack/internal/web"
)

// Sessions live in the database: a token from one server instance works on
// another over the same database, and logging out on one ends it on both.
func TestSessionsWorkAcrossServerInstances(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ts := newTestServer(t, db.Engine())
		// A second, independent server over the same database.
		srv2, err := web.New(web.Config{Auth: ts.db, Clinics: ts.db, Patients: ts.db, Users: ts.db, Audit: ts.db,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: ts.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		second := httptest.NewServer(srv2)
		defer second.Close()

		login, pw := ts.password(clinic.RoleNurse)
		resp := ts.do(t, ts.client(t, ""), "POST", "/api/v1/session", "application/json", fmt.Sprintf(`{"login":%q,"password":%q}`, login, pw))
		var s struct{ Token string }
		decode(t, resp, &s)
		get := func(base string) int {
			req, _ := http.NewRequest("GET", base+"/api/v1/me", nil)
			req.Header.Set("Authorization", "Bearer "+s.Token)
			r, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			r.Body.Close()
			return r.StatusCode
		}
		if a, b := get(ts.URL), get(second.URL); a != 200 || b != 200 {
			t.Fatalf("token on first server %d, on second %d", a, b)
		}
		req, _ := http.NewRequest("DELETE", second.URL+"/api/v1/session", nil)
		req.Header.Set("Authorization", "Bearer "+s.Token)
		r, err := http.DefaultClient.Do(req)
		if err != nil || r.StatusCode != http.StatusNoContent {
			t.Fatalf("logout on second server: %v %v", r, err)
		}
		r.Body.Close()
		if a := get(ts.URL); a != http.StatusUnauthorized {
			t.Errorf("token after logout elsewhere: %d", a)
		}
	})
}

// The session cookie is HttpOnly and SameSite=Lax, and Secure over TLS.
func TestSessionCookieFlags(t *testing.T) {
	ts := newTestServer(t, store.SQLite)
	tlsSrv := httptest.NewTLSServer(ts.web)
	defer tlsSrv.Close()
	login, pw := ts.password(clinic.RoleNurse)
	for _, c := range []struct {
		base   string
		client *http.Client
		secure bool
	}{
		{ts.URL, &http.Client{}, false},
		{tlsSrv.URL, &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}, true},
	} {
		c.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		req, _ := http.NewRequest("POST", c.base+"/login", strings.NewReader(url.Values{"login": {login}, "password": {pw}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err := c.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		var found bool
		for _, ck := range resp.Cookies() {
			if ck.Name != "ketatrack_session" {
				continue
			}
			found = true
			if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure != c.secure {
				t.Errorf("%s: cookie HttpOnly=%v SameSite=%v Secure=%v", c.base, ck.HttpOnly, ck.SameSite, ck.Secure)
			}
		}
		if !found {
			t.Errorf("%s: no session cookie (status %d)", c.base, resp.StatusCode)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
			t.Errorf("CSP %q", csp)
		}
	}
}

// Two server instances, each with its own connection pool over one database
// (as two `ketatrack serve` processes behind a load balancer): a login on
// one works on the other, and both rate limits — per address
// (clinic.LoginAddressLimit) and per account (clinic.LoginFailureLimit) —
// count the attempts made on either.
func TestLoginAndRateLimitsAcrossServerInstances(t *testing.T) {
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) {
			ts := newTestServer(t, e)
			loc := ts.db.Location()
			u := loc.URL
			if e == store.SQLite {
				u = "sqlite:" + loc.Path
			}
			db2, err := store.Open(context.Background(), u)
			if err != nil {
				t.Fatal(err)
			}
			defer db2.Close()
			db2.Now = ts.clock.Now
			var bases []string
			for _, db := range []*store.DB{ts.db, db2} {
				bases = append(bases, ts.behindProxy(t, db))
			}
			call := func(i int, method, path, addr, token, body string) (int, string) {
				t.Helper()
				req, _ := http.NewRequest(method, bases[i%2]+path, strings.NewReader(body))
				req.Header.Set("X-Forwarded-For", addr)
				req.Header.Set("Content-Type", "application/json")
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				r, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer r.Body.Close()
				b, _ := io.ReadAll(r.Body)
				return r.StatusCode, string(b)
			}
			loginBody := func(login, pw string) string { return fmt.Sprintf(`{"login":%q,"password":%q}`, login, pw) }

			// A login on the second instance works on the first; a logout on
			// the first ends it on the second.
			nurse, pw := ts.password(clinic.RoleNurse)
			code, b := call(1, "POST", "/api/v1/session", "192.0.2.10", "", loginBody(nurse, pw))
			var s struct{ Token string }
			if err := json.Unmarshal([]byte(b), &s); code != http.StatusCreated || err != nil {
				t.Fatalf("login on instance 2: %d %s", code, b)
			}
			if code, _ := call(0, "GET", "/api/v1/me", "192.0.2.10", s.Token, ""); code != http.StatusOK {
				t.Fatalf("instance 1 with the token of instance 2: %d", code)
			}
			if code, _ := call(0, "DELETE", "/api/v1/session", "192.0.2.10", s.Token, ""); code != http.StatusNoContent {
				t.Fatalf("logout on instance 1: %d", code)
			}
			if code, _ := call(1, "GET", "/api/v1/me", "192.0.2.10", s.Token, ""); code != http.StatusUnauthorized {
				t.Errorf("instance 2 after logout on instance 1: %d", code)
			}

			// Spraying unknown logins from one address, alternating
			// instances: the limit counts both.
			for i := range clinic.LoginAddressLimit {
				if code, b := call(i, "POST", "/api/v1/session", "198.51.100.7", "", loginBody(fmt.Sprintf("nobody%d", i), "wrong password!")); code != http.StatusUnauthorized {
					t.Fatalf("attempt %d: %d %s", i+1, code, b)
				}
			}
			for i := range 2 {
				code, b := call(i, "POST", "/api/v1/session", "198.51.100.7", "", loginBody(nurse, pw))
				if code != http.StatusTooManyRequests || !strings.Contains(b, "from your address") {
					t.Errorf("attempt %d on instance %d: %d %s", clinic.LoginAddressLimit+1+i, i%2+1, code, b)
				}
			}

			// Wrong passwords for one account from different addresses,
			// alternating instances: locked on both.
			clin, cpw := ts.password(clinic.RoleClinician)
			for i := range clinic.LoginFailureLimit {
				if code, _ := call(i, "POST", "/api/v1/session", fmt.Sprintf("203.0.113.%d", i+1), "", loginBody(clin, "wrong password!")); code != http.StatusUnauthorized {
					t.Fatalf("failure %d: %d", i+1, code)
				}
			}
			for i := range 2 {
				code, b := call(i, "POST", "/api/v1/session", "203.0.113.99", "", loginBody(clin, cpw))
				if code != http.StatusTooManyRequests || !strings.Contains(b, "for this account") {
					t.Errorf("right password on instance %d after %d failures: %d %s", i+1, clinic.LoginFailureLimit, code, b)
				}
			}
		})
	}
}
