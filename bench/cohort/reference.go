package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/outcomes"
	"github.com/ketatrack/ketatrack/internal/store"
)

// The reference: the per-day summary of every measure (n, mean, SD,
// quartiles as R's quantile type 7) written by hand in SQL and run by the
// engines' own command-line clients on the same database. It is less than
// the report (no tests, no responders), so it is a lower bound of what the
// report must do. Output columns: measure, day, n, mean, sd, q1, median, q3.

// sqliteMeasureSQL summarises one measure in SQLite (3.35 or later, for the
// math functions): counts per day and value, running counts by a window
// function, and each quartile from the two order statistics around
// h = 1 + (n − 1)p (Hyndman & Fan 1996, definition 7). Values are stored in
// hundredths.
const sqliteMeasureSQL = `SELECT '{{m}}', day, n, mean, sd,
  a1 + (h1 - floor(h1)) * (b1 - a1), a2 + (h2 - floor(h2)) * (b2 - a2), a3 + (h3 - floor(h3)) * (b3 - a3)
FROM (
  SELECT t.day AS day, q.n AS n, q.mean AS mean, q.sd AS sd, q.h1 AS h1, q.h2 AS h2, q.h3 AS h3,
    min(CASE WHEN t.cum >= floor(q.h1) THEN t.v END) / 100.0 AS a1, min(CASE WHEN t.cum >= ceil(q.h1) THEN t.v END) / 100.0 AS b1,
    min(CASE WHEN t.cum >= floor(q.h2) THEN t.v END) / 100.0 AS a2, min(CASE WHEN t.cum >= ceil(q.h2) THEN t.v END) / 100.0 AS b2,
    min(CASE WHEN t.cum >= floor(q.h3) THEN t.v END) / 100.0 AS a3, min(CASE WHEN t.cum >= ceil(q.h3) THEN t.v END) / 100.0 AS b3
  FROM (SELECT day, v, sum(k) OVER (PARTITION BY day ORDER BY v) AS cum FROM c_{{m}}) AS t
  JOIN (SELECT day, sum(k) AS n, sum(k * v) * 1.0 / sum(k) / 100 AS mean,
          sqrt((sum(k) * sum(k * v * v) - sum(k * v) * sum(k * v)) * 1.0 / (sum(k) * (sum(k) - 1))) / 100 AS sd,
          1 + (sum(k) - 1) * 0.25 AS h1, 1 + (sum(k) - 1) * 0.5 AS h2, 1 + (sum(k) - 1) * 0.75 AS h3
        FROM c_{{m}} GROUP BY day) AS q ON q.day = t.day
  GROUP BY t.day)`

// postgresMeasureSQL summarises one measure in PostgreSQL with its ordered-set
// aggregate percentile_cont, which interpolates as type 7.
const postgresMeasureSQL = `SELECT measure, day, n, mean, sd, p[1], p[2], p[3] FROM (
  SELECT '{{m}}' AS measure, day, count({{m}}) AS n, avg({{m}}) / 100.0 AS mean, stddev_samp({{m}}) / 100.0 AS sd,
    percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY {{m}} / 100.0) AS p
  FROM journal_entries WHERE day >= 1 AND {{m}} IS NOT NULL GROUP BY day) AS s`

func referenceSQL(e store.Engine) string {
	var b strings.Builder
	fmt.Fprintf(&b, "-- The cohort's per-day summary by hand (bench/cohort/reference.go writes this file).\n")
	fmt.Fprintf(&b, "-- Columns: measure, day, n, mean, sd, q1, median, q3 (quartiles as R's quantile type 7).\n")
	var parts []string
	if e == store.SQLite {
		fmt.Fprintf(&b, "WITH\n")
		var ctes []string
		for _, m := range outcomes.Measures() {
			ctes = append(ctes, fmt.Sprintf("  c_%[1]s AS MATERIALIZED (SELECT day, %[1]s AS v, count(*) AS k FROM journal_entries WHERE day >= 1 AND %[1]s IS NOT NULL GROUP BY day, %[1]s)", m.Column()))
		}
		b.WriteString(strings.Join(ctes, ",\n") + "\n")
		for _, m := range outcomes.Measures() {
			parts = append(parts, strings.ReplaceAll(sqliteMeasureSQL, "{{m}}", m.Column()))
		}
	} else {
		for _, m := range outcomes.Measures() {
			parts = append(parts, strings.ReplaceAll(postgresMeasureSQL, "{{m}}", m.Column()))
		}
	}
	b.WriteString(strings.Join(parts, "\nUNION ALL\n"))
	b.WriteString("\nORDER BY 1, 2;\n")
	return b.String()
}

