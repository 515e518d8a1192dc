package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/ketatrack/ketatrack/internal/pk"
	"github.com/ketatrack/ketatrack/internal/units"
)

func init() {
	register(&command{
		Name:     "models",
		Synopsis: "models [--json] | models show ID --weight W [--json]",
		Summary:  "List the ketamine/norketamine PK/PD models, or show one model's parameters and linear system.",
		Run:      runModels,
	})
}

func runModels(ctx context.Context, e *env, args []string) int {
	c := commands["models"]
	fs := newFlagSet(e, c)
	asJSON := fs.Bool("json", false, "print one JSON document on stdout")
	weight := fs.String("weight", "", "patient weight with its unit, e.g. 70kg or 154lb (show only; required there)")
	pos, err := parseFlags(e, fs, args)
	if err != nil {
		return flagStatus(err)
	}
	switch {
	case len(pos) == 0:
		if *weight != "" {
			return fail(e, "models", exitBadInput, errors.New("--weight: only for models show ID"))
		}
		return listModels(e, *asJSON)
	case pos[0] == "show" && len(pos) == 2:
		return showModel(e, pos[1], *weight, *asJSON)
	case pos[0] == "show":
		return fail(e, "models", exitBadInput, errors.New("show: give one model ID (see ketatrack models)"))
	default:
		return fail(e, "models", exitBadInput, fmt.Errorf("unknown argument %q (models, or models show ID)", pos[0]))
	}
}

// modelSummary is one entry of "models --json".
type modelSummary struct {
	ID             string        `json:"id"`
	Name           string        `json:"name"`
	Drug           string        `json:"drug"`
	Source         string        `json:"source"`
	Validated      bool          `json:"validated"`
	ValidationNote string        `json:"validation_note,omitempty"`
	PopulationIIV  bool          `json:"population_iiv"`
	Population     pk.Population `json:"population"`
	Outputs        []string      `json:"outputs"`
}

