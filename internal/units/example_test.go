package units_test

import (
	"fmt"

	"github.com/ketatrack/ketatrack/internal/units"
)

// Schwartzman 2009 (001): 0.35 mg/kg/h for a 70-kg patient.
func ExampleParseDoseRate() {
	r, err := units.ParseDoseRate("--rate", "0.35mg/kg/h")
	if err != nil {
		fmt.Println(err)
		return
	}
	w := units.Kilograms(70)
	if _, err := r.MassRate(nil, nil); err != nil {
		fmt.Println(err)
	}
	mr, _ := r.MassRate(&w, nil)
	fmt.Println(mr, mr.Format(3))
	// Output:
	// rate 0.35mg/kg/h is per kg: a weight is needed
	// 24.5mg/h 24.5 mg/h
}

// Goldberg 2005 (003): 80 mg over 4 h from a bag of 80 mg in 500 mL.
func ExampleDoseRate_VolumeRate() {
	r, _ := units.ParseDoseRate("--rate", "80mg/4h")
	bag, _ := units.ParseConcentration("--concentration", "80mg/500mL")
	vr, _ := r.VolumeRate(nil, &bag)
	fmt.Println(vr)
	// Output: 125mL/h
}

func ExampleParseBodyWeight() {
	_, err := units.ParseBodyWeight("--weight", "70")
	fmt.Println(err)
	// Output: --weight "70": a number without a unit is ambiguous (kg or lb?) (accepted: kg, g, lb (also lbs))
}
