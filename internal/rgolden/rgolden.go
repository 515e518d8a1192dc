// Package rgolden checks ketatrack's statistics against golden files written
// by R scripts: it finds Rscript, runs a script, and compares two JSON
// documents number by number within a relative tolerance. Tests use it to
// recompute their goldens when R is installed (CI installs r-base-core and
// r-cran-survival), so that a golden file can never drift from the R code
// committed beside it.
package rgolden

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"sort"
	"strings"
)

// RequireEnv names the environment variable that, set to "1", turns a
// missing Rscript from a skipped check into a failure.
const RequireEnv = "KETATRACK_REQUIRE_R"

// Rscript returns the path of the Rscript executable, or an error saying it
// is not installed.
func Rscript() (string, error) {
	p, err := exec.LookPath("Rscript")
	if err != nil {
		return "", fmt.Errorf("rgolden: Rscript not found (apt-get install r-base-core r-cran-survival): %w", err)
	}
	return p, nil
}

// Required reports whether the environment demands R (RequireEnv is "1").
func Required() bool { return os.Getenv(RequireEnv) == "1" }

// Run runs an R script with arguments in directory dir and returns what it
// printed on stdout; stderr is included in the error when the script fails.
func Run(ctx context.Context, dir, script string, args ...string) ([]byte, error) {
	rscript, err := Rscript()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, rscript, append([]string{"--vanilla", script}, args...)...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("rgolden: Rscript %s: %w: %s", script, err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// Tolerance says how closely two numbers must agree: relatively, and
// absolutely for values near zero (a statistic R prints as 1e-15 where
// ketatrack computes 0).
type Tolerance struct {
	Relative float64 // |a − b| ≤ Relative·max(|a|, |b|) passes
	Absolute float64 // |a − b| ≤ Absolute passes
}

// Close reports whether a and b agree within the tolerance.
func (t Tolerance) Close(a, b float64) bool {
	d := math.Abs(a - b)
	return d <= t.Absolute || d <= t.Relative*math.Max(math.Abs(a), math.Abs(b))
}

// Compare walks two decoded JSON documents (as from Decode) and returns one
// line per difference: a missing or extra key, a different string, array
// length or null, or numbers that are not close. tol chooses the tolerance
// for each number from its path (e.g. a looser one for p-values); skip
// reports paths to ignore (e.g. the R version).
func Compare(got, want any, tol func(path string) Tolerance, skip func(path string) bool) []string {
	var diffs []string
	compare("", got, want, tol, skip, &diffs)
	return diffs
}

func compare(path string, got, want any, tol func(string) Tolerance, skip func(string) bool, diffs *[]string) {
	if skip != nil && skip(path) {
		return
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			*diffs = append(*diffs, fmt.Sprintf("%s: got %T, want an object", path, got))
			return
		}
		keys := make([]string, 0, len(w)+len(g))
		for k := range w {
			keys = append(keys, k)
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := path + "." + k
			if skip != nil && skip(p) {
				continue
			}
			gv, gok := g[k]
			wv, wok := w[k]
			switch {
			case !gok:
				*diffs = append(*diffs, p+": missing")
			case !wok:
				*diffs = append(*diffs, p+": unexpected")
			default:
				compare(p, gv, wv, tol, skip, diffs)
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			*diffs = append(*diffs, fmt.Sprintf("%s: got %v, want %v", path, short(got), short(want)))
			return
		}
		for i := range w {
			compare(fmt.Sprintf("%s[%d]", path, i), g[i], w[i], tol, skip, diffs)
		}
	case json.Number:
		g, ok := got.(json.Number)
		if !ok {
			*diffs = append(*diffs, fmt.Sprintf("%s: got %v, want %s", path, short(got), w))
			return
		}
		gf, err1 := g.Float64()
		wf, err2 := w.Float64()
		if err1 != nil || err2 != nil || !tol(path).Close(gf, wf) {
			*diffs = append(*diffs, fmt.Sprintf("%s: got %s, want %s", path, g, w))
		}
	default:
		if fmt.Sprint(got) != fmt.Sprint(want) {
			*diffs = append(*diffs, fmt.Sprintf("%s: got %v, want %v", path, short(got), short(want)))
		}
	}
}

func short(v any) string {
	s := fmt.Sprint(v)
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return s
}

// Decode parses a JSON document keeping numbers as json.Number, so that no
// digit is lost before the comparison.
func Decode(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("rgolden: decode: %w", err)
	}
	return v, nil
}
