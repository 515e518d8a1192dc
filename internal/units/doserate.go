package units

import (
	"errors"
	"fmt"
	"strings"
)

// RateForm is how a dose rate was written.
type RateForm int

// The forms of a dose rate.
const (
	// FormMass: an amount per time, mg/h, mg/min, mcg/h, mcg/min.
	FormMass RateForm = iota + 1
	// FormPerWeight: an amount per kg per time, mg/kg/h, mcg/kg/min, ...
	FormPerWeight
	// FormVolume: a pump rate, mL/h.
	FormVolume
	// FormAmountOverDuration: a dose given evenly over a duration, 40mg/4h
	// or 0.5mg/kg/30min.
	FormAmountOverDuration
	// FormPerReferenceWeight: an amount per time for a reference weight, as
	// papers write it: 22.2mg/h/70kg (Sigtermans 2009, in 001).
	FormPerReferenceWeight
)

// String returns the form's name as used in JSON: "mass", "per_weight",
// "volume", "amount_over_duration", "per_reference_weight".
func (f RateForm) String() string {
	switch f {
	case FormMass:
		return "mass"
	case FormPerWeight:
		return "per_weight"
	case FormVolume:
		return "volume"
	case FormAmountOverDuration:
		return "amount_over_duration"
	case FormPerReferenceWeight:
		return "per_reference_weight"
	}
	return "unknown"
}

// DoseRate is a dose rate as written, in any of its forms. It converts to
// MassRate, WeightRate and VolumeRate only when given what the conversion
// needs: a weight for a per-kg rate, a concentration for mL/h.
type DoseRate struct {
	form RateForm
	v    float64 // in u (FormMass, FormPerWeight, FormVolume, FormPerReferenceWeight)
	u    Unit
	dose Dose       // FormAmountOverDuration
	over Duration   // FormAmountOverDuration
	ref  BodyWeight // FormPerReferenceWeight
}

// RateOf returns a rate of v in u, which must be a rate unit: MgPerH,
// MgPerMin, McgPerH, McgPerMin, MgPerKgPerH, MgPerKgPerMin, McgPerKgPerH,
// McgPerKgPerMin or MLPerH. It fails for other units and for values that are
// not positive and finite.
func RateOf(v float64, u Unit) (DoseRate, error) {
	if !positiveFinite(v) {
		return DoseRate{}, fmt.Errorf("rate %v%s: must be positive and finite", v, u)
	}
	switch u {
	case MgPerH, MgPerMin, McgPerH, McgPerMin:
		return DoseRate{form: FormMass, v: v, u: u}, nil
	case MgPerKgPerH, MgPerKgPerMin, McgPerKgPerH, McgPerKgPerMin:
		return DoseRate{form: FormPerWeight, v: v, u: u}, nil
	case MLPerH:
		return DoseRate{form: FormVolume, v: v, u: u}, nil
	}
	return DoseRate{}, fmt.Errorf("rate %v%s: %s is not a rate unit", v, u, u)
}

// AmountOver returns the rate that gives d evenly over t (40mg over 4h). It
// fails unless d is positive and t is positive.
func AmountOver(d Dose, t Duration) (DoseRate, error) {
	if !positiveFinite(d.v) {
		return DoseRate{}, fmt.Errorf("amount %s over %s: the amount must be positive", d, t)
	}
	if !(t.Seconds() > 0) {
		return DoseRate{}, fmt.Errorf("amount %s over %s: %w", d, t, ErrZeroDuration)
	}
	return DoseRate{form: FormAmountOverDuration, dose: d, over: t}, nil
}

// Form returns how the rate was written.
func (r DoseRate) Form() RateForm { return r.form }

// Unit returns the unit written: the rate unit (mg/kg/h, mL/h, mcg/kg/min),
// the amount's unit for an amount over a duration (mg, mg/kg), or the rate
// unit before the reference weight (mg/h for 22.2mg/h/70kg).
func (r DoseRate) Unit() Unit {
	if r.form == FormAmountOverDuration {
		return r.dose.Unit()
	}
	return r.u
}

