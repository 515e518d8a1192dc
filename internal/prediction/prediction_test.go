package prediction_test

import (
	"context"
	"errors"
	"math"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/infusion"
	"github.com/ketatrack/ketatrack/internal/pk"
	"github.com/ketatrack/ketatrack/internal/prediction"
	"github.com/ketatrack/ketatrack/internal/units"
)

// oneCompartment is testdata/one-compartment.yaml: V 100 L, CL 20 L/h, so
// k = 0.2 /h, and a concentration in ng/mL is 1000 · mg / 100 L.
func oneCompartment(t *testing.T) *pk.Model {
	t.Helper()
	b, err := os.ReadFile("testdata/one-compartment.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m, err := pk.ParseModel(b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

const (
	vL  = 100.0 // L
	clL = 20.0  // L/h
	k   = clL / vL
)

// infusionC is the closed form of a one-compartment model during a
// constant-rate infusion of r mg/h started t hours ago from c0 ng/mL:
// C(t) = c0·e^(−kt) + 1000·r/CL·(1 − e^(−kt)) (ng/mL: mg/L × 1000).
func infusionC(c0, r, t float64) float64 {
	return c0*math.Exp(-k*t) + 1000*r/clL*(1-math.Exp(-k*t))
}

// infusionAUC is ∫ infusionC over [0, t] (h·ng/mL).
func infusionAUC(c0, r, t float64) float64 {
	css := 1000 * r / clL
	return css*t + (c0-css)*(1-math.Exp(-k*t))/k
}

// decayC is C0·e^(−kt), and decayAUC its integral over [0, t].
func decayC(c0, t float64) float64   { return c0 * math.Exp(-k*t) }
func decayAUC(c0, t float64) float64 { return c0 * (1 - math.Exp(-k*t)) / k }

func predict(t *testing.T, m *pk.Model, reg prediction.Regimen) *prediction.Prediction {
	t.Helper()
	p, err := prediction.Predict(context.Background(), reg, prediction.Options{Model: m})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol*math.Max(1, math.Abs(want)) {
		t.Errorf("%s = %.9g, want %.9g (tolerance %g)", what, got, want, tol)
	}
}

// exact is the tolerance of values the engine computes exactly (matrix
// exponential of a 1×1 system): rounding only.
const exact = 1e-9

// closedCase is a regimen of the one-compartment model with its closed
// form.
type closedCase struct {
	name  string
	doses []pk.Dose
	// c is the closed form at t hours; auc its integral from 0.
	c, auc func(t float64) float64
	ends   []float64 // hours
	cmax   float64
	tmax   float64
	last   float64 // end of the last dose, h
	below  float64 // hours from last until C = 10 ng/mL
}

// constantRate: 20 mg/h for 4 h. C(4 h) = 1000·(1 − e^(−0.8)) = 550.67
// ng/mL, then C(4)·e^(−k(t−4)); below 10 ng/mL after ln(C(4)/10)/k.
func constantRate() closedCase {
	c4 := infusionC(0, 20, 4)
	return closedCase{
		name:  "constant-rate infusion",
		doses: []pk.Dose{{Start: 0, Duration: 4 * time.Hour, RateMgH: 20}},
		c: func(t float64) float64 {
			if t <= 4 {
				return infusionC(0, 20, t)
			}
			return decayC(c4, t-4)
		},
		auc: func(t float64) float64 {
			if t <= 4 {
				return infusionAUC(0, 20, t)
			}
			return infusionAUC(0, 20, 4) + decayAUC(c4, t-4)
		},
		ends: []float64{4}, cmax: c4, tmax: 4, last: 4, below: math.Log(c4/10) / k,
	}
}

// bolus: 50 mg at 1 h. C = 1000·50/100 = 500 ng/mL just after, then
// 500·e^(−k(t−1)); below 10 ng/mL after ln(50)/k = 19.56 h.
func bolus() closedCase {
	c0 := 1000 * 50 / vL
	return closedCase{
		name:  "bolus",
		doses: []pk.Dose{{Start: time.Hour, BolusMg: 50}},
		c: func(t float64) float64 {
			if t < 1 {
				return 0
			}
			return decayC(c0, t-1)
		},
		auc: func(t float64) float64 {
			if t < 1 {
				return 0
			}
			return decayAUC(c0, t-1)
		},
		cmax: c0, tmax: 1, last: 1, below: math.Log(c0/10) / k,
	}
}

// paused: 20 mg/h for 2 h, paused 1 h, 20 mg/h for 2 h more; each piece
// starts from where the last left off.
func paused() closedCase {
	c2 := infusionC(0, 20, 2)
	c3 := decayC(c2, 1)
	c5 := infusionC(c3, 20, 2)
	a2 := infusionAUC(0, 20, 2)
	a3 := a2 + decayAUC(c2, 1)
	a5 := a3 + infusionAUC(c3, 20, 2)
	return closedCase{
		name: "infusion with a pause",
		doses: []pk.Dose{{Start: 0, Duration: 2 * time.Hour, RateMgH: 20},
			{Start: 3 * time.Hour, Duration: 2 * time.Hour, RateMgH: 20}},
		c: func(t float64) float64 {
			switch {
			case t <= 2:
				return infusionC(0, 20, t)
			case t <= 3:
				return decayC(c2, t-2)
			case t <= 5:
				return infusionC(c3, 20, t-3)
			}
			return decayC(c5, t-5)
		},
		auc: func(t float64) float64 {
			switch {
			case t <= 2:
				return infusionAUC(0, 20, t)
			case t <= 3:
				return a2 + decayAUC(c2, t-2)
			case t <= 5:
				return a3 + infusionAUC(c3, 20, t-3)
			}
			return a5 + decayAUC(c5, t-5)
		},
		ends: []float64{2, 5}, cmax: c5, tmax: 5, last: 5, below: math.Log(c5/10) / k,
	}
}

// A constant-rate infusion, a bolus and an infusion with a pause, against
// their closed forms: every grid point, the end of each infusion, the day's
// Cmax, the hours until below 10 ng/mL and the AUC.
func TestClosedForms(t *testing.T) {
	m := oneCompartment(t)
	day := []prediction.Day{{Day: 1, CourseDay: 1}}
	cases := []closedCase{constantRate(), bolus(), paused()}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := predict(t, m, prediction.Regimen{Drug: "racemic", WeightKg: 70, Doses: c.doses, Days: day})
			if !p.TypicalOnly || p.Patients != 0 || len(p.Series) != 1 {
				t.Fatalf("typical only %v, %d patients, %d series: want the typical patient's one series", p.TypicalOnly, p.Patients, len(p.Series))
			}
			// The grid: every minute from 0 to the last dose + 24 h.
			wantN := int(math.Round((c.last+24)*60)) + 1
			if len(p.TimesH) != wantN {
				t.Fatalf("%d grid times, want %d", len(p.TimesH), wantN)
			}
			s := p.Series[0]
			for i, th := range p.TimesH {
				near(t, "C at "+units.FormatNumber(th, 6)+" h", s.Typical[i], c.c(th), exact)
			}
			sum := p.Summaries[0]
			if len(sum.Ends) != len(c.ends) {
				t.Fatalf("%d infusion ends, want %d", len(sum.Ends), len(c.ends))
			}
			for i, e := range sum.Ends {
				near(t, "end time", e.AtH, c.ends[i], exact)
				near(t, "C at the end of an infusion", e.ConcNgML.Value, c.c(c.ends[i]), exact)
			}
			near(t, "Cmax", sum.Days[0].CmaxNgML.Value, c.cmax, exact)
			near(t, "Tmax", sum.Days[0].TmaxH, c.tmax, exact)
			near(t, "last dose", sum.LastDoseH, c.last, exact)
			if sum.HoursBelow == nil {
				t.Fatal("no hours until below 10 ng/mL")
			}
			// Linear interpolation over one minute of an exponential: the
			// error is below Δt²·k/8 = (1/60)²·0.2/8 h ≈ 7·10⁻⁶ h.
			near(t, "hours until below 10 ng/mL", sum.HoursBelow.Value, c.below, 1e-5)
			// Trapezoids between exact points (cumulativeAUC's bound).
			end := p.TimesH[len(p.TimesH)-1]
			near(t, "AUC", sum.AUCHNgML.Value, c.auc(end), 1e-5)
			near(t, "cumulative AUC of day 1", sum.Days[0].AUCHNgML.Value, c.auc(end), 1e-5)
			if !strings.HasPrefix(p.Model.Validation, "not validated against measured concentrations") {
				t.Errorf("validation %q: want it to say plainly that the model is not validated", p.Model.Validation)
			}
		})
	}
}

