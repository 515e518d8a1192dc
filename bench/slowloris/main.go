// Command slowloris measures how a real ketatrack server answers GET
// /healthz while many connections send their request headers a byte at a
// time (the slowloris attack): it builds ketatrack, starts `serve --demo`
// over a fresh SQLite database (or uses -url), measures /healthz latency
// alone (the reference), then again while -conns connections trickle
// header bytes for -duration, each reopened when the server closes it. It
// reports p50/p95/max of both phases, their ratio, and how long the server
// let a slow-header connection live (ReadHeaderTimeout, 10 s in
// cmd/ketatrack/serve.go).
//
//	go run ./bench/slowloris -conns 200 -duration 30s
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	conns := flag.Int("conns", 200, "slow-header connections held open")
	duration := flag.Duration("duration", 30*time.Second, "how long the slow-header connections trickle")
	interval := flag.Duration("byte-every", 500*time.Millisecond, "how often each slow connection sends one more header byte")
	probeEvery := flag.Duration("probe-every", 50*time.Millisecond, "how often /healthz is probed (a new connection each time)")
	reference := flag.Duration("reference", 5*time.Second, "how long /healthz is probed alone first")
	base := flag.String("url", "", "a running server instead of starting one (e.g. http://127.0.0.1:8080)")
	flag.Parse()

	if *base == "" {
		dir, err := os.MkdirTemp("", "ketatrack-slowloris")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(dir)
		stop, u := startServer(dir)
		defer stop()
		*base = u
	}
	u, err := url.Parse(*base)
	if err != nil {
		log.Fatalf("-url: %v", err)
	}
	fmt.Printf("server %s; reference %s alone, then %d slow-header connections (a byte every %s) for %s; /healthz every %s on a new connection\n",
		*base, *reference, *conns, *interval, *duration, *probeEvery)

	ref := probe(context.Background(), *base, *probeEvery, *reference)
	report("reference (alone)", ref)

	ctx, cancel := context.WithTimeout(context.Background(), *duration)
	defer cancel()
	var opened, closedByServer atomic.Int64
	var lifeMu sync.Mutex
	var lives []time.Duration
	var wg sync.WaitGroup
	for range *conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				life, byServer := slowConn(ctx, u.Host, *interval)
				opened.Add(1)
				if byServer {
					closedByServer.Add(1)
					lifeMu.Lock()
					lives = append(lives, life)
					lifeMu.Unlock()
				}
			}
		}()
	}
	time.Sleep(time.Second) // let the slow connections open before probing
	under := probe(ctx, *base, *probeEvery, *duration)
	cancel()
	wg.Wait()
	report(fmt.Sprintf("under %d slow-header connections", *conns), under)
	if len(ref.lat) > 0 && len(under.lat) > 0 {
		fmt.Printf("ratio under/reference: p50 %.2f, p95 %.2f, max %.2f\n",
			ratio(pct(under.lat, 50), pct(ref.lat, 50)), ratio(pct(under.lat, 95), pct(ref.lat, 95)), ratio(slices.Max(under.lat), slices.Max(ref.lat)))
	}
	slices.Sort(lives)
	fmt.Printf("slow connections opened %d, closed by the server %d", opened.Load(), closedByServer.Load())
	if len(lives) > 0 {
		fmt.Printf(" after %s (min) / %s (median) / %s (max)", lives[0].Round(time.Millisecond), pct(lives, 50).Round(time.Millisecond), lives[len(lives)-1].Round(time.Millisecond))
	}
	fmt.Println()
}

// slowConn opens a connection and sends a request line and then header
// bytes one at a time every interval, never ending the headers, until ctx
// ends or the server closes the connection; it returns how long the
// connection lived and whether the server closed it.
func slowConn(ctx context.Context, host string, interval time.Duration) (time.Duration, bool) {
	start := time.Now()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		time.Sleep(interval) // the server refused: try again shortly
		return time.Since(start), false
	}
	defer c.Close()
	closed := make(chan struct{})
	go func() { // the server closing shows as the end of the reply stream
		_, _ = io.Copy(io.Discard, c)
		close(closed)
	}()
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: "+host+"\r\n"); err != nil {
		return time.Since(start), true
	}
	header := "X-Slowloris: " + strings.Repeat("a", 1<<16)
	t := time.NewTicker(interval)
	defer t.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return time.Since(start), false
		case <-closed:
			return time.Since(start), true
		case <-t.C:
			if _, err := c.Write([]byte{header[i%len(header)]}); err != nil {
				return time.Since(start), true
			}
		}
	}
}

// probes are /healthz latencies and failures of one phase.
type probes struct {
	lat    []time.Duration
	failed int
}

// probe GETs /healthz on a new connection every interval for d (or until
// ctx ends).
func probe(ctx context.Context, base string, every, d time.Duration) probes {
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	var p probes
	end := time.Now().Add(d)
	for time.Now().Before(end) && ctx.Err() == nil {
		t0 := time.Now()
		resp, err := client.Get(base + "/healthz")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		if err != nil || resp.StatusCode != http.StatusOK {
			p.failed++
		} else {
			p.lat = append(p.lat, time.Since(t0))
		}
		time.Sleep(every)
	}
	return p
}

func report(phase string, p probes) {
	if len(p.lat) == 0 {
		fmt.Printf("%s: no answer (%d failed)\n", phase, p.failed)
		return
	}
	fmt.Printf("%s: /healthz %d answered, %d failed; p50 %s, p95 %s, max %s\n", phase, len(p.lat), p.failed,
		pct(p.lat, 50).Round(time.Microsecond), pct(p.lat, 95).Round(time.Microsecond), slices.Max(p.lat).Round(time.Microsecond))
}

// pct is the q-th percentile (nearest rank) of ds.
func pct(ds []time.Duration, q int) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*q + 99) / 100
	return s[max(i-1, 0)]
}

func ratio(a, b time.Duration) float64 { return float64(a) / float64(b) }

// startServer builds ketatrack and starts `serve --demo` over a fresh
// SQLite database in dir; it returns the stop function and the base URL.
func startServer(dir string) (func(), string) {
	bin := filepath.Join(dir, "ketatrack")
	build := exec.Command("go", "build", "-o", bin, "./cmd/ketatrack")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		log.Fatalf("build: %v (run from the repository root)", err)
	}
	cmd := exec.Command(bin, "serve", "--db", "sqlite:"+filepath.Join(dir, "slowloris.db"), "--demo", "--addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "KETATRACK_LOG_LEVEL=warn")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		log.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	base := ""
	for sc.Scan() {
		if m := regexp.MustCompile(`ketatrack listening on (http://\S+)`).FindStringSubmatch(sc.Text()); m != nil {
			base = m[1]
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	if base == "" {
		_ = cmd.Process.Kill()
		log.Fatal("server did not start")
	}
	return func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}, base
}
