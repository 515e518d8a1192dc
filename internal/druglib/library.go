// Package druglib is ketatrack's drug library: for each drug (racemic
// ketamine, S-ketamine), care area (outpatient, inpatient, ICU) and dose form
// (continuous rate, amount over a duration, bolus), soft and hard minimum and
// maximum limits in one or more units, each bound with its source.
//
// The default library is default.yaml, embedded in the binary and validated
// by Default; its numbers come from shared/CLINICAL.md "Default drug-library
// limits" and, where that table is silent (S-ketamine, minimums, boluses),
// from the seed ranges as each bound's source says. A clinic edits a copy
// and loads it with LoadFile; Parse refuses a file with unknown fields,
// unknown drugs, care areas, dose forms or units, a bound without a source,
// a soft limit outside its hard limit, or an entry without a hard maximum,
// and names the file, the entry and the field.
//
// The package holds data and the comparison of one value with one limit
// (Limit.Classify); the dose engine (package dosing) decides which limits
// apply to a dose and explains the result.
package druglib

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"sync"

	"github.com/ketatrack/ketatrack/internal/units"
	"go.yaml.in/yaml/v3"
)

// Drug identifies a ketamine preparation.
type Drug string

// The drugs of the default library.
const (
	Racemic   Drug = "racemic"    // racemic ketamine
	SKetamine Drug = "s-ketamine" // S-ketamine (esketamine)
)

// CareArea is where a dose is given; limits differ by care area.
type CareArea string

// The care areas.
const (
	Outpatient CareArea = "outpatient" // outpatient clinic or short-procedure unit
	Inpatient  CareArea = "inpatient"  // monitored ward
	ICU        CareArea = "icu"        // intensive care, intubated and ventilated
)

// CareAreas lists the care areas from the least to the most monitored.
var CareAreas = []CareArea{Outpatient, Inpatient, ICU}

// DoseForm is how a dose is given.
type DoseForm string

// The dose forms.
const (
	Continuous         DoseForm = "continuous"           // a rate: mg/h, mg/kg/h, mL/h
	AmountOverDuration DoseForm = "amount_over_duration" // 80 mg over 4 h, checked as its mean rate
	Bolus              DoseForm = "bolus"                // a single dose: mg, mg/kg
)

// Bound is one limit value with the source it comes from.
type Bound struct {
	Value  float64 `yaml:"value" json:"value"`
	Source string  `yaml:"source" json:"source"`
}

// Limit is the set of bounds of an entry in one unit. Any bound may be
// absent (nil); an entry has a hard maximum in at least one of its limits.
type Limit struct {
	// Unit is mg/kg/h or mg/h for rates, mg/kg or mg for boluses.
	Unit    units.Unit `yaml:"unit" json:"unit"`
	HardMin *Bound     `yaml:"hard_min,omitempty" json:"hard_min,omitempty"`
	SoftMin *Bound     `yaml:"soft_min,omitempty" json:"soft_min,omitempty"`
	SoftMax *Bound     `yaml:"soft_max,omitempty" json:"soft_max,omitempty"`
	HardMax *Bound     `yaml:"hard_max,omitempty" json:"hard_max,omitempty"`
}

// Entry is the limits of one drug in one care area for one dose form.
type Entry struct {
	Drug     Drug     `yaml:"drug" json:"drug"`
	CareArea CareArea `yaml:"care_area" json:"care_area"`
	DoseForm DoseForm `yaml:"dose_form" json:"dose_form"`
	Limits   []Limit  `yaml:"limits" json:"limits"`
}

// DrugInfo describes a drug of the library.
type DrugInfo struct {
	ID     Drug   `yaml:"id" json:"id"`
	Name   string `yaml:"name" json:"name"`
	RxNorm string `yaml:"rxnorm,omitempty" json:"rxnorm,omitempty"`
}

// Library is a validated drug library. Treat it as read-only.
type Library struct {
	// Origin names where the library came from: "default" or a file path.
	Origin  string     `yaml:"-" json:"origin"`
	Drugs   []DrugInfo `yaml:"drugs" json:"drugs"`
	Entries []Entry    `yaml:"entries" json:"entries"`
}

//go:embed default.yaml
var defaultFile []byte

var defaultLibrary = sync.OnceValues(func() (*Library, error) {
	return Parse("default", defaultFile)
})

// Default returns the embedded default library. It panics if the embedded
// file is invalid, which is a build error that the package's tests catch.
func Default() *Library {
	l, err := defaultLibrary()
	if err != nil {
		panic("druglib: embedded default.yaml is invalid: " + err.Error())
	}
	return l
}

// DefaultFile returns the embedded default library file, for a clinic to
// copy and edit.
func DefaultFile() []byte { return bytes.Clone(defaultFile) }

// LoadFile reads and validates a clinic's library file (YAML, or JSON,
// which is YAML too).
func LoadFile(path string) (*Library, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("drug library: %w", err)
	}
	return Parse(path, data)
}

