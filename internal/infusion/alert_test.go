package infusion

import (
	"reflect"
	"slices"
	"testing"
)

// TestVitalsAlertBoundaries checks each rule on both sides of its threshold
// against this session's baseline (HR 70 /min, BP 120/75 mmHg).
func TestVitalsAlertBoundaries(t *testing.T) {
	cases := []struct {
		name string
		edit func(v *Vitals)
		want []AlertRule
	}{
		// Goldberg 003: desaturation is SpO2 < 93 %.
		{"SpO2 93 % is not desaturation", func(v *Vitals) { v.SpO2 = 93 }, nil},
		{"SpO2 92.9 % is desaturation", func(v *Vitals) { v.SpO2 = 92.9 }, []AlertRule{RuleDesaturation}},
		// Goldberg 003: HR ≥ 20 % over baseline. 70 × 1.2 = 84 exactly.
		{"HR 84 = baseline 70 + 20 % exactly", func(v *Vitals) { v.HeartRate = 84 }, []AlertRule{RuleTachycardia}},
		{"HR 83 is +18.6 %", func(v *Vitals) { v.HeartRate = 83 }, nil},
		// Default BP rule: systolic ≥ baseline + 20 %: 120 × 1.2 = 144.
		{"systolic 144 = baseline 120 + 20 %", func(v *Vitals) { v.Systolic = 144 }, []AlertRule{RuleBloodPressure}},
		{"systolic 143 is +19.2 %", func(v *Vitals) { v.Systolic = 143 }, nil},
		// Default absolute bounds: > 180 systolic, > 110 diastolic.
		{"diastolic 110 is not above 110", func(v *Vitals) { v.Systolic, v.Diastolic = 140, 110 }, nil},
		{"diastolic 111 is above 110", func(v *Vitals) { v.Systolic, v.Diastolic = 140, 111 }, []AlertRule{RuleBloodPressure}},
		{"several rules at once", func(v *Vitals) { v.SpO2, v.HeartRate, v.Systolic = 90, 100, 150 },
			[]AlertRule{RuleDesaturation, RuleTachycardia, RuleBloodPressure}},
		{"a fall raises no rise alert", func(v *Vitals) { v.HeartRate, v.Systolic, v.Diastolic = 50, 90, 50 }, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := started(t)
			v := baseVitals()
			c.edit(&v)
			n := len(s.Events)
			res, err := Record(s, vitalsEv(30, v), far, testLimits)
			if err != nil {
				t.Fatal(err)
			}
			var got []AlertRule
			for _, e := range res.Appended[1:] {
				if e.Kind != KindAlert || e.By != SystemUser || e.Alert.CauseSeq != n+1 || e.Alert.Source == "" {
					t.Fatalf("appended %+v, want a system alert citing event %d with a source", e, n+1)
				}
				got = append(got, e.Alert.Rule)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("alerts = %v, want %v", got, c.want)
			}
		})
	}
}

// TestAbsoluteBPWithHighBaseline: a baseline of 160 mmHg puts the 20 % rule
// at 192; the absolute bound still catches 181 and lets 180 pass.
func TestAbsoluteBPWithHighBaseline(t *testing.T) {
	base := baseVitals()
	base.Systolic, base.Diastolic = 160, 90
	s := chart(t, goldbergOrder(), checkInEv(0, 71, base))
	for _, c := range []struct {
		sbp  MmHg
		want int
	}{{180, 0}, {181, 1}} {
		v := base
		v.Systolic = c.sbp
		res, err := Record(s, vitalsEv(5, v), far, testLimits)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(res.State.Alerts); got != c.want {
			t.Errorf("systolic %d over baseline 160: %d alerts, want %d", c.sbp, got, c.want)
		}
	}
}

