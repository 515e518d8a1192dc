package units

import (
	"fmt"
	"strings"
)

// BodyWeight is a patient's weight as written (kg, g or lb). It is a type of
// its own so that a drug amount can never be used as a weight.
type BodyWeight struct {
	v float64
	u Unit
}

// Kilograms returns a body weight of v kg.
func Kilograms(v float64) BodyWeight { return BodyWeight{v, Kg} }

// Pounds returns a body weight of v lb (avoirdupois).
func Pounds(v float64) BodyWeight { return BodyWeight{v, Lb} }

// GramsBodyWeight returns a body weight of v g (for neonates).
func GramsBodyWeight(v float64) BodyWeight { return BodyWeight{v, G} }

// poundKg is the avoirdupois pound in kg, exact by definition
// (international yard and pound agreement, 1959; NIST SP 811 appendix B).
const poundKg = 0.45359237

// Kilograms returns the weight in kg.
func (w BodyWeight) Kilograms() float64 {
	switch w.u {
	case Lb:
		return w.v * poundKg
	case G:
		return w.v / 1000
	}
	return w.v
}

// Pounds returns the weight in lb.
func (w BodyWeight) Pounds() float64 {
	if w.u == Lb {
		return w.v
	}
	return w.Kilograms() / poundKg
}

// Value returns the number as written, in Unit.
func (w BodyWeight) Value() float64 { return w.v }

// Unit returns the unit the weight was written in (kg for a zero value).
func (w BodyWeight) Unit() Unit {
	if w.u == "" {
		return Kg
	}
	return w.u
}

// check reports whether w can divide: positive and finite.
func (w BodyWeight) check() error {
	if !positiveFinite(w.v) {
		return fmt.Errorf("weight %s: %w", w, ErrBadWeight)
	}
	return nil
}

// String prints the weight exactly as stored, with its unit: "70kg".
func (w BodyWeight) String() string { return formatExact(w.v) + string(w.Unit()) }

// Format prints the weight to sig significant digits, with its unit, for
// reading only.
func (w BodyWeight) Format(sig int) string { return formatSig(w.v, sig) + " " + string(w.Unit()) }

// MarshalText prints the weight as String does.
func (w BodyWeight) MarshalText() ([]byte, error) { return []byte(w.String()), nil }

// UnmarshalText parses a weight as ParseBodyWeight does.
func (w *BodyWeight) UnmarshalText(b []byte) error {
	v, err := ParseBodyWeight("", string(b))
	if err != nil {
		return err
	}
	*w = v
	return nil
}

var weightAccepted = []string{"kg", "g", "lb (also lbs)"}

// ParseBodyWeight parses a patient's weight such as "70kg" or "154lb". Zero
// is refused.
func ParseBodyWeight(field, text string) (BodyWeight, error) {
	n, rest, reason := scanNumber(strings.TrimSpace(text))
	if reason == "" {
		reason = nonZero(n.value, "weight")
	}
	if reason != "" {
		return BodyWeight{}, &ParseError{field, text, reason, weightAccepted}
	}
	segs := splitUnit(rest)
	if len(segs) == 1 && segs[0] == "" {
		return BodyWeight{}, &ParseError{field, text, "a number without a unit is ambiguous (kg or lb?)", weightAccepted}
	}
	if len(segs) > 1 {
		return BodyWeight{}, &ParseError{field, text, "a weight has one unit", weightAccepted}
	}
	wu, ok := weightUnits[segs[0]]
	if !ok {
		return BodyWeight{}, &ParseError{field, text, unknownUnit(segs[0]), weightAccepted}
	}
	return BodyWeight{n.value, wu.unit}, nil
}