// Error is a problem in a library file. Its message names the file, the
// entry and the field: `lib.yaml: entry 3 (racemic, outpatient,
// continuous): limits[0] (mg/kg/h): soft_max 3 is above hard_max 2`.
type Error struct {
	File  string
	Entry string // e.g. "entry 3 (racemic, outpatient, continuous)"; empty for file-level problems
	Field string // e.g. "limits[0] (mg/kg/h).soft_max"
	Msg   string
}

// Error implements error.
func (e *Error) Error() string {
	parts := []string{e.File}
	if e.Entry != "" {
		parts = append(parts, e.Entry)
	}
	if e.Field != "" {
		parts = append(parts, e.Field)
	}
	return strings.Join(parts, ": ") + ": " + e.Msg
}

// Parse decodes and validates a library file; name is used in errors and
// as the library's Origin.
func Parse(name string, data []byte) (*Library, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var l Library
	if err := dec.Decode(&l); err != nil {
		return nil, &Error{File: name, Msg: strings.ReplaceAll(strings.TrimPrefix(err.Error(), "yaml: "), "\n", ";")}
	}
	l.Origin = name
	if err := l.validate(); err != nil {
		return nil, err
	}
	return &l, nil
}

var (
	rateUnits  = []units.Unit{units.MgPerKgPerH, units.MgPerH}
	bolusUnits = []units.Unit{units.MgPerKg, units.Mg}
)

// validate checks the whole library; the first problem is returned.
func (l *Library) validate() error {
	fileErr := func(field, msg string, a ...any) error {
		return &Error{File: l.Origin, Field: field, Msg: fmt.Sprintf(msg, a...)}
	}
	if len(l.Drugs) == 0 {
		return fileErr("drugs", "no drugs listed")
	}
	known := map[Drug]bool{}
	for i, d := range l.Drugs {
		f := fmt.Sprintf("drugs[%d]", i)
		switch {
		case d.ID == "":
			return fileErr(f+".id", "missing")
		case known[d.ID]:
			return fileErr(f+".id", "drug %q listed twice", d.ID)
		case d.Name == "":
			return fileErr(f+".name", "missing")
		}
		known[d.ID] = true
	}
	if len(l.Entries) == 0 {
		return fileErr("entries", "no entries")
	}
	seen := map[[3]string]int{}
	for i, e := range l.Entries {
		label := fmt.Sprintf("entry %d (%s, %s, %s)", i+1, e.Drug, e.CareArea, e.DoseForm)
		bad := func(field, msg string, a ...any) error {
			return &Error{File: l.Origin, Entry: label, Field: field, Msg: fmt.Sprintf(msg, a...)}
		}
		if !known[e.Drug] {
			return bad("drug", "unknown drug %q (the file's drugs section lists %s)", e.Drug, l.drugList())
		}
		if _, err := ParseCareArea("care_area", string(e.CareArea)); err != nil || string(e.CareArea) != strings.ToLower(string(e.CareArea)) {
			return bad("care_area", "unknown care area %q (accepted: outpatient, inpatient, icu)", e.CareArea)
		}
		var allowed []units.Unit
		switch e.DoseForm {
		case Continuous, AmountOverDuration:
			allowed = rateUnits
		case Bolus:
			allowed = bolusUnits
		default:
			return bad("dose_form", "unknown dose form %q (accepted: continuous, amount_over_duration, bolus)", e.DoseForm)
		}
		key := [3]string{string(e.Drug), string(e.CareArea), string(e.DoseForm)}
		if j, dup := seen[key]; dup {
			return bad("", "duplicates entry %d", j)
		}
		seen[key] = i + 1
		if len(e.Limits) == 0 {
			return bad("limits", "no limits")
		}
		hasHardMax := false
		seenUnit := map[units.Unit]bool{}
		for k, lim := range e.Limits {
			f := fmt.Sprintf("limits[%d] (%s)", k, lim.Unit)
			if !containsUnit(allowed, lim.Unit) {
				return bad(f+".unit", "unknown unit %q for %s (accepted: %s)", lim.Unit, e.DoseForm, joinUnits(allowed))
			}
			if seenUnit[lim.Unit] {
				return bad(f+".unit", "%s appears twice", lim.Unit)
			}
			seenUnit[lim.Unit] = true
			if lim.HardMax != nil {
				hasHardMax = true
			}
			if err := lim.validate(); err != nil {
				var fe *fieldError
				errors.As(err, &fe)
				return bad(f+"."+fe.field, "%s", fe.msg)
			}
		}
		if !hasHardMax {
			return bad("limits", "no hard_max: every entry needs a hard maximum")
		}
	}
	return nil
}

func (l *Library) drugList() string {
	var ids []string
	for _, d := range l.Drugs {
		ids = append(ids, string(d.ID))
	}
	return strings.Join(ids, ", ")
}

func containsUnit(us []units.Unit, u units.Unit) bool {
	for _, x := range us {
		if x == u {
			return true
		}
	}
	return false
}

func joinUnits(us []units.Unit) string {
	s := make([]string, len(us))
	for i, u := range us {
		s[i] = string(u)
	}
	return strings.Join(s, ", ")
}