// TestBPRuleConfigurable: a clinic that sets +30 % and no absolute bounds
// gets no alert at +20 %.
func TestBPRuleConfigurable(t *testing.T) {
	r := DefaultRules()
	r.BPRisePct, r.SystolicAbove, r.DiastolicAbove = 30, 0, 0
	s, err := NewSession(goldbergOrder(), r)
	if err != nil {
		t.Fatal(err)
	}
	s = record(t, s, checkInEv(0, 71, baseVitals()))
	v := baseVitals()
	v.Systolic = 155 // +29.2 %
	s = record(t, s, vitalsEv(5, v))
	v.Systolic = 156 // +30 %
	s = record(t, s, vitalsEv(6, v))
	if got := alertRules(s); !slices.Equal(got, []string{"blood-pressure@3"}) {
		t.Errorf("alerts = %v, want one at event 3", got)
	}
}

func TestRateAbovePlan(t *testing.T) {
	s := started(t) // plan: 10 mg/h for 240 min
	s = record(t, s, rateEv(30, mgh(12)))
	if got := alertRules(s); !slices.Equal(got, []string{"rate-above-plan@4"}) {
		t.Fatalf("alerts = %v, want rate-above-plan caused by the rate change (event 4)", got)
	}
	if !s.Summary(at(31)).AbovePlan {
		t.Error("summary does not show the rate above the plan")
	}
	// The same rate in the same step does not raise it again at each vitals.
	s = record(t, s, vitalsEv(45, baseVitals()), vitalsEv(60, baseVitals()))
	if n := len(s.Alerts); n != 1 {
		t.Errorf("%d alerts after more vitals at the same rate, want 1", n)
	}
	// Back to the plan: no alert; a new excess raises a new one.
	s = record(t, s, rateEv(61, mgh(10)))
	if s.Summary(at(62)).AbovePlan {
		t.Error("rate back on plan still shown above it")
	}
	s = record(t, s, rateEv(70, mlh(137.5))) // 137.5 mL/h × 40/500 = 11 mg/h
	if n := len(s.Alerts); n != 2 || s.Alerts[1].Alert.Observed != "11 mg/h (137.5 mL/h)" {
		t.Errorf("alerts = %v (observed %q), want a second for 11 mg/h", alertRules(s), s.Alerts[len(s.Alerts)-1].Alert.Observed)
	}
	// 125 mL/h converts to exactly 10 mg/h: on plan, no alert.
	s = record(t, s, rateEv(75, mlh(125)))
	if n := len(s.Alerts); n != 2 {
		t.Errorf("125 mL/h (= 10 mg/h) raised an alert")
	}
}

// TestLateVitalsUseTheRateOfTheirTime: vitals charted late, for a time
// before a rate change, are judged against the rate the pump ran at then,
// not the rate it runs at now.
func TestLateVitalsUseTheRateOfTheirTime(t *testing.T) {
	o := goldbergOrder()
	o.Bag = nil
	o.Steps = []Step{{Minutes: 60, RateMgPerH: 10}, {Minutes: 180, RateMgPerH: 20}}
	s := chart(t, o, checkInEv(0, 71, baseVitals()), programmeEv(10, mustBag("80mg/500mL"), mgh(10)), pumpEv(KindStart, 15),
		rateEv(80, mgh(20))) // 65 min of running: step 2, 20 mg/h is on plan
	if len(s.Alerts) != 0 {
		t.Fatalf("alerts = %v, want none", alertRules(s))
	}
	// Vitals for minute 70 (55 min of running, step 1 at 10 mg/h) charted
	// after the change: the pump ran 10 mg/h then, on plan.
	s = record(t, s, vitalsEv(70, baseVitals()))
	if len(s.Alerts) != 0 {
		t.Errorf("alerts = %v, want none", alertRules(s))
	}
}

