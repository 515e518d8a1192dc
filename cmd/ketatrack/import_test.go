package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// importFixture is a migrated database with one clinic and three patients
// (MRNs G01–G03), and its --db URL.
func importFixture(t *testing.T, e store.Engine) (*store.DB, string, []*clinic.Patient) {
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
	sys := clinic.NewContext(context.Background(), clinic.System)
	c := &clinic.Clinic{Name: "Import clinic"}
	if err := db.CreateClinic(sys, c); err != nil {
		t.Fatal(err)
	}
	var ps []*clinic.Patient
	for i := range 3 {
		p := &clinic.Patient{ClinicID: c.ID, MRN: "G0" + strconv.Itoa(i+1), GivenName: "P", FamilyName: strconv.Itoa(i),
			BirthDate: clinic.Date{Year: 1970, Month: 1, Day: 1 + i}, Sex: clinic.SexFemale}
		if err := db.CreatePatient(sys, p); err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	return db, url, ps
}

func importFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// journalRows counts the journal rows of the clinic through the cohort.
func journalRows(t *testing.T, db *store.DB) int {
	t.Helper()
	rows, err := db.CohortJournal(clinic.NewContext(context.Background(), clinic.System), clinic.CohortFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return len(rows.Rows)
}

const importHeader = "patient_id,day,pain_now,pain_worst,pain_least,pain_24h,affective,burning,aching,punishing,movement,relief_pct"

func TestImportJournalAllOrNothing(t *testing.T) {
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) {
			db, url, ps := importFixture(t, e)
			// A spreadsheet's file: byte-order mark, CRLF, a blank line.
			good := "\uFEFF" + importHeader + "\r\n" +
				"G01,1,8,9,6,8,2,3,2,2,7,0\r\n" +
				"G01,2,7,9,6,7,2,3,2,2,7,10\r\n" +
				"\r\n" +
				"G02,1,6,8,5,6,,,,1,5,0\r\n" +
				"G02,2,5.5,7,4,5,,,,1,5,25\r\n"
			code, stdout, stderr := runCmd(t, "", "import", "journal", importFile(t, "good.csv", good), "--db", url, "--json")
			if code != exitOK {
				t.Fatalf("good import: %d %s", code, stderr)
			}
			var res map[string]any
			if err := json.Unmarshal([]byte(stdout), &res); err != nil || res["rows"] != 4.0 || res["patients"] != 2.0 {
				t.Errorf("result %s", stdout)
			}
			if n := journalRows(t, db); n != 4 {
				t.Fatalf("%d rows stored, want 4", n)
			}
			for _, c := range []struct {
				name, body, want string
			}{
				// An out-of-range value on line 3: the CSV reader names it.
				{"range", importHeader + "\nG03,1,8,9,6,8,2,3,2,2,7,0\nG03,2,11,9,6,8,2,3,2,2,7,0\n", "line 3, column 3 (pain_now)"},
				// An MRN no patient has, on line 3 (after a good line 2).
				{"unknown", importHeader + "\nG03,1,8,9,6,8,2,3,2,2,7,0\nX99,1,8,9,6,8,2,3,2,2,7,0\n", "line 3, column 1 (patient_id)"},
				// A day patient G02 already has, on line 4.
				{"clash", importHeader + "\nG03,1,8,9,6,8,2,3,2,2,7,0\nG03,2,8,9,6,8,2,3,2,2,7,0\nG02,2,1,1,1,1,1,1,1,1,1,1\n", "line 4, column 2 (day)"},
				// The same patient and day twice in the file.
				{"duplicate", importHeader + "\nG03,1,8,9,6,8,2,3,2,2,7,0\nG03,1,8,9,6,8,2,3,2,2,7,0\n", "line 3"},
				{"header", "patient,day\nG03,1\n", "line 1, column 1"},
				{"empty", "", "line 1: empty file"},
			} {
				code, _, stderr := runCmd(t, "", "import", "journal", importFile(t, c.name+".csv", c.body), "--db", url)
				if code != exitBadInput || !strings.Contains(stderr, c.want) {
					t.Errorf("%s: status %d, stderr %q; want 2 and %q", c.name, code, stderr, c.want)
				}
				if n := journalRows(t, db); n != 4 {
					t.Errorf("%s: %d rows stored after a refused import, want the 4 of before", c.name, n)
				}
			}
			// --match id: ketatrack's patient IDs.
			byID := importHeader + "\n" + strconv.FormatInt(ps[2].ID, 10) + ",1,8,9,6,8,2,3,2,2,7,0\n"
			if code, _, stderr := runCmd(t, "", "import", "journal", importFile(t, "id.csv", byID), "--db", url, "--match", "id"); code != exitOK {
				t.Errorf("--match id: %d %s", code, stderr)
			}
			if n := journalRows(t, db); n != 5 {
				t.Errorf("%d rows after --match id, want 5", n)
			}
			if code, _, stderr := runCmd(t, "", "import", "journal", "x.csv", "--db", url, "--match", "name"); code != exitBadInput || !strings.Contains(stderr, "match") {
				t.Errorf("--match name: %d %s", code, stderr)
			}
			if code, _, _ := runCmd(t, "", "import", "diary", "x.csv", "--db", url); code != exitBadInput {
				t.Errorf("import diary: %d", code)
			}
		})
	}
}
