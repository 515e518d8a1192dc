package fhir_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"testing"

	"github.com/ketatrack/ketatrack/internal/fhir"
	"github.com/ketatrack/ketatrack/internal/store"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenBase is the FHIR base URL written into the golden Bundle's fullUrls.
const goldenBase = "https://clinic.example/fhir"

// everythingOf returns the $everything Bundle of demo patient i as
// indented JSON.
func everythingOf(t *testing.T, db *store.DB, patientID int64) []byte {
	t.Helper()
	svc, err := fhir.ServicesOf(db)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := fhir.Gather(system(), svc, patientID)
	if err != nil {
		t.Fatal(err)
	}
	b, err := fhir.Everything(fhir.Map(rec, fhir.Options{}), goldenBase, demoNow)
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.MarshalIndent(b, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}

// The $everything Bundle of Hannah Becker, the demo patient with a CRPS
// diagnosis, a signed Schwartzman 2009 course, two infusion days charted to
// discharge and a third running (vitals, an alert, a side effect), a journal
// and measures: the demo loaded at the fixed instant demoNow gives the same
// Bundle byte for byte (ids are the database's, which a fresh database
// assigns in the same order). Regenerate with go test -run Golden -update.
func TestEverythingGolden(t *testing.T) {
	db, r := demoClinic(t, store.SQLite)
	got := everythingOf(t, db, r.Patients[1].ID)
	const path = "testdata/everything-demo-patient.json"
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("$everything of the demo patient differs from %s (go test -run Golden -update to accept); got %d bytes, want %d", path, len(got), len(want))
	}
	// The golden Bundle is itself valid FHIR, entry by entry.
	if err := validateJSON(t, want); err != nil {
		t.Error(err)
	}
	var b struct {
		Entry []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(want, &b); err != nil {
		t.Fatal(err)
	}
	for _, e := range b.Entry {
		if err := validateJSON(t, e.Resource); err != nil {
			t.Error(err)
		}
	}
	// A second load into another fresh database gives the same bytes.
	db2, r2 := demoClinic(t, store.SQLite)
	if again := everythingOf(t, db2, r2.Patients[1].ID); !bytes.Equal(again, got) {
		t.Error("two loads of the demo at the same instant give different $everything Bundles")
	}
}
