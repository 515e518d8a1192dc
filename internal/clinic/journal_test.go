package clinic_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/opioid"
	"github.com/ketatrack/ketatrack/internal/outcomes"
	"github.com/ketatrack/ketatrack/internal/units"
)

// PHQ-9 totals and bands: Kroenke et al., J Gen Intern Med 2001;16:606–13,
// Abstract: "PHQ-9 scores of 5, 10, 15, and 20 represented mild, moderate,
// moderately severe, and severe depression"; items scored 0–3, total 0–27.
func TestPHQ9Scoring(t *testing.T) {
	for _, c := range []struct {
		items    [9]int
		total    int
		severity string
		selfHarm bool
	}{
		{[9]int{}, 0, "none or minimal", false},
		{[9]int{1, 1, 1, 1, 0, 0, 0, 0, 0}, 4, "none or minimal", false},
		{[9]int{1, 1, 1, 1, 1, 0, 0, 0, 0}, 5, "mild", false},
		{[9]int{2, 2, 2, 1, 1, 1, 0, 0, 0}, 9, "mild", false},
		{[9]int{2, 2, 2, 2, 1, 1, 0, 0, 0}, 10, "moderate", false},
		{[9]int{2, 2, 2, 2, 2, 2, 2, 0, 1}, 15, "moderately severe", true},
		{[9]int{3, 3, 3, 3, 2, 2, 2, 1, 0}, 19, "moderately severe", false},
		{[9]int{3, 3, 3, 3, 3, 2, 2, 1, 0}, 20, "severe", false},
		{[9]int{3, 3, 3, 3, 3, 3, 3, 3, 3}, 27, "severe", true},
	} {
		q := clinic.PHQ9{Items: c.items}
		if err := q.Validate(); err != nil {
			t.Fatal(err)
		}
		if q.Total() != c.total || q.Severity() != c.severity || q.SelfHarm() != c.selfHarm {
			t.Errorf("%v: total %d %q self-harm %v; want %d %q %v", c.items, q.Total(), q.Severity(), q.SelfHarm(), c.total, c.severity, c.selfHarm)
		}
		back, err := clinic.ParsePHQ9Items(q.String())
		if err != nil || back.Items != q.Items {
			t.Errorf("round trip of %q: %v %v", q.String(), back.Items, err)
		}
	}
	bad := clinic.PHQ9{Items: [9]int{0, 0, 4}}
	if err := bad.Validate(); clinic.ErrorField(err) != "phq9_3" {
		t.Errorf("item 3 = 4: %v", err)
	}
	if len(clinic.PHQ9Items) != 9 || !strings.Contains(clinic.PHQ9Items[8], "better off dead") {
		t.Errorf("item 9 is the self-harm question")
	}
}

func TestParseCenti(t *testing.T) {
	for _, c := range []struct {
		in   string
		want clinic.Centi
		ok   bool
	}{
		{"", clinic.MissingCenti, true}, {"7", 700, true}, {"7.5", 750, true}, {"6.25", 625, true}, {" 8 ", 800, true},
		{"24", 2400, true}, {"24.01", 0, false}, {"7.125", 0, false}, {"-1", 0, false}, {"7,5", 0, false},
		{"1e1", 0, false}, {".5", 0, false}, {"5.", 0, false}, {"NaN", 0, false},
	} {
		got, err := clinic.ParseCenti(c.in, 2400)
		if (err == nil) != c.ok || (c.ok && got != c.want) {
			t.Errorf("ParseCenti(%q) = %v, %v", c.in, got, err)
		}
	}
}

