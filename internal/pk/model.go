package pk

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"math"
	"path"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Model is a published PK/PD model as data: compartments, flows between
// them, and parameters, each with its source. Models live in models/*.yaml,
// embedded in the binary and checked when first loaded.
type Model struct {
	ID      string `yaml:"id" json:"id"`
	Name    string `yaml:"name" json:"name"`
	Drug    string `yaml:"drug" json:"drug"` // "racemic" or "s-ketamine"
	Source  string `yaml:"source" json:"source"`
	ReadIn  string `yaml:"read_in" json:"read_in"`
	Valid   bool   `yaml:"validated" json:"validated"`
	NotesOn string `yaml:"validation_note" json:"validation_note,omitempty"`
	// Population describes who the model was fitted in.
	Population Population `yaml:"population" json:"population"`
	// PopulationIIV reports whether the source's inter-individual
	// variability was read well enough to simulate virtual populations.
	PopulationIIV bool     `yaml:"population_iiv" json:"population_iiv"`
	IIVNote       string   `yaml:"iiv_note" json:"iiv_note"`
	States        []string `yaml:"states" json:"states"`
	DoseState     string   `yaml:"dose_state" json:"dose_state"`
	// DoseSplit, when set, divides every dose equally among these states (a
	// racemate into its two enantiomers); DoseState must be the first.
	DoseSplit []string `yaml:"dose_split" json:"dose_split,omitempty"`
	// VirtualStates carry no drug mass (effect compartments, sums).
	VirtualStates []string `yaml:"virtual" json:"virtual,omitempty"`
	// Sums are virtual states that track a weighted sum of other states so
	// that one output reads a total concentration (R- plus S-ketamine).
	Sums        []SumState           `yaml:"sums" json:"-"`
	Volumes     map[string]string    `yaml:"volumes" json:"-"`
	Flows       []Flow               `yaml:"flows" json:"-"`
	OutputDefs  map[string]OutputDef `yaml:"outputs" json:"-"`
	EffectDefs  []EffectDef          `yaml:"effects" json:"-"`
	Parameters  []Parameter          `yaml:"parameters" json:"-"`
	Covariances []Covariance         `yaml:"covariances" json:"-"`
	Notes       []string             `yaml:"notes" json:"notes"`

	params map[string]*Parameter
	iiv    []string // names of parameters with their own eta, in order
	chol   [][]float64
}

// Population is the group a model was fitted in.
type Population struct {
	Description string  `yaml:"description" json:"description"`
	WeightMinKg float64 `yaml:"weight_min_kg" json:"weight_min_kg,omitempty"`
	WeightMaxKg float64 `yaml:"weight_max_kg" json:"weight_max_kg,omitempty"`
	RangeSource string  `yaml:"weight_range_source" json:"weight_range_source"`
	// AgeMinY and AgeMaxY bound the ages (years) the model was fitted in; 0
	// when the source gives no bound.
	AgeMinY float64 `yaml:"age_min_y" json:"age_min_y,omitempty"`
	AgeMaxY float64 `yaml:"age_max_y" json:"age_max_y,omitempty"`
	// Subjects is "patients", "volunteers" or "patients and volunteers".
	Subjects string `yaml:"subjects" json:"subjects,omitempty"`
	// Sampling is where blood was drawn: "arterial", "venous", or "" when the
	// source read does not say.
	Sampling string `yaml:"sampling" json:"sampling,omitempty"`
}

// Flow moves drug from one state to another (or out of the body when To is
// empty). Exactly one of Clearance (L/h, divided by the volume of From),
// Rate (1/h), MTT (a chain of N compartments with this total mean transit
// time: rate N/MTT) or HalfLife (rate ln2/t½) names its rate parameter.
// Fraction (a parameter) is the part of the flow that reaches To; the rest
// leaves the body. A Link flow feeds To without depleting From (an effect
// compartment): dx_to/dt += k·x_from − k·x_to.
type Flow struct {
	From      string `yaml:"from"`
	To        string `yaml:"to"`
	Clearance string `yaml:"clearance"`
	Rate      string `yaml:"rate"`
	MTT       string `yaml:"mtt"`
	N         int    `yaml:"n"`
	HalfLife  string `yaml:"half_life"`
	Fraction  string `yaml:"fraction"`
	Link      bool   `yaml:"link"`
}

