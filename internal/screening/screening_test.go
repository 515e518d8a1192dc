package screening

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

var measured = time.Date(2026, 3, 2, 8, 30, 0, 0, time.UTC)

// baseline returns an input with every question answered "no" and
// unremarkable vitals: it screens cleared.
func baseline() Input {
	conds := map[string]Answer{}
	for _, c := range Conditions {
		conds[c.ID] = No
	}
	return Input{
		Conditions:         conds,
		CardiovascularRisk: No,
		LiverRisk:          No,
		RepeatedInfusions:  No,
		MultiDayContinuous: No,
		Vitals:             Vitals{MeasuredAt: measured, HeartRateBPM: 72, SystolicMmHg: 124, DiastolicMmHg: 78, SpO2Percent: 98, RespiratoryRatePerMin: 14},
	}
}

// ids lists the IDs of findings.
func ids(fs []Finding) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, f.ID)
	}
	return out
}

func TestScreen(t *testing.T) {
	temp := 36.8
	cases := []struct {
		name     string
		edit     func(*Input)
		status   Status
		blocking []string
		override []string
		cautions []string
	}{
		{"nothing found", func(*Input) {}, Cleared, nil, nil, nil},
		{"with a temperature", func(in *Input) { in.Vitals.TemperatureC = &temp }, Cleared, nil, nil, nil},
		// Cohen 2018: pregnancy is a relative contraindication (grade B).
		{"pregnancy", func(in *Input) { in.Conditions["pregnancy"] = Yes }, NeedsOverride, nil, []string{"pregnancy"}, nil},
		// Ketalar SmPC: hypersensitivity contraindicated (absolute).
		{"hypersensitivity", func(in *Input) { in.Conditions["ketamine_hypersensitivity"] = Yes }, Blocked, []string{"ketamine_hypersensitivity"}, nil, nil},
		// Cohen 2018: moderate hepatic disease is a caution, and liver
		// dysfunction calls for baseline and post-infusion LFTs.
		{"moderate hepatic disease, no LFT", func(in *Input) { in.Conditions["hepatic_disease_moderate"] = Yes }, NeedsOverride, nil, []string{"test.liver_function"}, []string{"hepatic_disease_moderate"}},
		{"moderate hepatic disease, normal LFT", func(in *Input) {
			in.Conditions["hepatic_disease_moderate"] = Yes
			in.Tests = []TestRecord{{Test: LiverFunction, Status: Resulted, Date: "2026-02-27", Result: Normal}}
		}, Cleared, nil, nil, []string{"hepatic_disease_moderate"}},
		{"severe hepatic disease", func(in *Input) { in.Conditions["hepatic_disease_severe"] = Yes }, NeedsOverride, nil, []string{"hepatic_disease_severe", "test.liver_function"}, nil},
		// Cohen 2018: ECG with suspected or high cardiovascular risk.
		{"cardiovascular risk, ECG missing", func(in *Input) { in.CardiovascularRisk = Yes }, NeedsOverride, nil, []string{"test.ecg"}, nil},
		{"cardiovascular risk, ECG ordered", func(in *Input) {
			in.CardiovascularRisk = Yes
			in.Tests = []TestRecord{{Test: ECG, Status: Ordered}}
		}, NeedsOverride, nil, []string{"test.ecg"}, nil},
		{"cardiovascular risk, ECG normal", func(in *Input) {
			in.CardiovascularRisk = Yes
			in.Tests = []TestRecord{{Test: ECG, Status: Ordered}, {Test: ECG, Status: Resulted, Date: "2026-02-20", Result: Normal}}
		}, Cleared, nil, nil, nil},
		{"cardiovascular risk, latest ECG abnormal", func(in *Input) {
			in.CardiovascularRisk = Yes
			in.Tests = []TestRecord{{Test: ECG, Status: Resulted, Date: "2026-03-01", Result: Abnormal}, {Test: ECG, Status: Resulted, Date: "2025-06-01", Result: Normal}}
		}, NeedsOverride, nil, []string{"test.ecg"}, nil},
		{"repeated high-dose infusions call for LFTs", func(in *Input) {
			in.RepeatedInfusions = Yes
			in.HighDoseFrequent = Yes
		}, NeedsOverride, nil, []string{"test.liver_function"}, nil},
		{"repeated infusions, not high dose: no LFT", func(in *Input) {
			in.RepeatedInfusions = Yes
			in.HighDoseFrequent = No
		}, Cleared, nil, nil, nil},
		{"multi-day infusion: LFT and blood count", func(in *Input) { in.MultiDayContinuous = Yes }, NeedsOverride, nil, []string{"test.liver_function", "test.blood_count"}, nil},
		{"a condition unanswered", func(in *Input) { delete(in.Conditions, "active_psychosis") }, Blocked, []string{"unanswered.conditions.active_psychosis"}, nil, nil},
		{"high dose question unanswered", func(in *Input) { in.RepeatedInfusions = Yes }, Blocked, []string{"unanswered.high_dose_frequent"}, nil, nil},
		{"risk question unanswered", func(in *Input) { in.LiverRisk = Unrecorded }, Blocked, []string{"unanswered.liver_risk"}, nil, nil},
		// Swiss product information: above 180/100 mmHg at rest.
		{"baseline BP 185/95", func(in *Input) { in.Vitals.SystolicMmHg = 185; in.Vitals.DiastolicMmHg = 95 }, Blocked, []string{"baseline_bp_above_180_100"}, nil, nil},
		{"baseline BP 170/101", func(in *Input) { in.Vitals.SystolicMmHg = 170; in.Vitals.DiastolicMmHg = 101 }, Blocked, []string{"baseline_bp_above_180_100"}, nil, nil},
		{"baseline BP exactly 180/100 is not above", func(in *Input) { in.Vitals.SystolicMmHg = 180; in.Vitals.DiastolicMmHg = 100 }, Cleared, nil, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := baseline()
			c.edit(&in)
			r, err := Screen(in)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != c.status {
				t.Errorf("status %s, want %s; blocking %v, needs override %v", r.Status, c.status, ids(r.Blocking), ids(r.NeedsOverride))
			}
			want := func(s []string) []string {
				if s == nil {
					return []string{}
				}
				return s
			}
			if got := ids(r.Blocking); !reflect.DeepEqual(got, want(c.blocking)) {
				t.Errorf("blocking %v, want %v", got, c.blocking)
			}
			if got := ids(r.NeedsOverride); !reflect.DeepEqual(got, want(c.override)) {
				t.Errorf("needs override %v, want %v", got, c.override)
			}
			if got := ids(r.Cautions); !reflect.DeepEqual(got, want(c.cautions)) {
				t.Errorf("cautions %v, want %v", got, c.cautions)
			}
			for _, f := range append(append(r.Blocking, r.NeedsOverride...), r.Cautions...) {
				if f.Message == "" || (f.Kind != KindIncomplete && f.Source == "") {
					t.Errorf("finding %s lacks a message or source", f.ID)
				}
			}
		})
	}
}

