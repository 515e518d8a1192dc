package druglib

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ketatrack/ketatrack/internal/units"
)

// Every bound of the default library has a source (STYLE.md: "a test fails
// if any entry lacks a source"), and every drug × care area × dose form has
// an entry with a hard maximum.
func TestDefaultComplete(t *testing.T) {
	l := Default()
	for _, d := range []Drug{Racemic, SKetamine} {
		for _, a := range CareAreas {
			for _, f := range []DoseForm{Continuous, AmountOverDuration, Bolus} {
				e, err := l.Lookup(d, a, f)
				if err != nil {
					t.Error(err)
					continue
				}
				hard := false
				for _, lim := range e.Limits {
					for _, nb := range lim.Bounds() {
						if nb.Bound != nil && strings.TrimSpace(nb.Bound.Source) == "" {
							t.Errorf("%s/%s/%s %s %s has no source", d, a, f, lim.Unit, nb.Name)
						}
					}
					hard = hard || lim.HardMax != nil
				}
				if !hard {
					t.Errorf("%s/%s/%s has no hard max", d, a, f)
				}
			}
		}
	}
}

// The racemic continuous limits are those of CLINICAL.md, "Default
// drug-library limits" (table: outpatient 1.0 mg/kg/h or 80 mg/h soft, 2.0
// or 150 hard; inpatient 1.0 or 60 soft, 3.0 or 200 hard; ICU 7 mg/kg/h
// soft, 10 hard), and the bolus hard max outside the ICU is its 0.5 mg/kg.
func TestDefaultMatchesClinical(t *testing.T) {
	l := Default()
	tests := []struct {
		area          CareArea
		form          DoseForm
		unit          units.Unit
		soft, hard    float64
		sourceMention string
	}{
		{Outpatient, Continuous, units.MgPerKgPerH, 1.0, 2.0, "CLINICAL.md"},
		{Outpatient, Continuous, units.MgPerH, 80, 150, "CLINICAL.md"},
		{Inpatient, Continuous, units.MgPerKgPerH, 1.0, 3.0, "CLINICAL.md"},
		{Inpatient, Continuous, units.MgPerH, 60, 200, "CLINICAL.md"},
		{ICU, Continuous, units.MgPerKgPerH, 7, 10, "CLINICAL.md"},
		{Outpatient, AmountOverDuration, units.MgPerH, 80, 150, "CLINICAL.md"},
		{Outpatient, Bolus, units.MgPerKg, 0.35, 0.5, "Cohen 2018"},
		{Inpatient, Bolus, units.MgPerKg, 0.35, 0.5, "Cohen 2018"},
	}
	for _, tt := range tests {
		e, err := l.Lookup(Racemic, tt.area, tt.form)
		if err != nil {
			t.Fatal(err)
		}
		lim, ok := e.Limit(tt.unit)
		if !ok {
			t.Errorf("%s/%s has no %s limit", tt.area, tt.form, tt.unit)
			continue
		}
		if lim.SoftMax.Value != tt.soft || lim.HardMax.Value != tt.hard {
			t.Errorf("%s/%s %s: soft %v hard %v, want %v %v", tt.area, tt.form, tt.unit, lim.SoftMax.Value, lim.HardMax.Value, tt.soft, tt.hard)
		}
		if !strings.Contains(lim.SoftMax.Source, tt.sourceMention) {
			t.Errorf("%s/%s %s soft_max source %q does not cite %s", tt.area, tt.form, tt.unit, lim.SoftMax.Source, tt.sourceMention)
		}
	}
	// The ICU row of CLINICAL.md has no mg/h limit: none is invented.
	e, _ := l.Lookup(Racemic, ICU, Continuous)
	if _, ok := e.Limit(units.MgPerH); ok {
		t.Error("ICU has an mg/h limit that CLINICAL.md does not give")
	}
}

// S-ketamine's limits are the racemic ones halved (2× potency, 001), and
// every seed S-ketamine regimen (Sigtermans 2009 0.07–0.43 mg/kg/h, Dahan
// 2011 5–20 mg/h/70 kg, both inpatient, 001) lies within its soft limits.
func TestSKetamineDerived(t *testing.T) {
	l := Default()
	for _, a := range CareAreas {
		for _, f := range []DoseForm{Continuous, Bolus} {
			r, _ := l.Lookup(Racemic, a, f)
			s, _ := l.Lookup(SKetamine, a, f)
			for _, sl := range s.Limits {
				rl, ok := r.Limit(sl.Unit)
				if !ok {
					t.Errorf("%s/%s: S-ketamine limit in %s without a racemic one", a, f, sl.Unit)
					continue
				}
				if sl.SoftMax.Value != rl.SoftMax.Value/2 || sl.HardMax.Value != rl.HardMax.Value/2 {
					t.Errorf("%s/%s %s: S max %v/%v, racemic %v/%v", a, f, sl.Unit, sl.SoftMax.Value, sl.HardMax.Value, rl.SoftMax.Value, rl.HardMax.Value)
				}
			}
		}
	}
	e, _ := l.Lookup(SKetamine, Inpatient, Continuous)
	kg, _ := e.Limit(units.MgPerKgPerH)
	mgh, _ := e.Limit(units.MgPerH)
	for _, v := range []float64{0.07, 0.43} {
		if lv := kg.Classify(v); lv != Within {
			t.Errorf("Sigtermans %v mg/kg/h: %v", v, lv)
		}
	}
	for _, v := range []float64{5, 20} {
		if lv := mgh.Classify(v); lv != Within {
			t.Errorf("Dahan %v mg/h: %v", v, lv)
		}
	}
}

