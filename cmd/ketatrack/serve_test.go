package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/infusion"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// childArgsVar makes the test binary act as `ketatrack ARGS…` (a child
// server process) instead of running tests.
const childArgsVar = "KETATRACK_TEST_CHILD_ARGS"

// TestHelperServeProcess is not a test: run by childServer in a child
// process, it serves until it is signalled, as `ketatrack serve` does.
func TestHelperServeProcess(t *testing.T) {
	raw := os.Getenv(childArgsVar)
	if raw == "" {
		return
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e := &env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	os.Exit(run(ctx, e, args))
}

// child is a ketatrack server in a child process.
type child struct {
	cmd    *exec.Cmd
	url    string
	stdout *bytes.Buffer // what it printed before "listening"
	waited chan error
}

var listeningLine = regexp.MustCompile(`ketatrack listening on (http://\S+)`)

// startChild runs `ketatrack serve ARGS… --addr 127.0.0.1:0` in a child
// process and waits until it listens.
func startChild(t *testing.T, args ...string) *child {
	t.Helper()
	args = append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)
	raw, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperServeProcess$")
	cmd.Env = append(os.Environ(), childArgsVar+"="+string(raw), "KETATRACK_LOG_LEVEL=warn")
	cmd.Stderr = os.Stderr
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, stdout: &bytes.Buffer{}, waited: make(chan error, 1)}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-c.waited
		}
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			line := sc.Text()
			if m := listeningLine.FindStringSubmatch(line); m != nil {
				found <- m[1]
				break
			}
			c.stdout.WriteString(line + "\n")
		}
		io.Copy(io.Discard, pipe)
		c.waited <- cmd.Wait()
	}()
	select {
	case c.url = <-found:
	case err := <-c.waited:
		t.Fatalf("server exited before listening: %v\n%s", err, c.stdout)
	case <-time.After(60 * time.Second):
		t.Fatal("server did not start listening within 60 s")
	}
	return c
}