// writeReferenceSQL writes reference.sqlite.sql and reference.postgres.sql.
func writeReferenceSQL(dir string) error {
	for _, e := range []store.Engine{store.SQLite, store.Postgres} {
		if err := os.WriteFile(filepath.Join(dir, "reference."+string(e)+".sql"), []byte(referenceSQL(e)), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// reference runs the SQL with sqlite3 or psql under /usr/bin/time, then
// compares every (measure, day) with the report's day summaries.
func (b *bench) reference(ctx context.Context) error {
	sqlFile := filepath.Join(b.dir, "reference."+string(b.engine)+".sql")
	if err := os.WriteFile(sqlFile, []byte(referenceSQL(b.engine)), 0o644); err != nil {
		return err
	}
	var cmd *exec.Cmd
	if b.engine == store.SQLite {
		cmd = exec.CommandContext(ctx, "/usr/bin/time", "-f", "%e %M", "sqlite3", "-csv", strings.TrimPrefix(b.url(), "sqlite:"), ".read "+sqlFile)
	} else {
		cmd = exec.CommandContext(ctx, "/usr/bin/time", "-f", "%e %M", "psql", b.pgURL, "-X", "-q", "-A", "-t", "-F", ",", "-v", "ON_ERROR_STOP=1", "-f", sqlFile)
		cmd.Env = append(os.Environ(), "PGOPTIONS=-c search_path="+b.schema())
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %v: %s", cmd.Args[3], err, stderr.String())
	}
	wall := time.Since(start).Seconds()
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	var elapsed, rssKB float64
	fmt.Sscanf(lines[len(lines)-1], "%g %g", &elapsed, &rssKB)

	// The report's day summaries, to compare (not timed).
	db, err := b.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.CohortJournal(clinic.NewContext(ctx, clinic.System), clinic.CohortFilter{})
	if err != nil {
		return err
	}
	rep, err := outcomes.Analyze(rows.Rows)
	if err != nil {
		return err
	}
	worst, compared, err := compareReference(stdout.Bytes(), rep)
	if err != nil {
		return err
	}
	doc := map[string]any{"engine": b.engine, "tool": cmd.Args[3], "sql": sqlFile, "reference_s": elapsed, "wall_s": wall,
		"max_rss_mb": rssKB / 1e3, "rows_compared": compared, "max_rel_diff": worst}
	return b.emit("reference", doc)
}

// compareReference checks the reference's rows against the report: n
// exactly, the rest to 1e-9 relative (absolute below 1e-12). It returns the
// largest relative difference seen and how many rows it compared.
func compareReference(out []byte, rep outcomes.Report) (float64, int, error) {
	recs, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		return 0, 0, fmt.Errorf("reference output: %w", err)
	}
	want := 0
	for _, mr := range rep.Measures {
		want += len(mr.Days)
	}
	if len(recs) != want {
		return 0, 0, fmt.Errorf("reference gives %d measure-day rows, the report %d", len(recs), want)
	}
	worst := 0.0
	for _, r := range recs {
		m, err := outcomes.ParseMeasure(r[0])
		if err != nil {
			return 0, 0, err
		}
		day, _ := strconv.Atoi(r[1])
		var d *outcomes.DaySummary
		for i := range rep.Measures[m].Days {
			if rep.Measures[m].Days[i].Day == day {
				d = &rep.Measures[m].Days[i]
			}
		}
		if d == nil {
			return 0, 0, fmt.Errorf("%s day %d: not in the report", m, day)
		}
		n, _ := strconv.Atoi(r[2])
		if n != d.N {
			return 0, 0, fmt.Errorf("%s day %d: n %d by hand, %d in the report", m, day, n, d.N)
		}
		sd := math.NaN()
		if d.SD != nil {
			sd = *d.SD
		}
		for k, got := range []float64{d.Mean, sd, d.Q1, d.Median, d.Q3} {
			text := r[3+k]
			if text == "" {
				if !math.IsNaN(got) {
					return 0, 0, fmt.Errorf("%s day %d column %d: empty by hand, %g in the report", m, day, 4+k, got)
				}
				continue
			}
			ref, err := strconv.ParseFloat(text, 64)
			if err != nil {
				return 0, 0, fmt.Errorf("%s day %d: %q: %w", m, day, text, err)
			}
			diff := math.Abs(ref - got)
			if math.Abs(ref) > 1e-12 {
				diff /= math.Abs(ref)
			}
			if diff > 1e-9 && math.Abs(ref-got) > 1e-12 {
				return 0, 0, fmt.Errorf("%s day %d column %d: %v by hand, %v in the report", m, day, 4+k, ref, got)
			}
			worst = max(worst, diff)
		}
	}
	return worst, len(recs), nil
}
