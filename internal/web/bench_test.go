package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/store"
)

// Benchmarks of single requests through the whole handler (session lookup,
// store, template) on SQLite, without the network:
//
//	go test -run '^$' -bench . ./internal/web/
func benchmarkRequest(b *testing.B, method, path, body string) {
	t := &testing.T{}
	ts := newTestServer(t, store.SQLite)
	login, pw := ts.password(clinic.RoleNurse)
	_, token, err := ts.db.Login(sysCtx(), clinic.LoginRequest{Login: login, Password: pw})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		req := httptest.NewRequest(method, fmt.Sprintf(path, 1+i%12), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		ts.web.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("%s: %d", path, w.Code)
		}
	}
}

func BenchmarkPatientsPage(b *testing.B) { benchmarkRequest(b, "GET", "/patients?x=%d", "") }
func BenchmarkPatientAPI(b *testing.B)   { benchmarkRequest(b, "GET", "/api/v1/patients/%d", "") }
