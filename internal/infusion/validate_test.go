package infusion

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/units"
)

// snapshot is the chart as JSON, to prove a refused event changed nothing.
func snapshot(t *testing.T, s State) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestBadInputIsRefused(t *testing.T) {
	checkedIn := func(t testing.TB) State { return chart(t, goldbergOrder(), checkInEv(0, 71, baseVitals())) }
	stopped := func(t testing.TB) State { return record(t, started(t), stopEv(60)) }
	vit := func(edit func(*Vitals)) Event {
		v := baseVitals()
		edit(&v)
		return vitalsEv(30, v)
	}
	prog := func(edit func(*Programme)) Event {
		e := programmeEv(10, mustBag("40mg/500mL"), mgh(10))
		edit(e.Programme)
		return e
	}
	cases := []struct {
		name  string
		state func(testing.TB) State
		e     Event
		code  string
		field string
	}{
		{"SpO2 140 %", started, vit(func(v *Vitals) { v.SpO2 = 140 }), EINVALID, "vitals.spo2_pct"},
		{"SpO2 0 %", started, vit(func(v *Vitals) { v.SpO2 = 0 }), EINVALID, "vitals.spo2_pct"},
		{"HR 0", started, vit(func(v *Vitals) { v.HeartRate = 0 }), EINVALID, "vitals.hr_per_min"},
		{"HR 400", started, vit(func(v *Vitals) { v.HeartRate = 400 }), EINVALID, "vitals.hr_per_min"},
		{"diastolic above systolic", started, vit(func(v *Vitals) { v.Systolic, v.Diastolic = 110, 120 }), EINVALID, "vitals.dbp_mmhg"},
		{"diastolic equal to systolic", started, vit(func(v *Vitals) { v.Systolic, v.Diastolic = 110, 110 }), EINVALID, "vitals.dbp_mmhg"},
		{"negative RR", started, vit(func(v *Vitals) { v.RespRate = perMin(-1) }), EINVALID, "vitals.rr_per_min"},
		{"RASS +5", started, vit(func(v *Vitals) { v.RASS = intp(5) }), EINVALID, "vitals.rass"},
		{"RASS -6", started, vit(func(v *Vitals) { v.RASS = intp(-6) }), EINVALID, "vitals.rass"},
		{"CADSS 93", started, vit(func(v *Vitals) { v.CADSS = intp(93) }), EINVALID, "vitals.cadss"},
		{"vitals before check-in", started, vitalsEv(-5, baseVitals()), EINVALID, "at"},
		{"vitals before any check-in", func(t testing.TB) State { return chart(t, goldbergOrder()) }, vitalsEv(5, baseVitals()), ECONFLICT, "kind"},
		{"vitals in the future", started, Event{Kind: KindVitals, At: far.Add(time.Minute), By: "nurse.a", Vitals: &Vitals{}}, EINVALID, "at"},
		{"rate change while stopped", stopped, rateEv(70, mgh(10)), ECONFLICT, "kind"},
		{"rate change before start", checkedIn, rateEv(5, mgh(10)), ECONFLICT, "kind"},
		{"rate beyond the hard limit", started, rateEv(30, mgh(151)), EHARDLIMIT, "rate_change.entered"},
		{"rate over the soft limit without a reason", started, rateEv(30, mgh(81)), ESOFTLIMIT, "rate_change.entered"},
		{"rate missing", started, rateEv(30, units.DoseRate{}), EINVALID, "rate_change.entered"},
		{"per-kg rate converts beyond the hard limit", started, rateEv(30, mustRate("2.5mg/kg/h")), EHARDLIMIT, "rate_change.entered"},
		{"per-minute rate converts beyond the hard limit", started, rateEv(30, mustRate("10mg/min")), EHARDLIMIT, "rate_change.entered"},
		{"programme beyond the hard limit", checkedIn, prog(func(p *Programme) { p.Entered = mlh(2000) }), EHARDLIMIT, "programme.entered"},
		{"double check: wrong drug", checkedIn, prog(func(p *Programme) { p.DoubleCheck.Drug = SKetamine }), EMISMATCH, "programme.double_check.drug"},
		{"double check: ten-fold concentration", checkedIn, prog(func(p *Programme) {
			p.DoubleCheck.Concentration = mustBag("0.8mg/mL")
		}), EMISMATCH, "programme.double_check.concentration"},
		{"double check: other label", checkedIn, prog(func(p *Programme) { p.DoubleCheck.Concentration = mustBag("80mg/500mL") }), EMISMATCH, "programme.double_check.concentration"},
		{"double check: same concentration, other volume", checkedIn, prog(func(p *Programme) { p.DoubleCheck.Concentration = mustBag("80mg/1000mL") }), EMISMATCH, "programme.double_check.concentration"},
		{"double check: nothing entered", checkedIn, prog(func(p *Programme) { p.DoubleCheck.Concentration = units.Concentration{} }), EINVALID, "programme.double_check.concentration"},
		{"programme: bag written as a concentration", checkedIn, prog(func(p *Programme) { p.Bag = mustBag("0.08mg/mL") }), EINVALID, "programme.bag"},
		{"double check: by nobody", checkedIn, prog(func(p *Programme) { p.DoubleCheck.By = "" }), EINVALID, "programme.double_check.by"},
		{"programme: drug not the order's", checkedIn, prog(func(p *Programme) { p.Drug, p.DoubleCheck.Drug = SKetamine, SKetamine }), EMISMATCH, "programme.drug"},
		{"programme: bag not the order's", checkedIn, prog(func(p *Programme) {
			p.Bag, p.DoubleCheck.Concentration = mustBag("80mg/500mL"), mustBag("80mg/500mL")
		}), EMISMATCH, "programme.bag"},
		{"programme while running", started, func() Event {
			e := prog(func(*Programme) {})
			e.At = at(30)
			return e
		}(), ECONFLICT, "kind"},
		{"start before programme", checkedIn, pumpEv(KindStart, 15), ECONFLICT, "kind"},
		{"pause while stopped", stopped, pumpEv(KindPause, 70), ECONFLICT, "kind"},
		{"second check-in", started, checkInEv(20, 71, baseVitals()), ECONFLICT, "kind"},
		{"pump event before the last one", started, pumpEv(KindPause, 12), EINVALID, "at"},
		{"no user", started, Event{Kind: KindPause, At: at(30)}, EINVALID, "by"},
		{"alert charted by a user", started, Event{Kind: KindAlert, At: at(30), By: "nurse.a", Alert: &Alert{Rule: RuleTachycardia, CauseSeq: 1}}, ECONFLICT, "kind"},
		{"payload of another kind", started, Event{Kind: KindPause, At: at(30), By: "nurse.a", Vitals: &Vitals{}}, EINVALID, ""},
		{"unknown kind", started, Event{Kind: "reboot", At: at(30), By: "nurse.a"}, EINVALID, "kind"},
		{"stale seq", started, Event{Seq: 2, Kind: KindPause, At: at(30), By: "nurse.a"}, ECONFLICT, "seq"},
		{"discharge before stop", started, Event{Kind: KindDischarge, At: at(30), By: "nurse.a", Discharge: &DischargeAssessment{}}, ECONFLICT, "kind"},
		{"discharge item 3", stopped, Event{Kind: KindDischarge, At: at(70), By: "nurse.a", Discharge: &DischargeAssessment{Pain: 3}}, EINVALID, "discharge.padss_pain"},
		{"side effect without action", started, Event{Kind: KindSideEffect, At: at(30), By: "nurse.a",
			SideEffect: &SideEffect{Effect: SEHeadache, Severity: Mild}}, EINVALID, "side_effect.action"},
		{"side effect grade 5", started, Event{Kind: KindSideEffect, At: at(30), By: "nurse.a",
			SideEffect: &SideEffect{Effect: SENausea, Severity: 5, Action: "none"}}, EINVALID, "side_effect.severity"},
		{"other side effect undescribed", started, Event{Kind: KindSideEffect, At: at(30), By: "nurse.a",
			SideEffect: &SideEffect{Effect: SEOther, Severity: Mild, Action: "none"}}, EINVALID, "side_effect.other"},
		{"medication without unit", started, Event{Kind: KindMedication, At: at(30), By: "nurse.a",
			Medication: &Medication{Drug: "midazolam", Route: RouteIV, At: at(30)}}, EINVALID, "medication.dose"},
		{"medication given after it was charted", started, Event{Kind: KindMedication, At: at(30), By: "nurse.a",
			Medication: &Medication{Drug: "ondansetron", Dose: mustDose("4mg"), Route: RouteIV, At: at(31)}}, EINVALID, "medication.at"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := c.state(t)
			before := snapshot(t, s)
			res, err := Record(s, c.e, far, testLimits)
			if err == nil {
				t.Fatalf("accepted; appended %d events", len(res.Appended))
			}
			if ErrorCode(err) != c.code || ErrorField(err) != c.field {
				t.Errorf("error %q: code %q field %q, want %q %q", err, ErrorCode(err), ErrorField(err), c.code, c.field)
			}
			if snapshot(t, s) != before {
				t.Error("the refused event changed the chart")
			}
		})
	}
}

