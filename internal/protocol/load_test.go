package protocol

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// minimal is a small valid protocol file; the table below breaks one field
// at a time.
const minimal = `id: clinic-test
title: "A clinic's test protocol"
references:
  "001": {seed: 001_db080c63fd53018a.txt, citation: "Chitneni 2021"}
evidence: [schwartzman-2009]
drug: {value: racemic, source: "001 Table 1"}
care_area: {value: outpatient, source: "001 Table 1"}
regimens:
  - name: standard
    kind: sessions
    sessions: {value: 10, source: "001 Table 1"}
    calendar: {value: consecutive, source: "001 Table 1"}
    session_length: {value: 4h, source: "001 Table 1"}
    doses:
      - name: ketamine infusion
        kind: infusion
        dose: {value: 0.35mg/kg/h, source: "001 Table 1"}
premedication_note: "none stated"
`

func TestParseMinimal(t *testing.T) {
	p, err := Parse("clinic-test.yaml", []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != "clinic-test" || p.Regimens[0].Doses[0].Dose.Value != "0.35mg/kg/h" {
		t.Errorf("parsed %+v", p)
	}
}

func TestParseErrorsNameFileFieldReason(t *testing.T) {
	tests := []struct {
		name, old, new, want string
	}{
		{"dose without unit", "0.35mg/kg/h", "0.35", "regimens[0].doses[0].dose.value: \"0.35\" is not a ketamine dose: a number without a unit"},
		{"missing source", `dose: {value: 0.35mg/kg/h, source: "001 Table 1"}`, `dose: {value: 0.35mg/kg/h}`, "regimens[0].doses[0].dose.source: missing source"},
		{"unknown reference", `dose: {value: 0.35mg/kg/h, source: "001 Table 1"}`, `dose: {value: 0.35mg/kg/h, source: "999 Table 1"}`, "does not start with a reference key"},
		{"undeclared key", `dose: {value: 0.35mg/kg/h, source: "001 Table 1"}`, `dose: {unspecified: rate}`, "regimens[0].doses[0].dose.unspecified: key \"rate\" is not listed"},
		{"misspelt field", "session_length:", "session_lenght:", "field session_lenght not found"},
		{"bad drug", "value: racemic", "value: ketamine", "drug.value: \"ketamine\" is not one of racemic, s-ketamine"},
		{"bad care area", "value: outpatient", "value: home", "care_area.value"},
		{"bad calendar", "value: consecutive", "value: fortnightly", "calendar.value"},
		{"session too long", "value: 4h,", "value: 30h,", "at most 24 h"},
		{"zero sessions", "value: 10,", "value: 0,", "sessions.value: \"0\" is not a whole number from 1"},
		{"bolus as rate", "kind: infusion", "kind: bolus", "is a rate: a bolus is an amount"},
		{"bad kind", "kind: sessions", "kind: daily", "regimens[0].kind"},
		{"bad id", "id: clinic-test", "id: Clinic Test", "id: \"Clinic Test\" is not a lower-case id"},
		{"unknown evidence", "[schwartzman-2009]", "[nobody-1999]", "evidence[0]: \"nobody-1999\" is not in the evidence library"},
		{"pump rate as dose", "0.35mg/kg/h", "25mL/h", "is a pump rate"},
		{"two documents", "premedication_note: \"none stated\"\n", "premedication_note: \"none stated\"\n---\nid: x\n", "more than one document"},
		{"value and unspecified", `dose: {value: 0.35mg/kg/h, source: "001 Table 1"}`, `dose: {value: 0.35mg/kg/h, source: "001 Table 1", unspecified: x}`, "has both a value and unspecified"},
		{"not yaml", "id: clinic-test", "id: [", "(yaml)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := strings.Replace(minimal, tt.old, tt.new, 1)
			if data == minimal {
				t.Fatalf("replacement %q not found", tt.old)
			}
			_, err := Parse("clinic-test.yaml", []byte(data))
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.HasPrefix(err.Error(), "clinic-test.yaml: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q\nwant it to start with the file and contain %q", err, tt.want)
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Errorf("error is not a *FieldError: %T", err)
			}
		})
	}
}