func TestClassify(t *testing.T) {
	lim := Limit{
		Unit:    units.MgPerKgPerH,
		HardMin: &Bound{0.01, "t"},
		SoftMin: &Bound{0.1, "t"},
		SoftMax: &Bound{1, "t"},
		HardMax: &Bound{2, "t"},
	}
	tests := []struct {
		v    float64
		want Level
	}{
		{0.005, BelowHardMin}, {0.01, BelowSoftMin}, {0.05, BelowSoftMin}, {0.1, Within},
		{0.5, Within}, {1, Within}, {1.0000000000000002, Within}, {1.001, AboveSoftMax},
		{2, AboveSoftMax}, {2.0001, AboveHardMax}, {1e9, AboveHardMax},
	}
	for _, tt := range tests {
		if got := lim.Classify(tt.v); got != tt.want {
			t.Errorf("Classify(%v) = %v, want %v", tt.v, got, tt.want)
		}
	}
	if !AboveHardMax.Hard() || AboveSoftMax.Hard() {
		t.Error("Hard()")
	}
}

func TestLoadFile(t *testing.T) {
	l, err := LoadFile(filepath.Join("testdata", "good-minimal.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Lookup(Racemic, Outpatient, Continuous); err != nil {
		t.Error(err)
	}
	if _, err := l.Lookup(Racemic, ICU, Continuous); err == nil || !strings.Contains(err.Error(), "no entry for racemic in icu") {
		t.Errorf("missing entry: %v", err)
	}
	if _, err := LoadFile(filepath.Join("testdata", "no-such-file.yaml")); err == nil {
		t.Error("missing file loaded")
	}
	// The embedded file round-trips through DefaultFile and Parse.
	if _, err := Parse("copy", DefaultFile()); err != nil {
		t.Error(err)
	}
}

// Each bad file is refused with an error that names the file, the entry
// and the field.
func TestBadFiles(t *testing.T) {
	tests := []struct {
		file string
		want []string
	}{
		{"unknown-field", []string{"field sfot_max not found"}},
		{"soft-above-hard", []string{"entry 1 (racemic, inpatient, continuous)", "limits[0] (mg/kg/h).soft_max", "3 is above hard_max 2"}},
		{"missing-source", []string{"entry 1 (racemic, outpatient, continuous)", "soft_max.source", "every limit needs its source"}},
		{"unknown-unit", []string{"limits[0] (mcg/kg/min).unit", "unknown unit"}},
		{"bolus-rate-unit", []string{"unit", "mg/kg/h", "for bolus"}},
		{"unknown-drug", []string{"entry 1", "drug", "unknown drug \"arketamine\""}},
		{"unknown-area", []string{"care_area", "unknown care area \"ward\""}},
		{"unknown-form", []string{"dose_form", "unknown dose form \"infusion\""}},
		{"duplicate", []string{"entry 2", "duplicates entry 1"}},
		{"no-hard-max", []string{"limits", "needs a hard maximum"}},
		{"negative", []string{"soft_min.value", "not a positive number"}},
		{"nan", []string{"hard_max.value", "not a positive number"}},
		{"string-value", []string{"cannot unmarshal"}},
		{"duplicate-unit", []string{"limits[1] (mg/h).unit", "appears twice"}},
	}
	for _, tt := range tests {
		path := filepath.Join("testdata", "bad-"+tt.file+".yaml")
		_, err := LoadFile(path)
		if err == nil {
			t.Errorf("%s loaded", path)
			continue
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, path+": ") {
			t.Errorf("%s: error does not name the file: %s", tt.file, msg)
		}
		for _, w := range tt.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: error %q lacks %q", tt.file, msg, w)
			}
		}
	}
}

func TestParseFlags(t *testing.T) {
	if d, err := ParseDrug("--drug", "S-Ketamine"); err != nil || d != SKetamine {
		t.Errorf("%v %v", d, err)
	}
	if _, err := ParseDrug("--drug", "ketamine"); err == nil || !strings.Contains(err.Error(), "--drug") {
		t.Errorf("%v", err)
	}
	if a, err := ParseCareArea("--setting", "ICU"); err != nil || a != ICU {
		t.Errorf("%v %v", a, err)
	}
	if _, err := ParseCareArea("--setting", "ward"); err == nil {
		t.Error("ward accepted")
	}
}