func TestScreenFollowUpAndGrades(t *testing.T) {
	in := baseline()
	in.Conditions["pregnancy"] = Yes
	in.LiverRisk = Yes
	r, err := Screen(in)
	if err != nil {
		t.Fatal(err)
	}
	// Cohen 2018 grades pregnancy B; the liver-test grade was not read.
	for _, f := range r.NeedsOverride {
		want := map[string]string{"pregnancy": "B", "test.liver_function": ""}[f.ID]
		if f.Grade != want {
			t.Errorf("%s grade %q, want %q", f.ID, f.Grade, want)
		}
	}
	if len(r.FollowUp) != 1 || !strings.Contains(r.FollowUp[0], "liver function tests after the infusion") {
		t.Errorf("follow-up %v", r.FollowUp)
	}
	if !strings.Contains(r.NeedsOverride[0].Message, "relative contraindication, grade B") {
		t.Errorf("message %q", r.NeedsOverride[0].Message)
	}
}

func TestVitalsValidate(t *testing.T) {
	nan := math.NaN()
	cold := 5.0
	cases := []struct {
		name    string
		edit    func(*Vitals)
		field   string
		message string
	}{
		{"SpO2 140 %", func(v *Vitals) { v.SpO2Percent = 140 }, "spo2_percent", "140 % is impossible"},
		{"SpO2 100 % is possible", func(v *Vitals) { v.SpO2Percent = 100 }, "", ""},
		{"negative heart rate", func(v *Vitals) { v.HeartRateBPM = -60 }, "heart_rate_bpm", "impossible"},
		{"heart rate 300", func(v *Vitals) { v.HeartRateBPM = 300 }, "heart_rate_bpm", "< 300"},
		{"heart rate not recorded", func(v *Vitals) { v.HeartRateBPM = 0 }, "heart_rate_bpm", "not recorded"},
		{"respiratory rate 70", func(v *Vitals) { v.RespiratoryRatePerMin = 70 }, "respiratory_rate_per_min", "impossible"},
		{"systolic 400", func(v *Vitals) { v.SystolicMmHg = 400 }, "systolic_mmhg", "impossible"},
		{"diastolic above systolic", func(v *Vitals) { v.SystolicMmHg = 80; v.DiastolicMmHg = 120 }, "diastolic_mmhg", "not below systolic"},
		{"temperature 5 °C (°F typed?)", func(v *Vitals) { v.TemperatureC = &cold }, "temperature_c", "impossible"},
		{"NaN", func(v *Vitals) { v.SpO2Percent = nan }, "spo2_percent", "not a number"},
		{"no time", func(v *Vitals) { v.MeasuredAt = time.Time{} }, "measured_at", "not recorded"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := baseline().Vitals
			c.edit(&v)
			err := v.Validate()
			if c.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != c.field || !strings.Contains(fe.Message, c.message) {
				t.Fatalf("err = %v, want field %s with %q", err, c.field, c.message)
			}
		})
	}
	// Through Screen the path is prefixed.
	in := baseline()
	in.Vitals.SpO2Percent = 140
	var fe *FieldError
	if _, err := Screen(in); !errors.As(err, &fe) || fe.Field != "vitals.spo2_percent" {
		t.Errorf("Screen err = %v", err)
	}
}