// Cmax and cumulative AUC per treatment day: two sessions of a course on
// days 1 and 3 (48 h apart), each day's window running to the next day's
// start.
func TestCourseDays(t *testing.T) {
	m := oneCompartment(t)
	plan := &clinic.Plan{Drug: "racemic", WeightKg: 70, Days: []clinic.PlanDay{
		{Day: 1, CourseDay: 1, Steps: []clinic.PlanStep{{Name: "infusion", OffsetMin: 0, DurationMin: 240, MgPerH: 10}}},
		{Day: 2, CourseDay: 3, Steps: []clinic.PlanStep{{Name: "infusion", OffsetMin: 0, DurationMin: 240, MgPerH: 20}}},
	}}
	reg := prediction.PlanRegimen(plan)
	want := []pk.Dose{{Start: 0, Duration: 4 * time.Hour, RateMgH: 10}, {Start: 48 * time.Hour, Duration: 4 * time.Hour, RateMgH: 20}}
	if !slices.Equal(reg.Doses, want) {
		t.Fatalf("plan regimen %+v, want %+v", reg.Doses, want)
	}
	p := predict(t, m, reg)
	sum := p.Summaries[0]
	if len(sum.Days) != 2 || sum.Days[0].Day != 1 || sum.Days[1].Day != 2 || sum.Days[1].CourseDay != 3 {
		t.Fatalf("days %+v", sum.Days)
	}
	c4 := infusionC(0, 10, 4)
	c48 := decayC(c4, 44)
	c52 := infusionC(c48, 20, 4)
	near(t, "day 1 Cmax", sum.Days[0].CmaxNgML.Value, c4, exact)
	near(t, "day 2 Cmax", sum.Days[1].CmaxNgML.Value, c52, exact)
	near(t, "day 2 Tmax", sum.Days[1].TmaxH, 52, exact)
	near(t, "day 1 cumulative AUC (to 48 h)", sum.Days[0].AUCHNgML.Value, infusionAUC(0, 10, 4)+decayAUC(c4, 44-1.0/60), 1e-5)
	total := infusionAUC(0, 10, 4) + decayAUC(c4, 44) + infusionAUC(c48, 20, 4) + decayAUC(c52, 24)
	near(t, "cumulative AUC of the course", sum.Days[1].AUCHNgML.Value, total, 1e-5)
	near(t, "day 2's infusion end", sum.Ends[1].ConcNgML.Value, c52, exact)
	if sum.Ends[1].Day != 2 {
		t.Errorf("the second infusion ends on day %d, want 2", sum.Ends[1].Day)
	}
}

