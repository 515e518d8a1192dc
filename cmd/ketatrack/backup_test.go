package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

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

// Backup during writes, on each engine: while four clients write through
// the JSON API of a running server (two register patients, two chart the
// demo's running session), `ketatrack backup` copies the database and
// writes its manifest (per-table row counts and SHA-256, read in the
// backup's own snapshot). The backup is restored into a fresh database;
// the restore checks every table against the manifest, and the test does
// again, independently:
//   - every table of the restored database has the manifest's row count
//     and checksum (exact equality, table by table);
//   - the snapshot was taken while writes went on: the manifest holds more
//     patients than were acknowledged before the backup began and fewer
//     than the source holds at the end;
//   - the copy is one snapshot, not tables read at different moments: the
//     restored session's event_count equals its restored events and their
//     audit rows, and every restored patient, event and audit row is, byte
//     for byte, the source's row of that key.
func TestBackupDuringWrites(t *testing.T) {
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) { backupDuringWrites(t, storetest.URL(t, e)) })
	}
}

func backupDuringWrites(t *testing.T, src string) {
	srv := startChild(t, "--db", src, "--demo")
	password := demoPassword(t, srv.stdout.String(), "nurse")
	token := apiLogin(t, srv.url, "nurse", password)
	sessionID := runningSessionID(t, srv.url, token)
	client := &http.Client{Timeout: 10 * time.Second}
	var patients, charts atomic.Int64
	var stop atomic.Bool
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				if postPatient(client, srv.url, token, fmt.Sprintf("BACKUP-%d-%05d", w, i)) {
					patients.Add(1)
				} else {
					t.Errorf("patient write refused during the backup")
				}
			}
		})
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				if s := postJSON(client, fmt.Sprintf("%s/api/v1/sessions/%d/events", srv.url, sessionID), token, chartBody(2*i+w)); s == http.StatusCreated {
					charts.Add(1)
				} else {
					t.Errorf("chart write refused during the backup: %d", s)
				}
			}
		})
	}
	waitFor := func(n int64) {
		for patients.Load() < n && !t.Failed() {
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor(100)
	before := patients.Load()
	file := filepath.Join(t.TempDir(), "during.backup")
	code, out, errOut := runCmd(t, "", "backup", "--db", src, "--out", file)
	during := patients.Load() - before
	waitFor(patients.Load() + 50)
	stop.Store(true)
	wg.Wait()
	if code != exitOK {
		t.Fatalf("backup: %d %q %q", code, out, errOut)
	}
	srv.cmd.Process.Signal(syscall.SIGTERM)
	if err := <-srv.waited; err != nil {
		t.Fatalf("server after SIGTERM: %v", err)
	}
	m, ok, err := store.ReadManifest(file)
	if err != nil || !ok {
		t.Fatalf("manifest: %v %v", ok, err)
	}

	dst := storetest.RestoreURL(t, src)
	code, out, errOut = runCmd(t, "", "restore", file, "--db", dst)
	if code != exitOK || !strings.Contains(out, fmt.Sprintf("all %d tables equal the backup's manifest", len(m.Tables))) {
		t.Fatalf("restore: %d %q %q", code, out, errOut)
	}
	ctx := clinic.NewContext(context.Background(), clinic.System)
	restored, err := store.Open(ctx, dst)
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	got, err := restored.Digest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diffs := store.CompareDigests(m.Tables, got); len(diffs) > 0 {
		t.Errorf("restored database differs from the manifest: %v", diffs)
	}
	source, err := store.Open(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	defer source.Close()
	final, err := source.Digest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	finalRows := map[string]int64{}
	for _, d := range final {
		finalRows[d.Table] = d.Rows
	}
	t.Logf("%d patient and %d chart writes acknowledged in all, %d patients during the backup", patients.Load(), charts.Load(), during)
	t.Logf("%-26s %8s %8s  %-16s %s", "table", "snapshot", "source", "sha256", "restored")
	for i, d := range m.Tables {
		same := "equal"
		if i >= len(got) || got[i] != d {
			same = "DIFFERENT"
		}
		t.Logf("%-26s %8d %8d  %-16s %s", d.Table, d.Rows, finalRows[d.Table], d.SHA256[:16], same)
	}

	// Taken during the writes: the snapshot has every patient acknowledged
	// before the backup began, and fewer than the source at the end.
	rawDst, rawSrc := openRaw(t, dst), openRaw(t, src)
	var snapPatients, finalPatients int64
	const backupPatients = `SELECT count(*) FROM patients WHERE mrn LIKE 'BACKUP-%'`
	if err := rawDst.QueryRowContext(ctx, backupPatients).Scan(&snapPatients); err != nil {
		t.Fatal(err)
	}
	if err := rawSrc.QueryRowContext(ctx, backupPatients).Scan(&finalPatients); err != nil {
		t.Fatal(err)
	}
	t.Logf("written patients: %d acknowledged before the backup began, %d in the snapshot, %d in the source at the end", before, snapPatients, finalPatients)
	if snapPatients < before || snapPatients >= finalPatients {
		t.Errorf("the snapshot's %d written patients are not between the %d acknowledged before the backup and the source's final %d",
			snapPatients, before, finalPatients)
	}

	// One snapshot: the session row and its events and audit agree.
	var eventCount, events, audits int
	if err := rawDst.QueryRowContext(ctx, `SELECT event_count, (SELECT count(*) FROM infusion_events WHERE session_id = $1),
		(SELECT count(*) FROM audit_log WHERE entity = 'infusion_event' AND entity_id = $1) FROM infusion_sessions WHERE id = $1`,
		sessionID).Scan(&eventCount, &events, &audits); err != nil {
		t.Fatal(err)
	}
	if eventCount != events || audits != events {
		t.Errorf("restored session %d: event_count %d, %d events, %d audit rows: not one snapshot", sessionID, eventCount, events, audits)
	}
	for _, q := range []string{
		`SELECT id, mrn || '|' || given_name || '|' || family_name FROM patients`,
		`SELECT seq, event_json FROM infusion_events WHERE session_id = ` + fmt.Sprint(sessionID),
		`SELECT id, action || '|' || entity || '|' || coalesce(entity_id, 0) || '|' || coalesce(after_json, '') FROM audit_log`,
	} {
		want := keyedRows(t, rawSrc, q)
		have := keyedRows(t, rawDst, q)
		for k, v := range have {
			if want[k] != v {
				t.Errorf("%s: restored row %d is not the source's: %q, source %q", q, k, v, want[k])
				break
			}
		}
	}
}

// keyedRows reads (key, text) rows.
func keyedRows(t *testing.T, db *sql.DB, q string) map[int64]string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var k int64
		var v string
		if err := rows.Scan(&k, &v); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		out[k] = v
	}
	return out
}
