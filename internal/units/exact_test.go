package units

import (
	"math/big"
	"testing"
)

// TestConversionsAgainstRationals computes every rate conversion a second
// way, exactly, with math/big rationals from the decimal text, and checks
// the float64 result to 1e-12 relative (issue 3). Factors: 1 lb =
// 0.45359237 kg exactly (NIST SP 811 B.8); 1 h = 60 min; 1 mg = 1000 mcg.
func TestConversionsAgainstRationals(t *testing.T) {
	rat := func(s string) *big.Rat {
		r, ok := new(big.Rat).SetString(s)
		if !ok {
			t.Fatalf("bad rational %q", s)
		}
		return r
	}
	mul := func(a ...*big.Rat) *big.Rat {
		p := big.NewRat(1, 1)
		for _, x := range a {
			p.Mul(p, x)
		}
		return p
	}
	inv := func(a *big.Rat) *big.Rat { return new(big.Rat).Inv(a) }
	// Size of each rate unit in mg/h (mass) or mg/kg/h (per kg).
	rateUnits := map[Unit]*big.Rat{
		MgPerH: rat("1"), MgPerMin: rat("60"), McgPerH: rat("1/1000"), McgPerMin: rat("60/1000"),
		MgPerKgPerH: rat("1"), MgPerKgPerMin: rat("60"), McgPerKgPerH: rat("1/1000"), McgPerKgPerMin: rat("60/1000"),
	}
	weights := []struct {
		text string
		kg   *big.Rat
	}{
		{"70kg", rat("70")}, {"154lb", mul(rat("154"), rat("0.45359237"))}, {"3500g", rat("3.5")}, {"81.3kg", rat("81.3")}, {"201.7lb", mul(rat("201.7"), rat("0.45359237"))},
	}
	concs := []struct {
		text    string
		mgPerML *big.Rat
	}{
		{"80mg/500mL", rat("80/500")}, {"1mg/mL", rat("1")}, {"160mcg/mL", rat("0.16")}, {"0.5g/0.25L", rat("2")}, {"400mg/L", rat("0.4")},
	}
	values := []string{"0.35", "22.2", "0.07", "0.43", "7", "5", "13.37", "0.001", "1234.5678"}
	check := func(what string, got float64, want *big.Rat) {
		t.Helper()
		w, _ := want.Float64()
		if !near(got, w) {
			t.Errorf("%s = %v, exact %v", what, got, want.FloatString(20))
		}
	}
	for u, size := range rateUnits {
		for _, v := range values {
			r, err := ParseDoseRate("rate", v+string(u))
			if err != nil {
				t.Fatal(err)
			}
			base := mul(rat(v), size) // mg/h or mg/kg/h
			for _, wt := range weights {
				w, _ := ParseBodyWeight("weight", wt.text)
				for _, ct := range concs {
					c, _ := ParseConcentration("c", ct.text)
					var mgph, mgkgh *big.Rat
					if u.PerKilogram() {
						mgkgh, mgph = base, mul(base, wt.kg)
					} else {
						mgph, mgkgh = base, mul(base, inv(wt.kg))
					}
					name := r.String() + " at " + wt.text + " in " + ct.text
					mr, err1 := r.MassRate(&w, &c)
					wr, err2 := r.WeightRate(&w, &c)
					vr, err3 := r.VolumeRate(&w, &c)
					if err1 != nil || err2 != nil || err3 != nil {
						t.Fatalf("%s: %v %v %v", name, err1, err2, err3)
					}
					check(name+" mg/h", mr.MilligramsPerHour(), mgph)
					check(name+" mg/kg/h", wr.MilligramsPerKilogramPerHour(), mgkgh)
					check(name+" mcg/kg/min", wr.MicrogramsPerKilogramPerMinute(), mul(mgkgh, rat("1000/60")))
					check(name+" mL/h", vr.MillilitersPerHour(), mul(mgph, inv(ct.mgPerML)))
				}
			}
		}
	}
}