func listModels(e *env, asJSON bool) int {
	var list []modelSummary
	for _, m := range pk.Models() {
		list = append(list, modelSummary{
			ID: m.ID, Name: m.Name, Drug: m.Drug, Source: m.Source,
			Validated: m.Valid, ValidationNote: m.NotesOn, PopulationIIV: m.PopulationIIV,
			Population: m.Population, Outputs: m.OutputNames(),
		})
	}
	if asJSON {
		return writePKJSON(e, "models", map[string]any{"models": list})
	}
	tw := tabwriter.NewWriter(e.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tDRUG\tVALIDATED\tPOPULATION RUNS\tNAME")
	for _, m := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", m.ID, m.Drug, yesNo(m.Validated), yesNo(m.PopulationIIV), m.Name)
	}
	tw.Flush()
	fmt.Fprintln(e.Stdout, "\nRun \"ketatrack models show ID --weight 70kg\" for a model's parameters, sources and linear system.")
	return exitOK
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// modelDoc is "models show --json" (shared/PRODUCT.md): dx/dt =
// matrix_per_h·x + input(t), amounts in mg, time in hours; an output's
// concentration in ng/mL is 1000·x[state]/volume_L.
type modelDoc struct {
	ID             string                   `json:"id"`
	Name           string                   `json:"name"`
	Drug           string                   `json:"drug"`
	Source         string                   `json:"source"`
	ReadIn         string                   `json:"read_in"`
	Validated      bool                     `json:"validated"`
	ValidationNote string                   `json:"validation_note,omitempty"`
	WeightKg       float64                  `json:"weight_kg"`
	States         []string                 `json:"states"`
	VirtualStates  []string                 `json:"virtual_states,omitempty"`
	Matrix         [][]float64              `json:"matrix_per_h"`
	DoseState      string                   `json:"dose_state"`
	Outputs        map[string]outputDoc     `json:"outputs"`
	Effects        []effectDoc              `json:"effects,omitempty"`
	Parameters     map[string]parameterDoc  `json:"parameters"`
	Covariances    []map[string]interface{} `json:"iiv_covariances,omitempty"`
	Population     pk.Population            `json:"population"`
	PopulationIIV  bool                     `json:"population_iiv"`
	IIVNote        string                   `json:"iiv_note"`
	Notes          []string                 `json:"notes,omitempty"`
	Warnings       []string                 `json:"warnings,omitempty"`
}

type outputDoc struct {
	State   string  `json:"state"`
	VolumeL float64 `json:"volume_L"`
}

type effectDoc struct {
	Name    string  `json:"name"`
	Input   string  `json:"input"`
	Model   string  `json:"model"`
	Emax    float64 `json:"emax"`
	C50NgML float64 `json:"c50_ng_mL"`
	Hill    float64 `json:"hill"`
}

type parameterDoc struct {
	Value         float64 `json:"value"`
	Unit          string  `json:"unit"`
	Source        string  `json:"source"`
	SameAs        string  `json:"same_as,omitempty"`
	ScaleExponent float64 `json:"weight_exponent,omitempty"`
	ScaleAssumed  bool    `json:"weight_exponent_assumed,omitempty"`
	Omega2        float64 `json:"iiv_omega2,omitempty"`
	Assumed       bool    `json:"assumed,omitempty"`
}

// parseWeight reads --weight for a model and checks it; the warning (if
// any) says the weight is outside the model's population.
func parseWeight(m *pk.Model, text string) (units.BodyWeight, string, error) {
	if text == "" {
		return units.BodyWeight{}, "", errors.New("--weight: missing (e.g. --weight 70kg)")
	}
	w, err := units.ParseBodyWeight("--weight", text)
	if err != nil {
		return w, "", err
	}
	warn, err := m.CheckWeight(w.Kilograms())
	if err != nil {
		return w, "", fmt.Errorf("--weight: %w", err)
	}
	return w, warn, nil
}

func showModel(e *env, id, weightText string, asJSON bool) int {
	m, err := pk.Lookup(id)
	if err != nil {
		return fail(e, "models", exitBadInput, fmt.Errorf("show: %w", err))
	}
	w, warn, err := parseWeight(m, weightText)
	if err != nil {
		return fail(e, "models", exitBadInput, err)
	}
	kg := w.Kilograms()
	sys, err := m.System(kg, nil)
	if err != nil {
		return fail(e, "models", exitBadInput, fmt.Errorf("--weight: %w", err))
	}
	doc := modelDoc{
		ID: m.ID, Name: m.Name, Drug: m.Drug, Source: m.Source, ReadIn: m.ReadIn,
		Validated: m.Valid, ValidationNote: m.NotesOn, WeightKg: kg,
		States: sys.States, VirtualStates: m.VirtualStates, DoseState: m.DoseState,
		Outputs: map[string]outputDoc{}, Parameters: map[string]parameterDoc{},
		Population: m.Population, PopulationIIV: m.PopulationIIV, IIVNote: m.IIVNote, Notes: m.Notes,
	}
	n := sys.N()
	for i := 0; i < n; i++ {
		doc.Matrix = append(doc.Matrix, append([]float64(nil), sys.A[i*n:(i+1)*n]...))
	}
	for _, o := range sys.Outputs {
		doc.Outputs[o.Name] = outputDoc{State: sys.States[o.State], VolumeL: o.VolumeL}
	}
	for _, ef := range sys.Effects {
		doc.Effects = append(doc.Effects, effectDoc{
			Name: ef.Name, Input: sys.Outputs[ef.Input].Name,
			Model: "Emax·C^hill/(C50^hill + C^hill)", Emax: ef.Emax, C50NgML: ef.C50, Hill: ef.Hill,
		})
	}
	for _, p := range m.Parameters {
		pd := parameterDoc{Value: p.Value, Unit: p.Unit, Source: p.Source, SameAs: p.SameAs,
			ScaleExponent: p.ScaleExponent, ScaleAssumed: p.ScaleAssumed, Omega2: p.Omega2, Assumed: p.Assumed}
		if p.SameAs != "" {
			q := m.Param(p.SameAs)
			pd.Value, pd.Unit = q.Value, q.Unit
		}
		doc.Parameters[p.Name] = pd
	}
	for _, c := range m.Covariances {
		doc.Covariances = append(doc.Covariances, map[string]interface{}{"a": c.A, "b": c.B, "covariance": c.Value, "source": c.Source})
	}
	if warn != "" {
		doc.Warnings = append(doc.Warnings, warn)
		fmt.Fprintf(e.Stderr, "ketatrack models: warning: %s\n", warn)
	}
	if !m.Valid {
		doc.Warnings = append(doc.Warnings, "model not validated: "+m.NotesOn)
	}
	if asJSON {
		return writePKJSON(e, "models", doc)
	}
	printModel(e.Stdout, doc)
	return exitOK
}

func printModel(out io.Writer, d modelDoc) {
	fmt.Fprintf(out, "%s — %s\n", d.ID, d.Name)
	fmt.Fprintf(out, "Drug: %s   Weight: %g kg   Validated: %s\n", d.Drug, d.WeightKg, yesNo(d.Validated))
	if d.ValidationNote != "" {
		fmt.Fprintf(out, "Not validated because: %s\n", d.ValidationNote)
	}
	fmt.Fprintf(out, "Source: %s\nRead in: %s\nPopulation: %s\n\n", d.Source, d.ReadIn, d.Population.Description)
	fmt.Fprintf(out, "dx/dt = A·x + input (x in mg, t in h); doses enter %s.\n", d.DoseState)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "A (1/h)\t%s\t\n", strings.Join(d.States, "\t"))
	for i, row := range d.Matrix {
		cells := make([]string, len(row))
		for j, v := range row {
			cells[j] = units.FormatNumber(v, 4)
		}
		fmt.Fprintf(tw, "%s\t%s\t\n", d.States[i], strings.Join(cells, "\t"))
	}
	tw.Flush()
	fmt.Fprintln(out, "\nOutputs (ng/mL = 1000·x/volume):")
	for _, name := range slices.Sorted(maps.Keys(d.Outputs)) {
		o := d.Outputs[name]
		fmt.Fprintf(out, "  %-20s state %s, volume %s L\n", name, o.State, units.FormatNumber(o.VolumeL, 5))
	}
	for _, ef := range d.Effects {
		fmt.Fprintf(out, "  %-20s %s of %s: Emax %g, C50 %g ng/mL, hill %g\n", ef.Name, ef.Model, ef.Input, ef.Emax, ef.C50NgML, ef.Hill)
	}
	fmt.Fprintln(out, "\nParameters (as published; per 70 kg where a weight exponent is given):")
	tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	for _, name := range slices.Sorted(maps.Keys(d.Parameters)) {
		p := d.Parameters[name]
		extra := ""
		if p.ScaleExponent != 0 {
			extra += fmt.Sprintf(" ×(W/70)^%g", p.ScaleExponent)
			if p.ScaleAssumed {
				extra += " (exponent assumed)"
			}
		}
		if p.Omega2 != 0 {
			extra += fmt.Sprintf(", IIV ω² %g", p.Omega2)
		}
		if p.Assumed {
			extra += ", ASSUMED"
		}
		fmt.Fprintf(tw, "  %s\t%g %s%s\t%s\n", name, p.Value, p.Unit, extra, p.Source)
	}
	tw.Flush()
	fmt.Fprintf(out, "\nVariability: %s\n", d.IIVNote)
	for _, n := range d.Notes {
		fmt.Fprintf(out, "Note: %s\n", n)
	}
}

// writePKJSON prints v as one indented JSON document.
func writePKJSON(e *env, name string, v any) int {
	enc := json.NewEncoder(e.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fail(e, name, exitFailure, err)
	}
	return exitOK
}
