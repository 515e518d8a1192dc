package opioid

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/ketatrack/ketatrack/internal/units"
)

// oral builds an oral regimen of n × dose.
func oral(o Opioid, dose string, n int) Regimen {
	m, err := units.ParseMass("dose", dose)
	if err != nil {
		panic(err)
	}
	return Regimen{Opioid: o, Route: Oral, DoseEach: &m, TimesPerDay: n}
}

// patch builds a transdermal regimen.
func patch(o Opioid, rate string) Regimen {
	r, err := units.ParseDoseRate("rate", rate)
	if err != nil {
		panic(err)
	}
	return Regimen{Opioid: o, Route: Transdermal, PatchRate: &r}
}

const tol = 1e-9 // relative; the products are exact to a few ulps

func TestConvert(t *testing.T) {
	cases := []struct {
		name  string
		r     Regimen
		table Table
		want  float64 // MME/day; NaN = not converted
		why   string
	}{
		// CDC 2022 table footnote, worked examples: "hydrocodone 5 mg ...
		// four times a day ... equivalent to 20 MME daily"; "oxycodone 10 mg
		// ... twice a day ... equivalent to 30 MME daily".
		{"CDC 2022 example: hydrocodone 5 mg QID", oral(Hydrocodone, "5mg", 4), CDC2022, 20, ""},
		{"CDC 2022 example: oxycodone ER 10 mg BID", oral(Oxycodone, "10mg", 2), CDC2022, 30, ""},
		// Hand products of dose × times × the table's factor.
		{"fentanyl patch 25 mcg/h: 25 × 2.4", patch(Fentanyl, "25mcg/h"), CDC2022, 60, ""},
		{"fentanyl patch 12 mcg/h, 2016: 12 × 2.4", patch(Fentanyl, "12mcg/h"), CDC2016, 28.8, ""},
		{"hydromorphone 4 mg QID, 2022: 16 × 5", oral(Hydromorphone, "4mg", 4), CDC2022, 80, ""},
		{"hydromorphone 4 mg QID, 2016: 16 × 4", oral(Hydromorphone, "4mg", 4), CDC2016, 64, ""},
		{"codeine 30 mg QID: 120 × 0.15", oral(Codeine, "30mg", 4), CDC2022, 18, ""},
		{"tramadol 50 mg QID, 2022: 200 × 0.2", oral(Tramadol, "50mg", 4), CDC2022, 40, ""},
		{"tapentadol 50 mg BID: 100 × 0.4", oral(Tapentadol, "50mg", 2), CDC2022, 40, ""},
		{"oxymorphone 5 mg BID: 10 × 3", oral(Oxymorphone, "5mg", 2), CDC2022, 30, ""},
		{"morphine 15 mg TID: 45 × 1", oral(Morphine, "15mg", 3), CDC2022, 45, ""},
		{"dose in mcg converts exactly: 5000 mcg hydrocodone QID", oral(Hydrocodone, "5000mcg", 4), CDC2022, 20, ""},
		{"methadone 10 mg TID, 2022: 30 × 4.7", oral(Methadone, "10mg", 3), CDC2022, 141, ""},
		// 2016 methadone tiers; the factors at 10, 30, 50 and 70 mg/day
		// (4, 8, 10, 12) are CDC's own FHIR IG test expectations
		// (cqframework/opioid-mme-r4 ConversionFactorsTests.cql).
		{"methadone 10 mg/day, 2016 tier × 4", oral(Methadone, "10mg", 1), CDC2016, 40, ""},
		{"methadone 20 mg/day, top of tier 1 × 4", oral(Methadone, "10mg", 2), CDC2016, 80, ""},
		{"methadone 21 mg/day, tier 2 × 8", oral(Methadone, "7mg", 3), CDC2016, 168, ""},
		{"methadone 30 mg/day × 8", oral(Methadone, "10mg", 3), CDC2016, 240, ""},
		{"methadone 50 mg/day × 10", oral(Methadone, "25mg", 2), CDC2016, 500, ""},
		{"methadone 60 mg/day, top of tier 3 × 10", oral(Methadone, "20mg", 3), CDC2016, 600, ""},
		{"methadone 70 mg/day × 12", oral(Methadone, "35mg", 2), CDC2016, 840, ""},
		{"methadone 20.5 mg/day: between 2016 tiers", oral(Methadone, "20.5mg", 1), CDC2016, math.NaN(), "give no factor for 20.5mg/day"},
		{"methadone 0.5 mg/day: below 2016 tiers", oral(Methadone, "0.5mg", 1), CDC2016, math.NaN(), "give no factor"},
		{"tramadol not in the 2016 table", oral(Tramadol, "50mg", 4), CDC2016, math.NaN(), "not in the CDC 2016"},
		{"buprenorphine patch: shown, never converted", patch(Buprenorphine, "10mcg/h"), CDC2022, math.NaN(), "partial agonist"},
		{"buprenorphine sublingual: never converted", oral(Buprenorphine, "8mg", 2), CDC2022, math.NaN(), "partial agonist"},
		{"morphine by another route", Regimen{Opioid: Morphine, Route: OtherRoute, DoseEach: oral(Morphine, "10mg", 1).DoseEach, TimesPerDay: 4}, CDC2022, math.NaN(), "oral opioids and transdermal fentanyl only"},
		{"fentanyl not by patch", Regimen{Opioid: Fentanyl, Route: Oral, DoseEach: oral(Fentanyl, "0.1mg", 1).DoseEach, TimesPerDay: 1}, CDC2022, math.NaN(), "transdermal patches"},
		{"other opioid", Regimen{Opioid: Other, Name: "meperidine", Route: Oral, DoseEach: oral(Morphine, "50mg", 1).DoseEach, TimesPerDay: 4}, CDC2022, math.NaN(), "meperidine is not in"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := Convert(c.r, c.table)
			if err != nil {
				t.Fatal(err)
			}
			if f.Table != c.table || f.TableTitle == "" || f.Source == "" {
				t.Errorf("figure without its table: %+v", f)
			}
			if math.IsNaN(c.want) {
				if f.Converted || f.MMEPerDay != nil {
					t.Fatalf("converted to %v, want not converted", *f.MMEPerDay)
				}
				if !strings.Contains(f.Note, c.why) {
					t.Errorf("note %q lacks %q", f.Note, c.why)
				}
				return
			}
			if !f.Converted || f.MMEPerDay == nil {
				t.Fatalf("not converted: %s", f.Note)
			}
			if got := *f.MMEPerDay; math.Abs(got-c.want) > tol*c.want {
				t.Errorf("MME/day %v, want %v", got, c.want)
			}
		})
	}
}

