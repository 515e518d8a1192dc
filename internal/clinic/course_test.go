package clinic_test

import (
	"testing"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/infusion"
)

// goldberg is Goldberg et al. 2005 (seeds/003_55ad5919aae10607.txt) at
// 71 kg from Monday 2 March 2026, +5 mg a day, midazolam IV.
func goldberg() clinic.PlanInput {
	return clinic.PlanInput{ProtocolID: "goldberg-2005", Weight: "71kg", StartDate: clinic.Date{Year: 2026, Month: 3, Day: 2},
		Settings: map[string]string{"daily-step": "+5mg", "midazolam-route": "IV"}}
}

// MakePlan's errors name the PlanInput field to fix.
func TestMakePlanErrors(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*clinic.PlanInput)
		field  string
	}{
		{"no protocol", func(in *clinic.PlanInput) { in.ProtocolID = "" }, "protocol_id"},
		{"unknown protocol", func(in *clinic.PlanInput) { in.ProtocolID = "goldberg-2006" }, "protocol_id"},
		{"weight without unit", func(in *clinic.PlanInput) { in.Weight = "71" }, "weight"},
		{"weight missing", func(in *clinic.PlanInput) { in.Weight = "" }, "weight"},
		{"weight in mg", func(in *clinic.PlanInput) { in.Weight = "71mg" }, "weight"},
		{"bag as concentration", func(in *clinic.PlanInput) { in.Bag = "0.16mg/mL" }, "bag"},
		{"bag without unit", func(in *clinic.PlanInput) { in.Bag = "80/500" }, "bag"},
		{"no start", func(in *clinic.PlanInput) { in.StartDate = clinic.Date{} }, "start_date"},
		// Goldberg's sessions fall on weekdays (003 Methods): a Saturday start is refused.
		{"weekend start", func(in *clinic.PlanInput) { in.StartDate = clinic.Date{Year: 2026, Month: 3, Day: 7} }, "start_date"},
		{"daily step missing", func(in *clinic.PlanInput) { delete(in.Settings, "daily-step") }, "settings.daily-step"},
		{"unknown detail", func(in *clinic.PlanInput) { in.Settings["colour"] = "blue" }, "settings.colour"},
		{"bad care area", func(in *clinic.PlanInput) { in.CareArea = "ward" }, "care_area"},
		{"BP threshold 0", func(in *clinic.PlanInput) { z := 0; in.BPRisePct = &z }, "bp_rise_pct"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := goldberg()
			c.mutate(&in)
			_, err := clinic.MakePlan(in)
			if clinic.ErrorCode(err) != clinic.EINVALID || clinic.ErrorField(err) != c.field {
				t.Errorf("error %v: code %q field %q, want invalid %q", err, clinic.ErrorCode(err), clinic.ErrorField(err), c.field)
			}
		})
	}
}

// Goldberg day 1: 40 mg over 4 h in 500 mL (003 Methods) at 71 kg gives
// one step of 10 mg/h for 240 minutes, 10/71 = 0.1408 mg/kg/h and
// 10 × 500 / 40 = 125 mL/h; the session's order carries the bag 40mg/500mL.
func TestGoldbergPlanAndOrder(t *testing.T) {
	pl, err := clinic.MakePlan(goldberg())
	if err != nil {
		t.Fatal(err)
	}
	d := pl.Day(1)
	if d == nil || len(d.Steps) != 1 {
		t.Fatalf("day 1 %+v", d)
	}
	s := d.Steps[0]
	if s.MgPerH != 10 || s.DurationMin != 240 || s.AmountMg != 40 || s.MLPerH == nil || *s.MLPerH != 125 || s.MgPerKgPerH != 10.0/71 {
		t.Errorf("day 1 step %+v", s)
	}
	if pl.Day(11) != nil || pl.Day(0) != nil {
		t.Error("plan has days outside 1–10")
	}
	o, err := clinic.SessionOrder(pl, 1, "s", "p", "v1")
	if err != nil {
		t.Fatal(err)
	}
	if o.Bag == nil || o.Bag.String() != "40mg/500mL" || len(o.Steps) != 1 || o.Steps[0].Minutes != 240 ||
		o.Steps[0].RateMgPerH != 10 || o.PlannedTotal() != 40 || o.Drug != infusion.Racemic || o.CareArea != "outpatient" {
		t.Errorf("order %+v", o)
	}
	// Day 9 with +5 mg a day: 40 + 8 × 5 = 80 mg in 500 mL, 20 mg/h.
	o9, err := clinic.SessionOrder(pl, 9, "s", "p", "v1")
	if err != nil {
		t.Fatal(err)
	}
	if o9.Bag.String() != "80mg/500mL" || o9.Steps[0].RateMgPerH != 20 {
		t.Errorf("day 9 order %+v", o9)
	}
	if _, err := clinic.SessionOrder(pl, 11, "s", "p", "v1"); clinic.ErrorField(err) != "day" {
		t.Errorf("day 11: %v", err)
	}
	// With a bag given, the order uses it.
	in := goldberg()
	in.Bag = "80mg/500mL"
	pb, err := clinic.MakePlan(in)
	if err != nil {
		t.Fatal(err)
	}
	ob, _ := clinic.SessionOrder(pb, 1, "s", "p", "v1")
	if ob.Bag.String() != "80mg/500mL" || *pb.Day(1).Steps[0].MLPerH != 62.5 { // 10 mg/h × 500 mL / 80 mg
		t.Errorf("order with a bag %+v, mL/h %v", ob, *pb.Day(1).Steps[0].MLPerH)
	}
	// Schwartzman 2009 at 154 lb without a bag: the day's amount in the
	// source's 100 mL is 0.35 mg/kg/h × 69.853 kg × 4 h = 97.79 mg, not a
	// label a pharmacy prints: the order leaves the bag to the label hung.
	sw, err := clinic.MakePlan(clinic.PlanInput{ProtocolID: "schwartzman-2009", Weight: "154lb", StartDate: clinic.Date{Year: 2026, Month: 3, Day: 2},
		Settings: map[string]string{"clonidine-dose": "0.1mg", "clonidine-route": "PO", "midazolam-dose": "2mg", "midazolam-route": "IV"}})
	if err != nil {
		t.Fatal(err)
	}
	if osw, err := clinic.SessionOrder(sw, 1, "s", "p", "v1"); err != nil || osw.Bag != nil || len(osw.Steps) != 1 {
		t.Errorf("weight-based order without a bag: %+v %v", osw, err)
	}
	// The session rules: the sourced defaults, with the clinician's BP threshold.
	if r := clinic.SessionRules(goldberg()); r.BPRisePct != infusion.DefaultRules().BPRisePct || r.TachycardiaRisePct != 20 {
		t.Errorf("rules %+v", r)
	}
	pct := 30
	in.BPRisePct = &pct
	if r := clinic.SessionRules(in); r.BPRisePct != 30 {
		t.Errorf("BP threshold %d", r.BPRisePct)
	}
}

