package fhir_test

import (
	"context"
	"encoding/json"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/demo"
	"github.com/ketatrack/ketatrack/internal/fhir"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// demoNow is the fixed instant the demo clinic is loaded at in these tests:
// Wednesday 2 December 2026, 14:30 UTC (a weekday, so the demo's running
// session and weekday courses are as on a clinic day).
var demoNow = time.Date(2026, 12, 2, 14, 30, 0, 0, time.UTC)

func TestMain(m *testing.M) {
	// The demo and the journal read the clinic's day in time.Local: fix it
	// so that the golden files do not depend on the machine's zone.
	time.Local = time.UTC
	os.Exit(m.Run())
}

// demoClinic loads the demo clinic into a fresh database at demoNow.
func demoClinic(t testing.TB, e store.Engine) (*store.DB, *demo.Result) {
	t.Helper()
	db := storetest.Open(t, e)
	db.Now = func() time.Time { return demoNow }
	r, err := demo.Load(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return db, r
}

func system() context.Context { return clinic.NewContext(context.Background(), clinic.System) }

// exportAll maps every patient of db as System.
func exportAll(t testing.TB, db *store.DB) map[string][]fhir.Resource {
	t.Helper()
	svc, err := fhir.ServicesOf(db)
	if err != nil {
		t.Fatal(err)
	}
	ps, _, err := db.FindPatients(system(), clinic.PatientFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	byType := map[string][]fhir.Resource{}
	for _, p := range ps {
		rec, err := fhir.GatherPatient(system(), svc, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range fhir.Map(rec, fhir.Options{}) {
			byType[r.Type()] = append(byType[r.Type()], r)
		}
	}
	byType["Questionnaire"] = []fhir.Resource{fhir.JournalQuestionnaire()}
	return byType
}

// Every resource the demo clinic produces is valid against the official
// FHIR R4 JSON schema; the count per type is logged for the closing note.
func TestDemoClinicExportValidates(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		db.Now = func() time.Time { return demoNow }
		if _, err := demo.Load(context.Background(), db); err != nil {
			t.Fatal(err)
		}
		byType := exportAll(t, db)
		var types []string
		errs, total := 0, 0
		for typ, rs := range byType {
			types = append(types, typ)
			for _, r := range rs {
				total++
				raw, err := json.Marshal(r)
				if err != nil {
					t.Fatal(err)
				}
				if err := validateJSON(t, raw); err != nil {
					errs++
					if errs <= 20 {
						t.Error(err)
					}
				}
				if err := checkRequired(raw); err != nil {
					errs++
					if errs <= 20 {
						t.Error(err)
					}
				}
			}
		}
		sort.Strings(types)
		var counts []string
		for _, typ := range types {
			counts = append(counts, typ+" "+strconv.Itoa(len(byType[typ])))
		}
		t.Logf("demo clinic: %d resources (%s); %d schema or required-element errors", total, strings.Join(counts, ", "), errs)
		for _, want := range []string{"Patient", "Observation", "Condition", "MedicationRequest", "MedicationAdministration",
			"AdverseEvent", "QuestionnaireResponse", "Questionnaire", "Provenance", "Encounter"} {
			if len(byType[want]) == 0 {
				t.Errorf("the demo clinic produced no %s", want)
			}
		}
	})
}
