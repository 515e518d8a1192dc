package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/infusion"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
	"github.com/ketatrack/ketatrack/internal/units"
)

// cacheSession opens day 1 of a signed, consented Goldberg course on db and
// checks the patient in at minute 0; it returns the session's ID and the
// nurse's context.
func cacheSession(t *testing.T, db *store.DB) (int64, context.Context) {
	t.Helper()
	sys := clinic.NewContext(context.Background(), clinic.System)
	c := &clinic.Clinic{Name: "cache"}
	must(t, db.CreateClinic(sys, c))
	doc := &clinic.User{ClinicID: c.ID, Login: "doc", Name: "Doc", Role: clinic.RoleClinician}
	nurse := &clinic.User{ClinicID: c.ID, Login: "nurse", Name: "Nurse", Role: clinic.RoleNurse}
	for _, u := range []*clinic.User{doc, nurse} {
		must(t, db.CreateUser(sys, u, testPassword))
	}
	p := &clinic.Patient{ClinicID: c.ID, MRN: "C-1", GivenName: "C", FamilyName: "C",
		BirthDate: clinic.Date{Year: 1980, Month: 1, Day: 1}, Sex: clinic.SexFemale}
	must(t, db.CreatePatient(sys, p))
	cs, err := db.CreateCourse(as(doc), p.ID, "", goldbergInput())
	must(t, err)
	_, err = db.SignPlan(as(doc), cs.ID, 1, 0)
	must(t, err)
	storetest.Consent(t, db, cs.ID)
	s, err := db.OpenSession(as(nurse), cs.ID, 1, clinic.Date{Year: 2026, Month: 3, Day: 2})
	must(t, err)
	_, _, err = db.RecordEvent(as(nurse), s.ID, infusion.Event{Kind: infusion.KindCheckIn, At: chartAt(0),
		CheckIn: &infusion.CheckIn{Weight: units.Kilograms(71), Baseline: *vitals(70, 120, 75, 98), BaselineAt: chartAt(0)}})
	must(t, err)
	return s.ID, as(nurse)
}

// stateJSON is the session's chart as FindSessionByID gives it, as JSON.
func stateJSON(t *testing.T, db *store.DB, ctx context.Context, id int64) string {
	t.Helper()
	s, err := db.FindSessionByID(ctx, id)
	must(t, err)
	b, err := json.Marshal(s.State)
	must(t, err)
	return string(b)
}