// SumState is a virtual state T = Σ (V/V_k)·x_k over the terms, so that
// 1000·T/V (an output on T with volume V) is Σ 1000·x_k/V_k: the total of
// the terms' concentrations. Its rate row is the same combination of the
// terms' rows and it receives the same combination of their dose shares,
// so it equals the sum exactly at every time.
type SumState struct {
	State  string    `yaml:"state"`
	Volume string    `yaml:"volume"`
	Of     []SumTerm `yaml:"of"`
}

// SumTerm is one state in a SumState with its volume parameter.
type SumTerm struct {
	State  string `yaml:"state"`
	Volume string `yaml:"volume"`
}

// OutputDef reads a concentration from a state. MolarMassRatio names two
// parameters [metabolite, parent] when the state holds parent-equivalent
// mass and the output should be metabolite mass.
type OutputDef struct {
	State          string   `yaml:"state"`
	Volume         string   `yaml:"volume"`
	MolarMassRatio []string `yaml:"molar_mass_ratio"`
}

// EffectDef is a sigmoid Emax effect of a concentration output.
type EffectDef struct {
	Name  string `yaml:"name"`
	Input string `yaml:"input"`
	C50   string `yaml:"c50"`
	Emax  string `yaml:"emax"`
	Hill  string `yaml:"hill"`
}

// Parameter is one model parameter as published, with its source. Typical
// values are for 70 kg when ScaleExponent is set: the individual value is
// Value·(weight/70)^ScaleExponent·e^η.
type Parameter struct {
	Name          string  `yaml:"name" json:"-"`
	Value         float64 `yaml:"value" json:"value"`
	Unit          string  `yaml:"unit" json:"unit"`
	Source        string  `yaml:"source" json:"source"`
	ScaleExponent float64 `yaml:"scale_exponent" json:"scale_exponent,omitempty"`
	// ScaleAssumed is set when the source does not print the exponent.
	ScaleAssumed bool `yaml:"scale_assumed" json:"scale_assumed,omitempty"`
	// Omega2 is the variance of the log-normal inter-individual variability.
	Omega2 float64 `yaml:"omega2" json:"omega2,omitempty"`
	// SameAs makes this parameter equal to another (value and η).
	SameAs string `yaml:"same_as" json:"same_as,omitempty"`
	// Assumed marks a value the source does not give.
	Assumed bool `yaml:"assumed" json:"assumed,omitempty"`
}

// Covariance is the covariance of two parameters' η.
type Covariance struct {
	A      string  `yaml:"a"`
	B      string  `yaml:"b"`
	Value  float64 `yaml:"value"`
	Source string  `yaml:"source"`
}

// RefWeightKg is the reference weight of allometric scaling in every model
// here ("per 70 kg", shared/CLINICAL.md).
const RefWeightKg = 70

//go:embed models/*.yaml
var modelFiles embed.FS

// ErrUnknownModel is returned by Lookup for an ID that is not in the catalog.
var ErrUnknownModel = errors.New("unknown model")

var catalog map[string]*Model

func init() {
	c, err := loadCatalog()
	if err != nil {
		// The catalog is compiled in: a broken file is a programmer error.
		panic("pk: " + err.Error())
	}
	catalog = c
}