// sessionChart charts a session through the real dose engine: check-in at
// t0 (71 kg), 80 mg in 500 mL programmed at 10 mg/h, start at t0+10 min,
// an intravenous ketamine bolus of 10 mg at +40 min, midazolam and
// intranasal ketamine (not in the prediction), 20 mg/h from +70 min, a
// pause from +100 to +130 min, and a stop at +250 min.
func sessionChart(t *testing.T, bag string, stopMin int) (infusion.State, time.Time) {
	t.Helper()
	t0 := time.Date(2026, 3, 2, 8, 45, 0, 0, time.UTC)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	b, _ := units.ParseConcentration("bag", bag)
	s, err := infusion.NewSession(infusion.Order{SessionID: "s-1", PatientID: "p-1", Drug: infusion.Racemic, CareArea: "outpatient"},
		infusion.DefaultRules())
	if err != nil {
		t.Fatal(err)
	}
	dose := func(s string) units.Dose { d, _ := units.ParseDose("dose", s); return d }
	rate := func(s string) units.DoseRate { r, _ := units.ParseDoseRate("rate", s); return r }
	events := []infusion.Event{
		{Kind: infusion.KindCheckIn, At: t0, CheckIn: &infusion.CheckIn{Weight: units.Kilograms(71), BaselineAt: t0,
			Baseline: infusion.Vitals{HeartRate: 70, Systolic: 120, Diastolic: 75, SpO2: 98}}},
		{Kind: infusion.KindProgramme, At: at(5), Programme: &infusion.Programme{Drug: infusion.Racemic, Bag: b, Entered: rate("10mg/h"),
			DoubleCheck: infusion.DoubleCheck{By: "nurse.b", Drug: infusion.Racemic, Concentration: b}}},
		{Kind: infusion.KindStart, At: at(10)},
		{Kind: infusion.KindMedication, At: at(40), Medication: &infusion.Medication{Drug: "ketamine", Dose: dose("10mg"), Route: infusion.RouteIV, At: at(40)}},
		{Kind: infusion.KindMedication, At: at(45), Medication: &infusion.Medication{Drug: "midazolam", Dose: dose("2mg"), Route: infusion.RouteIV, At: at(45)}},
		{Kind: infusion.KindMedication, At: at(50), Medication: &infusion.Medication{Drug: "Ketamine", Dose: dose("25mg"), Route: infusion.RouteIN, At: at(50)}},
		{Kind: infusion.KindRateChange, At: at(70), RateChange: &infusion.RateChange{Entered: rate("20mg/h")}},
		{Kind: infusion.KindPause, At: at(100)},
		{Kind: infusion.KindResume, At: at(130)},
		{Kind: infusion.KindStop, At: at(stopMin), Stop: &infusion.Stop{Reason: infusion.StopCompleted}},
	}
	now := at(300)
	for _, e := range events {
		e.By = "nurse.a"
		res, err := infusion.Record(s, e, now, infusion.DoseEngine{})
		if err != nil {
			t.Fatalf("%s: %v", e.Kind, err)
		}
		s = res.State
	}
	return s, now
}

