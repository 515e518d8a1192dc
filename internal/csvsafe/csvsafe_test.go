package csvsafe

import (
	"bytes"
	"encoding/csv"
	"testing"
)

// The cases follow OWASP's CSV injection page (the six leading characters)
// and this package's documented numeric exception.
func TestCell(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"Jansen", "Jansen"},
		{"=1+1", "'=1+1"},
		{`=HYPERLINK("http://evil.example","x")`, `'=HYPERLINK("http://evil.example","x")`},
		{"+31 20 555", "'+31 20 555"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1:A9)", "'@SUM(A1:A9)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"-", "'-"},
		{"+", "'+"},
		{"-Inf", "'-Inf"},
		{"-1,5", "'-1,5"},
		{"-.", "'-."},
		{"-1e", "'-1e"},
		{"-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"},
		// Plain decimal numbers stay numbers.
		{"-2.5", "-2.5"},
		{"+3", "+3"},
		{"-0", "-0"},
		{"-.5", "-.5"},
		{"-5.", "-5."},
		{"-1e-3", "-1e-3"},
		{"+1E+09", "+1E+09"},
		{"12", "12"},
		// Not at the start: left alone (only the first character starts a formula).
		{"a=1", "a=1"},
		{" =1", " =1"},
		// A text that already starts with ' before a formula character gets
		// one more ' (a spreadsheet shows '=1, Uncell gives '=1 back); a '
		// before anything else is left alone.
		{"'=1", "''=1"},
		{"''+A", "'''+A"},
		{"'hello", "'hello"},
		{"'", "'"},
		{"'-2.5", "'-2.5"},
	} {
		if got := Cell(tc.in); got != tc.want {
			t.Errorf("Cell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestWriterRoundTrip(t *testing.T) {
	var b bytes.Buffer
	w := NewWriter(&b)
	in := []string{"=1+1", "-2.5", `a,"b"`, "line\nbreak"}
	if err := w.Write(in); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	if in[0] != "=1+1" {
		t.Errorf("Write modified its record: %q", in[0])
	}
	got, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"'=1+1", "-2.5", `a,"b"`, "line\nbreak"}
	if len(got) != 1 || len(got[0]) != len(want) {
		t.Fatalf("read back %q", got)
	}
	for i := range want {
		if got[0][i] != want[i] {
			t.Errorf("cell %d = %q, want %q", i, got[0][i], want[i])
		}
	}
}

// TestUncell: what Cell writes, Uncell reads back; texts Cell leaves alone
// come back as they are.
func TestUncell(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"'=1+1", "=1+1"},
		{"'+A", "+A"},
		{"''+A", "'+A"},
		{"'''+A", "''+A"},
		{"'hello", "'hello"},
		{"'", "'"},
		{"''", "''"},
		{"'-2.5", "'-2.5"},
		{"-2.5", "-2.5"},
		{"Jansen", "Jansen"},
		{"", ""},
	} {
		if got := Uncell(tc.in); got != tc.want {
			t.Errorf("Uncell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzCellRoundTrip: Uncell(Cell(s)) == s, and Cell's output never starts
// a formula (a formula character first, unless a plain decimal number).
func FuzzCellRoundTrip(f *testing.F) {
	for _, s := range []string{"", "=1", "'+A", "''=x", "-2.5", "-", "'", "@a", "\t=1", "Jansen"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := Cell(s)
		if got := Uncell(c); got != s {
			t.Fatalf("Uncell(Cell(%q)) = %q (Cell gave %q)", s, got, c)
		}
		if c != "" && (c[0] == '=' || c[0] == '@' || c[0] == '\t' || c[0] == '\r' ||
			((c[0] == '+' || c[0] == '-') && !isDecimal(c))) {
			t.Fatalf("Cell(%q) = %q starts a formula", s, c)
		}
	})
}
