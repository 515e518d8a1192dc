package dosing

import "github.com/ketatrack/ketatrack/internal/druglib"

// Report is a Result as the JSON document of `ketatrack dose --json`
// (shared/PRODUCT.md and issue 3): fields that cannot be computed are
// omitted. Numbers are unrounded.
type Report struct {
	Input          string       `json:"input"`
	MgPerH         *float64     `json:"mg_per_h,omitempty"`
	MgPerKgPerH    *float64     `json:"mg_per_kg_per_h,omitempty"`
	MLPerH         *float64     `json:"ml_per_h,omitempty"`
	McgPerKgPerMin *float64     `json:"mcg_per_kg_per_min,omitempty"`
	Mg             *float64     `json:"mg,omitempty"`        // a bolus only
	MgPerKg        *float64     `json:"mg_per_kg,omitempty"` // a bolus only
	Status         Status       `json:"status"`
	Messages       []string     `json:"messages"`
	Limit          *LimitReport `json:"limit,omitempty"`
}

// LimitReport is the limit that decided the status. SoftMin and HardMin
// appear only when a minimum decided it. Source gives the source of each
// bound shown.
type LimitReport struct {
	SoftMin  *float64 `json:"soft_min,omitempty"`
	HardMin  *float64 `json:"hard_min,omitempty"`
	SoftMax  *float64 `json:"soft_max,omitempty"`
	HardMax  *float64 `json:"hard_max,omitempty"`
	Unit     string   `json:"unit"`
	CareArea string   `json:"care_area"`
	Source   string   `json:"source"`
}

// Report returns the result as the dose command's JSON document.
func (r *Result) Report() Report {
	f := func(v float64) *float64 { return &v }
	rep := Report{Input: r.Input, Status: r.Status, Messages: r.Messages}
	if rep.Messages == nil {
		rep.Messages = []string{}
	}
	if r.MassRate != nil {
		rep.MgPerH = f(r.MassRate.MilligramsPerHour())
	}
	if r.WeightRate != nil {
		rep.MgPerKgPerH = f(r.WeightRate.MilligramsPerKilogramPerHour())
		rep.McgPerKgPerMin = f(r.WeightRate.MicrogramsPerKilogramPerMinute())
	}
	if r.VolumeRate != nil {
		rep.MLPerH = f(r.VolumeRate.MillilitersPerHour())
	}
	if r.Mass != nil {
		rep.Mg = f(r.Mass.Milligrams())
	}
	if r.PerWeight != nil {
		rep.MgPerKg = f(r.PerWeight.MilligramsPerKilogram())
	}
	if c := r.Decisive; c != nil {
		lr := &LimitReport{Unit: string(c.Unit), CareArea: string(r.CareArea)}
		var sources []string
		addSource := func(name string, b *druglib.Bound) *float64 {
			if b == nil {
				return nil
			}
			s := name + ": " + b.Source
			sources = append(sources, s)
			return f(b.Value)
		}
		switch c.Level {
		case druglib.BelowSoftMin:
			lr.SoftMin = addSource("soft_min", c.Limit.SoftMin)
		case druglib.BelowHardMin:
			lr.HardMin = addSource("hard_min", c.Limit.HardMin)
		}
		lr.SoftMax = addSource("soft_max", c.Limit.SoftMax)
		lr.HardMax = addSource("hard_max", c.Limit.HardMax)
		lr.Source = joinSources(sources)
		rep.Limit = lr
	}
	return rep
}

// joinSources joins labelled sources with "; ".
func joinSources(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += "; "
		}
		out += x
	}
	return out
}
