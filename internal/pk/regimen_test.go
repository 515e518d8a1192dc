package pk

import (
	"strings"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/units"
)

func TestParseRegimen(t *testing.T) {
	json := `{"drug": "racemic", "doses": [
	  {"start": "0h", "duration": "4h", "rate": "0.35mg/kg/h"},
	  {"start": "48h", "bolus": "0.5mg/kg"},
	  {"start": "72h", "duration": "100h", "rate": "22.2mg/h/70kg"},
	  {"start": "1h30min", "duration": "30min", "rate": "20mg/h"}]}`
	yaml := `drug: racemic
doses:
  - {start: 0h, duration: 4h, rate: 0.35mg/kg/h}
  - {start: 48h, bolus: 0.5mg/kg}
  - {start: 72h, duration: 100h, rate: 22.2mg/h/70kg}
  - start: 1h30min
    duration: 30min
    rate: 20mg/h
`
	for name, src := range map[string]string{"json": json, "yaml": yaml} {
		reg, err := ParseRegimen(strings.NewReader(src))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		doses, err := reg.Resolve(units.Kilograms(80))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// 0.35 mg/kg/h × 80 kg = 28 mg/h; 0.5 mg/kg × 80 kg = 40 mg;
		// 22.2 mg/h per 70 kg × 80/70 = 25.3714… mg/h (scaled linearly)
		want := []Dose{
			{Start: 0, Duration: 4 * time.Hour, RateMgH: 28},
			{Start: 48 * time.Hour, BolusMg: 40},
			{Start: 72 * time.Hour, Duration: 100 * time.Hour, RateMgH: 22.2 * 80 / 70},
			{Start: 90 * time.Minute, Duration: 30 * time.Minute, RateMgH: 20},
		}
		for i, d := range doses {
			w := want[i]
			if d.Start != w.Start || d.Duration != w.Duration || relErr(d.RateMgH, w.RateMgH) > 1e-12 || relErr(d.BolusMg, w.BolusMg) > 1e-12 {
				t.Errorf("%s: dose %d = %+v, want %+v", name, i, d, w)
			}
		}
	}
}

// Bad regimen files are refused with the field at fault named.
func TestParseRegimenErrors(t *testing.T) {
	for _, tc := range []struct{ src, field string }{
		{``, "empty"},
		{`{"doses": [{"start": "0h", "bolus": "10mg"}]}`, "drug"},
		{`{"drug": "propofol", "doses": [{"start": "0h", "bolus": "10mg"}]}`, "drug"},
		{`{"drug": "racemic"}`, "doses"},
		{`{"drug": "racemic", "doses": []}`, "doses"},
		{`{"drug": "racemic", "doses": [{"duration": "4h", "rate": "20mg/h"}]}`, "doses[0].start"},
		{`{"drug": "racemic", "doses": [{"start": "0", "duration": "4h", "rate": "20mg/h"}]}`, "doses[0].start"},
		{`{"drug": "racemic", "doses": [{"start": "0h", "duration": "4h", "rate": 0.35}]}`, "doses[0].rate"},
		{`{"drug": "racemic", "doses": [{"start": "0h", "duration": "4h", "rate": "0.35mg/kg"}]}`, "doses[0].rate"},
		{`{"drug": "racemic", "doses": [{"start": "0h", "duration": "4h", "rate": "-5mg/h"}]}`, "doses[0].rate"},
		{`{"drug": "racemic", "doses": [{"start": "0h", "duration": "0h", "rate": "5mg/h"}]}`, "doses[0].duration"},
		{`{"drug": "racemic", "doses": [{"start": "0h", "rate": "5mg/h"}]}`, "doses[0].duration"},
		{`{"drug": "racemic", "doses": [{"start": "0h", "duration": "4h"}]}`, "doses[0].rate"},
		{`{"drug": "racemic", "doses": [{"start": "0h", "bolus": "10mg/h"}]}`, "doses[0].bolus"},
		{`{"drug": "racemic", "doses": [{"start": "0h", "bolus": "10mg", "rate": "10mg/h", "duration": "1h"}]}`, "doses[0]"},
		{`{"drug": "racemic", "doses": [{"start": "0h", "bolus": "10mg", "speed": "fast"}]}`, "doses[0].speed"},
		{`{"drug": "racemic", "doses": [{"start": "0h", "bolus": "10mg"}], "patient": "x"}`, "patient"},
		{`{"drug": "racemic", "doses": [{"start": "99999h", "bolus": "10mg"}]}`, "doses[0].start"},
		{`{"drug": "racemic", "doses": [{"start": "0h", "bolus": "10mg"}, {"start": "1h", "bolus": "ten mg"}]}`, "doses[1].bolus"},
		{`drug: [racemic]`, "drug"},
	} {
		_, err := ParseRegimen(strings.NewReader(tc.src))
		if err == nil {
			t.Errorf("%q: accepted", tc.src)
			continue
		}
		if !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%q: error %q does not name %s", tc.src, err, tc.field)
		}
	}
}

func TestResolveRefusesPumpRate(t *testing.T) {
	reg, err := ParseRegimen(strings.NewReader(`{"drug": "racemic", "doses": [{"start": "0h", "duration": "4h", "rate": "25mL/h"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Resolve(units.Kilograms(70)); err == nil || !strings.Contains(err.Error(), "doses[0].rate") {
		t.Errorf("mL/h without a concentration: %v", err)
	}
}

// FuzzParseRegimen: the parser never panics, and what it accepts resolves
// to non-negative finite doses within the horizon.
func FuzzParseRegimen(f *testing.F) {
	for _, s := range []string{
		`{"drug": "racemic", "doses": [{"start": "0h", "duration": "4h", "rate": "0.35mg/kg/h"}, {"start": "48h", "bolus": "0.5mg/kg"}]}`,
		"drug: s-ketamine\ndoses:\n  - {start: 1h30min, duration: 100h, rate: 22.2mg/h/70kg}\n",
		`{"drug": "racemic", "doses": [{"start": "0h", "duration": "4h", "rate": "80mg/4h"}]}`,
		`{"drug": "racemic", "doses": [{"start": "0h", "bolus": 5}]}`,
		`{}`, `[]`, `null`, "drug: racemic\ndoses: {a: b}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		reg, err := ParseRegimen(strings.NewReader(s))
		if err != nil {
			return
		}
		doses, err := reg.Resolve(units.Kilograms(70))
		if err != nil {
			return
		}
		for _, d := range doses {
			if d.Start < 0 || d.Duration < 0 || !(d.RateMgH >= 0) || !(d.BolusMg >= 0) {
				t.Fatalf("accepted %q as %+v", s, d)
			}
			if d.Start+d.Duration > MaxHorizon*time.Hour {
				t.Fatalf("accepted %q beyond the horizon: %+v", s, d)
			}
		}
	})
}
