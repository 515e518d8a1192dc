package clinic

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ketatrack/ketatrack/internal/infusion"
	"github.com/ketatrack/ketatrack/internal/units"
)

// EventInput is an infusion event as the JSON API and the charting forms
// receive it: quantities as text with their units ("71kg", "40mg/500mL",
// "10mg/h"), times as text. Event parses it strictly, naming the field at
// fault with the path the API uses ("check_in.weight"), so the same errors
// reach the page and the API. Vital signs are numbers in the fields' own
// units (/min, mmHg, %).
type EventInput struct {
	// Seq, when not 0, must be the next event's number: a client that read
	// the chart at n events sends n+1, and a chart changed meanwhile is
	// refused (ECONFLICT) instead of charted out of context.
	Seq  int    `json:"seq,omitempty"`
	Kind string `json:"kind"`
	// At is when it happened: RFC 3339, "YYYY-MM-DDTHH:MM" or "HH:MM"
	// (today) in the clinic's time zone; empty for now.
	At   string `json:"at,omitempty"`
	Note string `json:"note,omitempty"`

	CheckIn     *CheckInInput                 `json:"check_in,omitempty"`
	Programme   *ProgrammeInput               `json:"programme,omitempty"`
	RateChange  *RateChangeInput              `json:"rate_change,omitempty"`
	Stop        *infusion.Stop                `json:"stop,omitempty"`
	Vitals      *infusion.Vitals              `json:"vitals,omitempty"`
	SideEffect  *infusion.SideEffect          `json:"side_effect,omitempty"`
	Medication  *MedicationInput              `json:"medication,omitempty"`
	Acknowledge *infusion.Acknowledgement     `json:"acknowledge,omitempty"`
	Discharge   *infusion.DischargeAssessment `json:"discharge,omitempty"`
}

// CheckInInput is the check-in: today's weight, the baseline vitals and the
// premedication given.
type CheckInInput struct {
	Weight        string            `json:"weight"`
	Baseline      infusion.Vitals   `json:"baseline"`
	BaselineAt    string            `json:"baseline_at,omitempty"`
	Premedication []MedicationInput `json:"premedication,omitempty"`
}

// MedicationInput is one drug given, with its dose and unit ("0.1mg").
type MedicationInput struct {
	Drug  string `json:"drug"`
	Dose  string `json:"dose"`
	Route string `json:"route"`
	At    string `json:"at,omitempty"`
}

// ProgrammeInput is the pump programme and the independent double check of
// the bag label.
type ProgrammeInput struct {
	Drug        string           `json:"drug"`
	Bag         string           `json:"bag"`
	Entered     string           `json:"entered"`
	DoubleCheck DoubleCheckInput `json:"double_check"`
	Override    *OverrideInput   `json:"override,omitempty"`
}

// DoubleCheckInput is the drug and concentration read off the bag label
// independently of the programme (typed or scanned).
type DoubleCheckInput struct {
	By            string `json:"by,omitempty"`
	Drug          string `json:"drug"`
	Concentration string `json:"concentration"`
}

// RateChangeInput is a new rate for the pump.
type RateChangeInput struct {
	Entered  string         `json:"entered"`
	Reason   string         `json:"reason,omitempty"`
	Override *OverrideInput `json:"override,omitempty"`
}

// OverrideInput is the reason for going past a soft limit.
type OverrideInput struct {
	Reason string `json:"reason"`
}

// eventKinds are the kinds a user may chart (alerts are raised by rules).
var eventKinds = []infusion.Kind{infusion.KindCheckIn, infusion.KindProgramme, infusion.KindStart, infusion.KindPause,
	infusion.KindResume, infusion.KindRateChange, infusion.KindStop, infusion.KindVitals, infusion.KindSideEffect,
	infusion.KindMedication, infusion.KindAcknowledge, infusion.KindDischarge}

