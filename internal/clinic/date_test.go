package clinic

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want Date
		ok   bool
	}{
		{"1980-03-14", Date{1980, 3, 14}, true},
		{"2024-02-29", Date{2024, 2, 29}, true}, // leap year
		{"2023-02-29", Date{}, false},           // not a leap year
		{"14/03/1980", Date{}, false},           // day-first: ambiguous, refused
		{"03/14/1980", Date{}, false},
		{"1980-3-14", Date{}, false},
		{"1980-03-14T00:00:00Z", Date{}, false},
		{"", Date{}, false},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseDate(%q) = %v, %v", tt.in, got, err)
		}
	}
}

func TestDateArithmetic(t *testing.T) {
	d := Date{2024, 2, 28}
	if got := d.AddDays(1); got != (Date{2024, 2, 29}) {
		t.Errorf("AddDays(1) = %v", got)
	}
	if got := d.AddDays(2).DaysSince(d); got != 2 {
		t.Errorf("DaysSince = %d", got)
	}
	// Ages: the birthday itself counts, the day before does not.
	birth := Date{1980, 3, 14}
	for _, tt := range []struct {
		on   Date
		want int
	}{{Date{2020, 3, 13}, 39}, {Date{2020, 3, 14}, 40}, {Date{2021, 1, 1}, 40}} {
		if got := tt.on.YearsSince(birth); got != tt.want {
			t.Errorf("age on %v = %d, want %d", tt.on, got, tt.want)
		}
	}
}

func TestDateJSON(t *testing.T) {
	b, _ := json.Marshal(struct{ D, Z Date }{D: Date{1999, 12, 31}})
	if string(b) != `{"D":"1999-12-31","Z":null}` {
		t.Errorf("marshal: %s", b)
	}
	var v struct{ D Date }
	if err := json.Unmarshal([]byte(`{"D":"31.12.1999"}`), &v); err == nil {
		t.Error("a dotted date was accepted")
	}
	if err := json.Unmarshal([]byte(`{"D":19991231}`), &v); err == nil {
		t.Error("a number was accepted as a date")
	}
}

// FuzzParseDate: whatever ParseDate accepts prints back to itself.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"1980-03-14", "2024-02-29", "0000-01-01", "9999-12-31", "1980-13-01", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			return
		}
		if d.String() != s {
			t.Errorf("ParseDate(%q) = %v, prints as %q", s, d, d.String())
		}
		if back, err := ParseDate(d.String()); err != nil || back != d {
			t.Errorf("round trip of %q: %v %v", s, back, err)
		}
	})
}

// TestDateStringMatchesTimeFormat: String writes what time.Format writes for
// the same day (every day of years 1 to 9999 in steps, and the edges), and
// what Sprintf writes outside the four-digit years.
func TestDateStringMatchesTimeFormat(t *testing.T) {
	for tm := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC); tm.Year() <= 9999; tm = tm.AddDate(0, 0, 37) {
		if got, want := DateOf(tm).String(), tm.Format(time.DateOnly); got != want {
			t.Fatalf("%v: String %q, Format %q", tm, got, want)
		}
	}
	for _, tm := range []time.Time{time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)} {
		if got, want := DateOf(tm).String(), tm.Format(time.DateOnly); got != want {
			t.Errorf("%v: String %q, Format %q", tm, got, want)
		}
	}
	for _, d := range []Date{{10000, 1, 2}, {-5, 3, 4}, {0, 1, 1}} {
		if got, want := d.String(), fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day); got != want {
			t.Errorf("%+v: String %q, want %q", d, got, want)
		}
	}
}
