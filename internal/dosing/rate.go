package dosing

import (
	"fmt"

	"github.com/ketatrack/ketatrack/internal/druglib"
	"github.com/ketatrack/ketatrack/internal/units"
)

// rateConversions are a rate's values in the units a pump and a clinician
// use; nil when not computable.
type rateConversions struct {
	mass   *units.MassRate
	weight *units.WeightRate
	volume *units.VolumeRate
}

// convertRate computes what can be computed from the rate, weight and
// concentration. The mg/h rate is required: without it (a per-kg rate
// without a weight, mL/h without a concentration) the rate is uncheckable.
func convertRate(r units.DoseRate, w *units.BodyWeight, c *units.Concentration) (rateConversions, doseValues, error) {
	var conv rateConversions
	mr, err := r.MassRate(w, c)
	if err != nil {
		return conv, nil, err
	}
	conv.mass = &mr
	v := doseValues{units.MgPerH: mr.MilligramsPerHour()}
	if w != nil || r.NeedsWeight() {
		wr, err := r.WeightRate(w, c)
		if err != nil {
			return conv, nil, err
		}
		conv.weight = &wr
		v[units.MgPerKgPerH] = wr.MilligramsPerKilogramPerHour()
	}
	if c != nil || r.Form() == units.FormVolume {
		vr, err := r.VolumeRate(w, c)
		if err != nil {
			return conv, nil, err
		}
		conv.volume = &vr
	}
	if !finite(v) {
		return conv, nil, fmt.Errorf("rate %s: the conversion is not a finite number", r)
	}
	return conv, v, nil
}

func checkRate(lib *druglib.Library, req Request) (*Result, error) {
	rate := *req.Rate
	form := druglib.Continuous
	if rate.Form() == units.FormAmountOverDuration {
		form = druglib.AmountOverDuration
	}
	entry, err := lib.Lookup(req.Drug, req.CareArea, form)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUncheckable, err)
	}
	conv, values, err := convertRate(rate, req.Weight, req.Concentration)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUncheckable, err)
	}
	res := &Result{
		Input: rate.String(), Drug: req.Drug, CareArea: req.CareArea, DoseForm: form,
		MassRate: conv.mass, WeightRate: conv.weight, VolumeRate: conv.volume,
	}
	res.Checks = evaluate(entry, values)
	if len(res.Checks) == 0 {
		return nil, fmt.Errorf("%w: the %s limits for %s are in %s only: a weight is needed", ErrUncheckable, req.CareArea, req.Drug, limitUnits(entry))
	}
	res.decide()
	name := drugName(lib, req.Drug)
	res.describeChecks(name)
	if res.Status != OK {
		res.Findings = rateFindings(lib, req, entry, res, values)
		for _, f := range res.Findings {
			res.Messages = append(res.Messages, "probable unit error: "+f.Message)
		}
	}
	res.acknowledge(req.Acknowledgement)
	return res, nil
}

func limitUnits(e *druglib.Entry) string {
	s := ""
	for i, l := range e.Limits {
		if i > 0 {
			s += " and "
		}
		s += string(l.Unit)
	}
	return s
}

// scale multiplies every value by f.
func scale(v doseValues, f float64) doseValues {
	out := doseValues{}
	for u, x := range v {
		out[u] = x * f
	}
	return out
}