// An entry survives its JSON form (the version history keeps entries so).
func TestJournalEntryJSONRoundTrip(t *testing.T) {
	e := clinic.NewJournalEntry(7, clinic.Date{Year: 2026, Month: 3, Day: 10})
	e.Day, e.HasDay = 4, true
	e.Scores[outcomes.PainWorst] = 875
	e.Scores[outcomes.ReliefPct] = 4361
	e.SleepHours = 625
	d := 2
	e.PHQ9 = &clinic.PHQ9{Items: [9]int{1, 2, 0, 0, 1, 0, 0, 0, 1}, Difficulty: &d}
	m := units.Milligrams(10)
	e.Opioids = []opioid.Regimen{{Opioid: opioid.Oxycodone, Route: opioid.Oral, DoseEach: &m, TimesPerDay: 2}}
	e.Note = "line one\nline two"
	if _, err := e.ComputeMME(); err != nil {
		t.Fatal(err)
	}
	// Oxycodone ER 10 mg twice a day is 30 MME/day: CDC 2022's worked
	// example (shared/CLINICAL.md).
	if e.MME.TotalMMEPerDay != 30 {
		t.Errorf("MME %v, want 30", e.MME.TotalMMEPerDay)
	}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	var flat map[string]any
	if err := json.Unmarshal(b, &flat); err != nil {
		t.Fatal(err)
	}
	if flat["pain_worst"] != 8.75 || flat["relief_pct"] != 43.61 || flat["pain_now"] != nil || flat["day"] != 4.0 || flat["sleep_hours"] != 6.25 {
		t.Errorf("JSON %s", b)
	}
	var back clinic.JournalEntry
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Scores != e.Scores || back.Day != 4 || !back.HasDay || back.SleepHours != 625 || back.Note != e.Note ||
		back.PHQ9.Total() != 5 || *back.PHQ9.Difficulty != 2 || back.Opioids[0].DoseEach.Milligrams() != 10 {
		t.Errorf("round trip %+v", back)
	}
}

func TestJournalInput(t *testing.T) {
	for _, c := range []struct {
		body, field string
	}{
		{`{"pain_now": 7, "relief_pct": 43.61, "sleep_hours": 6.5, "note": "x"}`, ""},
		{`{"pain_now": null}`, ""},
		{`{"pain_now": 10.5}`, "pain_now"},
		{`{"punishing": 4.01}`, "punishing"},
		{`{"pain_now": 7.123}`, "pain_now"},
		{`{"pain_now": -1}`, "pain_now"},
		{`{"pain_now": 1e1}`, "pain_now"},
		{`{"pain_now": "7"}`, "pain_now"},
		{`{"painnow": 7}`, "painnow"},
		{`{"sleep_hours": 25}`, "sleep_hours"},
		{`{"date": "10/03/2026"}`, "date"},
		{`[1]`, "body"},
	} {
		var in clinic.JournalInput
		err := json.Unmarshal([]byte(c.body), &in)
		if err == nil {
			_, err = in.Entry(1)
		}
		if got := clinic.ErrorField(err); got != c.field || (c.field == "" && err != nil) {
			t.Errorf("%s: error %v (field %q), want field %q", c.body, err, got, c.field)
		}
	}
}

func TestJournalEntryValidate(t *testing.T) {
	e := clinic.NewJournalEntry(1, clinic.Date{Year: 2026, Month: 3, Day: 10})
	if err := e.Validate(); clinic.ErrorCode(err) != clinic.EINVALID {
		t.Errorf("an empty entry: %v", err)
	}
	e.Note = "only a note"
	if err := e.Validate(); err != nil {
		t.Errorf("a note alone: %v", err)
	}
	e.Note = "bell\x07"
	if err := e.Validate(); clinic.ErrorField(err) != "note" {
		t.Errorf("control character: %v", err)
	}
	e.Note = strings.Repeat("é", clinic.MaxJournalNote+1)
	if err := e.Validate(); clinic.ErrorField(err) != "note" {
		t.Errorf("long note: %v", err)
	}
}

func TestFunctionalMeasureUnits(t *testing.T) {
	m := clinic.FunctionalMeasure{Kind: clinic.MeasureWalk2Min, Value: "292", Unit: "ft"}
	// 292 ft × 0.3048 m/ft = 89.0016 m.
	if v, ok := m.Metres(); !ok || v < 89.0015999 || v > 89.0016001 {
		t.Errorf("292 ft = %v m", v)
	}
	m.Unit = "m"
	if v, _ := m.Metres(); v != 292 {
		t.Errorf("292 m = %v m", v)
	}
}

