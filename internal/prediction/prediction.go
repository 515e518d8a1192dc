// Package prediction puts predicted plasma concentrations beside a course's
// plan and a session's chart: it turns the plan's steps or the charted pump
// intervals and boluses into a regimen (regimen.go), runs a model of the
// catalog of internal/pk on a one-minute grid — 200 virtual patients of the
// patient's weight when the model's source gives its between-subject
// variability, the typical patient otherwise, flagged — and reads the
// figures a clinician asks for (summary.go): the highest concentration of
// each treatment day, the concentration at the end of each infusion, the
// hours from the last dose until the concentration is below 10 ng/mL, and
// the cumulative AUC.
//
// The numbers are a model's, not a measurement: every prediction carries
// the model's validation status, the population it was fitted in, and a
// warning when the patient lies outside it.
package prediction

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/pk"
)

// Defaults of a prediction (issue 14, item 3).
const (
	// DefaultPopulation is the number of virtual patients of a model with
	// between-subject variability: enough for the 5th and 95th percentiles
	// to be read from 10 patients each.
	DefaultPopulation = 200
	// DefaultSeed makes the virtual patients the same on every request.
	DefaultSeed = 14
	// Step is the output grid.
	Step = time.Minute
	// Tail is how long after the last dose the prediction runs: ketamine's
	// plasma half-life is about 2.5–3 h (shared/CLINICAL.md, 001), so a
	// day covers eight half-lives or more.
	Tail = 24 * time.Hour
	// ThresholdNgML is the concentration the "hours until below" figure is
	// read against: issue 14's 10 ng/mL, about Dahan 2011's C50 of 10.5 ng/mL
	// for pain relief by S-ketamine (Eur J Pain 15:258–67; shared/CLINICAL.md).
	ThresholdNgML = 10.0
)

// DefaultModel is the model used when none is chosen: for racemic ketamine
// the adult racemic model (Kamp 2020 meta-analysis with Otto 2021's
// norketamine), for S-ketamine Fanta 2015 / Otto 2021 (healthy adults,
// venous samples as drawn in a clinic, with between-subject variability).
func DefaultModel(drug string) string {
	if drug == "s-ketamine" {
		return "fanta-otto-s"
	}
	return "kamp-2020-racemic"
}

// Options choose the model and the virtual population.
type Options struct {
	// Model is the model to run (pk.Lookup).
	Model *pk.Model
	// N is the number of virtual patients for a model with between-subject
	// variability (0: DefaultPopulation).
	N int
	// Seed of the virtual population (0: DefaultSeed).
	Seed uint64
	// AgeY is the patient's age in years (0 when unknown: no age check).
	AgeY float64
	// Workers is the goroutines of a population run (0: GOMAXPROCS).
	Workers int
}

// ErrNoDoses is returned for a regimen without ketamine.
var ErrNoDoses = errors.New("no ketamine doses to predict from")

// ModelInfo is the model a prediction ran, with what a reader must know to
// trust it or not.
type ModelInfo struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Drug   string `json:"drug"`
	Source string `json:"source"`
	// Validated is the catalog's flag: checked against measured
	// concentrations with every parameter read in its source.
	Validated bool `json:"validated"`
	// Validation says so in words: "validated against measured
	// concentrations", or "not validated against measured concentrations"
	// and why.
	Validation string        `json:"validation"`
	Population pk.Population `json:"population"`
	// PopulationRuns reports whether the model has between-subject
	// variability to simulate virtual patients with.
	PopulationRuns bool `json:"population_runs"`
}

