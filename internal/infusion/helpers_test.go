package infusion

import (
	"fmt"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/units"
)

// t0 is the check-in time used throughout the tests.
var t0 = time.Date(2026, 3, 2, 8, 45, 0, 0, time.UTC)

// at returns t0 plus m minutes.
func at(m float64) time.Time { return t0.Add(time.Duration(m * float64(time.Minute))) }

// far is a "now" after every event in the tests.
var far = t0.Add(48 * time.Hour)

func intp(i int) *int { return &i }

// goldbergOrder is Goldberg day 1 (003_55ad5919aae10607.txt): racemic, 40 mg
// in 500 mL over 4 h = one step of 10 mg/h for 240 min, outpatient.
func goldbergOrder() Order {
	return Order{
		SessionID: "s-1", PatientID: "p-1", Drug: Racemic, CareArea: "outpatient",
		Bag:   ptr(mustBag("40mg/500mL")),
		Steps: []Step{{Minutes: 240, RateMgPerH: 10}},
	}
}

// baseline vitals for the tests: HR 70, BP 120/75, SpO2 98 % on air.
func baseVitals() Vitals {
	return Vitals{HeartRate: 70, Systolic: 120, Diastolic: 75, SpO2: 98, RespRate: perMin(14), RASS: intp(0)}
}

func perMin(n int) *PerMinute { p := PerMinute(n); return &p }

// testLimits is a stand-in drug library for the outpatient care area with
// the defaults of shared/CLINICAL.md ("Default drug-library limits"): soft
// max 80 mg/h, hard max 150 mg/h, on the rate the chart converted.
var testLimits = RateCheckFunc(func(q RateQuery) (DoseCheck, error) {
	switch r := q.Rate.MgPerH; {
	case r > 150:
		return DoseCheck{Level: LevelHard, Limit: "hard max 150 mg/h (outpatient)", Source: "shared/CLINICAL.md"}, nil
	case r > 80:
		return DoseCheck{Level: LevelSoft, Limit: "soft max 80 mg/h (outpatient)", Source: "shared/CLINICAL.md"}, nil
	}
	return DoseCheck{Level: LevelOK}, nil
})

func ptr[T any](v T) *T { return &v }

func mustBag(s string) units.Concentration {
	c, err := units.ParseConcentration("bag", s)
	if err != nil {
		panic(err)
	}
	return c
}

func mustRate(s string) units.DoseRate {
	r, err := units.ParseDoseRate("rate", s)
	if err != nil {
		panic(err)
	}
	return r
}

func mustDose(s string) units.Dose {
	d, err := units.ParseDose("dose", s)
	if err != nil {
		panic(err)
	}
	return d
}

func mgh(v float64) units.DoseRate { return mustRate(fmt.Sprint(v) + "mg/h") }
func mlh(v float64) units.DoseRate { return mustRate(fmt.Sprint(v) + "mL/h") }

func checkInEv(m float64, kg float64, base Vitals) Event {
	return Event{Kind: KindCheckIn, At: at(m), By: "nurse.a", CheckIn: &CheckIn{
		Weight: units.Kilograms(kg), Baseline: base, BaselineAt: at(m),
		Premedication: []Medication{
			{Drug: "clonidine", Dose: mustDose("0.1mg"), Route: RoutePO, At: at(m)},
			{Drug: "midazolam", Dose: mustDose("2mg"), Route: RouteIV, At: at(m)},
		},
	}}
}

func programmeEv(m float64, bag units.Concentration, rate units.DoseRate) Event {
	return Event{Kind: KindProgramme, At: at(m), By: "nurse.a", Programme: &Programme{
		Drug: Racemic, Bag: bag, Entered: rate,
		DoubleCheck: DoubleCheck{By: "nurse.b", Drug: Racemic, Concentration: bag},
	}}
}

func pumpEv(k Kind, m float64) Event { return Event{Kind: k, At: at(m), By: "nurse.a"} }

func rateEv(m float64, r units.DoseRate) Event {
	return Event{Kind: KindRateChange, At: at(m), By: "nurse.a", RateChange: &RateChange{Entered: r, Reason: "titration"}}
}

func stopEv(m float64) Event {
	return Event{Kind: KindStop, At: at(m), By: "nurse.a", Stop: &Stop{Reason: StopCompleted}}
}

func vitalsEv(m float64, v Vitals) Event {
	return Event{Kind: KindVitals, At: at(m), By: "nurse.a", Vitals: &v}
}

func ackEv(m float64, alertSeq int, by, action string) Event {
	return Event{Kind: KindAcknowledge, At: at(m), By: by, Acknowledge: &Acknowledgement{AlertSeq: alertSeq, Action: action}}
}

// chart records the events in order under the default rules and fails the
// test on the first error.
func chart(t testing.TB, o Order, events ...Event) State {
	t.Helper()
	s, err := NewSession(o, DefaultRules())
	if err != nil {
		t.Fatal(err)
	}
	return record(t, s, events...)
}

func record(t testing.TB, s State, events ...Event) State {
	t.Helper()
	for _, e := range events {
		res, err := Record(s, e, far, testLimits)
		if err != nil {
			t.Fatalf("recording %s at %s: %v", e.Kind, e.At.Format("15:04"), err)
		}
		s = res.State
	}
	return s
}

// started is a Goldberg day-1 session checked in at 0 and started at 15 min.
func started(t testing.TB) State {
	return chart(t, goldbergOrder(),
		checkInEv(0, 71, baseVitals()),
		programmeEv(10, mustBag("40mg/500mL"), mgh(10)),
		pumpEv(KindStart, 15),
	)
}

func alertRules(s State) []string {
	var out []string
	for _, a := range s.Alerts {
		out = append(out, fmt.Sprintf("%s@%d", a.Alert.Rule, a.Alert.CauseSeq))
	}
	return out
}
