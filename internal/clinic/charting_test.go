package clinic_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/infusion"
)

var (
	chartNow = time.Date(2026, 3, 2, 14, 30, 0, 0, time.UTC)
	berlin   = time.FixedZone("CET", 3600)
)

func TestParseClinicalTime(t *testing.T) {
	cases := []struct {
		in   string
		want time.Time
		bad  bool
	}{
		{"", chartNow, false},
		{"2026-03-02T09:15:00Z", time.Date(2026, 3, 2, 9, 15, 0, 0, time.UTC), false},
		{"2026-03-02T10:15:00+01:00", time.Date(2026, 3, 2, 9, 15, 0, 0, time.UTC), false},
		// Local forms are in the clinic's zone (CET here, UTC+1).
		{"2026-03-02T10:15", time.Date(2026, 3, 2, 9, 15, 0, 0, time.UTC), false},
		{"2026-03-02T10:15:30", time.Date(2026, 3, 2, 9, 15, 30, 0, time.UTC), false},
		{"10:15", time.Date(2026, 3, 2, 9, 15, 0, 0, time.UTC), false},
		{"10.15", time.Time{}, true},
		{"25:00", time.Time{}, true},
		{"02/03/2026 10:15", time.Time{}, true},
		{"now", time.Time{}, true},
	}
	for _, c := range cases {
		got, err := clinic.ParseClinicalTime("at", c.in, chartNow, berlin)
		if c.bad {
			if clinic.ErrorField(err) != "at" {
				t.Errorf("%q: want an error on at, got %v %v", c.in, got, err)
			}
			continue
		}
		if err != nil || !got.Equal(c.want) {
			t.Errorf("%q: %v %v, want %v", c.in, got, err, c.want)
		}
	}
}

func vitalsForm(v map[string]string) func(string) string {
	return func(name string) string { return v[strings.TrimPrefix(name, "vitals.")] }
}

func TestParseVitals(t *testing.T) {
	ok := map[string]string{"hr_per_min": "84", "sbp_mmhg": "128", "dbp_mmhg": "80", "spo2_pct": "97.5", "rr_per_min": "14", "rass": "-1", "cadss": "3", "on_oxygen": "on"}
	v, err := clinic.ParseVitals("vitals", vitalsForm(ok))
	if err != nil {
		t.Fatal(err)
	}
	if v.HeartRate != 84 || v.Systolic != 128 || v.Diastolic != 80 || v.SpO2 != 97.5 || *v.RespRate != 14 || *v.RASS != -1 || *v.CADSS != 3 || !v.OnOxygen {
		t.Errorf("vitals %+v", v)
	}
	cases := []struct {
		field, value, wantField string
	}{
		{"hr_per_min", "", "vitals.hr_per_min"},
		{"hr_per_min", "84bpm", "vitals.hr_per_min"},
		{"hr_per_min", "8.4", "vitals.hr_per_min"},
		{"sbp_mmhg", "120/80", "vitals.sbp_mmhg"}, // both pressures in one box: refused, not read as 120
		{"spo2_pct", "97,5", "vitals.spo2_pct"},
		{"spo2_pct", "-97", "vitals.spo2_pct"},
		{"spo2_pct", "NaN", "vitals.spo2_pct"},
		{"spo2_pct", "1e2", "vitals.spo2_pct"},
		{"rass", "--1", "vitals.rass"},
		{"on_oxygen", "maybe", "vitals.on_oxygen"},
	}
	for _, c := range cases {
		f := map[string]string{}
		for k, v := range ok {
			f[k] = v
		}
		f[c.field] = c.value
		_, err := clinic.ParseVitals("vitals", vitalsForm(f))
		if clinic.ErrorCode(err) != clinic.EINVALID || clinic.ErrorField(err) != c.wantField {
			t.Errorf("%s=%q: %v (field %q)", c.field, c.value, err, clinic.ErrorField(err))
		}
	}
	// "97 %" is read as 97; SpO2 140 % parses and is refused when charted
	// (infusion.Vitals.Validate: a saturation lies in (0, 100] %).
	f := map[string]string{"hr_per_min": "70", "sbp_mmhg": "120", "dbp_mmhg": "75", "spo2_pct": "97 %"}
	if v, err := clinic.ParseVitals("vitals", vitalsForm(f)); err != nil || v.SpO2 != 97 || v.RASS != nil {
		t.Errorf("97 %%: %+v %v", v, err)
	}
}