func loadCatalog() (map[string]*Model, error) {
	entries, err := modelFiles.ReadDir("models")
	if err != nil {
		return nil, err
	}
	c := map[string]*Model{}
	for _, e := range entries {
		b, err := modelFiles.ReadFile(path.Join("models", e.Name()))
		if err != nil {
			return nil, err
		}
		m, err := ParseModel(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		if _, dup := c[m.ID]; dup {
			return nil, fmt.Errorf("%s: duplicate model id %q", e.Name(), m.ID)
		}
		c[m.ID] = m
	}
	return c, nil
}

// Models returns every model in the catalog, sorted by ID.
func Models() []*Model {
	ms := make([]*Model, 0, len(catalog))
	for _, m := range catalog {
		ms = append(ms, m)
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].ID < ms[j].ID })
	return ms
}

// Lookup returns the model with the given ID.
func Lookup(id string) (*Model, error) {
	m, ok := catalog[id]
	if !ok {
		ids := make([]string, 0, len(catalog))
		for k := range catalog {
			ids = append(ids, k)
		}
		sort.Strings(ids)
		return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknownModel, id, strings.Join(ids, ", "))
	}
	return m, nil
}

// ParseModel reads and checks one model file.
func ParseModel(b []byte) (*Model, error) {
	var m Model
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if err := m.check(); err != nil {
		return nil, err
	}
	return &m, nil
}

// unitFactor converts a parameter's unit to the engine's (L, L/h, 1/h, h,
// ng/mL, g/mol, dimensionless).
var unitFactor = map[string]float64{
	"L": 1, "L/h": 1, "L/min": 60, "1/h": 1, "1/min": 60,
	"h": 1, "min": 1.0 / 60, "s": 1.0 / 3600, "day": 24,
	"ng/mL": 1, "mg/L": 1000, "g/mol": 1, "1": 1,
}