// Prediction is a predicted concentration–time course with its figures.
type Prediction struct {
	Model    ModelInfo `json:"model"`
	WeightKg float64   `json:"weight_kg"`
	// WeightWarning and AgeWarning are set when the patient lies outside the
	// model's population.
	WeightWarning string `json:"weight_warning,omitempty"`
	AgeWarning    string `json:"age_warning,omitempty"`
	// TypicalOnly is set when the model has no between-subject variability:
	// the series are the typical patient's, and no band is drawn;
	// TypicalNote says why the model has none.
	TypicalOnly bool   `json:"typical_only"`
	TypicalNote string `json:"typical_note,omitempty"`
	// Patients and Seed describe the virtual population (0 when TypicalOnly).
	Patients int    `json:"virtual_patients,omitempty"`
	Seed     uint64 `json:"seed,omitempty"`
	// StepMin is the grid step in minutes; TimesH the grid in hours from the
	// origin.
	StepMin       float64   `json:"step_min"`
	TimesH        []float64 `json:"times_h"`
	ThresholdNgML float64   `json:"threshold_ng_mL"`
	// Series are the plasma concentrations, one per model output (ketamine,
	// norketamine, and each enantiomer where the model has them).
	Series []Series `json:"series"`
	// Summaries are each output's figures, in the order of Series.
	Summaries []Summary `json:"summaries"`
	// DoseMg is the ketamine the regimen gives.
	DoseMg float64 `json:"dose_mg"`
	// Notes say what the prediction leaves out or assumes.
	Notes []string `json:"notes,omitempty"`
}

// Series is one output on the grid: the typical patient's concentration, or
// the virtual population's median with its 5th and 95th percentiles (R's
// quantile type 7, pk.SimulatePopulation).
type Series struct {
	Output string `json:"output"`
	Label  string `json:"label"`
	// Typical is set when TypicalOnly; P5, P50 and P95 otherwise (ng/mL).
	Typical []float64 `json:"typical,omitempty"`
	P5      []float64 `json:"p5,omitempty"`
	P50     []float64 `json:"p50,omitempty"`
	P95     []float64 `json:"p95,omitempty"`
}

// Line is the series' central line: the median, or the typical patient.
func (s Series) Line() []float64 {
	if s.P50 != nil {
		return s.P50
	}
	return s.Typical
}

// Info describes model m for a prediction.
func Info(m *pk.Model) ModelInfo {
	info := ModelInfo{ID: m.ID, Name: m.Name, Drug: m.Drug, Source: m.Source, Validated: m.Valid,
		Population: m.Population, PopulationRuns: m.PopulationIIV}
	if m.Valid {
		info.Validation = "validated against measured concentrations"
	} else {
		info.Validation = "not validated against measured concentrations: " + strings.TrimSpace(m.NotesOn)
	}
	return info
}

// plasmaOutputs are the model's plasma concentration outputs in
// OutputNames' order: not its effects, nor an effect-site concentration.
func plasmaOutputs(m *pk.Model) []string {
	var out []string
	for _, n := range m.OutputNames() {
		if _, ok := m.OutputDefs[n]; ok && !strings.HasPrefix(n, "effect") {
			out = append(out, n)
		}
	}
	return out
}

// label names an output for a reader: ketamine and norketamine are the
// S-enantiomer's in an S-ketamine model.
func label(m *pk.Model, output string) string {
	name := strings.TrimSuffix(output, "_ng_mL")
	switch name {
	case "ketamine", "norketamine":
		if m.Drug == "s-ketamine" {
			return "S-" + name
		}
		return name
	case "r_ketamine":
		return "R-ketamine"
	case "s_ketamine":
		return "S-ketamine"
	case "r_norketamine":
		return "R-norketamine"
	case "s_norketamine":
		return "S-norketamine"
	}
	return strings.ReplaceAll(name, "_", " ")
}

// DrugError is a model of the other drug than the regimen's.
type DrugError struct {
	Model, ModelDrug, Drug string
}

func (e *DrugError) Error() string {
	return fmt.Sprintf("model %s is a model of %s, and the plan gives %s: its concentrations would be those of another drug", e.Model, e.ModelDrug, e.Drug)
}

