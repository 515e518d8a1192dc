package fhir_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/crps"
	"github.com/ketatrack/ketatrack/internal/fhir"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// freshClinic is an empty database with one clinic, at demoNow.
func freshClinic(t *testing.T, db *store.DB) *clinic.Clinic {
	t.Helper()
	db.Now = func() time.Time { return demoNow }
	c := &clinic.Clinic{Name: "Receiving clinic"}
	if err := db.CreateClinic(system(), c); err != nil {
		t.Fatal(err)
	}
	return c
}

// Importing the $everything Bundle of a demo patient into a fresh database
// gives the same patient: demographics, every weight and height as written
// and measured, and the CRPS presentation (limbs, onset) of the diagnosis,
// on both engines. The Patient exported again equals the first export but
// for the id and lastUpdated.
func TestImportExportedBundleGivesSamePatient(t *testing.T) {
	src, r := demoClinic(t, store.SQLite)
	orig := r.Patients[1]
	bundle := everythingOf(t, src, orig.ID)
	svc, _ := fhir.ServicesOf(src)
	srcRec, err := fhir.Gather(system(), svc, orig.ID)
	if err != nil {
		t.Fatal(err)
	}
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		c := freshClinic(t, db)
		parsed, err := fhir.Parse(bundle)
		if err != nil {
			t.Fatal(err)
		}
		parsed.Import.Patient.ClinicID = c.ID
		p, err := db.ImportPatient(system(), parsed.Import)
		if err != nil {
			t.Fatal(parsed.Explain(err))
		}
		got, want := *p, *orig
		got.ID, got.ClinicID, got.CreatedAt, got.UpdatedAt = 0, 0, time.Time{}, time.Time{}
		want.ID, want.ClinicID, want.CreatedAt, want.UpdatedAt = 0, 0, time.Time{}, time.Time{}
		// The referring doctor (migration 0006) is not in the FHIR mapping:
		// an exported Patient does not carry it.
		want.ReferringDoctor, want.ReferringAddress = "", ""
		if got != want {
			t.Errorf("imported patient\n%+v\nwant\n%+v", got, want)
		}
		svc2, _ := fhir.ServicesOf(db)
		rec, err := fhir.Gather(system(), svc2, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(rec.Weights) != len(srcRec.Weights) || len(rec.Heights) != len(srcRec.Heights) {
			t.Fatalf("weights %d heights %d, want %d and %d", len(rec.Weights), len(rec.Heights), len(srcRec.Weights), len(srcRec.Heights))
		}
		for i, w := range rec.Weights {
			o := srcRec.Weights[i]
			if w.Weight != o.Weight || !w.MeasuredAt.Equal(o.MeasuredAt) {
				t.Errorf("weight %d: %s at %s, want %s at %s", i, w.Weight, w.MeasuredAt, o.Weight, o.MeasuredAt)
			}
		}
		for i, h := range rec.Heights {
			o := srcRec.Heights[i]
			if h.Centimetres != o.Centimetres || !h.MeasuredAt.Equal(o.MeasuredAt) {
				t.Errorf("height %d: %g cm at %s, want %g cm at %s", i, h.Centimetres, h.MeasuredAt, o.Centimetres, o.MeasuredAt)
			}
		}
		intakes, err := db.FindIntakes(system(), p.ID)
		if err != nil || len(intakes) != 1 {
			t.Fatalf("intakes: %v, %v", intakes, err)
		}
		gotP, wantP := intakes[0].Presentation, srcRec.Diagnoses[len(srcRec.Diagnoses)-1].Record.Presentation
		if strings.Join(limbs(gotP.AffectedLimbs), ",") != strings.Join(limbs(wantP.AffectedLimbs), ",") || gotP.Onset != wantP.Onset {
			t.Errorf("presentation %+v, want limbs and onset of %+v", gotP, wantP)
		}
		// The Patient exported again is the same but for id and meta.
		again := fhir.Map(rec, fhir.Options{MRNSystem: func(int64) string { return fhir.DefaultMRNSystem(orig.ClinicID) }})[0]
		first := fhir.Map(srcRec, fhir.Options{})[0]
		a, b := stripped(t, again), stripped(t, first)
		if a != b {
			t.Errorf("re-exported Patient\n%s\nwant\n%s", a, b)
		}
	})
}

func limbs(ls []crps.Limb) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = string(l)
	}
	return out
}

// stripped is a resource's JSON without id and meta.
func stripped(t *testing.T, r fhir.Resource) string {
	raw, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	delete(m, "id")
	delete(m, "meta")
	out, _ := json.Marshal(m)
	return string(out)
}

