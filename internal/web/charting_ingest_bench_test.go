package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// BenchmarkIngestAPI is bench/load's vitals ingestion through the handler
// without the network: 16 goroutines (nurses, or monitor gateways), each
// charting vitals on a session of its own (days 1–4 of signed courses of
// four demo patients, checked in), as fast as they are answered: "single"
// one set a POST /api/v1/sessions/{id}/events, "batch=100" 100 sets a POST
// …/events:batch. b.N is the number of requests; it reports rows/s, the
// vitals charted per second of wall time, and cpu-µs/row, the CPU time of
// the whole process (handlers, store, SQLite, the PostgreSQL client; not
// the PostgreSQL server) per row. Run (one engine each, with a
// profile):
//
//	go test ./internal/web -run '^$' -bench 'IngestAPI/sqlite' -benchtime 2000x -cpuprofile cpu.prof
func BenchmarkIngestAPI(b *testing.B) {
	const workers = 16
	for _, e := range storetest.Engines {
		for _, batch := range []int{0, 100} {
			name := fmt.Sprintf("%s/single", e)
			if batch > 0 {
				name = fmt.Sprintf("%s/batch=%d", e, batch)
			}
			b.Run(name, func(b *testing.B) { benchmarkIngest(b, e, workers, batch) })
		}
	}
}

func benchmarkIngest(b *testing.B, e store.Engine, workers, batch int) {
	t := &testing.T{}
	ts := newTestServer(t, e)
	login, pw := ts.password(clinic.RoleNurse)
	_, token, err := ts.db.Login(sysCtx(), clinic.LoginRequest{Login: login, Password: pw})
	if err != nil {
		b.Fatal(err)
	}
	post := func(path, body string) (int, string) {
		req := httptest.NewRequest("POST", path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		ts.web.ServeHTTP(w, req)
		return w.Code, w.Body.String()
	}
	var sessions []int64
	for _, p := range ts.demo.Patients[1:5] {
		course := signedCourse(t, ts, p, clinic.DateOf(ts.now()))
		for day := 1; day <= workers/4; day++ {
			code, body := post(fmt.Sprintf("/api/v1/courses/%d/sessions", course), fmt.Sprintf(`{"day":%d}`, day))
			if code != http.StatusCreated {
				b.Fatalf("open session: %d %s", code, body)
			}
			var id int64
			if _, err := fmt.Sscanf(body[strings.Index(body, `"id":`)+5:], "%d", &id); err != nil {
				b.Fatalf("session id in %.200s: %v", body, err)
			}
			at := ts.now().Add(-time.Hour).Format(time.RFC3339)
			if code, body := post(fmt.Sprintf("/api/v1/sessions/%d/events", id), fmt.Sprintf(
				`{"kind":"check-in","at":%q,"check_in":{"weight":"70kg","baseline":{"hr_per_min":72,"sbp_mmhg":122,"dbp_mmhg":76,"spo2_pct":98}}}`, at)); code != http.StatusCreated {
				b.Fatalf("check-in: %d %s", code, body)
			}
			sessions = append(sessions, id)
		}
	}
	if t.Failed() {
		b.Fatal("setup failed")
	}
	vitals := func(i int) string {
		return fmt.Sprintf(`{"kind":"vitals","vitals":{"hr_per_min":%d,"sbp_mmhg":%d,"dbp_mmhg":%d,"spo2_pct":%d}}`, 68+i%9, 116+i%12, 72+i%8, 96+i%4)
	}
	path, rows := "/api/v1/sessions/%d/events", 1
	body := func(i int) string { return vitals(i) }
	if batch > 0 {
		path, rows = "/api/v1/sessions/%d/events:batch", batch
		body = func(i int) string {
			evs := make([]string, batch)
			for j := range evs {
				evs[j] = vitals(i*batch + j)
			}
			return `{"events":[` + strings.Join(evs, ",") + `]}`
		}
	}
	per := (b.N + workers - 1) / workers
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	b.ResetTimer()
	cpu0 := processCPU()
	start := time.Now()
	for w := range workers {
		n := min(per, max(b.N-w*per, 0))
		wg.Go(func() {
			p := fmt.Sprintf(path, sessions[w])
			for i := range n {
				if code, out := post(p, body(i)); code != http.StatusCreated {
					errs <- fmt.Errorf("%s: %d %.300s", p, code, out)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := processCPU() - cpu0
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N*rows)/elapsed.Seconds(), "rows/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N*rows), "cpu-µs/row")
}

// processCPU is the CPU time (user and system) this process has used: per
// row charted, a figure the other loads of a shared machine change less
// than rows/s.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
