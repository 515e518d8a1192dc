package main

import (
	"bufio"
	"bytes"
	"context"
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

// The crash test: 1,000 writes are acknowledged by a child server that is
// killed with SIGKILL at random moments while writes are in flight (three
// kills, the last right after the 1,000th acknowledgement), on each engine.
// After each kill, every acknowledged write is in the database, read through
// a fresh connection.
func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) { crashKeepsAcknowledgedWrites(t, storetest.URL(t, e)) })
	}
}

func crashKeepsAcknowledgedWrites(t *testing.T, dbURL string) {
	const total, workers = 1000, 4
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))

	first := startChild(t, "--db", dbURL, "--demo")
	password := demoPassword(t, first.stdout.String(), "nurse")
	srv := first
	acked := map[string]bool{}
	kills := 0
	next := 0 // the next MRN number to write
	for cycle := 1; len(acked) < total; cycle++ {
		// Kill after a random number of further acknowledgements (the
		// last cycle: at the 1,000th).
		remaining := total - len(acked)
		killAt := remaining
		if cycle < 3 {
			killAt = 1 + rng.IntN(remaining-1)
		}
		token := apiLogin(t, srv.url, "nurse", password)
		client := &http.Client{Timeout: 10 * time.Second}
		var mu sync.Mutex
		var count atomic.Int64
		var killed atomic.Bool
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for !killed.Load() {
					mu.Lock()
					mrn := fmt.Sprintf("CRASH-%05d", next)
					next++
					mu.Unlock()
					if !postPatient(client, srv.url, token, mrn) {
						continue
					}
					mu.Lock()
					acked[mrn] = true
					mu.Unlock()
					if count.Add(1) == int64(killAt) && killed.CompareAndSwap(false, true) {
						srv.cmd.Process.Signal(syscall.SIGKILL)
					}
				}
			})
		}
		wg.Wait()
		if err := <-srv.waited; err == nil {
			t.Fatal("server exited cleanly; it should have been killed")
		}
		kills++
		// Every acknowledged write is in the file, read by a new process's
		// view (a fresh connection, after the WAL recovery).
		checkPresent(t, dbURL, acked)
		t.Logf("cycle %d: killed after %d more acknowledgements; %d acknowledged in all, all present", cycle, killAt, len(acked))
		if len(acked) < total {
			srv = startChild(t, "--db", dbURL)
		}
	}
	if len(acked) < total {
		t.Fatalf("only %d writes acknowledged", len(acked))
	}
	t.Logf("figures: %d writes acknowledged, %d SIGKILLs, 0 lost", len(acked), kills)
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
	for offset := 0; ; offset += 500 {
		list, _, err := db.FindPatients(ctx, clinic.PatientFilter{Query: "CRASH-", Offset: offset, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range list {
			seen[p.MRN] = true
		}
		if len(list) < 500 {
			break
		}
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
