package units

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// relTol is the issue's bound on conversion error (issue 3: "exact to 1e-12
// relative").
const relTol = 1e-12

func near(got, want float64) bool {
	if got == want {
		return true
	}
	return math.Abs(got-want) <= relTol*math.Max(math.Abs(got), math.Abs(want))
}

func TestParseMass(t *testing.T) {
	// Expected values are the SI prefixes: g = 1000 mg, mcg = 1/1000 mg,
	// ng = 1/1e6 mg.
	tests := []struct {
		in     string
		mg     float64
		str    string
		unit   Unit
		ucum   string
		mcg, g float64
	}{
		{"80mg", 80, "80mg", Mg, "mg", 80000, 0.08},
		{"0.5g", 500, "0.5g", G, "g", 500000, 0.5},
		{"350mcg", 0.35, "350mcg", Mcg, "ug", 350, 0.00035},
		{"350µg", 0.35, "350mcg", Mcg, "ug", 350, 0.00035},
		{"350μg", 0.35, "350mcg", Mcg, "ug", 350, 0.00035}, // Greek mu
		{"350ug", 0.35, "350mcg", Mcg, "ug", 350, 0.00035},
		{"150ng", 0.00015, "150ng", Ng, "ng", 0.15, 1.5e-7},
		{" 40 MG ", 40, "40mg", Mg, "mg", 40000, 0.04},
		{"0mg", 0, "0mg", Mg, "mg", 0, 0},
		{"1.50mg", 1.5, "1.5mg", Mg, "mg", 1500, 0.0015},
	}
	for _, tt := range tests {
		m, err := ParseMass("amount", tt.in)
		if err != nil {
			t.Errorf("ParseMass(%q): %v", tt.in, err)
			continue
		}
		if !near(m.Milligrams(), tt.mg) || !near(m.Micrograms(), tt.mcg) || !near(m.Grams(), tt.g) {
			t.Errorf("ParseMass(%q) = %v mg %v mcg %v g, want %v %v %v", tt.in, m.Milligrams(), m.Micrograms(), m.Grams(), tt.mg, tt.mcg, tt.g)
		}
		if !near(m.Nanograms(), tt.mg*1e6) {
			t.Errorf("ParseMass(%q).Nanograms() = %v", tt.in, m.Nanograms())
		}
		if m.String() != tt.str || m.Unit() != tt.unit || m.Unit().UCUM() != tt.ucum {
			t.Errorf("ParseMass(%q) prints %q unit %q ucum %q, want %q %q %q", tt.in, m, m.Unit(), m.Unit().UCUM(), tt.str, tt.unit, tt.ucum)
		}
	}
}

func TestParseBodyWeight(t *testing.T) {
	// 1 lb = 0.45359237 kg exactly (NIST SP 811, appendix B.8).
	tests := []struct {
		in   string
		kg   float64
		str  string
		ucum string
	}{
		{"70kg", 70, "70kg", "kg"},
		{"154lb", 154 * 0.45359237, "154lb", "[lb_av]"},
		{"154 lbs", 69.85322498, "154lb", "[lb_av]"}, // 154 × 0.45359237 by hand
		{"3500g", 3.5, "3500g", "g"},
		{"70.5KG", 70.5, "70.5kg", "kg"},
	}
	for _, tt := range tests {
		w, err := ParseBodyWeight("--weight", tt.in)
		if err != nil {
			t.Errorf("ParseBodyWeight(%q): %v", tt.in, err)
			continue
		}
		if !near(w.Kilograms(), tt.kg) || w.String() != tt.str || w.Unit().UCUM() != tt.ucum {
			t.Errorf("ParseBodyWeight(%q) = %v kg %q %q, want %v %q %q", tt.in, w.Kilograms(), w, w.Unit().UCUM(), tt.kg, tt.str, tt.ucum)
		}
	}
	if p := Kilograms(0.45359237).Pounds(); !near(p, 1) {
		t.Errorf("0.45359237 kg = %v lb, want 1", p)
	}
	if p := Pounds(154).Pounds(); p != 154 {
		t.Errorf("Pounds(154).Pounds() = %v", p)
	}
}

