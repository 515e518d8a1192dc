package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/ketatrack/ketatrack/internal/evidence"
	"github.com/ketatrack/ketatrack/internal/protocol"
)

func init() {
	register(&command{
		Name:     "protocols",
		Synopsis: "protocols [show ID] [--protocols-dir DIR] [--json]",
		Summary:  "List the cited protocol library, or show one protocol with its sources, doses, schedule, premedication, monitoring and the details its source leaves unspecified.",
		Run:      runProtocols,
	})
}

func runProtocols(ctx context.Context, e *env, args []string) int {
	c := commands["protocols"]
	fs := newFlagSet(e, c)
	asJSON := fs.Bool("json", false, "print one JSON document on stdout")
	dir := fs.String("protocols-dir", "", "a directory of the clinic's own protocol files (*.yaml), validated and added to the built-in ones")
	pos, err := parseFlags(e, fs, args)
	if err != nil {
		return flagStatus(err)
	}
	lib, err := loadProtocols(ctx, *dir)
	if err != nil {
		return fail(e, "protocols", exitBadInput, err)
	}
	switch {
	case len(pos) == 0:
		return listProtocols(e, lib, *asJSON)
	case pos[0] == "show" && len(pos) == 2:
		p, ok := lib.Lookup(pos[1])
		if !ok {
			return fail(e, "protocols", exitBadInput, fmt.Errorf("ID: unknown protocol %q (ketatrack protocols lists them)", pos[1]))
		}
		return showProtocol(e, lib, p, *asJSON)
	case pos[0] == "show":
		return fail(e, "protocols", exitBadInput, errors.New("ID: give one protocol ID, e.g. protocols show goldberg-2005"))
	}
	return fail(e, "protocols", exitBadInput, fmt.Errorf("unexpected argument %q (protocols [show ID])", pos[0]))
}

// loadProtocols returns the built-in library, with a clinic's directory
// added when dir is not empty.
func loadProtocols(ctx context.Context, dir string) (*protocol.Library, error) {
	lib, err := protocol.Builtin()
	if err != nil {
		return nil, fmt.Errorf("built-in protocols: %w", err)
	}
	if dir == "" {
		return lib, nil
	}
	lib, err = lib.AddDir(ctx, dir)
	if err != nil {
		return nil, fmt.Errorf("--protocols-dir: %w", err)
	}
	return lib, nil
}

// protocolSummary is one protocol in the list.
type protocolSummary struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Drug        string   `json:"drug"`
	CareArea    string   `json:"care_area"`
	Dose        string   `json:"dose"`
	Schedule    string   `json:"schedule"`
	Unspecified []string `json:"unspecified"`
	Evidence    []string `json:"evidence"`
	Builtin     bool     `json:"builtin"`
	File        string   `json:"file"`
}

func summarize(p *protocol.Protocol) protocolSummary {
	s := protocolSummary{ID: p.ID, Title: p.Title, Drug: p.Drug.String(), CareArea: p.CareArea.String(),
		Evidence: p.Evidence, Builtin: p.Builtin, File: p.File, Unspecified: []string{}}
	var doses, scheds []string
	for _, r := range p.Regimens {
		prefix := ""
		if len(p.Regimens) > 1 {
			prefix = r.Name + ": "
		}
		scheds = append(scheds, prefix+scheduleText(r))
		for _, d := range r.Doses {
			doses = append(doses, prefix+doseText(d))
		}
	}
	s.Dose = strings.Join(uniq(doses), "; ")
	s.Schedule = strings.Join(scheds, "; ")
	for _, u := range p.Unspecified {
		s.Unspecified = append(s.Unspecified, u.Key)
	}
	return s
}