// check validates the model: every parameter sourced and positive, every
// name it uses defined, a model with an assumed value not marked validated.
func (m *Model) check() error {
	if m.ID == "" || m.Name == "" || m.Source == "" {
		return fmt.Errorf("id, name and source are required")
	}
	if m.Drug != "racemic" && m.Drug != "s-ketamine" {
		return fmt.Errorf("model %s: drug %q must be racemic or s-ketamine", m.ID, m.Drug)
	}
	m.params = map[string]*Parameter{}
	for i := range m.Parameters {
		p := &m.Parameters[i]
		if p.Source == "" {
			return fmt.Errorf("model %s: parameter %s has no source", m.ID, p.Name)
		}
		if _, dup := m.params[p.Name]; dup {
			return fmt.Errorf("model %s: parameter %s defined twice", m.ID, p.Name)
		}
		m.params[p.Name] = p
	}
	for i := range m.Parameters {
		p := &m.Parameters[i]
		if p.SameAs != "" {
			q, ok := m.params[p.SameAs]
			if !ok || q.SameAs != "" {
				return fmt.Errorf("model %s: parameter %s: same_as %q must name a plain parameter", m.ID, p.Name, p.SameAs)
			}
			continue
		}
		if _, ok := unitFactor[p.Unit]; !ok {
			return fmt.Errorf("model %s: parameter %s: unknown unit %q", m.ID, p.Name, p.Unit)
		}
		if !(p.Value > 0) || math.IsInf(p.Value, 0) {
			return fmt.Errorf("model %s: parameter %s: value %v must be positive", m.ID, p.Name, p.Value)
		}
		if p.Omega2 < 0 {
			return fmt.Errorf("model %s: parameter %s: negative omega2", m.ID, p.Name)
		}
		if (p.Assumed || p.ScaleAssumed) && m.Valid {
			return fmt.Errorf("model %s: parameter %s is assumed, so the model cannot be marked validated", m.ID, p.Name)
		}
		if p.Omega2 > 0 {
			m.iiv = append(m.iiv, p.Name)
		}
	}
	switch m.Population.Subjects {
	case "", "patients", "volunteers", "patients and volunteers":
	default:
		return fmt.Errorf("model %s: population subjects %q must be patients, volunteers or patients and volunteers", m.ID, m.Population.Subjects)
	}
	switch m.Population.Sampling {
	case "", "arterial", "venous", "arterial and venous":
	default:
		return fmt.Errorf("model %s: population sampling %q must be arterial, venous or arterial and venous", m.ID, m.Population.Sampling)
	}
	if !m.Valid && m.NotesOn == "" {
		return fmt.Errorf("model %s: a model that is not validated needs a validation_note saying why", m.ID)
	}
	need := func(what, name string) error {
		if _, ok := m.params[name]; !ok {
			return fmt.Errorf("model %s: %s: unknown parameter %q", m.ID, what, name)
		}
		return nil
	}
	idx := m.stateIndex()
	if len(idx) != len(m.States) {
		return fmt.Errorf("model %s: duplicate state names", m.ID)
	}
	if _, ok := idx[m.DoseState]; !ok {
		return fmt.Errorf("model %s: dose_state %q is not a state", m.ID, m.DoseState)
	}
	for _, v := range m.VirtualStates {
		if _, ok := idx[v]; !ok {
			return fmt.Errorf("model %s: virtual state %q is not a state", m.ID, v)
		}
	}
	if len(m.DoseSplit) > 0 {
		if len(m.DoseSplit) < 2 || m.DoseSplit[0] != m.DoseState {
			return fmt.Errorf("model %s: dose_split needs two or more states, the first the dose_state", m.ID)
		}
		seen := map[string]bool{}
		for _, st := range m.DoseSplit {
			if _, ok := idx[st]; !ok || seen[st] {
				return fmt.Errorf("model %s: dose_split state %q is unknown or repeated", m.ID, st)
			}
			seen[st] = true
		}
	}
	virtual := map[string]bool{}
	for _, v := range m.VirtualStates {
		virtual[v] = true
	}
	for _, sm := range m.Sums {
		if !virtual[sm.State] {
			return fmt.Errorf("model %s: sum state %q must be a virtual state", m.ID, sm.State)
		}
		if err := need("sum "+sm.State, sm.Volume); err != nil {
			return err
		}
		if len(sm.Of) < 2 {
			return fmt.Errorf("model %s: sum %s needs two or more terms", m.ID, sm.State)
		}
		for _, f := range m.Flows {
			if f.From == sm.State || f.To == sm.State {
				return fmt.Errorf("model %s: sum state %s cannot have flows", m.ID, sm.State)
			}
		}
		for _, tm := range sm.Of {
			if _, ok := idx[tm.State]; !ok || virtual[tm.State] {
				return fmt.Errorf("model %s: sum %s: term %q must be a non-virtual state", m.ID, sm.State, tm.State)
			}
			if err := need("sum "+sm.State, tm.Volume); err != nil {
				return err
			}
		}
	}
	for st, v := range m.Volumes {
		if _, ok := idx[st]; !ok {
			return fmt.Errorf("model %s: volume of unknown state %q", m.ID, st)
		}
		if err := need("volume of "+st, v); err != nil {
			return err
		}
	}
	for i, f := range m.Flows {
		what := fmt.Sprintf("flow %d (%s→%s)", i+1, f.From, f.To)
		if _, ok := idx[f.From]; !ok {
			return fmt.Errorf("model %s: %s: unknown state %q", m.ID, what, f.From)
		}
		if _, ok := idx[f.To]; f.To != "" && !ok {
			return fmt.Errorf("model %s: %s: unknown state %q", m.ID, what, f.To)
		}
		kinds := 0
		for _, k := range []string{f.Clearance, f.Rate, f.MTT, f.HalfLife} {
			if k != "" {
				kinds++
				if err := need(what, k); err != nil {
					return err
				}
			}
		}
		if kinds != 1 {
			return fmt.Errorf("model %s: %s: give exactly one of clearance, rate, mtt, half_life", m.ID, what)
		}
		if f.Clearance != "" && m.Volumes[f.From] == "" {
			return fmt.Errorf("model %s: %s: a clearance needs the volume of %s", m.ID, what, f.From)
		}
		if f.MTT != "" && f.N < 1 {
			return fmt.Errorf("model %s: %s: mtt needs n ≥ 1", m.ID, what)
		}
		if f.Fraction != "" {
			if err := need(what, f.Fraction); err != nil {
				return err
			}
		}
		if f.Link && (f.To == "" || f.Fraction != "") {
			return fmt.Errorf("model %s: %s: a link needs a target and no fraction", m.ID, what)
		}
	}
	if len(m.OutputDefs) == 0 {
		return fmt.Errorf("model %s: no outputs", m.ID)
	}
	for name, o := range m.OutputDefs {
		if _, ok := idx[o.State]; !ok {
			return fmt.Errorf("model %s: output %s: unknown state %q", m.ID, name, o.State)
		}
		if err := need("output "+name, o.Volume); err != nil {
			return err
		}
		if len(o.MolarMassRatio) != 0 && len(o.MolarMassRatio) != 2 {
			return fmt.Errorf("model %s: output %s: molar_mass_ratio needs two parameters", m.ID, name)
		}
		for _, p := range o.MolarMassRatio {
			if err := need("output "+name, p); err != nil {
				return err
			}
		}
	}
	if _, ok := m.OutputDefs["ketamine_ng_mL"]; !ok {
		return fmt.Errorf("model %s: every model needs a ketamine_ng_mL output", m.ID)
	}
	for _, e := range m.EffectDefs {
		if _, ok := m.OutputDefs[e.Input]; !ok {
			return fmt.Errorf("model %s: effect %s: unknown input %q", m.ID, e.Name, e.Input)
		}
		for _, p := range []string{e.C50, e.Emax, e.Hill} {
			if err := need("effect "+e.Name, p); err != nil {
				return err
			}
		}
	}
	for _, c := range m.Covariances {
		if c.Source == "" {
			return fmt.Errorf("model %s: covariance %s–%s has no source", m.ID, c.A, c.B)
		}
		for _, p := range []string{c.A, c.B} {
			if q, ok := m.params[p]; !ok || q.Omega2 == 0 {
				return fmt.Errorf("model %s: covariance names %q, which has no omega2", m.ID, p)
			}
		}
	}
	if m.PopulationIIV && len(m.iiv) == 0 {
		return fmt.Errorf("model %s: population_iiv is set but no parameter has omega2", m.ID)
	}
	chol, err := m.cholesky()
	if err != nil {
		return fmt.Errorf("model %s: %w", m.ID, err)
	}
	m.chol = chol
	return nil
}

