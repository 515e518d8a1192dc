package opioid

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/ketatrack/ketatrack/internal/units"
)

// Route is how an opioid is taken.
type Route string

// The routes. The CDC tables convert oral opioids and transdermal fentanyl;
// any other route is recorded and not converted.
const (
	Oral        Route = "oral"
	Transdermal Route = "transdermal"
	OtherRoute  Route = "other"
)

// Regimen is one opioid a patient takes, as prescribed or as reported.
type Regimen struct {
	// Opioid is the ingredient.
	Opioid Opioid `json:"opioid"`
	// Name is the product or, for Other, the opioid's name (required then).
	Name string `json:"name,omitempty"`
	// Route is oral, transdermal or other.
	Route Route `json:"route"`
	// DoseEach is the opioid content of one administration ("5mg" for
	// hydrocodone 5 mg / acetaminophen 325 mg); not for a patch.
	DoseEach *units.Mass `json:"dose_each,omitempty"`
	// TimesPerDay is how many administrations a day; not for a patch.
	TimesPerDay int `json:"times_per_day,omitempty"`
	// PatchRate is a transdermal patch's delivery rate in mcg/h ("25mcg/h").
	PatchRate *units.DoseRate `json:"patch_rate,omitempty"`
}

// FieldError is a validation error naming the field at fault.
type FieldError struct {
	// Field is the JSON path of the field.
	Field string
	// Message says what is wrong and what is expected.
	Message string
}

// Error returns "field: message".
func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

func fieldErr(field, msg string) error { return &FieldError{Field: field, Message: msg} }

// Validate checks the regimen: a known opioid (a name for Other), a route,
// and either a positive dose per administration with times per day, or (for
// a transdermal patch) a rate written in mcg/h.
func (r Regimen) Validate() error {
	known := false
	for _, o := range Opioids {
		known = known || o == r.Opioid
	}
	if !known {
		return fieldErr("opioid", fmt.Sprintf("%q is not a known opioid: record it as \"other\" with its name", r.Opioid))
	}
	if r.Opioid == Other && strings.TrimSpace(r.Name) == "" {
		return fieldErr("name", "name the opioid when it is \"other\"")
	}
	switch r.Route {
	case Oral, OtherRoute:
		if r.PatchRate != nil {
			return fieldErr("patch_rate", "only for a transdermal patch")
		}
		if r.DoseEach == nil {
			return fieldErr("dose_each", "the dose per administration is required, with its unit (e.g. 5mg)")
		}
		mg := r.DoseEach.Milligrams()
		if !(mg > 0) || math.IsInf(mg, 0) {
			return fieldErr("dose_each", fmt.Sprintf("%s is not a dose: it must be positive", r.DoseEach))
		}
		if r.TimesPerDay < 1 {
			return fieldErr("times_per_day", "how many times a day? at least 1")
		}
	case Transdermal:
		if r.DoseEach != nil || r.TimesPerDay != 0 {
			return fieldErr("dose_each", "a patch is recorded by its rate (patch_rate in mcg/h), not a dose and times per day")
		}
		if r.PatchRate == nil {
			return fieldErr("patch_rate", "the patch rate is required in mcg/h (e.g. 25mcg/h)")
		}
		// A patch is labelled in mcg/h; anything else is refused rather than
		// converted, to avoid a mg/mcg mix-up (CDC 2022 footnote: fentanyl
		// is dosed in mcg/hr instead of mg/day).
		if r.PatchRate.Form() != units.FormMass || r.PatchRate.Unit() != units.McgPerH {
			return fieldErr("patch_rate", fmt.Sprintf("%s: write the patch rate in mcg/h as the patch is labelled (e.g. 25mcg/h)", r.PatchRate))
		}
	default:
		return fieldErr("route", fmt.Sprintf("%q is not a route: want oral, transdermal or other", r.Route))
	}
	return nil
}

// Figure is one regimen's MME/day under a named table, or the reason it was
// not converted.
type Figure struct {
	// Opioid is the regimen's ingredient.
	Opioid Opioid `json:"opioid"`
	// Name is the regimen's product or opioid name, if given.
	Name string `json:"name,omitempty"`
	// Route is the regimen's route.
	Route Route `json:"route"`
	// DailyDose is the total daily dose as the factor applies to it: mg/day,
	// or the patch rate in mcg/h.
	DailyDose string `json:"daily_dose"`
	// Converted is false when the table has no factor for this opioid,
	// route or dose; MMEPerDay is then null and Note says why.
	Converted bool `json:"converted"`
	// Factor is the conversion factor used (per mg/day, or per mcg/h).
	Factor float64 `json:"factor,omitempty"`
	// MMEPerDay is DailyDose × Factor, unrounded; null when not converted.
	MMEPerDay *float64 `json:"mme_per_day"`
	// Table names the conversion table; every figure carries it.
	Table Table `json:"table"`
	// TableTitle is how the table is cited, e.g. "CDC 2022 MME conversion
	// factors".
	TableTitle string `json:"table_title"`
	// Note explains a figure not converted, or a special factor.
	Note string `json:"note,omitempty"`
	// Source cites the factor's table.
	Source string `json:"source"`
}

