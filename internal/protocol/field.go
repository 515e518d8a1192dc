package protocol

import (
	"fmt"
	"strings"
)

// Field is one detail of a protocol: a Value read from Source, or an
// Unspecified key for a detail the source does not give. Exactly one of
// Value and Unspecified is set in a valid field; a zero Field is absent.
type Field struct {
	// Value as written in the file, e.g. "0.35mg/kg/h", "10", "weekdays".
	Value string `yaml:"value" json:"value,omitempty"`
	// Source says where Value was read: it starts with a reference key of
	// the protocol ("003 Methods: ...").
	Source string `yaml:"source" json:"source,omitempty"`
	// Unspecified names the key the clinician must fill instead.
	Unspecified string `yaml:"unspecified" json:"unspecified,omitempty"`
}

// IsZero reports whether the field is absent.
func (f Field) IsZero() bool { return f.Value == "" && f.Source == "" && f.Unspecified == "" }

// Given reports whether the field has a value from its source.
func (f Field) Given() bool { return f.Unspecified == "" && f.Value != "" }

// String prints the value, or "unspecified (KEY)".
func (f Field) String() string {
	if f.Unspecified != "" {
		return "unspecified (" + f.Unspecified + ")"
	}
	return f.Value
}

// kind is the type of value a field holds; an unspecified key takes the kind
// of the field that uses it, and --set values are parsed as that kind.
type kind string

const (
	kindDrug      kind = "drug"          // racemic | s-ketamine
	kindCareArea  kind = "care area"     // outpatient | inpatient | icu
	kindCount     kind = "whole number"  // 1, 10
	kindCalendar  kind = "calendar"      // consecutive | weekdays | interval
	kindDuration  kind = "duration"      // 4h, 30min, 4.5d, 3wk
	kindDays      kind = "whole days"    // 10d, 3wk (between sessions)
	kindDose      kind = "ketamine dose" // rate or amount, by the dose's kind
	kindStep      kind = "titration step"
	kindRate      kind = "rate in mg/h"
	kindVolume    kind = "volume"
	kindRange     kind = "dose range"      // 1mg/kg to 1.5mg/kg
	kindMedDose   kind = "medication dose" // 0.1mg, 2mg to 4mg, 1.5mcg/kg/h
	kindRoute     kind = "route"           // PO, IV, ...
	kindFrequency kind = "frequency"       // continuous, each session, daily, once, 15min
	kindThreshold kind = "threshold"       // 93%, 35mg/h
	kindRegimen   kind = "regimen name"
)

// Routes accepted for premedication and co-medication.
var routes = []string{"PO", "IV", "IM", "SC", "SL", "IN", "PR", "TD"}

// Frequencies other than a duration accepted by a monitoring item.
var frequencies = []string{"continuous", "each session", "daily", "once"}

// FieldError is an error in a protocol file: the file, the field (a path
// such as "regimens[0].doses[0].dose.value") and the reason.
type FieldError struct {
	File   string
	Field  string
	Reason string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("%s: %s: %s", e.File, e.Field, e.Reason)
}

// sourceKey returns the reference key a source string starts with: the text
// before the first space, colon or comma.
func sourceKey(src string) string {
	src = strings.TrimSpace(src)
	if i := strings.IndexAny(src, " :,"); i >= 0 {
		return src[:i]
	}
	return src
}