func TestInputValidate(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(*Input)
		field string
	}{
		{"unknown condition", func(in *Input) { in.Conditions["asthma"] = No }, "conditions.asthma"},
		{"bad answer", func(in *Input) { in.Conditions["pregnancy"] = "unsure" }, "conditions.pregnancy"},
		{"bad risk answer", func(in *Input) { in.LiverRisk = "true" }, "liver_risk"},
		{"high dose without repeated infusions", func(in *Input) { in.HighDoseFrequent = Yes }, "high_dose_frequent"},
		{"unknown test", func(in *Input) { in.Tests = []TestRecord{{Test: "mri", Status: Ordered}} }, "tests[0].test"},
		{"resulted without result", func(in *Input) { in.Tests = []TestRecord{{Test: ECG, Status: Resulted, Date: "2026-01-01"}} }, "tests[0].result"},
		{"resulted without date", func(in *Input) { in.Tests = []TestRecord{{Test: ECG, Status: Resulted, Result: Normal}} }, "tests[0].date"},
		{"ordered with result", func(in *Input) { in.Tests = []TestRecord{{Test: ECG, Status: Ordered, Result: Normal}} }, "tests[0].result"},
		{"bad date", func(in *Input) {
			in.Tests = []TestRecord{{Test: ECG, Status: Resulted, Result: Normal, Date: "1/2/2026"}}
		}, "tests[0].date"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := baseline()
			c.edit(&in)
			var fe *FieldError
			if _, err := Screen(in); !errors.As(err, &fe) || fe.Field != c.field {
				t.Fatalf("err = %v, want field %s", err, c.field)
			}
		})
	}
}

func TestDecide(t *testing.T) {
	at := measured.Add(time.Hour)
	in := baseline()
	in.Conditions["pregnancy"] = Yes
	in.CardiovascularRisk = Yes
	r, err := Screen(in)
	if err != nil {
		t.Fatal(err)
	}
	ok := Decision{Clinician: "dr.lee", DecidedAt: at, Verdict: Proceed, Reason: "benefit outweighs risk after obstetric review",
		Overrides: []Override{{FindingID: "pregnancy", Reason: "obstetric review 2026-02-28 agrees"}, {FindingID: "test.ecg", Reason: "ECG at cardiology last week, normal; report on file"}}}
	got, err := Decide(r, ok)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != ClearedWithOverrides || len(got.Overridden) != 2 || len(got.NeedsOverride) != 0 {
		t.Fatalf("result %+v", got)
	}
	if got.Overridden[0].Override == nil || got.Overridden[0].Override.Reason == "" {
		t.Error("override not attached to its finding")
	}

	cases := []struct {
		name  string
		r     Result
		edit  func(*Decision)
		field string
	}{
		{"no clinician", r, func(d *Decision) { d.Clinician = " " }, "clinician"},
		{"no time", r, func(d *Decision) { d.DecidedAt = time.Time{} }, "decided_at"},
		{"no reason", r, func(d *Decision) { d.Reason = "" }, "reason"},
		{"bad verdict", r, func(d *Decision) { d.Verdict = "ok" }, "verdict"},
		{"override without reason", r, func(d *Decision) { d.Overrides[1].Reason = "" }, "overrides[1].reason"},
		{"override twice", r, func(d *Decision) { d.Overrides[1].FindingID = "pregnancy" }, "overrides[1].finding_id"},
		{"proceed missing an override", r, func(d *Decision) { d.Overrides = d.Overrides[:1] }, "overrides"},
		{"override of a non-finding", r, func(d *Decision) { d.Overrides[0].FindingID = "active_psychosis" }, "overrides[0].finding_id"},
		{"overrides with defer", r, func(d *Decision) { d.Verdict = Defer }, "overrides"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := ok
			d.Overrides = append([]Override{}, ok.Overrides...)
			c.edit(&d)
			var fe *FieldError
			if _, err := Decide(c.r, d); !errors.As(err, &fe) || fe.Field != c.field {
				t.Fatalf("err = %v, want field %s", err, c.field)
			}
		})
	}

	// An absolute contraindication blocks: no override, no proceeding.
	in = baseline()
	in.Conditions["ketamine_hypersensitivity"] = Yes
	blocked, _ := Screen(in)
	var fe *FieldError
	_, err = Decide(blocked, Decision{Clinician: "dr.lee", DecidedAt: at, Verdict: Proceed, Reason: "x", Overrides: []Override{{FindingID: "ketamine_hypersensitivity", Reason: "mild rash only"}}})
	if !errors.As(err, &fe) || !strings.Contains(fe.Message, "cannot be overridden") {
		t.Errorf("override of absolute: %v", err)
	}
	_, err = Decide(blocked, Decision{Clinician: "dr.lee", DecidedAt: at, Verdict: Proceed, Reason: "x"})
	if !errors.As(err, &fe) || fe.Field != "verdict" {
		t.Errorf("proceed while blocked: %v", err)
	}
	dn, err := Decide(blocked, Decision{Clinician: "dr.lee", DecidedAt: at, Verdict: DoNotProceed, Reason: "anaphylaxis to ketamine in 2019"})
	if err != nil || dn.Status != Blocked {
		t.Errorf("do not proceed: %v %v", dn.Status, err)
	}
}

