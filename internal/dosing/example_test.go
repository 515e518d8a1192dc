package dosing_test

import (
	"fmt"

	"github.com/ketatrack/ketatrack/internal/dosing"
	"github.com/ketatrack/ketatrack/internal/druglib"
	"github.com/ketatrack/ketatrack/internal/units"
)

// Kiefer 2008's anaesthetic 7 mg/kg/h (001) requested for an outpatient.
func ExampleCheck() {
	r, _ := units.ParseDoseRate("--rate", "7mg/kg/h")
	w := units.Kilograms(70)
	res, err := dosing.Check(dosing.Request{Drug: druglib.Racemic, CareArea: druglib.Outpatient, Rate: &r, Weight: &w})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Status, res.MassRate, res.Accepted())
	for _, f := range res.Findings {
		fmt.Println(f.Kind)
	}
	// Output:
	// hard_limit 490mg/h false
	// ten_fold_high
	// icu_dose_outside_icu
}
