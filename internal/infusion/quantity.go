package infusion

import (
	"math"
)

// Milligrams is an amount of drug in mg.
type Milligrams float64

// Millilitres is a volume in mL.
type Millilitres float64

// MgPerHour is a dose rate in mg/h.
type MgPerHour float64

// MLPerHour is a pump flow rate in mL/h.
type MLPerHour float64

// Kilograms is a body weight in kg.
type Kilograms float64

// Drug names the ketamine preparation, spelled as in the regimen file
// contract (shared/PRODUCT.md): racemic ketamine or S-ketamine (esketamine),
// which has about twice the analgesic potency (001_db080c63fd53018a.txt, on
// Sigtermans) and so must never be confused with racemic ketamine.
type Drug string

// The two ketamine preparations.
const (
	Racemic   Drug = "racemic"
	SKetamine Drug = "s-ketamine"
)

// Validate reports whether d is one of the known preparations.
func (d Drug) Validate() error {
	switch d {
	case Racemic, SKetamine:
		return nil
	case "":
		return invalid("", "missing: racemic or s-ketamine")
	}
	return invalid("", "unknown drug %q: racemic or s-ketamine", string(d))
}

// Bag is the drug in one infusion bag: an amount of ketamine dissolved in a
// volume, e.g. 40 mg in 500 mL of normal saline (Goldberg day 1,
// 003_55ad5919aae10607.txt). The concentration is kept as this ratio, never
// as a rounded decimal, so that conversions between mg/h and mL/h multiply
// before they divide and stay exact where the numbers allow it.
type Bag struct {
	AmountMg Milligrams  `json:"amount_mg"`
	VolumeML Millilitres `json:"volume_ml"`
}

// Validate checks that the amount and the volume are positive and finite.
func (b Bag) Validate() error {
	if !positive(float64(b.AmountMg)) {
		return invalid("amount_mg", "must be a positive number of mg, got %v", float64(b.AmountMg))
	}
	if !positive(float64(b.VolumeML)) {
		return invalid("volume_ml", "must be a positive number of mL, got %v", float64(b.VolumeML))
	}
	return nil
}

// ConcentrationMgPerML returns amount ÷ volume, for display.
func (b Bag) ConcentrationMgPerML() float64 {
	return float64(b.AmountMg) / float64(b.VolumeML)
}

// MLPerHour converts a dose rate to the pump's flow rate for this bag:
// rate × volume ÷ amount.
func (b Bag) MLPerHour(r MgPerHour) MLPerHour {
	return MLPerHour(float64(r) * float64(b.VolumeML) / float64(b.AmountMg))
}

// MgPerHour converts a pump flow rate to the dose rate for this bag:
// flow × amount ÷ volume.
func (b Bag) MgPerHour(f MLPerHour) MgPerHour {
	return MgPerHour(float64(f) * float64(b.AmountMg) / float64(b.VolumeML))
}

// concentrationTolerance is the relative difference below which two
// concentrations are the same label read twice. It only absorbs binary
// floating-point representation (0.08 mg/mL × 500 mL is not exactly 40 in
// float64); any clinically meaningful mix-up (a ten-fold error, 40 vs 80 mg
// in 500 mL) is many orders of magnitude larger.
const concentrationTolerance = 1e-9

// sameConcentration reports whether a mg/mL concentration c equals the bag's
// amount ÷ volume, comparing c × volume with amount.
func (b Bag) sameConcentration(c float64) bool {
	return closeRel(c*float64(b.VolumeML), float64(b.AmountMg))
}

func closeRel(a, b float64) bool {
	d := math.Abs(a - b)
	m := math.Max(math.Abs(a), math.Abs(b))
	return d <= concentrationTolerance*m
}

func positive(x float64) bool {
	return x > 0 && !math.IsInf(x, 0) && !math.IsNaN(x)
}

func finite(x float64) bool {
	return !math.IsInf(x, 0) && !math.IsNaN(x)
}

// RateUnit is the unit a rate was entered in.
type RateUnit string

// Rate units the chart converts itself. Other units (per minute, µg) go to
// the dose engine, which catches per-minute and mg/µg confusions.
const (
	UnitMgPerHour      RateUnit = "mg/h"
	UnitMLPerHour      RateUnit = "mL/h"
	UnitMgPerKgPerHour RateUnit = "mg/kg/h"
)

// RateEntry is a rate exactly as the nurse entered it: a number and its
// unit. A number without a unit is refused.
type RateEntry struct {
	Value float64  `json:"value"`
	Unit  RateUnit `json:"unit"`
}

// Validate checks that the value is a finite positive number with a unit.
// A rate of zero is a pause, and is charted as one.
func (r RateEntry) Validate() error {
	if r.Unit == "" {
		return invalid("unit", "a rate needs a unit (mg/h, mL/h or mg/kg/h)")
	}
	if !positive(r.Value) {
		return invalid("value", "must be a positive number, got %v (chart a pause to stop the flow)", r.Value)
	}
	return nil
}

// Rate is a pump rate in both units the nurse sees side by side.
type Rate struct {
	MgPerH MgPerHour `json:"mg_per_h"`
	MLPerH MLPerHour `json:"ml_per_h"`
}

// MgPerKgPerHour returns the weight-normalised rate for display (mg/kg/h).
func (r Rate) MgPerKgPerHour(w Kilograms) float64 {
	return float64(r.MgPerH) / float64(w)
}

// convertRate turns an entry in mg/h, mL/h or mg/kg/h into both pump units
// for the given bag and weight. ok is false for any other unit.
func convertRate(e RateEntry, bag Bag, w Kilograms) (r Rate, ok bool) {
	switch e.Unit {
	case UnitMgPerHour:
		mg := MgPerHour(e.Value)
		return Rate{MgPerH: mg, MLPerH: bag.MLPerHour(mg)}, true
	case UnitMLPerHour:
		ml := MLPerHour(e.Value)
		return Rate{MgPerH: bag.MgPerHour(ml), MLPerH: ml}, true
	case UnitMgPerKgPerHour:
		mg := MgPerHour(e.Value * float64(w))
		return Rate{MgPerH: mg, MLPerH: bag.MLPerHour(mg)}, true
	}
	return Rate{}, false
}

// MassUnit is the unit of a premedication or co-medication dose.
type MassUnit string

// Mass units for medication doses.
const (
	UnitMg  MassUnit = "mg"
	UnitMcg MassUnit = "mcg"
	UnitG   MassUnit = "g"
)

// Dose is a medication dose exactly as entered, e.g. clonidine 0.1 mg.
type Dose struct {
	Value float64  `json:"value"`
	Unit  MassUnit `json:"unit"`
}

// Validate checks the value is positive and the unit one of mg, mcg, g.
func (d Dose) Validate() error {
	switch d.Unit {
	case UnitMg, UnitMcg, UnitG:
	case "":
		return invalid("unit", "a dose needs a unit (mg, mcg or g)")
	default:
		return invalid("unit", "unknown unit %q: mg, mcg or g", string(d.Unit))
	}
	if !positive(d.Value) {
		return invalid("value", "must be a positive number, got %v", d.Value)
	}
	return nil
}

// Milligrams returns the dose in mg (1 g = 1000 mg, 1 mg = 1000 mcg: SI).
func (d Dose) Milligrams() Milligrams {
	switch d.Unit {
	case UnitMcg:
		return Milligrams(d.Value / 1000)
	case UnitG:
		return Milligrams(d.Value * 1000)
	}
	return Milligrams(d.Value)
}