// A step that does not last a whole number of minutes gives no planned
// rate profile rather than a rounded one.
func TestInfusionStepsWholeMinutes(t *testing.T) {
	day := clinic.PlanDay{Steps: []clinic.PlanStep{
		{Name: "b", OffsetMin: 30, DurationMin: 30, MgPerH: 20},
		{Name: "a", OffsetMin: 0, DurationMin: 30, MgPerH: 10},
		{Name: "bolus", Bolus: true, AmountMg: 5},
	}}
	m, r, ok := day.InfusionSteps()
	if !ok || len(m) != 2 || m[0] != 30 || r[0] != 10 || r[1] != 20 {
		t.Errorf("steps %v %v %v", m, r, ok)
	}
	day.Steps[0].DurationMin = 30.5
	if _, _, ok := day.InfusionSteps(); ok {
		t.Error("a 30.5-minute step was accepted")
	}
	if _, _, ok := (&clinic.PlanDay{Steps: []clinic.PlanStep{{Bolus: true}}}).InfusionSteps(); ok {
		t.Error("a day of boluses only has a rate profile")
	}
}

func TestCourseVersions(t *testing.T) {
	c := &clinic.Course{Versions: []*clinic.PlanVersion{{Version: 1, Status: clinic.PlanSigned}, {Version: 2, Status: clinic.PlanDraft}}}
	if c.Current().Version != 1 || c.Latest().Version != 2 || c.Version(2) == nil || c.Version(3) != nil {
		t.Errorf("current %d latest %d", c.Current().Version, c.Latest().Version)
	}
	if err := c.CheckChangeReason(""); clinic.ErrorField(err) != "reason" {
		t.Errorf("no reason after signing: %v", err)
	}
	if err := (&clinic.Course{Versions: []*clinic.PlanVersion{{Version: 1, Status: clinic.PlanDraft}}}).CheckChangeReason(""); err != nil {
		t.Errorf("a draft needs no reason: %v", err)
	}
}

func TestCourseRights(t *testing.T) {
	doc := &clinic.Actor{ClinicID: 1, Role: clinic.RoleClinician}
	nurse := &clinic.Actor{ClinicID: 1, Role: clinic.RoleNurse}
	admin := &clinic.Actor{ClinicID: 1, Role: clinic.RoleAdmin}
	other := &clinic.Actor{ClinicID: 2, Role: clinic.RoleClinician}
	cases := []struct {
		a                   *clinic.Actor
		plan, sign, charter bool
	}{
		{doc, true, true, true},
		{nurse, false, false, true},
		{admin, false, false, false},
		{other, false, false, false},
		{clinic.System, true, false, true},
		{nil, false, false, false},
	}
	for i, c := range cases {
		if got := clinic.CanPlanCourse(c.a, 1); got != c.plan {
			t.Errorf("%d: plan %v", i, got)
		}
		if got := clinic.CanSignPlan(c.a, 1); got != c.sign {
			t.Errorf("%d: sign %v", i, got)
		}
		if got := clinic.CanChart(c.a, 1); got != c.charter {
			t.Errorf("%d: chart %v", i, got)
		}
	}
}
