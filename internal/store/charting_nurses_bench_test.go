package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/infusion"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
	"github.com/ketatrack/ketatrack/internal/units"
)

// BenchmarkChartNurses is the clinic's charting load: nurses=N goroutines,
// each charting vitals on sessions of its own through RecordEvent (replay,
// infusion.Record with the dose engine, event and audit entry in one durable
// transaction). Sessions are opened and checked in before the timer starts;
// each takes at most 32 vitals, a minute apart (a 4-hour session charted
// every 15 minutes has 16), so the replay stays the size of a real chart.
// It reports rows/s: charted vitals per second of wall time. PRODUCT.md's
// target is 5,000 rows/s on 2 cores. Run:
//
//	go test ./internal/store -run '^$' -bench ChartNurses -benchtime 4000x
func BenchmarkChartNurses(b *testing.B) {
	const perSession = 32
	for _, e := range storetest.Engines {
		for _, nurses := range []int{16, 64} {
			b.Run(fmt.Sprintf("%s/nurses=%d", e, nurses), func(b *testing.B) {
				db := storetest.Open(b, e)
				per := (b.N + nurses - 1) / nurses
				sessions := chartNursesSetup(b, db, nurses, (per+perSession-1)/perSession)
				var wg sync.WaitGroup
				errs := make(chan error, nurses)
				b.ResetTimer()
				start := time.Now()
				for w := range nurses {
					n := per
					if rest := b.N - w*per; rest < n {
						n = max(rest, 0)
					}
					wg.Go(func() {
						ctx := sessions[w].ctx
						for i := range n {
							sid := sessions[w].ids[i/perSession]
							at := chartAt(float64(1 + i%perSession))
							if _, _, err := db.RecordEvent(ctx, sid, infusion.Event{Kind: infusion.KindVitals, At: at,
								Vitals: vitals(70+i%5, 120, 75, 97)}); err != nil {
								errs <- err
								return
							}
						}
					})
				}
				wg.Wait()
				elapsed := time.Since(start)
				b.StopTimer()
				close(errs)
				for err := range errs {
					b.Fatal(err)
				}
				b.ReportMetric(float64(b.N)/elapsed.Seconds(), "rows/s")
			})
		}
	}
}

// nurseSessions are the open, checked-in sessions one benchmark nurse charts.
type nurseSessions struct {
	ctx context.Context
	ids []int64
}

// chartNursesSetup creates a clinic, a clinician and a nurse, and opens and checks in perNurse sessions for each (ten treatment days of
// goldbergInput's plan per patient).
func chartNursesSetup(b *testing.B, db *store.DB, nurses, perNurse int) []nurseSessions {
	b.Helper()
	sys := clinic.NewContext(context.Background(), clinic.System)
	c := &clinic.Clinic{Name: "bench"}
	if err := db.CreateClinic(sys, c); err != nil {
		b.Fatal(err)
	}
	// One nurse account for every benchmark nurse: each CreateUser hashes a
	// password with argon2, which would dwarf the profile of the charting.
	doc := &clinic.User{ClinicID: c.ID, Login: "doc", Name: "Doc", Role: clinic.RoleClinician}
	nurse := &clinic.User{ClinicID: c.ID, Login: "nurse", Name: "Nurse", Role: clinic.RoleNurse}
	for _, u := range []*clinic.User{doc, nurse} {
		if err := db.CreateUser(sys, u, testPassword); err != nil {
			b.Fatal(err)
		}
	}
	db.Now = func() time.Time { return chartAt(24 * 60) }
	out := make([]nurseSessions, nurses)
	var wg sync.WaitGroup
	errs := make(chan error, nurses)
	for w := range nurses {
		wg.Go(func() {
			ctx := as(nurse)
			out[w].ctx = ctx
			var course int64
			for k := range perNurse {
				day := k%10 + 1
				if day == 1 {
					p := &clinic.Patient{ClinicID: c.ID, MRN: fmt.Sprintf("N-%d-%d", w, k), GivenName: "B", FamilyName: "B",
						BirthDate: clinic.Date{Year: 1980, Month: 1, Day: 1}, Sex: clinic.SexFemale}
					if err := db.CreatePatient(sys, p); err != nil {
						errs <- err
						return
					}
					cs, err := db.CreateCourse(as(doc), p.ID, "", goldbergInput())
					if err != nil {
						errs <- err
						return
					}
					if _, err := db.SignPlan(as(doc), cs.ID, 1, 0); err != nil {
						errs <- err
						return
					}
					if _, err := storetest.RecordConsent(db, cs.ID); err != nil {
						errs <- err
						return
					}
					course = cs.ID
				}
				s, err := db.OpenSession(ctx, course, day, clinic.Date{Year: 2026, Month: 3, Day: 2})
				if err != nil {
					errs <- err
					return
				}
				if _, _, err := db.RecordEvent(ctx, s.ID, infusion.Event{Kind: infusion.KindCheckIn, At: chartAt(0),
					CheckIn: &infusion.CheckIn{Weight: units.Kilograms(71), Baseline: *vitals(70, 120, 75, 98), BaselineAt: chartAt(0)}}); err != nil {
					errs <- err
					return
				}
				out[w].ids = append(out[w].ids, s.ID)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	return out
}

// BenchmarkIngestBatch is bench/load's batch ingestion without HTTP:
// nurses=16 goroutines (monitor gateways), each charting batches of 100
// vitals through RecordEvents on a session of its own, which grows by every
// batch (b.N batches in all), as the sessions of bench/load's ingestion run
// do. It reports rows/s: charted vitals per second of wall time. Run:
//
//	go test ./internal/store -run '^$' -bench IngestBatch -benchtime 400x
func BenchmarkIngestBatch(b *testing.B) {
	const nurses, batch = 16, 100
	for _, e := range storetest.Engines {
		b.Run(string(e), func(b *testing.B) {
			db := storetest.Open(b, e)
			sessions := chartNursesSetup(b, db, nurses, 1)
			per := (b.N + nurses - 1) / nurses
			var wg sync.WaitGroup
			errs := make(chan error, nurses)
			b.ResetTimer()
			start := time.Now()
			for w := range nurses {
				n := per
				if rest := b.N - w*per; rest < n {
					n = max(rest, 0)
				}
				wg.Go(func() {
					ctx, sid := sessions[w].ctx, sessions[w].ids[0]
					evs := make([]infusion.Event, batch)
					for i := range n {
						for j := range evs {
							k := i*batch + j
							evs[j] = infusion.Event{Kind: infusion.KindVitals, At: chartAt(float64(1 + k%600)),
								Vitals: vitals(70+k%5, 120, 75, 97)}
						}
						if _, _, err := db.RecordEvents(ctx, sid, evs); err != nil {
							errs <- err
							return
						}
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			close(errs)
			for err := range errs {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N*batch)/elapsed.Seconds(), "rows/s")
		})
	}
}