type fieldError struct{ field, msg string }

func (e *fieldError) Error() string { return e.field + ": " + e.msg }

// Bounds returns the limit's bounds by name, in order from hard_min to
// hard_max; absent bounds are nil.
func (lim *Limit) Bounds() [4]struct {
	Name  string
	Bound *Bound
} {
	return [4]struct {
		Name  string
		Bound *Bound
	}{{"hard_min", lim.HardMin}, {"soft_min", lim.SoftMin}, {"soft_max", lim.SoftMax}, {"hard_max", lim.HardMax}}
}

// validate checks values, sources and order of the bounds.
func (lim *Limit) validate() error {
	var prev *Bound
	prevName := ""
	some := false
	for _, nb := range lim.Bounds() {
		b := nb.Bound
		if b == nil {
			continue
		}
		some = true
		if math.IsNaN(b.Value) || math.IsInf(b.Value, 0) || b.Value <= 0 {
			return &fieldError{nb.Name + ".value", fmt.Sprintf("%v is not a positive number", b.Value)}
		}
		if strings.TrimSpace(b.Source) == "" {
			return &fieldError{nb.Name + ".source", "missing: every limit needs its source"}
		}
		if prev != nil && prev.Value > b.Value {
			return &fieldError{prevName, fmt.Sprintf("%v is above %s %v", prev.Value, nb.Name, b.Value)}
		}
		prev, prevName = b, nb.Name
	}
	if !some {
		return &fieldError{"", "no bounds"}
	}
	return nil
}

// Level is where a value falls relative to a Limit.
type Level int

// The levels, from the worst low to the worst high.
const (
	BelowHardMin Level = -2
	BelowSoftMin Level = -1
	Within       Level = 0
	AboveSoftMax Level = 1
	AboveHardMax Level = 2
)

// String names the level as the bound it crosses: "within", "soft_max" ...
func (lv Level) String() string {
	switch lv {
	case BelowHardMin:
		return "below hard_min"
	case BelowSoftMin:
		return "below soft_min"
	case AboveSoftMax:
		return "above soft_max"
	case AboveHardMax:
		return "above hard_max"
	}
	return "within"
}

// Hard reports whether the level crosses a hard limit.
func (lv Level) Hard() bool { return lv == BelowHardMin || lv == AboveHardMax }

// tolerance is the relative margin within which a value counts as equal to
// a bound: conversions are exact to a few units in the last place
// (package units), so 1.0000000000000002 mg/kg/h from 60 mcg/kg/min ÷
// 1000 × 60 must not cross a 1 mg/kg/h limit. It is far below any dose
// difference that matters (and 1e-12 is the issue's own bound on
// conversion error).
const tolerance = 1e-12

// Classify returns where v, in the limit's unit, falls. A value equal to a
// bound (to within 1e-12 relative) is within it: limits are "above" and
// "below", never "at".
func (lim *Limit) Classify(v float64) Level {
	above := func(b *Bound) bool { return b != nil && v > b.Value*(1+tolerance) }
	below := func(b *Bound) bool { return b != nil && v < b.Value*(1-tolerance) }
	switch {
	case math.IsNaN(v) || above(lim.HardMax):
		return AboveHardMax
	case below(lim.HardMin):
		return BelowHardMin
	case above(lim.SoftMax):
		return AboveSoftMax
	case below(lim.SoftMin):
		return BelowSoftMin
	}
	return Within
}

// Lookup returns the entry for a drug, care area and dose form, or an error
// naming what is missing.
func (l *Library) Lookup(d Drug, a CareArea, f DoseForm) (*Entry, error) {
	for i := range l.Entries {
		e := &l.Entries[i]
		if e.Drug == d && e.CareArea == a && e.DoseForm == f {
			return e, nil
		}
	}
	return nil, fmt.Errorf("drug library %s has no entry for %s in %s as %s: the dose cannot be checked", l.Origin, d, a, f)
}

// Limit returns the entry's limit in unit u, if it has one.
func (e *Entry) Limit(u units.Unit) (*Limit, bool) {
	for i := range e.Limits {
		if e.Limits[i].Unit == u {
			return &e.Limits[i], true
		}
	}
	return nil, false
}

// ParseDrug reads a --drug value: racemic or s-ketamine (case-insensitive).
func ParseDrug(field, s string) (Drug, error) {
	switch d := Drug(strings.ToLower(strings.TrimSpace(s))); d {
	case Racemic, SKetamine:
		return d, nil
	}
	return "", fmt.Errorf("%s %q: unknown drug (accepted: racemic, s-ketamine)", field, s)
}

// ParseCareArea reads a --setting value: outpatient, inpatient or icu
// (case-insensitive).
func ParseCareArea(field, s string) (CareArea, error) {
	switch a := CareArea(strings.ToLower(strings.TrimSpace(s))); a {
	case Outpatient, Inpatient, ICU:
		return a, nil
	}
	return "", fmt.Errorf("%s %q: unknown care area (accepted: outpatient, inpatient, icu)", field, s)
}