func TestParseVolumeAndDuration(t *testing.T) {
	vols := []struct {
		in   string
		mL   float64
		ucum string
	}{
		{"500mL", 500, "mL"}, {"500ml", 500, "mL"}, {"0.5L", 500, "L"}, {"1 l", 1000, "L"},
	}
	for _, tt := range vols {
		v, err := ParseVolume("bag", tt.in)
		if err != nil || !near(v.Milliliters(), tt.mL) || v.Unit().UCUM() != tt.ucum || !near(v.Liters(), tt.mL/1000) {
			t.Errorf("ParseVolume(%q) = %v, %v", tt.in, v, err)
		}
	}
	durs := []struct {
		in  string
		h   float64
		str string
	}{
		{"4h", 4, "4h"},
		{"4hr", 4, "4h"},
		{"30min", 0.5, "30min"},
		{"90s", 0.025, "90s"},
		{"4h30min", 4.5, "4h30min"},
		{"4h 30min", 4.5, "4h30min"},
		{"1h15min30s", 1 + 15.0/60 + 30.0/3600, "1h15min30s"},
		{"0.5h", 0.5, "0.5h"},
		{"100h", 100, "100h"}, // Sigtermans 2009 infusion length (001)
		{"0h", 0, "0h"},
		{"45min", 0.75, "45min"},
	}
	for _, tt := range durs {
		d, err := ParseDuration("duration", tt.in)
		if err != nil {
			t.Errorf("ParseDuration(%q): %v", tt.in, err)
			continue
		}
		if !near(d.Hours(), tt.h) || d.String() != tt.str || !near(d.Minutes(), tt.h*60) || !near(d.Seconds(), tt.h*3600) {
			t.Errorf("ParseDuration(%q) = %v h %q, want %v %q", tt.in, d.Hours(), d, tt.h, tt.str)
		}
	}
	if got := Hours(4).Time().String(); got != "4h0m0s" {
		t.Errorf("Hours(4).Time() = %s", got)
	}
}

func TestParseConcentration(t *testing.T) {
	tests := []struct {
		in      string
		mgPerML float64
		str     string
		ucum    string
	}{
		// Goldberg 2005 (003): 80 mg in 500 mL = 0.16 mg/mL.
		{"80mg/500mL", 0.16, "80mg/500mL", "mg/mL"},
		{"80 mg / 500 mL", 0.16, "80mg/500mL", "mg/mL"},
		{"1mg/mL", 1, "1mg/mL", "mg/mL"},
		{"160mg/L", 0.16, "160mg/L", "mg/L"},
		{"160mcg/mL", 0.16, "160mcg/mL", "ug/mL"},
		{"160µg/mL", 0.16, "160mcg/mL", "ug/mL"},
		{"150ng/mL", 150e-6, "150ng/mL", "ng/mL"},
		{"0.16g/L", 0.16, "0.16g/L", "g/L"},
		{"0.5g/0.5L", 1, "0.5g/0.5L", "mg/mL"},
		{"10.5ng/mL", 10.5e-6, "10.5ng/mL", "ng/mL"}, // Dahan 2011 C50 (CLINICAL.md)
	}
	for _, tt := range tests {
		c, err := ParseConcentration("--concentration", tt.in)
		if err != nil {
			t.Errorf("ParseConcentration(%q): %v", tt.in, err)
			continue
		}
		if !near(c.MilligramsPerMilliliter(), tt.mgPerML) || c.String() != tt.str || c.Unit().UCUM() != tt.ucum {
			t.Errorf("ParseConcentration(%q) = %v mg/mL %q %q, want %v %q %q", tt.in, c.MilligramsPerMilliliter(), c, c.Unit().UCUM(), tt.mgPerML, tt.str, tt.ucum)
		}
		if !near(c.MilligramsPerLiter(), tt.mgPerML*1000) || !near(c.MicrogramsPerMilliliter(), tt.mgPerML*1000) || !near(c.NanogramsPerMilliliter(), tt.mgPerML*1e6) {
			t.Errorf("ParseConcentration(%q) other units wrong: %v mg/L %v mcg/mL %v ng/mL", tt.in, c.MilligramsPerLiter(), c.MicrogramsPerMilliliter(), c.NanogramsPerMilliliter())
		}
	}
	c, _ := ParseConcentration("c", "80mg/500mL")
	if m, v, ok := c.Amount(); !ok || m.Milligrams() != 80 || v.Milliliters() != 500 {
		t.Errorf("Amount() = %v %v %v", m, v, ok)
	}
	// The whole bag: 500 mL × 0.16 mg/mL = 80 mg.
	if got := c.MassIn(Milliliters(500)).Milligrams(); !near(got, 80) {
		t.Errorf("MassIn(500mL) = %v", got)
	}
}

