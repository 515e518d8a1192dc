package store_test

import (
	"testing"

	"github.com/ketatrack/ketatrack/internal/clinic"
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
	})
}
