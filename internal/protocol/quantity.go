package protocol

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/ketatrack/ketatrack/internal/units"
)

// family is the dimension of a ketamine dose as a protocol writes it. Stage
// doses are computed within one family; a patient's mg/h comes from it and
// the weight.
type family int

const (
	famRate         family = iota + 1 // mg/h (also mg/min, mcg/h, mg/day)
	famWeightRate                     // mg/kg/h
	famRefRate                        // mg/h per reference weight (22.2mg/h/70kg), scaled linearly
	famAmount                         // mg given over a duration or as a bolus
	famWeightAmount                   // mg/kg given over a duration or as a bolus
)

// unit returns the canonical unit of the family, for printing.
func (f family) unit(refKg float64) string {
	switch f {
	case famRate:
		return "mg/h"
	case famWeightRate:
		return "mg/kg/h"
	case famRefRate:
		return "mg/h/" + strconv.FormatFloat(refKg, 'f', -1, 64) + "kg"
	case famAmount:
		return "mg"
	case famWeightAmount:
		return "mg/kg"
	}
	return "?"
}

func (f family) isRate() bool { return f == famRate || f == famWeightRate || f == famRefRate }

// quantity is a ketamine dose in a family's canonical unit: v mg/h, mg/kg/h,
// mg/h at refKg, mg or mg/kg. Text is what the file or clinician wrote.
type quantity struct {
	fam   family
	v     float64
	refKg float64
	text  string
}

// sameFamily reports whether q and o can be interpolated between.
func (q quantity) sameFamily(o quantity) bool {
	return q.fam == o.fam && (q.fam != famRefRate || q.refKg == o.refKg)
}

// with returns a quantity of q's family with value v, printed canonically.
func (q quantity) with(v float64) quantity {
	return quantity{fam: q.fam, v: v, refKg: q.refKg, text: formatNumber(v) + q.fam.unit(q.refKg)}
}

// String prints the quantity as written.
func (q quantity) String() string {
	if q.text != "" {
		return q.text
	}
	return formatNumber(q.v) + q.fam.unit(q.refKg)
}

// massRate returns the quantity's rate in mg/h for a patient of weight w:
// a rate converts directly (per 70 kg scales linearly, weight/70), an amount
// is spread evenly over d. It goes through package units for every
// conversion.
func (q quantity) massRate(w units.BodyWeight, d units.Duration) (units.MassRate, error) {
	switch q.fam {
	case famRate:
		return units.MilligramsPerHour(q.v), nil
	case famWeightRate:
		return units.MilligramsPerKilogramPerHour(q.v).At(w), nil
	case famRefRate:
		// Linear scaling by weight/reference weight: the rate per kg of the
		// reference patient applied to this patient's kilograms.
		return units.MilligramsPerKilogramPerHour(q.v / q.refKg).At(w), nil
	case famAmount, famWeightAmount:
		if !(d.Hours() > 0) {
			return units.MassRate{}, errors.New("an amount needs a duration to become a rate")
		}
		return q.mass(w).Over(d)
	}
	return units.MassRate{}, errors.New("no dose")
}

// mass returns an amount's mg for a patient of weight w.
func (q quantity) mass(w units.BodyWeight) units.Mass {
	if q.fam == famWeightAmount {
		return units.MilligramsPerKilogram(q.v).At(w)
	}
	return units.Milligrams(q.v)
}

// dose returns an amount as a units.Dose (mg or mg/kg).
func (q quantity) dose() units.Dose {
	if q.fam == famWeightAmount {
		return units.DosePerKilogram(units.MilligramsPerKilogram(q.v))
	}
	return units.DoseOf(units.Milligrams(q.v))
}