// Two servers on one database (as two instances on one PostgreSQL, or two
// processes on one SQLite file), each with its own chart cache, chart one
// session in turn, one event and batches: every event is charted on the
// chart as stored, with the other's events (seq contiguous, a vitals set
// charted on a stale view kept after them, a check-in on a stale view
// refused with 409 naming what was charted since), and each server's chart
// is byte for byte the chart of a third server opened afterwards, whose
// cache is empty (read from the rows alone).
func TestChartCacheTwoServers(t *testing.T) {
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) {
			url := storetest.URL(t, e)
			open := func() *store.DB {
				db, err := store.Open(context.Background(), url)
				must(t, err)
				t.Cleanup(func() { db.Close() })
				_, err = db.Migrate(context.Background())
				must(t, err)
				db.Now = func() time.Time { return chartAt(24 * 60) }
				return db
			}
			one, two := open(), open()
			sid, nurse := cacheSession(t, one)
			seq := func(db *store.DB) int {
				s, err := db.FindSessionByID(nurse, sid)
				must(t, err)
				return s.EventCount
			}
			vit := func(min float64, hr int) infusion.Event {
				return infusion.Event{Kind: infusion.KindVitals, At: chartAt(min), Vitals: vitals(hr, 120, 75, 97)}
			}
			if n := seq(one); n != 1 || len(one.CachedChart(sid)) != 1 {
				t.Fatalf("after the check-in: %d events, %d cached on the first server; want 1, 1", n, len(one.CachedChart(sid)))
			}
			min := 1.0
			for round := range 6 {
				for i, db := range []*store.DB{one, two} {
					want := seq(db) + 1
					var got []infusion.Event
					var err error
					if round%2 == 0 {
						_, got, err = db.RecordEvent(nurse, sid, vit(min, 70+i))
						min++
					} else {
						evs := make([]infusion.Event, 7)
						for j := range evs {
							evs[j] = vit(min, 71+j%3)
							min++
						}
						_, got, err = db.RecordEvents(nurse, sid, evs)
					}
					must(t, err)
					if got[0].Seq != want {
						t.Fatalf("round %d server %d: first event seq %d, want %d", round, i+1, got[0].Seq, want)
					}
				}
			}
			// The first server read the chart at n events; the second
			// charts one more. Vitals on the first server's view are kept
			// after it; a check-in on that view is refused.
			n := seq(one)
			_, _, err := two.RecordEvent(nurse, sid, vit(min, 72))
			must(t, err)
			min++
			v := vit(min, 73)
			v.Seq = n + 1
			_, got, err := one.RecordEvent(nurse, sid, v)
			must(t, err)
			if got[0].Seq != n+2 {
				t.Errorf("vitals on a stale view: seq %d, want %d (after the other server's event)", got[0].Seq, n+2)
			}
			_, _, err = one.RecordEvent(nurse, sid, infusion.Event{Kind: infusion.KindCheckIn, Seq: n + 1, At: chartAt(0),
				CheckIn: &infusion.CheckIn{Weight: units.Kilograms(71), Baseline: *vitals(70, 120, 75, 98), BaselineAt: chartAt(0)}})
			var ce *clinic.Error
			if !errors.As(err, &ce) || ce.Code != clinic.ECONFLICT || ce.Field != "seq" {
				t.Errorf("check-in on a stale view: %v, want a 409 on seq", err)
			}
			fresh := open()
			want := stateJSON(t, fresh, nurse, sid)
			for i, db := range []*store.DB{one, two} {
				if got := stateJSON(t, db, nurse, sid); got != want {
					t.Errorf("server %d's chart differs from the rows':\n%.400s\nwant\n%.400s", i+1, got, want)
				}
			}
			if c := one.CachedChart(sid); len(c) != seq(fresh) {
				t.Errorf("first server caches %d events, the session has %d", len(c), seq(fresh))
			}
		})
	}
}

// A cached chart that no longer matches the rows — its last event's stored
// text differs from row n, or the rows end before n (a database restored
// under the server) — is not used: the chart is read from the rows again,
// and the next event is charted on it.
func TestChartCacheMismatchReadsRows(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		db.Now = func() time.Time { return chartAt(24 * 60) }
		sid, nurse := cacheSession(t, db)
		for m := 1; m <= 3; m++ {
			_, _, err := db.RecordEvent(nurse, sid, infusion.Event{Kind: infusion.KindVitals, At: chartAt(float64(m)), Vitals: vitals(70+m, 120, 75, 97)})
			must(t, err)
		}
		want := stateJSON(t, db, nurse, sid)
		cached := db.CachedChart(sid)
		if len(cached) != 4 {
			t.Fatalf("%d events cached, want 4", len(cached))
		}
		// The same number of events, the last one different.
		forged := append([]infusion.Event(nil), cached...)
		last := forged[3].Clone()
		last.Vitals.HeartRate = 150
		forged[3] = last
		raw, err := json.Marshal(last)
		must(t, err)
		must(t, db.ForgeCachedChart(sid, forged, string(raw)))
		if got := stateJSON(t, db, nurse, sid); got != want {
			t.Errorf("with a forged last event the chart is\n%.400s\nwant the stored\n%.400s", got, want)
		}
		// More events cached than stored.
		more := append(append([]infusion.Event(nil), cached...), cached[3].Clone())
		more[4].Seq = 5
		raw, err = json.Marshal(more[4])
		must(t, err)
		must(t, db.ForgeCachedChart(sid, more, string(raw)))
		if got := stateJSON(t, db, nurse, sid); got != want {
			t.Errorf("with an event cached beyond the rows the chart is\n%.400s\nwant the stored\n%.400s", got, want)
		}
		must(t, db.ForgeCachedChart(sid, forged, "{}"))
		_, got, err := db.RecordEvent(nurse, sid, infusion.Event{Kind: infusion.KindVitals, At: chartAt(5), Vitals: vitals(72, 120, 75, 97)})
		must(t, err)
		if got[0].Seq != 5 {
			t.Errorf("charted on a forged cache: seq %d, want 5", got[0].Seq)
		}
	})
}