// TestDoseRateConversions covers every rate unit and every conversion path,
// with the seed cases of issue 3.
func TestDoseRateConversions(t *testing.T) {
	w70 := Kilograms(70)
	w154lb := Pounds(154)
	bag := mustConc(t, "80mg/500mL")
	one := MilligramsPerMilliliter(1)
	tests := []struct {
		name    string
		in      string
		w       *BodyWeight
		c       *Concentration
		form    RateForm
		mgph    float64 // expected; NaN = needs what is missing
		mgkgh   float64
		mlph    float64
		mcgkgmn float64
		str     string
	}{
		// Schwartzman 2009 (001): 0.35 mg/kg/h; at 70 kg 0.35 × 70 = 24.5 mg/h;
		// 0.35 mg/kg/h × 1000 / 60 = 5.8333… mcg/kg/min.
		{"schwartzman", "0.35mg/kg/h", &w70, &one, FormPerWeight, 24.5, 0.35, 24.5, 35.0 / 6, "0.35mg/kg/h"},
		// Goldberg 2005 (003): 80 mg over 4 h = 20 mg/h; in 500 mL that is
		// 0.16 mg/mL, so 20 / 0.16 = 125 mL/h; per 70 kg 20/70 mg/kg/h.
		{"goldberg", "80mg/4h", &w70, &bag, FormAmountOverDuration, 20, 20.0 / 70, 125, 20.0 / 70 * 1000 / 60, "80mg/4h"},
		{"goldberg day 1", "40mg/4h", nil, &bag, FormAmountOverDuration, 10, math.NaN(), 62.5, math.NaN(), "40mg/4h"},
		// Sigtermans 2009 (001): 22.2 mg/h per 70 kg = 22.2/70 =
		// 0.317142857142857… mg/kg/h (long division).
		{"sigtermans per 70kg", "22.2mg/h/70kg", &w70, nil, FormPerReferenceWeight, 22.2, 0.31714285714285714, math.NaN(), 0.31714285714285714 * 1000 / 60, "22.2mg/h/70kg"},
		{"sigtermans mg/h at 70kg", "22.2mg/h", &w70, nil, FormMass, 22.2, 0.31714285714285714, math.NaN(), 0.31714285714285714 * 1000 / 60, "22.2mg/h"},
		// Kiefer 2008 (001): 7 mg/kg/h at 70 kg = 490 mg/h.
		{"kiefer", "7mg/kg/h", &w70, nil, FormPerWeight, 490, 7, math.NaN(), 7000.0 / 60, "7mg/kg/h"},
		// Patil 2012 (001): 0.5 mg/kg over 30 min = 1 mg/kg/h.
		{"patil", "0.5mg/kg/30min", &w70, &one, FormAmountOverDuration, 70, 1, 70, 1000.0 / 60, "0.5mg/kg/30min"},
		{"mg/min", "0.5mg/min", &w70, nil, FormMass, 30, 30.0 / 70, math.NaN(), 30.0 / 70 * 1000 / 60, "0.5mg/min"},
		{"mcg/h", "24500mcg/h", &w70, nil, FormMass, 24.5, 0.35, math.NaN(), 35.0 / 6, "24500mcg/h"},
		{"mcg/min", "500mcg/min", nil, &one, FormMass, 30, math.NaN(), 30, math.NaN(), "500mcg/min"},
		{"mg/kg/min", "0.01mg/kg/min", &w70, nil, FormPerWeight, 42, 0.6, math.NaN(), 10, "0.01mg/kg/min"},
		// 5 mcg/kg/min = 5 × 60 / 1000 = 0.3 mg/kg/h.
		{"mcg/kg/min", "5mcg/kg/min", &w70, &bag, FormPerWeight, 21, 0.3, 131.25, 5, "5mcg/kg/min"},
		{"µg/kg/min", "5µg/kg/min", &w70, nil, FormPerWeight, 21, 0.3, math.NaN(), 5, "5mcg/kg/min"},
		{"ug/kg/h", "350ug/kg/h", &w70, nil, FormPerWeight, 24.5, 0.35, math.NaN(), 35.0 / 6, "350mcg/kg/h"},
		// Schwartzman's pump rate: 25 mL/h (001); of 1 mg/mL = 25 mg/h.
		{"mL/h", "25mL/h", &w70, &one, FormVolume, 25, 25.0 / 70, 25, 25.0 / 70 * 1000 / 60, "25mL/h"},
		{"mL/h goldberg", "125mL/h", nil, &bag, FormVolume, 20, math.NaN(), 125, math.NaN(), "125mL/h"},
		// 0.35 mg/kg/h at 154 lb = 0.35 × 154 × 0.45359237 = 24.448628743 mg/h (69.85322498 kg × 0.35).
		{"lb weight", "0.35mg/kg/h", &w154lb, nil, FormPerWeight, 24.448628743, 0.35, math.NaN(), 35.0 / 6, "0.35mg/kg/h"},
		{"hr spelling", "20mg/hr", nil, nil, FormMass, 20, math.NaN(), math.NaN(), math.NaN(), "20mg/h"},
		{"compound duration", "90mg/4h30min", nil, nil, FormAmountOverDuration, 20, math.NaN(), math.NaN(), math.NaN(), "90mg/4h30min"},
		{"dworkin", "320mg/4h", nil, nil, FormAmountOverDuration, 80, math.NaN(), math.NaN(), math.NaN(), "320mg/4h"}, // Dworkin 2021 (000)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseDoseRate("--rate", tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if r.Form() != tt.form || r.String() != tt.str {
				t.Errorf("form %v %q, want %v %q", r.Form(), r, tt.form, tt.str)
			}
			check := func(what string, got float64, err error, want float64) {
				t.Helper()
				if math.IsNaN(want) {
					if err == nil {
						t.Errorf("%s = %v, want an error", what, got)
					}
					return
				}
				if err != nil || !near(got, want) {
					t.Errorf("%s = %v (%v), want %v", what, got, err, want)
				}
			}
			mr, err := r.MassRate(tt.w, tt.c)
			check("mg/h", mr.MilligramsPerHour(), err, tt.mgph)
			wr, err := r.WeightRate(tt.w, tt.c)
			check("mg/kg/h", wr.MilligramsPerKilogramPerHour(), err, tt.mgkgh)
			check("mcg/kg/min", wr.MicrogramsPerKilogramPerMinute(), err, tt.mcgkgmn)
			vr, err := r.VolumeRate(tt.w, tt.c)
			check("mL/h", vr.MillilitersPerHour(), err, tt.mlph)
		})
	}
}

