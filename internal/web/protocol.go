package web

import (
	"net/http"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/evidence"
	"github.com/ketatrack/ketatrack/internal/protocol"
)

// The protocol library (issue 14 item 4) in the browser and the API: every
// protocol of clinic.Protocols (the seeds' protocols and any a clinic
// added) as a clinician reads it, each value with the source it was read
// from, and the evidence library entries it was built from (evidence.go).
// The pages and the API read the same library; nothing here computes a
// dose. Staff only: the library is where a clinician chooses and adapts a
// protocol and a nurse checks a plan against its source; a patient's own
// plan is on their course's printed plan.

// library returns the protocol library plans are made from.
func library() (*protocol.Library, error) {
	lib, err := clinic.Protocols()
	if err != nil {
		return nil, clinic.Errorf(clinic.EINTERNAL, "protocol library: %v", err)
	}
	return lib, nil
}

// lookupProtocol returns the protocol of the request's {id}; an unknown id
// is ENOTFOUND naming it.
func lookupProtocol(r *http.Request) (*protocol.Library, *protocol.Protocol, error) {
	lib, err := library()
	if err != nil {
		return nil, nil, err
	}
	id := r.PathValue("id")
	p, ok := lib.Lookup(id)
	if !ok {
		return nil, nil, clinic.Errorf(clinic.ENOTFOUND, "There is no protocol %q in the library.", id)
	}
	return lib, p, nil
}

// evidenceRef is an evidence entry as a protocol lists it.
type evidenceRef struct {
	ID     string        `json:"id"`
	Label  string        `json:"label"`
	Kind   evidence.Kind `json:"kind"`
	Design string        `json:"design"`
	N      int           `json:"n,omitempty"`
}

func refOf(e *evidence.Entry) evidenceRef {
	return evidenceRef{ID: e.ID, Label: e.Label(), Kind: e.Kind, Design: e.Design, N: e.N}
}

// protocolSummary is one protocol of the library list.
type protocolSummary struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// Drug and CareArea are the values, or "unspecified (KEY)".
	Drug     string `json:"drug"`
	CareArea string `json:"care_area"`
	Setting  string `json:"setting,omitempty"`
	// Dose and Schedule describe every regimen in a few words.
	Dose        string        `json:"dose"`
	Schedule    string        `json:"schedule"`
	Unspecified []string      `json:"unspecified"`
	Evidence    []evidenceRef `json:"evidence"`
	Builtin     bool          `json:"builtin"`
}

func summarizeProtocol(lib *protocol.Library, p *protocol.Protocol) protocolSummary {
	s := protocolSummary{ID: p.ID, Title: p.Title, Drug: p.Drug.String(), CareArea: p.CareArea.String(), Setting: p.Setting,
		Dose: p.DoseText(), Schedule: p.ScheduleText(), Unspecified: []string{}, Evidence: []evidenceRef{}, Builtin: p.Builtin}
	for _, u := range p.Unspecified {
		s.Unspecified = append(s.Unspecified, u.Key)
	}
	for _, e := range lib.Cites(p) {
		s.Evidence = append(s.Evidence, refOf(e))
	}
	return s
}

func protocolSummaries(lib *protocol.Library) []protocolSummary {
	ps := lib.Protocols()
	out := make([]protocolSummary, 0, len(ps))
	for _, p := range ps {
		out = append(out, summarizeProtocol(lib, p))
	}
	return out
}

// protocolsData is the library page.
type protocolsData struct {
	Protocols []protocolSummary
}

// AreaLabel names a care area for people ("ICU").
func (protocolsData) AreaLabel(v string) string { return areaLabel(v) }

func areaLabel(v string) string {
	if v == protocol.ICU {
		return "ICU"
	}
	return v
}

func (s *Server) protocolsPage(w http.ResponseWriter, r *http.Request) error {
	lib, err := library()
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "protocols", &page{Title: "Protocol library", Data: protocolsData{Protocols: protocolSummaries(lib)}})
	return nil
}

func (s *Server) apiProtocols(w http.ResponseWriter, r *http.Request) error {
	lib, err := library()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"protocols": protocolSummaries(lib)})
	return nil
}

// protocolDoc is a protocol as the API gives it: the protocol file's
// fields (as `ketatrack protocols show ID --json`) with the evidence
// entries it links to. File is the file's name only: a clinic's protocols
// directory is the server's business.
type protocolDoc struct {
	*protocol.Protocol
	EvidenceEntries []*evidence.Entry `json:"evidence_entries"`
}

func (s *Server) apiProtocol(w http.ResponseWriter, r *http.Request) error {
	lib, p, err := lookupProtocol(r)
	if err != nil {
		return err
	}
	shown := *p
	shown.File = filepath.Base(p.File)
	writeJSON(w, http.StatusOK, protocolDoc{Protocol: &shown, EvidenceEntries: lib.Cites(p)})
	return nil
}

// protocolData is one protocol's page.
type protocolData struct {
	P       *protocol.Protocol
	Studies []*evidence.Entry
}

func (s *Server) protocolPage(w http.ResponseWriter, r *http.Request) error {
	lib, p, err := lookupProtocol(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "protocol", &page{Title: p.ID + " · Protocol library", Data: protocolData{P: p, Studies: lib.Cites(p)}})
	return nil
}

