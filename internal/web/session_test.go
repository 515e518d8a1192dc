package web_test

import (
	"crypto/tls"
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
