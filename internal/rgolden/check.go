package rgolden

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// Exact is the tolerance between a golden file R writes now and the one
// committed: both are R's own output, so they agree to R's printed digits.
var Exact = Tolerance{Relative: 1e-12, Absolute: 1e-300}

// RequireR skips t when Rscript is not installed, or fails it when the
// environment demands R (Required).
func RequireR(t testing.TB) {
	t.Helper()
	if _, err := Rscript(); err != nil {
		if Required() {
			t.Fatal(err)
		}
		t.Skipf("%v (set %s=1 to require it)", err, RequireEnv)
	}
}

// Report decodes a golden document and returns its "report" member, the
// part ketatrack computes (the rest names the R run).
func Report(t testing.TB, b []byte) any {
	t.Helper()
	v, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	doc, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("rgolden: golden document is %T, not an object", v)
	}
	return doc["report"]
}

// CheckGoldens runs one subtest per name: compute(t, "testdata/NAME.csv")
// must equal the report in testdata/NAME.golden.json within tol.
func CheckGoldens(t *testing.T, names []string, compute func(t *testing.T, csvPath string) any, tol func(path string) Tolerance) {
	t.Helper()
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			got := compute(t, filepath.Join("testdata", name+".csv"))
			b, err := os.ReadFile(filepath.Join("testdata", name+".golden.json"))
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range Compare(got, Report(t, b), tol, nil) {
				t.Error(d)
			}
		})
	}
}

// CheckRecomputed runs an R script in the current directory as
// `Rscript script OUTDIR testdata/NAME.csv ...` and checks, one subtest per
// name, that the report in each OUTDIR/NAME.golden.json it writes equals
// the committed testdata/NAME.golden.json (Exact). It skips t when R is
// missing (RequireR).
func CheckRecomputed(t *testing.T, script string, names []string) {
	t.Helper()
	RequireR(t)
	dir := t.TempDir()
	args := []string{dir}
	for _, name := range names {
		args = append(args, filepath.Join("testdata", name+".csv"))
	}
	if _, err := Run(context.Background(), ".", script, args...); err != nil {
		t.Fatal(err)
	}
	exact := func(string) Tolerance { return Exact }
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			fresh, err := os.ReadFile(filepath.Join(dir, name+".golden.json"))
			if err != nil {
				t.Fatal(err)
			}
			committed, err := os.ReadFile(filepath.Join("testdata", name+".golden.json"))
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range Compare(Report(t, fresh), Report(t, committed), exact, nil) {
				t.Error(d)
			}
		})
	}
}