// The regimen of a charted session (a rate change, a pause, a bolus) is
// the one built by hand from the events, and so is its prediction.
func TestChartedRegimen(t *testing.T) {
	st, now := sessionChart(t, "80mg/500mL", 250)
	origin := prediction.SessionOrigin(st)
	if want := time.Date(2026, 3, 2, 8, 55, 0, 0, time.UTC); !origin.Equal(want) {
		t.Fatalf("origin %v, want the pump's start %v", origin, want)
	}
	reg := prediction.ChartedRegimen(st, origin, now, 1, 71)
	min := func(m int) time.Duration { return time.Duration(m) * time.Minute }
	// From the pump's start (+10 min): 10 mg/h for 60 min, 20 mg/h for 30
	// min, paused 30 min, 20 mg/h for 120 min; the IV bolus at 30 min.
	want := []pk.Dose{
		{Start: 0, Duration: min(60), RateMgH: 10},
		{Start: min(30), BolusMg: 10},
		{Start: min(60), Duration: min(30), RateMgH: 20},
		{Start: min(120), Duration: min(120), RateMgH: 20},
	}
	if !slices.Equal(reg.Doses, want) {
		t.Fatalf("charted regimen\n%+v\nwant\n%+v", reg.Doses, want)
	}
	if len(reg.Notes) != 1 || !strings.Contains(reg.Notes[0], "IN") {
		t.Errorf("notes %q: want one about the intranasal ketamine left out", reg.Notes)
	}
	m := oneCompartment(t)
	got := predict(t, m, reg)
	hand := predict(t, m, prediction.Regimen{Drug: "racemic", WeightKg: 71, Doses: want, Days: []prediction.Day{{Day: 1, CourseDay: 1}}})
	if !slices.Equal(got.Series[0].Typical, hand.Series[0].Typical) {
		t.Error("the charted session's prediction differs from the hand-built regimen's")
	}
	// The dose charted: 10 + 10 + 10 + 40 mg (Summary's cumulative dose plus
	// the bolus).
	near(t, "dose", got.DoseMg, 70, exact)
	near(t, "cumulative dose", float64(st.Summary(now).CumulativeDoseMg)+10, 70, exact)
}

