// Command load measures ketatrack's web server under load on loopback: it
// builds ketatrack, starts `ketatrack serve --demo` on a fresh SQLite file
// and/or a fresh PostgreSQL schema, logs in as the demo nurse and drives
// closed-loop connections against
//
//	healthz  GET /healthz                 reference: the server's floor (no database)
//	page     GET /patients                a read page (HTML, session lookup + 2 queries)
//	read     GET /api/v1/patients/{id}    a read endpoint
//	write    PATCH /api/v1/patients/{id}  a write endpoint (update + audit entry, one transaction)
//	mixed    80 % read, 20 % write
//
// printing requests per second and p50/p99/max latency for each, and the
// ratio of each to the healthz reference measured in the same run (the
// machine is shared, so absolute numbers drift). Targets (shared/PRODUCT.md):
// ≥ 2,000 req/s and p99 < 50 ms on 2 cores.
//
// Usage (from the repository root):
//
//	go run ./bench/load [-engine sqlite|postgres|both] [-duration 10s] [-conns 16]
//
// PostgreSQL: KETATRACK_TEST_POSTGRES_URL (default
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable); the run uses its
// own schema and drops it afterwards. The load generator runs on the same
// machine as the server and takes part of its CPU.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
)

func main() {
	engine := flag.String("engine", "both", "sqlite, postgres or both")
	duration := flag.Duration("duration", 10*time.Second, "how long each scenario runs")
	conns := flag.Int("conns", 16, "concurrent connections (closed loop)")
	flag.Parse()

	dir, err := os.MkdirTemp("", "ketatrack-load")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "ketatrack")
	build := exec.Command("go", "build", "-o", bin, "./cmd/ketatrack")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		log.Fatalf("build: %v (run from the repository root)", err)
	}
	var engines []string
	switch *engine {
	case "both":
		engines = []string{"sqlite", "postgres"}
	case "sqlite", "postgres":
		engines = []string{*engine}
	default:
		log.Fatalf("engine: %q is not sqlite, postgres or both", *engine)
	}
	fmt.Printf("ketatrack load: %d connections, %s per scenario, GOMAXPROCS of the server = all %d cores shared with this generator\n",
		*conns, *duration, numCPU())
	for _, e := range engines {
		dbURL, cleanup := database(e, dir)
		runEngine(bin, e, dbURL, *duration, *conns)
		cleanup()
	}
}

func numCPU() int { return runtime.NumCPU() }

func database(engine, dir string) (string, func()) {
	if engine == "sqlite" {
		return "sqlite:" + filepath.Join(dir, "load.db"), func() {}
	}
	base := os.Getenv("KETATRACK_TEST_POSTGRES_URL")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		log.Fatal(err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "kt_load_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		log.Fatalf("postgres: %v", err)
	}
	u, _ := url.Parse(base)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	}
}

func runEngine(bin, engine, dbURL string, d time.Duration, conns int) {
	start := time.Now()
	cmd := exec.Command(bin, "serve", "--demo", "--db", dbURL, "--addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "KETATRACK_LOG_LEVEL=warn")
	cmd.Stderr = os.Stderr
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	sc := bufio.NewScanner(out)
	var printed strings.Builder
	base := ""
	for sc.Scan() {
		line := sc.Text()
		if m := regexp.MustCompile(`listening on (\S+)`).FindStringSubmatch(line); m != nil {
			base = m[1]
			break
		}
		printed.WriteString(line + "\n")
	}
	go io.Copy(io.Discard, out)
	if base == "" {
		log.Fatalf("%s: server did not start: %s", engine, printed.String())
	}
	startup := time.Since(start)
	pw := regexp.MustCompile(`login nurse\s+password (\S+)`).FindStringSubmatch(printed.String())
	if pw == nil {
		log.Fatalf("no nurse password in %q", printed.String())
	}
	token := login(base, "nurse", pw[1])
	fmt.Printf("\n== %s (server start with migrations and demo data: %s; RSS after start %s)\n", engine,
		startup.Round(time.Millisecond), rss(cmd.Process.Pid))

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns * 2, MaxConnsPerHost: conns * 2}, Timeout: 30 * time.Second}
	var seq atomic.Int64
	get := func(path string) func() error {
		return func() error { return call(client, "GET", base+path, token, "") }
	}
	write := func() error {
		n := seq.Add(1)
		id := 1 + n%12
		return call(client, "PATCH", fmt.Sprintf("%s/api/v1/patients/%d", base, id), token,
			fmt.Sprintf(`{"phone":"+1 555 01%02d"}`, n%100))
	}
	read := func() error {
		return call(client, "GET", fmt.Sprintf("%s/api/v1/patients/%d", base, 1+seq.Add(1)%12), token, "")
	}
	mixed := func() error {
		if seq.Load()%5 == 0 {
			return write()
		}
		return read()
	}
	scenarios := []struct {
		name string
		fn   func() error
	}{
		{"healthz", get("/healthz")},
		{"page", get("/patients")},
		{"read", read},
		{"write", write},
		{"mixed", mixed},
	}
	var ref float64
	fmt.Printf("%-8s %9s %9s %9s %9s %8s %7s\n", "scenario", "req/s", "p50", "p99", "max", "errors", "×ref")
	for _, s := range scenarios {
		r := drive(s.fn, d, conns)
		if s.name == "healthz" {
			ref = r.rps
		}
		fmt.Printf("%-8s %9.0f %9s %9s %9s %8d %7.2f\n", s.name, r.rps, r.p50, r.p99, r.max, r.errors, r.rps/ref)
	}
	fmt.Printf("RSS after load: %s\n", rss(cmd.Process.Pid))
}

type result struct {
	rps           float64
	p50, p99, max time.Duration
	errors        int64
}

func drive(fn func() error, d time.Duration, conns int) result {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var mu sync.Mutex
	var all []time.Duration
	var errs atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range conns {
		wg.Go(func() {
			var mine []time.Duration
			for ctx.Err() == nil {
				t0 := time.Now()
				if err := fn(); err != nil {
					errs.Add(1)
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(all)
	if len(all) == 0 {
		return result{errors: errs.Load()}
	}
	q := func(p float64) time.Duration {
		return all[min(len(all)-1, int(p*float64(len(all))))].Round(10 * time.Microsecond)
	}
	return result{rps: float64(len(all)) / elapsed.Seconds(), p50: q(0.50), p99: q(0.99), max: all[len(all)-1].Round(10 * time.Microsecond), errors: errs.Load()}
}

func call(c *http.Client, method, u, token, body string) error {
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d", method, u, resp.StatusCode)
	}
	return nil
}

func login(base, user, pw string) string {
	b, _ := json.Marshal(map[string]string{"login": user, "password": pw})
	resp, err := http.Post(base+"/api/v1/session", "application/json", bytes.NewReader(b))
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var s struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil || s.Token == "" {
		log.Fatalf("login: %d %v", resp.StatusCode, err)
	}
	return s.Token
}

// rss reads the resident set size of pid from /proc (Linux).
func rss(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "VmRSS:"))
		}
	}
	return "unknown"
}