// Value returns the number written, in Unit.
func (r DoseRate) Value() float64 {
	if r.form == FormAmountOverDuration {
		return r.dose.v
	}
	return r.v
}

// Amount returns the dose and duration of an amount over a duration; ok is
// false for other forms.
func (r DoseRate) Amount() (d Dose, over Duration, ok bool) {
	return r.dose, r.over, r.form == FormAmountOverDuration
}

// ReferenceWeight returns the reference weight of a rate per reference
// weight (70kg in 22.2mg/h/70kg); ok is false for other forms.
func (r DoseRate) ReferenceWeight() (BodyWeight, bool) {
	return r.ref, r.form == FormPerReferenceWeight
}

// PerMinute reports whether the rate was written per minute (mg/min,
// mcg/kg/min).
func (r DoseRate) PerMinute() bool { return r.form != FormAmountOverDuration && r.u.PerMinute() }

// NeedsWeight reports whether converting the rate to mg/h needs a weight.
func (r DoseRate) NeedsWeight() bool {
	switch r.form {
	case FormPerWeight, FormPerReferenceWeight:
		return true
	case FormAmountOverDuration:
		return r.dose.PerKilogram()
	}
	return false
}

// perHour converts v in the amount rate unit u (mass or per-kg) to mg/h or
// mg/kg/h.
func perHour(v float64, u Unit) float64 {
	if u.InMicrograms() {
		v /= 1000
	}
	if u.PerMinute() {
		v *= 60
	}
	return v
}

// MassRate converts the rate to mg/h. A per-kg rate (or a per-reference-
// weight rate) needs w; mL/h needs c. Either may be nil when not needed;
// when needed and missing the error wraps ErrNeedWeight or
// ErrNeedConcentration and names the rate, e.g. "rate 0.35mg/kg/h is per
// kg: a weight is needed".
func (r DoseRate) MassRate(w *BodyWeight, c *Concentration) (MassRate, error) {
	switch r.form {
	case FormMass:
		return MassRate{perHour(r.v, r.u)}, nil
	case FormVolume:
		if c == nil {
			return MassRate{}, fmt.Errorf("rate %s is a pump rate: %w to convert it to mg/h", r, ErrNeedConcentration)
		}
		if err := c.check(); err != nil {
			return MassRate{}, fmt.Errorf("rate %s: %w", r, err)
		}
		return MillilitersPerHour(r.v).MassRate(*c), nil
	case FormAmountOverDuration:
		m, err := r.dose.Mass(w)
		if errors.Is(err, ErrNeedWeight) {
			return MassRate{}, r.needWeight()
		}
		if err != nil {
			return MassRate{}, fmt.Errorf("rate %s: %w", r, err)
		}
		return MassRate{m.Milligrams() / r.over.Hours()}, nil
	case FormPerWeight, FormPerReferenceWeight:
		wr, err := r.WeightRate(w, c)
		if err != nil {
			return MassRate{}, err
		}
		if w == nil {
			return MassRate{}, r.needWeight()
		}
		if err := w.check(); err != nil {
			return MassRate{}, fmt.Errorf("rate %s: %w", r, err)
		}
		return wr.At(*w), nil
	}
	return MassRate{}, fmt.Errorf("rate: empty")
}

// needWeight is the error for a per-kg rate converted without a weight.
func (r DoseRate) needWeight() error {
	if r.form == FormPerReferenceWeight {
		return fmt.Errorf("rate %s is per %s of body weight: %w", r, r.ref, ErrNeedWeight)
	}
	return fmt.Errorf("rate %s is per kg: %w", r, ErrNeedWeight)
}

