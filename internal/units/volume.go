package units

import "strings"

// Volume is a volume of fluid (a bag, a syringe, what has run), as written
// in mL or L. The canonical unit is mL.
type Volume struct {
	v float64
	u Unit
}

// Milliliters returns v mL.
func Milliliters(v float64) Volume { return Volume{v, ML} }

// Liters returns v L.
func Liters(v float64) Volume { return Volume{v, L} }

// Milliliters returns the volume in mL.
func (v Volume) Milliliters() float64 {
	if v.u == L {
		return v.v * 1000
	}
	return v.v
}

// Liters returns the volume in L.
func (v Volume) Liters() float64 {
	if v.u == L {
		return v.v
	}
	return v.v / 1000
}

// Value returns the number as written, in Unit.
func (v Volume) Value() float64 { return v.v }

// Unit returns the unit the volume was written in (mL for a zero value).
func (v Volume) Unit() Unit {
	if v.u == "" {
		return ML
	}
	return v.u
}

// Add returns v + o in mL.
func (v Volume) Add(o Volume) Volume { return Milliliters(v.Milliliters() + o.Milliliters()) }

// String prints the volume exactly as stored, with its unit: "500mL".
func (v Volume) String() string { return formatExact(v.v) + string(v.Unit()) }

// Format prints the volume to sig significant digits, for reading only.
func (v Volume) Format(sig int) string { return formatSig(v.v, sig) + " " + string(v.Unit()) }

// MarshalText prints the volume as String does.
func (v Volume) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText parses a volume as ParseVolume does.
func (v *Volume) UnmarshalText(b []byte) error {
	x, err := ParseVolume("", string(b))
	if err != nil {
		return err
	}
	*v = x
	return nil
}

var volumeAccepted = []string{"mL", "L"}

// ParseVolume parses a volume such as "500mL" or "0.5L". Zero is accepted.
func ParseVolume(field, text string) (Volume, error) {
	n, rest, reason := scanNumber(strings.TrimSpace(text))
	if reason != "" {
		return Volume{}, &ParseError{field, text, reason, volumeAccepted}
	}
	segs := splitUnit(rest)
	if len(segs) == 1 && segs[0] == "" {
		return Volume{}, &ParseError{field, text, "a number without a unit is ambiguous", volumeAccepted}
	}
	if len(segs) > 1 {
		return Volume{}, &ParseError{field, text, "a volume has one unit", volumeAccepted}
	}
	vu, ok := volumeUnits[segs[0]]
	if !ok {
		return Volume{}, &ParseError{field, text, unknownUnit(segs[0]), volumeAccepted}
	}
	return Volume{n.value, vu.unit}, nil
}