// A bag that runs dry gives nothing after it did: 40 mg in 500 mL at 20
// mg/h (250 mL/h) holds 500 mL, so the charted pump running 2 h past the
// dry bag gives only up to it.
func TestChartedRegimenBagDry(t *testing.T) {
	st, now := sessionChart(t, "40mg/500mL", 250)
	reg := prediction.ChartedRegimen(st, prediction.SessionOrigin(st), now, 1, 71)
	// 62.5+… : 10 mg/h = 125 mL/h for 60 min (125 mL), 20 mg/h = 250 mL/h
	// for 30 min (125 mL), then 250 mL left: 60 min at 250 mL/h.
	min := func(m int) time.Duration { return time.Duration(m) * time.Minute }
	want := []pk.Dose{
		{Start: 0, Duration: min(60), RateMgH: 10},
		{Start: min(30), BolusMg: 10},
		{Start: min(60), Duration: min(30), RateMgH: 20},
		{Start: min(120), Duration: min(60), RateMgH: 20},
	}
	if !slices.Equal(reg.Doses, want) {
		t.Fatalf("charted regimen\n%+v\nwant\n%+v", reg.Doses, want)
	}
	var mg float64
	for _, d := range reg.Doses {
		mg += d.RateMgH * d.Duration.Hours()
	}
	near(t, "infused (the bag's 40 mg)", mg, float64(st.Summary(now).CumulativeDoseMg), exact)
}

// A model with between-subject variability runs 200 virtual patients of
// the patient's weight (seed 14): the median and the 5–95 % band equal the
// type-7 quantiles of the same 200 patients simulated one by one.
func TestPopulationBand(t *testing.T) {
	m, err := pk.Lookup("herd-2007")
	if err != nil {
		t.Fatal(err)
	}
	doses := []pk.Dose{{Start: 0, Duration: 2 * time.Hour, RateMgH: 10}}
	p, err := prediction.Predict(context.Background(), prediction.Regimen{Drug: "racemic", WeightKg: 40, Doses: doses,
		Days: []prediction.Day{{Day: 1, CourseDay: 1}}}, prediction.Options{Model: m, AgeY: 45})
	if err != nil {
		t.Fatal(err)
	}
	if p.TypicalOnly || p.Patients != 200 || p.Seed != 14 {
		t.Fatalf("typical only %v, %d patients, seed %d: want 200 virtual patients, seed 14", p.TypicalOnly, p.Patients, p.Seed)
	}
	if p.AgeWarning == "" {
		t.Error("no age warning for a 45-year-old with a model of children")
	}
	s := p.Series[0]
	for _, th := range []float64{0.5, 2, 3, 10} {
		i := int(math.Round(th * 60))
		var vals []float64
		for n := 0; n < 200; n++ {
			sys, err := m.System(40, m.PatientEta(14, n))
			if err != nil {
				t.Fatal(err)
			}
			res, err := pk.SimulateAt(sys, doses, []time.Duration{time.Duration(i) * time.Minute}, 0)
			if err != nil {
				t.Fatal(err)
			}
			vals = append(vals, res.Values[0][0])
		}
		sort.Float64s(vals)
		q := func(pr float64) float64 { // R's quantile(type = 7)
			h := 199 * pr
			lo := math.Floor(h)
			return vals[int(lo)] + (h-lo)*(vals[int(lo)+1]-vals[int(lo)])
		}
		near(t, "p5", s.P5[i], q(0.05), 1e-9)
		near(t, "p50", s.P50[i], q(0.5), 1e-9)
		near(t, "p95", s.P95[i], q(0.95), 1e-9)
	}
	f := p.Summaries[0].Days[0].CmaxNgML
	if f.P5 == nil || f.P95 == nil || !(*f.P5 <= f.Value && f.Value <= *f.P95) {
		t.Errorf("Cmax band %+v", f)
	}
}