// demoPassword reads a demo login's password from the server's output.
func demoPassword(t *testing.T, out, login string) string {
	t.Helper()
	m := regexp.MustCompile(`login ` + login + `\s+password (\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no password for %s in %q", login, out)
	}
	return m[1]
}

// apiLogin returns a bearer token.
func apiLogin(t *testing.T, base, login, password string) string {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"login": login, "password": password})
	resp, err := http.Post(base+"/api/v1/session", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("login: %d %v", resp.StatusCode, err)
	}
	return s.Token
}

// postPatient registers a patient with the given MRN and reports whether
// the server acknowledged it (201).
func postPatient(client *http.Client, base, token, mrn string) bool {
	return postPatientStatus(client, base, token, mrn) == http.StatusCreated
}

// postPatientStatus is postPatient returning the HTTP status, 0 when no
// response arrived.
func postPatientStatus(client *http.Client, base, token, mrn string) int {
	body := fmt.Sprintf(`{"mrn":%q,"given_name":"Crash","family_name":"Test","birth_date":"1980-01-01","sex":"unknown"}`, mrn)
	req, _ := http.NewRequest("POST", base+"/api/v1/patients", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// The crash test: 1,000 patient registrations are acknowledged by a child
// server that is killed with SIGKILL at random moments while writes are in
// flight (three kills, the last right after the 1,000th acknowledgement), on
// each engine. Concurrently, two more clients chart the demo's running
// infusion session through the JSON API: normal vitals (one event), vitals
// with an SpO2 below the desaturation threshold (the vitals event and the
// alert it raises, appended in one transaction) and side effects. After each
// kill, read through a fresh connection:
//   - every acknowledged write is present (acknowledged ⊆ committed);
//   - every committed write was attempted, and none is half-written: each
//     low-SpO2 vitals event is followed by its desaturation alert, the
//     session's event_count equals its stored events, whose seq run 1..n,
//     and the chart replays;
//   - the audit rows equal the committed writes: one patient/create per
//     committed patient, one infusion_event row per stored event.
func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) { crashKeepsAcknowledgedWrites(t, storetest.URL(t, e)) })
	}
}

// chartKinds are the chart writes of the crash test, in turn.
var chartKinds = [...]string{"vitals", "desaturation", "side-effect"}

// chartBody is the JSON of chart write n (its kind chartKinds[n%3]),
// marked by its note "CRASH-CHART-n".
func chartBody(n int) string {
	note := fmt.Sprintf("CRASH-CHART-%05d", n)
	switch chartKinds[n%len(chartKinds)] {
	case "vitals":
		// Near the demo's baseline (internal/demo demoVitals: HR 68–76,
		// 116–127/72–79 mmHg, SpO2 96–99 %): no alert.
		return fmt.Sprintf(`{"kind":"vitals","note":%q,"vitals":{"hr_per_min":70,"sbp_mmhg":118,"dbp_mmhg":74,"spo2_pct":98}}`, note)
	case "desaturation":
		// SpO2 88 % is below the rules' 93 % (infusion.DefaultRules
		// DesaturationBelow): the event and its alert are one write.
		return fmt.Sprintf(`{"kind":"vitals","note":%q,"vitals":{"hr_per_min":70,"sbp_mmhg":118,"dbp_mmhg":74,"spo2_pct":88}}`, note)
	default:
		return fmt.Sprintf(`{"kind":"side-effect","note":%q,"side_effect":{"effect":"nausea","severity":1,"action":"none"}}`, note)
	}
}

// postJSON posts body and returns the status, 0 when no response arrived.
func postJSON(client *http.Client, url, token, body string) int {
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// runningSessionID returns the ID of the demo's running infusion session.
func runningSessionID(t *testing.T, base, token string) int64 {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/api/v1/sessions", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct {
		Sessions []struct {
			ID    int64  `json:"id"`
			Phase string `json:"phase"`
		} `json:"sessions"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	for _, s := range list.Sessions {
		if s.Phase == "running" {
			return s.ID
		}
	}
	t.Fatalf("the demo has no running session: %+v", list.Sessions)
	return 0
}

// crashLedger is what the clients of the crash test attempted and what
// the server acknowledged.
type crashLedger struct {
	mu                  sync.Mutex
	nextPatient         int // the next MRN number to write
	nextChart           int // the next chart write number
	patients, charts    map[string]bool
	chartKind           map[string]string // note → kind, of every attempted chart write
	kills               int
	auditPatients       int
	auditEvents, events int
}

func crashKeepsAcknowledgedWrites(t *testing.T, dbURL string) {
	const total, workers, chartWorkers = 1000, 4, 2
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))

	first := startChild(t, "--db", dbURL, "--demo")
	password := demoPassword(t, first.stdout.String(), "nurse")
	srv := first
	l := &crashLedger{patients: map[string]bool{}, charts: map[string]bool{}, chartKind: map[string]string{}}
	sessionID := runningSessionID(t, srv.url, apiLogin(t, srv.url, "nurse", password))
	for cycle := 1; len(l.patients) < total; cycle++ {
		// Kill after a random number of further acknowledgements (the
		// last cycle: at the 1,000th).
		remaining := total - len(l.patients)
		killAt := remaining
		if cycle < 3 {
			killAt = 1 + rng.IntN(remaining-1)
		}
		token := apiLogin(t, srv.url, "nurse", password)
		client := &http.Client{Timeout: 10 * time.Second}
		var count atomic.Int64
		var killed atomic.Bool
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for !killed.Load() {
					l.mu.Lock()
					mrn := fmt.Sprintf("CRASH-%05d", l.nextPatient)
					l.nextPatient++
					l.mu.Unlock()
					if !postPatient(client, srv.url, token, mrn) {
						continue
					}
					l.mu.Lock()
					l.patients[mrn] = true
					l.mu.Unlock()
					if count.Add(1) == int64(killAt) && killed.CompareAndSwap(false, true) {
						srv.cmd.Process.Signal(syscall.SIGKILL)
					}
				}
			})
		}
		eventsURL := fmt.Sprintf("%s/api/v1/sessions/%d/events", srv.url, sessionID)
		for range chartWorkers {
			wg.Go(func() {
				for !killed.Load() {
					l.mu.Lock()
					n := l.nextChart
					l.nextChart++
					note := fmt.Sprintf("CRASH-CHART-%05d", n)
					l.chartKind[note] = chartKinds[n%len(chartKinds)]
					l.mu.Unlock()
					status := postJSON(client, eventsURL, token, chartBody(n))
					if status == http.StatusCreated {
						l.mu.Lock()
						l.charts[note] = true
						l.mu.Unlock()
					} else if status != 0 && !killed.Load() {
						t.Errorf("chart write %s: status %d", note, status)
					}
				}
			})
		}
		wg.Wait()
		if err := <-srv.waited; err == nil {
			t.Fatal("server exited cleanly; it should have been killed")
		}
		l.kills++
		// Every acknowledged write is in the file, read by a new process's
		// view (a fresh connection, after the WAL recovery).
		checkPresent(t, dbURL, l.patients)
		checkChartAndAudit(t, dbURL, sessionID, l)
		t.Logf("cycle %d: killed after %d more acknowledgements; %d patients and %d chart writes acknowledged in all, all present",
			cycle, killAt, len(l.patients), len(l.charts))
		if len(l.patients) < total {
			srv = startChild(t, "--db", dbURL)
		}
	}
	if len(l.patients) < total {
		t.Fatalf("only %d writes acknowledged", len(l.patients))
	}
	if len(l.charts) == 0 {
		t.Fatal("no chart write was acknowledged")
	}
	t.Logf("figures: %d patient writes and %d chart writes acknowledged, %d SIGKILLs, 0 lost; audit rows: %d patient creations, %d chart events (= %d stored events)",
		len(l.patients), len(l.charts), l.kills, l.auditPatients, l.auditEvents, l.events)
}

