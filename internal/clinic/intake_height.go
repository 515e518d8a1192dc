package clinic

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// HeightUnit is a unit of body height.
type HeightUnit string

// The units a height may be written in. internal/units has no length, so
// body height has its own small type here, kept as written like
// units.BodyWeight: 1 in = 2.54 cm exactly (international yard and pound
// agreement, 1959; NIST SP 811 appendix B).
const (
	Centimetre HeightUnit = "cm"
	Metre      HeightUnit = "m"
	Inch       HeightUnit = "in"
)

// UCUM returns the unit's UCUM code for FHIR ("cm", "m", "[in_i]").
func (u HeightUnit) UCUM() string {
	if u == Inch {
		return "[in_i]"
	}
	return string(u)
}

// inchCm is the international inch in cm, exact by definition (1959).
const inchCm = 2.54

// BodyHeight is a patient's height as written ("165cm", "1.65m", "65in").
type BodyHeight struct {
	v float64
	u HeightUnit
}

// Centimetres returns a height of v cm.
func Centimetres(v float64) BodyHeight { return BodyHeight{v, Centimetre} }

// Value returns the number as written, in Unit.
func (h BodyHeight) Value() float64 { return h.v }

// Unit returns the unit the height was written in (cm for a zero value).
func (h BodyHeight) Unit() HeightUnit {
	if h.u == "" {
		return Centimetre
	}
	return h.u
}

// IsZero reports whether no height is recorded.
func (h BodyHeight) IsZero() bool { return h.v == 0 }

// Centimetres returns the height in cm.
func (h BodyHeight) Centimetres() float64 {
	switch h.u {
	case Metre:
		return h.v * 100
	case Inch:
		return h.v * inchCm
	}
	return h.v
}

// String prints the height exactly as stored, with its unit: "165cm".
func (h BodyHeight) String() string {
	return strconv.FormatFloat(h.v, 'f', -1, 64) + string(h.Unit())
}

// MarshalText prints the height as String does.
func (h BodyHeight) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText parses a height as ParseBodyHeight does.
func (h *BodyHeight) UnmarshalText(b []byte) error {
	v, err := ParseBodyHeight("height", string(b))
	if err != nil {
		return err
	}
	*h = v
	return nil
}

// Plausible body heights: outside these a height cannot be real and is
// refused as a typing or unit error. They are the extremes ever measured,
// not clinical thresholds: the shortest adult, Chandra Bahadur Dangi,
// 54.6 cm, and the tallest person, Robert Wadlow, 2.72 m (both as certified
// by Guinness World Records). ketatrack's patients are adolescents and
// adults (the youngest in the seeds are 12–17 years, Sheehy 2015 in seed
// 001_db080c63fd53018a.txt).
const (
	MinHeightCm = 54.6 // Guinness World Records, shortest adult ever measured
	MaxHeightCm = 272  // Guinness World Records, tallest person ever (Wadlow)
)

// ParseBodyHeight parses a height such as "165cm", "1.65m" or "65in" for
// field. It refuses a number without a unit, other units (ft, feet-and-inches
// forms: write inches), signs, exponents, decimal commas, a naked or
// trailing decimal point, and heights outside the extremes ever measured.
func ParseBodyHeight(field, text string) (BodyHeight, error) {
	const accepted = "accepted: cm, m, in — e.g. 165cm, 1.65m, 65in"
	s := strings.TrimSpace(text)
	if s == "" {
		return BodyHeight{}, Invalid(field, "is empty: write the height with its unit (%s)", accepted)
	}
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 {
		return BodyHeight{}, Invalid(field, "%q does not start with a number (%s)", text, accepted)
	}
	if i < len(s) && s[i] == '.' {
		j := i + 1
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == i+1 {
			return BodyHeight{}, Invalid(field, "%q: a trailing decimal point is ambiguous (%s)", text, accepted)
		}
		i = j
	}
	num, unit := s[:i], strings.ToLower(strings.TrimSpace(s[i:]))
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsInf(v, 0) {
		return BodyHeight{}, Invalid(field, "%q is not a number (%s)", text, accepted)
	}
	var u HeightUnit
	switch unit {
	case "cm":
		u = Centimetre
	case "m":
		u = Metre
	case "in":
		u = Inch
	case "":
		return BodyHeight{}, Invalid(field, "%q: a number without a unit is ambiguous (%s)", text, accepted)
	default:
		return BodyHeight{}, Invalid(field, "%q: unit %q is not accepted (%s)", text, unit, accepted)
	}
	h := BodyHeight{v, u}
	if cm := h.Centimetres(); cm < MinHeightCm || cm > MaxHeightCm {
		return BodyHeight{}, Invalid(field, "%s is %s cm, outside the heights ever measured (%g–%g cm, Guinness World Records): check the number and its unit",
			h, strconv.FormatFloat(roundTo(cm, 1), 'f', -1, 64), MinHeightCm, float64(MaxHeightCm))
	}
	return h, nil
}

// roundTo rounds v to n decimals, for messages only.
func roundTo(v float64, n int) float64 {
	p := math.Pow(10, float64(n))
	return math.Round(v*p) / p
}

// checkHeight re-checks a height built in code (not parsed).
func checkHeight(field string, h BodyHeight) error {
	if _, err := ParseBodyHeight(field, h.String()); err != nil {
		return err
	}
	return nil
}

// formatHeight prints a height for people: as written, and in cm when it
// was written in another unit.
func formatHeight(h BodyHeight) string {
	if h.Unit() == Centimetre {
		return fmt.Sprintf("%s cm", strconv.FormatFloat(h.v, 'f', -1, 64))
	}
	return fmt.Sprintf("%s %s (%s cm)", strconv.FormatFloat(h.v, 'f', -1, 64), h.Unit(), strconv.FormatFloat(roundTo(h.Centimetres(), 1), 'f', -1, 64))
}