// WeightRate converts the rate to mg/kg/h. A rate in mg/h (or an amount
// over a duration in mg) needs w to divide by; mL/h needs c and w.
func (r DoseRate) WeightRate(w *BodyWeight, c *Concentration) (WeightRate, error) {
	switch r.form {
	case FormPerWeight:
		return WeightRate{perHour(r.v, r.u)}, nil
	case FormPerReferenceWeight:
		return WeightRate{perHour(r.v, r.u) / r.ref.Kilograms()}, nil
	case FormAmountOverDuration:
		if r.dose.PerKilogram() {
			pw, _ := r.dose.PerWeight(nil)
			return WeightRate{pw.mgpkg / r.over.Hours()}, nil
		}
	}
	mr, err := r.MassRate(w, c)
	if err != nil {
		return WeightRate{}, err
	}
	if w == nil {
		return WeightRate{}, fmt.Errorf("rate %s in mg/kg/h: %w", r, ErrNeedWeight)
	}
	wr, err := mr.PerKilogram(*w)
	if err != nil {
		return WeightRate{}, fmt.Errorf("rate %s: %w", r, err)
	}
	return wr, nil
}

// VolumeRate converts the rate to a pump rate in mL/h. Anything but mL/h
// needs c, and a per-kg rate needs w as well.
func (r DoseRate) VolumeRate(w *BodyWeight, c *Concentration) (VolumeRate, error) {
	if r.form == FormVolume {
		return VolumeRate{r.v}, nil
	}
	mr, err := r.MassRate(w, c)
	if err != nil {
		return VolumeRate{}, err
	}
	if c == nil {
		return VolumeRate{}, fmt.Errorf("rate %s in mL/h: %w", r, ErrNeedConcentration)
	}
	vr, err := mr.VolumeRate(*c)
	if err != nil {
		return VolumeRate{}, fmt.Errorf("rate %s: %w", r, err)
	}
	return vr, nil
}

// String prints the rate exactly as written and stored: "0.35mg/kg/h",
// "40mg/4h", "22.2mg/h/70kg".
func (r DoseRate) String() string {
	switch r.form {
	case FormAmountOverDuration:
		return r.dose.String() + "/" + r.over.String()
	case FormPerReferenceWeight:
		return formatExact(r.v) + string(r.u) + "/" + r.ref.String()
	case 0:
		return ""
	}
	return formatExact(r.v) + string(r.u)
}

// Format prints the rate to sig significant digits, for reading only.
func (r DoseRate) Format(sig int) string {
	switch r.form {
	case FormAmountOverDuration:
		return r.dose.Format(sig) + " over " + r.over.Format(sig)
	case FormPerReferenceWeight:
		return formatSig(r.v, sig) + " " + string(r.u) + " per " + r.ref.Format(sig)
	}
	return formatSig(r.v, sig) + " " + string(r.u)
}

// MarshalText prints the rate as String does.
func (r DoseRate) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText parses a rate as ParseDoseRate does.
func (r *DoseRate) UnmarshalText(b []byte) error {
	x, err := ParseDoseRate("", string(b))
	if err != nil {
		return err
	}
	*r = x
	return nil
}

// RateAccepted lists the accepted dose-rate units and forms, for help texts.
var RateAccepted = []string{
	"mg/h", "mg/min", "mcg/h", "mcg/min",
	"mg/kg/h", "mg/kg/min", "mcg/kg/h", "mcg/kg/min (µg and ug also accepted)",
	"mL/h", "an amount over a duration such as 40mg/4h or 0.5mg/kg/30min",
	"a rate per reference weight such as 22.2mg/h/70kg",
}

// ParseDoseRate parses a dose rate in any accepted form: "0.35mg/kg/h",
// "20mg/h", "5mcg/kg/min", "125mL/h", "80mg/4h", "0.5mg/kg/30min",
// "22.2mg/h/70kg". Zero is refused. A dose (mg/kg) or an amount (mg) is
// refused as a rate rather than given a guessed time unit.
func ParseDoseRate(field, text string) (DoseRate, error) {
	r, reason := scanDoseRate(strings.TrimSpace(text))
	if reason != "" {
		return DoseRate{}, &ParseError{field, text, reason, RateAccepted}
	}
	return r, nil
}