func TestRecordRoundTrip(t *testing.T) {
	in := baseline()
	in.Conditions["active_substance_abuse"] = Yes
	rec := Record{Input: in, Decision: &Decision{Clinician: "dr.lee", DecidedAt: measured.Add(time.Minute), Verdict: Proceed, Reason: "single infusion, supervised",
		Overrides: []Override{{FindingID: "active_substance_abuse", Reason: "one infusion only; urine screen negative"}}}}
	r1, err := rec.Evaluate()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	var back Record
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	r2, err := back.Evaluate()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r1, r2) || r1.Status != ClearedWithOverrides {
		t.Errorf("round trip changed the result or status %s", r1.Status)
	}
	// A decision dated before the vitals it rests on is refused.
	rec.Decision.DecidedAt = measured.Add(-time.Hour)
	var fe *FieldError
	if err := rec.Validate(); !errors.As(err, &fe) || fe.Field != "decision.decided_at" {
		t.Errorf("err = %v", err)
	}
}

func TestConditionsCited(t *testing.T) {
	// Every condition has a source; Cohen's carry a grade, the label's none.
	for _, c := range Conditions {
		if c.Source == "" || c.Guidance == "" || c.Label == "" {
			t.Errorf("%s incomplete", c.ID)
		}
		if strings.HasPrefix(c.Source, "Cohen") != (c.Grade != "") {
			t.Errorf("%s: grade %q with source %q", c.ID, c.Grade, c.Source)
		}
	}
	if len(conditionByID) != len(Conditions) {
		t.Error("duplicate condition IDs")
	}
	for field, code := range ObservationCodes {
		if code.Code == "" || code.Source == "" || code.System != LOINCSystem {
			t.Errorf("%s: %+v", field, code)
		}
	}
	for _, r := range PlausibleRanges {
		if _, ok := ObservationCodes[r.Field]; !ok {
			t.Errorf("no LOINC code for %s", r.Field)
		}
	}
}

// FuzzScreen feeds arbitrary JSON to the screening: it never panics, and a
// result's status always agrees with its lists.
func FuzzScreen(f *testing.F) {
	seed, _ := json.Marshal(baseline())
	f.Add(seed)
	f.Add([]byte(`{"conditions":{"pregnancy":"yes"},"vitals":{"measured_at":"2026-01-01T00:00:00Z","heart_rate_bpm":70,"systolic_mmhg":120,"diastolic_mmhg":80,"spo2_percent":140,"respiratory_rate_per_min":12}}`))
	f.Add([]byte(`{"tests":[{"test":"ecg","status":"resulted"}]}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		var in Input
		if json.Unmarshal(raw, &in) != nil {
			return
		}
		r, err := Screen(in)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field == "" {
				t.Fatalf("error without a field: %v", err)
			}
			return
		}
		switch {
		case len(r.Blocking) > 0 && r.Status != Blocked,
			len(r.Blocking) == 0 && len(r.NeedsOverride) > 0 && r.Status != NeedsOverride,
			len(r.Blocking) == 0 && len(r.NeedsOverride) == 0 && r.Status != Cleared:
			t.Fatalf("status %s with %d blocking, %d needing override", r.Status, len(r.Blocking), len(r.NeedsOverride))
		}
		if err := in.Vitals.Validate(); err != nil {
			t.Fatalf("screened with invalid vitals: %v", err)
		}
	})
}