func TestFigureString(t *testing.T) {
	f, err := Convert(oral(Oxycodone, "10mg", 2), CDC2022)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.String(), "oxycodone 20mg/day = 30 MME/day (CDC 2022 MME conversion factors)"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	f, _ = Convert(patch(Buprenorphine, "10mcg/h"), CDC2022)
	if got := f.String(); !strings.Contains(got, "buprenorphine 10mcg/h: not converted") || !strings.Contains(got, "CDC 2022") {
		t.Errorf("%q", got)
	}
}

func TestSummarize(t *testing.T) {
	regs := []Regimen{oral(Hydrocodone, "5mg", 4), oral(Oxycodone, "10mg", 2), patch(Fentanyl, "25mcg/h")}
	s, err := Summarize(regs, CDC2022)
	if err != nil {
		t.Fatal(err)
	}
	// 20 + 30 + 60 (the figures of TestConvert).
	if !s.Complete || math.Abs(s.TotalMMEPerDay-110) > tol*110 || len(s.Figures) != 3 || len(s.Cautions) == 0 {
		t.Errorf("summary %+v", s)
	}
	s, err = Summarize(append(regs, patch(Buprenorphine, "5mcg/h")), CDC2022)
	if err != nil {
		t.Fatal(err)
	}
	if s.Complete || math.Abs(s.TotalMMEPerDay-110) > tol*110 || len(s.NotConverted) != 1 || s.NotConverted[0] != "buprenorphine" {
		t.Errorf("with buprenorphine: %+v", s)
	}
	for _, f := range s.Figures {
		if f.Table != CDC2022 {
			t.Errorf("figure table %s", f.Table)
		}
	}
	// No opioids: zero, complete.
	s, err = Summarize(nil, CDC2016)
	if err != nil || s.TotalMMEPerDay != 0 || !s.Complete || s.Table != CDC2016 {
		t.Errorf("empty: %+v %v", s, err)
	}
}

