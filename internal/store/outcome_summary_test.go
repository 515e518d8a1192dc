package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/demo"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// TestSaveOutcomesKeepsNewer: a summary computed from an older generation
// of inputs, or under older definitions, never replaces a newer one (two
// server instances refreshing one database), and a write of the patient's
// inputs makes its summary stale again. Both engines.
func TestSaveOutcomesKeepsNewer(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		admin := as(f.admin[0])
		p := f.patients[0][0]
		defs0 := store.OutcomeDefinitionsStamp{Version: 0, Hash: "h0"}
		stale := func(d store.OutcomeDefinitionsStamp) map[int64]int64 {
			t.Helper()
			list, err := db.StaleOutcomes(admin, d)
			must(t, err)
			out := map[int64]int64{}
			for _, s := range list {
				out[s.PatientID] = s.Gen
			}
			return out
		}
		// Both patients of clinic north, each created (generation 1), are
		// stale; clinic south's are not listed.
		if got := stale(defs0); len(got) != 2 || got[p.ID] != 1 || got[f.patients[0][1].ID] != 1 {
			t.Fatalf("stale at first: %v, want both patients of the clinic at generation 1", got)
		}
		save := func(gen int64, d store.OutcomeDefinitionsStamp, protocol string) {
			t.Helper()
			must(t, db.SaveOutcomes(admin, []store.OutcomeSummary{{PatientID: p.ID, ClinicID: p.ClinicID, Gen: gen, Definitions: d,
				HasOutcome: true, Relapsed: true, RelapseOn: clinic.Date{Year: 2026, Month: 3, Day: 1}, ReliefDays: 20,
				Protocol: protocol, Booster: []byte(`{}`), Outcome: []byte(`{}`)}}))
		}
		stored := func() string {
			t.Helper()
			list, err := db.FindRelapses(admin)
			must(t, err)
			if len(list) != 1 || list[0].Patient.ID != p.ID {
				t.Fatalf("relapses %+v, want patient %d only", list, p.ID)
			}
			return list[0].Protocol
		}
		save(1, defs0, "gen 1")
		if got := stale(defs0); got[p.ID] != 0 || len(got) != 1 {
			t.Fatalf("stale after saving generation 1: %v, want the other patient only", got)
		}
		// A change of the patient's details raises its generation to 2.
		newMRN := "north-1b"
		_, err := db.UpdatePatient(admin, p.ID, clinic.PatientUpdate{MRN: &newMRN})
		must(t, err)
		if got := stale(defs0); got[p.ID] != 2 {
			t.Fatalf("stale after the update: %v, want patient %d at generation 2", got, p.ID)
		}
		save(2, defs0, "gen 2")
		save(1, defs0, "gen 1 again") // a slower instance's older result
		if got := stored(); got != "gen 2" {
			t.Errorf("after a generation-1 save over generation 2: %q, want %q", got, "gen 2")
		}
		// New definitions (version 1) replace the row at the same
		// generation; a result under version 0 then no longer does, even
		// from a later generation.
		defs1 := store.OutcomeDefinitionsStamp{Version: 1, Hash: "h1"}
		if got := stale(defs1); got[p.ID] != 2 {
			t.Fatalf("stale under new definitions: %v, want patient %d at generation 2", got, p.ID)
		}
		save(2, defs1, "defs 1")
		save(2, defs0, "defs 0 again")
		if got := stored(); got != "defs 1" {
			t.Errorf("after a save under older definitions: %q, want %q", got, "defs 1")
		}
		if got := stale(defs1); got[p.ID] != 0 {
			t.Errorf("stale after saving under the definitions: %v, want patient %d fresh", got, p.ID)
		}
		// Rows under two definitions, each fresh by generation: under
		// either, the other's row is stale (StaleOutcomes' check of the
		// clinic's lowest and highest stamps, migration 0018).
		q := f.patients[0][1]
		must(t, db.SaveOutcomes(admin, []store.OutcomeSummary{{PatientID: q.ID, ClinicID: q.ClinicID, Gen: 1, Definitions: defs0}}))
		if got := stale(defs1); len(got) != 1 || got[q.ID] != 1 {
			t.Errorf("stale under definitions 1 with patient %d under 0: %v, want it alone at generation 1", q.ID, got)
		}
		if got := stale(defs0); len(got) != 1 || got[p.ID] != 2 {
			t.Errorf("stale under definitions 0 with patient %d under 1: %v, want it alone at generation 2", p.ID, got)
		}
		defs1b := store.OutcomeDefinitionsStamp{Version: 1, Hash: "h1b"} // same version, other content
		must(t, db.SaveOutcomes(admin, []store.OutcomeSummary{{PatientID: q.ID, ClinicID: q.ClinicID, Gen: 1, Definitions: defs1}}))
		if got := stale(defs1); len(got) != 0 {
			t.Errorf("stale with every row under definitions 1: %v, want none", got)
		}
		if got := stale(defs1b); len(got) != 2 {
			t.Errorf("stale under definitions 1 of other content: %v, want both patients", got)
		}
	})
}