func (m *Model) stateIndex() map[string]int {
	idx := make(map[string]int, len(m.States))
	for i, s := range m.States {
		idx[s] = i
	}
	return idx
}

// OutputNames returns the model's concentration outputs in a fixed order
// (ketamine, norketamine, then the rest alphabetically), then its effects.
func (m *Model) OutputNames() []string {
	var names []string
	for _, n := range []string{"ketamine_ng_mL", "norketamine_ng_mL"} {
		if _, ok := m.OutputDefs[n]; ok {
			names = append(names, n)
		}
	}
	var rest []string
	for n := range m.OutputDefs {
		if n != "ketamine_ng_mL" && n != "norketamine_ng_mL" {
			rest = append(rest, n)
		}
	}
	sort.Strings(rest)
	names = append(names, rest...)
	for _, e := range m.EffectDefs {
		names = append(names, e.Name)
	}
	return names
}

// ParameterValue returns parameter name for a patient of weightKg with
// individual deviations eta (nil for the typical patient), in the engine's
// units.
func (m *Model) ParameterValue(name string, weightKg float64, eta []float64) float64 {
	p := m.params[name]
	if p.SameAs != "" {
		p = m.params[p.SameAs]
	}
	v := p.Value * unitFactor[p.Unit]
	if p.ScaleExponent != 0 {
		v *= math.Pow(weightKg/RefWeightKg, p.ScaleExponent)
	}
	if eta != nil {
		for i, n := range m.iiv {
			if n == p.Name {
				v *= math.Exp(eta[i])
			}
		}
	}
	return v
}

