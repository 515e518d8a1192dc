package outcomes_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/ketatrack/ketatrack/internal/outcomes"
	"github.com/ketatrack/ketatrack/internal/rgolden"
)

// The journals in testdata and, beside each, the report R computed for it
// (testdata/analyze.R, R 4.2.2; the file's "generated_by" names the run).
var journalGoldens = []string{
	"journal_small",      // 8 patients × 3 days: ties and zero differences (normal approximation)
	"journal_exact",      // 12 patients, days 1 and 10, decimals: exact signed-rank p for pain_now
	"journal_approx",     // 60 patients, no ties: n ≥ 50 selects the normal approximation
	"journal_unbalanced", // BOM, CRLF, shuffled rows, missing days and cells, one-day measure, zero baselines
	"journal_goldberg",   // the synthetic Goldberg-like cohort (package cohort, seed 1)
}

func tolerance(path string) rgolden.Tolerance {
	// p-values to 1e-6 relative, everything else to 1e-9 (issue 8);
	// the absolute floor covers statistics that are 0 against R's 1e-16.
	if strings.HasSuffix(path, ".p") {
		return rgolden.Tolerance{Relative: 1e-6, Absolute: 1e-15}
	}
	return rgolden.Tolerance{Relative: 1e-9, Absolute: 1e-12}
}

// readJournalFile reads a journal CSV file.
func readJournalFile(t *testing.T, path string) []outcomes.JournalRow {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := outcomes.ReadJournalCSV(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows
}

func analyzeFile(t *testing.T, path string) any {
	t.Helper()
	rep, err := outcomes.Analyze(readJournalFile(t, path))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	v, err := rgolden.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestAnalyzeMatchesR(t *testing.T) {
	rgolden.CheckGoldens(t, journalGoldens, analyzeFile, tolerance)
}

// When R is installed, rerun testdata/analyze.R on every journal and check
// that the committed goldens are what it prints now.
func TestAnalyzeGoldensRecomputedByR(t *testing.T) {
	rgolden.CheckRecomputed(t, "testdata/analyze.R", journalGoldens)
}
