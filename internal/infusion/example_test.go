package infusion_test

import (
	"fmt"
	"time"

	"github.com/ketatrack/ketatrack/internal/infusion"
	"github.com/ketatrack/ketatrack/internal/units"
)

// Example charts the start of Goldberg's day 1 (003_55ad5919aae10607.txt)
// through the real dose engine and reads the chart an hour in.
func Example() {
	bag, _ := units.ParseConcentration("bag", "40mg/500mL")
	rate, _ := units.ParseDoseRate("rate", "10mg/h")
	weight, _ := units.ParseBodyWeight("weight", "71kg")
	clonidine, _ := units.ParseDose("dose", "0.1mg")
	t := time.Date(2026, 3, 2, 8, 45, 0, 0, time.UTC)

	s, err := infusion.NewSession(infusion.Order{
		SessionID: "s-1", PatientID: "p-1", Drug: infusion.Racemic, CareArea: "outpatient",
		Bag: &bag, Steps: []infusion.Step{{Minutes: 240, RateMgPerH: 10}},
	}, infusion.DefaultRules())
	if err != nil {
		panic(err)
	}
	engine := infusion.DoseEngine{} // the default drug library
	for _, e := range []infusion.Event{
		{Kind: infusion.KindCheckIn, At: t, By: "nurse.a", CheckIn: &infusion.CheckIn{
			Weight: weight, BaselineAt: t,
			Baseline:      infusion.Vitals{HeartRate: 70, Systolic: 120, Diastolic: 75, SpO2: 98},
			Premedication: []infusion.Medication{{Drug: "clonidine", Dose: clonidine, Route: infusion.RoutePO, At: t}},
		}},
		{Kind: infusion.KindProgramme, At: t.Add(10 * time.Minute), By: "nurse.a", Programme: &infusion.Programme{
			Drug: infusion.Racemic, Bag: bag, Entered: rate,
			DoubleCheck: infusion.DoubleCheck{By: "nurse.b", Drug: infusion.Racemic, Concentration: bag},
		}},
		{Kind: infusion.KindStart, At: t.Add(15 * time.Minute), By: "nurse.a"},
		{Kind: infusion.KindVitals, At: t.Add(30 * time.Minute), By: "nurse.a",
			Vitals: &infusion.Vitals{HeartRate: 84, Systolic: 124, Diastolic: 76, SpO2: 97}},
	} {
		res, err := infusion.Record(s, e, t.Add(time.Hour), engine)
		if err != nil {
			fmt.Println("refused:", err)
			return
		}
		s = res.State
		for _, a := range res.Appended[1:] {
			fmt.Println("alert:", a.Alert.Message)
		}
	}
	sum := s.Summary(t.Add(75 * time.Minute))
	fmt.Printf("%v mg/h = %v mL/h; %v mg given, %v mL left\n",
		float64(sum.Rate.MgPerH), float64(sum.Rate.MLPerH), float64(sum.CumulativeDoseMg), float64(sum.RemainingVolumeML))
	for _, r := range sum.Reminders {
		fmt.Println("reminder:", r.Message)
	}
	// Output:
	// alert: Heart rate 84 /min is +20.0 % over this session's baseline of 70 /min
	// 10 mg/h = 125 mL/h; 10 mg given, 375 mL left
	// reminder: Vitals overdue by 30m0s (due 09:30)
}
