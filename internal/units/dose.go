package units

import (
	"fmt"
	"strings"
)

// Dose is a single dose (a bolus) as written: an amount (mg, mcg) or an
// amount per kg of body weight (mg/kg, mcg/kg).
type Dose struct {
	v float64
	u Unit // Mg, Mcg, MgPerKg or McgPerKg
}

// DoseOf returns a dose of the amount m, in m's unit when it is mg or mcg
// (g and ng are converted to mg).
func DoseOf(m Mass) Dose {
	if m.Unit() == Mcg || m.Unit() == Mg {
		return Dose{m.v, m.Unit()}
	}
	return Dose{m.Milligrams(), Mg}
}

// DosePerKilogram returns a dose of m per kg of body weight.
func DosePerKilogram(m MassPerWeight) Dose { return Dose{m.mgpkg, MgPerKg} }

// Unit returns the unit the dose was written in.
func (d Dose) Unit() Unit {
	if d.u == "" {
		return Mg
	}
	return d.u
}

// Value returns the number as written, in Unit.
func (d Dose) Value() float64 { return d.v }

// PerKilogram reports whether the dose is written per kg of body weight.
func (d Dose) PerKilogram() bool { return d.u == MgPerKg || d.u == McgPerKg }

// mg returns the number in mg or mg/kg.
func (d Dose) mg() float64 {
	if d.u == Mcg || d.u == McgPerKg {
		return d.v / 1000
	}
	return d.v
}

// Mass returns the amount of the dose. A dose per kg needs w; it fails
// without one, or with a weight that is not positive.
func (d Dose) Mass(w *BodyWeight) (Mass, error) {
	if !d.PerKilogram() {
		return Mass{d.v, d.Unit()}, nil
	}
	if w == nil {
		return Mass{}, fmt.Errorf("dose %s is per kg: %w", d, ErrNeedWeight)
	}
	if err := w.check(); err != nil {
		return Mass{}, fmt.Errorf("dose %s: %w", d, err)
	}
	return Milligrams(d.mg() * w.Kilograms()), nil
}

// PerWeight returns the dose per kg. A dose written as an amount needs w;
// it fails without one, or with a weight that is not positive.
func (d Dose) PerWeight(w *BodyWeight) (MassPerWeight, error) {
	if d.PerKilogram() {
		return MassPerWeight{d.mg()}, nil
	}
	if w == nil {
		return MassPerWeight{}, fmt.Errorf("dose %s per kg: %w", d, ErrNeedWeight)
	}
	if err := w.check(); err != nil {
		return MassPerWeight{}, fmt.Errorf("dose %s: %w", d, err)
	}
	return MassPerWeight{d.mg() / w.Kilograms()}, nil
}

// String prints the dose exactly as stored: "0.5mg/kg", "20mg".
func (d Dose) String() string { return formatExact(d.v) + string(d.Unit()) }

// Format prints the dose to sig significant digits, for reading only.
func (d Dose) Format(sig int) string { return formatSig(d.v, sig) + " " + string(d.Unit()) }

// MarshalText prints the dose as String does.
func (d Dose) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses a dose as ParseDose does.
func (d *Dose) UnmarshalText(b []byte) error {
	x, err := ParseDose("", string(b))
	if err != nil {
		return err
	}
	*d = x
	return nil
}

var doseAccepted = []string{"mg", "mcg (also µg, ug)", "mg/kg", "mcg/kg"}

// ParseDose parses a bolus: "20mg", "500mcg", "0.5mg/kg", "5mcg/kg". Zero is
// refused; a rate (mg/kg/h) is refused as a dose.
func ParseDose(field, text string) (Dose, error) {
	d, reason := scanDose(strings.TrimSpace(text))
	if reason != "" {
		return Dose{}, &ParseError{field, text, reason, doseAccepted}
	}
	return d, nil
}

// scanDose parses a whole text as a dose.
func scanDose(s string) (Dose, string) {
	n, rest, reason := scanNumber(s)
	if reason == "" {
		reason = nonZero(n.value, "dose")
	}
	if reason != "" {
		return Dose{}, reason
	}
	segs := splitUnit(rest)
	return doseUnit(n.value, segs)
}

// doseUnit reads the unit segments of a dose.
func doseUnit(v float64, segs []string) (Dose, string) {
	if len(segs) == 1 && segs[0] == "" {
		return Dose{}, "a number without a unit is ambiguous"
	}
	mu, ok := massUnits[segs[0]]
	if !ok {
		return Dose{}, unknownUnit(segs[0])
	}
	if mu.unit != Mg && mu.unit != Mcg {
		return Dose{}, fmt.Sprintf("%s is not used for a ketamine dose: write mg or mcg", segs[0])
	}
	switch {
	case len(segs) == 1:
		return Dose{v, mu.unit}, ""
	case len(segs) == 2 && segs[1] == "kg":
		if mu.unit == Mcg {
			return Dose{v, McgPerKg}, ""
		}
		return Dose{v, MgPerKg}, ""
	case len(segs) == 2 && (segs[1] == "lb" || segs[1] == "lbs"):
		return Dose{}, "doses per lb are not accepted: write per kg"
	}
	if _, isTime := timeUnits[segs[len(segs)-1]]; isTime {
		return Dose{}, "a rate, not a single dose"
	}
	return Dose{}, "unknown unit " + fmt.Sprintf("%q", strings.Join(segs, "/"))
}