// Event parses in into an infusion event charted by `by`. now and loc
// resolve times written without a date or zone; an empty time is now.
func (in EventInput) Event(by string, now time.Time, loc *time.Location) (infusion.Event, error) {
	e := infusion.Event{Seq: in.Seq, Kind: infusion.Kind(in.Kind), By: by, Note: strings.TrimSpace(in.Note)}
	known := false
	for _, k := range eventKinds {
		known = known || k == e.Kind
	}
	if !known {
		return e, Invalid("kind", "%q is not an event to chart (one of %s)", in.Kind, kindList())
	}
	if err := checkText("note", e.Note, 0, 2000); err != nil {
		return e, err
	}
	at, err := ParseClinicalTime("at", in.At, now, loc)
	if err != nil {
		return e, err
	}
	e.At = at
	switch e.Kind {
	case infusion.KindCheckIn:
		if in.CheckIn == nil {
			return e, Invalid("check_in", "is required for a check-in")
		}
		e.CheckIn, err = in.CheckIn.parse(at, now, loc)
	case infusion.KindProgramme:
		if in.Programme == nil {
			return e, Invalid("programme", "is required for a pump programme")
		}
		e.Programme, err = in.Programme.parse(by)
	case infusion.KindRateChange:
		if in.RateChange == nil {
			return e, Invalid("rate_change", "is required for a rate change")
		}
		rc := &infusion.RateChange{Reason: strings.TrimSpace(in.RateChange.Reason), Override: override(in.RateChange.Override)}
		rc.Entered, err = parseRate("rate_change.entered", in.RateChange.Entered)
		e.RateChange = rc
	case infusion.KindStop:
		if in.Stop == nil {
			return e, Invalid("stop.reason", "is required: why the infusion stopped")
		}
		s := *in.Stop
		e.Stop = &s
	case infusion.KindVitals:
		if in.Vitals == nil {
			return e, Invalid("vitals", "are required")
		}
		v := *in.Vitals
		e.Vitals = &v
	case infusion.KindSideEffect:
		if in.SideEffect == nil {
			return e, Invalid("side_effect.effect", "is required")
		}
		s := *in.SideEffect
		s.Action, s.Other = strings.TrimSpace(s.Action), strings.TrimSpace(s.Other)
		e.SideEffect = &s
	case infusion.KindMedication:
		if in.Medication == nil {
			return e, Invalid("medication", "is required")
		}
		var m infusion.Medication
		m, err = in.Medication.parse("medication", at, now, loc)
		e.Medication = &m
	case infusion.KindAcknowledge:
		if in.Acknowledge == nil {
			return e, Invalid("acknowledge.alert_seq", "name the alert to acknowledge")
		}
		k := *in.Acknowledge
		k.Action = strings.TrimSpace(k.Action)
		e.Acknowledge = &k
	case infusion.KindDischarge:
		if in.Discharge == nil {
			return e, Invalid("discharge", "is required")
		}
		d := *in.Discharge
		e.Discharge = &d
	}
	return e, err
}

func kindList() string {
	var s []string
	for _, k := range eventKinds {
		s = append(s, string(k))
	}
	return strings.Join(s, ", ")
}

func override(o *OverrideInput) *infusion.Override {
	if o == nil || strings.TrimSpace(o.Reason) == "" {
		return nil
	}
	return &infusion.Override{Reason: strings.TrimSpace(o.Reason)}
}

func (c *CheckInInput) parse(at, now time.Time, loc *time.Location) (*infusion.CheckIn, error) {
	out := &infusion.CheckIn{Baseline: c.Baseline}
	if strings.TrimSpace(c.Weight) == "" {
		return nil, quantityRequired("check_in.weight", "71kg or 156lb")
	}
	w, err := units.ParseBodyWeight("", c.Weight)
	if err != nil {
		return nil, unitField("check_in.weight", err)
	}
	out.Weight = w
	out.BaselineAt = at
	if strings.TrimSpace(c.BaselineAt) != "" {
		if out.BaselineAt, err = ParseClinicalTime("check_in.baseline_at", c.BaselineAt, now, loc); err != nil {
			return nil, err
		}
	}
	for i, m := range c.Premedication {
		pm, err := m.parse(fmt.Sprintf("check_in.premedication[%d]", i), at, now, loc)
		if err != nil {
			return nil, err
		}
		out.Premedication = append(out.Premedication, pm)
	}
	return out, nil
}

func (m MedicationInput) parse(field string, at, now time.Time, loc *time.Location) (infusion.Medication, error) {
	out := infusion.Medication{Drug: strings.TrimSpace(m.Drug), Route: infusion.Route(strings.ToUpper(strings.TrimSpace(m.Route))), At: at}
	if err := checkText(field+".drug", out.Drug, 1, 100); err != nil {
		return out, err
	}
	if strings.TrimSpace(m.Dose) == "" {
		return out, quantityRequired(field+".dose", "0.1mg, 100mcg or 0.05mg/kg")
	}
	d, err := units.ParseDose("", m.Dose)
	if err != nil {
		return out, unitField(field+".dose", err)
	}
	out.Dose = d
	if strings.TrimSpace(m.At) != "" {
		if out.At, err = ParseClinicalTime(field+".at", m.At, now, loc); err != nil {
			return out, err
		}
	}
	return out, nil
}

