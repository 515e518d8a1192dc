package infusion

import (
	"fmt"
	"strings"

	"github.com/ketatrack/ketatrack/internal/dosing"
	"github.com/ketatrack/ketatrack/internal/druglib"
)

// DoseEngine is the RateChecker over internal/dosing: every programme and
// rate change of a session goes through the same engine as `ketatrack dose`
// and the plan, with the same drug library.
type DoseEngine struct {
	// Library is the clinic's drug library; nil means druglib.Default().
	Library *druglib.Library
}

// CheckRate asks dosing.Check about the rate as entered, with today's
// weight and the bag's concentration. It refuses to answer when the engine's
// conversion to mg/h or mL/h disagrees with the chart's beyond floating-point
// representation: the chart must never integrate a rate other than the one
// that was checked.
func (d DoseEngine) CheckRate(q RateQuery) (DoseCheck, error) {
	rate := q.Entered
	req := dosing.Request{Drug: q.Drug, CareArea: q.CareArea, Rate: &rate, Library: d.Library, Acknowledgement: q.Acknowledgement}
	if q.Weight.Kilograms() > 0 {
		w := q.Weight
		req.Weight = &w
	}
	if q.Bag.MilligramsPerMilliliter() > 0 {
		c := q.Bag
		req.Concentration = &c
	}
	res, err := dosing.Check(req)
	if err != nil {
		return DoseCheck{}, invalid("", "%v", err)
	}
	if res.MassRate == nil || !closeRel(res.MassRate.MilligramsPerHour(), float64(q.Rate.MgPerH)) {
		return DoseCheck{}, fmt.Errorf("infusion: the dose engine converts %s to %v mg/h, the chart to %v mg/h", q.Entered, massRate(res), float64(q.Rate.MgPerH))
	}
	if res.VolumeRate != nil && !closeRel(res.VolumeRate.MillilitersPerHour(), float64(q.Rate.MLPerH)) {
		return DoseCheck{}, fmt.Errorf("infusion: the dose engine converts %s to %v mL/h, the chart to %v mL/h", q.Entered, res.VolumeRate.MillilitersPerHour(), float64(q.Rate.MLPerH))
	}
	c := DoseCheck{Message: strings.Join(res.Messages, "; ")}
	switch res.Status {
	case dosing.OK:
		c.Level = LevelOK
	case dosing.SoftLimit:
		c.Level = LevelSoft
	case dosing.HardLimit:
		c.Level = LevelHard
	default:
		return DoseCheck{}, fmt.Errorf("infusion: unknown dose-engine status %q", res.Status)
	}
	if l := res.Report().Limit; l != nil {
		c.Limit = limitSummary(l)
		c.Source = l.Source
	}
	for _, f := range res.Findings {
		c.Findings = append(c.Findings, string(f.Kind)+": "+f.Message)
	}
	return c, nil
}

func massRate(r *dosing.Result) any {
	if r.MassRate == nil {
		return "no"
	}
	return r.MassRate.MilligramsPerHour()
}

// limitSummary writes the deciding limit briefly: "soft max 80, hard max
// 150 mg/h (outpatient)".
func limitSummary(l *dosing.LimitReport) string {
	var p []string
	add := func(name string, v *float64) {
		if v != nil {
			p = append(p, fmt.Sprintf("%s %v", name, *v))
		}
	}
	add("hard min", l.HardMin)
	add("soft min", l.SoftMin)
	add("soft max", l.SoftMax)
	add("hard max", l.HardMax)
	return fmt.Sprintf("%s %s (%s)", strings.Join(p, ", "), l.Unit, l.CareArea)
}
