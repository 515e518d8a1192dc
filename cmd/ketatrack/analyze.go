package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ketatrack/ketatrack/internal/outcomes"
)

func init() {
	register(&command{
		Name:     "analyze",
		Synopsis: "analyze FILE.csv [--json]",
		Summary: "Cohort statistics of a journal CSV as R computes them: per measure and day n, mean ± SD, median (IQR); " +
			"Kruskal–Wallis, Friedman and Wilcoxon first vs last day; IMMPACT responder rates. FILE - reads stdin. Exit 2 names the bad line and column.",
		Run: runAnalyze,
	})
}

func runAnalyze(ctx context.Context, e *env, args []string) int {
	c := commands["analyze"]
	fs := newFlagSet(e, c)
	asJSON := fs.Bool("json", false, `print one JSON document on stdout: {"patients", "measures": {MEASURE: {"days", "kruskal_wallis", "friedman", "wilcoxon_first_last"}}, "responders"} (shared/PRODUCT.md)`)
	pos, err := parseFlags(e, fs, args)
	if err != nil {
		return flagStatus(err)
	}
	if len(pos) != 1 {
		return fail(e, "analyze", exitBadInput, errors.New("FILE: give exactly one journal CSV (or - for stdin)"))
	}
	rows, status, err := readInput(e, pos[0], outcomes.ReadJournalCSV)
	if err != nil {
		return fail(e, "analyze", status, err)
	}
	if len(rows) == 0 {
		return fail(e, "analyze", exitBadInput, fmt.Errorf("%s: line 2: no journal rows after the header", pos[0]))
	}
	rep, err := outcomes.Analyze(rows)
	if err != nil {
		return fail(e, "analyze", exitBadInput, fmt.Errorf("%s: %w", pos[0], err))
	}
	if *asJSON {
		if err := json.NewEncoder(e.Stdout).Encode(rep); err != nil {
			return fail(e, "analyze", exitFailure, err)
		}
		return exitOK
	}
	if err := printReport(e.Stdout, pos[0], rep); err != nil {
		return fail(e, "analyze", exitFailure, err)
	}
	return exitOK
}

// readInput opens path ("-" = stdin) and parses it; a file that cannot be
// opened or parsed is bad input (status 2), a read failure after opening an
// operational one (1).
func readInput[T any](e *env, path string, parse func(io.Reader) (T, error)) (T, int, error) {
	var zero T
	var r io.Reader = e.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return zero, exitBadInput, fmt.Errorf("FILE: %w", err)
		}
		defer f.Close()
		r = f
	}
	v, err := parse(r)
	if err != nil {
		var pe *outcomes.ParseError
		status := exitBadInput
		if !errors.As(err, &pe) && !isReliefParseError(err) {
			status = exitFailure
		}
		return zero, status, fmt.Errorf("%s: %w", path, err)
	}
	return v, exitOK, nil
}

// printReport writes the cohort report as text tables.
func printReport(w io.Writer, name string, rep outcomes.Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Journal %s: %d patients\n", name, rep.Patients)
	for _, m := range outcomes.Measures() {
		mr, ok := rep.Measures[m]
		if !ok {
			continue
		}
		fmt.Fprintf(&b, "\n%s — %s (%s)\n", m.Column(), m.Label(), m.Unit())
		fmt.Fprintf(&b, "  %5s %6s  %-17s %s\n", "day", "n", "mean ± SD", "median (IQR)")
		for _, d := range mr.Days {
			fmt.Fprintf(&b, "  %5d %6d  %-17s %s (%s–%s)\n", d.Day, d.N,
				fmt.Sprintf("%s ± %s", num(&d.Mean), num(d.SD)), num(&d.Median), num(&d.Q1), num(&d.Q3))
		}
		kw := mr.KruskalWallis
		fmt.Fprintf(&b, "  Kruskal–Wallis, days as groups: H = %s, df = %d, p = %s\n", num(kw.Statistic), kw.DF, pval(kw.P))
		fr := mr.Friedman
		fmt.Fprintf(&b, "  Friedman, patients with every day (n = %d): chi-squared = %s, df = %d, p = %s\n", fr.NComplete, num(fr.Statistic), fr.DF, pval(fr.P))
		wx := mr.WilcoxonFirstLast
		switch {
		case wx.Statistic == nil:
			fmt.Fprintf(&b, "  Wilcoxon signed-rank, day %d vs day %d (n = %d): not computed (needs two days and a patient with both)\n", wx.FirstDay, wx.LastDay, wx.N)
		default:
			method := "normal approximation with continuity correction"
			if wx.Exact {
				method = "exact"
			}
			fmt.Fprintf(&b, "  Wilcoxon signed-rank, day %d vs day %d (n = %d, %s): V = %s, p = %s\n",
				wx.FirstDay, wx.LastDay, wx.N, method, num(wx.Statistic), pval(wx.P))
		}
		if rr, ok := rep.Responders[m]; ok {
			fmt.Fprintf(&b, "  IMMPACT responders, day %d → %d (n = %d with a baseline above 0): ≥ 30 %% reduction %s %%, ≥ 50 %% %s %%\n",
				rr.FirstDay, rr.LastDay, rr.N, num(rr.Reduction30Pct), num(rr.Reduction50Pct))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// num formats a statistic with 4 significant digits, NA when undefined.
func num(x *float64) string {
	if x == nil {
		return "NA"
	}
	return fmt.Sprintf("%.4g", *x)
}

// pval formats a p-value with 3 significant digits, NA when undefined.
func pval(p *float64) string {
	if p == nil {
		return "NA"
	}
	return fmt.Sprintf("%.3g", *p)
}
