package store_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/infusion"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
	"github.com/ketatrack/ketatrack/internal/units"
)

// BenchmarkRecordVitals charts vitals as nurses do, one event per call
// through RecordEvent (replay of the stored chart, infusion.Record, insert
// of the event and its audit entry, one transaction), on sessions of 32
// vitals each (a 4-hour session charted every 15 minutes has 16; 32 bounds
// the replay a real chart needs). "serial" is one nurse; "parallel" is
// GOMAXPROCS×4 nurses on sessions of their own, whose commits the store
// may group. Run:
//
//	go test ./internal/store -run '^$' -bench RecordVitals -benchtime 2000x
func BenchmarkRecordVitals(b *testing.B) {
	for _, e := range storetest.Engines {
		b.Run(string(e), func(b *testing.B) {
			db := storetest.Open(b, e)
			sys := clinic.NewContext(context.Background(), clinic.System)
			c := &clinic.Clinic{Name: "bench"}
			if err := db.CreateClinic(sys, c); err != nil {
				b.Fatal(err)
			}
			doc := &clinic.User{ClinicID: c.ID, Login: "doc", Name: "Doc", Role: clinic.RoleClinician}
			nurse := &clinic.User{ClinicID: c.ID, Login: "nurse", Name: "Nurse", Role: clinic.RoleNurse}
			for _, u := range []*clinic.User{doc, nurse} {
				if err := db.CreateUser(sys, u, testPassword); err != nil {
					b.Fatal(err)
				}
			}
			db.Now = func() time.Time { return chartAt(24 * 60) }
			docCtx, nurseCtx := as(doc), as(nurse)
			var patients atomic.Int64
			// chart returns a function that records the next vitals of one
			// nurse, opening a new session every 32 vitals.
			chart := func() func(i int) error {
				var course, sid int64
				day, n := 10, 0
				return func(i int) error {
					if n%32 == 0 {
						if day == 10 {
							k := patients.Add(1)
							p := &clinic.Patient{ClinicID: c.ID, MRN: fmt.Sprintf("B-%d", k), GivenName: "B", FamilyName: "B",
								BirthDate: clinic.Date{Year: 1980, Month: 1, Day: 1}, Sex: clinic.SexFemale}
							if err := db.CreatePatient(sys, p); err != nil {
								return err
							}
							cs, err := db.CreateCourse(docCtx, p.ID, "", goldbergInput())
							if err != nil {
								return err
							}
							if _, err := db.SignPlan(docCtx, cs.ID, 1, 0); err != nil {
								return err
							}
							if _, err := storetest.RecordConsent(db, cs.ID); err != nil {
								return err
							}
							course, day = cs.ID, 0
						}
						day++
						s, err := db.OpenSession(nurseCtx, course, day, clinic.Date{Year: 2026, Month: 3, Day: 2})
						if err != nil {
							return err
						}
						sid = s.ID
						if _, _, err := db.RecordEvent(nurseCtx, sid, infusion.Event{Kind: infusion.KindCheckIn, At: chartAt(0),
							CheckIn: &infusion.CheckIn{Weight: units.Kilograms(71), Baseline: *vitals(70, 120, 75, 98), BaselineAt: chartAt(0)}}); err != nil {
							return err
						}
					}
					n++
					// Vitals a minute apart after the check-in at minute 0.
					at := chartAt(float64(1 + (n-1)%32))
					_, _, err := db.RecordEvent(nurseCtx, sid, infusion.Event{Kind: infusion.KindVitals, At: at, Vitals: vitals(70+i%5, 120, 75, 97)})
					return err
				}
			}
			b.Run("serial", func(b *testing.B) {
				next := chart()
				for i := range b.N {
					if err := next(i); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("parallel", func(b *testing.B) {
				b.SetParallelism(4)
				b.RunParallel(func(pb *testing.PB) {
					next := chart()
					for i := 0; pb.Next(); i++ {
						if err := next(i); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		})
	}
}
