package units

import (
	"fmt"
	"strings"
)

// Concentration is an amount of drug per volume, as written: a ratio unit
// ("1mg/mL", "0.5mg/L", "150ng/mL") or an amount in a volume, as a bag is
// labelled ("80mg/500mL"). The canonical unit is mg/mL.
type Concentration struct {
	v      float64 // value in mu/vu (ratio form)
	mu, vu Unit    // mass and volume units (ratio form)
	amount Mass    // bag form
	volume Volume  // bag form
	bag    bool
}

// MilligramsPerMilliliter returns a concentration of v mg/mL.
func MilligramsPerMilliliter(v float64) Concentration { return Concentration{v: v, mu: Mg, vu: ML} }

// NanogramsPerMilliliter returns a concentration of v ng/mL (plasma levels).
func NanogramsPerMilliliter(v float64) Concentration { return Concentration{v: v, mu: Ng, vu: ML} }

// Bag returns the concentration of amount in volume, e.g. 80 mg in 500 mL.
// It fails unless both are positive and finite.
func Bag(amount Mass, volume Volume) (Concentration, error) {
	if !positiveFinite(amount.v) || !positiveFinite(volume.v) {
		return Concentration{}, fmt.Errorf("concentration %s in %s: %w", amount, volume, ErrBadConcentration)
	}
	return Concentration{amount: amount, volume: volume, bag: true}, nil
}

// mLPer returns the size in mL of the volume unit u.
func mLPer(u Unit) float64 {
	if u == L {
		return 1000
	}
	return 1
}

// MilligramsPerMilliliter returns the concentration in mg/mL.
func (c Concentration) MilligramsPerMilliliter() float64 {
	if c.bag {
		return c.amount.Milligrams() / c.volume.Milliliters()
	}
	if c.mu == "" {
		return 0
	}
	return toMg(c.v, c.mu) / mLPer(c.vu)
}

// MilligramsPerLiter returns the concentration in mg/L (= mcg/mL).
func (c Concentration) MilligramsPerLiter() float64 {
	if !c.bag && c.mu == Mg && c.vu == L {
		return c.v
	}
	return c.MilligramsPerMilliliter() * 1000
}

// MicrogramsPerMilliliter returns the concentration in mcg/mL (= mg/L).
func (c Concentration) MicrogramsPerMilliliter() float64 {
	if !c.bag && c.mu == Mcg && c.vu == ML {
		return c.v
	}
	return c.MilligramsPerLiter()
}

// NanogramsPerMilliliter returns the concentration in ng/mL (= mcg/L).
func (c Concentration) NanogramsPerMilliliter() float64 {
	if !c.bag && c.mu == Ng && c.vu == ML {
		return c.v
	}
	return c.MilligramsPerMilliliter() * 1e6
}

// Amount returns the amount and volume of a concentration written as a bag
// (80mg/500mL); ok is false for a ratio (1mg/mL).
func (c Concentration) Amount() (amount Mass, volume Volume, ok bool) {
	return c.amount, c.volume, c.bag
}

// Unit returns the ratio unit the concentration was written in, or mg/mL for
// the bag form.
func (c Concentration) Unit() Unit {
	if c.bag || c.mu == "" {
		return MgPerML
	}
	return Unit(string(c.mu) + "/" + string(c.vu))
}

// check reports whether c can divide: positive and finite.
func (c Concentration) check() error {
	if !positiveFinite(c.MilligramsPerMilliliter()) {
		return fmt.Errorf("concentration %s: %w", c, ErrBadConcentration)
	}
	return nil
}

// MassIn returns the amount of drug in volume v.
func (c Concentration) MassIn(v Volume) Mass {
	return Milligrams(c.MilligramsPerMilliliter() * v.Milliliters())
}

// String prints the concentration exactly as stored: "1mg/mL" or
// "80mg/500mL".
func (c Concentration) String() string {
	if c.bag {
		return c.amount.String() + "/" + c.volume.String()
	}
	return formatExact(c.v) + string(c.Unit())
}

// Format prints the concentration to sig significant digits, for reading
// only; a bag also shows its mg/mL.
func (c Concentration) Format(sig int) string {
	if c.bag {
		return fmt.Sprintf("%s in %s (%s mg/mL)", c.amount.Format(sig), c.volume.Format(sig), formatSig(c.MilligramsPerMilliliter(), sig))
	}
	return formatSig(c.v, sig) + " " + string(c.Unit())
}

// MarshalText prints the concentration as String does.
func (c Concentration) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText parses a concentration as ParseConcentration does.
func (c *Concentration) UnmarshalText(b []byte) error {
	x, err := ParseConcentration("", string(b))
	if err != nil {
		return err
	}
	*c = x
	return nil
}

var concentrationAccepted = []string{"mg/mL", "mg/L", "mcg/mL (also µg/mL, ug/mL)", "mcg/L", "ng/mL", "ng/L", "g/L", "an amount in a volume such as 80mg/500mL"}

// ParseConcentration parses "1mg/mL", "0.16mg/mL", "150ng/mL" or a bag,
// "80mg/500mL". Zero is refused.
func ParseConcentration(field, text string) (Concentration, error) {
	bad := func(reason string) (Concentration, error) {
		return Concentration{}, &ParseError{field, text, reason, concentrationAccepted}
	}
	n, rest, reason := scanNumber(strings.TrimSpace(text))
	if reason == "" {
		reason = nonZero(n.value, "concentration")
	}
	if reason != "" {
		return bad(reason)
	}
	segs := splitUnit(rest)
	if len(segs) == 1 && segs[0] == "" {
		return bad("a number without a unit is ambiguous")
	}
	mu, ok := massUnits[segs[0]]
	if !ok {
		return bad(unknownUnit(segs[0]))
	}
	switch {
	case len(segs) == 1:
		return bad("an amount, not a concentration: give its volume, e.g. 80mg/500mL")
	case len(segs) > 2:
		return bad("too many \"/\": a concentration is an amount per volume")
	}
	den := segs[1]
	if den != "" && isDigit(den[0]) {
		vol, err := ParseVolume("", den)
		if err != nil {
			return bad("volume " + err.(*ParseError).Reason)
		}
		if vol.v == 0 {
			return bad("a volume of zero")
		}
		return Concentration{amount: Mass{n.value, mu.unit}, volume: vol, bag: true}, nil
	}
	vu, ok := volumeUnits[den]
	if !ok {
		if den == "kg" || den == "lb" {
			return bad("mg/kg is a dose, not a concentration")
		}
		if _, isTime := timeUnits[den]; isTime {
			return bad("a rate, not a concentration")
		}
		return bad(unknownUnit(den))
	}
	return Concentration{v: n.value, mu: mu.unit, vu: vu.unit}, nil
}