// FuzzJournalInput: any body either fails with an EINVALID error naming a
// field or gives an entry whose values are on their scales.
func FuzzJournalInput(f *testing.F) {
	for _, s := range []string{`{"pain_now": 7}`, `{"relief_pct": 43.61, "sleep_hours": 6.5}`, `{"phq9": {"items": [1,2,3,0,0,0,0,0,1]}}`,
		`{"opioids": [{"opioid": "oxycodone", "route": "oral", "dose_each": "5mg", "times_per_day": 3}]}`, `{"pain_now": 1e400}`, `{}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var in clinic.JournalInput
		err := json.Unmarshal([]byte(body), &in)
		var e *clinic.JournalEntry
		if err == nil {
			e, err = in.Entry(1)
		}
		if err != nil {
			return
		}
		for i, s := range e.Scores {
			if s != outcomes.Missing && (s < 0 || s > outcomes.Measure(i).Max()) {
				t.Fatalf("%s: %s = %v accepted", body, outcomes.Measure(i), s)
			}
		}
		if e.SleepHours != clinic.MissingCenti && (e.SleepHours < 0 || e.SleepHours > 2400) {
			t.Fatalf("%s: sleep %v accepted", body, e.SleepHours)
		}
		if err := e.Validate(); err != nil && clinic.ErrorCode(err) != clinic.EINVALID {
			t.Fatalf("%s: %v", body, err)
		}
	})
}

// FuzzParseCenti: what parses prints back to a number that parses to the
// same value.
func FuzzParseCenti(f *testing.F) {
	for _, s := range []string{"7", "7.5", "6.25", "", "24.00", "1e3", "-0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := clinic.ParseCenti(s, 100000)
		if err != nil || v == clinic.MissingCenti {
			return
		}
		back, err := clinic.ParseCenti(v.String(), 100000)
		if err != nil || back != v {
			t.Fatalf("%q → %v → %q → %v, %v", s, v, v.String(), back, err)
		}
	})
}

// FuzzParsePHQ9Items: accepted answers are nine values 0–3 that print back.
func FuzzParsePHQ9Items(f *testing.F) {
	f.Add("0,1,2,3,0,1,2,3,0")
	f.Add("0,1")
	f.Fuzz(func(t *testing.T, s string) {
		q, err := clinic.ParsePHQ9Items(s)
		if err != nil {
			return
		}
		if q.Validate() != nil || q.Total() < 0 || q.Total() > 27 {
			t.Fatalf("%q accepted as %v", s, q.Items)
		}
	})
}

// measureMonday is the clock of FuzzFunctionalMeasure: Monday 2026-01-05,
// 12:00 UTC, the day its measures are taken.
var measureMonday = time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)

// FuzzFunctionalMeasure: an accepted measure has a value in its bounds.
func FuzzFunctionalMeasure(f *testing.F) {
	f.Add("lci", "23", "/56", "")
	f.Add("walk_2min", "148", "ft", "")
	f.Add("tug", "42", "s", "")
	f.Add("rom", "35", "deg", "left wrist extension")
	f.Fuzz(func(t *testing.T, kind, value, unit, site string) {
		m := clinic.FunctionalMeasure{Kind: clinic.MeasureKind(kind), MeasuredOn: clinic.Date{Year: 2026, Month: 1, Day: 5},
			Value: value, Unit: unit, Site: site}
		if m.Validate(measureMonday) != nil {
			return
		}
		v := m.Number()
		if v < 0 || (m.Kind == clinic.MeasureLCI && v > 56) || (m.Kind == clinic.MeasureTUG && v <= 0) {
			t.Fatalf("%+v accepted", m)
		}
	})
}