func (p *ProgrammeInput) parse(by string) (*infusion.Programme, error) {
	out := &infusion.Programme{Drug: infusion.Drug(strings.TrimSpace(p.Drug)), Override: override(p.Override)}
	if strings.TrimSpace(p.Bag) == "" {
		return nil, quantityRequired("programme.bag", "40mg/500mL")
	}
	bag, err := units.ParseConcentration("", p.Bag)
	if err != nil {
		return nil, unitField("programme.bag", err)
	}
	out.Bag = bag
	if out.Entered, err = parseRate("programme.entered", p.Entered); err != nil {
		return nil, err
	}
	dc := p.DoubleCheck
	out.DoubleCheck = infusion.DoubleCheck{By: strings.TrimSpace(dc.By), Drug: infusion.Drug(strings.TrimSpace(dc.Drug))}
	if out.DoubleCheck.By == "" {
		out.DoubleCheck.By = by
	}
	if strings.TrimSpace(dc.Concentration) == "" {
		return nil, quantityRequired("programme.double_check.concentration", "the label's 40mg/500mL or 0.08mg/mL")
	}
	if out.DoubleCheck.Concentration, err = units.ParseConcentration("", dc.Concentration); err != nil {
		return nil, unitField("programme.double_check.concentration", err)
	}
	return out, nil
}

// ParseClinicalTime reads when something happened: RFC 3339, a local
// "YYYY-MM-DDTHH:MM[:SS]" (a datetime-local input) or "HH:MM" (today, as a
// nurse writes it on a chart) in loc; "" is now. A time of day later than
// now is refused later by the chart (events are never in the future).
func ParseClinicalTime(field, s string, now time.Time, loc *time.Location) (time.Time, error) {
	return parseTime(field, s, loc, now, true)
}

// ParseVitals reads one set of vitals typed into a form: get returns the
// text of a field named prefix + "." + the JSON name (hr_per_min, sbp_mmhg,
// dbp_mmhg, spo2_pct, rr_per_min, rass, cadss, on_oxygen). Heart rate,
// blood pressure and SpO2 are required; respiratory rate, RASS and CADSS
// may be left empty (not assessed). The values' plausibility is checked
// when the event is charted (infusion.Vitals.Validate).
func ParseVitals(prefix string, get func(name string) string) (infusion.Vitals, error) {
	var v infusion.Vitals
	name := func(s string) string { return prefix + "." + s }
	hr, err := parseVitalInt(name("hr_per_min"), get(name("hr_per_min")))
	if err != nil {
		return v, err
	}
	sbp, err := parseVitalInt(name("sbp_mmhg"), get(name("sbp_mmhg")))
	if err != nil {
		return v, err
	}
	dbp, err := parseVitalInt(name("dbp_mmhg"), get(name("dbp_mmhg")))
	if err != nil {
		return v, err
	}
	spo2, err := parsePercent(name("spo2_pct"), get(name("spo2_pct")))
	if err != nil {
		return v, err
	}
	v.HeartRate, v.Systolic, v.Diastolic, v.SpO2 = infusion.PerMinute(hr), infusion.MmHg(sbp), infusion.MmHg(dbp), infusion.Percent(spo2)
	switch strings.TrimSpace(get(name("on_oxygen"))) {
	case "", "0", "false", "off":
	case "1", "true", "on":
		v.OnOxygen = true
	default:
		return v, Invalid(name("on_oxygen"), "must be on or off")
	}
	if s := strings.TrimSpace(get(name("rr_per_min"))); s != "" {
		rr, err := parseVitalInt(name("rr_per_min"), s)
		if err != nil {
			return v, err
		}
		p := infusion.PerMinute(rr)
		v.RespRate = &p
	}
	for _, sc := range []struct {
		field string
		dst   **int
	}{{"rass", &v.RASS}, {"cadss", &v.CADSS}} {
		s := strings.TrimSpace(get(name(sc.field)))
		if s == "" {
			continue
		}
		// One leading sign: RASS runs from −5 to +4.
		neg := false
		if r, size := utf8.DecodeRuneInString(s); r == '-' || r == '−' || r == '+' {
			neg, s = r != '+', s[size:]
		}
		n, err := parseVitalInt(name(sc.field), s)
		if err != nil {
			return v, err
		}
		if neg {
			n = -n
		}
		*sc.dst = &n
	}
	return v, nil
}