// Predict runs opt.Model on reg. A model of the other drug is a *DrugError;
// a weight the model cannot take (pk.Model.CheckWeight) an EINVALID error on
// weight; a regimen without doses ErrNoDoses.
func Predict(ctx context.Context, reg Regimen, opt Options) (*Prediction, error) {
	m := opt.Model
	if m == nil {
		return nil, errors.New("prediction: no model")
	}
	if reg.Drug != m.Drug {
		return nil, &DrugError{Model: m.ID, ModelDrug: m.Drug, Drug: reg.Drug}
	}
	if len(reg.Doses) == 0 {
		return nil, ErrNoDoses
	}
	warn, err := m.CheckWeight(reg.WeightKg)
	if err != nil {
		return nil, clinic.Invalid("weight", "%v", err)
	}
	p := &Prediction{Model: Info(m), WeightKg: reg.WeightKg, WeightWarning: warn, StepMin: Step.Minutes(),
		ThresholdNgML: ThresholdNgML, Notes: append([]string(nil), reg.Notes...)}
	if opt.AgeY > 0 {
		p.AgeWarning = m.AgeOutsidePopulation(opt.AgeY)
	}
	for _, d := range reg.Doses {
		p.DoseMg += d.BolusMg + d.RateMgH*d.Duration.Hours()
	}

	horizon := (reg.end() + Tail + Step - 1).Truncate(Step)
	tl := newTimeline(reg.Doses, horizon)
	outputs := plasmaOutputs(m)
	curves := map[string][][]float64{} // output → typical, or p5, p50, p95 on tl.times
	if m.PopulationIIV {
		n, seed := opt.N, opt.Seed
		if n == 0 {
			n = DefaultPopulation
		}
		if seed == 0 {
			seed = DefaultSeed
		}
		pop, err := pk.SimulatePopulation(ctx, pk.PopulationSpec{Model: m, WeightKg: reg.WeightKg, Doses: reg.Doses,
			Times: tl.times, N: n, Seed: seed, Workers: opt.Workers})
		if err != nil {
			return nil, fmt.Errorf("prediction: model %s: %w", m.ID, err)
		}
		p.Patients, p.Seed = n, seed
		for i, name := range pop.Names {
			b := pop.Bands[i]
			curves[name] = [][]float64{b.P5, b.P50, b.P95}
		}
	} else {
		sys, err := m.System(reg.WeightKg, nil)
		if err != nil {
			return nil, fmt.Errorf("prediction: model %s: %w", m.ID, err)
		}
		res, err := pk.SimulateAt(sys, reg.Doses, tl.times, 0)
		if err != nil {
			return nil, fmt.Errorf("prediction: model %s: %w", m.ID, err)
		}
		p.TypicalOnly, p.TypicalNote = true, strings.TrimSpace(m.IIVNote)
		for i, name := range res.Names {
			curves[name] = [][]float64{res.Values[i]}
		}
	}

	p.TimesH = make([]float64, 0, len(tl.grid))
	for _, i := range tl.grid {
		p.TimesH = append(p.TimesH, tl.times[i].Hours())
	}
	for _, name := range outputs {
		c := curves[name]
		s := Series{Output: name, Label: label(m, name)}
		if len(c) == 1 {
			s.Typical = tl.onGrid(c[0])
		} else {
			s.P5, s.P50, s.P95 = tl.onGrid(c[0]), tl.onGrid(c[1]), tl.onGrid(c[2])
		}
		p.Series = append(p.Series, s)
		p.Summaries = append(p.Summaries, summarise(name, s.Label, tl, reg, c))
	}
	return p, nil
}

// timeline is the times a prediction is computed at: the one-minute grid
// from 0 to the horizon, and the instants its figures need exactly — each
// dose's start and end, and the instant before each bolus (so that the
// jump is an edge of the curve, not a slope over a minute).
type timeline struct {
	times []time.Duration
	// grid are the indices in times of the grid's points.
	grid []int
	// rate is the total infusion rate from times[i] to times[i+1] (mg/h).
	rate []float64
	// ends are the indices where the infusions stop (the total rate falls
	// to zero), in order.
	ends []int
	// lastDose is the index of the end of the last dose.
	lastDose int
}

