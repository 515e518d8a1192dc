package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/ketatrack/ketatrack/internal/evidence"
	"github.com/ketatrack/ketatrack/internal/protocol"
)

func init() {
	register(&command{
		Name:     "evidence",
		Synopsis: "evidence [show ID] [--protocols-dir DIR] [--json]",
		Summary:  "List the evidence library (the review's 14 studies of Table 1 and the seed case documents) with the protocols that cite each entry, or show one entry.",
		Run:      runEvidence,
	})
}

// evidenceItem is an entry with the protocols that link to it.
type evidenceItem struct {
	*evidence.Entry
	Protocols []string `json:"protocols"`
}

func runEvidence(ctx context.Context, e *env, args []string) int {
	c := commands["evidence"]
	fs := newFlagSet(e, c)
	asJSON := fs.Bool("json", false, "print one JSON document on stdout")
	dir := fs.String("protocols-dir", "", "a directory of the clinic's own protocol files, so that their links are shown too")
	pos, err := parseFlags(e, fs, args)
	if err != nil {
		return flagStatus(err)
	}
	lib, err := loadProtocols(ctx, *dir)
	if err != nil {
		return fail(e, "evidence", exitBadInput, err)
	}
	items := evidenceItems(lib)
	switch {
	case len(pos) == 0:
		if *asJSON {
			return writeJSON(e, "evidence", map[string]any{"entries": items, "references": lib.Evidence().References})
		}
		printEvidenceList(e.Stdout, items)
		return exitOK
	case pos[0] == "show" && len(pos) == 2:
		for _, it := range items {
			if it.ID == pos[1] {
				if *asJSON {
					return writeJSON(e, "evidence", it)
				}
				printEvidenceEntry(e.Stdout, it)
				return exitOK
			}
		}
		return fail(e, "evidence", exitBadInput, fmt.Errorf("ID: unknown evidence entry %q (ketatrack evidence lists them)", pos[1]))
	case pos[0] == "show":
		return fail(e, "evidence", exitBadInput, errors.New("ID: give one entry ID, e.g. evidence show schwartzman-2009"))
	}
	return fail(e, "evidence", exitBadInput, fmt.Errorf("unexpected argument %q (evidence [show ID])", pos[0]))
}

// evidenceItems returns every entry with the protocols linked to it.
func evidenceItems(lib *protocol.Library) []evidenceItem {
	links := map[string][]string{}
	for _, p := range lib.Protocols() {
		for _, id := range p.Evidence {
			links[id] = append(links[id], p.ID)
		}
	}
	var items []evidenceItem
	for _, en := range lib.Evidence().Entries() {
		ps := links[en.ID]
		if ps == nil {
			ps = []string{}
		}
		items = append(items, evidenceItem{Entry: en, Protocols: ps})
	}
	return items
}

func printEvidenceList(w io.Writer, items []evidenceItem) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTUDY\tDESIGN\tN\tDOSE\tSCHEDULE\tFOLLOW-UP\tPROTOCOLS")
	kind := evidence.Kind("")
	for _, it := range items {
		if it.Kind != kind {
			kind = it.Kind
			label := "Studies of the systematic review (001, Table 1)"
			if kind == evidence.Case {
				label = "Case documents"
			}
			fmt.Fprintf(tw, "%s\t\t\t\t\t\t\t\n", "# "+label)
		}
		n := "-"
		if it.N > 0 {
			n = fmt.Sprint(it.N)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", it.ID, it.Label(), it.Design, n, it.Dose, it.Intervention, it.FollowUp, joinOrDash(it.Protocols))
	}
	tw.Flush()
}

func joinOrDash(xs []string) string {
	if len(xs) == 0 {
		return "-"
	}
	out := xs[0]
	for _, x := range xs[1:] {
		out += ", " + x
	}
	return out
}

func printEvidenceEntry(w io.Writer, it evidenceItem) {
	fmt.Fprintf(w, "%s — %s\n%s\n\n", it.ID, it.Label(), it.Citation)
	rows := [][2]string{
		{"design", it.Design}, {"patients", fmt.Sprint(it.N)}, {"population", it.Population}, {"age (years)", it.Age},
		{"follow-up", it.FollowUp}, {"intervention", it.Intervention}, {"dose", it.Dose}, {"measures", it.Measures},
		{"outcome", it.Outcome}, {"conclusion", it.Conclusion}, {"read in", it.Seed + ", " + it.Source},
		{"protocols", joinOrDash(it.Protocols)},
	}
	for _, r := range rows {
		if r[1] != "" && r[1] != "0" {
			fmt.Fprintf(w, "%-13s %s\n", r[0]+":", r[1])
		}
	}
	for _, n := range it.Notes {
		fmt.Fprintf(w, "note:         %s\n", n)
	}
}
