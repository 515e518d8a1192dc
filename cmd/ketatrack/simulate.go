package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ketatrack/ketatrack/internal/pk"
	"github.com/ketatrack/ketatrack/internal/pk/plot"
	"github.com/ketatrack/ketatrack/internal/protocol"
	"github.com/ketatrack/ketatrack/internal/units"
)

func init() {
	register(&command{
		Name:     "simulate",
		Synopsis: "simulate --model ID --weight W (--regimen FILE | --protocol ID [--set KEY=VALUE ...]) [--step 5min] [--until 240h] [--population N --seed S] [--threshold C] [--json | --csv] [--svg FILE]",
		Summary:  "Simulate plasma ketamine and norketamine (and effects) for a regimen, exactly, for one patient or a virtual population.",
		Run:      runSimulate,
	})
}

// simulation is everything the outputs need.
type simulation struct {
	model     *pk.Model
	weightKg  float64
	regimen   string // how the doses were given, for titles
	threshold float64
	single    *pk.Result
	pop       *pk.PopulationResult
	n         int
	seed      uint64
	warnings  []string
}

func runSimulate(ctx context.Context, e *env, args []string) int {
	c := commands["simulate"]
	fs := newFlagSet(e, c)
	modelID := fs.String("model", "", "model ID (see ketatrack models); required")
	weight := fs.String("weight", "", "patient weight with its unit, e.g. 70kg or 154lb; required")
	regimenFile := fs.String("regimen", "", "regimen file (JSON or YAML, see shared/PRODUCT.md), or - for standard input")
	protocolID := fs.String("protocol", "", "protocol ID from the protocol library, instead of --regimen")
	var sets multiFlag
	fs.Var(&sets, "set", "KEY=VALUE for a detail the protocol leaves to the clinician (repeatable; with --protocol)")
	step := fs.String("step", "5min", "output grid step, with its unit")
	until := fs.String("until", "240h", "simulate from 0 to this time, with its unit")
	population := fs.Int("population", 0, "simulate N virtual patients and report the 5th, 50th and 95th percentiles")
	seed := fs.Uint64("seed", 1, "random seed of the virtual population (same seed, same patients)")
	threshold := fs.String("threshold", "", "concentration for the time-above summary, with its unit, e.g. 100ng/mL")
	asJSON := fs.Bool("json", false, "print one JSON document on stdout")
	asCSV := fs.Bool("csv", false, "print CSV on stdout: time_h then one column per output")
	svgFile := fs.String("svg", "", "also draw the concentration–time curves to this SVG file")
	if _, err := parseFlags(e, fs, args); err != nil {
		return flagStatus(err)
	}
	bad := func(err error) int { return fail(e, "simulate", exitBadInput, err) }
	if *asJSON && *asCSV {
		return bad(errors.New("--json and --csv: choose one"))
	}
	if *modelID == "" {
		return bad(errors.New("--model: missing (see ketatrack models)"))
	}
	m, err := pk.Lookup(*modelID)
	if err != nil {
		return bad(fmt.Errorf("--model: %w", err))
	}
	w, warn, err := parseWeight(m, *weight)
	if err != nil {
		return bad(err)
	}
	sim := &simulation{model: m, weightKg: w.Kilograms(), n: *population, seed: *seed}
	if warn != "" {
		sim.warnings = append(sim.warnings, warn)
	}
	if !m.Valid {
		sim.warnings = append(sim.warnings, "model "+m.ID+" is not validated: "+m.NotesOn)
	}
	grid, err := parseGrid(*step, *until)
	if err != nil {
		return bad(err)
	}
	if *threshold != "" {
		c, err := units.ParseConcentration("--threshold", *threshold)
		if err != nil {
			return bad(err)
		}
		sim.threshold = c.NanogramsPerMilliliter()
	}
	if *population < 0 || *population > pk.MaxPopulation {
		return bad(fmt.Errorf("--population: %d must be between 1 and %d", *population, pk.MaxPopulation))
	}
	if *population == 0 && simFlagGiven(fs, "seed") {
		return bad(errors.New("--seed: only with --population N"))
	}

	var doses []pk.Dose
	switch {
	case *regimenFile != "" && *protocolID != "":
		return bad(errors.New("--regimen and --protocol: choose one"))
	case *protocolID != "":
		var err error
		doses, err = sim.protocolDoses(ctx, *protocolID, *weight, sets)
		if err != nil {
			var missing *protocol.MissingError
			var input *protocol.InputError
			if errors.As(err, &missing) || errors.As(err, &input) || errors.Is(err, errSimInput) {
				return bad(err)
			}
			return fail(e, "simulate", exitFailure, err)
		}
	case *regimenFile != "":
		reg, err := readRegimen(e, *regimenFile)
		if err != nil {
			return bad(fmt.Errorf("--regimen %s: %w", *regimenFile, err))
		}
		if reg.Drug != m.Drug {
			return bad(fmt.Errorf("--regimen %s: drug: %s does not match model %s (%s); choose a %s model (ketatrack models)", *regimenFile, reg.Drug, m.ID, m.Drug, reg.Drug))
		}
		if doses, err = reg.Resolve(w); err != nil {
			return bad(fmt.Errorf("--regimen %s: %w", *regimenFile, err))
		}
		sim.regimen = describeRegimen(reg)
	default:
		return bad(errors.New("--regimen or --protocol: one is required"))
	}
	if len(sets) > 0 && *protocolID == "" {
		return bad(errors.New("--set: only with --protocol"))
	}
	last := time.Duration(0)
	for _, d := range doses {
		last = max(last, d.Start+d.Duration)
	}
	if last > grid.Until {
		sim.warnings = append(sim.warnings, fmt.Sprintf("the regimen runs to %g h, past --until %g h: later doses are not simulated", last.Hours(), grid.Until.Hours()))
	}

	if *population > 0 {
		spec := pk.PopulationSpec{Model: m, WeightKg: sim.weightKg, Doses: doses, Grid: grid, N: *population, Seed: *seed}
		if e.StderrIsTerminal {
			spec.Progress = progressBar(e.Stderr)
		}
		sim.pop, err = pk.SimulatePopulation(ctx, spec)
		if e.StderrIsTerminal {
			fmt.Fprintln(e.Stderr)
		}
		if err != nil {
			if ctx.Err() != nil {
				return fail(e, "simulate", exitFailure, err)
			}
			return bad(fmt.Errorf("--population: %w", err))
		}
		sim.warnings = append(sim.warnings, "population variability: "+m.IIVNote)
	} else {
		sys, err := m.System(sim.weightKg, nil)
		if err != nil {
			return bad(fmt.Errorf("--weight: %w", err))
		}
		if sim.single, err = pk.Simulate(sys, doses, grid, sim.threshold); err != nil {
			return bad(err)
		}
	}
	for _, wmsg := range sim.warnings {
		fmt.Fprintf(e.Stderr, "ketatrack simulate: warning: %s\n", wmsg)
	}
	if *svgFile != "" {
		if err := writeSVG(*svgFile, sim); err != nil {
			return fail(e, "simulate", exitFailure, fmt.Errorf("--svg: %w", err))
		}
	}
	var werr error
	switch {
	case *asJSON:
		return writePKJSON(e, "simulate", sim.document())
	case *asCSV:
		werr = sim.writeCSV(e.Stdout)
	default:
		werr = sim.writeText(e.Stdout, grid)
	}
	if werr != nil {
		return fail(e, "simulate", exitFailure, werr)
	}
	return exitOK
}