// rateFindings looks for a reading of the rate that would be within the
// limits: each is a probable unit error.
func rateFindings(lib *druglib.Library, req Request, e *druglib.Entry, res *Result, v doseValues) []Finding {
	rate := *req.Rate
	d := res.Decisive
	fits := func(f float64) bool { return allWithin(evaluate(e, scale(v, f))) }
	alt := func(f float64) string { return num(d.Value*f) + " " + string(d.Unit) }
	u := rate.Unit()
	hasTime := rate.Form() == units.FormMass || rate.Form() == units.FormPerWeight
	amountUnit := rate.Form() != units.FormVolume
	var fs []Finding
	add := func(k FindingKind, format string, a ...any) {
		fs = append(fs, Finding{k, fmt.Sprintf(format, a...)})
	}
	high := d.Level > druglib.Within
	if high {
		if rate.PerMinute() && fits(1.0/60) {
			add(PerMinuteAsPerHour, "%s is written per minute (%s); the same number per hour, %s, would be within the limits: a per-hour rate entered as per minute?", rate, num(d.Value)+" "+string(d.Unit), alt(1.0/60))
		}
		if amountUnit && !u.InMicrograms() && fits(1.0/1000) {
			add(McgAsMg, "%s read as mcg instead of mg (1000 times less, %s) would be within the limits: mcg typed as mg?", rate, alt(1.0/1000))
		}
		if fits(0.1) {
			add(TenFoldHigh, "%s is ten times a rate within the limits (%s): a ten-fold error, such as a misplaced decimal point?", rate, alt(0.1))
		}
		if fits(0.01) {
			add(HundredFoldHigh, "%s is a hundred times a rate within the limits (%s): a hundred-fold error?", rate, alt(0.01))
		}
	} else {
		if hasTime && !rate.PerMinute() && fits(60) {
			add(PerHourAsPerMinute, "%s is written per hour; the same number per minute, %s, would be within the limits: a per-minute rate entered as per hour?", rate, alt(60))
		}
		if amountUnit && u.InMicrograms() && fits(1000) {
			add(MgAsMcg, "%s read as mg instead of mcg (1000 times more, %s) would be within the limits: mg typed as mcg?", rate, alt(1000))
		}
		if fits(10) {
			add(TenFoldLow, "%s is a tenth of a rate within the limits (%s): a ten-fold error, such as a misplaced decimal point?", rate, alt(10))
		}
		if fits(100) {
			add(HundredFoldLow, "%s is a hundredth of a rate within the limits (%s): a hundred-fold error?", rate, alt(100))
		}
	}
	if w := req.Weight; w != nil {
		if sw, kind, ok := swappedWeight(*w); ok {
			if _, av, err := convertRate(rate, &sw, req.Concentration); err == nil && allWithin(evaluate(e, av)) {
				add(kind, "%s", weightMessage(*w, sw, kind))
			}
		}
	}
	if rate.PerMinute() && d.Level == druglib.AboveHardMax && !hasKind(fs, PerMinuteAsPerHour) {
		add(PerMinuteUnit, "%s in a per-minute unit converts to %s, above the hard maximum: check the unit", rate, num(d.Value)+" "+string(d.Unit))
	}
	if req.CareArea != druglib.ICU && d.Level == druglib.AboveHardMax {
		if f, ok := icuFinding(lib, req, e.DoseForm, v, num(d.Value)+" "+string(d.Unit)+" is an anaesthetic rate"); ok {
			fs = append(fs, f)
		}
	}
	return fs
}

func hasKind(fs []Finding, k FindingKind) bool {
	for _, f := range fs {
		if f.Kind == k {
			return true
		}
	}
	return false
}

// swappedWeight reads the same number in the other unit: kg as lb, lb as
// kg. A weight in g has no such confusion.
func swappedWeight(w units.BodyWeight) (units.BodyWeight, FindingKind, bool) {
	switch w.Unit() {
	case units.Kg:
		return units.Pounds(w.Value()), LbAsKg, true
	case units.Lb:
		return units.Kilograms(w.Value()), KgAsLb, true
	}
	return units.BodyWeight{}, "", false
}

func weightMessage(w, sw units.BodyWeight, kind FindingKind) string {
	if kind == LbAsKg {
		return fmt.Sprintf("weight %s read as %s (%s kg) would put the dose within the limits: pounds entered as kilograms?", w, sw, num(sw.Kilograms()))
	}
	return fmt.Sprintf("weight %s (%s kg) read as %s would put the dose within the limits: kilograms entered as pounds?", w, num(w.Kilograms()), sw)
}

// icuFinding reports a dose above this care area's hard maximum that the
// ICU's limits allow (soft limits included): an anaesthetic dose outside
// the ICU. The ICU limits are per kg, so it needs a weight or a per-kg dose.
func icuFinding(lib *druglib.Library, req Request, form druglib.DoseForm, v doseValues, what string) (Finding, bool) {
	icu, err := lib.Lookup(req.Drug, druglib.ICU, form)
	if err != nil {
		return Finding{}, false
	}
	cs := evaluate(icu, v)
	if len(cs) == 0 {
		return Finding{}, false
	}
	var limits string
	for i, c := range cs {
		if c.Level.Hard() || c.Level < druglib.Within {
			return Finding{}, false
		}
		if i > 0 {
			limits += "; "
		}
		limits += boundsText(c.Limit)
	}
	return Finding{ICUDoseOutsideICU, fmt.Sprintf(
		"%s, within the ICU limits (%s) but above the %s hard maximum; anaesthetic ketamine is given only in an ICU with intubation and ventilation (Kiefer 2008, Koffler 2007, in 001; Rasmussen 2013, 004). Is the care area right?",
		what, limits, req.CareArea)}, true
}