func mustConc(t *testing.T, s string) Concentration {
	t.Helper()
	c, err := ParseConcentration("c", s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestConversionNeeds(t *testing.T) {
	r, _ := ParseDoseRate("--rate", "0.35mg/kg/h")
	_, err := r.MassRate(nil, nil)
	if !errors.Is(err, ErrNeedWeight) || err.Error() != "rate 0.35mg/kg/h is per kg: a weight is needed" {
		t.Errorf("err = %v", err)
	}
	r, _ = ParseDoseRate("--rate", "125mL/h")
	if _, err := r.MassRate(nil, nil); !errors.Is(err, ErrNeedConcentration) {
		t.Errorf("mL/h without concentration: %v", err)
	}
	r, _ = ParseDoseRate("--rate", "20mg/h")
	if _, err := r.VolumeRate(nil, nil); !errors.Is(err, ErrNeedConcentration) {
		t.Errorf("mg/h → mL/h without concentration: %v", err)
	}
	if _, err := r.WeightRate(nil, nil); !errors.Is(err, ErrNeedWeight) {
		t.Errorf("mg/h → mg/kg/h without weight: %v", err)
	}
	zero := Kilograms(0)
	if _, err := r.WeightRate(&zero, nil); !errors.Is(err, ErrBadWeight) {
		t.Errorf("zero weight: %v", err)
	}
	r, _ = ParseDoseRate("--rate", "22.2mg/h/70kg")
	if _, err := r.MassRate(nil, nil); !errors.Is(err, ErrNeedWeight) || !strings.Contains(err.Error(), "per 70kg of body weight") {
		t.Errorf("per reference weight: %v", err)
	}
	r, _ = ParseDoseRate("--rate", "0.5mg/kg/30min")
	if _, err := r.MassRate(nil, nil); !errors.Is(err, ErrNeedWeight) {
		t.Errorf("per-kg amount over duration: %v", err)
	}
	if _, err := Milligrams(80).Over(Hours(0)); !errors.Is(err, ErrZeroDuration) {
		t.Errorf("over zero hours: %v", err)
	}
	if _, err := Bag(Milligrams(80), Milliliters(0)); !errors.Is(err, ErrBadConcentration) {
		t.Errorf("bag of 0 mL: %v", err)
	}
}

func TestCanonicalRates(t *testing.T) {
	// 0.35 mg/kg/h × 70 kg = 24.5 mg/h (Schwartzman, 001); × 4 h = 98 mg.
	mr := MilligramsPerKilogramPerHour(0.35).At(Kilograms(70))
	if !near(mr.MilligramsPerHour(), 24.5) || !near(mr.For(Hours(4)).Milligrams(), 98) {
		t.Errorf("0.35 mg/kg/h at 70 kg = %v, 4 h = %v", mr, mr.For(Hours(4)))
	}
	if !near(mr.MilligramsPerMinute(), 24.5/60) {
		t.Errorf("mg/min = %v", mr.MilligramsPerMinute())
	}
	wr, err := mr.PerKilogram(Kilograms(70))
	if err != nil || !near(wr.MilligramsPerKilogramPerHour(), 0.35) {
		t.Errorf("back to mg/kg/h: %v %v", wr, err)
	}
	// 5 mcg/kg/min = 0.3 mg/kg/h.
	if got := MicrogramsPerKilogramPerMinute(5).MilligramsPerKilogramPerHour(); !near(got, 0.3) {
		t.Errorf("5 mcg/kg/min = %v mg/kg/h", got)
	}
	if got := MilligramsPerMinute(0.5).MilligramsPerHour(); got != 30 {
		t.Errorf("0.5 mg/min = %v mg/h", got)
	}
	// Goldberg: 20 mg/h of 80 mg/500 mL = 125 mL/h; 125 mL/h × 4 h = 500 mL.
	c := mustConc(t, "80mg/500mL")
	vr, err := MilligramsPerHour(20).VolumeRate(c)
	if err != nil || !near(vr.MillilitersPerHour(), 125) || !near(vr.For(Hours(4)).Milliliters(), 500) {
		t.Errorf("20 mg/h in 80mg/500mL = %v (%v)", vr, err)
	}
	if got := vr.MassRate(c).MilligramsPerHour(); !near(got, 20) {
		t.Errorf("back to mg/h: %v", got)
	}
	rate, err := Milligrams(80).Over(Hours(4))
	if err != nil || rate.MilligramsPerHour() != 20 {
		t.Errorf("80 mg over 4 h = %v", rate)
	}
	pk, err := Milligrams(35).Per(Kilograms(70))
	if err != nil || pk.MilligramsPerKilogram() != 0.5 || pk.At(Kilograms(70)).Milligrams() != 35 {
		t.Errorf("35 mg per 70 kg = %v", pk)
	}
	if s := Milligrams(40).Add(Micrograms(500)); s.Milligrams() != 40.5 {
		t.Errorf("40 mg + 500 mcg = %v", s)
	}
	if got := Hours(4).Add(Minutes(30)).Hours(); got != 4.5 {
		t.Errorf("4h + 30min = %v h", got)
	}
	for _, dr := range []DoseRate{mr.DoseRate(), wr.DoseRate(), vr.DoseRate()} {
		back, err := ParseDoseRate("x", dr.String())
		if err != nil || back != dr {
			t.Errorf("%v does not round-trip: %v %v", dr, back, err)
		}
	}
}

func TestRateOfAndAmountOver(t *testing.T) {
	for _, u := range []Unit{MgPerH, MgPerMin, McgPerH, McgPerMin, MgPerKgPerH, MgPerKgPerMin, McgPerKgPerH, McgPerKgPerMin, MLPerH} {
		r, err := RateOf(2, u)
		if err != nil || r.Unit() != u || r.String() != "2"+string(u) {
			t.Errorf("RateOf(2, %s) = %v, %v", u, r, err)
		}
	}
	for _, u := range []Unit{Mg, MgPerKg, MgPerML, Kg} {
		if _, err := RateOf(2, u); err == nil {
			t.Errorf("RateOf(2, %s) accepted a non-rate unit", u)
		}
	}
	if _, err := RateOf(0, MgPerH); err == nil {
		t.Error("RateOf(0) accepted")
	}
	r, err := AmountOver(DoseOf(Milligrams(80)), Hours(4))
	if err != nil || r.String() != "80mg/4h" {
		t.Errorf("AmountOver = %v %v", r, err)
	}
	if _, err := AmountOver(DoseOf(Milligrams(80)), Hours(0)); err == nil {
		t.Error("AmountOver zero duration accepted")
	}
}

func TestParseDose(t *testing.T) {
	w := Kilograms(70)
	tests := []struct {
		in    string
		perKg bool
		mg    float64 // at 70 kg
		mgkg  float64
	}{
		{"0.35mg/kg", true, 24.5, 0.35}, // Cohen 2018 bolus limit (CLINICAL.md)
		{"0.5mg/kg", true, 35, 0.5},     // Patil 2012 (001)
		{"20mg", false, 20, 20.0 / 70},
		{"500mcg", false, 0.5, 0.5 / 70},
		{"150mcg/kg", true, 10.5, 0.15}, // Sigtermans 2010 top step 0.15 mg/kg (001)
	}
	for _, tt := range tests {
		d, err := ParseDose("--bolus", tt.in)
		if err != nil {
			t.Errorf("ParseDose(%q): %v", tt.in, err)
			continue
		}
		m, err1 := d.Mass(&w)
		pk, err2 := d.PerWeight(&w)
		if d.PerKilogram() != tt.perKg || err1 != nil || err2 != nil || !near(m.Milligrams(), tt.mg) || !near(pk.MilligramsPerKilogram(), tt.mgkg) {
			t.Errorf("ParseDose(%q) = %v: %v mg %v mg/kg (%v %v)", tt.in, d, m, pk, err1, err2)
		}
		if tt.perKg {
			if _, err := d.Mass(nil); !errors.Is(err, ErrNeedWeight) {
				t.Errorf("%q without weight: %v", tt.in, err)
			}
		}
	}
}

// TestParseRejects lists inputs that must be refused, with a word of the
// reason expected.
func TestParseRejects(t *testing.T) {
	type parser func(field, s string) error
	rate := func(f, s string) error { _, err := ParseDoseRate(f, s); return err }
	mass := func(f, s string) error { _, err := ParseMass(f, s); return err }
	weight := func(f, s string) error { _, err := ParseBodyWeight(f, s); return err }
	conc := func(f, s string) error { _, err := ParseConcentration(f, s); return err }
	dur := func(f, s string) error { _, err := ParseDuration(f, s); return err }
	vol := func(f, s string) error { _, err := ParseVolume(f, s); return err }
	dose := func(f, s string) error { _, err := ParseDose(f, s); return err }
	tests := []struct {
		p      parser
		in     string
		reason string
	}{
		{rate, "0.35", "without a unit"},
		{rate, "", "empty"},
		{rate, "   ", "empty"},
		{rate, "mg/h", "does not start with a number"},
		{rate, "0.35mg/kg", "dose, not a rate"},
		{rate, "40mg", "amount, not a rate"},
		{rate, "0.35mg/kg/h x", "unknown unit"},
		{rate, "0.35mg/kg/hh", "unknown unit"},
		{rate, "0.35 mg/kg/h/", "too many"},
		{rate, "NaN mg/h", "not a finite"},
		{rate, "Inf mg/h", "not a finite"},
		{rate, "-5mg/h", "negative"},
		{rate, "+5mg/h", "sign"},
		{rate, "0mg/h", "zero"},
		{rate, "1e3mg/h", "exponent"},
		{rate, ".5mg/kg/h", "leading zero"},
		{rate, "5.mg/h", "trailing decimal"},
		{rate, "0,35mg/kg/h", "decimal comma"},
		{rate, "1,000mg/h", "decimal comma"},
		{rate, "1.2.3mg/h", "more than one decimal"},
		{rate, "0x10mg/h", "hexadecimal"},
		{rate, "5cc/h", "cc is error-prone"},
		{rate, "5ml/min", "mL/h only"},
		{rate, "5mg/s", "per second"},
		{rate, "5mg/m", "ambiguous"},
		{rate, "5g/h", "not used for a ketamine rate"},
		{rate, "5mg/lb/h", "per lb"},
		{rate, "40mg/0h", "zero"},
		{rate, "40mg/4", "without a unit"},
		{rate, "22.2mg/h/70", "without a unit"},
		{rate, "22.2mg/h/kg", "reference weight"},
		{rate, "5units/h", "unknown unit"},
		{rate, "10000000000000mg/h", "outside the accepted range"},
		{rate, "0.0000000001mg/h", "outside the accepted range"},
		{rate, "1" + strings.Repeat("0", 400) + "mg/h", "too large"},
		{mass, "80", "without a unit"},
		{mass, "80mg/h", "one unit"},
		{mass, "80kg", "unknown unit"},
		{weight, "70", "kg or lb"},
		{weight, "0kg", "zero"},
		{weight, "70mg", "unknown unit"},
		{weight, "-70kg", "negative"},
		{conc, "80mg", "give its volume"},
		{conc, "80mg/0mL", "zero"},
		{conc, "0mg/mL", "zero"},
		{conc, "1mg/kg", "dose, not a concentration"},
		{conc, "1mg/h", "rate, not a concentration"},
		{conc, "80mg/500", "without a unit"},
		{conc, "1mg/mL/h", "too many"},
		{dur, "4", "without a unit"},
		{dur, "4m", "ambiguous"},
		{dur, "30min4h", "decrease"},
		{dur, "4h90min", "below 60"},
		{dur, "4.5h30min", "whole numbers"},
		{dur, "4h30minx", "unknown unit"},
		{dur, "4h 30", "without a unit"},
		{dur, "4 hours", "unknown unit"},
		{dur, "4h/2", "ratio"},
		{vol, "500", "without a unit"},
		{vol, "500cc", "cc is error-prone"},
		{dose, "0.35mg/kg/h", "a rate, not a single dose"},
		{dose, "0.5", "without a unit"},
		{dose, "0mg", "zero"},
		{dose, "1g", "not used for a ketamine dose"},
		{dose, "1mg/lb", "per lb"},
	}
	for _, tt := range tests {
		err := tt.p("field-x", tt.in)
		if err == nil {
			t.Errorf("%q accepted, want refusal (%s)", tt.in, tt.reason)
			continue
		}
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%q: error %T is not a *ParseError", tt.in, err)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, tt.reason) || !strings.HasPrefix(msg, "field-x ") || len(pe.Accepted) == 0 {
			t.Errorf("%q: %q does not name the field and give reason %q with accepted units", tt.in, msg, tt.reason)
		}
	}
}

func TestParseErrorMessage(t *testing.T) {
	_, err := ParseDoseRate("--rate", "0.35")
	want := `--rate "0.35": a number without a unit is ambiguous (accepted: mg/h, mg/min, mcg/h, mcg/min, mg/kg/h, mg/kg/min, mcg/kg/h, mcg/kg/min (µg and ug also accepted), mL/h, an amount over a duration such as 40mg/4h or 0.5mg/kg/30min, a rate per reference weight such as 22.2mg/h/70kg)`
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
}

func TestUCUM(t *testing.T) {
	// UCUM codes (unitsofmeasure.org, "The Unified Code for Units of
	// Measure", tables of prefixes and customary units): micro is "u", the
	// avoirdupois pound "[lb_av]".
	want := map[Unit]string{
		G: "g", Mg: "mg", Mcg: "ug", Ng: "ng", Kg: "kg", Lb: "[lb_av]", L: "L", ML: "mL",
		H: "h", Min: "min", S: "s",
		MgPerH: "mg/h", MgPerMin: "mg/min", McgPerH: "ug/h", McgPerMin: "ug/min",
		MgPerKgPerH: "mg/kg/h", MgPerKgPerMin: "mg/kg/min", McgPerKgPerH: "ug/kg/h", McgPerKgPerMin: "ug/kg/min",
		MLPerH: "mL/h", MgPerKg: "mg/kg", McgPerKg: "ug/kg",
		GPerL: "g/L", MgPerML: "mg/mL", MgPerL: "mg/L", McgPerML: "ug/mL", McgPerL: "ug/L", NgPerML: "ng/mL", NgPerL: "ng/L",
	}
	for u, code := range want {
		if u.UCUM() != code {
			t.Errorf("%s.UCUM() = %q, want %q", u, u.UCUM(), code)
		}
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{MilligramsPerHour(24.5).Format(3), "24.5 mg/h"},
		{MilligramsPerKilogramPerHour(22.2 / 70).Format(4), "0.3171 mg/kg/h"},
		{MilligramsPerKilogramPerHour(22.2 / 70).Format(1), "0.3 mg/kg/h"},
		{MillilitersPerHour(125).Format(6), "125 mL/h"}, // no trailing zeros (ISMP)
		{MillilitersPerHour(1234567).Format(3), "1230000 mL/h"},
		{Milligrams(0.5).Format(3), "0.5 mg"}, // leading zero (ISMP)
		{Kilograms(70).Format(3), "70 kg"},
		{Hours(4).Format(3), "4 h"},
		{mustConcS("80mg/500mL").Format(3), "80 mg in 500 mL (0.16 mg/mL)"},
		{MilligramsPerHour(24.5).String(), "24.5mg/h"},
		{MilligramsPerHour(1e-7).String(), "0.0000001mg/h"}, // never an exponent
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func mustConcS(s string) Concentration {
	c, err := ParseConcentration("c", s)
	if err != nil {
		panic(err)
	}
	return c
}

func TestTextMarshalling(t *testing.T) {
	var r DoseRate
	if err := r.UnmarshalText([]byte("0.35mg/kg/h")); err != nil || r.String() != "0.35mg/kg/h" {
		t.Errorf("UnmarshalText: %v %v", r, err)
	}
	if err := r.UnmarshalText([]byte("0.35")); err == nil {
		t.Error("UnmarshalText accepted a bare number")
	}
	b, _ := r.MarshalText()
	if string(b) != "0.35mg/kg/h" {
		t.Errorf("MarshalText = %s", b)
	}
	var d Duration
	if err := d.UnmarshalText([]byte("4h30min")); err != nil || d.Hours() != 4.5 {
		t.Errorf("duration: %v %v", d, err)
	}
}