func uniq(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// scheduleText describes a regimen's schedule in a few words.
func scheduleText(r protocol.Regimen) string {
	if r.Kind == protocol.KindContinuous {
		return "continuous " + r.Length.String()
	}
	cal := r.Calendar.String()
	if r.Calendar.Value == protocol.Interval {
		cal = "every " + r.Interval.String()
	}
	return fmt.Sprintf("%s session(s) of %s, %s", r.Sessions, r.SessionLength, cal)
}

// doseText describes a dose and its titration in a few words.
func doseText(d protocol.DoseSpec) string {
	s := d.Kind + " " + d.Dose.String()
	if v := d.Dose.Value; d.Kind == protocol.DoseInfusion && (strings.HasSuffix(v, "mg") || strings.HasSuffix(v, "mg/kg")) {
		s += " over the session"
	}
	if d.Kind == protocol.DosePulses {
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

func listProtocols(e *env, lib *protocol.Library, asJSON bool) int {
	var list []protocolSummary
	for _, p := range lib.Protocols() {
		list = append(list, summarize(p))
	}
	if asJSON {
		return writeJSON(e, "protocols", map[string]any{"protocols": list})
	}
	// One aligned line per protocol, then its dose and schedule on lines of
	// their own: these are long (titrations, arms) and would make a table
	// far wider than a terminal.
	tw := tabwriter.NewWriter(e.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tDRUG\tCARE AREA\tUNSPECIFIED\tTITLE")
	for _, s := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", s.ID, s.Drug, s.CareArea, len(s.Unspecified), s.Title)
	}
	tw.Flush()
	for _, s := range list {
		fmt.Fprintf(e.Stdout, "\n%s\n  dose:     %s\n  schedule: %s\n", s.ID, s.Dose, s.Schedule)
	}
	fmt.Fprintln(e.Stdout, "\n\"unspecified (KEY)\": the source does not say; plan asks for --set KEY=VALUE. \"ketatrack protocols show ID\" gives sources and choices.")
	return exitOK
}

// writeJSON prints v as one indented JSON document.
func writeJSON(e *env, name string, v any) int {
	enc := json.NewEncoder(e.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fail(e, name, exitFailure, err)
	}
	return exitOK
}

func showProtocol(e *env, lib *protocol.Library, p *protocol.Protocol, asJSON bool) int {
	var linked []*evidence.Entry
	for _, id := range p.Evidence {
		if en, ok := lib.Evidence().Lookup(id); ok {
			linked = append(linked, en)
		}
	}
	if asJSON {
		return writeJSON(e, "protocols", struct {
			*protocol.Protocol
			EvidenceEntries []*evidence.Entry `json:"evidence_entries"`
		}{p, linked})
	}
	printProtocol(e.Stdout, p, linked)
	return exitOK
}

// field prints a field with its source, or the unspecified key.
func field(f protocol.Field) string {
	switch {
	case f.IsZero():
		return "-"
	case f.Unspecified != "":
		return "UNSPECIFIED (--set " + f.Unspecified + "=...)"
	}
	return f.Value + "   [" + f.Source + "]"
}

func printProtocol(w io.Writer, p *protocol.Protocol, linked []*evidence.Entry) {
	fmt.Fprintf(w, "%s — %s\n\n%s\n\n", p.ID, p.Title, strings.TrimSpace(p.Summary))
	fmt.Fprintf(w, "Drug:       %s\n", field(p.Drug))
	fmt.Fprintf(w, "Care area:  %s\n", field(p.CareArea))
	if p.Setting != "" {
		fmt.Fprintf(w, "Setting:    %s\n", p.Setting)
	}
	if p.Population != "" {
		fmt.Fprintf(w, "Population: %s\n", p.Population)
	}
	for _, r := range p.Regimens {
		fmt.Fprintf(w, "\nRegimen %s (%s)", r.Name, r.Kind)
		if r.Description != "" {
			fmt.Fprintf(w, ": %s", r.Description)
		}
		fmt.Fprintln(w)
		rows := [][2]string{}
		add := func(name string, f protocol.Field) {
			if !f.IsZero() {
				rows = append(rows, [2]string{name, field(f)})
			}
		}
		add("care area", r.CareArea)
		add("sessions", r.Sessions)
		add("calendar", r.Calendar)
		add("interval", r.Interval)
		add("session length", r.SessionLength)
		add("length", r.Length)
		for _, row := range rows {
			fmt.Fprintf(w, "  %-15s %s\n", row[0]+":", row[1])
		}
		for _, d := range r.Doses {
			fmt.Fprintf(w, "  %s (%s)\n", d.Name, d.Kind)
			for _, x := range []struct {
				name string
				f    protocol.Field
			}{{"dose", d.Dose}, {"duration", d.Duration}, {"offset", d.Offset}, {"count", d.Count}, {"every", d.Every},
				{"max rate", d.MaxRate}, {"diluent", d.DiluentVolume}, {"source's range", d.Range}} {
				if !x.f.IsZero() {
					fmt.Fprintf(w, "    %-15s %s\n", x.name+":", field(x.f))
				}
			}
			if t := d.Titration; t != nil {
				fmt.Fprintf(w, "    titration across %s: %s\n", t.Across, t.Rule)
				for _, x := range []struct {
					name string
					f    protocol.Field
				}{{"interval", t.Interval}, {"to", t.To}, {"reached at", t.Reach}, {"step", t.Step}} {
					if !x.f.IsZero() {
						fmt.Fprintf(w, "      %-13s %s\n", x.name+":", field(x.f))
					}
				}
			}
		}
	}
	fmt.Fprintln(w, "\nPremedication and co-medication:")
	if len(p.Premedication) == 0 {
		fmt.Fprintf(w, "  none stated. %s\n", p.PremedicationNote)
	}
	for _, m := range p.Premedication {
		fmt.Fprintf(w, "  %s (%s), %s\n    dose:  %s\n    route: %s\n    [%s]\n", m.Drug, m.Role, m.When, field(m.Dose), field(m.Route), m.Source)
	}
	fmt.Fprintln(w, "\nMonitoring:")
	if len(p.Monitoring) == 0 && p.MonitoringNote == "" {
		fmt.Fprintln(w, "  none stated")
	}
	for _, m := range p.Monitoring {
		fmt.Fprintf(w, "  %s: %s\n", m.What, field(m.Every))
	}
	if p.MonitoringNote != "" {
		fmt.Fprintf(w, "  note: %s\n", p.MonitoringNote)
	}
	if len(p.Rules) > 0 {
		fmt.Fprintln(w, "\nAlert and warning rules:")
		for _, r := range p.Rules {
			fmt.Fprintf(w, "  %s: %s %s %s -> %s   [%s]\n", r.Text, r.Measure, r.Op, r.Threshold.Value, r.Action, r.Threshold.Source)
		}
	}
	for _, x := range []struct {
		title string
		notes []protocol.Note
	}{{"Warnings", p.Warnings}, {"Notes", p.Notes}} {
		if len(x.notes) > 0 {
			fmt.Fprintf(w, "\n%s:\n", x.title)
			for _, n := range x.notes {
				fmt.Fprintf(w, "  %s   [%s]\n", n.Text, n.Source)
			}
		}
	}
	fmt.Fprintln(w, "\nUnspecified by the source (plan needs --set KEY=VALUE):")
	if len(p.Unspecified) == 0 {
		fmt.Fprintln(w, "  none")
	}
	for _, u := range p.Unspecified {
		fmt.Fprintf(w, "  %s (%s): %s\n", u.Key, u.Kind, u.Question)
		for _, c := range u.Choices {
			v := c.Value
			if v == "" {
				v = "(guidance)"
			}
			fmt.Fprintf(w, "    %s — %s   [%s]\n", v, c.Label, c.Source)
		}
	}
	fmt.Fprintln(w, "\nReferences:")
	keys := make([]string, 0, len(p.References))
	for k := range p.References {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		r := p.References[k]
		fmt.Fprintf(w, "  %s: %s", k, r.Citation)
		if r.Seed != "" {
			fmt.Fprintf(w, " [seed %s]", r.Seed)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "\nEvidence (ketatrack evidence show ID):")
	for _, en := range linked {
		fmt.Fprintf(w, "  %s: %s, %s, n = %d\n", en.ID, en.Label(), en.Design, en.N)
	}
	fmt.Fprintf(w, "\nFile: %s\n", p.File)
}