// EventInput.Event parses quantities strictly and names the field by its
// JSON path.
func TestEventInputErrors(t *testing.T) {
	cases := []struct {
		json  string
		field string
	}{
		{`{"kind":"alert"}`, "kind"},
		{`{"kind":"bolus"}`, "kind"},
		{`{"kind":"check-in"}`, "check_in"},
		{`{"kind":"check-in","check_in":{"weight":"71"}}`, "check_in.weight"},
		{`{"kind":"check-in","check_in":{"weight":""}}`, "check_in.weight"},
		{`{"kind":"check-in","check_in":{"weight":"71kg","premedication":[{"drug":"clonidine","dose":"0.1"}]}}`, "check_in.premedication[0].dose"},
		{`{"kind":"check-in","check_in":{"weight":"71kg","premedication":[{"drug":"","dose":"0.1mg"}]}}`, "check_in.premedication[0].drug"},
		{`{"kind":"programme","programme":{"bag":"40mg/500mL","entered":"10"}}`, "programme.entered"},
		{`{"kind":"programme","programme":{"bag":"40","entered":"10mg/h"}}`, "programme.bag"},
		{`{"kind":"programme","programme":{"bag":"40mg/500mL","entered":"10mg/h","double_check":{"concentration":""}}}`, "programme.double_check.concentration"},
		{`{"kind":"rate-change","rate_change":{"entered":"20mg"}}`, "rate_change.entered"},
		{`{"kind":"rate-change","rate_change":{"entered":"5cc/h"}}`, "rate_change.entered"},
		{`{"kind":"medication","medication":{"drug":"ondansetron","dose":"4"}}`, "medication.dose"},
		{`{"kind":"vitals","at":"yesterday"}`, "at"},
		{`{"kind":"stop"}`, "stop.reason"},
	}
	for _, c := range cases {
		var in clinic.EventInput
		if err := json.Unmarshal([]byte(c.json), &in); err != nil {
			t.Fatalf("%s: %v", c.json, err)
		}
		_, err := in.Event("nurse", chartNow, time.UTC)
		if clinic.ErrorCode(err) != clinic.EINVALID || clinic.ErrorField(err) != c.field {
			t.Errorf("%s: %v (field %q), want field %q", c.json, err, clinic.ErrorField(err), c.field)
		}
	}
	// A good programme: the double check defaults to the user charting.
	var in clinic.EventInput
	_ = json.Unmarshal([]byte(`{"kind":"programme","at":"09:00","programme":{"drug":"racemic","bag":"40mg/500mL","entered":"125mL/h","double_check":{"drug":"racemic","concentration":"0.08mg/mL"},"override":{"reason":"  "}}}`), &in)
	e, err := in.Event("nurse.a", chartNow, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if e.By != "nurse.a" || e.Programme.DoubleCheck.By != "nurse.a" || e.Programme.Override != nil || e.Programme.Entered.String() != "125mL/h" ||
		!e.At.Equal(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("event %+v", e)
	}
}

// ChartError maps the chart's codes to the clinic's: the soft limit names
// the override reason to give; a hard limit and a failed double check are
// bad input on their field; a misfit is a conflict.
func TestChartError(t *testing.T) {
	cases := []struct {
		err         error
		code, field string
	}{
		{&infusion.Error{Code: infusion.ESOFTLIMIT, Field: "rate_change.entered"}, clinic.EINVALID, "rate_change.override.reason"},
		{&infusion.Error{Code: infusion.ESOFTLIMIT, Field: "programme.entered"}, clinic.EINVALID, "programme.override.reason"},
		{&infusion.Error{Code: infusion.EHARDLIMIT, Field: "rate_change.entered"}, clinic.EINVALID, "rate_change.entered"},
		{&infusion.Error{Code: infusion.EMISMATCH, Field: "programme.double_check.drug"}, clinic.EINVALID, "programme.double_check.drug"},
		{&infusion.Error{Code: infusion.ECONFLICT, Field: "kind"}, clinic.ECONFLICT, "kind"},
		{&infusion.Error{Code: infusion.EINVALID, Field: "vitals.spo2_pct"}, clinic.EINVALID, "vitals.spo2_pct"},
		{errors.New("disk full"), clinic.EINTERNAL, ""},
	}
	for _, c := range cases {
		got := clinic.ChartError(c.err)
		if clinic.ErrorCode(got) != c.code || clinic.ErrorField(got) != c.field {
			t.Errorf("%v → %q %q, want %q %q", c.err, clinic.ErrorCode(got), clinic.ErrorField(got), c.code, c.field)
		}
	}
}

// FuzzEventInput: no input makes Event panic, and every refusal is an
// EINVALID error naming a field.
func FuzzEventInput(f *testing.F) {
	for _, s := range []string{
		`{"kind":"check-in","check_in":{"weight":"71kg","baseline":{"hr_per_min":70,"sbp_mmhg":120,"dbp_mmhg":75,"spo2_pct":98},"premedication":[{"drug":"clonidine","dose":"0.1mg","route":"po","at":"08:45"}]}}`,
		`{"kind":"programme","programme":{"drug":"racemic","bag":"40mg/500mL","entered":"10mg/h","double_check":{"drug":"racemic","concentration":"40mg/500mL"}}}`,
		`{"kind":"rate-change","at":"2026-03-02T10:00","rate_change":{"entered":"0.14mg/kg/h","override":{"reason":"x"}}}`,
		`{"kind":"vitals","vitals":{"hr_per_min":84,"sbp_mmhg":120,"dbp_mmhg":75,"spo2_pct":97}}`,
		`{"kind":"medication","medication":{"drug":"midazolam","dose":"0.02mg/kg","route":"IV"}}`,
		`{"kind":"acknowledge","acknowledge":{"alert_seq":5,"action":"observed"}}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var in clinic.EventInput
		if json.Unmarshal([]byte(s), &in) != nil {
			return
		}
		e, err := in.Event("nurse", chartNow, berlin)
		if err != nil {
			if clinic.ErrorCode(err) != clinic.EINVALID || clinic.ErrorField(err) == "" {
				t.Fatalf("%s: %v is not a field error", s, err)
			}
			return
		}
		if e.By != "nurse" || e.At.IsZero() {
			t.Fatalf("%s: event %+v", s, e)
		}
	})
}

// FuzzParseVitals: no text makes ParseVitals panic; what it accepts is
// whole numbers (and a decimal SpO2).
func FuzzParseVitals(f *testing.F) {
	f.Add("72", "120", "80", "97.5", "14", "-2", "")
	f.Add("", "120/80", "x", "140%", "", "+4", "92")
	f.Fuzz(func(t *testing.T, hr, sbp, dbp, spo2, rr, rass, cadss string) {
		vals := map[string]string{"hr_per_min": hr, "sbp_mmhg": sbp, "dbp_mmhg": dbp, "spo2_pct": spo2, "rr_per_min": rr, "rass": rass, "cadss": cadss}
		v, err := clinic.ParseVitals("vitals", vitalsForm(vals))
		if err != nil {
			if !strings.HasPrefix(clinic.ErrorField(err), "vitals.") {
				t.Fatalf("error without a field: %v", err)
			}
			return
		}
		if v.HeartRate < 0 || v.Systolic < 0 || v.Diastolic < 0 || !(v.SpO2 >= 0) {
			t.Fatalf("negative or NaN value accepted: %+v", v)
		}
	})
}

// FuzzParseClinicalTime: no text panics; an accepted time is never zero.
func FuzzParseClinicalTime(f *testing.F) {
	for _, s := range []string{"", "09:15", "2026-03-02T09:15", "2026-03-02T09:15:00Z", "24:00", "9:5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := clinic.ParseClinicalTime("at", s, chartNow, berlin)
		if err == nil && got.IsZero() {
			t.Fatalf("%q accepted as the zero time", s)
		}
		if err != nil && clinic.ErrorField(err) != "at" {
			t.Fatalf("%q: %v", s, err)
		}
	})
}
