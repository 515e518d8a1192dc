package outcomes_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ketatrack/ketatrack/internal/outcomes"
)

const header = "patient_id,day,pain_now,pain_worst,pain_least,pain_24h,affective,burning,aching,punishing,movement,relief_pct\n"

func TestReadJournalCSVErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty file", "", "line 1: empty file: expected the header patient_id,day,"},
		{"only a BOM", "\xef\xbb\xbf", "line 1: empty file"},
		{"unknown column", "patient_id,day,pain_nwo\n", "line 1, column 3 (pain_nwo): unknown column"},
		{"duplicate column", "patient_id,day,pain_now,pain_now\n", `line 1, column 4 (pain_now): column "pain_now" appears twice (also column 3)`},
		{"no day column", "patient_id,pain_now\n", "line 1: header lacks the day column"},
		{"bad header, no header at all", "P01,1,7\n", "line 1, column 1 (P01): unknown column"},
		{"out of range pain", header + "P01,1,11,,,,,,,,,\n", `line 2, column 3 (pain_now): "11" is out of range 0–10`},
		{"out of range affective", header + "P01,1,,,,,5,,,,,\n", `line 2, column 7 (affective): "5" is out of range 0–4`},
		{"out of range relief", header + "P01,1,,,,,,,,,,100.5\n", `line 2, column 12 (relief_pct): "100.5" is out of range 0–100`},
		{"negative", header + "P01,1,-1,,,,,,,,,\n", `line 2, column 3 (pain_now): "-1": not a number with at most two decimals`},
		{"three decimals", header + "P01,1,7.125,,,,,,,,,\n", `line 2, column 3 (pain_now): "7.125": not a number`},
		{"decimal comma", header + "P01,1,\"7,5\",,,,,,,,,\n", `line 2, column 3 (pain_now): "7,5": not a number`},
		{"exponent", header + "P01,1,1e1,,,,,,,,,\n", `line 2, column 3 (pain_now): "1e1": not a number`},
		{"NaN", header + "P01,1,NaN,,,,,,,,,\n", `line 2, column 3 (pain_now): "NaN": not a number`},
		{"non-integer day", header + "P01,1.5,7,,,,,,,,,\n", `line 2, column 2 (day): "1.5" is not a whole day number`},
		{"day zero", header + "P01,0,7,,,,,,,,,\n", `line 2, column 2 (day): "0" is outside 1–100000`},
		{"empty day", header + "P01,,7,,,,,,,,,\n", "line 2, column 2 (day): empty"},
		{"empty patient", header + ",1,7,,,,,,,,,\n", "line 2, column 1 (patient_id): empty patient identifier"},
		{"short row", header + "P01,1,7\n", "line 2: 3 fields, but the header has 12"},
		{"duplicate patient-day", header + "P01,1,7,,,,,,,,,\nP01,2,6,,,,,,,,,\nP02,1,5,,,,,,,,,\nP01,1,4,,,,,,,,,\n",
			`line 5: patient "P01" has a second row for day 1 (the first is on line 2)`},
		{"duplicate after blank lines and CRLF", "patient_id,day,pain_now\r\n\r\nP01,3,7\r\n\r\nP01,3,7\r\n",
			`line 5: patient "P01" has a second row for day 3 (the first is on line 3)`},
		{"stray quote", header + "P\"01,1,7,,,,,,,,,\n", `line 2: character 2: bare " in non-quoted-field`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := outcomes.ReadJournalCSV(strings.NewReader(tt.in))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("error %v, want prefix %q", err, tt.want)
			}
			var pe *outcomes.ParseError
			if !errors.As(err, &pe) {
				t.Errorf("error is %T, want *outcomes.ParseError", err)
			}
		})
	}
}

// A BOM, CRLF, spaces around cells, a column subset in another order and
// two-decimal values are all read as meant.
func TestReadJournalCSVAccepts(t *testing.T) {
	in := "\xef\xbb\xbfday, patient_id ,relief_pct,pain_worst\r\n 1 ,P01, 0 ,9.5\r\n2,P01,43.61,\r\n"
	rows, err := outcomes.ReadJournalCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2", len(rows))
	}
	r := rows[1]
	if r.Patient != "P01" || r.Day != 2 || r.Scores[outcomes.ReliefPct] != 4361 || r.Scores[outcomes.PainWorst] != outcomes.Missing || r.Scores[outcomes.PainNow] != outcomes.Missing {
		t.Errorf("row 2 = %+v", r)
	}
	if got := rows[0].Scores[outcomes.PainWorst]; got != 950 || got.Float() != 9.5 {
		t.Errorf("pain_worst = %v", got)
	}
}