// TestStaleOutcomesReadChangedRows: with the planner's statistics of a
// scaled clinic, StaleOutcomes finds the rows whose inputs changed by their
// stale flag (migration 0020) and lists what a scan of every row lists,
// before and after a refresh. On SQLite it reads them from the partial
// index patient_outcomes_stale and the clinic's lowest and highest
// definitions stamps one index entry each, instead of every row of the
// clinic (a walk of patient_outcomes_by_clinic: 10,000 rows per dashboard
// request at N=10,000). On PostgreSQL, after a save of most of the
// clinic's summaries, the planner estimates the stale rows as the few they
// are (from the flag's statistics, refreshed by the save), not a third of
// the clinic as for migration 0018's computed_gen < gen (DEFAULT_INEQ_SEL),
// nor all of it as the statistics taken before the save say: the estimate
// that chose a sequential scan of the clinic's 10,000 rows.
func TestStaleOutcomesReadChangedRows(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		end := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
		// 60 patients: a save of 58 passes store.SaveOutcomes'
		// threshold of 50 for the statistics.
		const patients, saved = 60, 58
		if _, err := demo.Scale(ctx, db, demo.ScaleConfig{Patients: patients, Seed: 2, End: end}); err != nil {
			t.Fatalf("scale: %v", err)
		}
		if err := db.Optimize(ctx); err != nil {
			t.Fatal(err)
		}
		if db.Engine() == store.SQLite {
			if got := queryPlan(t, db, store.StaleByGen, 1); !strings.Contains(got, "USING INDEX patient_outcomes_stale") {
				t.Errorf("plan of the rows whose inputs changed: %s; want a search of patient_outcomes_stale", got)
			}
			for _, dir := range []string{"", " DESC"} {
				got := queryPlan(t, db, fmt.Sprintf(store.DefinitionsEnd, dir), 1)
				if !strings.Contains(got, "USING COVERING INDEX patient_outcomes_definitions") || strings.Contains(got, "TEMP B-TREE") {
					t.Errorf("plan of the clinic's definitions stamp%s: %s; want one end of patient_outcomes_definitions", dir, got)
				}
			}
		}
		// The reference: every row of the clinic read and checked here.
		var clinicID int64
		rows, err := db.QueryRaw(ctx, `SELECT min(clinic_id), count(DISTINCT clinic_id) FROM patient_outcomes`)
		must(t, err)
		for rows.Next() {
			var n int
			must(t, rows.Scan(&clinicID, &n))
			if n != 1 {
				t.Fatalf("summaries of %d clinics, want the scaled clinic's", n)
			}
		}
		must(t, rows.Close())
		admin := clinic.NewContext(ctx, &clinic.Actor{UserID: 1, ClinicID: clinicID, Role: clinic.RoleAdmin})
		d := store.OutcomeDefinitionsStamp{Version: 0, Hash: "h"}
		scan := func() []store.OutcomeStamp {
			t.Helper()
			rows, err := db.QueryRaw(ctx, `SELECT patient_id, gen, computed_gen, definitions_version, definitions_hash
				FROM patient_outcomes WHERE clinic_id = $1 ORDER BY patient_id`, clinicID)
			must(t, err)
			defer rows.Close()
			var out []store.OutcomeStamp
			for rows.Next() {
				var s store.OutcomeStamp
				var computed int64
				var r store.OutcomeDefinitionsStamp
				must(t, rows.Scan(&s.PatientID, &s.Gen, &computed, &r.Version, &r.Hash))
				if computed < s.Gen || r != d {
					out = append(out, s)
				}
			}
			must(t, rows.Err())
			return out
		}
		check := func(when string) []store.OutcomeStamp {
			t.Helper()
			got, err := db.StaleOutcomes(admin, d)
			must(t, err)
			if want := scan(); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s: StaleOutcomes %v, want %v", when, got, want)
			}
			return got
		}
		all := check("as generated")
		if len(all) != patients {
			t.Fatalf("as generated: %d stale rows, want the %d patients'", len(all), patients)
		}
		var list []store.OutcomeSummary
		for _, s := range all[:saved] {
			list = append(list, store.OutcomeSummary{PatientID: s.PatientID, ClinicID: clinicID, Gen: s.Gen, Definitions: d})
		}
		must(t, db.SaveOutcomes(admin, list))
		if got := check("after the save"); len(got) != patients-saved {
			t.Errorf("after %d saved: %d stale, want %d", saved, len(got), patients-saved)
		}
		if db.Engine() == store.Postgres {
			// ANALYZE reads all 60 rows (its sample is 30,000): the
			// estimate is the count, give or take the rounding.
			if got := planRows(t, db, store.StaleByGen, clinicID); got > patients-saved+1 {
				t.Errorf("estimate of the stale rows after the save: %g, want the %d there are", got, patients-saved)
			}
		}
	})
}

// planRows is PostgreSQL's estimate of the rows the scan of
// patient_outcomes in q's plan returns.
func planRows(t *testing.T, db *store.DB, q string, args ...any) float64 {
	t.Helper()
	rows, err := db.QueryRaw(context.Background(), "EXPLAIN (FORMAT JSON) "+q, args...)
	must(t, err)
	defer rows.Close()
	var js string
	for rows.Next() {
		must(t, rows.Scan(&js))
	}
	must(t, rows.Err())
	type node struct {
		Relation string  `json:"Relation Name"`
		Rows     float64 `json:"Plan Rows"`
		Plans    []node  `json:"Plans"`
	}
	var plans []struct{ Plan node }
	if err := json.Unmarshal([]byte(js), &plans); err != nil || len(plans) != 1 {
		t.Fatalf("plan %s: %v", js, err)
	}
	var find func(n node) (float64, bool)
	find = func(n node) (float64, bool) {
		if n.Relation == "patient_outcomes" {
			return n.Rows, true
		}
		for _, c := range n.Plans {
			if r, ok := find(c); ok {
				return r, true
			}
		}
		return 0, false
	}
	r, ok := find(plans[0].Plan)
	if !ok {
		t.Fatalf("no scan of patient_outcomes in %s", js)
	}
	return r
}