// openRaw opens the database of dbURL with database/sql, for the checks
// that read tables the store has no finder for.
func openRaw(t *testing.T, dbURL string) *sql.DB {
	t.Helper()
	loc, err := store.ParseLocation(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	driver, dsn := "pgx", loc.URL
	if loc.Engine == store.SQLite {
		driver, dsn = "sqlite", loc.Path+"?_pragma=busy_timeout(10000)"
	}
	raw, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}

// checkChartAndAudit checks the chart writes and the audit rows of the
// crash test after a kill (see TestCrashKeepsAcknowledgedWrites).
func checkChartAndAudit(t *testing.T, dbURL string, sessionID int64, l *crashLedger) {
	t.Helper()
	ctx := context.Background()
	raw := openRaw(t, dbURL)

	// Patients: one patient/create audit row per committed patient.
	rows, err := raw.QueryContext(ctx, `SELECT p.mrn, (SELECT count(*) FROM audit_log a
		WHERE a.entity = 'patient' AND a.action = 'create' AND a.entity_id = p.id) FROM patients p WHERE p.mrn LIKE 'CRASH-%'`)
	if err != nil {
		t.Fatal(err)
	}
	committed, audited := 0, 0
	for rows.Next() {
		var mrn string
		var n int
		if err := rows.Scan(&mrn, &n); err != nil {
			t.Fatal(err)
		}
		var k int
		if _, err := fmt.Sscanf(mrn, "CRASH-%d", &k); err != nil || k >= l.nextPatient {
			t.Errorf("patient %s was never attempted", mrn)
		}
		if n != 1 {
			t.Errorf("patient %s has %d creation audit rows, want 1", mrn, n)
		}
		committed++
		audited += n
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if committed < len(l.patients) {
		t.Errorf("%d patients stored, fewer than the %d acknowledged", committed, len(l.patients))
	}

	// The session's events: seq 1..n, as many as event_count, one audit row each.
	var eventCount, stored, maxSeq, auditRows int
	if err := raw.QueryRowContext(ctx, `SELECT event_count FROM infusion_sessions WHERE id = $1`, sessionID).Scan(&eventCount); err != nil {
		t.Fatal(err)
	}
	if err := raw.QueryRowContext(ctx, `SELECT count(*), coalesce(max(seq), 0) FROM infusion_events WHERE session_id = $1`, sessionID).Scan(&stored, &maxSeq); err != nil {
		t.Fatal(err)
	}
	if err := raw.QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE entity = 'infusion_event' AND entity_id = $1`, sessionID).Scan(&auditRows); err != nil {
		t.Fatal(err)
	}
	if stored != eventCount || maxSeq != stored || auditRows != stored {
		t.Errorf("session %d: event_count %d, %d events stored (max seq %d), %d audit rows: want all equal", sessionID, eventCount, stored, maxSeq, auditRows)
	}

	// The chart replays, and every acknowledged chart write is in it whole.
	sctx := clinic.NewContext(ctx, clinic.System)
	db, err := store.Open(sctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ss, err := db.FindSessionByID(sctx, sessionID)
	if err != nil {
		t.Fatalf("session %d after the kill: %v", sessionID, err)
	}
	evs := ss.State.Events
	found := map[string]bool{}
	for i, e := range evs {
		if !strings.HasPrefix(e.Note, "CRASH-CHART-") {
			continue
		}
		kind, ok := l.chartKind[e.Note]
		switch {
		case !ok:
			t.Errorf("event %d %s was never attempted", e.Seq, e.Note)
		case found[e.Note]:
			t.Errorf("chart write %s stored twice", e.Note)
		case kind == "desaturation":
			if i+1 >= len(evs) || evs[i+1].Alert == nil || evs[i+1].Alert.CauseSeq != e.Seq || evs[i+1].Alert.Rule != infusion.RuleDesaturation {
				t.Errorf("vitals event %d (%s, SpO2 88 %%) is stored without its desaturation alert", e.Seq, e.Note)
			}
		}
		found[e.Note] = true
	}
	var missing []string
	for note := range l.charts {
		if !found[note] {
			missing = append(missing, note)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("%d acknowledged chart writes lost after SIGKILL, e.g. %v", len(missing), missing[:min(5, len(missing))])
	}
	t.Logf("committed: %d patients (%d acknowledged), %d chart writes (%d acknowledged); audit: %d patient creations, %d infusion events for %d stored events",
		committed, len(l.patients), len(found), len(l.charts), audited, auditRows, stored)
	l.auditPatients, l.auditEvents, l.events = audited, auditRows, stored
}

func checkPresent(t *testing.T, dbURL string, acked map[string]bool) {
	t.Helper()
	ctx := clinic.NewContext(context.Background(), clinic.System)
	db, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	seen := map[string]bool{}
	if err := clinic.EachPatient(ctx, db, clinic.PatientFilter{Query: "CRASH-"}, func(p *clinic.Patient) error {
		seen[p.MRN] = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var missing []string
	for mrn := range acked {
		if !seen[mrn] {
			missing = append(missing, mrn)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("%d acknowledged writes lost after SIGKILL, e.g. %v", len(missing), missing[:min(5, len(missing))])
	}
}

// SIGTERM lets in-flight requests finish and exits with status 0; startup
// (migrations, demo data aside) is fast.
func TestServeSIGTERMDrainsAndExitsZero(t *testing.T) {
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "term.db")
	srv := startChild(t, "--db", dbURL, "--demo")
	token := apiLogin(t, srv.url, "nurse", demoPassword(t, srv.stdout.String(), "nurse"))
	client := &http.Client{Timeout: 10 * time.Second}
	var ok, refused, failed atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				switch postPatientStatus(client, srv.url, token, fmt.Sprintf("TERM-%d-%d", w, i)) {
				case http.StatusCreated:
					ok.Add(1)
				case 0: // connection refused once the listener closed
					refused.Add(1)
				default:
					failed.Add(1)
				}
			}
		})
	}
	time.Sleep(300 * time.Millisecond)
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := <-srv.waited
	close(stop)
	wg.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) || err != nil {
		t.Fatalf("server exited with %v after SIGTERM, want status 0", err)
	}
	if failed.Load() > 0 {
		t.Errorf("%d requests got an error status during shutdown", failed.Load())
	}
	if ok.Load() == 0 {
		t.Fatal("no write succeeded before SIGTERM")
	}
	t.Logf("%d writes acknowledged, %d refused after shutdown began", ok.Load(), refused.Load())
}