// parseDose parses a ketamine dose: an amount (40mg, 0.5mg/kg), a rate
// (0.35mg/kg/h, 20mg/h, 5mcg/kg/min, 22.2mg/h/70kg, 40mg/4h) or an amount
// per day (50mg/day, read as the amount over 24 h).
func parseDose(field, text string) (quantity, error) {
	s := strings.TrimSpace(text)
	lower := strings.ToLower(s)
	if strings.HasSuffix(lower, "/day") || strings.HasSuffix(lower, "/d") {
		amount := s[:strings.LastIndex(s, "/")]
		r, err := units.ParseDoseRate(field, amount+"/24h")
		if err != nil {
			return quantity{}, fmt.Errorf("%q: an amount per day must be mg/day or mg/kg/day: %w", text, err)
		}
		q, err := fromRate(r)
		q.text = s
		return q, err
	}
	if d, err := units.ParseDose(field, s); err == nil {
		if d.PerKilogram() {
			pw, err := d.PerWeight(nil)
			if err != nil {
				return quantity{}, err
			}
			return quantity{fam: famWeightAmount, v: pw.MilligramsPerKilogram(), text: s}, nil
		}
		m, err := d.Mass(nil)
		if err != nil {
			return quantity{}, err
		}
		return quantity{fam: famAmount, v: m.Milligrams(), text: s}, nil
	}
	r, err := units.ParseDoseRate(field, s)
	if err != nil {
		var pe *units.ParseError
		if errors.As(err, &pe) {
			return quantity{}, fmt.Errorf("%q is not a ketamine dose: %s (write an amount such as 40mg or 0.5mg/kg, or a rate such as 20mg/h, 0.35mg/kg/h, 22.2mg/h/70kg or 50mg/day)", text, pe.Reason)
		}
		return quantity{}, err
	}
	q, err := fromRate(r)
	q.text = s
	return q, err
}

// fromRate converts a parsed rate to a quantity.
func fromRate(r units.DoseRate) (quantity, error) {
	switch r.Form() {
	case units.FormVolume:
		return quantity{}, fmt.Errorf("%s is a pump rate: a protocol gives the dose (mg/h, mg/kg/h) and the plan derives mL/h from the bag", r)
	case units.FormPerReferenceWeight:
		ref, _ := r.ReferenceWeight()
		wr, err := r.WeightRate(nil, nil)
		if err != nil {
			return quantity{}, err
		}
		return quantity{fam: famRefRate, v: wr.MilligramsPerKilogramPerHour() * ref.Kilograms(), refKg: ref.Kilograms()}, nil
	}
	if r.NeedsWeight() {
		wr, err := r.WeightRate(nil, nil)
		if err != nil {
			return quantity{}, err
		}
		return quantity{fam: famWeightRate, v: wr.MilligramsPerKilogramPerHour()}, nil
	}
	mr, err := r.MassRate(nil, nil)
	if err != nil {
		return quantity{}, err
	}
	return quantity{fam: famRate, v: mr.MilligramsPerHour()}, nil
}

// parseDuration parses a duration as package units does (4h, 30min,
// 4h30min), and also whole or decimal days (4.5d) and weeks (3wk), which
// protocols use for course lengths and intervals.
func parseDuration(field, text string) (units.Duration, error) {
	s := strings.TrimSpace(text)
	for _, suffix := range []struct {
		unit  string
		hours float64
	}{{"wk", 168}, {"d", 24}} {
		if strings.HasSuffix(s, suffix.unit) && len(s) > len(suffix.unit) {
			n := strings.TrimSpace(s[:len(s)-len(suffix.unit)])
			// Read the number through units as hours, then scale.
			h, err := units.ParseDuration(field, n+"h")
			if err != nil {
				return units.Duration{}, fmt.Errorf("%q: %w", text, err)
			}
			return units.Hours(h.Hours() * suffix.hours), nil
		}
	}
	d, err := units.ParseDuration(field, s)
	if err != nil {
		return units.Duration{}, fmt.Errorf("%q is not a duration (write 4h, 30min, 4h30min, 4.5d or 3wk): %w", text, err)
	}
	return d, nil
}

// parseCount parses a positive whole number up to 1000.
func parseCount(text string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(text))
	if err != nil || n < 1 || n > 1000 {
		return 0, fmt.Errorf("%q is not a whole number from 1 to 1000", text)
	}
	return n, nil
}

// step is a titration rule parsed from a Step field.
type step struct {
	mode string     // "linear", "none", "increment", "list"
	inc  quantity   // increment
	list []quantity // list
}

