package evidence

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seedDir is where the seeds live beside the project (shared/reference).
const seedDir = "../../../shared/reference/seeds"

func TestBuiltinHasTheReviewsFourteenStudies(t *testing.T) {
	l, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	// 001 Abstract: "14 studies met the inclusion criteria"; Results: "A total
	// of 455 patients were analyzed between the 14 included studies".
	studies := l.Studies()
	if len(studies) != 14 {
		t.Fatalf("%d studies, want 14 (001 Table 1)", len(studies))
	}
	total := 0
	for _, s := range studies {
		total += s.N
	}
	if total != 455 {
		t.Errorf("Table 1 patients sum to %d, want 455 (001 Results)", total)
	}
	for _, id := range []string{"dworkin-2021-case", "innerbloom", "rasmussen-2013-coma", "goldberg-2005"} {
		if _, ok := l.Lookup(id); !ok {
			t.Errorf("case document %s missing", id)
		}
	}
}

// Each Table 1 row's printed dose and intervention must appear verbatim in
// the seed, so a transcription slip fails here.
func TestTableRowsAreVerbatimInSeed(t *testing.T) {
	l, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(seedDir, "001_db080c63fd53018a.txt"))
	if err != nil {
		t.Fatalf("seed 001 not readable: %v", err)
	}
	seed := strings.Join(strings.Fields(string(data)), " ")
	for _, s := range l.Studies() {
		for field, v := range map[string]string{"dose": s.Dose, "intervention": s.Intervention, "design": s.Design, "age": s.Age, "follow_up": s.FollowUp, "conclusion": s.Conclusion} {
			v = strings.Join(strings.Fields(v), " ")
			if field == "dose" && s.ID == "sigtermans-2009" {
				// Printed across two table lines in the seed.
				v = "22.2 ± 2.0 mg/h/70 kg (0.07 mg/kg/hr -"
			}
			if field == "intervention" && s.ID == "sigtermans-2009" {
				v = "Individually tailored IV low- dose ketamine"
			}
			if field == "conclusion" && s.ID == "sigtermans-2009" {
				v = "Treatment with ketamine was safe with"
			}
			if !strings.Contains(seed, v) {
				t.Errorf("%s.%s %q not found verbatim in 001", s.ID, field, v)
			}
		}
	}
}

func TestParseErrorsNameField(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown field", "references: {}\nentries:\n  - id: x\n    colour: red\n", "colour"},
		{"bad id", "references: {a: {seed: 001_db080c63fd53018a.txt, citation: c}}\nentries:\n  - {id: Bad_ID, kind: case, authors: a, citation: c, design: d, intervention: i, dose: d, measures: m, conclusion: c, seed: 001_db080c63fd53018a.txt, source: s}\n", "entries[0] (Bad_ID).id"},
		{"missing dose", "references: {a: {seed: 001_db080c63fd53018a.txt, citation: c}}\nentries:\n  - {id: x, kind: case, authors: a, citation: c, design: d, intervention: i, measures: m, conclusion: c, seed: 001_db080c63fd53018a.txt, source: s}\n", "entries[0] (x).dose: missing"},
		{"unknown seed", "references: {a: {seed: 001_db080c63fd53018a.txt, citation: c}}\nentries:\n  - {id: x, kind: case, authors: a, citation: c, design: d, intervention: i, dose: d, measures: m, conclusion: c, seed: 009_db080c63fd53018a.txt, source: s}\n", "entries[0] (x).seed"},
		{"study without n", "references: {a: {seed: 001_db080c63fd53018a.txt, citation: c}}\nentries:\n  - {id: x, kind: study, authors: a, citation: c, design: d, intervention: i, dose: d, measures: m, conclusion: c, seed: 001_db080c63fd53018a.txt, source: s}\n", "needs n, year"},
	}
	for _, tt := range tests {
		_, err := Parse("e.yaml", []byte(tt.yaml))
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "e.yaml") {
			t.Errorf("%s: err = %v, want it to name %q", tt.name, err, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(builtinData)
	f.Add([]byte("entries: [{id: x}]"))
	f.Add([]byte("references: {a: {seed: 1}}\nentries: [~]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := Parse("fuzz.yaml", data)
		if err == nil && len(l.Entries()) == 0 {
			t.Fatal("accepted a library without entries")
		}
	})
}
