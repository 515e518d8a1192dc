package document

import (
	"strings"
	"testing"
)

// The shipped instructions load, and each has a source or is marked as the
// clinic's own text; the 24-hour driving rule is there with its label.
func TestDefaultInstructions(t *testing.T) {
	in, err := DefaultInstructions()
	if err != nil {
		t.Fatal(err)
	}
	var driving *Instruction
	for i, x := range in.Instructions {
		if (x.Source == "") == !x.Clinic {
			t.Errorf("%s: source %q, clinic %v", x.ID, x.Source, x.Clinic)
		}
		if x.ID == "driving" {
			driving = &in.Instructions[i]
		}
	}
	if driving == nil || !strings.Contains(driving.Text, "24 hours") || !strings.Contains(driving.Source, "registration 63231") {
		t.Errorf("driving instruction %+v", driving)
	}
}

func TestParseInstructionsErrors(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"version: x\ninstructions:\n  - {id: a, heading: H, text: T}\n", "instructions[0] (a).source"},
		{"version: x\ninstructions:\n  - {id: a, heading: H, text: T, source: S, clinic: true}\n", "both a source"},
		{"version: x\ninstructions:\n  - {id: a, heading: H, text: T, clinic: true}\n  - {id: a, heading: H, text: T, clinic: true}\n", "used twice"},
		{"instructions:\n  - {id: a, heading: H, text: T, clinic: true}\n", "version"},
		{"version: x\ninstructions:\n  - {id: a, heading: H, text: T, clinic: true, colour: red}\n", "colour"},
		{"version: x\ninstructions:\n  - {id: a, text: T, clinic: true}\n", "heading"},
	} {
		_, err := ParseInstructions("t.yaml", []byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "t.yaml") {
			t.Errorf("%q: error %v, want one naming %q", tc.yaml, err, tc.want)
		}
	}
}

func FuzzParseInstructions(f *testing.F) {
	f.Add(defaultDischarge)
	f.Add([]byte("version: x\ninstructions: []\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := ParseInstructions("f.yaml", b)
		if err == nil && in.Validate() != nil {
			t.Fatal("parsed instructions that do not validate")
		}
	})
}

// The trajectory is an SVG with the journal-day axis, a gap for a missing
// rating and a dashed line per infusion day; fewer than two days is an
// error.
func TestTrajectorySVG(t *testing.T) {
	v := func(x float64) *float64 { return &x }
	svg, err := TrajectorySVG(Trajectory{Title: "Pain", Days: []float64{1, 2, 3, 10},
		Series:       []TrajectorySeries{{Name: "pain now", Values: []*float64{v(7), nil, v(6), v(4)}}},
		InfusionDays: []float64{1, 2, 3}})
	if err != nil {
		t.Fatal(err)
	}
	s := string(svg)
	if !strings.HasPrefix(s, "<svg") || strings.Contains(s, "<script") || !strings.Contains(s, "journal day") ||
		strings.Count(s, `stroke-dasharray="3 3"`) != 4 { // three days and the legend
		t.Errorf("svg:\n%s", s)
	}
	if _, err := TrajectorySVG(Trajectory{Days: []float64{1}}); err == nil {
		t.Error("one day drew a chart")
	}
	if _, err := TrajectorySVG(Trajectory{Days: []float64{1, 2}, Series: []TrajectorySeries{{Name: "x", Values: []*float64{v(1)}}}}); err == nil {
		t.Error("misaligned series drew a chart")
	}
}

func TestParsePaper(t *testing.T) {
	for in, want := range map[string]Paper{"": A4, "a4": A4, "letter": Letter} {
		if got, err := ParsePaper(in); err != nil || got != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	if _, err := ParsePaper("A5"); err == nil {
		t.Error("A5 accepted")
	}
}
