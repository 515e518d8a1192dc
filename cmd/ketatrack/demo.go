package main

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/demo"
	"github.com/ketatrack/ketatrack/internal/store"
)

func init() {
	register(&command{
		Name:     "demo",
		Synopsis: "demo --scale N [--seed S] [--end TIME] [--credentials FILE] [--db URL]",
		Summary:  "Fill an empty database with a fictional clinic group of N patients over the five years before --end (courses, signed plans, charted sessions, journals, measures, audit), the same for the same seed, and print the rows written per table and per second.",
		Run:      runDemo,
	})
}

func runDemo(ctx context.Context, e *env, args []string) int {
	c := commands["demo"]
	fs := newFlagSet(e, c)
	dbURL := dbFlag(e, fs)
	n := fs.Int("scale", 0, "number of patients (required; 10000 is a clinic group's five years)")
	seed := fs.Uint64("seed", 1, "seed of the generator: the same seed and --end give the same records")
	credFile := fs.String("credentials", "", "also write the logins (as `serve --demo` prints them) to this file, for bench/load -credentials")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the generation to this file")
	every := fs.Int("progress", 0, "every N patients, print to stderr the rows written so far and the rows per second since the last such line (the time spent counting left out), with the load average: whether the rate holds as the database grows")
	endFlag := fs.String("end", "", "the clock's now, RFC 3339 (default: the current time to the minute); the records span the five years before it")
	pos, err := parseFlags(e, fs, args)
	if err != nil {
		return flagStatus(err)
	}
	if len(pos) > 0 {
		return fail(e, "demo", exitBadInput, fmt.Errorf("unexpected argument %q", pos[0]))
	}
	if *n < 1 {
		return fail(e, "demo", exitBadInput, fmt.Errorf("--scale: the number of patients is required and at least 1, got %d", *n))
	}
	end := time.Now().UTC().Truncate(time.Minute)
	if *endFlag != "" {
		if end, err = time.Parse(time.RFC3339, *endFlag); err != nil {
			return fail(e, "demo", exitBadInput, fmt.Errorf("--end: %q is not an RFC 3339 time (2026-12-06T12:00:00Z)", *endFlag))
		}
	}
	if _, err := store.ParseLocation(*dbURL); err != nil {
		return fail(e, "demo", exitBadInput, err)
	}
	db, _, err := openDB(ctx, *dbURL)
	if err != nil {
		return fail(e, "demo", exitFailure, err)
	}
	defer db.Close()
	before, err := db.TableRows(ctx)
	if err != nil {
		return fail(e, "demo", exitFailure, err)
	}
	cfg := demo.ScaleConfig{Patients: *n, Seed: *seed, End: end}
	if *every < 0 {
		return fail(e, "demo", exitBadInput, fmt.Errorf("--progress: %d is not a number of patients", *every))
	}
	var counting time.Duration // spent in --progress's counts
	if *every > 0 {
		var last struct {
			done  int
			rows  int64
			spent time.Duration // writing, the counts left out
			at    time.Time
		}
		last.at = time.Now()
		var base int64
		for _, t := range before {
			base += t.Rows
		}
		last.rows = base
		cfg.Progress = func(done, total int) {
			if done-last.done < *every && done != total {
				return
			}
			counted := time.Now()
			spent := counted.Sub(last.at)
			list, err := db.TableRows(ctx)
			if err != nil {
				fmt.Fprintf(e.Stderr, "progress: %v\n", err)
				return
			}
			var rows int64
			for _, t := range list {
				rows += t.Rows
			}
			last.spent += spent
			fmt.Fprintf(e.Stderr, "%d / %d patients: %d rows in %.1f s, %.0f rows/s over the last %d patients (load average %s)\n",
				done, total, rows-base, last.spent.Seconds(), float64(rows-last.rows)/spent.Seconds(), done-last.done, loadAverage())
			last.done, last.rows, last.at = done, rows, time.Now()
			counting += last.at.Sub(counted)
		}
	} else if e.StderrIsTerminal {
		cfg.Progress = func(done, total int) {
			if done%100 == 0 || done == total {
				fmt.Fprintf(e.Stderr, "\r%d / %d patients", done, total)
			}
			if done == total {
				fmt.Fprintln(e.Stderr)
			}
		}
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return fail(e, "demo", exitFailure, err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fail(e, "demo", exitFailure, err)
		}
		defer pprof.StopCPUProfile()
	}
	// The generator allocates much and keeps little: collect less often
	// (some hundreds of MB more at the peak, a tenth less CPU).
	debug.SetGCPercent(400)
	started := time.Now()
	res, err := demo.Scale(ctx, db, cfg)
	if err != nil {
		status := exitFailure
		if code := clinic.ErrorCode(err); code == clinic.ECONFLICT || code == clinic.EINVALID {
			status = exitBadInput
		}
		return fail(e, "demo", status, err)
	}
	elapsed := time.Since(started) - counting
	after, err := db.TableRows(ctx)
	if err != nil {
		return fail(e, "demo", exitFailure, err)
	}
	was := map[string]int64{}
	for _, t := range before {
		was[t.Table] = t.Rows
	}
	tw := tabwriter.NewWriter(e.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "table\trows\t")
	var total int64
	for _, t := range after {
		w := t.Rows - was[t.Table]
		if w == 0 {
			continue
		}
		total += w
		fmt.Fprintf(tw, "%s\t%d\t\n", t.Table, w)
	}
	fmt.Fprintf(tw, "total\t%d\t\n", total)
	tw.Flush()
	fmt.Fprintf(e.Stdout, "%d patients, %d courses, %d infusion sessions, %d journal days, %d measures from %s to %s (seed %d)\n",
		res.Patients, res.Courses, res.Sessions, res.JournalDays, res.Measures,
		end.AddDate(-5, 0, 0).Format(time.DateOnly), end.Format(time.DateOnly), *seed)
	fmt.Fprintf(e.Stdout, "%d rows in %.1f s: %.0f rows/s (%s)\n", total, elapsed.Seconds(), float64(total)/elapsed.Seconds(), db.Engine())
	var logins strings.Builder
	for _, c := range res.Credentials {
		fmt.Fprintf(&logins, "  %-10s login %-10s password %s   (%s)\n", c.Role, c.Login, c.Password, c.Name)
	}
	fmt.Fprintf(e.Stdout, "Logins (the passwords are shown only now):\n%s", logins.String())
	if *credFile != "" {
		if err := os.WriteFile(*credFile, []byte(logins.String()), 0o600); err != nil {
			return fail(e, "demo", exitFailure, fmt.Errorf("--credentials: %w", err))
		}
	}
	return exitOK
}

// loadAverage is the first three fields of /proc/loadavg (Linux), or "?"
// where there is none.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