func TestCheckInValidation(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(c *CheckIn)
		field string
	}{
		{"no weight", func(c *CheckIn) { c.Weight = units.BodyWeight{} }, "check_in.weight"},
		{"baseline SpO2 140", func(c *CheckIn) { c.Baseline.SpO2 = 140 }, "check_in.baseline.spo2_pct"},
		{"baseline after check-in", func(c *CheckIn) { c.BaselineAt = at(1) }, "check_in.baseline_at"},
		{"premedication without dose", func(c *CheckIn) { c.Premedication[0].Dose = units.Dose{} }, "check_in.premedication[0].dose"},
		{"premedication route", func(c *CheckIn) { c.Premedication[1].Route = "oral" }, "check_in.premedication[1].route"},
		{"premedication after check-in", func(c *CheckIn) { c.Premedication[1].At = at(5) }, "check_in.premedication[1].at"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, _ := NewSession(goldbergOrder(), DefaultRules())
			e := checkInEv(0, 71, baseVitals())
			c.edit(e.CheckIn)
			_, err := Record(s, e, far, testLimits)
			if ErrorCode(err) != EINVALID || ErrorField(err) != c.field {
				t.Errorf("error %v, want invalid %s", err, c.field)
			}
		})
	}
}

func TestSoftLimitWithReason(t *testing.T) {
	s := started(t)
	e := rateEv(30, mgh(90))
	e.RateChange.Override = &Override{Reason: "clinician ordered 90 mg/h after review"}
	res, err := Record(s, e, far, testLimits)
	if err != nil {
		t.Fatal(err)
	}
	got := res.Appended[0].RateChange
	if got.Check == nil || got.Check.Level != LevelSoft || got.Rate.MgPerH != 90 || got.Rate.MLPerH != 1125 {
		t.Errorf("stored rate change = %+v; want the soft verdict and 90 mg/h = 1125 mL/h", got)
	}
	if e.RateChange.Check != nil {
		t.Error("Record wrote into the caller's event")
	}
}

