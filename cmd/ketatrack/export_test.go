package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/demo"
	"github.com/ketatrack/ketatrack/internal/fhir"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// demoDB is a database with the demo clinic, and its --db URL.
func demoDB(t *testing.T, e store.Engine) (*store.DB, string, *demo.Result) {
	t.Helper()
	url := storetest.URL(t, e)
	db, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	r, err := demo.Load(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return db, url, r
}

// export fhir writes one NDJSON file per type whose lines are the
// resources the manifest counts, audits the export, and refuses to write
// over an earlier export; export without a kind lists the kinds.
func TestExportFHIR(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db0 *store.DB) {
		db, url, r := demoDB(t, db0.Engine())
		out := t.TempDir()
		code, stdout, stderr := runCmd(t, "", "export", "fhir", "--out", out, "--db", url, "--json")
		if code != exitOK {
			t.Fatalf("status %d: %s", code, stderr)
		}
		var doc struct {
			Patients, Resources int
			Manifest            fhir.Manifest
		}
		if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
			t.Fatal(err)
		}
		if doc.Patients != len(r.Patients) {
			t.Errorf("exported %d patients, want %d", doc.Patients, len(r.Patients))
		}
		sum := 0
		for _, o := range doc.Manifest.Output {
			f, err := os.Open(filepath.Join(out, o.URL))
			if err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(f)
			sc.Buffer(nil, 16<<20)
			n := 0
			for sc.Scan() {
				var head struct{ ResourceType string }
				if err := json.Unmarshal(sc.Bytes(), &head); err != nil || head.ResourceType != o.Type {
					t.Errorf("%s line %d: %v %q", o.URL, n+1, err, head.ResourceType)
				}
				n++
			}
			f.Close()
			if n != o.Count {
				t.Errorf("%s: %d lines, manifest says %d", o.URL, n, o.Count)
			}
			sum += n
		}
		if sum != doc.Resources || sum == 0 {
			t.Errorf("files hold %d resources, the export reported %d", sum, doc.Resources)
		}
		// One entry for the clinic with the counts, one per patient so that
		// each patient's trail accounts for the disclosure.
		es, err := db.FindAuditEntries(clinic.NewContext(context.Background(), clinic.System), clinic.AuditFilter{Action: clinic.ActionExport, Limit: 1000})
		if err != nil || len(es) != len(r.Patients)+1 {
			t.Fatalf("audit of the export: %d entries, %v", len(es), err)
		}
		perPatient := map[int64]bool{}
		for _, e := range es {
			if e.ClinicID != r.Clinic.ID {
				t.Errorf("audit entry in clinic %d", e.ClinicID)
			}
			perPatient[e.PatientID] = true
		}
		for _, p := range r.Patients {
			if !perPatient[p.ID] {
				t.Errorf("no export entry in the audit trail of %s", p.MRN)
			}
		}
		if code, _, stderr := runCmd(t, "", "export", "fhir", "--out", out, "--db", url); code != exitBadInput || !strings.Contains(stderr, "already holds an export") {
			t.Errorf("second export into the same directory: status %d, %s", code, stderr)
		}
	})
	if code, _, stderr := runCmd(t, "", "export"); code != exitBadInput || !strings.Contains(stderr, "fhir") {
		t.Errorf("export without a kind: status %d, %s", code, stderr)
	}
	if code, _, stderr := runCmd(t, "", "export", "xml"); code != exitBadInput || !strings.Contains(stderr, `"xml" is not a kind`) {
		t.Errorf("unknown kind: status %d, %s", code, stderr)
	}
	if code, stdout, _ := runCmd(t, "", "export", "fhir", "--help"); code != exitOK || !strings.Contains(stdout, "--out") {
		t.Errorf("export fhir --help: status %d, %s", code, stdout)
	}
}

// import fhir creates the patient of a Bundle; a Bundle with a bad
// resource is refused with exit 2, naming it, and nothing is stored.
func TestImportFHIR(t *testing.T) {
	src, _, r := demoDB(t, store.SQLite)
	svc, _ := fhir.ServicesOf(src)
	sys := clinic.NewContext(context.Background(), clinic.System)
	rec, err := fhir.Gather(sys, svc, r.Patients[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	b, err := fhir.Everything(fhir.Map(rec, fhir.Options{}), "https://clinic.example/fhir", src.Now())
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(b)
	good := importFile(t, "bundle.json", string(raw))
	bad := importFile(t, "bad.json", strings.Replace(string(raw), `"gender":"female"`, `"gender":"f"`, 1))

	db, url, _ := importFixture(t, store.SQLite)
	code, _, stderr := runCmd(t, "", "import", "fhir", bad, "--db", url)
	if code != exitBadInput || !strings.Contains(stderr, "Patient/") || !strings.Contains(stderr, "gender") || !strings.Contains(stderr, "nothing was imported") {
		t.Errorf("bad bundle: status %d, %s", code, stderr)
	}
	before, _ := db.CountPatients(sys)
	code, stdout, stderr := runCmd(t, "", "import", "fhir", good, "--db", url, "--json")
	if code != exitOK {
		t.Fatalf("status %d: %s", code, stderr)
	}
	var doc struct {
		PatientID int64 `json:"patient_id"`
		MRN       string
		Weights   int
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.MRN != r.Patients[1].MRN || doc.Weights != len(rec.Weights) {
		t.Errorf("imported %+v", doc)
	}
	if after, _ := db.CountPatients(sys); after != before+1 {
		t.Errorf("patients %d → %d", before, after)
	}
}