// Refusals and warnings: a model of the other drug, an implausible weight,
// a weight outside the population, no doses; an enantioselective model
// gives each enantiomer.
func TestModelChecks(t *testing.T) {
	ctx := context.Background()
	doses := []pk.Dose{{Start: 0, Duration: 4 * time.Hour, RateMgH: 10}}
	lookup := func(id string) *pk.Model {
		m, err := pk.Lookup(id)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	reg := prediction.Regimen{Drug: "racemic", WeightKg: 70, Doses: doses, Days: []prediction.Day{{Day: 1, CourseDay: 1}}}
	var de *prediction.DrugError
	if _, err := prediction.Predict(ctx, reg, prediction.Options{Model: lookup("fanta-otto-s")}); !errors.As(err, &de) {
		t.Errorf("S-ketamine model on a racemic regimen: %v, want a DrugError", err)
	}
	heavy := reg
	heavy.WeightKg = 700
	if _, err := prediction.Predict(ctx, heavy, prediction.Options{Model: lookup("kamp-2020-racemic")}); clinic.ErrorField(err) != "weight" {
		t.Errorf("700 kg: %v, want an error on weight", err)
	}
	empty := reg
	empty.Doses = nil
	if _, err := prediction.Predict(ctx, empty, prediction.Options{Model: lookup("kamp-2020-racemic")}); !errors.Is(err, prediction.ErrNoDoses) {
		t.Errorf("no doses: %v", err)
	}
	s := reg
	s.Drug, s.WeightKg = "s-ketamine", 120
	p, err := prediction.Predict(ctx, s, prediction.Options{Model: lookup(prediction.DefaultModel("s-ketamine"))})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.WeightWarning, "outside the model's population") {
		t.Errorf("120 kg with fanta-otto-s: weight warning %q", p.WeightWarning)
	}
	if got := []string{p.Series[0].Label, p.Series[1].Label}; !slices.Equal(got, []string{"S-ketamine", "S-norketamine"}) {
		t.Errorf("labels %q", got)
	}
	p, err = prediction.Predict(ctx, reg, prediction.Options{Model: lookup("hasan-2021-rs")})
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, s := range p.Series {
		labels = append(labels, s.Label)
	}
	if !slices.Equal(labels, []string{"ketamine", "R-ketamine", "S-ketamine"}) {
		t.Errorf("enantioselective model's series %q", labels)
	}
	// R + S = total at every time (the model's sum state).
	for i := range p.TimesH {
		near(t, "R + S", p.Series[1].Typical[i]+p.Series[2].Typical[i], p.Series[0].Typical[i], 1e-9)
	}
	def := lookup(prediction.DefaultModel("racemic"))
	if def.ID != "kamp-2020-racemic" || def.Drug != "racemic" {
		t.Errorf("default racemic model %s (%s)", def.ID, def.Drug)
	}
}

// A chart's thinning keeps every day's peak and stays near its size.
func TestChartIndices(t *testing.T) {
	m := oneCompartment(t)
	plan := &clinic.Plan{Drug: "racemic", WeightKg: 70}
	for d := 1; d <= 10; d++ {
		plan.Days = append(plan.Days, clinic.PlanDay{Day: d, CourseDay: d, Steps: []clinic.PlanStep{{Name: "infusion", DurationMin: 240, MgPerH: float64(10 + d)}}})
	}
	p := predict(t, m, prediction.PlanRegimen(plan))
	idx := p.ChartIndices(1000)
	if len(idx) > 1002 || len(idx) < 500 || idx[0] != 0 || idx[len(idx)-1] != len(p.TimesH)-1 || !slices.IsSorted(idx) {
		t.Fatalf("%d indices from %d points", len(idx), len(p.TimesH))
	}
	for _, d := range p.Summaries[0].Days {
		i := int(math.Round(d.TmaxH * 60))
		if !slices.Contains(idx, i) {
			t.Errorf("day %d's peak at %v h is thinned out", d.Day, d.TmaxH)
		}
	}
	if got := len(p.ChartIndices(len(p.TimesH) + 1)); got != len(p.TimesH) {
		t.Errorf("%d indices, want all %d", got, len(p.TimesH))
	}
}
