package protocol

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

func TestShowDose(t *testing.T) {
	// Expected texts are the inputs rounded by hand to 6 significant digits.
	tests := []struct{ in, want string }{
		{"44.4444444444mg over 4h", "44.4444mg over 4h"}, // 40 + 40/9 mg, Goldberg linear day 2
		{"0.35mg/kg/h", "0.35mg/kg/h"},                   // as written, fewer digits: unchanged
		{"40mg over 4h", "40mg over 4h"},                 // whole numbers untouched
		{"22.2mg/h/70kg", "22.2mg/h/70kg"},
		{"0.0216666666667mg/kg", "0.0216667mg/kg"}, // 0.02 + 0.13/6/... style small value
		{"123456789.55mg over 4h", "123456790mg over 4h"},
		{"135.123456mg over 2.333333333h, capped at 50.0000001mg/h", "135.123mg over 2.33333h, capped at 50mg/h"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := ShowDose(tt.in, ShownDigits); got != tt.want {
			t.Errorf("ShowDose(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestStepDoseShown checks that a computed titration step keeps its exact
// dose (12 significant digits, for the charting form and the JSON) and gets
// a display form to 6: Goldberg 003 linear from 40 mg to 80 mg over 10
// sessions steps by 40/9 mg, so session 2 is 44.444... mg over 4 h.
func TestStepDoseShown(t *testing.T) {
	pl := plan(t, "goldberg-2005", "71kg", "", map[string]string{"daily-step": "linear", "midazolam-route": "IV"})
	s := pl.Days[1].Steps[0]
	if s.Dose != "44.4444444444mg over 4h" {
		t.Errorf("exact dose %q, want 44.4444444444mg over 4h (12 significant digits)", s.Dose)
	}
	if s.DoseShown != "44.4444mg over 4h" {
		t.Errorf("shown dose %q, want 44.4444mg over 4h", s.DoseShown)
	}
	if !approx(s.AmountMg, 40+40.0/9) {
		t.Errorf("amount %v mg, want 40 + 40/9", s.AmountMg)
	}
	for _, d := range pl.Days {
		for _, s := range d.Steps {
			if s.DoseShown != ShowDose(s.Dose, ShownDigits) || len(s.DoseShown) > len(s.Dose) {
				t.Errorf("day %d: shown %q for %q", d.Day, s.DoseShown, s.Dose)
			}
		}
	}
	js, err := pl.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(js), `"dose":"44.4444444444mg over 4h"`) || strings.Contains(string(js), "44.4444mg over") {
		t.Errorf("JSON must keep the exact dose only: %s", js)
	}
}

// TestListStepOfWrongLength checks that a plain amount (a list of one) for a
// titration key names the key, the forms a step takes and the literature's
// choices, as the missing-key error does.
func TestListStepOfWrongLength(t *testing.T) {
	lib, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	p, _ := lib.Lookup("goldberg-2005")
	u, _ := p.UnspecifiedKey("daily-step")
	_, err = lib.Plan("goldberg-2005", Request{Weight: mustWeight(t, "71kg"), Settings: map[string]string{"daily-step": "10mg", "midazolam-route": "IV"}})
	var in *InputError
	if !errors.As(err, &in) {
		t.Fatalf("error %v, want an *InputError", err)
	}
	if in.Field != "--set daily-step" {
		t.Errorf("field %q, want --set daily-step", in.Field)
	}
	for _, want := range []string{
		"10mg is one dose but goldberg-2005 has 10 sessions", // 003: ten infusions
		"give linear, an increment +Nmg, none (the first dose at every session) or a list of 10 doses",
		u.describe(), // the missing-key error's own text for the key
		"Choices: linear, +5mg, +10mg",
		`ketatrack protocols show goldberg-2005`,
	} {
		if !strings.Contains(in.Reason, want) {
			t.Errorf("reason %q does not contain %q", in.Reason, want)
		}
	}
	missing := (&MissingError{Protocol: "goldberg-2005", Missing: []Missing{{u}}}).Error()
	if !strings.Contains(missing, u.describe()) {
		t.Errorf("the missing-key error %q no longer uses describe()", missing)
	}
}

// FuzzShowDose checks that ShowDose only ever shortens numbers: the text
// without digits and points is unchanged and the result is never longer.
func FuzzShowDose(f *testing.F) {
	for _, s := range []string{"44.4444444444mg over 4h", "0.35mg/kg/h", "1.5e3mg", "..1.2.3", "135mg, capped at 20.123456789mg/h"} {
		f.Add(s)
	}
	nonNum := regexp.MustCompile(`[0-9.]+`)
	f.Fuzz(func(t *testing.T, s string) {
		got := ShowDose(s, ShownDigits)
		if nonNum.ReplaceAllString(got, "#") != nonNum.ReplaceAllString(s, "#") {
			t.Errorf("ShowDose(%q) = %q changed more than numbers", s, got)
		}
		if len(got) > len(s) {
			t.Errorf("ShowDose(%q) = %q is longer", s, got)
		}
	})
}
