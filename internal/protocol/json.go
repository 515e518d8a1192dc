package protocol

import (
	"encoding/json"
	"math"
	"time"
)

// precisionNote is stated in every plan document: numbers are rounded for
// printing only, never for computing.
const precisionNote = "numbers are printed to 12 significant digits; every total is computed from unrounded values"

// number is a float64 that prints in JSON rounded to 12 significant digits,
// so that float noise (24.499999999999996) prints as the value (24.5). The
// plan's own fields keep the full float64.
type number float64

func (n number) MarshalJSON() ([]byte, error) {
	v := float64(n)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return []byte(formatNumber(v)), nil
}

func numPtr(v float64, ok bool) *number {
	if !ok {
		return nil
	}
	n := number(v)
	return &n
}

type planJSON struct {
	Protocol          string            `json:"protocol"`
	Title             string            `json:"title"`
	Regimen           string            `json:"regimen"`
	Drug              string            `json:"drug"`
	CareArea          string            `json:"care_area"`
	Patient           patientJSON       `json:"patient"`
	Bag               *bagJSON          `json:"bag"`
	StartDate         *string           `json:"start_date"`
	Days              []dayJSON         `json:"days"`
	CourseMg          number            `json:"course_mg"`
	Status            string            `json:"status"`
	Acknowledged      string            `json:"acknowledged,omitempty"`
	UnspecifiedFilled map[string]string `json:"unspecified_filled"`
	Monitoring        []monitorJSON     `json:"monitoring"`
	Rules             []ruleJSON        `json:"rules"`
	Warnings          []string          `json:"warnings"`
	Sources           []string          `json:"sources"`
	Evidence          []string          `json:"evidence"`
	Precision         string            `json:"precision"`
}

type patientJSON struct {
	WeightKg number `json:"weight_kg"`
	Weight   string `json:"weight"`
}

type bagJSON struct {
	Text     string  `json:"text"`
	MgPerMl  number  `json:"mg_per_ml"`
	AmountMg *number `json:"amount_mg,omitempty"`
	VolumeMl *number `json:"volume_ml,omitempty"`
}

type dayJSON struct {
	Day           int          `json:"day"`
	CourseDay     int          `json:"course_day"`
	Date          *string      `json:"date"`
	Steps         []stepJSON   `json:"steps"`
	SessionMg     number       `json:"session_mg"`
	BagVolumeMl   *number      `json:"bag_volume_ml,omitempty"`
	Diluent       *diluentJSON `json:"diluent,omitempty"`
	Premedication []medJSON    `json:"premedication"`
}

type diluentJSON struct {
	AmountMg number `json:"amount_mg"`
	VolumeMl number `json:"volume_ml"`
	Note     string `json:"note"`
}

type stepJSON struct {
	Name             string   `json:"name"`
	Kind             string   `json:"kind"`
	Start            string   `json:"start"`
	StartH           number   `json:"start_h"`
	SessionOffsetMin number   `json:"session_offset_min"`
	DurationMin      number   `json:"duration_min"`
	MgPerH           *number  `json:"mg_per_h,omitempty"`
	MgPerKgPerH      *number  `json:"mg_per_kg_per_h,omitempty"`
	MlPerH           *number  `json:"ml_per_h,omitempty"`
	AmountMg         number   `json:"amount_mg"`
	AmountMgPerKg    number   `json:"amount_mg_per_kg"`
	Dose             string   `json:"dose"`
	Source           string   `json:"source"`
	Status           string   `json:"status"`
	Messages         []string `json:"messages"`
}

type medJSON struct {
	Drug        string `json:"drug"`
	Role        string `json:"role"`
	Dose        string `json:"dose"`
	PatientDose string `json:"patient_dose,omitempty"`
	Route       string `json:"route"`
	When        string `json:"when"`
	Purpose     string `json:"purpose,omitempty"`
	Source      string `json:"source"`
	DoseSource  string `json:"dose_source"`
	RouteSource string `json:"route_source"`
}

type monitorJSON struct {
	What   string `json:"what"`
	Every  string `json:"every"`
	Source string `json:"source"`
}

type ruleJSON struct {
	Measure   string `json:"measure"`
	Op        string `json:"op"`
	Threshold string `json:"threshold"`
	Action    string `json:"action"`
	Text      string `json:"text"`
	Source    string `json:"source"`
}

