package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// migrate, backup, restore and audit on both engines: a backup taken
// while the database is open holds the data as they were; restoring it
// brings them back exactly, and later changes are gone.
func TestMigrateBackupRestoreAudit(t *testing.T) {
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) {
			dbURL := storetest.URL(t, e)
			code, out, errOut := runCmd(t, "", "migrate", "--db", dbURL)
			if code != exitOK || !strings.Contains(out, "applied migrations [1") {
				t.Fatalf("migrate: %d %q %q", code, out, errOut)
			}
			if code, out, _ = runCmd(t, "", "migrate", "--db", dbURL); code != exitOK || !strings.Contains(out, "up to date") {
				t.Fatalf("second migrate: %d %q", code, out)
			}

			ctx := clinic.NewContext(context.Background(), clinic.System)
			db, err := store.Open(ctx, dbURL)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			c := &clinic.Clinic{Name: "Backup clinic"}
			storeMust(t, db.CreateClinic(ctx, c))
			kept := &clinic.Patient{ClinicID: c.ID, MRN: "B-1", GivenName: "Kept", FamilyName: "Before",
				BirthDate: clinic.Date{Year: 1977, Month: 5, Day: 6}, Sex: clinic.SexFemale}
			storeMust(t, db.CreatePatient(ctx, kept))

			file := filepath.Join(t.TempDir(), "ketatrack.backup")
			if code, out, errOut := runCmd(t, "", "backup", "--db", dbURL, "--out", file); code != exitOK {
				t.Fatalf("backup: %d %q %q", code, out, errOut)
			}
			if st, err := os.Stat(file); err != nil || st.Size() == 0 {
				t.Fatalf("backup file: %v", err)
			}
			if code, _, errOut := runCmd(t, "", "backup", "--db", dbURL, "--out", file); code == exitOK || !strings.Contains(errOut, "exists") {
				t.Errorf("backup over an existing file: %d %q", code, errOut)
			}

			// Changes after the backup.
			name := "Changed"
			_, err = db.UpdatePatient(ctx, kept.ID, clinic.PatientUpdate{GivenName: &name})
			storeMust(t, err)
			lost := &clinic.Patient{ClinicID: c.ID, MRN: "B-2", GivenName: "Lost", FamilyName: "After",
				BirthDate: clinic.Date{Year: 1980, Month: 1, Day: 2}, Sex: clinic.SexMale}
			storeMust(t, db.CreatePatient(ctx, lost))
			db.Close()

			if code, out, errOut := runCmd(t, "", "restore", file, "--db", dbURL); code != exitOK {
				t.Fatalf("restore: %d %q %q", code, out, errOut)
			}
			db2, err := store.Open(ctx, dbURL)
			if err != nil {
				t.Fatal(err)
			}
			defer db2.Close()
			got, err := db2.FindPatientByID(ctx, kept.ID)
			if err != nil || got.GivenName != "Kept" || got.MRN != "B-1" {
				t.Errorf("after restore: %+v %v", got, err)
			}
			if _, err := db2.FindPatientByID(ctx, lost.ID); clinic.ErrorCode(err) != clinic.ENOTFOUND {
				t.Errorf("patient created after the backup survived the restore: %v", err)
			}

			// The audit log came back with the data: the creation, not the later update.
			code, out, errOut = runCmd(t, "", "audit", "--db", dbURL, "--patient", "1", "--json")
			if code != exitOK {
				t.Fatalf("audit: %d %q", code, errOut)
			}
			var doc struct{ Entries []clinic.AuditEntry }
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatalf("audit --json: %v: %q", err, out)
			}
			if len(doc.Entries) != 1 || doc.Entries[0].Action != clinic.ActionCreate || doc.Entries[0].PatientID != kept.ID {
				t.Errorf("audit entries after restore: %+v", doc.Entries)
			}
			code, out, _ = runCmd(t, "", "audit", "--db", dbURL)
			if code != exitOK || !strings.Contains(out, "ACTION") || !strings.Contains(out, "create") {
				t.Errorf("audit table: %d %q", code, out)
			}
		})
	}
}

func TestRestoreRefusesNonBackup(t *testing.T) {
	dbURL := storetest.URL(t, store.SQLite)
	junk := filepath.Join(t.TempDir(), "junk.db")
	os.WriteFile(junk, []byte("not a database at all, just some bytes"), 0o644)
	if code, _, errOut := runCmd(t, "", "restore", junk, "--db", dbURL); code == exitOK || !strings.Contains(errOut, "file:") {
		t.Errorf("restore of junk: %d %q", code, errOut)
	}
	if code, _, errOut := runCmd(t, "", "audit", "--db", dbURL, "--patient", "x"); code != exitBadInput || !strings.Contains(errOut, "patient") {
		t.Errorf("audit --patient x: %d %q", code, errOut)
	}
	if code, _, errOut := runCmd(t, "", "serve", "--db", "mysql://x"); code != exitBadInput || !strings.Contains(errOut, "db") {
		t.Errorf("serve --db mysql: %d %q", code, errOut)
	}
}

func storeMust(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