// errSimInput marks a bad --protocol or --set (exit 2).
var errSimInput = errors.New("bad input")

// protocolDoses expands a protocol of the library for the patient (package
// protocol, as "ketatrack plan" does) and returns its doses.
func (s *simulation) protocolDoses(ctx context.Context, id, weight string, sets []string) ([]pk.Dose, error) {
	lib, err := loadProtocols(ctx, "")
	if err != nil {
		return nil, err
	}
	p, req, err := planRequest(lib, id, weight, "", "", "", sets, "")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errSimInput, err)
	}
	plan, err := protocol.Expand(p, req)
	if err != nil {
		return nil, err
	}
	if plan.Drug != s.model.Drug {
		return nil, fmt.Errorf("%w: --protocol %s: drug: %s does not match model %s (%s); choose a %s model (ketatrack models)", errSimInput, id, plan.Drug, s.model.ID, s.model.Drug, plan.Drug)
	}
	switch plan.Status {
	case protocol.StatusHardLimit:
		s.warnings = append(s.warnings, "the plan has a step over a hard limit of the drug library (ketatrack plan refuses it); simulated as a what-if only")
	case protocol.StatusSoftLimit:
		s.warnings = append(s.warnings, "the plan has a step over a soft limit of the drug library (ketatrack plan needs --acknowledge)")
	}
	var doses []pk.Dose
	for _, d := range plan.Doses() {
		doses = append(doses, pk.Dose{Start: d.Start.Time(), Duration: d.Duration.Time(), RateMgH: d.Rate.MilligramsPerHour(), BolusMg: d.Bolus.Milligrams()})
	}
	if len(doses) == 0 {
		return nil, fmt.Errorf("%w: --protocol %s: the plan has no doses", errSimInput, id)
	}
	desc := fmt.Sprintf("protocol %s (%d doses, %s mg over the course)", id, len(doses), units.FormatNumber(plan.CourseMg, 4))
	if len(sets) > 0 {
		desc += ", " + strings.Join(sets, ", ")
	}
	s.regimen = plan.Drug + ": " + desc
	return doses, nil
}