// parseStep parses "linear", "none", "+5mg" or "320mg,360mg".
func parseStep(text string) (step, error) {
	s := strings.TrimSpace(text)
	switch s {
	case "linear", "none":
		return step{mode: s}, nil
	case "":
		return step{}, errors.New("empty step (write linear, none, an increment such as +5mg, or a list such as 320mg,360mg)")
	}
	if strings.HasPrefix(s, "+") {
		q, err := parseDose("step", s[1:])
		if err != nil {
			return step{}, fmt.Errorf("increment %w", err)
		}
		return step{mode: "increment", inc: q}, nil
	}
	var st step
	st.mode = "list"
	for _, part := range strings.Split(s, ",") {
		q, err := parseDose("step", part)
		if err != nil {
			return step{}, fmt.Errorf("list item %w (a step is linear, none, +INCREMENT or a comma-separated list)", err)
		}
		st.list = append(st.list, q)
	}
	return st, nil
}

// doseRange is a range the source reports, e.g. 1mg/kg to 1.5mg/kg.
type doseRange struct{ lo, hi quantity }

// parseRange parses "LOW to HIGH" of one family.
func parseRange(text string) (doseRange, error) {
	lo, hi, ok := strings.Cut(text, " to ")
	if !ok {
		return doseRange{}, fmt.Errorf("%q is not a range (write LOW to HIGH, e.g. 1mg/kg to 1.5mg/kg)", text)
	}
	l, err := parseDose("range", lo)
	if err != nil {
		return doseRange{}, err
	}
	h, err := parseDose("range", hi)
	if err != nil {
		return doseRange{}, err
	}
	if !l.sameFamily(h) || l.v >= h.v {
		return doseRange{}, fmt.Errorf("%q: both ends need the same unit, low first", text)
	}
	return doseRange{l, h}, nil
}

// contains reports whether q lies in the range for a patient of weight w:
// rates are compared in mg/h, amounts in mg. A difference of 1e-9 relative
// is float noise, not a dose outside the range.
func (r doseRange) contains(q quantity, w units.BodyWeight, d units.Duration) bool {
	const eps = 1e-9
	if q.fam.isRate() != r.lo.fam.isRate() {
		return false
	}
	if q.fam.isRate() {
		v, err1 := q.massRate(w, d)
		lo, err2 := r.lo.massRate(w, d)
		hi, err3 := r.hi.massRate(w, d)
		if err := errors.Join(err1, err2, err3); err != nil {
			return false
		}
		return v.MilligramsPerHour() >= lo.MilligramsPerHour()*(1-eps) && v.MilligramsPerHour() <= hi.MilligramsPerHour()*(1+eps)
	}
	v, lo, hi := q.mass(w).Milligrams(), r.lo.mass(w).Milligrams(), r.hi.mass(w).Milligrams()
	return v >= lo*(1-eps) && v <= hi*(1+eps)
}

// medDose is a premedication dose: one value or a range, each an amount
// (mg, mcg, mg/kg) or a rate (mg/h, mcg/kg/h).
type medDose struct {
	text   string
	lo, hi medQuantity
	isRng  bool
}

// medQuantity is one end of a medication dose as parsed by package units.
type medQuantity struct {
	dose *units.Dose
	rate *units.DoseRate
}

func parseMedQuantity(text string) (medQuantity, error) {
	if d, err := units.ParseDose("dose", text); err == nil {
		return medQuantity{dose: &d}, nil
	}
	r, err := units.ParseDoseRate("dose", text)
	if err != nil {
		return medQuantity{}, fmt.Errorf("%q is not a medication dose (write 0.1mg, 2mg to 4mg, 0.1mg/kg or 1.5mcg/kg/h)", text)
	}
	if r.Form() == units.FormVolume {
		return medQuantity{}, fmt.Errorf("%q is a pump rate, not a dose", text)
	}
	return medQuantity{rate: &r}, nil
}

// parseMedDose parses "0.1mg", "2mg to 4mg", "0.1mg/kg", "1.5mcg/kg/h".
func parseMedDose(text string) (medDose, error) {
	s := strings.TrimSpace(text)
	if lo, hi, ok := strings.Cut(s, " to "); ok {
		l, err := parseMedQuantity(strings.TrimSpace(lo))
		if err != nil {
			return medDose{}, err
		}
		h, err := parseMedQuantity(strings.TrimSpace(hi))
		if err != nil {
			return medDose{}, err
		}
		return medDose{text: s, lo: l, hi: h, isRng: true}, nil
	}
	q, err := parseMedQuantity(s)
	if err != nil {
		return medDose{}, err
	}
	return medDose{text: s, lo: q, hi: q}, nil
}

