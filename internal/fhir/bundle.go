package fhir

import (
	"encoding/json"
	"net/url"
	"strconv"
	"time"
)

// ContentType is the media type of FHIR JSON (http://hl7.org/fhir/R4/http.html#mime-type).
const ContentType = "application/fhir+json"

// BundleLink is a link of a Bundle ("self", "next").
type BundleLink struct {
	Relation string `json:"relation"`
	URL      string `json:"url"`
}

// BundleSearch says why an entry is in a searchset.
type BundleSearch struct {
	Mode string `json:"mode,omitempty"`
}

// BundleEntry is one resource of a Bundle.
type BundleEntry struct {
	FullURL  string          `json:"fullUrl,omitempty"`
	Resource json.RawMessage `json:"resource"`
	Search   *BundleSearch   `json:"search,omitempty"`
}

// Bundle is http://hl7.org/fhir/R4/bundle.html (a searchset).
type Bundle struct {
	Base
	Type      string        `json:"type"`
	Timestamp string        `json:"timestamp,omitempty"`
	Total     *int          `json:"total,omitempty"`
	Link      []BundleLink  `json:"link,omitempty"`
	Entry     []BundleEntry `json:"entry,omitempty"`
}

// Searchset builds the searchset Bundle of page [offset, offset+count) of
// all, with total and self/next/previous links on base (the request URL
// without _count and _offset, e.g. "https://ehr/fhir/Observation?patient=7").
// fullUrls are base's origin + "/fhir/" + type/id. A count below 1 gives
// DefaultCount.
func Searchset(all []Resource, fhirBase, self string, q url.Values, offset, count int, at time.Time) (*Bundle, error) {
	if count < 1 {
		count = DefaultCount
	}
	count = min(count, MaxCount)
	offset = max(offset, 0)
	total := len(all)
	b := &Bundle{Base: Base{ResourceType: "Bundle"}, Type: "searchset", Timestamp: instant(at), Total: &total}
	link := func(rel string, off int) {
		v := url.Values{}
		for k, vs := range q {
			if k != "_count" && k != "_offset" {
				v[k] = vs
			}
		}
		v.Set("_count", strconv.Itoa(count))
		v.Set("_offset", strconv.Itoa(off))
		b.Link = append(b.Link, BundleLink{Relation: rel, URL: self + "?" + v.Encode()})
	}
	link("self", offset)
	if offset+count < total {
		link("next", offset+count)
	}
	if offset > 0 {
		link("previous", max(offset-count, 0))
	}
	end := min(offset+count, total)
	for i := offset; i < end; i++ {
		raw, err := json.Marshal(all[i])
		if err != nil {
			return nil, err
		}
		b.Entry = append(b.Entry, BundleEntry{FullURL: fhirBase + "/" + all[i].Type() + "/" + all[i].LogicalID(),
			Resource: raw, Search: &BundleSearch{Mode: "match"}})
	}
	return b, nil
}

// Paging of searches: _count defaults to DefaultCount and is capped at
// MaxCount entries a page (the server's choice, as FHIR search allows).
const (
	DefaultCount = 50
	MaxCount     = 1000
)

// Everything is the Bundle of Patient/$everything
// (http://hl7.org/fhir/R4/patient-operation-everything.html): a searchset
// of every resource of the patient's compartment, and the Questionnaire
// the journal responses answer when there are any. It is not paged.
func Everything(rs []Resource, fhirBase string, at time.Time) (*Bundle, error) {
	all := rs
	for _, r := range rs {
		if r.Type() == "QuestionnaireResponse" {
			all = append(append([]Resource{}, rs...), JournalQuestionnaire())
			break
		}
	}
	total := len(all)
	b := &Bundle{Base: Base{ResourceType: "Bundle"}, Type: "searchset", Timestamp: instant(at), Total: &total}
	for _, r := range all {
		raw, err := json.Marshal(r)
		if err != nil {
			return nil, err
		}
		mode := "match"
		if r.Type() == "Questionnaire" {
			mode = "include"
		}
		b.Entry = append(b.Entry, BundleEntry{FullURL: fhirBase + "/" + r.Type() + "/" + r.LogicalID(), Resource: raw,
			Search: &BundleSearch{Mode: mode}})
	}
	return b, nil
}

// OutcomeIssue is one issue of an OperationOutcome.
type OutcomeIssue struct {
	Severity    string   `json:"severity"`
	Code        string   `json:"code"`
	Diagnostics string   `json:"diagnostics,omitempty"`
	Expression  []string `json:"expression,omitempty"`
}

// OperationOutcome is http://hl7.org/fhir/R4/operationoutcome.html: the
// body of every /fhir error.
type OperationOutcome struct {
	Base
	Issue []OutcomeIssue `json:"issue"`
}

// NewOutcome returns an error outcome with the FHIR issue type code
// (http://hl7.org/fhir/R4/valueset-issue-type.html: invalid, not-found,
// forbidden, login, conflict, throttled, exception, not-supported) and the
// message; field, when not empty, is given as the expression.
func NewOutcome(code, message, field string) *OperationOutcome {
	is := OutcomeIssue{Severity: "error", Code: code, Diagnostics: message}
	if field != "" {
		is.Expression = []string{field}
	}
	return &OperationOutcome{Base: Base{ResourceType: "OperationOutcome"}, Issue: []OutcomeIssue{is}}
}