// simFlagGiven reports whether the flag was set on the command line.
func simFlagGiven(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			found = true
		}
	})
	return found
}

func readRegimen(e *env, name string) (*pk.Regimen, error) {
	if name == "-" {
		return pk.ParseRegimen(e.Stdin)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return pk.ParseRegimen(f)
}

// parseGrid reads --step and --until.
func parseGrid(step, until string) (pk.Grid, error) {
	s, err := units.ParseDuration("--step", step)
	if err != nil {
		return pk.Grid{}, err
	}
	u, err := units.ParseDuration("--until", until)
	if err != nil {
		return pk.Grid{}, err
	}
	if s.IsZero() {
		return pk.Grid{}, errors.New("--step: must be positive")
	}
	if u.IsZero() {
		return pk.Grid{}, errors.New("--until: must be positive")
	}
	if u.Hours() > pk.MaxHorizon {
		return pk.Grid{}, fmt.Errorf("--until: %s is longer than %d h", u, pk.MaxHorizon)
	}
	g := pk.Grid{Step: s.Time(), Until: u.Time()}
	if err := g.Validate(); err != nil {
		return g, fmt.Errorf("--step: %w", err)
	}
	return g, nil
}

func describeRegimen(r *pk.Regimen) string {
	var parts []string
	for i, d := range r.Doses {
		if i == 4 {
			parts = append(parts, fmt.Sprintf("… (%d doses)", len(r.Doses)))
			break
		}
		if d.Bolus != nil {
			parts = append(parts, fmt.Sprintf("%s bolus at %s", d.Bolus, d.Start))
		} else {
			parts = append(parts, fmt.Sprintf("%s for %s at %s", d.Rate, d.Duration, d.Start))
		}
	}
	return r.Drug + ": " + strings.Join(parts, "; ")
}

// progressBar draws a one-line bar on a terminal.
func progressBar(w io.Writer) func(done, total int) {
	return func(done, total int) {
		const width = 40
		fill := done * width / total
		fmt.Fprintf(w, "\r[%s%s] %3d%%", strings.Repeat("#", fill), strings.Repeat("-", width-fill), done*100/total)
	}
}

// columns are the CSV/JSON output names in contract order: time, ketamine,
// norketamine (always, empty when the model has none), then the rest.
func (s *simulation) columns() []string {
	cols := []string{"ketamine_ng_mL", "norketamine_ng_mL"}
	for _, n := range s.model.OutputNames() {
		if n != "ketamine_ng_mL" && n != "norketamine_ng_mL" {
			cols = append(cols, n)
		}
	}
	return cols
}

func (s *simulation) names() []string {
	if s.pop != nil {
		return s.pop.Names
	}
	return s.single.Names
}

func (s *simulation) times() []float64 {
	if s.pop != nil {
		return s.pop.TimesH
	}
	return s.single.TimesH
}

func (s *simulation) index(name string) int {
	for i, n := range s.names() {
		if n == name {
			return i
		}
	}
	return -1
}

// fmtNum prints 9 significant digits: more than any model parameter
// carries, and stable across platforms for golden files.
func fmtNum(v float64) string {
	return strconv.FormatFloat(v, 'g', 9, 64)
}

func round9(v float64) float64 {
	r, _ := strconv.ParseFloat(fmtNum(v), 64)
	return r
}

func round9s(vs []float64) []float64 {
	out := make([]float64, len(vs))
	for i, v := range vs {
		out[i] = round9(v)
	}
	return out
}

func (s *simulation) writeCSV(w io.Writer) error {
	bw := bufio.NewWriter(w)
	cols := s.columns()
	header := []string{"time_h"}
	for _, c := range cols {
		if s.pop != nil {
			header = append(header, c+"_p5", c+"_p50", c+"_p95")
		} else {
			header = append(header, c)
		}
	}
	fmt.Fprintln(bw, strings.Join(header, ","))
	idx := make([]int, len(cols))
	for i, c := range cols {
		idx[i] = s.index(c)
	}
	for t, th := range s.times() {
		row := []string{fmtNum(th)}
		for _, k := range idx {
			switch {
			case k < 0 && s.pop != nil:
				row = append(row, "", "", "")
			case k < 0:
				row = append(row, "")
			case s.pop != nil:
				b := s.pop.Bands[k]
				row = append(row, fmtNum(b.P5[t]), fmtNum(b.P50[t]), fmtNum(b.P95[t]))
			default:
				row = append(row, fmtNum(s.single.Values[k][t]))
			}
		}
		fmt.Fprintln(bw, strings.Join(row, ","))
	}
	return bw.Flush()
}

// summaryDoc is one output's summary in the JSON document.
type summaryDoc struct {
	Cmax   float64  `json:"cmax"`
	TmaxH  float64  `json:"tmax_h"`
	AUC    *float64 `json:"auc_h_ng_mL,omitempty"`
	AboveH *float64 `json:"time_above_h,omitempty"`
}

func (s *simulation) summaries() map[string]summaryDoc {
	out := map[string]summaryDoc{}
	ptr := func(v float64) *float64 {
		if math.IsNaN(v) {
			return nil
		}
		r := round9(v)
		return &r
	}
	if s.single != nil {
		for k, n := range s.single.Names {
			sm := s.single.Summary[k]
			out[n] = summaryDoc{Cmax: round9(sm.Cmax), TmaxH: round9(sm.TmaxH), AUC: ptr(sm.AUC), AboveH: ptr(sm.AboveH)}
		}
		return out
	}
	// a population: the summary of the median curve (trapezoidal AUC on
	// the grid, since percentiles are not a linear system's output)
	isConc := map[string]bool{}
	for _, n := range s.model.OutputNames() {
		_, isConc[n] = s.model.OutputDefs[n]
	}
	for k, n := range s.pop.Names {
		med := s.pop.Bands[k].P50
		sm := summaryDoc{}
		auc := 0.0
		for i, v := range med {
			if v > sm.Cmax {
				sm.Cmax, sm.TmaxH = v, s.pop.TimesH[i]
			}
			if i > 0 {
				auc += (s.pop.TimesH[i] - s.pop.TimesH[i-1]) * (v + med[i-1]) / 2
			}
		}
		sm.Cmax, sm.TmaxH = round9(sm.Cmax), round9(sm.TmaxH)
		if isConc[n] {
			sm.AUC = ptr(auc)
		}
		out[n] = sm
	}
	return out
}

func (s *simulation) document() map[string]any {
	doc := map[string]any{
		"model":     s.model.ID,
		"validated": s.model.Valid,
		"weight_kg": s.weightKg,
		"regimen":   s.regimen,
		"times_h":   round9s(s.times()),
		"summary":   s.summaries(),
		"source":    s.model.Source,
	}
	outputs := map[string]any{}
	for k, n := range s.names() {
		if s.pop != nil {
			b := s.pop.Bands[k]
			outputs[n] = map[string][]float64{"p5": round9s(b.P5), "p50": round9s(b.P50), "p95": round9s(b.P95)}
		} else {
			outputs[n] = round9s(s.single.Values[k])
		}
	}
	doc["outputs"] = outputs
	if s.pop != nil {
		doc["population"] = s.n
		doc["seed"] = s.seed
		doc["percentiles"] = "R quantile type 7; summary of the median curve"
	}
	if s.threshold > 0 {
		doc["threshold_ng_mL"] = s.threshold
	}
	if len(s.warnings) > 0 {
		doc["warnings"] = s.warnings
	}
	return doc
}

// writeText prints the summary and a table at a readable interval.
func (s *simulation) writeText(w io.Writer, g pk.Grid) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "Model: %s — %s (validated: %s)\n", s.model.ID, s.model.Name, yesNo(s.model.Valid))
	fmt.Fprintf(bw, "Weight: %s kg   Regimen: %s\n", units.FormatNumber(s.weightKg, 6), s.regimen)
	if s.pop != nil {
		fmt.Fprintf(bw, "Virtual population: %d patients, seed %d; percentiles 5/50/95\n", s.n, s.seed)
	}
	fmt.Fprintln(bw, "\nSummary:")
	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
	label := "peak"
	if s.pop != nil {
		label = "peak of median"
	}
	fmt.Fprintf(tw, "  output\t%s\tat\tAUC (h·ng/mL)\ttime above threshold\n", label)
	sums := s.summaries()
	for _, n := range s.names() {
		sm := sums[n]
		auc, above := "—", "—"
		if sm.AUC != nil {
			auc = units.FormatNumber(*sm.AUC, 4)
		}
		if sm.AboveH != nil {
			above = units.FormatNumber(*sm.AboveH, 3) + " h"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s h\t%s\t%s\n", n, units.FormatNumber(sm.Cmax, 4), units.FormatNumber(sm.TmaxH, 4), auc, above)
	}
	tw.Flush()
	// table: about 48 rows
	times := s.times()
	every := max(1, len(times)/48)
	fmt.Fprintln(bw)
	tw = tabwriter.NewWriter(bw, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := []string{"time_h"}
	for _, n := range s.names() {
		if s.pop != nil {
			head = append(head, n+" p5", "p50", "p95")
		} else {
			head = append(head, n)
		}
	}
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	for i := 0; i < len(times); i += every {
		row := []string{units.FormatNumber(times[i], 5)}
		for k := range s.names() {
			if s.pop != nil {
				b := s.pop.Bands[k]
				row = append(row, units.FormatNumber(b.P5[i], 4), units.FormatNumber(b.P50[i], 4), units.FormatNumber(b.P95[i], 4))
			} else {
				row = append(row, units.FormatNumber(s.single.Values[k][i], 4))
			}
		}
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	}
	tw.Flush()
	fmt.Fprintf(bw, "\n%s; --csv or --json for all. Source: %s\n", rowsShown(every, g.Step), s.model.Source)
	return bw.Flush()
}

// rowsShown says which rows of the output grid the text table shows: "Every
// row of a 5 min grid shown" or "Every 3rd row of a 1 h grid shown".
func rowsShown(every int, step time.Duration) string {
	which := "Every row"
	if every > 1 {
		which = "Every " + ordinal(every) + " row"
	}
	return which + " of a " + stepText(step) + " grid shown"
}

// ordinal writes n as 2nd, 3rd, 4th, 11th, 21st, 112th.
func ordinal(n int) string {
	suffix := "th"
	switch n % 10 {
	case 1:
		suffix = "st"
	case 2:
		suffix = "nd"
	case 3:
		suffix = "rd"
	}
	if n%100 >= 11 && n%100 <= 13 {
		suffix = "th"
	}
	return strconv.Itoa(n) + suffix
}

// stepText writes a grid step in the units the --step flag takes: "1 h",
// "5 min", "30 s", falling back to Go's form for mixed steps like 1h30m.
func stepText(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + " h"
	case d >= time.Minute && d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + " min"
	case d >= time.Second && d%time.Second == 0:
		return strconv.FormatInt(int64(d/time.Second), 10) + " s"
	}
	return d.String()
}

