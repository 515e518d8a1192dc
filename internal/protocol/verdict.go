package protocol

import (
	"fmt"
	"math"

	"github.com/ketatrack/ketatrack/internal/units"
)

// check runs every step through the checker, fills pump rates and totals.
func (b *builder) check(c Checker) error {
	plan, x := b.plan, b.x
	for di := range plan.Days {
		day := &plan.Days[di]
		// The source's own mixing, per dose, when no bag is given.
		diluentAmount := map[string]float64{}
		for _, s := range day.Steps {
			diluentAmount[s.Name] += s.AmountMg
		}
		for si := range day.Steps {
			s := &day.Steps[si]
			var chk Check
			var err error
			switch {
			case s.Bolus:
				chk, err = c.CheckBolus(plan.Drug, plan.CareArea, s.bolus, plan.Weight, x.req.Acknowledge)
			case s.PulseOf != "":
				// A pulse of a few minutes is programmed on a pump as a bolus
				// dose with a duration, and checked as the dose it gives.
				chk, err = c.CheckBolus(plan.Drug, plan.CareArea, s.bolus, plan.Weight, x.req.Acknowledge)
			default:
				chk, err = c.CheckRate(plan.Drug, plan.CareArea, s.rate, plan.Weight, x.req.Acknowledge)
			}
			if err != nil {
				return fmt.Errorf("checking day %d, %s: %w", day.Day, s.Name, err)
			}
			s.Status, s.Messages = chk.Status, chk.Messages
			if s.Status > plan.Status {
				plan.Status = s.Status
			}
			if plan.Bag != nil && !s.Bolus {
				vr, err := units.MilligramsPerHour(s.MgPerH).VolumeRate(*plan.Bag)
				if err == nil {
					s.MlPerH, s.HasMl = vr.MillilitersPerHour(), true
				}
			} else if plan.Bag == nil && !s.Bolus {
				if pd := b.doseOf(s.Name); pd != nil && pd.diluent != nil && diluentAmount[s.Name] > 0 {
					conc, err := units.Bag(units.Milligrams(diluentAmount[s.Name]), *pd.diluent)
					if err == nil {
						if vr, err := units.MilligramsPerHour(s.MgPerH).VolumeRate(conc); err == nil {
							s.MlPerH, s.HasMl = vr.MillilitersPerHour(), true
						}
					}
					day.Diluent = &Diluent{AmountMg: diluentAmount[s.Name], VolumeMl: pd.diluent.Milliliters()}
				}
			}
			day.SessionMg += s.AmountMg
		}
		if plan.Bag != nil && day.SessionMg > 0 {
			mgPerMl := plan.Bag.MilligramsPerMilliliter()
			day.VolumeMl = day.SessionMg / mgPerMl
		}
		plan.CourseMg += day.SessionMg
	}
	if plan.Status == StatusSoftLimit && x.req.Acknowledge != "" {
		x.warnings = append(x.warnings, "soft limit acknowledged by the clinician: "+x.req.Acknowledge)
	}
	return nil
}

func (b *builder) doseOf(name string) *plannedDose {
	for i := range b.doseSteps {
		if b.doseSteps[i].spec.Name == name {
			return &b.doseSteps[i]
		}
	}
	return nil
}

// warn adds the plan's warnings: the protocol's own, notes on what the
// source does not state, ranges, rate rules, scaling and bags.
func (b *builder) warn() {
	x, plan, p := b.x, b.plan, b.x.p
	for _, w := range p.Warnings {
		x.warnings = append(x.warnings, w.Text+" ("+w.Source+")")
		x.sources[sourceKey(w.Source)] = true
	}
	if len(p.Premedication) == 0 && p.PremedicationNote != "" {
		x.warnings = append(x.warnings, "premedication: "+p.PremedicationNote+" Add local practice if needed.")
	}
	if p.MonitoringNote != "" {
		x.warnings = append(x.warnings, "monitoring: "+p.MonitoringNote+" Apply local standards for ketamine at this dose and care area.")
	}
	for _, pd := range b.doseSteps {
		if pd.rng != nil {
			seen := map[string]bool{}
			for _, q := range pd.stages {
				if !pd.rng.contains(q, plan.Weight, pd.duration) && !seen[q.String()] {
					seen[q.String()] = true
					x.warnings = append(x.warnings, fmt.Sprintf("%s %s is outside the range the source reports, %s to %s (%s)", pd.spec.Name, q, pd.rng.lo, pd.rng.hi, pd.rngSource))
				}
			}
		}
		for _, q := range pd.stages {
			if q.fam == famRefRate {
				x.warnings = append(x.warnings, fmt.Sprintf("doses per %s kg are scaled linearly with body weight: mg/h = dose x %s / %s kg", formatNumber(q.refKg), formatNumber(plan.Weight.Kilograms())+" kg", formatNumber(q.refKg)))
				break
			}
		}
		if pd.diluent != nil && plan.Bag != nil {
			x.warnings = append(x.warnings, fmt.Sprintf("the source mixed each session's %s in %s; this plan uses the bag given (%s)", pd.spec.Name, pd.diluent, plan.Bag))
		}
	}
	for _, r := range p.Rules {
		if r.Measure != "ketamine_rate" {
			continue
		}
		th, err := parseThreshold(r.Measure, r.Threshold.Value)
		if err != nil || th.rate == nil {
			continue
		}
		for _, d := range plan.Days {
			for _, s := range d.Steps {
				if s.Bolus {
					continue
				}
				v := s.MgPerH
				if th.rate.fam == famWeightRate {
					v = s.MgPerKgPerH
				}
				if compare(v, r.Op, th.rate.v) {
					x.warnings = append(x.warnings, fmt.Sprintf("day %d: %s %s %s: %s (%s)", d.Day, formatNumber(v)+" "+th.rate.fam.unit(0), r.Op, th.rate, r.Text, r.Threshold.Source))
				}
			}
		}
	}
	if plan.Bag != nil {
		if _, vol, ok := plan.Bag.Amount(); ok {
			for _, d := range plan.Days {
				if d.VolumeMl > vol.Milliliters()*(1+1e-9) {
					x.warnings = append(x.warnings, fmt.Sprintf("day %d needs %s mL of the bag (%s mg): more than one bag of %s", d.Day, formatNumber(d.VolumeMl), formatNumber(d.SessionMg), vol))
				}
			}
		}
	}
}

func compare(v float64, op string, t float64) bool {
	switch op {
	case "<":
		return v < t
	case "<=":
		return v <= t
	case ">":
		return v > t
	case ">=":
		return v >= t
	}
	return false
}

// durationOf returns h hours as a units.Duration written in whole minutes
// or hours when it is one, so messages read "5min" rather than
// "0.08333333333333333h".
func durationOf(h float64) units.Duration {
	m := h * 60
	if r := math.Round(m); math.Abs(m-r) < 1e-9 && r > 0 {
		if int64(r)%60 == 0 {
			return units.Hours(r / 60)
		}
		return units.Minutes(r)
	}
	return units.Hours(h)
}

// formatHours prints a duration in hours as a compound of h and min when it
// is a whole number of minutes ("4h", "4h20min", "30min"), else in hours.
func formatHours(h float64) string {
	min := h * 60
	if r := math.Round(min); math.Abs(min-r) < 1e-6 {
		m := int64(r)
		switch {
		case m == 0:
			return "0h"
		case m%60 == 0:
			return fmt.Sprintf("%dh", m/60)
		case m < 60:
			return fmt.Sprintf("%dmin", m)
		}
		return fmt.Sprintf("%dh%dmin", m/60, m%60)
	}
	return formatNumber(h) + "h"
}