func TestParseScore(t *testing.T) {
	tests := []struct {
		m    outcomes.Measure
		in   string
		want outcomes.Score
		ok   bool
	}{
		{outcomes.PainNow, "7", 700, true},
		{outcomes.PainNow, "7.5", 750, true},
		{outcomes.PainNow, "7.05", 705, true},
		{outcomes.PainNow, "10", 1000, true},
		{outcomes.PainNow, "10.00", 1000, true},
		{outcomes.PainNow, "0", 0, true},
		{outcomes.PainNow, "", outcomes.Missing, true},
		{outcomes.PainNow, "10.01", 0, false},
		{outcomes.PainNow, "7.", 0, false},
		{outcomes.PainNow, ".5", 0, false},
		{outcomes.PainNow, "+7", 0, false},
		{outcomes.PainNow, "99999999999999999999", 0, false},
		{outcomes.ReliefPct, "100", 10000, true},
		{outcomes.ReliefPct, "43.61", 4361, true},
		{outcomes.Punishing, "4", 400, true},
		{outcomes.Punishing, "4.5", 0, false},
	}
	for _, tt := range tests {
		got, err := outcomes.ParseScore(tt.m, tt.in)
		if (err == nil) != tt.ok || tt.ok && got != tt.want {
			t.Errorf("ParseScore(%s, %q) = %v, %v; want %v, ok %v", tt.m, tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// Writing then reading gives back the same rows.
func TestJournalCSVRoundTrip(t *testing.T) {
	rows := readJournalFile(t, filepath.Join("testdata", "journal_unbalanced.csv"))
	var b strings.Builder
	if err := outcomes.WriteJournalCSV(&b, rows); err != nil {
		t.Fatal(err)
	}
	again, err := outcomes.ReadJournalCSV(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != len(rows) {
		t.Fatalf("%d rows, want %d", len(again), len(rows))
	}
	for i := range rows {
		if again[i] != rows[i] {
			t.Errorf("row %d: %+v, want %+v", i, again[i], rows[i])
		}
	}
}

// Analyze validates rows that did not come from the CSV reader.
func TestAnalyzeRejectsBadRows(t *testing.T) {
	ok := outcomes.NewJournalRow("P1", 1)
	ok.Scores[outcomes.PainNow] = 500
	tooHigh := outcomes.NewJournalRow("P1", 2)
	tooHigh.Scores[outcomes.Punishing] = 500
	tests := []struct {
		name string
		rows []outcomes.JournalRow
		want string
	}{
		{"duplicate day", []outcomes.JournalRow{ok, outcomes.NewJournalRow("P2", 1), ok}, `patient "P1", day 1: a second row for the same day`},
		{"out of range", []outcomes.JournalRow{ok, tooHigh}, "punishing 5 outside 0–4"},
		{"day 0", []outcomes.JournalRow{outcomes.NewJournalRow("P1", 0)}, "day outside 1–100000"},
		{"no patient", []outcomes.JournalRow{outcomes.NewJournalRow(" ", 1)}, "empty patient identifier"},
	}
	for _, tt := range tests {
		_, err := outcomes.Analyze(tt.rows)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}

// Rows in any order give the same report as rows grouped by patient.
func TestAnalyzeRowOrderDoesNotMatter(t *testing.T) {
	rows := readJournalFile(t, filepath.Join("testdata", "journal_small.csv"))
	want, err := outcomes.Analyze(rows)
	if err != nil {
		t.Fatal(err)
	}
	reversed := make([]outcomes.JournalRow, len(rows))
	for i, r := range rows {
		reversed[len(rows)-1-i] = r
	}
	got, err := outcomes.Analyze(reversed)
	if err != nil {
		t.Fatal(err)
	}
	wj, _ := json.Marshal(want)
	gj, _ := json.Marshal(got)
	if string(wj) != string(gj) {
		t.Errorf("reversed rows give\n%s\nwant\n%s", gj, wj)
	}
}

func FuzzReadJournalCSV(f *testing.F) {
	for _, name := range []string{"journal_small", "journal_unbalanced", "journal_exact"} {
		b, err := os.ReadFile(filepath.Join("testdata", name+".csv"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("patient_id,day,pain_now\nP,1,7.5\nP,2,\n"))
	f.Add([]byte("\xef\xbb\xbfday,patient_id\r\n1,\"a,b\"\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rows, err := outcomes.ReadJournalCSV(strings.NewReader(string(b)))
		if err != nil {
			var pe *outcomes.ParseError
			if !errors.As(err, &pe) || pe.Line < 1 {
				t.Fatalf("error is not a *ParseError with a line: %v", err)
			}
			return
		}
		for i := range rows {
			if err := rows[i].Validate(); err != nil {
				t.Fatalf("accepted an invalid row: %v", err)
			}
		}
		var out strings.Builder
		if err := outcomes.WriteJournalCSV(&out, rows); err != nil {
			t.Fatal(err)
		}
		again, err := outcomes.ReadJournalCSV(strings.NewReader(out.String()))
		if err != nil {
			t.Fatalf("re-reading what was written: %v", err)
		}
		if len(again) != len(rows) {
			t.Fatalf("round trip: %d rows, want %d", len(again), len(rows))
		}
		for i := range rows {
			if again[i] != rows[i] {
				t.Fatalf("round trip: %+v, want %+v", again[i], rows[i])
			}
		}
		if _, err := outcomes.Analyze(rows); err != nil {
			t.Fatalf("Analyze refused rows the reader accepted: %v", err)
		}
	})
}
