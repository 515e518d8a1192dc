package web_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// TestLoginConcurrentHashingBounded sends 100 logins at once through the
// login form, each from its own address (so the per-address limit,
// clinic.LoginAddressLimit, does not refuse them): every one logs in, and no
// more than clinic.MaxConcurrentHashes argon2id computations ran at once.
// The memory the process took from the system is logged, not asserted: it
// depends on the machine and on the other tests of the process.
func TestLoginConcurrentHashingBounded(t *testing.T) {
	const n = 100
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) {
			ts := newTestServer(t, e)
			base := ts.behindProxy(t, ts.db)
			login, pw := ts.password(clinic.RoleNurse)
			form := url.Values{"login": {login}, "password": {pw}}.Encode()
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			status := make([]int, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					req, err := http.NewRequest("POST", base+"/login", strings.NewReader(form))
					if err != nil {
						errs[i] = err
						return
					}
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					req.Header.Set("Sec-Fetch-Site", "same-origin")
					req.Header.Set("X-Forwarded-For", fmt.Sprintf("192.0.2.%d", i+1))
					resp, err := client.Do(req)
					if err != nil {
						errs[i] = err
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					status[i] = resp.StatusCode
				}()
			}
			wg.Wait()
			runtime.ReadMemStats(&after)
			for i := range n {
				if errs[i] != nil || status[i] != http.StatusSeeOther {
					t.Errorf("login %d: status %d, error %v; want %d", i, status[i], errs[i], http.StatusSeeOther)
				}
			}
			const mib = 1 << 20
			peak := clinic.PeakConcurrentHashes()
			t.Logf("%d concurrent logins: peak argon2id computations at once %d (bound %d); Sys %.1f → %.1f MiB, HeapSys %.1f → %.1f MiB, TotalAlloc +%.1f MiB",
				n, peak, clinic.MaxConcurrentHashes(), float64(before.Sys)/mib, float64(after.Sys)/mib,
				float64(before.HeapSys)/mib, float64(after.HeapSys)/mib, float64(after.TotalAlloc-before.TotalAlloc)/mib)
			if peak < 1 || peak > clinic.MaxConcurrentHashes() {
				t.Errorf("peak concurrent argon2id computations %d, want 1..%d", peak, clinic.MaxConcurrentHashes())
			}
		})
	}
}
