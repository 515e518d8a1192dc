package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// limitMonday is the clock of the address-limit test: 10 s into a minute,
// so the sliding window weighs the previous minute by 50/60.
var limitMonday = time.Date(2026, 12, 7, 8, 0, 10, 0, time.UTC)

// twoInstances opens the same fresh database twice, as two server processes
// would (own pools; on SQLite own group-commit writers), both on clock now.
func twoInstances(t *testing.T, e store.Engine, now func() time.Time) (*store.DB, *store.DB) {
	t.Helper()
	u := storetest.URL(t, e)
	open := func() *store.DB {
		db, err := store.Open(context.Background(), u)
		if err != nil {
			t.Fatalf("open %s: %v", e, err)
		}
		t.Cleanup(func() { db.Close() })
		if _, err := db.Migrate(context.Background()); err != nil {
			t.Fatalf("migrate %s: %v", e, err)
		}
		db.Now = now
		return db
	}
	return open(), open()
}

// The per-address limit is counted in the database: attempts on two
// instances add up, successful logins are given back, the window slides,
// and concurrent attempts on both instances pass the limit no further.
func TestLoginAddressLimitAcrossInstances(t *testing.T) {
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) {
			var mu sync.Mutex
			now := limitMonday
			clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			set := func(t time.Time) { mu.Lock(); defer mu.Unlock(); now = t }
			a, b := twoInstances(t, e, clock)
			f := newFixture(t, a)
			ctx := context.Background()
			inst := []*store.DB{a, b}
			try := func(i int, login, pw, addr string) error {
				_, _, err := inst[i%2].Login(ctx, clinic.LoginRequest{Login: login, Password: pw, RemoteAddr: addr})
				return err
			}
			// Unknown logins, so the per-account limit stays out of it.
			const spray = "198.51.100.7"
			for i := range clinic.LoginAddressLimit {
				wantCode(t, try(i, fmt.Sprintf("nobody%d", i), "wrong password!", spray), clinic.EUNAUTHORIZED)
			}
			for i := range 2 {
				err := try(i, f.nurse[0].Login, testPassword, spray)
				wantCode(t, err, clinic.ERATELIMIT)
			}
			// Another address is not limited.
			must(t, try(1, f.nurse[0].Login, testPassword, "198.51.100.8"))

			// Successful logins give their attempt back: a shared NAT
			// address logs in a whole shift and keeps its allowance.
			const nat = "203.0.113.5"
			for i := range 3 * clinic.LoginAddressLimit {
				must(t, try(i, f.nurse[i%2].Login, testPassword, nat))
			}
			for i := range clinic.LoginAddressLimit {
				wantCode(t, try(i, fmt.Sprintf("typo%d", i), "wrong password!", nat), clinic.EUNAUTHORIZED)
			}
			wantCode(t, try(0, "typo", "wrong password!", nat), clinic.ERATELIMIT)

			// One minute on, the previous minute's 10 attempts weigh 50/60:
			// 10×50/60 = 8.33, so one more attempt fits (9.33 ≤ 10), not two.
			set(limitMonday.Add(clinic.LoginAddressWindow))
			wantCode(t, try(1, "later1", "wrong password!", spray), clinic.EUNAUTHORIZED)
			wantCode(t, try(0, "later2", "wrong password!", spray), clinic.ERATELIMIT)
			// Two minutes on, only that one attempt weighs (50/60): 9 fit.
			set(limitMonday.Add(2 * clinic.LoginAddressWindow))
			for i := range 9 {
				wantCode(t, try(i, fmt.Sprintf("again%d", i), "wrong password!", spray), clinic.EUNAUTHORIZED)
			}
			wantCode(t, try(1, "again9", "wrong password!", spray), clinic.ERATELIMIT)

			// 16 concurrent attempts spread over both instances: exactly
			// the limit get to the password check.
			const burst = "192.0.2.99"
			var wg sync.WaitGroup
			codes := make([]string, 16)
			for i := range codes {
				wg.Go(func() { codes[i] = clinic.ErrorCode(try(i, fmt.Sprintf("burst%d", i), "wrong password!", burst)) })
			}
			wg.Wait()
			n := map[string]int{}
			for _, c := range codes {
				n[c]++
			}
			if n[clinic.EUNAUTHORIZED] != clinic.LoginAddressLimit || n[clinic.ERATELIMIT] != len(codes)-clinic.LoginAddressLimit {
				t.Errorf("concurrent attempts on two instances: %v, want %d unauthorized and %d rate-limited",
					n, clinic.LoginAddressLimit, len(codes)-clinic.LoginAddressLimit)
			}
		})
	}
}

// The per-account limit (clinic.LoginFailureLimit) is counted from the audit
// log: failures on two instances add up.
func TestLoginFailureLimitAcrossInstances(t *testing.T) {
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) {
			a, b := twoInstances(t, e, func() time.Time { return limitMonday })
			f := newFixture(t, a)
			ctx := context.Background()
			for i := range clinic.LoginFailureLimit {
				db := []*store.DB{a, b}[i%2]
				_, _, err := db.Login(ctx, clinic.LoginRequest{Login: f.nurse[0].Login, Password: "wrong password!",
					RemoteAddr: fmt.Sprintf("192.0.2.%d", i+1)})
				wantCode(t, err, clinic.EUNAUTHORIZED)
			}
			for _, db := range []*store.DB{a, b} {
				_, _, err := db.Login(ctx, clinic.LoginRequest{Login: f.nurse[0].Login, Password: testPassword, RemoteAddr: "192.0.2.50"})
				wantCode(t, err, clinic.ERATELIMIT)
			}
		})
	}
}