// beforeBolus is how long before a bolus the curve is read for its value
// just before it (pk.Simulate records the value just after).
const beforeBolus = time.Nanosecond

func newTimeline(doses []pk.Dose, horizon time.Duration) *timeline {
	// The instants off the grid, sorted, then merged into the grid.
	var extra []time.Duration
	type change struct {
		at   time.Duration
		rate float64
	}
	var changes []change
	var last time.Duration
	for _, d := range doses {
		extra = append(extra, d.Start)
		if d.BolusMg > 0 && d.Start >= beforeBolus {
			extra = append(extra, d.Start-beforeBolus)
		}
		if d.Duration > 0 && d.RateMgH > 0 {
			extra = append(extra, d.Start+d.Duration)
			changes = append(changes, change{d.Start, d.RateMgH}, change{d.Start + d.Duration, -d.RateMgH})
		}
		last = max(last, d.Start+d.Duration)
	}
	slices.Sort(extra)
	sort.SliceStable(changes, func(i, j int) bool { return changes[i].at < changes[j].at })
	n := int(horizon/Step) + 1
	tl := &timeline{times: make([]time.Duration, 0, n+len(extra)), grid: make([]int, 0, n)}
	for g, j := 0, 0; g < n || j < len(extra); {
		switch t := time.Duration(g) * Step; {
		case j < len(extra) && (g == n || extra[j] < t):
			if len(tl.times) == 0 || tl.times[len(tl.times)-1] != extra[j] {
				tl.times = append(tl.times, extra[j])
			}
			j++
		default:
			if j < len(extra) && extra[j] == t {
				j++
				continue // taken with the grid point next time round
			}
			tl.grid = append(tl.grid, len(tl.times))
			tl.times = append(tl.times, t)
			g++
		}
	}
	// The rate on [times[i], times[i+1]): the running sum of the changes,
	// counted as active doses so that it is exactly zero between infusions.
	tl.rate = make([]float64, len(tl.times))
	active, sum, c := 0, 0.0, 0
	for i, t := range tl.times {
		for c < len(changes) && changes[c].at <= t {
			if changes[c].rate > 0 {
				active++
			} else {
				active--
			}
			sum += changes[c].rate
			c++
		}
		if active > 0 {
			tl.rate[i] = sum
		}
		if t == last {
			tl.lastDose = i
		}
		if i > 0 && tl.rate[i-1] > 0 && tl.rate[i] == 0 {
			tl.ends = append(tl.ends, i)
		}
	}
	return tl
}

// onGrid returns the values of v (on tl.times) at the grid's points.
func (tl *timeline) onGrid(v []float64) []float64 {
	out := make([]float64, len(tl.grid))
	for k, i := range tl.grid {
		out[k] = v[i]
	}
	return out
}

// ChartIndices picks at most about maxPoints of the grid's indices for a
// chart: each bucket of consecutive minutes gives its first point and the
// point where the first series' central line peaks in it, so that no peak
// is lost to the thinning; the last point is always kept. With fewer grid
// points than maxPoints every index is returned.
func (p *Prediction) ChartIndices(maxPoints int) []int {
	n := len(p.TimesH)
	if n <= maxPoints || maxPoints < 4 || len(p.Series) == 0 {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		return idx
	}
	line := p.Series[0].Line()
	bucket := (n + maxPoints/2 - 1) / (maxPoints / 2)
	var idx []int
	for lo := 0; lo < n; lo += bucket {
		hi := min(lo+bucket, n)
		peak := lo
		for i := lo + 1; i < hi; i++ {
			if line[i] > line[peak] {
				peak = i
			}
		}
		idx = append(idx, lo)
		if peak != lo {
			idx = append(idx, peak)
		}
	}
	if idx[len(idx)-1] != n-1 {
		idx = append(idx, n-1)
	}
	return idx
}
