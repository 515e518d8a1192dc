package clinic

import (
	"fmt"
	"strings"
	"time"

	"github.com/ketatrack/ketatrack/internal/crps"
	"github.com/ketatrack/ketatrack/internal/opioid"
	"github.com/ketatrack/ketatrack/internal/units"
)

// IntakeForm is an intake as the JSON API and the intake page receive it:
// quantities as text with their units ("70kg", "165cm", "10mg",
// "25mcg/h"), times as text. Parse turns it into an IntakeInput, naming the
// field at fault with the path the API uses ("medications[0].opioid.dose_each"),
// so that the page and the API report the same errors.
type IntakeForm struct {
	// Weight and Height are optional once a weight is on record.
	Weight string `json:"weight,omitempty"`
	Height string `json:"height,omitempty"`
	// MeasuredAt is when weight and height were measured (see ParseTime);
	// empty for now.
	MeasuredAt      string                `json:"measured_at,omitempty"`
	Presentation    crps.Presentation     `json:"presentation"`
	Medications     []MedicationForm      `json:"medications,omitempty"`
	PriorTreatments []crps.PriorTreatment `json:"prior_treatments,omitempty"`
	Notes           string                `json:"notes,omitempty"`
}

// MedicationForm is one medication as entered.
type MedicationForm struct {
	Name   string      `json:"name"`
	Dose   string      `json:"dose,omitempty"`
	Opioid *OpioidForm `json:"opioid,omitempty"`
}

// OpioidForm is an opioid regimen as entered: dose_each with its unit and
// times_per_day, or (transdermal) patch_rate in mcg/h.
type OpioidForm struct {
	Opioid      opioid.Opioid `json:"opioid"`
	Route       opioid.Route  `json:"route"`
	DoseEach    string        `json:"dose_each,omitempty"`
	TimesPerDay int           `json:"times_per_day,omitempty"`
	PatchRate   string        `json:"patch_rate,omitempty"`
}

// Parse reads the form strictly. Times without a zone are in loc; an empty
// measured_at is now.
func (f IntakeForm) Parse(loc *time.Location, now time.Time) (IntakeInput, error) {
	in := IntakeInput{Presentation: f.Presentation, PriorTreatments: f.PriorTreatments, Notes: strings.TrimSpace(f.Notes)}
	if in.Presentation.AffectedLimbs == nil {
		in.Presentation.AffectedLimbs = []crps.Limb{}
	}
	if in.PriorTreatments == nil {
		in.PriorTreatments = []crps.PriorTreatment{}
	}
	if s := strings.TrimSpace(f.Weight); s != "" {
		w, err := units.ParseBodyWeight("weight", s)
		if err != nil {
			return IntakeInput{}, domainInvalid("", err)
		}
		in.Weight = &w
	}
	if s := strings.TrimSpace(f.Height); s != "" {
		h, err := ParseBodyHeight("height", s)
		if err != nil {
			return IntakeInput{}, err
		}
		in.Height = &h
	}
	at, err := ParseTime("measured_at", f.MeasuredAt, loc, now)
	if err != nil {
		return IntakeInput{}, err
	}
	in.MeasuredAt = at
	in.Medications = []Medication{}
	for i, mf := range f.Medications {
		m, err := mf.parse(fmt.Sprintf("medications[%d]", i))
		if err != nil {
			return IntakeInput{}, err
		}
		in.Medications = append(in.Medications, m)
	}
	return in, nil
}

func (mf MedicationForm) parse(field string) (Medication, error) {
	m := Medication{Name: strings.TrimSpace(mf.Name), Dose: strings.TrimSpace(mf.Dose)}
	if mf.Opioid == nil {
		return m, nil
	}
	o := mf.Opioid
	r := opioid.Regimen{Opioid: o.Opioid, Name: m.Name, Route: o.Route, TimesPerDay: o.TimesPerDay}
	if s := strings.TrimSpace(o.DoseEach); s != "" {
		d, err := units.ParseMass("dose_each", s)
		if err != nil {
			return Medication{}, domainInvalid(field+".opioid", err)
		}
		r.DoseEach = &d
	}
	if s := strings.TrimSpace(o.PatchRate); s != "" {
		p, err := units.ParseDoseRate("patch_rate", s)
		if err != nil {
			return Medication{}, domainInvalid(field+".opioid", err)
		}
		r.PatchRate = &p
	}
	m.Opioid = &r
	return m, nil
}

// ParseTime reads a time for field: RFC 3339 ("2026-03-02T09:30:00Z"), or
// "YYYY-MM-DDTHH:MM" / "YYYY-MM-DD HH:MM" in loc (the clinic's zone, as a
// browser's datetime-local input sends it). Empty means now. Times are kept
// to the second.
func ParseTime(field, s string, loc *time.Location, now time.Time) (time.Time, error) {
	t, err := parseTime(field, s, loc, now, false)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC().Truncate(time.Second), nil
}

// parseTime is the one reader of typed times behind ParseTime and
// ParseClinicalTime: "" is now; RFC 3339; "YYYY-MM-DDTHH:MM[:SS]" or
// "YYYY-MM-DD HH:MM" in loc; and, when timeOfDay is set, "HH:MM" today in loc
// (as a nurse writes it on a chart — an intake measurement needs its date).
func parseTime(field, s string, loc *time.Location, now time.Time, timeOfDay bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return now, nil
	}
	if loc == nil {
		loc = time.UTC
	}
	if len(s) > 40 {
		return time.Time{}, Invalid(field, "is not a time")
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	if !timeOfDay {
		return time.Time{}, Invalid(field, "%q is not a time: write YYYY-MM-DDTHH:MM (clinic time) or RFC 3339", s)
	}
	if t, err := time.Parse("15:04", s); err == nil {
		y, m, d := now.In(loc).Date()
		return time.Date(y, m, d, t.Hour(), t.Minute(), 0, 0, loc), nil
	}
	return time.Time{}, Invalid(field, "%q is not a time: write HH:MM (today) or YYYY-MM-DDTHH:MM", s)
}