// writeSVG draws plasma concentrations in one panel and each effect in its
// own, with the population band when there is one.
func writeSVG(name string, s *simulation) error {
	colors := map[string]string{"ketamine_ng_mL": "#1f5fa8", "norketamine_ng_mL": "#c4581a", "effect_ng_mL": "#5a8f29"}
	label := map[string]string{"ketamine_ng_mL": "ketamine", "norketamine_ng_mL": "norketamine", "effect_ng_mL": "effect site"}
	drugWord := map[string]string{"racemic": "Ketamine", "s-ketamine": "S-ketamine"}[s.model.Drug]
	conc := plot.Panel{Title: "Plasma concentrations", YLabel: "ng/mL", Threshold: s.threshold}
	if s.threshold > 0 {
		conc.ThresholdLabel = fmt.Sprintf("%g ng/mL", s.threshold)
	}
	var panels []plot.Panel
	var effects []plot.Panel
	for k, n := range s.names() {
		series := plot.Series{Name: label[n], Color: colors[n]}
		if series.Name == "" {
			series.Name = strings.ReplaceAll(n, "_", " ")
			series.Color = "#7b3fa0"
		}
		if s.pop != nil {
			b := s.pop.Bands[k]
			series.Values, series.Lower, series.Upper = b.P50, b.P5, b.P95
			series.Name += " (median)"
		} else {
			series.Values = s.single.Values[k]
		}
		if _, isConc := s.model.OutputDefs[n]; isConc {
			conc.Series = append(conc.Series, series)
		} else {
			effects = append(effects, plot.Panel{Title: strings.ReplaceAll(n, "_", " ") + " (fraction of maximum)", YLabel: "fraction", Series: []plot.Series{series}})
		}
	}
	panels = append(append(panels, conc), effects...)
	sub := fmt.Sprintf("%s. %s kg. %s", s.model.Name, units.FormatNumber(s.weightKg, 6), s.regimen)
	if s.pop != nil {
		sub += fmt.Sprintf(" — %d virtual patients (seed %d)", s.n, s.seed)
	}
	if !s.model.Valid {
		sub += " — MODEL NOT VALIDATED"
	}
	fig := plot.Figure{
		Title:    drugWord + " simulation — model " + s.model.ID,
		Subtitle: sub,
		TimesH:   s.times(),
		Panels:   panels,
		Footnote: "Source: " + s.model.Source,
	}
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := plot.SVG(f, fig); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
