package units

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Mass is an amount of drug (ketamine in a bag, a bolus, a session's total),
// as written: value and unit. The canonical unit is mg.
type Mass struct {
	v float64
	u Unit
}

// Milligrams returns v mg.
func Milligrams(v float64) Mass { return Mass{v, Mg} }

// Micrograms returns v mcg.
func Micrograms(v float64) Mass { return Mass{v, Mcg} }

// Grams returns v g of drug.
func Grams(v float64) Mass { return Mass{v, G} }

// Nanograms returns v ng.
func Nanograms(v float64) Mass { return Mass{v, Ng} }

// toMg converts v in the mass unit u to mg with one correctly rounded
// operation by an exact power of ten.
func toMg(v float64, u Unit) float64 {
	switch u {
	case G:
		return v * 1000
	case Mcg:
		return v / 1000
	case Ng:
		return v / 1e6
	}
	return v
}

// Milligrams returns the amount in mg.
func (m Mass) Milligrams() float64 { return toMg(m.v, m.u) }

// Micrograms returns the amount in mcg.
func (m Mass) Micrograms() float64 {
	if m.u == Mcg {
		return m.v
	}
	return m.Milligrams() * 1000
}

// Grams returns the amount in g.
func (m Mass) Grams() float64 {
	if m.u == G {
		return m.v
	}
	return m.Milligrams() / 1000
}

// Nanograms returns the amount in ng.
func (m Mass) Nanograms() float64 {
	if m.u == Ng {
		return m.v
	}
	return m.Milligrams() * 1e6
}

// Value returns the number as written, in Unit.
func (m Mass) Value() float64 { return m.v }

// Unit returns the unit the amount was written in (mg for a zero Mass).
func (m Mass) Unit() Unit {
	if m.u == "" {
		return Mg
	}
	return m.u
}

// IsZero reports whether the amount is zero.
func (m Mass) IsZero() bool { return m.v == 0 }

// Add returns m + o in mg.
func (m Mass) Add(o Mass) Mass { return Milligrams(m.Milligrams() + o.Milligrams()) }

// Sub returns m − o in mg (negative if o is larger).
func (m Mass) Sub(o Mass) Mass { return Milligrams(m.Milligrams() - o.Milligrams()) }

// Scale returns m × f in m's unit.
func (m Mass) Scale(f float64) Mass { return Mass{m.v * f, m.Unit()} }

// Over returns the mean rate that gives m in d. It fails when d is not
// positive.
func (m Mass) Over(d Duration) (MassRate, error) {
	if !(d.Seconds() > 0) {
		return MassRate{}, fmt.Errorf("amount %s over %s: %w", m, d, ErrZeroDuration)
	}
	return MilligramsPerHour(m.Milligrams() / d.Hours()), nil
}

// Per returns the amount per kg of body weight. It fails when w is not a
// positive weight.
func (m Mass) Per(w BodyWeight) (MassPerWeight, error) {
	if err := w.check(); err != nil {
		return MassPerWeight{}, fmt.Errorf("amount %s per weight: %w", m, err)
	}
	return MilligramsPerKilogram(m.Milligrams() / w.Kilograms()), nil
}

// String prints the amount exactly as stored, with its unit: "40mg".
func (m Mass) String() string { return formatExact(m.v) + string(m.Unit()) }

// Format prints the amount to sig significant digits, with its unit, for
// reading only.
func (m Mass) Format(sig int) string { return formatSig(m.v, sig) + " " + string(m.Unit()) }

// MarshalText prints the amount as String does.
func (m Mass) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText parses an amount as ParseMass does (without a field name).
func (m *Mass) UnmarshalText(b []byte) error {
	v, err := ParseMass("", string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

var massAccepted = []string{"g", "mg", "mcg (also µg, ug)", "ng"}

// ParseMass parses a drug amount such as "80mg", "350mcg" or "0.5g". Zero is
// accepted (an amount given so far may be zero).
func ParseMass(field, text string) (Mass, error) {
	n, rest, reason := scanNumber(strings.TrimSpace(text))
	if reason != "" {
		return Mass{}, &ParseError{field, text, reason, massAccepted}
	}
	segs := splitUnit(rest)
	if segs[0] == "" && len(segs) == 1 {
		return Mass{}, &ParseError{field, text, "a number without a unit is ambiguous", massAccepted}
	}
	if len(segs) > 1 {
		return Mass{}, &ParseError{field, text, "an amount has one unit, not a ratio or a rate", massAccepted}
	}
	mu, ok := massUnits[segs[0]]
	if !ok {
		return Mass{}, &ParseError{field, text, unknownUnit(segs[0]), massAccepted}
	}
	return Mass{n.value, mu.unit}, nil
}

// unknownUnit explains why a unit segment was refused.
func unknownUnit(seg string) string {
	if r := errorProneUnit(seg); r != "" {
		return r
	}
	return fmt.Sprintf("unknown unit %q", seg)
}

// Errors that conversions wrap: test for them with errors.Is.
var (
	// ErrNeedWeight: a per-kg quantity was converted without a body weight.
	ErrNeedWeight = errors.New("a weight is needed")
	// ErrNeedConcentration: a volume rate was converted to an amount (or the
	// reverse) without a concentration.
	ErrNeedConcentration = errors.New("a concentration is needed")
	// ErrBadWeight: a weight that is zero, negative or not finite.
	ErrBadWeight = errors.New("the weight must be a positive finite number")
	// ErrBadConcentration: a concentration that is zero, negative or not
	// finite.
	ErrBadConcentration = errors.New("the concentration must be a positive finite number")
	// ErrZeroDuration: an amount over a duration that is not positive.
	ErrZeroDuration = errors.New("the duration must be positive")
)

func positiveFinite(v float64) bool { return v > 0 && !math.IsInf(v, 1) }