func TestHardLimitChangesNothing(t *testing.T) {
	s := started(t)
	before := snapshot(t, s)
	e := rateEv(30, mgh(1000)) // a ten-fold error of 100 mg/h
	e.RateChange.Override = &Override{Reason: "a reason cannot pass a hard limit"}
	if _, err := Record(s, e, far, testLimits); ErrorCode(err) != EHARDLIMIT {
		t.Fatalf("error %v, want hard limit", err)
	}
	if snapshot(t, s) != before || s.Summary(at(60)).Rate.MgPerH != 10 {
		t.Error("a refused rate changed the chart")
	}
}

// TestRecordNeverAltersEarlierStates records on a state, then on the same
// state again: the two branches must not see each other's events.
func TestRecordNeverAltersEarlierStates(t *testing.T) {
	s := started(t)
	before := snapshot(t, s)
	a, err := Record(s, vitalsEv(30, baseVitals()), far, testLimits)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Record(s, pumpEv(KindPause, 30), far, testLimits)
	if err != nil {
		t.Fatal(err)
	}
	if snapshot(t, s) != before {
		t.Error("recording altered the earlier state")
	}
	if a.State.Events[3].Kind != KindVitals || b.State.Events[3].Kind != KindPause {
		t.Error("two branches of the same state share events")
	}
	// Changing the caller's payload after recording does not reach the chart.
	v := baseVitals()
	e := vitalsEv(31, v)
	r, err := Record(s, e, far, testLimits)
	if err != nil {
		t.Fatal(err)
	}
	e.Vitals.HeartRate = 200
	*e.Vitals.RASS = 4
	if got := r.State.Vitals[0].Vitals; got.HeartRate != 70 || *got.RASS != 0 {
		t.Errorf("the caller's later edit reached the chart: %+v", got)
	}
}

func TestReplayRefusesImpossibleCharts(t *testing.T) {
	s := goldbergDay1(t)
	cases := []struct {
		name string
		edit func([]Event) []Event
	}{
		{"missing event", func(es []Event) []Event { return append(es[:3:3], es[4:]...) }},
		{"hard-limit rate stored", func(es []Event) []Event {
			p := *es[1].Programme
			p.Check = &DoseCheck{Level: LevelHard}
			es[1].Programme = &p
			return es
		}},
		{"soft-limit rate without a reason", func(es []Event) []Event {
			p := *es[1].Programme
			p.Check = &DoseCheck{Level: LevelSoft}
			es[1].Programme = &p
			return es
		}},
		{"unchecked rate", func(es []Event) []Event {
			p := *es[1].Programme
			p.Check = nil
			es[1].Programme = &p
			return es
		}},
		{"alert by a user", func(es []Event) []Event {
			for i := range es {
				if es[i].Kind == KindAlert {
					es[i].By = "nurse.a"
				}
			}
			return es
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			es := c.edit(append([]Event(nil), s.Events...))
			if _, err := Replay(s.Order, s.Rules, es); err == nil {
				t.Error("replay accepted an impossible chart")
			}
		})
	}
}

func TestOrderAndRulesValidation(t *testing.T) {
	o := goldbergOrder()
	o.Steps[0].Minutes = 0
	if _, err := NewSession(o, DefaultRules()); ErrorField(err) != "order.steps[0].minutes" {
		t.Errorf("error %v, want order.steps[0].minutes", err)
	}
	o = goldbergOrder()
	o.Drug = "ketamine"
	if _, err := NewSession(o, DefaultRules()); ErrorField(err) != "order.drug" {
		t.Errorf("error %v, want order.drug", err)
	}
	r := DefaultRules()
	r.VitalsEvery = 0
	if _, err := NewSession(goldbergOrder(), r); ErrorField(err) != "rules.vitals_every_ns" {
		t.Errorf("error %v, want rules.vitals_every_ns", err)
	}
}