// sourceView is a source string split for the page: the reference key it
// starts with (a link to the reference; empty when it starts with none),
// the rest of the text, and the other references it cites.
type sourceView struct {
	Key  string
	Rest string
	More []string
}

// protocolField is a protocol field for the page: its value (quantities
// spaced, "0.35 mg/kg/h") and source, or the unspecified key the clinician
// fills.
type protocolField struct {
	Value       string
	Unspecified string
	Source      sourceView
	Present     bool
}

// Src splits a source string.
func (d protocolData) Src(src string) sourceView {
	src = strings.TrimSpace(src)
	refs := d.P.SourceRefs(src)
	if len(refs) == 0 || !strings.HasPrefix(src, refs[0]) {
		return sourceView{Rest: src, More: refs}
	}
	return sourceView{Key: refs[0], Rest: strings.TrimPrefix(src, refs[0]), More: refs[1:]}
}

// F is f for the page.
func (d protocolData) F(f protocol.Field) protocolField {
	v := protocolField{Value: spaceUnits(f.Value), Unspecified: f.Unspecified, Present: !f.IsZero()}
	if f.Source != "" {
		v.Source = d.Src(f.Source)
	}
	return v
}

// AreaLabel names a care area for people ("ICU").
func (protocolData) AreaLabel(v string) string { return areaLabel(v) }

// RefKeys are the protocol's reference keys, sorted.
func (d protocolData) RefKeys() []string {
	keys := make([]string, 0, len(d.P.References))
	for k := range d.P.References {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Ref returns the reference of key.
func (d protocolData) Ref(key string) protocol.Reference { return d.P.References[key] }

// HasLimits reports whether any dose has a cap, a ceiling or a source's
// range, or the protocol has alert rules.
func (d protocolData) HasLimits() bool {
	if len(d.P.Rules) > 0 {
		return true
	}
	for _, r := range d.P.Regimens {
		for _, ds := range r.Doses {
			if !ds.MaxRate.IsZero() || !ds.Range.IsZero() || (ds.Titration != nil && !ds.Titration.To.IsZero()) {
				return true
			}
		}
	}
	return false
}

// Outcome is what an entry found: its outcome when the entry gives one
// (entries outside Table 1), its conclusion otherwise.
func (protocolData) Outcome(e *evidence.Entry) string { return entryOutcome(e) }

func entryOutcome(e *evidence.Entry) string {
	if e.Outcome != "" {
		return e.Outcome
	}
	return e.Conclusion
}

// Arrow writes a text's "->" as an arrow ("40 -> 80 mg" would otherwise
// break after the hyphen).
func (protocolData) Arrow(s string) string { return arrow(s) }

// Qty writes a quantity as written in a protocol file ("0.35mg/kg/h",
// "2mg to 4mg", "320mg,360mg") with a space between number and unit
// ("0.35 mg/kg/h"), for reading only: forms and the API keep the file's
// text.
func (protocolData) Qty(s string) string { return spaceUnits(s) }

// Every says how often a monitoring item is done: "every 15 min" for a
// duration, the frequency's words otherwise ("continuous").
func (protocolData) Every(f protocol.Field) string {
	if v := f.Value; v != "" && v[0] >= '0' && v[0] <= '9' {
		return "every " + spaceUnits(v)
	}
	return f.Value
}

// ruleMeasures name the measures of protocol.Rule for people.
var ruleMeasures = map[string]string{
	"spo2":            "SpO2",
	"heart_rate_rise": "heart-rate rise over the baseline",
	"systolic_bp":     "systolic blood pressure",
	"diastolic_bp":    "diastolic blood pressure",
	"ketamine_rate":   "ketamine rate",
}

// ruleOps write a rule's comparison as a sign.
var ruleOps = map[string]string{"<": "<", "<=": "≤", ">": ">", ">=": "≥"}

// RuleText writes a rule's condition for people: "SpO2 < 93%".
func (protocolData) RuleText(r protocol.Rule) string {
	m, ok := ruleMeasures[r.Measure]
	if !ok {
		m = r.Measure
	}
	op, ok := ruleOps[r.Op]
	if !ok {
		op = r.Op
	}
	return m + " " + op + " " + spaceUnits(r.Threshold.Value)
}

// FileName is the name of the file the protocol was read from, without
// the server's directory.
func (d protocolData) FileName() string { return filepath.Base(d.P.File) }

// Arrow writes a summary's titration "->" as an arrow.
func (protocolsData) Arrow(s string) string { return arrow(s) }

// Qty writes quantities with a space between number and unit.
func (protocolsData) Qty(s string) string { return spaceUnits(s) }

func arrow(s string) string { return strings.ReplaceAll(s, "->", "→") }

// numberUnit is a number directly followed by a unit, or a comma directly
// followed by the next item.
var numberUnit = regexp.MustCompile(`([0-9])([a-zA-Zµ])|,([^ ])`)

// spaceUnits puts a no-break space between a number and its unit, so that
// a narrow column never breaks "0.35 mg/kg/h" after the number, and a
// space after a comma between items ("320 mg, 360 mg").
func spaceUnits(s string) string {
	return numberUnit.ReplaceAllStringFunc(s, func(m string) string {
		if m[0] == ',' {
			return ", " + m[1:]
		}
		return m[:1] + "\u00a0" + m[1:]
	})
}
