package protocol

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ketatrack/ketatrack/internal/evidence"
)

// Cites returns the evidence library entries p links to (p.Evidence), in
// the order p lists them. Validation refuses a protocol that links to an
// entry not in the library, so every ID resolves.
func (l *Library) Cites(p *Protocol) []*evidence.Entry {
	out := make([]*evidence.Entry, 0, len(p.Evidence))
	for _, id := range p.Evidence {
		if e, ok := l.evidence.Lookup(id); ok {
			out = append(out, e)
		}
	}
	return out
}

// CitedBy returns the protocols of l that link to the evidence entry id,
// sorted by ID: the inverse of Cites. An entry no protocol links to gives
// an empty slice.
func (l *Library) CitedBy(id string) []*Protocol {
	out := []*Protocol{}
	for _, p := range l.Protocols() {
		if slices.Contains(p.Evidence, id) {
			out = append(out, p)
		}
	}
	return out
}

// SourceRefs returns the reference keys of p a source string cites: the
// key it starts with and the key of every further "; "-separated segment
// that starts with one of p's reference keys ("001 Table 1; 003 Methods"
// cites 001 and 003). A segment that starts with no key continues the one
// before it. A source that cites none of p's references (the choices of
// the "regimen" key validation adds, "the protocol's regimens") gives none.
func (p *Protocol) SourceRefs(src string) []string {
	keys := []string{}
	for _, seg := range strings.Split(src, "; ") {
		k := sourceKey(seg)
		if _, ok := p.References[k]; ok && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// ScheduleText describes a regimen's schedule in a few words:
// "10 session(s) of 4h, weekdays", "continuous 100h".
func (r Regimen) ScheduleText() string {
	if r.Kind == KindContinuous {
		return "continuous " + r.Length.String()
	}
	cal := r.Calendar.String()
	if r.Calendar.Value == Interval {
		cal = "every " + r.Interval.String()
	}
	return fmt.Sprintf("%s session(s) of %s, %s", r.Sessions, r.SessionLength, cal)
}

// Text describes a dose and its titration in a few words: "infusion 40mg
// over the session -> 80mg (step unspecified (daily-step))".
func (d DoseSpec) Text() string {
	s := d.Kind + " " + d.Dose.String()
	if v := d.Dose.Value; d.Kind == DoseInfusion && (strings.HasSuffix(v, "mg") || strings.HasSuffix(v, "mg/kg")) {
		s += " over the session"
	}
	if d.Kind == DosePulses {
		s = fmt.Sprintf("%s pulses of %s every %s, from %s", d.Count, d.Duration, d.Every, d.Dose)
	}
	if t := d.Titration; t != nil {
		if !t.To.IsZero() {
			s += " -> " + t.To.String()
		}
		s += " (step " + t.Step.String() + ")"
	}
	return s
}

// DoseText is every regimen's doses in a few words, each once, the
// regimen named when there are several ("lower-limb: infusion 60mg/h ...").
func (p *Protocol) DoseText() string {
	var out []string
	for _, r := range p.Regimens {
		for _, d := range r.Doses {
			if s := p.regimenPrefix(r) + d.Text(); !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	return strings.Join(out, "; ")
}

// ScheduleText is every regimen's schedule in a few words, the regimen
// named when there are several.
func (p *Protocol) ScheduleText() string {
	out := make([]string, 0, len(p.Regimens))
	for _, r := range p.Regimens {
		out = append(out, p.regimenPrefix(r)+r.ScheduleText())
	}
	return strings.Join(out, "; ")
}

func (p *Protocol) regimenPrefix(r Regimen) string {
	if len(p.Regimens) > 1 {
		return r.Name + ": "
	}
	return ""
}
