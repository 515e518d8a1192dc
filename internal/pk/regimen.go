package pk

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ketatrack/ketatrack/internal/units"
	"go.yaml.in/yaml/v3"
)

// Regimen is a regimen file as written (shared/PRODUCT.md, "Regimen file"):
// a drug and a list of doses whose quantities carry their units, e.g.
//
//	{"drug": "racemic", "doses": [
//	  {"start": "0h", "duration": "4h", "rate": "0.35mg/kg/h"},
//	  {"start": "48h", "bolus": "0.5mg/kg"}]}
//
// The same document may be written in YAML.
type Regimen struct {
	Drug  string
	Doses []RegimenDose
}

// RegimenDose is one dose as written: an infusion (Duration and Rate) or a
// bolus, starting at Start.
type RegimenDose struct {
	Start    units.Duration
	Duration *units.Duration
	Rate     *units.DoseRate
	Bolus    *units.Dose
}

// Limits of a regimen file: enough for a year of daily sessions.
const (
	MaxRegimenDoses = 10_000
	maxRegimenBytes = 1 << 20
)

// MaxHorizon is the latest time a dose may start or end, and the longest
// simulation: two years.
const MaxHorizon = 2 * 365 * 24

// ParseRegimen reads a regimen file in JSON or YAML. Errors name the field
// at fault, e.g. "doses[1].rate".
func ParseRegimen(r io.Reader) (*Regimen, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxRegimenBytes+1))
	if err != nil {
		return nil, fmt.Errorf("regimen: %w", err)
	}
	if len(b) > maxRegimenBytes {
		return nil, fmt.Errorf("regimen: file larger than %d bytes", maxRegimenBytes)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, fmt.Errorf("regimen: empty file")
	}
	// JSON is YAML: one decoder reads both. The document is walked node by
	// node so that every error names its field, and every value is taken as
	// text so that a bare number ("rate": 0.35) is refused for want of a unit.
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("regimen: %s", yamlMessage(err))
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("regimen: expected an object with drug and doses")
	}
	top := doc.Content[0]
	var drugNode, dosesNode *yaml.Node
	seen := map[string]bool{}
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i].Value, top.Content[i+1]
		if seen[k] {
			return nil, fmt.Errorf("%s: given twice", k)
		}
		seen[k] = true
		switch k {
		case "drug":
			drugNode = v
		case "doses":
			dosesNode = v
		default:
			return nil, fmt.Errorf("%s: unknown field (line %d; drug, doses)", k, top.Content[i].Line)
		}
	}
	reg := &Regimen{}
	if drugNode == nil {
		return nil, fmt.Errorf("drug: missing (racemic or s-ketamine)")
	}
	if drugNode.Kind != yaml.ScalarNode {
		return nil, fmt.Errorf("drug: line %d: expected racemic or s-ketamine", drugNode.Line)
	}
	reg.Drug = strings.ToLower(strings.TrimSpace(drugNode.Value))
	if reg.Drug != "racemic" && reg.Drug != "s-ketamine" {
		return nil, fmt.Errorf("drug: %q is not racemic or s-ketamine", drugNode.Value)
	}
	if dosesNode == nil || (dosesNode.Kind == yaml.ScalarNode && dosesNode.Tag == "!!null") {
		return nil, fmt.Errorf("doses: no doses")
	}
	if dosesNode.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("doses: line %d: expected a list of doses", dosesNode.Line)
	}
	if len(dosesNode.Content) == 0 {
		return nil, fmt.Errorf("doses: no doses")
	}
	if len(dosesNode.Content) > MaxRegimenDoses {
		return nil, fmt.Errorf("doses: %d doses, more than %d", len(dosesNode.Content), MaxRegimenDoses)
	}
	for i, dn := range dosesNode.Content {
		field := fmt.Sprintf("doses[%d]", i)
		if dn.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%s: line %d: expected an object (start, duration, rate or bolus)", field, dn.Line)
		}
		m := map[string]string{}
		for j := 0; j+1 < len(dn.Content); j += 2 {
			k, v := dn.Content[j].Value, dn.Content[j+1]
			if v.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("%s.%s: line %d: expected a quantity with its unit", field, k, v.Line)
			}
			if _, dup := m[k]; dup {
				return nil, fmt.Errorf("%s.%s: given twice", field, k)
			}
			m[k] = v.Value
		}
		d, err := parseRegimenDose(field, m)
		if err != nil {
			return nil, err
		}
		reg.Doses = append(reg.Doses, d)
	}
	return reg, nil
}
func parseRegimenDose(field string, m map[string]string) (RegimenDose, error) {
	var d RegimenDose
	for k := range m {
		switch k {
		case "start", "duration", "rate", "bolus":
		default:
			return d, fmt.Errorf("%s.%s: unknown field (start, duration, rate, bolus)", field, k)
		}
	}
	s, ok := m["start"]
	if !ok {
		return d, fmt.Errorf("%s.start: missing", field)
	}
	start, err := units.ParseDuration(field+".start", s)
	if err != nil {
		return d, err
	}
	if start.Hours() > MaxHorizon {
		return d, fmt.Errorf("%s.start: %s is later than %d h", field, start, MaxHorizon)
	}
	d.Start = start
	_, hasRate := m["rate"]
	_, hasDur := m["duration"]
	b, hasBolus := m["bolus"]
	switch {
	case hasBolus && (hasRate || hasDur):
		return d, fmt.Errorf("%s: a dose is a bolus or an infusion (duration and rate), not both", field)
	case hasBolus:
		bolus, err := units.ParseDose(field+".bolus", b)
		if err != nil {
			return d, err
		}
		d.Bolus = &bolus
	case hasRate && hasDur:
		dur, err := units.ParseDuration(field+".duration", m["duration"])
		if err != nil {
			return d, err
		}
		if dur.IsZero() {
			return d, fmt.Errorf("%s.duration: must be positive", field)
		}
		if start.Hours()+dur.Hours() > MaxHorizon {
			return d, fmt.Errorf("%s.duration: the infusion ends later than %d h", field, MaxHorizon)
		}
		rate, err := units.ParseDoseRate(field+".rate", m["rate"])
		if err != nil {
			return d, err
		}
		d.Duration, d.Rate = &dur, &rate
	case hasRate:
		return d, fmt.Errorf("%s.duration: missing (an infusion needs a duration)", field)
	case hasDur:
		return d, fmt.Errorf("%s.rate: missing (an infusion needs a rate)", field)
	default:
		return d, fmt.Errorf("%s: give a bolus, or a duration and a rate", field)
	}
	return d, nil
}

