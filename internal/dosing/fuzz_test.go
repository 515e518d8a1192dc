package dosing

import (
	"encoding/json"
	"testing"

	"github.com/ketatrack/ketatrack/internal/druglib"
	"github.com/ketatrack/ketatrack/internal/units"
)

// FuzzCheck: any rate, weight and care area the parsers accept is either
// refused as uncheckable or gets a status, a decisive limit, messages and a
// report that encodes as JSON (no NaN or Inf).
func FuzzCheck(f *testing.F) {
	for _, s := range []struct{ rate, weight string }{
		{"0.35mg/kg/h", "70kg"}, {"80mg/4h", ""}, {"22.2mg/h/70kg", "70kg"}, {"7mg/kg/h", "70kg"},
		{"5mg/kg/min", "70kg"}, {"1mg/kg/h", "154kg"}, {"60mg/h", "70lb"}, {"125mL/h", ""}, {"1000000000mg/h", "1kg"},
	} {
		f.Add(s.rate, s.weight, uint8(0))
	}
	f.Fuzz(func(t *testing.T, rate, weight string, area uint8) {
		r, err := units.ParseDoseRate("rate", rate)
		if err != nil {
			return
		}
		req := Request{Drug: druglib.Racemic, CareArea: druglib.CareAreas[int(area)%3], Rate: &r}
		if w, err := units.ParseBodyWeight("weight", weight); err == nil {
			req.Weight = &w
		}
		c := units.MilligramsPerMilliliter(1)
		req.Concentration = &c
		res, err := Check(req)
		if err != nil {
			return
		}
		if res.Decisive == nil || len(res.Messages) == 0 || (res.Status != OK && res.Status != SoftLimit && res.Status != HardLimit) {
			t.Fatalf("%q %q: incomplete result %+v", rate, weight, res)
		}
		if _, err := json.Marshal(res.Report()); err != nil {
			t.Fatalf("%q %q: report does not encode: %v", rate, weight, err)
		}
	})
}