// A bad Bundle is refused naming the entry, the resource and the element,
// and nothing is stored — also when the store, not the parser, refuses it
// (a weight no person has).
func TestImportRefusesNamingResourceAndField(t *testing.T) {
	patient := `{"fullUrl":"urn:uuid:p1","resource":{"resourceType":"Patient","id":"p1","identifier":[{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}]},"system":"urn:oid:1.2.3","value":"H-77"}],"name":[{"family":"Ng","given":["Mai"]}],"gender":"female","birthDate":"1980-02-29"}}`
	weight := func(v string, code string) string {
		return `{"resource":{"resourceType":"Observation","id":"w1","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"29463-7"}]},"subject":{"reference":"urn:uuid:p1"},"effectiveDateTime":"2026-11-02T10:00:00Z","valueQuantity":{"value":` + v + `,"unit":"x","system":"http://unitsofmeasure.org","code":"` + code + `"}}}`
	}
	bundle := func(entries ...string) string {
		return `{"resourceType":"Bundle","type":"collection","entry":[` + strings.Join(entries, ",") + `]}`
	}
	cases := []struct {
		name, bundle string
		entry        int
		resource     string
		field        string
	}{
		{"not a bundle", `{"resourceType":"Patient"}`, -1, "", "resourceType"},
		{"no patient", bundle(weight("70", "kg")), -1, "", "entry"},
		{"bad birth date", strings.Replace(bundle(patient), "1980-02-29", "1980", 1), 0, "Patient/p1", "birthDate"},
		{"bad gender", strings.Replace(bundle(patient), `"female"`, `"f"`, 1), 0, "Patient/p1", "gender"},
		{"unknown element", strings.Replace(bundle(patient), `"gender"`, `"deceasedBoolean":true,"gender"`, 1), 0, "Patient/p1", "deceasedBoolean"},
		{"modifier extension", strings.Replace(bundle(patient), `"gender"`, `"modifierExtension":[{"url":"x"}],"gender"`, 1), 0, "Patient/p1", "modifierExtension"},
		{"weight unit", bundle(patient, weight("70", "[stone_av]")), 1, "Observation/w1", "valueQuantity.code"},
		{"weight subject", bundle(patient, strings.Replace(weight("70", "kg"), "urn:uuid:p1", "Patient/other", 1)), 1, "Observation/w1", "subject"},
		{"unknown type", bundle(patient, `{"resource":{"resourceType":"Immunization","id":"e1"}}`), 1, "Immunization/e1", "resourceType"},
		{"impossible weight", bundle(patient, weight("7000", "kg")), 1, "Observation/w1", ""},
		{"bad time", bundle(patient, strings.Replace(weight("70", "kg"), "2026-11-02T10:00:00Z", "2026-11-02T10:00", 1)), 1, "Observation/w1", "effectiveDateTime"},
	}
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		c := freshClinic(t, db)
		for _, tc := range cases {
			parsed, err := fhir.Parse([]byte(tc.bundle))
			if err == nil {
				parsed.Import.Patient.ClinicID = c.ID
				_, err = db.ImportPatient(system(), parsed.Import)
				if err != nil {
					err = parsed.Explain(err)
				}
			}
			var ie *fhir.ImportError
			if !errors.As(err, &ie) {
				t.Errorf("%s: error %v, want an ImportError", tc.name, err)
				continue
			}
			if ie.Entry != tc.entry || ie.Resource != tc.resource || (tc.field != "" && ie.Field != tc.field) {
				t.Errorf("%s: %q names entry %d %s %q; want entry %d %s %q", tc.name, ie, ie.Entry, ie.Resource, ie.Field, tc.entry, tc.resource, tc.field)
			}
		}
		if n, err := db.CountPatients(system()); err != nil || n != 0 {
			t.Errorf("after refused imports the database holds %d patients (%v)", n, err)
		}
		// The good Bundle imports.
		parsed, err := fhir.Parse([]byte(bundle(patient, weight("70.5", "kg"))))
		if err != nil {
			t.Fatal(err)
		}
		parsed.Import.Patient.ClinicID = c.ID
		if _, err := db.ImportPatient(system(), parsed.Import); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzParse: Parse never panics, and what it accepts has a valid patient.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","id":"p","identifier":[{"value":"M"}],"name":[{"family":"F","given":["G"]}],"gender":"male","birthDate":"1970-01-01"}}]}`))
	f.Add([]byte(`{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Condition","code":{}}}]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := fhir.Parse(data)
		if err != nil {
			return
		}
		if err := p.Import.Patient.CheckFields(); err != nil {
			t.Fatalf("accepted a patient that does not validate: %v", err)
		}
	})
}