// scanDoseRate parses a whole text as a dose rate.
func scanDoseRate(s string) (DoseRate, string) {
	n, rest, reason := scanNumber(s)
	if reason == "" {
		reason = nonZero(n.value, "rate (to stop an infusion, record a stop)")
	}
	if reason != "" {
		return DoseRate{}, reason
	}
	segs := splitUnit(rest)
	if len(segs) == 1 && segs[0] == "" {
		return DoseRate{}, "a number without a unit is ambiguous"
	}
	if vu, ok := volumeUnits[segs[0]]; ok {
		if len(segs) == 2 && vu.unit == ML && (segs[1] == "h" || segs[1] == "hr") {
			return DoseRate{form: FormVolume, v: n.value, u: MLPerH}, ""
		}
		if len(segs) == 1 {
			return DoseRate{}, "a volume, not a rate"
		}
		return DoseRate{}, "pump rates are accepted in mL/h only"
	}
	mu, ok := massUnits[segs[0]]
	if !ok {
		return DoseRate{}, unknownUnit(segs[0])
	}
	if mu.unit != Mg && mu.unit != Mcg {
		return DoseRate{}, fmt.Sprintf("%s is not used for a ketamine rate: write mg or mcg", segs[0])
	}
	mass := string(mu.unit)
	timeOf := func(seg string) (Unit, string) {
		tu, ok := timeUnits[seg]
		switch {
		case !ok:
			return "", unknownUnit(seg)
		case tu.unit == S:
			return "", "rates per second are not accepted: write per h or per min"
		}
		return tu.unit, ""
	}
	isNum := func(seg string) bool { return seg != "" && isDigit(seg[0]) }
	switch len(segs) {
	case 1:
		return DoseRate{}, "an amount, not a rate: give a time (mg/h) or a duration (40mg/4h)"
	case 2:
		switch {
		case segs[1] == "kg":
			return DoseRate{}, "mg/kg is a dose, not a rate: add a time (mg/kg/h or mg/kg/min) or a duration (0.5mg/kg/30min)"
		case segs[1] == "lb" || segs[1] == "lbs":
			return DoseRate{}, "rates per lb are not accepted: write per kg"
		case isNum(segs[1]):
			return amountOver(Dose{n.value, mu.unit}, segs[1])
		}
		tu, why := timeOf(segs[1])
		if why != "" {
			return DoseRate{}, why
		}
		return DoseRate{form: FormMass, v: n.value, u: Unit(mass + "/" + string(tu))}, ""
	case 3:
		if segs[1] == "kg" {
			if isNum(segs[2]) {
				u := MgPerKg
				if mu.unit == Mcg {
					u = McgPerKg
				}
				return amountOver(Dose{n.value, u}, segs[2])
			}
			tu, why := timeOf(segs[2])
			if why != "" {
				return DoseRate{}, why
			}
			return DoseRate{form: FormPerWeight, v: n.value, u: Unit(mass + "/kg/" + string(tu))}, ""
		}
		if segs[1] == "lb" || segs[1] == "lbs" {
			return DoseRate{}, "rates per lb are not accepted: write per kg"
		}
		tu, why := timeOf(segs[1])
		if why != "" {
			return DoseRate{}, why
		}
		if !isNum(segs[2]) {
			return DoseRate{}, fmt.Sprintf("after %s/%s expected a reference weight such as 70kg, not %q", mass, tu, segs[2])
		}
		w, err := ParseBodyWeight("", segs[2])
		if err != nil {
			return DoseRate{}, "reference weight " + err.(*ParseError).Reason
		}
		return DoseRate{form: FormPerReferenceWeight, v: n.value, u: Unit(mass + "/" + string(tu)), ref: w}, ""
	}
	return DoseRate{}, "too many \"/\" for a rate"
}

// amountOver parses the duration of an amount over a duration.
func amountOver(d Dose, seg string) (DoseRate, string) {
	t, reason := scanDuration(seg)
	if reason != "" {
		return DoseRate{}, "duration " + reason
	}
	if t.IsZero() {
		return DoseRate{}, "an amount over a duration of zero"
	}
	return DoseRate{form: FormAmountOverDuration, dose: d, over: t}, ""
}
