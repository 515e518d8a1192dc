package units

import (
	"math"
	"testing"
)

// The fuzz targets check, for every parser: no panic; an accepted input's
// String parses back to the same value and prints the same; every accessor
// of an accepted value is finite.

var rateSeeds = []string{
	"0.35mg/kg/h", "80mg/4h", "40mg/4h", "22.2mg/h/70kg", "7mg/kg/h", "125mL/h",
	"5mcg/kg/min", "5µg/kg/min", "0.5mg/kg/30min", "20mg/hr", "90mg/4h30min", "0.35",
	"0.35mg/kg", "1e3mg/h", ".5mg/h", "NaN mg/h", "0,35mg/kg/h", "500mcg/min", "3.5mg/kg/h",
}

func finite(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

func FuzzParseDoseRate(f *testing.F) {
	for _, s := range rateSeeds {
		f.Add(s)
	}
	w := Kilograms(70)
	c := MilligramsPerMilliliter(1)
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseDoseRate("rate", s)
		if err != nil {
			return
		}
		back, err := ParseDoseRate("rate", r.String())
		if err != nil || back != r || back.String() != r.String() {
			t.Fatalf("%q printed %q, reparsed %v (%v)", s, r.String(), back, err)
		}
		mr, err1 := r.MassRate(&w, &c)
		wr, err2 := r.WeightRate(&w, &c)
		vr, err3 := r.VolumeRate(&w, &c)
		if err1 != nil || err2 != nil || err3 != nil {
			t.Fatalf("%q: conversions with weight and concentration failed: %v %v %v", s, err1, err2, err3)
		}
		if !finite(mr.MilligramsPerHour(), wr.MilligramsPerKilogramPerHour(), vr.MillilitersPerHour()) || !(mr.MilligramsPerHour() > 0) {
			t.Fatalf("%q: conversions %v %v %v", s, mr, wr, vr)
		}
		_ = r.Format(4)
	})
}

func FuzzParseMass(f *testing.F) {
	for _, s := range []string{"80mg", "350mcg", "0.5g", "150ng", "80", "1,5mg", "0mg"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMass("amount", s)
		if err != nil {
			return
		}
		back, err := ParseMass("amount", m.String())
		if err != nil || back != m {
			t.Fatalf("%q printed %q, reparsed %v (%v)", s, m, back, err)
		}
		if !finite(m.Milligrams(), m.Micrograms(), m.Nanograms(), m.Grams()) {
			t.Fatalf("%q: not finite", s)
		}
	})
}

func FuzzParseBodyWeight(f *testing.F) {
	for _, s := range []string{"70kg", "154lb", "154 lbs", "3500g", "70", "0kg"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, err := ParseBodyWeight("weight", s)
		if err != nil {
			return
		}
		back, err := ParseBodyWeight("weight", w.String())
		if err != nil || back != w {
			t.Fatalf("%q printed %q, reparsed %v (%v)", s, w, back, err)
		}
		if !finite(w.Kilograms(), w.Pounds()) || !(w.Kilograms() > 0) {
			t.Fatalf("%q: %v kg", s, w.Kilograms())
		}
	})
}

func FuzzParseVolume(f *testing.F) {
	for _, s := range []string{"500mL", "0.5L", "500", "500cc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseVolume("volume", s)
		if err != nil {
			return
		}
		back, err := ParseVolume("volume", v.String())
		if err != nil || back != v {
			t.Fatalf("%q printed %q, reparsed %v (%v)", s, v, back, err)
		}
	})
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"4h", "30min", "90s", "4h30min", "1h15min30s", "0.5h", "100h", "4", "4h90min"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration("duration", s)
		if err != nil {
			return
		}
		back, err := ParseDuration("duration", d.String())
		if err != nil || back != d {
			t.Fatalf("%q printed %q, reparsed %v (%v)", s, d, back, err)
		}
		if !finite(d.Hours(), d.Seconds()) || d.Hours() < 0 {
			t.Fatalf("%q: %v h", s, d.Hours())
		}
	})
}

func FuzzParseConcentration(f *testing.F) {
	for _, s := range []string{"80mg/500mL", "1mg/mL", "160mg/L", "150ng/mL", "80mg", "80mg/0mL"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseConcentration("concentration", s)
		if err != nil {
			return
		}
		back, err := ParseConcentration("concentration", c.String())
		if err != nil || back != c {
			t.Fatalf("%q printed %q, reparsed %v (%v)", s, c, back, err)
		}
		if v := c.MilligramsPerMilliliter(); !finite(v) || !(v > 0) {
			t.Fatalf("%q: %v mg/mL", s, v)
		}
	})
}

func FuzzParseDose(f *testing.F) {
	for _, s := range []string{"0.35mg/kg", "0.5mg/kg", "20mg", "500mcg", "150mcg/kg", "0.5", "0.35mg/kg/h"} {
		f.Add(s)
	}
	w := Kilograms(70)
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDose("dose", s)
		if err != nil {
			return
		}
		back, err := ParseDose("dose", d.String())
		if err != nil || back != d {
			t.Fatalf("%q printed %q, reparsed %v (%v)", s, d, back, err)
		}
		m, err := d.Mass(&w)
		if err != nil || !finite(m.Milligrams()) || !(m.Milligrams() > 0) {
			t.Fatalf("%q: %v (%v)", s, m, err)
		}
	})
}
