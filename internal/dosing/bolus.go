package dosing

import (
	"fmt"

	"github.com/ketatrack/ketatrack/internal/druglib"
	"github.com/ketatrack/ketatrack/internal/units"
)

// convertBolus computes the bolus in mg and, with a weight or per kg, in
// mg/kg.
func convertBolus(b units.Dose, w *units.BodyWeight) (*units.Mass, *units.MassPerWeight, doseValues, error) {
	v := doseValues{}
	var mp *units.Mass
	var pp *units.MassPerWeight
	if w != nil || !b.PerKilogram() {
		m, err := b.Mass(w)
		if err != nil {
			return nil, nil, nil, err
		}
		mp = &m
		v[units.Mg] = m.Milligrams()
	}
	if w != nil || b.PerKilogram() {
		p, err := b.PerWeight(w)
		if err != nil {
			return nil, nil, nil, err
		}
		pp = &p
		v[units.MgPerKg] = p.MilligramsPerKilogram()
	}
	if !finite(v) {
		return nil, nil, nil, fmt.Errorf("bolus %s: the conversion is not a finite number", b)
	}
	return mp, pp, v, nil
}

func checkBolus(lib *druglib.Library, req Request) (*Result, error) {
	b := *req.Bolus
	entry, err := lib.Lookup(req.Drug, req.CareArea, druglib.Bolus)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUncheckable, err)
	}
	m, p, values, err := convertBolus(b, req.Weight)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUncheckable, err)
	}
	res := &Result{Input: b.String(), Drug: req.Drug, CareArea: req.CareArea, DoseForm: druglib.Bolus, Mass: m, PerWeight: p}
	res.Checks = evaluate(entry, values)
	if len(res.Checks) == 0 {
		return nil, fmt.Errorf("%w: the %s bolus limits for %s are in %s only: a weight is needed", ErrUncheckable, req.CareArea, req.Drug, limitUnits(entry))
	}
	res.decide()
	res.describeChecks(drugName(lib, req.Drug))
	if res.Status != OK {
		res.Findings = bolusFindings(lib, req, entry, res, values)
		for _, f := range res.Findings {
			res.Messages = append(res.Messages, "probable unit error: "+f.Message)
		}
	}
	res.acknowledge(req.Acknowledgement)
	return res, nil
}

// bolusFindings looks for a reading of the bolus that would be within the
// limits.
func bolusFindings(lib *druglib.Library, req Request, e *druglib.Entry, res *Result, v doseValues) []Finding {
	b := *req.Bolus
	d := res.Decisive
	fits := func(f float64) bool { return allWithin(evaluate(e, scale(v, f))) }
	alt := func(f float64) string { return num(d.Value*f) + " " + string(d.Unit) }
	var fs []Finding
	add := func(k FindingKind, format string, a ...any) {
		fs = append(fs, Finding{k, fmt.Sprintf(format, a...)})
	}
	if d.Level > druglib.Within {
		if !b.Unit().InMicrograms() && fits(1.0/1000) {
			add(McgAsMg, "bolus %s read as mcg instead of mg (%s) would be within the limits: mcg typed as mg?", b, alt(1.0/1000))
		}
		if fits(0.1) {
			add(TenFoldHigh, "bolus %s is ten times a dose within the limits (%s): a ten-fold error, such as a misplaced decimal point?", b, alt(0.1))
		}
		if fits(0.01) {
			add(HundredFoldHigh, "bolus %s is a hundred times a dose within the limits (%s): a hundred-fold error?", b, alt(0.01))
		}
	} else {
		if b.Unit().InMicrograms() && fits(1000) {
			add(MgAsMcg, "bolus %s read as mg instead of mcg (%s) would be within the limits: mg typed as mcg?", b, alt(1000))
		}
		if fits(10) {
			add(TenFoldLow, "bolus %s is a tenth of a dose within the limits (%s): a ten-fold error?", b, alt(10))
		}
		if fits(100) {
			add(HundredFoldLow, "bolus %s is a hundredth of a dose within the limits (%s): a hundred-fold error?", b, alt(100))
		}
	}
	if w := req.Weight; w != nil {
		if sw, kind, ok := swappedWeight(*w); ok {
			if _, _, av, err := convertBolus(b, &sw); err == nil && allWithin(evaluate(e, av)) {
				add(kind, "%s", weightMessage(*w, sw, kind))
			}
		}
	}
	if req.CareArea != druglib.ICU && d.Level == druglib.AboveHardMax {
		if f, ok := icuFinding(lib, req, druglib.Bolus, v, "bolus "+b.String()+" is an induction (anaesthetic) bolus"); ok {
			fs = append(fs, f)
		}
	}
	return fs
}
