package web_test

import (
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

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

// BenchmarkCoursePrediction times GET /api/v1/courses/{id}/prediction of a
// signed 10-day Goldberg course (71 kg, +5 mg a day; the default model,
// kamp-2020-racemic, has no variability: the typical patient, 17,000 grid
// minutes), and in the same loop GET /api/v1/courses/{id} as the reference
// (the same course read without a prediction). It reports the p95 of the
// per-request durations of both and their ratio: the target is a p95
// under 50 ms.
//
//	go test -run '^$' -bench CoursePrediction -benchtime 200x ./internal/web/
func BenchmarkCoursePrediction(b *testing.B) {
	t := &testing.T{}
	ts := newTestServer(t, store.SQLite)
	cid := goldbergCourse(t, ts, ts.demo.Patients[5])
	login, pw := ts.password(clinic.RoleClinician)
	_, token, err := ts.db.Login(sysCtx(), clinic.LoginRequest{Login: login, Password: pw})
	if err != nil {
		b.Fatal(err)
	}
	get := func(path string) time.Duration {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		start := time.Now()
		ts.web.ServeHTTP(w, req)
		d := time.Since(start)
		if w.Code != http.StatusOK {
			b.Fatalf("%s: %d: %s", path, w.Code, w.Body.String())
		}
		return d
	}
	pred, course := fmt.Sprintf("/api/v1/courses/%d/prediction", cid), fmt.Sprintf("/api/v1/courses/%d", cid)
	var dp, dc []time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		dp = append(dp, get(pred))
		b.StopTimer()
		dc = append(dc, get(course))
		b.StartTimer()
	}
	p95 := func(ds []time.Duration) float64 {
		s := slices.Clone(ds)
		slices.Sort(s)
		return float64(s[int(math.Ceil(0.95*float64(len(s))))-1]) / float64(time.Millisecond)
	}
	b.ReportMetric(p95(dp), "p95-ms")
	b.ReportMetric(p95(dc), "ref-course-p95-ms")
	b.ReportMetric(p95(dp)/p95(dc), "p95-ratio")
}