// yamlMessage shortens the decoder's errors ("yaml: unmarshal errors:\n
// line 3: ...") to one line.
func yamlMessage(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return strings.Join(te.Errors, "; ")
	}
	return strings.TrimPrefix(err.Error(), "yaml: ")
}

// Resolve turns the regimen into doses in mg for a patient of weight w:
// per-kg rates and boluses are multiplied by the weight, and rates per
// reference weight (22.2mg/h/70kg) scaled linearly with it. A rate in mL/h
// is refused: the regimen has no concentration.
func (r *Regimen) Resolve(w units.BodyWeight) ([]Dose, error) {
	var out []Dose
	for i, d := range r.Doses {
		field := fmt.Sprintf("doses[%d]", i)
		switch {
		case d.Bolus != nil:
			mass, err := d.Bolus.Mass(&w)
			if err != nil {
				return nil, fmt.Errorf("%s.bolus: %w", field, err)
			}
			out = append(out, Dose{Start: d.Start.Time(), BolusMg: mass.Milligrams()})
		default:
			mr, err := d.Rate.MassRate(&w, nil)
			if err != nil {
				if errors.Is(err, units.ErrNeedConcentration) {
					return nil, fmt.Errorf("%s.rate: %s is a pump rate: write the dose rate (mg/h or mg/kg/h)", field, d.Rate)
				}
				return nil, fmt.Errorf("%s.rate: %w", field, err)
			}
			out = append(out, Dose{Start: d.Start.Time(), Duration: d.Duration.Time(), RateMgH: mr.MilligramsPerHour()})
		}
	}
	return out, nil
}
