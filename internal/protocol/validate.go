package protocol

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/ketatrack/ketatrack/internal/evidence"
)

var (
	idPattern   = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	keyPattern  = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	seedPattern = regexp.MustCompile(`^[0-9]{3}_[0-9a-f]{16}\.txt$`)
)

// validator collects every error of one protocol file.
type validator struct {
	file string
	p    *Protocol
	errs []error
	used map[string]bool
	ev   *evidence.Library
}

func (v *validator) bad(field, format string, args ...any) {
	v.errs = append(v.errs, &FieldError{File: v.file, Field: field, Reason: fmt.Sprintf(format, args...)})
}

// source checks that a source string is present and starts with one of the
// protocol's reference keys.
func (v *validator) source(path, src string) {
	if strings.TrimSpace(src) == "" {
		v.bad(path, "missing source: say where the value was read (a reference key, then the place)")
		return
	}
	if _, ok := v.p.References[sourceKey(src)]; !ok {
		v.bad(path, "source %q does not start with a reference key of this file (%s)", src, strings.Join(v.refKeys(), ", "))
	}
}

func (v *validator) refKeys() []string {
	keys := make([]string, 0, len(v.p.References))
	for k := range v.p.References {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// field checks one Field: absent (an error if required), a value with a
// source that parse accepts, or an unspecified key declared in the file,
// whose kind is recorded.
func (v *validator) field(path string, f Field, k kind, required bool, parse func(string) error) {
	switch {
	case f.IsZero():
		if required {
			v.bad(path, "missing (give {value: ..., source: ...} or {unspecified: KEY})")
		}
		return
	case f.Unspecified != "" && (f.Value != "" || f.Source != ""):
		v.bad(path, "has both a value and unspecified %q: give one", f.Unspecified)
		return
	case f.Unspecified != "":
		if _, ok := v.p.UnspecifiedKey(f.Unspecified); !ok {
			v.bad(path+".unspecified", "key %q is not listed under unspecified", f.Unspecified)
			return
		}
		if prev, ok := v.p.kinds[f.Unspecified]; ok && prev != k {
			v.bad(path+".unspecified", "key %q is used for a %s here and for a %s elsewhere", f.Unspecified, k, prev)
			return
		}
		v.p.kinds[f.Unspecified] = k
		v.used[f.Unspecified] = true
		return
	case strings.TrimSpace(f.Value) == "":
		v.bad(path+".value", "empty value")
		return
	}
	v.source(path+".source", f.Source)
	if parse != nil {
		if err := parse(f.Value); err != nil {
			v.bad(path+".value", "%v", err)
		}
	}
}

// parserFor returns the parser of a kind, as used for values in files,
// choices and --set values.
func parserFor(k kind) func(string) error {
	switch k {
	case kindDrug:
		return oneOf(Racemic, SKetamine)
	case kindCareArea:
		return oneOf(Outpatient, Inpatient, ICU)
	case kindCount:
		return func(s string) error { _, err := parseCount(s); return err }
	case kindCalendar:
		return oneOf(Consecutive, Weekdays, Interval)
	case kindDuration:
		return func(s string) error {
			d, err := parseDuration("duration", s)
			if err == nil && !(d.Hours() > 0) {
				err = fmt.Errorf("%q: a duration here must be positive", s)
			}
			return err
		}
	case kindDays:
		return func(s string) error { _, err := parseDays(s); return err }
	case kindDose:
		return func(s string) error { _, err := parseDose("dose", s); return err }
	case kindStep:
		return func(s string) error { _, err := parseStep(s); return err }
	case kindRate:
		return func(s string) error {
			q, err := parseDose("rate", s)
			if err == nil && q.fam != famRate {
				err = fmt.Errorf("%q: give a rate in mg/h", s)
			}
			return err
		}
	case kindVolume:
		return func(s string) error { _, err := parseVolume(s); return err }
	case kindRange:
		return func(s string) error { _, err := parseRange(s); return err }
	case kindMedDose:
		return func(s string) error { _, err := parseMedDose(s); return err }
	case kindRoute:
		return oneOf(routes...)
	case kindFrequency:
		return func(s string) error {
			if slices.Contains(frequencies, s) {
				return nil
			}
			if d, err := parseDuration("every", s); err == nil && d.Hours() > 0 {
				return nil
			}
			return fmt.Errorf("%q is not a frequency (%s, or a duration such as 15min)", s, strings.Join(frequencies, ", "))
		}
	case kindThreshold:
		return nil // checked with its measure
	}
	return func(string) error { return nil }
}

func oneOf(options ...string) func(string) error {
	return func(s string) error {
		if slices.Contains(options, s) {
			return nil
		}
		return fmt.Errorf("%q is not one of %s", s, strings.Join(options, ", "))
	}
}

// validate checks a decoded protocol. It fills p.kinds and the Kind of every
// unspecified key, and adds the "regimen" key when there is more than one
// regimen.
func validate(file string, p *Protocol, ev *evidence.Library) error {
	v := &validator{file: file, p: p, used: map[string]bool{}, ev: ev}
	p.kinds = map[string]kind{}

	if !idPattern.MatchString(p.ID) {
		v.bad("id", "%q is not a lower-case id such as goldberg-2005", p.ID)
	}
	if strings.TrimSpace(p.Title) == "" {
		v.bad("title", "missing")
	}
	if len(p.References) == 0 {
		v.bad("references", "missing: every value needs a source, and sources start with a reference key")
	}
	for _, k := range v.refKeys() {
		r := p.References[k]
		if k == "" || strings.ContainsAny(k, " :,") {
			v.bad("references", "key %q may not be empty or contain spaces, colons or commas", k)
		}
		if strings.TrimSpace(r.Citation) == "" {
			v.bad("references."+k+".citation", "missing")
		}
		if r.Seed != "" && !seedPattern.MatchString(r.Seed) {
			v.bad("references."+k+".seed", "%q is not a seed file name such as 003_55ad5919aae10607.txt", r.Seed)
		}
	}
	if len(p.Evidence) == 0 {
		v.bad("evidence", "missing: link at least one evidence library entry (ketatrack evidence lists them)")
	}
	for i, id := range p.Evidence {
		if ev != nil {
			if _, ok := ev.Lookup(id); !ok {
				v.bad(fmt.Sprintf("evidence[%d]", i), "%q is not in the evidence library", id)
			}
		}
	}

	// Unspecified keys first, so fields can refer to them.
	seen := map[string]bool{}
	for i, u := range p.Unspecified {
		at := fmt.Sprintf("unspecified[%d]", i)
		if !keyPattern.MatchString(u.Key) {
			v.bad(at+".key", "%q is not a lower-case key such as daily-step", u.Key)
		}
		if seen[u.Key] {
			v.bad(at+".key", "duplicate key %q", u.Key)
		}
		seen[u.Key] = true
		if strings.TrimSpace(u.Question) == "" {
			v.bad(at+".question", "missing: say what the source leaves out")
		}
	}
	if len(p.Regimens) > 1 {
		if _, ok := p.UnspecifiedKey("regimen"); !ok {
			u := Unspecified{Key: "regimen", Question: "Which regimen of this protocol?"}
			for _, r := range p.Regimens {
				u.Choices = append(u.Choices, Choice{Value: r.Name, Label: r.Description, Source: "the protocol's regimens"})
			}
			p.Unspecified = append(p.Unspecified, u)
		}
		p.kinds["regimen"] = kindRegimen
		v.used["regimen"] = true
	}

	v.field("drug", p.Drug, kindDrug, true, parserFor(kindDrug))
	v.field("care_area", p.CareArea, kindCareArea, true, parserFor(kindCareArea))

	if len(p.Regimens) == 0 {
		v.bad("regimens", "missing: at least one regimen")
	}
	names := map[string]bool{}
	for i := range p.Regimens {
		v.regimen(fmt.Sprintf("regimens[%d]", i), &p.Regimens[i], names)
	}

	for i, m := range p.Premedication {
		at := fmt.Sprintf("premedication[%d]", i)
		if strings.TrimSpace(m.Drug) == "" {
			v.bad(at+".drug", "missing")
		}
		if m.Role != "premedication" && m.Role != "co-medication" {
			v.bad(at+".role", "%q is neither premedication nor co-medication", m.Role)
		}
		v.field(at+".dose", m.Dose, kindMedDose, true, parserFor(kindMedDose))
		v.field(at+".route", m.Route, kindRoute, true, parserFor(kindRoute))
		if strings.TrimSpace(m.When) == "" {
			v.bad(at+".when", "missing: say when it is given")
		}
		if m.Days != "" && m.Days != "each" && m.Days != "first" {
			v.bad(at+".days", "%q is neither each nor first", m.Days)
		}
		v.source(at+".source", m.Source)
	}
	for i, m := range p.Monitoring {
		at := fmt.Sprintf("monitoring[%d]", i)
		if strings.TrimSpace(m.What) == "" {
			v.bad(at+".what", "missing")
		}
		v.field(at+".every", m.Every, kindFrequency, true, parserFor(kindFrequency))
	}
	for i, r := range p.Rules {
		at := fmt.Sprintf("rules[%d]", i)
		if !slices.Contains(measures, r.Measure) {
			v.bad(at+".measure", "%q is not one of %s", r.Measure, strings.Join(measures, ", "))
		}
		if !slices.Contains([]string{"<", "<=", ">", ">="}, r.Op) {
			v.bad(at+".op", "%q is not one of <, <=, >, >=", r.Op)
		}
		if !slices.Contains([]string{"alert", "warn", "stop"}, r.Action) {
			v.bad(at+".action", "%q is not one of alert, warn, stop", r.Action)
		}
		if strings.TrimSpace(r.Text) == "" {
			v.bad(at+".text", "missing: name the event")
		}
		measure := r.Measure
		v.field(at+".threshold", r.Threshold, kindThreshold, true, func(s string) error {
			_, err := parseThreshold(measure, s)
			return err
		})
		if r.Threshold.Unspecified != "" {
			v.bad(at+".threshold", "a rule's threshold must come from a source")
		}
	}
	for name, notes := range map[string][]Note{"warnings": p.Warnings, "notes": p.Notes} {
		for i, n := range notes {
			at := fmt.Sprintf("%s[%d]", name, i)
			if strings.TrimSpace(n.Text) == "" {
				v.bad(at+".text", "missing")
			}
			v.source(at+".source", n.Source)
		}
	}

	for i := range p.Unspecified {
		u := &p.Unspecified[i]
		at := fmt.Sprintf("unspecified[%d] (%s)", i, u.Key)
		if !v.used[u.Key] {
			v.bad(at, "key %q is listed but no field uses it", u.Key)
			continue
		}
		k := p.kinds[u.Key]
		u.Kind = string(k)
		parse := parserFor(k)
		if k == kindRegimen {
			parse = func(s string) error {
				if _, ok := p.Regimen(s); !ok {
					return fmt.Errorf("%q is not a regimen of this protocol", s)
				}
				return nil
			}
		}
		for j, c := range u.Choices {
			cat := fmt.Sprintf("%s.choices[%d]", at, j)
			if strings.TrimSpace(c.Label) == "" {
				v.bad(cat+".label", "missing")
			}
			if k != kindRegimen {
				v.source(cat+".source", c.Source)
			}
			if c.Value != "" {
				if err := parse(c.Value); err != nil {
					v.bad(cat+".value", "%v", err)
				}
			}
		}
	}
	return errors.Join(v.errs...)
}

// regimen checks one regimen.
func (v *validator) regimen(at string, r *Regimen, names map[string]bool) {
	if !idPattern.MatchString(r.Name) {
		v.bad(at+".name", "%q is not a lower-case name such as standard", r.Name)
	} else if names[r.Name] {
		v.bad(at+".name", "duplicate regimen %q", r.Name)
	}
	names[r.Name] = true
	v.field(at+".care_area", r.CareArea, kindCareArea, false, parserFor(kindCareArea))
	switch r.Kind {
	case KindSessions:
		v.field(at+".sessions", r.Sessions, kindCount, true, parserFor(kindCount))
		v.field(at+".calendar", r.Calendar, kindCalendar, true, parserFor(kindCalendar))
		v.field(at+".interval", r.Interval, kindDays, r.Calendar.Value == Interval, parserFor(kindDays))
		if r.Calendar.Given() && r.Calendar.Value != Interval && !r.Interval.IsZero() {
			v.bad(at+".interval", "only a calendar of interval takes an interval")
		}
		v.field(at+".session_length", r.SessionLength, kindDuration, true, func(s string) error {
			d, err := parseDuration("session_length", s)
			if err == nil && (d.Hours() <= 0 || d.Hours() > 24) {
				err = fmt.Errorf("%q: a session lasts more than 0 and at most 24 h (use kind continuous for longer)", s)
			}
			return err
		})
		if !r.Length.IsZero() {
			v.bad(at+".length", "a regimen of sessions has session_length, not length")
		}
	case KindContinuous:
		v.field(at+".length", r.Length, kindDuration, true, parserFor(kindDuration))
		for name, f := range map[string]Field{"sessions": r.Sessions, "calendar": r.Calendar, "interval": r.Interval, "session_length": r.SessionLength} {
			if !f.IsZero() {
				v.bad(at+"."+name, "a continuous regimen has a length only")
			}
		}
	default:
		v.bad(at+".kind", "%q is neither %s nor %s", r.Kind, KindSessions, KindContinuous)
	}
	if len(r.Doses) == 0 {
		v.bad(at+".doses", "missing: at least one dose")
	}
	for i := range r.Doses {
		v.dose(fmt.Sprintf("%s.doses[%d]", at, i), r, &r.Doses[i])
	}
}

// dose checks one dose of a regimen.
func (v *validator) dose(at string, r *Regimen, d *DoseSpec) {
	if strings.TrimSpace(d.Name) == "" {
		v.bad(at+".name", "missing")
	}
	var first *quantity
	parseFirst := func(s string) error {
		q, err := parseDose("dose", s)
		if err != nil {
			return err
		}
		if err := doseFitsKind(d.Kind, q); err != nil {
			return err
		}
		if r.Kind == KindContinuous && d.Kind == DoseInfusion && !q.fam.isRate() {
			return fmt.Errorf("%s is an amount: a continuous infusion needs a rate (mg/h, mg/kg/h, mg/h/70kg or mg/day)", q)
		}
		first = &q
		return nil
	}
	switch d.Kind {
	case DoseInfusion, DoseBolus, DosePulses:
	default:
		v.bad(at+".kind", "%q is not one of infusion, bolus, pulses", d.Kind)
	}
	v.field(at+".dose", d.Dose, kindDose, true, parseFirst)
	v.field(at+".duration", d.Duration, kindDuration, d.Kind == DosePulses, parserFor(kindDuration))
	v.field(at+".offset", d.Offset, kindDuration, false, func(s string) error { _, err := parseDuration("offset", s); return err })
	v.field(at+".max_rate", d.MaxRate, kindRate, false, parserFor(kindRate))
	v.field(at+".diluent_volume", d.DiluentVolume, kindVolume, false, parserFor(kindVolume))
	v.field(at+".range", d.Range, kindRange, false, func(s string) error {
		rg, err := parseRange(s)
		if err == nil && first != nil && rg.lo.fam.isRate() != first.fam.isRate() {
			err = fmt.Errorf("%q: the dose is %s, the range must be too", s, map[bool]string{true: "a rate", false: "an amount"}[first.fam.isRate()])
		}
		return err
	})
	if d.Kind == DoseBolus && !d.Duration.IsZero() {
		v.bad(at+".duration", "a bolus has no duration")
	}
	if d.Kind == DosePulses {
		v.field(at+".count", d.Count, kindCount, true, parserFor(kindCount))
		v.field(at+".every", d.Every, kindDuration, true, parserFor(kindDuration))
		if d.Every.Given() && d.Duration.Given() {
			every, err1 := parseDuration("every", d.Every.Value)
			each, err2 := parseDuration("duration", d.Duration.Value)
			if err1 == nil && err2 == nil && each.Hours() > every.Hours() {
				v.bad(at+".duration", "each pulse (%s) is longer than the time between pulses (%s)", d.Duration.Value, d.Every.Value)
			}
		}
	} else if !d.Count.IsZero() || !d.Every.IsZero() {
		v.bad(at, "count and every belong to kind pulses")
	}
	t := d.Titration
	if t == nil {
		return
	}
	tat := at + ".titration"
	switch t.Across {
	case AcrossSessions:
		if r.Kind != KindSessions {
			v.bad(tat+".across", "a continuous regimen titrates across interval, not sessions")
		}
	case AcrossInterval:
		if r.Kind != KindContinuous {
			v.bad(tat+".across", "only a continuous regimen titrates across interval")
		}
	case AcrossPulses:
		if d.Kind != DosePulses {
			v.bad(tat+".across", "only kind pulses titrates across pulses")
		}
	default:
		v.bad(tat+".across", "%q is not one of sessions, interval, pulses", t.Across)
	}
	v.field(tat+".interval", t.Interval, kindDuration, t.Across == AcrossInterval, parserFor(kindDuration))
	if t.Across != AcrossInterval && !t.Interval.IsZero() {
		v.bad(tat+".interval", "only titration across interval has an interval")
	}
	v.field(tat+".to", t.To, kindDose, false, func(s string) error {
		q, err := parseDose("to", s)
		if err == nil && first != nil && !q.sameFamily(*first) {
			err = fmt.Errorf("%q is not in the dose's unit (%s)", s, first.fam.unit(first.refKg))
		}
		return err
	})
	v.field(tat+".reach", t.Reach, kindCount, false, parserFor(kindCount))
	v.field(tat+".step", t.Step, kindStep, true, func(s string) error {
		st, err := parseStep(s)
		if err == nil && st.mode == "increment" && t.To.IsZero() {
			err = errors.New("an increment needs a ceiling: give titration.to")
		}
		if err == nil && st.mode == "linear" && t.To.IsZero() {
			err = errors.New("a linear step needs a target: give titration.to")
		}
		return err
	})
}

// doseFitsKind reports whether a dose of family q suits the dose kind.
func doseFitsKind(k string, q quantity) error {
	if k == DoseBolus && q.fam.isRate() {
		return fmt.Errorf("%s is a rate: a bolus is an amount (mg or mg/kg)", q)
	}
	return nil
}
