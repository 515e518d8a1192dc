package rgolden

import "testing"

func TestCompare(t *testing.T) {
	want, _ := Decode([]byte(`{"a": 1.0, "b": [1, null, "x"], "c": {"p": 0.05}, "v": "R 4.2"}`))
	tol := func(p string) Tolerance {
		if p == ".c.p" {
			return Tolerance{Relative: 1e-6}
		}
		return Tolerance{Relative: 1e-9}
	}
	skip := func(p string) bool { return p == ".v" }
	tests := []struct {
		got   string
		diffs int
	}{
		{`{"a": 1.0000000001, "b": [1, null, "x"], "c": {"p": 0.05000001}, "v": "R 4.4"}`, 0},
		{`{"a": 1.00001, "b": [1, null, "x"], "c": {"p": 0.05}}`, 1},  // a too far
		{`{"a": 1, "b": [1, 2, "x"], "c": {"p": 0.0501}}`, 2},         // null vs 2; p too far
		{`{"a": 1, "b": [1, null], "c": {"p": 0.05}, "extra": 1}`, 2}, // short array; extra key
		{`{"b": [1, null, "y"], "c": {"p": 0.05}}`, 2},                // a missing; string differs
	}
	for _, tt := range tests {
		got, err := Decode([]byte(tt.got))
		if err != nil {
			t.Fatal(err)
		}
		if d := Compare(got, want, tol, skip); len(d) != tt.diffs {
			t.Errorf("%s: %d differences %q, want %d", tt.got, len(d), d, tt.diffs)
		}
	}
}