func TestUnusedUnspecifiedKeyIsAnError(t *testing.T) {
	data := minimal + "unspecified:\n  - key: spare\n    question: \"never used\"\n    choices: []\n"
	_, err := Parse("clinic-test.yaml", []byte(data))
	if err == nil || !strings.Contains(err.Error(), `key "spare" is listed but no field uses it`) {
		t.Errorf("err = %v", err)
	}
}

func TestAddDir(t *testing.T) {
	lib, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "clinic-test.yaml"), []byte(minimal), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "README.txt"), []byte("not a protocol"), 0o600); err != nil {
		t.Fatal(err)
	}
	l2, err := lib.AddDir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := l2.Lookup("clinic-test"); !ok {
		t.Error("clinic protocol not added")
	}
	if _, ok := lib.Lookup("clinic-test"); ok {
		t.Error("AddDir changed the built-in library")
	}
	if len(l2.Protocols()) != len(lib.Protocols())+1 {
		t.Errorf("%d protocols after adding one to %d", len(l2.Protocols()), len(lib.Protocols()))
	}

	// A clinic cannot replace a cited protocol, and a file must be named after its ID.
	for name, body := range map[string]string{
		"goldberg-2005.yaml": strings.Replace(minimal, "id: clinic-test", "id: goldberg-2005", 1),
		"other.yaml":         minimal,
	} {
		d := t.TempDir()
		if err := os.WriteFile(filepath.Join(d, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := lib.AddDir(context.Background(), d)
		if err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), ": id: ") {
			t.Errorf("%s: err = %v, want an error naming the file and the id field", name, err)
		}
	}
	if _, err := lib.AddDir(context.Background(), filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing directory was accepted")
	}
}

// FuzzParse feeds the loader arbitrary bytes, seeded with every built-in
// protocol file: it must never panic, and a file it accepts must expand or
// report what is missing without panicking.
func FuzzParse(f *testing.F) {
	entries, err := builtinFS.ReadDir("data")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		data, err := builtinFS.ReadFile("data/" + e.Name())
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(minimal))
	f.Add([]byte("id: x\nregimens: [{kind: continuous, doses: [{kind: pulses}]}]"))
	f.Add([]byte("{}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		_, _ = Expand(p, Request{Weight: mustWeight(t, "70kg")})
	})
}

// FuzzParseValues feeds the value parsers (doses, steps, durations,
// medication doses, ranges) arbitrary text: no panics, and an accepted dose
// prints as something that parses to the same value.
func FuzzParseValues(f *testing.F) {
	for _, s := range []string{"0.35mg/kg/h", "40mg", "0.5mg/kg", "22.2mg/h/70kg", "50mg/day", "+5mg", "320mg,360mg", "linear", "4.5d", "3wk", "4h30min", "2mg to 4mg", "1.5mcg/kg/h", "1mg/kg to 1.5mg/kg", "25mL/h", "93%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if q, err := parseDose("dose", s); err == nil {
			if q.fam.isRate() && !(q.v > 0) {
				t.Fatalf("%q: accepted a non-positive rate %v", s, q.v)
			}
			back, err := parseDose("dose", q.with(q.v).String())
			if err != nil || back.fam != q.fam || !close(back.v, q.v) {
				t.Fatalf("%q printed as %q reads back as %v (%v)", s, q.with(q.v).String(), back, err)
			}
		}
		_, _ = parseStep(s)
		_, _ = parseDuration("d", s)
		_, _ = parseDays(s)
		_, _ = parseMedDose(s)
		_, _ = parseRange(s)
		_, _ = parseThreshold("spo2", s)
		_, _ = parseThreshold("ketamine_rate", s)
	})
}

func close(a, b float64) bool {
	d := a - b
	if d < 0 {
		d = -d
	}
	return d <= 1e-11*max(a, b, 1e-300)
}