// String renders the figure with its table, e.g. "oxycodone 20mg/day = 30
// MME/day (CDC 2022 MME conversion factors)".
func (f Figure) String() string {
	name := string(f.Opioid)
	if f.Name != "" {
		name = f.Name
	}
	if !f.Converted {
		return fmt.Sprintf("%s %s: not converted (%s; %s)", name, f.DailyDose, f.Note, f.TableTitle)
	}
	// 'f' with precision -1 prints the shortest decimal that reads back as
	// the same number: exact, never rounded, never an exponent.
	return fmt.Sprintf("%s %s = %s MME/day (%s)", name, f.DailyDose, strconv.FormatFloat(*f.MMEPerDay, 'f', -1, 64), f.TableTitle)
}

// Convert computes one regimen's MME/day with the named table: the daily
// dose in mg times the table's factor, or for a transdermal fentanyl patch
// its rate in mcg/h times the fentanyl factor (CDC 2022 and 2016 tables).
func Convert(r Regimen, t Table) (Figure, error) {
	if err := t.Validate(); err != nil {
		return Figure{}, fieldErr("table", err.Error())
	}
	if err := r.Validate(); err != nil {
		return Figure{}, err
	}
	info := Tables[t]
	f := Figure{Opioid: r.Opioid, Name: r.Name, Route: r.Route, Table: t, TableTitle: info.Title, Source: info.Source}

	var amount float64 // mg/day, or mcg/h for a patch
	if r.Route == Transdermal {
		amount = r.PatchRate.Value()
		f.DailyDose = r.PatchRate.String()
	} else {
		amount = r.DoseEach.Milligrams() * float64(r.TimesPerDay)
		f.DailyDose = units.Milligrams(amount).String() + "/day"
	}

	notConverted := func(why string) (Figure, error) {
		f.Note = why
		return f, nil
	}
	switch {
	case r.Opioid == Buprenorphine:
		return notConverted("buprenorphine has no MME conversion factor (partial agonist): shown, not converted")
	case r.Opioid == Other:
		return notConverted(fmt.Sprintf("%s is not in the %s", r.Name, info.Title))
	case r.Route == OtherRoute:
		return notConverted("the table converts oral opioids and transdermal fentanyl only; ask the clinician")
	case r.Opioid == Fentanyl && r.Route != Transdermal:
		return notConverted("the table's fentanyl factor is for transdermal patches (mcg/h) only")
	case r.Opioid != Fentanyl && r.Route == Transdermal:
		return notConverted(fmt.Sprintf("the table has no factor for transdermal %s", r.Opioid))
	}

	factor, ok := factors[t][r.Opioid]
	if r.Opioid == Methadone && t == CDC2016 {
		factor, ok = methadoneTier2016(amount)
		if !ok {
			return notConverted(fmt.Sprintf("the 2016 table's methadone tiers (1–20, 21–40, 41–60, ≥ 61 mg/day) give no factor for %s/day; ask the clinician or use %s", units.Milligrams(amount), CDC2022))
		}
		f.Note = fmt.Sprintf("2016 tiered methadone factor for %s/day", units.Milligrams(amount))
	}
	if !ok {
		return notConverted(fmt.Sprintf("%s is not in the %s", r.Opioid, info.Title))
	}
	mme := amount * factor
	f.Converted, f.Factor, f.MMEPerDay = true, factor, &mme
	return f, nil
}

// methadoneTier2016 returns the 2016 tiered methadone factor for a daily
// dose in mg, and false where the tiers give none.
func methadoneTier2016(mgPerDay float64) (float64, bool) {
	for _, tier := range methadone2016 {
		if mgPerDay >= tier.lowMgPerDay && (tier.highMgPerDay == 0 || mgPerDay <= tier.highMgPerDay) {
			return tier.factor, true
		}
	}
	return 0, false
}

// Summary is a patient's total MME/day under one table.
type Summary struct {
	// Table names the conversion table used for every figure.
	Table Table `json:"table"`
	// TableTitle is how the table is cited.
	TableTitle string `json:"table_title"`
	// TotalMMEPerDay sums the converted figures, unrounded.
	TotalMMEPerDay float64 `json:"total_mme_per_day"`
	// Complete is false when some opioid was not converted: the total then
	// leaves it out, and NotConverted names it.
	Complete bool `json:"complete"`
	// Figures are the regimens' figures in input order.
	Figures []Figure `json:"figures"`
	// NotConverted names the regimens left out of the total.
	NotConverted []string `json:"not_converted"`
	// Cautions are CDC's notes on using MME.
	Cautions []string `json:"cautions"`
	// Source cites the table.
	Source string `json:"source"`
}

// Summarize converts every regimen with the named table and totals them.
// An error names the regimen and field at fault, e.g. "regimens[1].dose_each".
func Summarize(regs []Regimen, t Table) (Summary, error) {
	if err := t.Validate(); err != nil {
		return Summary{}, fieldErr("table", err.Error())
	}
	info := Tables[t]
	s := Summary{Table: t, TableTitle: info.Title, Complete: true, Figures: []Figure{}, NotConverted: []string{},
		Cautions: append([]string{}, Cautions...), Source: info.Source}
	for i, r := range regs {
		f, err := Convert(r, t)
		if err != nil {
			if fe, ok := err.(*FieldError); ok {
				return Summary{}, &FieldError{Field: fmt.Sprintf("regimens[%d].%s", i, fe.Field), Message: fe.Message}
			}
			return Summary{}, err
		}
		s.Figures = append(s.Figures, f)
		if f.Converted {
			s.TotalMMEPerDay += *f.MMEPerDay
			continue
		}
		s.Complete = false
		name := string(r.Opioid)
		if r.Name != "" {
			name = r.Name
		}
		s.NotConverted = append(s.NotConverted, name)
	}
	return s, nil
}
