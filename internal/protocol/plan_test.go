package protocol

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/units"
)

func plan(t *testing.T, id, weight string, area string, set map[string]string) *Plan {
	t.Helper()
	lib, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	pl, err := lib.Plan(id, Request{Weight: mustWeight(t, weight), CareArea: area, Settings: set,
		Start: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	return pl
}

func approx(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// infusionRates returns the mg/h of every infusion step in order.
func infusionRates(pl *Plan) (rates []float64, days []int) {
	for _, d := range pl.Days {
		for _, s := range d.Steps {
			if !s.Bolus {
				rates = append(rates, s.MgPerH)
				days = append(days, d.CourseDay)
			}
		}
	}
	return rates, days
}

func TestIntervalCalendarAndListStep(t *testing.T) {
	// Dworkin 000: 320 mg over 4 h, then 360 mg over 4 h 10 days later.
	pl := plan(t, "dworkin-2021-case", "80kg", "", map[string]string{"regimen": "post-amputation"})
	rates, days := infusionRates(pl)
	if len(rates) != 2 || !approx(rates[0], 80) || !approx(rates[1], 90) || days[0] != 1 || days[1] != 11 {
		t.Errorf("rates %v on days %v, want 80 and 90 mg/h on days 1 and 11", rates, days)
	}
	if !approx(pl.CourseMg, 680) {
		t.Errorf("course %v mg, want 320 + 360", pl.CourseMg)
	}
}

func TestLinearReachThenHold(t *testing.T) {
	// Kirkpatrick 001: 60 mg/h on day 1, 200 mg/h on day 4, held after.
	pl := plan(t, "kirkpatrick-2020", "70kg", "inpatient", map[string]string{"regimen": "upper-limb", "days": "6", "hours-per-day": "24h", "daily-step": "linear"})
	rates, _ := infusionRates(pl)
	want := []float64{60, 60 + 140.0/3, 60 + 280.0/3, 200, 200, 200}
	if len(rates) != len(want) {
		t.Fatalf("rates %v", rates)
	}
	for i := range want {
		if !approx(rates[i], want[i]) {
			t.Errorf("day %d: %v mg/h, want %v", i+1, rates[i], want[i])
		}
	}
}

func TestPerDayDoseAndIntervalStages(t *testing.T) {
	// Kiefer pilot 001: 50 -> 500 mg/day over 10 days; daily linear steps
	// are 50, 100, ..., 500 mg/day = that / 24 mg/h.
	pl := plan(t, "kiefer-2008-s-pilot", "70kg", "inpatient", map[string]string{"titration-interval": "24h", "titration-step": "linear"})
	for i, d := range pl.Days {
		want := 50 * float64(i+1)
		if !approx(d.SessionMg, want) {
			t.Errorf("day %d: %v mg, want %v mg/day", i+1, d.SessionMg, want)
		}
	}
	if !approx(pl.CourseMg, 2750) {
		t.Errorf("course %v, want 50+100+...+500 = 2750 mg", pl.CourseMg)
	}
}

func TestMaxRateCap(t *testing.T) {
	// Schwartzman's abstract: 0.35 mg/kg/h, not to exceed 25 mg/h: at 80 kg
	// 28 mg/h is capped to 25 mg/h.
	set := map[string]string{"clonidine-dose": "0.1mg", "clonidine-route": "PO", "midazolam-dose": "2mg", "midazolam-route": "IV"}
	pl := plan(t, "schwartzman-2009", "80kg", "", set)
	if s := pl.Days[0].Steps[0]; !approx(s.MgPerH, 25) || !approx(s.AmountMg, 100) {
		t.Errorf("80 kg: %v mg/h, %v mg, want 25 and 100", s.MgPerH, s.AmountMg)
	}
	if !strings.Contains(strings.Join(pl.Warnings, "\n"), "capped at 25mg/h") {
		t.Errorf("no cap warning: %v", pl.Warnings)
	}
	pl = plan(t, "schwartzman-2009", "70kg", "", set)
	if s := pl.Days[0].Steps[0]; !approx(s.MgPerH, 24.5) || !approx(s.MlPerH, 25) {
		t.Errorf("70 kg: %v mg/h at %v mL/h, want 24.5 at the trial's 25 mL/h", s.MgPerH, s.MlPerH)
	}
}

func TestRulesRangesAndCareAreaWarnings(t *testing.T) {
	// Correll 001: above 35 mg/h patients did not respond.
	pl := plan(t, "correll-2004", "70kg", "", map[string]string{"rate": "40mg/h", "length": "4.7d"})
	w := strings.Join(pl.Warnings, "\n")
	if !strings.Contains(w, "non-responders") || !strings.Contains(w, "outside the range the source reports, 15mg/h to 25mg/h") {
		t.Errorf("correll warnings: %s", w)
	}
	if n := len(pl.Days); n != 5 || !approx(pl.CourseMg, 40*4.7*24) {
		t.Errorf("correll: %d days, %v mg; want 5 days (4.7 d) and %v mg", n, pl.CourseMg, 40*4.7*24)
	}
	// Kiefer's bolus outside 1-1.5 mg/kg, and an ICU protocol planned on a ward.
	pl = plan(t, "kiefer-2008-anesthetic", "70kg", "inpatient", map[string]string{"induction-bolus": "2mg/kg", "daily-step": "linear"})
	w = strings.Join(pl.Warnings, "\n")
	if !strings.Contains(w, "2mg/kg is outside the range") || !strings.Contains(w, "planned for inpatient") {
		t.Errorf("kiefer warnings: %s", w)
	}
	if pl.Status != StatusHardLimit {
		t.Errorf("kiefer on a ward: %v, want hard_limit", pl.Status)
	}
}

func TestPulses(t *testing.T) {
	// Sigtermans 2010: 7 pulses of 5 min every 20 min, 0.02 -> 0.15 mg/kg.
	pl := plan(t, "sigtermans-2010", "70kg", "inpatient", map[string]string{"pulse-doses": "linear"})
	steps := pl.Days[0].Steps
	if len(steps) != 7 {
		t.Fatalf("%d steps", len(steps))
	}
	total := 0.0
	for k, s := range steps {
		perKg := 0.02 + 0.13*float64(k)/6
		if !approx(s.StartH, float64(k)/3) || !approx(s.DurationH, 5.0/60) || !approx(s.AmountMg, perKg*70) || !approx(s.MgPerH, perKg*70*12) {
			t.Errorf("pulse %d: start %v h, %v h, %v mg, %v mg/h", k+1, s.StartH, s.DurationH, s.AmountMg, s.MgPerH)
		}
		total += perKg * 70
	}
	if !approx(pl.CourseMg, total) {
		t.Errorf("course %v, want %v", pl.CourseMg, total)
	}
}

// Doses is what the simulator integrates: the amount it implies must be the
// course total, and doses must be in time order with pieces joined.
func TestDosesMatchCourse(t *testing.T) {
	lib, _ := Builtin()
	cases := []struct {
		id, area string
		set      map[string]string
		wantN    int
	}{
		{"kiefer-2008-anesthetic", "", map[string]string{"induction-bolus": "1mg/kg", "daily-step": "linear"}, 6},
		{"goebel-2015", "inpatient", map[string]string{"lab-interval": "24h"}, 1},
		{"goldberg-2005", "", map[string]string{"daily-step": "linear", "midazolam-route": "IV"}, 10},
	}
	for _, c := range cases {
		pl, err := lib.Plan(c.id, Request{Weight: mustWeight(t, "70kg"), CareArea: c.area, Settings: c.set})
		if err != nil {
			t.Fatal(err)
		}
		doses := pl.Doses()
		if len(doses) != c.wantN {
			t.Errorf("%s: %d doses, want %d", c.id, len(doses), c.wantN)
		}
		sum, last := 0.0, -1.0
		for _, d := range doses {
			if d.Start.Hours() < last {
				t.Errorf("%s: doses out of order", c.id)
			}
			last = d.Start.Hours()
			if d.IsBolus() {
				sum += d.Bolus.Milligrams()
			} else {
				sum += d.Rate.MilligramsPerHour() * d.Duration.Hours()
			}
		}
		if !approx(sum, pl.CourseMg) {
			t.Errorf("%s: doses give %v mg, course %v mg", c.id, sum, pl.CourseMg)
		}
	}
	// Goebel: one continuous 0.9 mg/kg/h infusion of 4.5 days, split into
	// five days in the plan, joined again for the simulator.
	pl, _ := lib.Plan("goebel-2015", Request{Weight: mustWeight(t, "70kg"), CareArea: "inpatient", Settings: map[string]string{"lab-interval": "24h"}})
	if d := pl.Doses()[0]; !approx(d.Duration.Hours(), 108) || !approx(d.Rate.MilligramsPerHour(), 63) {
		t.Errorf("goebel dose %v for %v", d.Rate, d.Duration)
	}
}

func TestRequestErrors(t *testing.T) {
	lib, _ := Builtin()
	set := map[string]string{"daily-step": "+5mg", "midazolam-route": "IV"}
	tests := []struct {
		name  string
		req   Request
		field string
	}{
		{"weekend", Request{Weight: mustWeight(t, "70kg"), Settings: set, Start: time.Date(2026, 1, 4, 0, 0, 0, 0, time.UTC)}, "--start"},
		{"unknown key", Request{Weight: mustWeight(t, "70kg"), Settings: map[string]string{"x": "1"}}, "--set x"},
		{"zero weight", Request{Settings: set}, "--weight"},
		{"bad area", Request{Weight: mustWeight(t, "70kg"), Settings: set, CareArea: "home"}, "--setting"},
		{"decreasing list too long", Request{Weight: mustWeight(t, "70kg"), Settings: map[string]string{"daily-step": "40mg,50mg", "midazolam-route": "IV"}}, "--set daily-step"},
		{"list above ceiling", Request{Weight: mustWeight(t, "70kg"), Settings: map[string]string{"daily-step": "40mg,40mg,40mg,40mg,40mg,40mg,40mg,40mg,40mg,90mg", "midazolam-route": "IV"}}, "--set daily-step"},
	}
	for _, tt := range tests {
		_, err := lib.Plan("goldberg-2005", tt.req)
		var ie *InputError
		if !errors.As(err, &ie) || !strings.HasPrefix(err.Error(), tt.field) {
			t.Errorf("%s: err = %v, want an InputError naming %s", tt.name, err, tt.field)
		}
	}
	// Correll's rate must be a rate: an amount would be spread over 4.7 days.
	if _, err := lib.Plan("correll-2004", Request{Weight: mustWeight(t, "70kg"), Settings: map[string]string{"rate": "40mg", "length": "4.7d"}}); err == nil || !strings.Contains(err.Error(), "--set rate: 40mg is an amount") {
		t.Errorf("amount as a continuous rate: %v", err)
	}
	if _, err := lib.Plan("nobody", Request{Weight: mustWeight(t, "70kg")}); err == nil || !strings.Contains(err.Error(), "--protocol") {
		t.Errorf("unknown protocol: %v", err)
	}
}

func TestIgnoredSettingWarns(t *testing.T) {
	// Patil with one infusion needs no interval: the setting is reported, not silently dropped.
	pl := plan(t, "patil-2012", "60kg", "", map[string]string{"infusions": "1", "interval": "3wk", "infusion-duration": "45min",
		"midazolam-dose": "2mg", "midazolam-route": "IV", "ondansetron-dose": "4mg", "ondansetron-route": "IV"})
	if !strings.Contains(strings.Join(pl.Warnings, "\n"), "--set interval=3wk was not needed") {
		t.Errorf("warnings %v", pl.Warnings)
	}
}

func TestRepeatEveryNWeeks(t *testing.T) {
	// Patil 001: every three to four weeks; later doses as the clinician lists them.
	set := map[string]string{"infusions": "3", "interval": "3wk", "infusion-duration": "45min", "later-doses": "0.5mg/kg,0.7mg/kg,0.9mg/kg",
		"midazolam-dose": "2mg", "midazolam-route": "IV", "ondansetron-dose": "4mg", "ondansetron-route": "IV"}
	pl := plan(t, "patil-2012", "154lb", "", set)
	kg := 154 * 0.45359237 // 1 lb = 0.45359237 kg exactly
	for i, want := range []struct {
		courseDay int
		date      string
		perKg     float64
	}{{1, "2026-01-05", 0.5}, {22, "2026-01-26", 0.7}, {43, "2026-02-16", 0.9}} {
		d := pl.Days[i]
		if d.CourseDay != want.courseDay || d.Date.Format(time.DateOnly) != want.date || !approx(d.SessionMg, want.perKg*kg) || !approx(d.Steps[0].MgPerH, want.perKg*kg/0.75) {
			t.Errorf("infusion %d: day %d %s, %v mg at %v mg/h; want day %d %s, %v mg", i+1, d.CourseDay, d.Date.Format(time.DateOnly), d.SessionMg, d.Steps[0].MgPerH, want.courseDay, want.date, want.perKg*kg)
		}
	}
}

// BenchmarkExpand measures one Goldberg 2005 plan (10 sessions, every step
// checked by the drug library): go test -bench Expand ./internal/protocol.
func BenchmarkExpand(b *testing.B) {
	lib, err := Builtin()
	if err != nil {
		b.Fatal(err)
	}
	p, _ := lib.Lookup("goldberg-2005")
	w, _ := units.ParseBodyWeight("weight", "71kg")
	bag, _ := units.ParseConcentration("bag", "80mg/500mL")
	req := Request{Weight: w, Bag: &bag, Settings: map[string]string{"daily-step": "+5mg", "midazolam-route": "IV"}}
	for b.Loop() {
		if _, err := Expand(p, req); err != nil {
			b.Fatal(err)
		}
	}
}