// MarshalJSON prints the plan as `ketatrack plan --json` does:
// {"protocol", "patient": {"weight_kg"}, "bag", "days": [{"day", "date",
// "steps": [{"start", "duration_min", "mg_per_h", "mg_per_kg_per_h",
// "ml_per_h", "amount_mg", "status", ...}], "session_mg", "premedication"}],
// "course_mg", "unspecified_filled", "warnings", "sources", ...}.
func (p *Plan) MarshalJSON() ([]byte, error) {
	out := planJSON{
		Protocol: p.Protocol.ID, Title: p.Protocol.Title, Regimen: p.Regimen,
		Drug: p.Drug, CareArea: p.CareArea,
		Patient:           patientJSON{WeightKg: number(p.Weight.Kilograms()), Weight: p.Weight.String()},
		CourseMg:          number(p.CourseMg),
		Status:            p.Status.String(),
		UnspecifiedFilled: p.Filled,
		Warnings:          p.Warnings,
		Sources:           p.Sources,
		Evidence:          p.Protocol.Evidence,
		Precision:         precisionNote,
		Days:              []dayJSON{},
		Monitoring:        []monitorJSON{},
		Rules:             []ruleJSON{},
	}
	if out.UnspecifiedFilled == nil {
		out.UnspecifiedFilled = map[string]string{}
	}
	if out.Warnings == nil {
		out.Warnings = []string{}
	}
	if p.Status == StatusSoftLimit && p.Acknowledged != "" {
		out.Acknowledged = p.Acknowledged
	}
	if p.Bag != nil {
		b := &bagJSON{Text: p.Bag.String(), MgPerMl: number(p.Bag.MilligramsPerMilliliter())}
		if amount, vol, ok := p.Bag.Amount(); ok {
			b.AmountMg = numPtr(amount.Milligrams(), true)
			b.VolumeMl = numPtr(vol.Milliliters(), true)
		}
		out.Bag = b
	}
	if !p.Start.IsZero() {
		s := p.Start.Format(time.DateOnly)
		out.StartDate = &s
	}
	for _, d := range p.Days {
		dj := dayJSON{Day: d.Day, CourseDay: d.CourseDay, SessionMg: number(d.SessionMg), Steps: []stepJSON{}, Premedication: []medJSON{}}
		if !d.Date.IsZero() {
			s := d.Date.Format(time.DateOnly)
			dj.Date = &s
		}
		if d.VolumeMl > 0 {
			dj.BagVolumeMl = numPtr(d.VolumeMl, true)
		}
		if d.Diluent != nil {
			dj.Diluent = &diluentJSON{AmountMg: number(d.Diluent.AmountMg), VolumeMl: number(d.Diluent.VolumeMl), Note: "the source's own mixing: the day's amount in this volume; mL/h follow from it"}
		}
		for _, s := range d.Steps {
			kind := "infusion"
			switch {
			case s.Bolus:
				kind = "bolus"
			case s.PulseOf != "":
				kind = "pulse"
			}
			msgs := s.Messages
			if msgs == nil {
				msgs = []string{}
			}
			dj.Steps = append(dj.Steps, stepJSON{
				Name: s.Name, Kind: kind,
				Start: formatHours(s.StartH), StartH: number(s.StartH),
				SessionOffsetMin: number(s.SessionOffsetH * 60),
				DurationMin:      number(s.DurationH * 60),
				MgPerH:           numPtr(s.MgPerH, !s.Bolus),
				MgPerKgPerH:      numPtr(s.MgPerKgPerH, !s.Bolus),
				MlPerH:           numPtr(s.MlPerH, s.HasMl),
				AmountMg:         number(s.AmountMg),
				AmountMgPerKg:    number(s.AmountMgPerKg),
				Dose:             s.Dose, Source: s.Source,
				Status: s.Status.String(), Messages: msgs,
			})
		}
		for _, m := range d.Premedication {
			dj.Premedication = append(dj.Premedication, medJSON(m.export()))
		}
		out.Days = append(out.Days, dj)
	}
	for _, m := range p.Monitoring {
		out.Monitoring = append(out.Monitoring, monitorJSON(m))
	}
	for _, r := range p.Rules {
		out.Rules = append(out.Rules, ruleJSON{Measure: r.Measure, Op: r.Op, Threshold: r.Threshold.Value, Action: r.Action, Text: r.Text, Source: r.Threshold.Source})
	}
	return json.Marshal(out)
}

// export returns the medication without its unexported fields, for JSON.
func (m PlannedMedication) export() struct {
	Drug, Role, Dose, PatientDose, Route, When, Purpose, Source, DoseSource, RouteSource string
} {
	return struct {
		Drug, Role, Dose, PatientDose, Route, When, Purpose, Source, DoseSource, RouteSource string
	}{m.Drug, m.Role, m.Dose, m.PatientDose, m.Route, m.When, m.Purpose, m.Source, m.DoseSource, m.RouteSource}
}
