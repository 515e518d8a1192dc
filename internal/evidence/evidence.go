// Package evidence is ketatrack's evidence library: the 14 studies of the
// systematic review's Table 1 (Chitneni et al., Cureus 2021, seed
// 001_db080c63fd53018a.txt) and the other seed documents (the Dworkin case
// report 000, the Innerbloom clinic article 002, Goldberg's 2005 case series
// 003 and the Rasmussen abstract 004), as data embedded in the binary.
//
// Entries are transcribed as printed, including the source's own errors;
// where a table disagrees with its text or reference list, an entry's Notes
// say so. Protocols (package protocol) link to entries by ID.
package evidence

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// Kind says what sort of document an entry is.
type Kind string

// The kinds of entry.
const (
	// Study is one of the review's 14 included studies.
	Study Kind = "study"
	// Case is a case report, case series, clinic article or abstract.
	Case Kind = "case"
)

// Reference is a document an entry was read from.
type Reference struct {
	// Seed is the file name in shared/reference/seeds, e.g.
	// "001_db080c63fd53018a.txt".
	Seed string `yaml:"seed" json:"seed,omitempty"`
	// Citation is the publication as the seed gives it.
	Citation string `yaml:"citation" json:"citation"`
}

// Entry is one study or case in the evidence library.
type Entry struct {
	// ID is the entry's identifier; protocols link to it, e.g. "schwartzman-2009".
	ID   string `yaml:"id" json:"id"`
	Kind Kind   `yaml:"kind" json:"kind"`
	// Authors as printed, e.g. "Schwartzman et al.".
	Authors string `yaml:"authors" json:"authors"`
	// Year as printed in the table; 0 when the document gives none.
	Year int `yaml:"year" json:"year,omitempty"`
	// Citation is the full reference (from 001's reference list for studies).
	Citation string `yaml:"citation" json:"citation"`
	// Design, e.g. "Randomized control trial".
	Design string `yaml:"design" json:"design"`
	// N is the number of patients; 0 when not applicable.
	N int `yaml:"n" json:"n,omitempty"`
	// Population qualifies N, e.g. "females".
	Population string `yaml:"population" json:"population,omitempty"`
	// Age as printed: "mean (range)" or "mean ± SD", in years.
	Age string `yaml:"age" json:"age,omitempty"`
	// FollowUp is the follow-up period as printed.
	FollowUp string `yaml:"follow_up" json:"follow_up,omitempty"`
	// Intervention is the schedule as printed.
	Intervention string `yaml:"intervention" json:"intervention"`
	// Dose is the ketamine dose as printed.
	Dose string `yaml:"dose" json:"dose"`
	// Measures are the outcomes measured.
	Measures string `yaml:"measures" json:"measures"`
	// Outcome summarises results for entries outside Table 1.
	Outcome string `yaml:"outcome" json:"outcome,omitempty"`
	// Conclusion as printed.
	Conclusion string `yaml:"conclusion" json:"conclusion"`
	// Seed is the seed file the entry was read from.
	Seed string `yaml:"seed" json:"seed"`
	// Source locates the entry in the seed: table, row, section.
	Source string `yaml:"source" json:"source"`
	// Notes record discrepancies in the source.
	Notes []string `yaml:"notes" json:"notes,omitempty"`
}

// Label is a short name for lists: "Schwartzman et al. 2009".
func (e *Entry) Label() string {
	if e.Year == 0 {
		return e.Authors + " (n.d.)"
	}
	return fmt.Sprintf("%s %d", e.Authors, e.Year)
}

// Library is the set of evidence entries, in file order.
type Library struct {
	// References are the documents entries were read from, by key ("001").
	References map[string]Reference `json:"references"`
	entries    []*Entry
	byID       map[string]*Entry
}

// Entries returns every entry in the order of the data file.
func (l *Library) Entries() []*Entry { return append([]*Entry(nil), l.entries...) }

// Lookup returns the entry with id.
func (l *Library) Lookup(id string) (*Entry, bool) {
	e, ok := l.byID[id]
	return e, ok
}

// Studies returns the entries of kind Study (the review's Table 1).
func (l *Library) Studies() []*Entry {
	var out []*Entry
	for _, e := range l.entries {
		if e.Kind == Study {
			out = append(out, e)
		}
	}
	return out
}

//go:embed data/evidence.yaml
var builtinData []byte

var (
	builtinOnce sync.Once
	builtinLib  *Library
	builtinErr  error
)

// Builtin returns the embedded evidence library, parsed and validated once.
func Builtin() (*Library, error) {
	builtinOnce.Do(func() {
		builtinLib, builtinErr = Parse("evidence.yaml", builtinData)
	})
	return builtinLib, builtinErr
}

var (
	idPattern   = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	seedPattern = regexp.MustCompile(`^[0-9]{3}_[0-9a-f]{16}\.txt$`)
)

// Parse reads and validates an evidence file. Errors name the file, the
// entry and the field.
func Parse(name string, data []byte) (*Library, error) {
	var doc struct {
		References map[string]Reference `yaml:"references"`
		Entries    []*Entry             `yaml:"entries"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	l := &Library{References: doc.References, byID: map[string]*Entry{}}
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s: %s", name, field, fmt.Sprintf(format, args...)))
	}
	seeds := map[string]bool{}
	keys := make([]string, 0, len(doc.References))
	for k := range doc.References {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		r := doc.References[k]
		if strings.TrimSpace(r.Citation) == "" {
			bad("references."+k+".citation", "missing")
		}
		if r.Seed != "" {
			if !seedPattern.MatchString(r.Seed) {
				bad("references."+k+".seed", "%q is not a seed file name like 001_db080c63fd53018a.txt", r.Seed)
			}
			seeds[r.Seed] = true
		}
	}
	if len(doc.Entries) == 0 {
		bad("entries", "no entries")
	}
	for i, e := range doc.Entries {
		if e == nil {
			bad(fmt.Sprintf("entries[%d]", i), "empty entry")
			continue
		}
		at := fmt.Sprintf("entries[%d]", i)
		if e.ID != "" {
			at = fmt.Sprintf("entries[%d] (%s)", i, e.ID)
		}
		switch {
		case !idPattern.MatchString(e.ID):
			bad(at+".id", "%q is not a lower-case id like schwartzman-2009", e.ID)
		case l.byID[e.ID] != nil:
			bad(at+".id", "duplicate id %q", e.ID)
		}
		if e.Kind != Study && e.Kind != Case {
			bad(at+".kind", "%q is neither %q nor %q", e.Kind, Study, Case)
		}
		for _, f := range []struct{ name, v string }{
			{"authors", e.Authors}, {"citation", e.Citation}, {"design", e.Design},
			{"intervention", e.Intervention}, {"dose", e.Dose}, {"measures", e.Measures},
			{"conclusion", e.Conclusion}, {"source", e.Source},
		} {
			if strings.TrimSpace(f.v) == "" {
				bad(at+"."+f.name, "missing")
			}
		}
		if e.Kind == Study && (e.N <= 0 || e.Year <= 0 || e.Age == "" || e.FollowUp == "") {
			bad(at, "a study needs n, year, age and follow_up as printed in Table 1")
		}
		if e.Year < 0 || e.N < 0 {
			bad(at, "year and n cannot be negative")
		}
		if !seeds[e.Seed] {
			bad(at+".seed", "%q is not one of the file's references", e.Seed)
		}
		if l.byID[e.ID] == nil {
			l.byID[e.ID] = e
		}
		l.entries = append(l.entries, e)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return l, nil
}
