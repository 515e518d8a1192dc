package units

import "fmt"

// MassRate is a rate of drug in mg/h: what a pump delivers in amount.
type MassRate struct{ mgph float64 }

// MilligramsPerHour returns a rate of v mg/h.
func MilligramsPerHour(v float64) MassRate { return MassRate{v} }

// MilligramsPerMinute returns a rate of v mg/min (= 60·v mg/h).
func MilligramsPerMinute(v float64) MassRate { return MassRate{v * 60} }

// MilligramsPerHour returns the rate in mg/h.
func (r MassRate) MilligramsPerHour() float64 { return r.mgph }

// MilligramsPerMinute returns the rate in mg/min.
func (r MassRate) MilligramsPerMinute() float64 { return r.mgph / 60 }

// For returns the amount given at this rate during d.
func (r MassRate) For(d Duration) Mass { return Milligrams(r.mgph * d.Hours()) }

// Add returns r + o.
func (r MassRate) Add(o MassRate) MassRate { return MassRate{r.mgph + o.mgph} }

// Scale returns r × f.
func (r MassRate) Scale(f float64) MassRate { return MassRate{r.mgph * f} }

// PerKilogram returns the rate per kg of w. It fails unless w is a positive
// weight.
func (r MassRate) PerKilogram(w BodyWeight) (WeightRate, error) {
	if err := w.check(); err != nil {
		return WeightRate{}, fmt.Errorf("rate %s per kg: %w", r, err)
	}
	return WeightRate{r.mgph / w.Kilograms()}, nil
}

// VolumeRate returns the pump rate that delivers r from a solution of c. It
// fails unless c is a positive concentration.
func (r MassRate) VolumeRate(c Concentration) (VolumeRate, error) {
	if err := c.check(); err != nil {
		return VolumeRate{}, fmt.Errorf("rate %s in mL/h: %w", r, err)
	}
	return VolumeRate{r.mgph / c.MilligramsPerMilliliter()}, nil
}

// DoseRate returns r as a rate written in mg/h.
func (r MassRate) DoseRate() DoseRate { return DoseRate{form: FormMass, v: r.mgph, u: MgPerH} }

// String prints the rate exactly: "24.5mg/h".
func (r MassRate) String() string { return formatExact(r.mgph) + string(MgPerH) }

// Format prints the rate to sig significant digits, for reading only.
func (r MassRate) Format(sig int) string { return formatSig(r.mgph, sig) + " " + string(MgPerH) }

// WeightRate is a rate of drug per kg of body weight, in mg/kg/h.
type WeightRate struct{ mgpkgph float64 }

// MilligramsPerKilogramPerHour returns a rate of v mg/kg/h.
func MilligramsPerKilogramPerHour(v float64) WeightRate { return WeightRate{v} }

// MicrogramsPerKilogramPerMinute returns a rate of v mcg/kg/min
// (= v·60/1000 mg/kg/h).
func MicrogramsPerKilogramPerMinute(v float64) WeightRate { return WeightRate{v / 1000 * 60} }

// MilligramsPerKilogramPerHour returns the rate in mg/kg/h.
func (r WeightRate) MilligramsPerKilogramPerHour() float64 { return r.mgpkgph }

// MicrogramsPerKilogramPerMinute returns the rate in mcg/kg/min.
func (r WeightRate) MicrogramsPerKilogramPerMinute() float64 { return r.mgpkgph * 1000 / 60 }

// At returns the rate for a patient of weight w.
func (r WeightRate) At(w BodyWeight) MassRate { return MassRate{r.mgpkgph * w.Kilograms()} }

// Scale returns r × f.
func (r WeightRate) Scale(f float64) WeightRate { return WeightRate{r.mgpkgph * f} }

// For returns the amount per kg given at this rate during d.
func (r WeightRate) For(d Duration) MassPerWeight { return MassPerWeight{r.mgpkgph * d.Hours()} }

// DoseRate returns r as a rate written in mg/kg/h.
func (r WeightRate) DoseRate() DoseRate {
	return DoseRate{form: FormPerWeight, v: r.mgpkgph, u: MgPerKgPerH}
}

// String prints the rate exactly: "0.35mg/kg/h".
func (r WeightRate) String() string { return formatExact(r.mgpkgph) + string(MgPerKgPerH) }

// Format prints the rate to sig significant digits, for reading only.
func (r WeightRate) Format(sig int) string {
	return formatSig(r.mgpkgph, sig) + " " + string(MgPerKgPerH)
}

// VolumeRate is a pump rate in mL/h.
type VolumeRate struct{ mlph float64 }

// MillilitersPerHour returns a rate of v mL/h.
func MillilitersPerHour(v float64) VolumeRate { return VolumeRate{v} }

// MillilitersPerHour returns the rate in mL/h.
func (r VolumeRate) MillilitersPerHour() float64 { return r.mlph }

// MassRate returns the amount rate delivered from a solution of c.
func (r VolumeRate) MassRate(c Concentration) MassRate {
	return MassRate{r.mlph * c.MilligramsPerMilliliter()}
}

// For returns the volume run in d.
func (r VolumeRate) For(d Duration) Volume { return Milliliters(r.mlph * d.Hours()) }

// DoseRate returns r as a rate written in mL/h.
func (r VolumeRate) DoseRate() DoseRate { return DoseRate{form: FormVolume, v: r.mlph, u: MLPerH} }

// String prints the rate exactly: "125mL/h".
func (r VolumeRate) String() string { return formatExact(r.mlph) + string(MLPerH) }

// Format prints the rate to sig significant digits, for reading only.
func (r VolumeRate) Format(sig int) string { return formatSig(r.mlph, sig) + " " + string(MLPerH) }

// MassPerWeight is an amount per kg of body weight, in mg/kg (a bolus, or a
// session's total per kg).
type MassPerWeight struct{ mgpkg float64 }

// MilligramsPerKilogram returns v mg/kg.
func MilligramsPerKilogram(v float64) MassPerWeight { return MassPerWeight{v} }

// MilligramsPerKilogram returns the amount in mg/kg.
func (m MassPerWeight) MilligramsPerKilogram() float64 { return m.mgpkg }

// At returns the amount for a patient of weight w.
func (m MassPerWeight) At(w BodyWeight) Mass { return Milligrams(m.mgpkg * w.Kilograms()) }

// String prints the amount exactly: "0.5mg/kg".
func (m MassPerWeight) String() string { return formatExact(m.mgpkg) + string(MgPerKg) }

// Format prints the amount to sig significant digits, for reading only.
func (m MassPerWeight) Format(sig int) string { return formatSig(m.mgpkg, sig) + " " + string(MgPerKg) }
