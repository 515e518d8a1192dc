package web

import (
	"cmp"
	"net/http"
	"slices"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/evidence"
	"github.com/ketatrack/ketatrack/internal/protocol"
)

// The evidence library (issue 14 item 4): the review's 14 studies (001
// Table 1) and the seed case documents, each with the protocols built from
// it, linking back to the protocol pages (protocol.go). Staff only, as the
// protocol library.

// evidenceItem is an entry with the protocols that link to it, by ID (as
// `ketatrack evidence --json`).
type evidenceItem struct {
	*evidence.Entry
	Protocols []string `json:"protocols"`
}

func itemOf(lib *protocol.Library, e *evidence.Entry) evidenceItem {
	it := evidenceItem{Entry: e, Protocols: []string{}}
	for _, p := range lib.CitedBy(e.ID) {
		it.Protocols = append(it.Protocols, p.ID)
	}
	return it
}

// evidenceSorts are the orders of the evidence list, by the value of the
// query parameter sort; "" is the data file's order (Table 1's, then the
// case documents), grouped by kind.
var evidenceSorts = map[string]func(a, b evidenceItem) int{
	"": nil,
	// design: grouped by design, A to Z, then by year.
	"design": func(a, b evidenceItem) int {
		return cmp.Or(cmp.Compare(a.Design, b.Design), cmp.Compare(a.Year, b.Year))
	},
	// year: newest first.
	"year": func(a, b evidenceItem) int { return cmp.Compare(b.Year, a.Year) },
	// n: most patients first.
	"n": func(a, b evidenceItem) int { return cmp.Compare(b.N, a.N) },
}

// evidenceItems returns every entry of lib's evidence library with its
// protocols, in the order sort names; an unknown sort is EINVALID naming
// the parameter.
func evidenceItems(lib *protocol.Library, sort string) ([]evidenceItem, error) {
	less, ok := evidenceSorts[sort]
	if !ok {
		return nil, clinic.Invalid("sort", "%q is not an order of the evidence list (design, year or n)", sort)
	}
	entries := lib.Evidence().Entries()
	items := make([]evidenceItem, 0, len(entries))
	for _, e := range entries {
		items = append(items, itemOf(lib, e))
	}
	if less != nil {
		slices.SortStableFunc(items, less)
	}
	return items, nil
}

// evidenceGroup is a run of the list under one heading.
type evidenceGroup struct {
	Heading string
	Items   []evidenceItem
}

// Arrow writes a text's "->" as an arrow.
func (evidenceListData) Arrow(s string) string { return arrow(s) }

// evidenceListData is the evidence list page.
type evidenceListData struct {
	Sort   string
	Groups []evidenceGroup
	Count  int
	// Review is the systematic review Table 1 is read from.
	Review evidence.Reference
}

// groupEvidence splits items into the page's groups: by kind in the file's
// order, by design when sorted by design, one group otherwise.
func groupEvidence(items []evidenceItem, sort string) []evidenceGroup {
	heading := func(it evidenceItem) string {
		switch sort {
		case "":
			if it.Kind == evidence.Study {
				return "Studies of the systematic review (001, Table 1)"
			}
			return "Case reports, case series and other documents"
		case "design":
			return it.Design
		}
		return ""
	}
	var out []evidenceGroup
	for _, it := range items {
		h := heading(it)
		if len(out) == 0 || out[len(out)-1].Heading != h {
			out = append(out, evidenceGroup{Heading: h})
		}
		out[len(out)-1].Items = append(out[len(out)-1].Items, it)
	}
	return out
}

func (s *Server) evidencePage(w http.ResponseWriter, r *http.Request) error {
	lib, err := library()
	if err != nil {
		return err
	}
	sort := r.URL.Query().Get("sort")
	items, err := evidenceItems(lib, sort)
	if err != nil {
		return err
	}
	d := evidenceListData{Sort: sort, Groups: groupEvidence(items, sort), Count: len(items), Review: lib.Evidence().References["001"]}
	s.render(w, r, http.StatusOK, "evidence_list", &page{Title: "Evidence library", Data: d})
	return nil
}

func (s *Server) apiEvidence(w http.ResponseWriter, r *http.Request) error {
	lib, err := library()
	if err != nil {
		return err
	}
	items, err := evidenceItems(lib, r.URL.Query().Get("sort"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": items, "references": lib.Evidence().References})
	return nil
}

// lookupEvidence returns the entry of the request's {id} with its
// protocols; an unknown id is ENOTFOUND naming it.
func lookupEvidence(r *http.Request) (*protocol.Library, evidenceItem, error) {
	lib, err := library()
	if err != nil {
		return nil, evidenceItem{}, err
	}
	id := r.PathValue("id")
	e, ok := lib.Evidence().Lookup(id)
	if !ok {
		return nil, evidenceItem{}, clinic.Errorf(clinic.ENOTFOUND, "There is no study or case %q in the evidence library.", id)
	}
	return lib, itemOf(lib, e), nil
}

func (s *Server) apiEvidenceEntry(w http.ResponseWriter, r *http.Request) error {
	_, it, err := lookupEvidence(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, it)
	return nil
}

// evidenceEntryData is one entry's page.
type evidenceEntryData struct {
	E         *evidence.Entry
	Protocols []*protocol.Protocol
	// Read is the document the entry was read from.
	Read evidence.Reference
}

// Outcome is what the entry found: its outcome, or its conclusion.
func (d evidenceEntryData) Outcome() string { return entryOutcome(d.E) }

// AreaLabel names a care area for people ("ICU").
func (evidenceEntryData) AreaLabel(v string) string { return areaLabel(v) }

func (s *Server) evidenceEntryPage(w http.ResponseWriter, r *http.Request) error {
	lib, it, err := lookupEvidence(r)
	if err != nil {
		return err
	}
	d := evidenceEntryData{E: it.Entry, Protocols: lib.CitedBy(it.ID)}
	for _, ref := range lib.Evidence().References {
		if ref.Seed == it.Seed {
			d.Read = ref
		}
	}
	s.render(w, r, http.StatusOK, "evidence_entry", &page{Title: it.Label() + " · Evidence library", Data: d})
	return nil
}

// Arrow writes a text's "->" as an arrow.
func (evidenceEntryData) Arrow(s string) string { return arrow(s) }

// Qty writes quantities with a space between number and unit.
func (evidenceEntryData) Qty(s string) string { return spaceUnits(s) }

// ReadElsewhere reports whether the entry was read in a document other
// than its own publication (the review, for a Table 1 study).
func (d evidenceEntryData) ReadElsewhere() bool {
	return d.Read.Citation != "" && d.Read.Citation != d.E.Citation
}
