package protocol

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// maxContinuousHours bounds a continuous infusion: the longest seed
// infusion is 10 days (Kiefer's S-ketamine pilot, 001); 90 days leaves room
// for a clinic's own protocols and keeps a plan's size bounded.
const maxContinuousHours = 90.0 * 24

// expander carries the state of one expansion.
type expander struct {
	p        *Protocol
	req      Request
	settings map[string]string
	used     map[string]bool
	missing  []string
	errs     []error
	sources  map[string]bool
	warnings []string
	filled   map[string]string
}

// value returns a field's value: the source's, or the clinician's setting
// for an unspecified key (checked against the key's kind). ok is false when
// the key has not been set (it is recorded as missing) or the setting is
// bad (recorded as an error).
func (x *expander) value(f Field) (val, src string, ok bool) {
	if f.Given() {
		x.sources[sourceKey(f.Source)] = true
		return f.Value, f.Source, true
	}
	if f.Unspecified == "" {
		return "", "", false
	}
	key := f.Unspecified
	v, set := x.settings[key]
	if !set {
		if !slices.Contains(x.missing, key) {
			x.missing = append(x.missing, key)
		}
		return "", "", false
	}
	if !x.used[key] {
		x.used[key] = true
		x.filled[key] = v
		if parse := x.parser(key); parse != nil {
			if err := parse(v); err != nil {
				x.errs = append(x.errs, &InputError{Field: "--set " + key, Reason: err.Error()})
			}
		}
	}
	return v, "set by the clinician: " + key + "=" + v, true
}

func (x *expander) parser(key string) func(string) error {
	k := x.p.kinds[key]
	if k == kindRegimen {
		return func(s string) error {
			if _, ok := x.p.Regimen(s); !ok {
				return fmt.Errorf("%q is not a regimen of %s (%s)", s, x.p.ID, strings.Join(regimenNames(x.p), ", "))
			}
			return nil
		}
	}
	return parserFor(k)
}

func regimenNames(p *Protocol) []string {
	var names []string
	for _, r := range p.Regimens {
		names = append(names, r.Name)
	}
	return names
}

// bad records an error in a clinician's setting or the request.
func (x *expander) bad(field, format string, args ...any) {
	x.errs = append(x.errs, &InputError{Field: field, Reason: fmt.Sprintf(format, args...)})
}

// fieldName names the flag that filled a field's value, for errors.
func fieldName(f Field, fallback string) string {
	if f.Unspecified != "" {
		return "--set " + f.Unspecified
	}
	return fallback
}

// Expand expands protocol p for one patient. It returns a *MissingError when
// unspecified details the plan needs are not in req.Settings, an
// *InputError for a bad request, and otherwise the plan with every step
// checked (a plan over a limit is returned with its Status; the caller
// decides the exit status).
func Expand(p *Protocol, req Request) (*Plan, error) {
	if p == nil {
		return nil, errors.New("protocol: nil protocol")
	}
	if !(req.Weight.Kilograms() > 0) {
		return nil, &InputError{Field: "--weight", Reason: "a positive body weight is needed"}
	}
	checker := req.Checker
	if checker == nil {
		c, err := DefaultChecker()
		if err != nil {
			return nil, err
		}
		checker = c
	}
	x := &expander{p: p, req: req, settings: map[string]string{}, used: map[string]bool{}, sources: map[string]bool{}, filled: map[string]string{}}
	for k, v := range req.Settings {
		if _, ok := p.UnspecifiedKey(k); !ok {
			var keys []string
			for _, u := range p.Unspecified {
				keys = append(keys, u.Key)
			}
			reason := fmt.Sprintf("%s has no unspecified detail %q", p.ID, k)
			if len(keys) > 0 {
				reason += " (its keys: " + strings.Join(keys, ", ") + ")"
			} else {
				reason += " (the source specifies everything this protocol needs)"
			}
			return nil, &InputError{Field: "--set " + k, Reason: reason}
		}
		x.settings[k] = strings.TrimSpace(v)
	}

	plan := &Plan{Protocol: p, Weight: req.Weight, Bag: req.Bag, Start: req.Start, Acknowledged: req.Acknowledge}

	// Regimen.
	reg := &p.Regimens[0]
	if len(p.Regimens) > 1 {
		name, _, ok := x.value(Field{Unspecified: "regimen"})
		if !ok {
			return nil, x.finishMissing()
		}
		r, found := p.Regimen(name)
		if !found {
			return nil, x.inputErr()
		}
		reg = r
	}
	plan.Regimen = reg.Name

	drug, _, _ := x.value(p.Drug)
	plan.Drug = drug
	plan.CareArea = x.careArea(reg)

	b := &builder{x: x, plan: plan, reg: reg}
	b.schedule()
	b.doses()
	meds := b.medications()
	plan.Monitoring = b.monitoring()
	plan.Rules = p.Rules
	for _, r := range p.Rules {
		x.sources[sourceKey(r.Threshold.Source)] = true
	}

	if len(x.errs) > 0 {
		return nil, x.inputErr()
	}
	if len(x.missing) > 0 {
		return nil, x.finishMissing()
	}
	if err := b.build(meds); err != nil {
		return nil, err
	}
	if len(x.errs) > 0 {
		return nil, x.inputErr()
	}
	if err := b.check(checker); err != nil {
		return nil, err
	}
	b.warn()
	for k := range x.settings {
		if !x.used[k] {
			x.warnings = append(x.warnings, fmt.Sprintf("--set %s=%s was not needed for this plan and was ignored", k, x.settings[k]))
		}
	}
	plan.Filled = x.filled
	plan.Warnings = x.warnings
	plan.Sources = x.sourceList()
	return plan, nil
}

// careArea resolves where the plan runs.
func (x *expander) careArea(reg *Regimen) string {
	f := x.p.CareArea
	if !reg.CareArea.IsZero() {
		f = reg.CareArea
	}
	want := x.req.CareArea
	if want != "" {
		if err := parserFor(kindCareArea)(want); err != nil {
			x.bad("--setting", "%v", err)
			return want
		}
	}
	if f.Unspecified != "" && want != "" {
		if v, set := x.settings[f.Unspecified]; set && v != want {
			x.bad("--setting", "%q disagrees with --set %s=%s", want, f.Unspecified, v)
			return want
		}
		x.settings[f.Unspecified] = want
	}
	area, src, ok := x.value(f)
	if !ok {
		return ""
	}
	if want != "" && want != area {
		x.warnings = append(x.warnings, fmt.Sprintf("the source gives this protocol in %s (%s); planned for %s: the drug library's %s limits apply", area, src, want, want))
		return want
	}
	return area
}

func (x *expander) inputErr() error {
	return errors.Join(x.errs...)
}

func (x *expander) finishMissing() error {
	e := &MissingError{Protocol: x.p.ID}
	for _, k := range x.missing {
		u, _ := x.p.UnspecifiedKey(k)
		e.Missing = append(e.Missing, Missing{u})
	}
	return e
}

// sourceList returns the citations of every reference the plan used.
func (x *expander) sourceList() []string {
	keys := make([]string, 0, len(x.sources))
	for k := range x.sources {
		if _, ok := x.p.References[k]; ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		r := x.p.References[k]
		s := k + ": " + r.Citation
		if r.Seed != "" {
			s += " [seed " + r.Seed + "]"
		}
		out = append(out, s)
	}
	return out
}