// forPatient prints one end of a medication dose for a patient of weight w:
// per-kg doses and rates are multiplied out in the unit written (0.1mg/kg at
// 70 kg is 7mg; 1.5mcg/kg/h is 105mcg/h). Non-per-kg values print as written.
func (q medQuantity) forPatient(w units.BodyWeight) string {
	kg := w.Kilograms()
	switch {
	case q.dose != nil:
		if !q.dose.PerKilogram() {
			return q.dose.String()
		}
		u := strings.TrimSuffix(string(q.dose.Unit()), "/kg")
		return formatNumber(q.dose.Value()*kg) + u
	case q.rate != nil:
		r := *q.rate
		if r.Form() == units.FormPerWeight {
			u := strings.Replace(string(r.Unit()), "/kg", "", 1)
			return formatNumber(r.Value()*kg) + u
		}
		if r.NeedsWeight() {
			if mr, err := r.MassRate(&w, nil); err == nil {
				return mr.String()
			}
		}
		return r.String()
	}
	return ""
}

// forPatient prints the dose for a patient of weight w.
func (d medDose) forPatient(w units.BodyWeight) string {
	if d.isRng {
		return d.lo.forPatient(w) + " to " + d.hi.forPatient(w)
	}
	return d.lo.forPatient(w)
}

// perKilogram reports whether any end of the dose depends on weight.
func (d medDose) perKilogram() bool {
	for _, q := range []medQuantity{d.lo, d.hi} {
		if (q.dose != nil && q.dose.PerKilogram()) || (q.rate != nil && q.rate.NeedsWeight()) {
			return true
		}
	}
	return false
}

// threshold is a rule's threshold: a percentage or a ketamine rate.
type threshold struct {
	percent float64
	rate    *quantity
}

func parseThreshold(measure, text string) (threshold, error) {
	s := strings.TrimSpace(text)
	switch measure {
	case "spo2", "heart_rate_rise":
		n, ok := strings.CutSuffix(s, "%")
		v, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
		if !ok || err != nil || math.IsNaN(v) || v <= 0 || v > 100 {
			return threshold{}, fmt.Errorf("%q is not a percentage from 0 to 100 such as 93%%", text)
		}
		return threshold{percent: v}, nil
	case "systolic_bp", "diastolic_bp":
		n, ok := strings.CutSuffix(s, "mmHg")
		v, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
		if !ok || err != nil || v <= 0 || v > 300 {
			return threshold{}, fmt.Errorf("%q is not a pressure such as 160mmHg", text)
		}
		return threshold{percent: v}, nil
	case "ketamine_rate":
		q, err := parseDose("threshold", s)
		if err != nil {
			return threshold{}, err
		}
		if q.fam != famRate && q.fam != famWeightRate {
			return threshold{}, fmt.Errorf("%q: a rate threshold is in mg/h or mg/kg/h", text)
		}
		return threshold{rate: &q}, nil
	}
	return threshold{}, fmt.Errorf("unknown measure %q", measure)
}

// measures are the rule measures a protocol may use.
var measures = []string{"spo2", "heart_rate_rise", "systolic_bp", "diastolic_bp", "ketamine_rate"}

// formatNumber prints v as the shortest decimal that reads back as v, or,
// when that needs more than 12 significant digits, v rounded to 12
// significant digits (float noise such as 24.499999999999996 prints 24.5).
// Used for text only; computations keep the float64.
func formatNumber(v float64) string {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 12, 64), 64)
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// parseDays parses a time between sessions that is a whole number of days
// (10d, 3wk) and returns the days.
func parseDays(text string) (int, error) {
	d, err := parseDuration("interval", text)
	if err != nil {
		return 0, err
	}
	days := d.Hours() / 24
	if days < 1 || days != math.Trunc(days) || days > 3660 {
		return 0, fmt.Errorf("%q: the time between sessions must be a whole number of days (such as 10d or 3wk)", text)
	}
	return int(days), nil
}

// parseVolume parses a positive volume (500mL).
func parseVolume(text string) (units.Volume, error) {
	vol, err := units.ParseVolume("volume", text)
	if err == nil && !(vol.Milliliters() > 0) {
		err = fmt.Errorf("%q: a volume must be positive", text)
	}
	return vol, err
}