func TestRegimenValidate(t *testing.T) {
	mgh, _ := units.ParseDoseRate("", "0.025mg/h")
	perKg, _ := units.ParseDoseRate("", "1mcg/kg/h")
	five := oral(Morphine, "5mg", 1).DoseEach
	zero := units.Milligrams(0)
	cases := []struct {
		name  string
		r     Regimen
		table Table
		field string
	}{
		{"unknown opioid", Regimen{Opioid: "heroin", Route: Oral, DoseEach: five, TimesPerDay: 1}, CDC2022, "regimens[0].opioid"},
		{"other without name", Regimen{Opioid: Other, Route: Oral, DoseEach: five, TimesPerDay: 1}, CDC2022, "regimens[0].name"},
		{"no route", Regimen{Opioid: Morphine, DoseEach: five, TimesPerDay: 1}, CDC2022, "regimens[0].route"},
		{"no dose", Regimen{Opioid: Morphine, Route: Oral, TimesPerDay: 1}, CDC2022, "regimens[0].dose_each"},
		{"zero dose", Regimen{Opioid: Morphine, Route: Oral, DoseEach: &zero, TimesPerDay: 1}, CDC2022, "regimens[0].dose_each"},
		{"no times per day", Regimen{Opioid: Morphine, Route: Oral, DoseEach: five}, CDC2022, "regimens[0].times_per_day"},
		{"patch rate on a tablet", Regimen{Opioid: Morphine, Route: Oral, DoseEach: five, TimesPerDay: 1, PatchRate: &mgh}, CDC2022, "regimens[0].patch_rate"},
		{"patch without rate", Regimen{Opioid: Fentanyl, Route: Transdermal}, CDC2022, "regimens[0].patch_rate"},
		{"patch in mg/h (mg/mcg mix-up risk)", Regimen{Opioid: Fentanyl, Route: Transdermal, PatchRate: &mgh}, CDC2022, "regimens[0].patch_rate"},
		{"patch per kg", Regimen{Opioid: Fentanyl, Route: Transdermal, PatchRate: &perKg}, CDC2022, "regimens[0].patch_rate"},
		{"patch with a dose", Regimen{Opioid: Fentanyl, Route: Transdermal, PatchRate: patch(Fentanyl, "25mcg/h").PatchRate, DoseEach: five}, CDC2022, "regimens[0].dose_each"},
		{"unknown table", oral(Morphine, "5mg", 1), "who-2019", "table"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Summarize([]Regimen{c.r}, c.table)
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != c.field {
				t.Fatalf("err = %v, want field %s", err, c.field)
			}
		})
	}
}

func TestRegimenJSON(t *testing.T) {
	// Doses travel as quantities with units; a bare number is refused.
	var r Regimen
	if err := json.Unmarshal([]byte(`{"opioid":"oxycodone","route":"oral","dose_each":"10mg","times_per_day":2}`), &r); err != nil {
		t.Fatal(err)
	}
	f, err := Convert(r, DefaultTable)
	if err != nil || *f.MMEPerDay != 30 {
		t.Fatalf("%+v %v", f, err)
	}
	raw, _ := json.Marshal(r)
	if !strings.Contains(string(raw), `"dose_each":"10mg"`) {
		t.Errorf("marshalled %s", raw)
	}
	if err := json.Unmarshal([]byte(`{"opioid":"oxycodone","route":"oral","dose_each":"10","times_per_day":2}`), &r); err == nil {
		t.Error("a dose without a unit was accepted")
	}
	r = Regimen{}
	if err := json.Unmarshal([]byte(`{"opioid":"fentanyl","route":"transdermal","patch_rate":"25mcg/h"}`), &r); err != nil {
		t.Fatal(err)
	}
	if f, err := Convert(r, CDC2022); err != nil || *f.MMEPerDay != 60 {
		t.Fatalf("%+v %v", f, err)
	}
}

func TestTablesComplete(t *testing.T) {
	for name, info := range Tables {
		if info.Source == "" || info.Title == "" || info.Table != name {
			t.Errorf("table %s: %+v", name, info)
		}
		if _, ok := factors[name]; !ok {
			t.Errorf("table %s has no factors", name)
		}
	}
	// Buprenorphine has a factor in no table (CDC 2022).
	for name := range factors {
		if _, ok := factors[name][Buprenorphine]; ok {
			t.Errorf("buprenorphine has a factor in %s", name)
		}
	}
	for _, o := range Opioids {
		if o != Other && RxNormIngredient[o] == "" {
			t.Errorf("no RxNorm code for %s", o)
		}
	}
}

// FuzzConvert feeds arbitrary JSON regimens: conversion never panics, every
// figure names its table, and a converted figure equals daily amount × factor.
func FuzzConvert(f *testing.F) {
	f.Add([]byte(`{"opioid":"hydrocodone","route":"oral","dose_each":"5mg","times_per_day":4}`), true)
	f.Add([]byte(`{"opioid":"methadone","route":"oral","dose_each":"20.5mg","times_per_day":1}`), false)
	f.Add([]byte(`{"opioid":"fentanyl","route":"transdermal","patch_rate":"25mcg/h"}`), true)
	f.Fuzz(func(t *testing.T, raw []byte, use2022 bool) {
		var r Regimen
		if json.Unmarshal(raw, &r) != nil {
			return
		}
		table := CDC2016
		if use2022 {
			table = CDC2022
		}
		fig, err := Convert(r, table)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field == "" {
				t.Fatalf("error without a field: %v", err)
			}
			return
		}
		if fig.Table != table {
			t.Fatalf("figure table %s", fig.Table)
		}
		if !fig.Converted {
			if fig.MMEPerDay != nil || fig.Note == "" {
				t.Fatalf("unconverted figure %+v", fig)
			}
			return
		}
		amount := 0.0
		if r.Route == Transdermal {
			amount = r.PatchRate.Value()
		} else {
			amount = r.DoseEach.Milligrams() * float64(r.TimesPerDay)
		}
		if want := amount * fig.Factor; *fig.MMEPerDay != want || !(want >= 0) {
			t.Fatalf("MME %v, want %v", *fig.MMEPerDay, want)
		}
	})
}