// TestRateAbovePlanWhenThePlanStepsDown: a plan of 20 mg/h for 60 min then
// 10 mg/h; a pump left at 20 mg/h is caught at the first event charted in
// step 2.
func TestRateAbovePlanWhenThePlanStepsDown(t *testing.T) {
	o := goldbergOrder()
	o.Bag = nil
	o.Steps = []Step{{Minutes: 60, RateMgPerH: 20}, {Minutes: 60, RateMgPerH: 10}}
	s := chart(t, o, checkInEv(0, 71, baseVitals()), programmeEv(10, mustBag("80mg/500mL"), mgh(20)), pumpEv(KindStart, 15),
		vitalsEv(30, baseVitals()), vitalsEv(74, baseVitals()))
	if len(s.Alerts) != 0 {
		t.Fatalf("alerts in step 1 = %v", alertRules(s))
	}
	if !s.Summary(at(76)).AbovePlan {
		t.Error("summary in step 2 does not show 20 mg/h above the plan's 10 mg/h")
	}
	s = record(t, s, vitalsEv(76, baseVitals()))
	if got := alertRules(s); !slices.Equal(got, []string{"rate-above-plan@6"}) {
		t.Errorf("alerts = %v, want rate-above-plan caused by the vitals in step 2", got)
	}
}

func TestAcknowledge(t *testing.T) {
	s := started(t)
	v := baseVitals()
	v.SpO2 = 91
	s = record(t, s, vitalsEv(30, v))
	alert := s.Alerts[0].Seq
	if got := len(s.Summary(at(31)).OpenAlerts); got != 1 {
		t.Fatalf("open alerts = %d, want 1", got)
	}
	before := s
	for _, c := range []struct {
		name  string
		e     Event
		code  string
		field string
	}{
		{"no action", ackEv(31, alert, "nurse.b", " "), EINVALID, "acknowledge.action"},
		{"no user", ackEv(31, alert, "", "O2 2 L/min"), EINVALID, "by"},
		{"system user", ackEv(31, alert, SystemUser, "O2 2 L/min"), EINVALID, "by"},
		{"unknown alert", ackEv(31, 2, "nurse.b", "O2 2 L/min"), ECONFLICT, "acknowledge.alert_seq"},
		{"before the alert", ackEv(29, alert, "nurse.b", "O2 2 L/min"), EINVALID, "at"},
	} {
		_, err := Record(s, c.e, far, testLimits)
		if ErrorCode(err) != c.code || ErrorField(err) != c.field {
			t.Errorf("%s: error %v, want code %s field %s", c.name, err, c.code, c.field)
		}
	}
	s = record(t, s, ackEv(32, alert, "nurse.b", "O2 2 L/min by nasal cannula, SpO2 back to 96 %"))
	if got := len(s.Summary(at(33)).OpenAlerts); got != 0 {
		t.Errorf("open alerts after acknowledgement = %d", got)
	}
	if len(s.Alerts) != 1 || s.Alerts[0].Ack.By != "nurse.b" {
		t.Errorf("the alert must stay on the record with its acknowledgement: %+v", s.Alerts)
	}
	if _, err := Record(s, ackEv(33, alert, "nurse.c", "again"), far, testLimits); ErrorCode(err) != ECONFLICT {
		t.Errorf("second acknowledgement: %v, want a conflict", err)
	}
	if !reflect.DeepEqual(before.Alerts, []AlertRecord{{Seq: alert, At: at(30), Alert: before.Alerts[0].Alert}}) {
		t.Error("acknowledging altered the earlier state")
	}
}

// An alert's text shows figures to 6 significant digits, never a float's
// noise (126.1 mL/h × 40 mg/500 mL = 10.088 mg/h, by hand).
func TestRateAbovePlanMessageIsReadable(t *testing.T) {
	s := started(t) // plan: 10 mg/h for 240 min
	s = record(t, s, rateEv(30, mlh(126.1)))
	if len(s.Alerts) != 1 {
		t.Fatalf("alerts = %v, want one", alertRules(s))
	}
	a := s.Alerts[0].Alert
	if a.Observed != "10.088 mg/h (126.1 mL/h)" || a.Message != "Pump rate 10.088 mg/h is above the plan's 10 mg/h for step 1" {
		t.Errorf("observed %q, message %q", a.Observed, a.Message)
	}
}
