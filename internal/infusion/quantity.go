package infusion

import (
	"fmt"
	"math"

	"github.com/ketatrack/ketatrack/internal/druglib"
	"github.com/ketatrack/ketatrack/internal/units"
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

// Drug names the ketamine preparation: the drug library's own type, so a
// session and the dose engine cannot disagree on spelling. Racemic ketamine
// and S-ketamine (esketamine) differ about two-fold in analgesic potency
// (001_db080c63fd53018a.txt, on Sigtermans) and must never be confused.
type Drug = druglib.Drug

// The two ketamine preparations.
const (
	Racemic   = druglib.Racemic
	SKetamine = druglib.SKetamine
)

// CareArea selects the drug-library limits (outpatient, inpatient, icu).
type CareArea = druglib.CareArea

func validDrug(d Drug) error {
	if d == "" {
		return invalid("", "missing: racemic or s-ketamine")
	}
	if _, err := druglib.ParseDrug("", string(d)); err != nil {
		return invalid("", "unknown drug %q: racemic or s-ketamine", string(d))
	}
	return nil
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

// same reports whether two bags hold the same amount in the same volume.
func (b Bag) same(o Bag) bool {
	return closeRel(float64(b.AmountMg), float64(o.AmountMg)) && closeRel(float64(b.VolumeML), float64(o.VolumeML))
}

// String prints the bag as a label: "40mg/500mL".
func (b Bag) String() string {
	return fmt.Sprintf("%vmg/%vmL", float64(b.AmountMg), float64(b.VolumeML))
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

// Rate is a pump rate in both units the nurse sees side by side.
type Rate struct {
	MgPerH MgPerHour `json:"mg_per_h"`
	MLPerH MLPerHour `json:"ml_per_h"`
}

// MgPerKgPerHour returns the weight-normalised rate for display (mg/kg/h).
func (r Rate) MgPerKgPerHour(w Kilograms) float64 {
	return float64(r.MgPerH) / float64(w)
}

// bagOf reads a bag label written as an amount in a volume ("40mg/500mL").
// A bare concentration ("0.08mg/mL") is refused: the chart needs the
// volume to know what is left in the bag.
func bagOf(c units.Concentration) (Bag, error) {
	amount, volume, ok := c.Amount()
	if !ok {
		if c.MilligramsPerMilliliter() == 0 {
			return Bag{}, invalid("", "missing: write the bag as an amount in a volume, e.g. 40mg/500mL")
		}
		return Bag{}, invalid("", "%s is a concentration: write the bag as an amount in a volume, e.g. 40mg/500mL", c)
	}
	b := Bag{AmountMg: Milligrams(amount.Milligrams()), VolumeML: Millilitres(volume.Milliliters())}
	if err := b.Validate(); err != nil {
		return Bag{}, invalid("", "%s: %v", c, err)
	}
	return b, nil
}

// convertRate turns a rate as entered into both pump units for the bag and
// weight. A rate in mL/h converts as flow × amount ÷ volume and anything
// else through mg/h as rate × volume ÷ amount, multiplying before dividing
// so that 125 mL/h of 40 mg in 500 mL is exactly 10 mg/h. Per-minute, µg and
// per-kg forms convert through internal/units' exact factors.
func convertRate(r units.DoseRate, w Kilograms, bag Bag) (Rate, error) {
	if r.Form() == 0 {
		return Rate{}, invalid("", "missing rate")
	}
	if r.Form() == units.FormVolume {
		ml := MLPerHour(r.Value())
		return Rate{MgPerH: bag.MgPerHour(ml), MLPerH: ml}, nil
	}
	var wp *units.BodyWeight
	if w > 0 {
		kg := units.Kilograms(float64(w))
		wp = &kg
	}
	m, err := r.MassRate(wp, nil)
	if err != nil {
		return Rate{}, invalid("", "%v", err)
	}
	mg := MgPerHour(m.MilligramsPerHour())
	if !positive(float64(mg)) {
		return Rate{}, invalid("", "rate %s converts to %v mg/h: not a positive rate", r, float64(mg))
	}
	return Rate{MgPerH: mg, MLPerH: bag.MLPerHour(mg)}, nil
}

// doseMilligrams returns a medication dose in mg, for a per-kg dose at the
// weight given.
func doseMilligrams(d units.Dose, w Kilograms) (Milligrams, error) {
	var wp *units.BodyWeight
	if w > 0 {
		kg := units.Kilograms(float64(w))
		wp = &kg
	}
	m, err := d.Mass(wp)
	if err != nil {
		return 0, err
	}
	return Milligrams(m.Milligrams()), nil
}

// shown formats a figure for a message a nurse reads: 6 significant digits,
// as the rest of ketatrack shows doses. It is for text only; the chart keeps
// and computes with the exact value.
func shown(v float64) string { return units.FormatNumber(v, 6) }
