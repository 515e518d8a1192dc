package demo_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/demo"
	"github.com/ketatrack/ketatrack/internal/infusion"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// scaleEnd is the fixed "now" of the scale tests: the five years end here.
var scaleEnd = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

// scaleTestPatients keeps the tests small; the counts scale linearly.
const scaleTestPatients = 8

func generate(t *testing.T, e store.Engine, seed uint64) (*store.DB, *demo.ScaleResult) {
	t.Helper()
	db := storetest.Open(t, e)
	res, err := demo.Scale(context.Background(), db, demo.ScaleConfig{Patients: scaleTestPatients, Seed: seed, End: scaleEnd})
	if err != nil {
		t.Fatalf("scale: %v", err)
	}
	return db, res
}

func digests(t *testing.T, db *store.DB) map[string]store.TableDigest {
	t.Helper()
	list, err := db.Digest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.TableDigest{}
	for _, d := range list {
		out[d.Table] = d
	}
	return out
}

// saltedTables are compared by count only: users hold password hashes,
// whose salts are random by design (clinic.HashPassword), and
// schema_migrations the time each migration ran (Migrate, before Scale).
var saltedTables = map[string]bool{"users": true, "schema_migrations": true}

// TestScaleDeterministic: the same seed twice gives the same rows in every
// table (the SHA-256 the backup manifest uses), on both engines; another
// seed gives other charts and journals.
func TestScaleDeterministic(t *testing.T) {
	for _, e := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			a, ra := generate(t, e, 7)
			b, rb := generate(t, e, 7)
			c, _ := generate(t, e, 8)
			// The passwords are generated (crypto/rand): the rest is the seed's.
			ca, cb := *ra, *rb
			ca.Credentials, cb.Credentials = nil, nil
			if !reflect.DeepEqual(ca, cb) {
				t.Errorf("results differ: %+v and %+v", ca, cb)
			}
			da, db, dc := digests(t, a), digests(t, b), digests(t, c)
			for name, x := range da {
				y := db[name]
				if x.Rows != y.Rows {
					t.Errorf("%s: %d rows and %d rows from the same seed", name, x.Rows, y.Rows)
				}
				if !saltedTables[name] && x.SHA256 != y.SHA256 {
					t.Errorf("%s: SHA-256 %s and %s from the same seed", name, x.SHA256, y.SHA256)
				}
			}
			for _, name := range []string{"patients", "infusion_events", "journal_entries", "audit_log"} {
				if da[name].Rows == 0 {
					t.Errorf("%s: no rows", name)
				}
				if da[name].SHA256 == dc[name].SHA256 {
					t.Errorf("%s: seeds 7 and 8 give the same rows", name)
				}
			}
		})
	}
}

// TestScaleBatchesWriteWhatRequestsWrite: the store batches the generator
// writes through (store.DB.Batch) store exactly the rows of the same calls
// made one by one, each in its own transaction as the web's requests make
// them: every table's SHA-256, on both engines.
func TestScaleBatchesWriteWhatRequestsWrite(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, batched *store.DB) {
		ctx := context.Background()
		if _, err := demo.Scale(ctx, batched, demo.ScaleConfig{Patients: scaleTestPatients, Seed: 5, End: scaleEnd}); err != nil {
			t.Fatal(err)
		}
		single := storetest.Open(t, batched.Engine())
		if _, err := demo.Scale(ctx, single, demo.ScaleConfig{Patients: scaleTestPatients, Seed: 5, End: scaleEnd, OneByOne: true}); err != nil {
			t.Fatal(err)
		}
		a, b := digests(t, batched), digests(t, single)
		for name, x := range a {
			y := b[name]
			if x.Rows != y.Rows || (!saltedTables[name] && x.SHA256 != y.SHA256) {
				t.Errorf("%s: batched %d rows %s, one by one %d rows %s", name, x.Rows, x.SHA256, y.Rows, y.SHA256)
			}
		}
	})
}