// WeightOutsidePopulation returns a warning when weightKg lies outside the
// weights the model was fitted in, or "" when it does not (or the source
// gives no range).
func (m *Model) WeightOutsidePopulation(weightKg float64) string {
	p := m.Population
	if p.WeightMinKg == 0 && p.WeightMaxKg == 0 {
		return ""
	}
	if weightKg < p.WeightMinKg || weightKg > p.WeightMaxKg {
		return fmt.Sprintf("weight %g kg is outside the model's population (%g–%g kg, %s)", weightKg, p.WeightMinKg, p.WeightMaxKg, p.RangeSource)
	}
	return ""
}

// AgeOutsidePopulation returns a warning when ageY lies outside the ages the
// model was fitted in, or "" when it does not (or the source gives no bound).
func (m *Model) AgeOutsidePopulation(ageY float64) string {
	p := m.Population
	if p.AgeMinY > 0 && ageY < p.AgeMinY || p.AgeMaxY > 0 && ageY > p.AgeMaxY {
		lo, hi := "", ""
		if p.AgeMinY > 0 {
			lo = fmt.Sprintf("%g", p.AgeMinY)
		}
		if p.AgeMaxY > 0 {
			hi = fmt.Sprintf("%g", p.AgeMaxY)
		}
		return fmt.Sprintf("age %g y is outside the model's population (%s–%s y: %s)", ageY, lo, hi, p.Description)
	}
	return ""
}

// System builds the linear system of the model for a patient of weightKg
// with individual deviations eta (nil for the typical patient).
func (m *Model) System(weightKg float64, eta []float64) (*System, error) {
	if !(weightKg > 0) || math.IsInf(weightKg, 0) {
		return nil, fmt.Errorf("weight %v kg must be positive", weightKg)
	}
	idx := m.stateIndex()
	n := len(m.States)
	a := make([]float64, n*n)
	val := func(name string) float64 { return m.ParameterValue(name, weightKg, eta) }
	for _, f := range m.Flows {
		from := idx[f.From]
		var k float64
		switch {
		case f.Clearance != "":
			k = val(f.Clearance) / val(m.Volumes[f.From])
		case f.Rate != "":
			k = val(f.Rate)
		case f.MTT != "":
			k = float64(f.N) / val(f.MTT)
		case f.HalfLife != "":
			k = math.Ln2 / val(f.HalfLife)
		}
		if f.Link {
			to := idx[f.To]
			a[to*n+from] += k
			a[to*n+to] -= k
			continue
		}
		a[from*n+from] -= k
		if f.To != "" {
			frac := 1.0
			if f.Fraction != "" {
				frac = val(f.Fraction)
			}
			a[idx[f.To]*n+from] += frac * k
		}
	}
	sys := &System{States: append([]string(nil), m.States...), A: a, Dose: idx[m.DoseState], Virtual: make([]bool, n)}
	if len(m.DoseSplit) > 0 {
		sys.DoseSplit = make([]float64, n)
		for _, st := range m.DoseSplit {
			sys.DoseSplit[idx[st]] = 1 / float64(len(m.DoseSplit))
		}
	}
	for _, sm := range m.Sums {
		t := idx[sm.State]
		var share float64
		for _, tm := range sm.Of {
			c := val(sm.Volume) / val(tm.Volume)
			k := idx[tm.State]
			for j := 0; j < n; j++ {
				a[t*n+j] += c * a[k*n+j]
			}
			if sys.DoseSplit != nil {
				share += c * sys.DoseSplit[k]
			} else if k == sys.Dose {
				share += c
			}
		}
		if share != 0 {
			// The virtual sum takes its terms' combined share of each dose.
			if sys.DoseSplit == nil {
				sys.DoseSplit = make([]float64, n)
				sys.DoseSplit[sys.Dose] = 1
			}
			sys.DoseSplit[t] = share
		}
	}
	for _, v := range m.VirtualStates {
		sys.Virtual[idx[v]] = true
	}
	outIdx := map[string]int{}
	for _, name := range m.OutputNames() {
		o, ok := m.OutputDefs[name]
		if !ok {
			continue
		}
		vol := val(o.Volume)
		if len(o.MolarMassRatio) == 2 {
			// x holds parent-equivalent mg: metabolite mg = x·MWmet/MWparent.
			vol *= val(o.MolarMassRatio[1]) / val(o.MolarMassRatio[0])
		}
		outIdx[name] = len(sys.Outputs)
		sys.Outputs = append(sys.Outputs, Output{Name: name, State: idx[o.State], VolumeL: vol})
	}
	for _, e := range m.EffectDefs {
		sys.Effects = append(sys.Effects, Effect{
			Name: e.Name, Input: outIdx[e.Input],
			C50: val(e.C50), Emax: val(e.Emax), Hill: val(e.Hill),
			Source: m.params[e.C50].Source,
		})
	}
	return sys, sys.Validate()
}

