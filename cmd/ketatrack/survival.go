package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ketatrack/ketatrack/internal/survival"
)

func init() {
	register(&command{
		Name:     "survival",
		Synopsis: "survival FILE.csv [--json]",
		Summary: "Kaplan–Meier duration of relief from a relief CSV (patient_id,start,end,relapsed) as R's survfit computes it: " +
			"Greenwood variance, log-transformed 95 % CI, median with its CI, numbers at risk. FILE - reads stdin. Exit 2 names the bad line and column.",
		Run: runSurvival,
	})
}

func runSurvival(ctx context.Context, e *env, args []string) int {
	c := commands["survival"]
	fs := newFlagSet(e, c)
	asJSON := fs.Bool("json", false, `print one JSON document on stdout: {"n", "events", "median_days", "median_ci95", "curve": [{"day", "at_risk", "events", "survival", "lower", "upper"}]} (shared/PRODUCT.md)`)
	pos, err := parseFlags(e, fs, args)
	if err != nil {
		return flagStatus(err)
	}
	if len(pos) != 1 {
		return fail(e, "survival", exitBadInput, errors.New("FILE: give exactly one relief CSV (or - for stdin)"))
	}
	periods, status, err := readInput(e, pos[0], survival.ReadReliefCSV)
	if err != nil {
		return fail(e, "survival", status, err)
	}
	if len(periods) == 0 {
		return fail(e, "survival", exitBadInput, fmt.Errorf("%s: line 2: no relief periods after the header", pos[0]))
	}
	curve := survival.KaplanMeier(survival.Observations(periods))
	if *asJSON {
		if err := json.NewEncoder(e.Stdout).Encode(curve); err != nil {
			return fail(e, "survival", exitFailure, err)
		}
		return exitOK
	}
	if err := printCurve(e.Stdout, pos[0], curve); err != nil {
		return fail(e, "survival", exitFailure, err)
	}
	return exitOK
}

// isReliefParseError reports whether err is a relief CSV parse error.
func isReliefParseError(err error) bool {
	var pe *survival.ParseError
	return errors.As(err, &pe)
}

// printCurve writes the Kaplan–Meier estimate as text.
func printCurve(w io.Writer, name string, c survival.Curve) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Relief periods %s: n = %d, relapses = %d, censored = %d\n", name, c.N, c.Events, c.N-c.Events)
	if c.MedianDays == nil {
		fmt.Fprintf(&b, "Median relief: not reached (the curve stays above 0.5)\n")
	} else {
		fmt.Fprintf(&b, "Median relief: %s days (95 %% CI %s to %s)\n", num(c.MedianDays), orNotReached(c.MedianCI95[0]), orNotReached(c.MedianCI95[1]))
	}
	fmt.Fprintf(&b, "\n  %6s %8s %7s %9s %9s  %s\n", "day", "at risk", "events", "censored", "survival", "95 % CI (log)")
	for _, p := range c.Points {
		fmt.Fprintf(&b, "  %6s %8d %7d %9d %9.4f  %s–%s\n", num(&p.Day), p.AtRisk, p.Events, p.Censored, p.Survival, num(p.Lower), num(p.Upper))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func orNotReached(x *float64) string {
	if x == nil {
		return "not reached"
	}
	return num(x)
}