// TestScaleRowCounts checks every table's rows against what the generator
// asked for, by the write paths' own rules: one audit entry per record
// created, signed or imported, one stock entry per receipt, draw and waste,
// each event charted plus the alerts the chart raised.
func TestScaleRowCounts(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r, err := demo.Scale(ctx, db, demo.ScaleConfig{Patients: scaleTestPatients, Seed: 3, End: scaleEnd})
		if err != nil {
			t.Fatal(err)
		}
		if r.Patients != scaleTestPatients || r.Sessions != 10*r.TenDayCourses+(r.Courses-r.TenDayCourses) {
			t.Fatalf("result %+v", r)
		}
		// Today's infusion is running at the end (a booster checked in 80
		// minutes before).
		sys := clinic.NewContext(ctx, clinic.System)
		running, err := db.FindSessions(sys, clinic.SessionFilter{Date: clinic.DateOf(scaleEnd), WithState: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(running) != 1 || running[0].Phase != infusion.PhaseRunning {
			t.Errorf("today's sessions: %d, want one running", len(running))
		}
		list, err := db.TableRows(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int64{}
		for _, d := range list {
			got[d.Table] = d.Rows
		}
		events := r.Events + r.Alerts
		want := map[string]int{
			"clinics": 1, "users": r.Users, "consent_forms": 1, "stock_lots": r.Lots,
			"patients": r.Patients, "intakes": r.Patients, "body_weights": r.Patients, "body_heights": r.Patients,
			"crps_diagnoses": r.Diagnoses,
			"courses":        r.Courses, "plan_versions": r.Courses, "course_consents": r.Courses,
			"infusion_sessions": r.Sessions, "bag_preparations": r.Sessions, "bag_accounts": r.Sessions, "lot_balances": r.Lots, "infusion_events": events,
			"stock_entries":       r.Lots + r.Sessions + r.Wastes,
			"functional_measures": 6 * r.TenDayCourses, "journal_entries": r.JournalDays,
			"journal_day1": r.JournalPatients, "journal_series": r.JournalPatients,
			"audit_log": 1 + r.Users + 1 + r.Lots + 4*r.Patients + r.Diagnoses + 4*r.Courses + r.Measures +
				2*r.Sessions + events + r.Lots + r.Sessions + r.Wastes + 2*r.JournalPatients,
		}
		for table, n := range want {
			if got[table] != int64(n) {
				t.Errorf("%s: %d rows, want %d", table, got[table], n)
			}
		}
		// patient_outcomes is a derived summary (a generation counter per
		// patient whose outcome inputs were written), not a record the
		// generator asks for; TestOutcomeSummariesFollowWrites checks it.
		for table, n := range got {
			if _, ok := want[table]; !ok && n != 0 && table != "schema_migrations" && table != "patient_outcomes" {
				t.Errorf("%s: %d rows the generator did not ask for", table, n)
			}
		}
		// One login of each role (after the counts: a login writes a
		// session and an audit entry), the patient's on a patient of the clinic.
		roles := map[clinic.Role]bool{}
		for _, c := range r.Credentials {
			roles[c.Role] = true
			if _, _, err := db.Login(ctx, clinic.LoginRequest{Login: c.Login, Password: c.Password}); err != nil {
				t.Errorf("login %s: %v", c.Login, err)
			}
		}
		if len(roles) != len(clinic.Roles) || len(r.Credentials) != len(clinic.Roles) {
			t.Errorf("credentials %+v, want one of each role", r.Credentials)
		}
		// Refused on a database that holds data.
		if _, err := demo.Scale(ctx, db, demo.ScaleConfig{Patients: 1, Seed: 3, End: scaleEnd}); clinic.ErrorCode(err) != clinic.ECONFLICT {
			t.Errorf("second scale: %v, want a conflict", err)
		}
	})
}