// IIVNames returns the parameters that carry their own η, in order.
func (m *Model) IIVNames() []string { return append([]string(nil), m.iiv...) }

// Param returns the parameter called name, or nil.
func (m *Model) Param(name string) *Parameter { return m.params[name] }

// cholesky returns the lower Cholesky factor of the η covariance matrix.
func (m *Model) cholesky() ([][]float64, error) {
	k := len(m.iiv)
	if k == 0 {
		return nil, nil
	}
	pos := map[string]int{}
	for i, n := range m.iiv {
		pos[n] = i
	}
	c := make([][]float64, k)
	for i := range c {
		c[i] = make([]float64, k)
		c[i][i] = m.params[m.iiv[i]].Omega2
	}
	for _, cv := range m.Covariances {
		i, j := pos[cv.A], pos[cv.B]
		c[i][j], c[j][i] = cv.Value, cv.Value
	}
	l := make([][]float64, k)
	for i := range l {
		l[i] = make([]float64, k)
		for j := 0; j <= i; j++ {
			s := c[i][j]
			for p := 0; p < j; p++ {
				s -= l[i][p] * l[j][p]
			}
			if i == j {
				if s <= 0 {
					return nil, fmt.Errorf("IIV covariance matrix is not positive definite")
				}
				l[i][i] = math.Sqrt(s)
			} else {
				l[i][j] = s / l[j][j]
			}
		}
	}
	return l, nil
}

// weightSlack is how far outside a model's population a weight may lie
// before it is refused as an input error rather than warned about: a factor
// of 3 either way. This is ketatrack's guard against slips (a tenfold typing
// error, grams for kilograms), not a clinical limit; weights inside it but
// outside the population are simulated with a warning.
const weightSlack = 3

// CheckWeight refuses a weight that cannot be a patient of this model (more
// than a factor weightSlack outside the weights the model was fitted in, or
// outside every model's range when the source gives none) and returns a
// warning when the weight lies outside the model's population.
func (m *Model) CheckWeight(weightKg float64) (warning string, err error) {
	if !(weightKg > 0) || math.IsInf(weightKg, 0) {
		return "", fmt.Errorf("weight %v kg must be positive", weightKg)
	}
	lo, hi := m.Population.WeightMinKg, m.Population.WeightMaxKg
	if lo == 0 && hi == 0 {
		for _, o := range catalog {
			if o.Population.WeightMinKg > 0 && (lo == 0 || o.Population.WeightMinKg < lo) {
				lo = o.Population.WeightMinKg
			}
			hi = max(hi, o.Population.WeightMaxKg)
		}
	}
	if weightKg < lo/weightSlack || weightKg > hi*weightSlack {
		return "", fmt.Errorf("%g kg is not a plausible weight for model %s (fitted in %g–%g kg; more than %d-fold outside is taken as an input error — kg and lb, or a decimal point?)", weightKg, m.ID, lo, hi, weightSlack)
	}
	return m.WeightOutsidePopulation(weightKg), nil
}
