// Package pk holds the pharmacokinetic/pharmacodynamic models of ketamine and
// norketamine from the literature (each parameter with its source), an exact
// solver for linear compartment systems under piecewise-constant input
// (boluses and zero-order infusions), and virtual populations with
// inter-individual variability.
//
// The engine does not step an ODE solver: over an interval of length dt with
// a constant infusion rate r into the dose state, the amounts obey
//
//	x(t+dt) = e^{A·dt} x(t) + r · ∫₀^dt e^{A·s} ds · e_dose
//
// and both terms come from one matrix exponential of the augmented matrix
// [[A, e_dose], [0, 0]]·dt (Van Loan 1978, "Computing integrals involving the
// matrix exponential", IEEE Trans Autom Control 23:395–404), which stays
// valid when A is singular. Propagators are computed once per distinct
// interval length and reused.
package pk

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// System is a linear compartment system dx/dt = A·x + input(t), with amounts
// x in mg and time in hours. Input enters the dose state only.
type System struct {
	// States names the compartments, in the order of A's rows and columns.
	States []string
	// A is the n×n rate matrix per hour, row-major: A[i*n+j] is the rate at
	// which state j feeds state i.
	A []float64
	// Dose is the index of the state that receives boluses and infusions.
	Dose int
	// DoseSplit, when set (length n), divides every dose among several
	// states instead: a racemate split into its enantiomers. The shares of
	// the states that carry drug sum to 1; a virtual sum state takes the
	// same combination of its terms' shares. Dose is then the first state.
	DoseSplit []float64
	// Virtual marks states that carry no drug mass of their own (an effect
	// compartment): mass balance ignores them.
	Virtual []bool
	// Outputs are the concentrations reported, in ng/mL.
	Outputs []Output
	// Effects are nonlinear pharmacodynamic outputs computed from a
	// concentration output.
	Effects []Effect
}

// Output is a concentration read from one state: 1000 × x[State] / VolumeL
// in ng/mL (x in mg, volume in L).
type Output struct {
	Name    string
	State   int
	VolumeL float64
}

// Effect is a sigmoid Emax (Hill) effect of one concentration output:
// Emax · C^γ / (C50^γ + C^γ).
type Effect struct {
	Name   string
	Input  int     // index into System.Outputs
	Emax   float64 // maximal effect (dimensionless fraction)
	C50    float64 // ng/mL
	Hill   float64 // γ
	Source string  // where the structure and values come from
}

// N returns the number of states.
func (s *System) N() int { return len(s.States) }

// Validate checks the shape of the system: a square matrix, a dose state in
// range, outputs on existing states with positive volumes.
func (s *System) Validate() error {
	n := s.N()
	if n == 0 {
		return fmt.Errorf("system has no states")
	}
	if len(s.A) != n*n {
		return fmt.Errorf("rate matrix has %d entries, want %d", len(s.A), n*n)
	}
	for _, v := range s.A {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("rate matrix has a non-finite entry")
		}
	}
	if s.Dose < 0 || s.Dose >= n {
		return fmt.Errorf("dose state %d out of range", s.Dose)
	}
	if s.DoseSplit != nil {
		if len(s.DoseSplit) != n {
			return fmt.Errorf("dose split has %d shares, want %d", len(s.DoseSplit), n)
		}
		sum := 0.0
		for i, f := range s.DoseSplit {
			if f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
				return fmt.Errorf("dose split share %v is not valid", f)
			}
			if i >= len(s.Virtual) || !s.Virtual[i] {
				sum += f
			}
		}
		if math.Abs(sum-1) > 1e-12 {
			return fmt.Errorf("dose split shares of the drug-carrying states sum to %v, want 1", sum)
		}
	}
	for _, o := range s.Outputs {
		if o.State < 0 || o.State >= n {
			return fmt.Errorf("output %s: state %d out of range", o.Name, o.State)
		}
		if !(o.VolumeL > 0) {
			return fmt.Errorf("output %s: volume %g L is not positive", o.Name, o.VolumeL)
		}
	}
	for _, e := range s.Effects {
		if e.Input < 0 || e.Input >= len(s.Outputs) {
			return fmt.Errorf("effect %s: input %d out of range", e.Name, e.Input)
		}
		if !(e.C50 > 0) || !(e.Hill > 0) {
			return fmt.Errorf("effect %s: C50 and Hill must be positive", e.Name)
		}
	}
	return nil
}

// doseShares returns the part of each dose that enters each state.
func (s *System) doseShares() []float64 {
	if s.DoseSplit != nil {
		return s.DoseSplit
	}
	e := make([]float64, s.N())
	e[s.Dose] = 1
	return e
}

// Concentration returns output o's concentration in ng/mL for amounts x.
func (o Output) Concentration(x []float64) float64 {
	return 1000 * x[o.State] / o.VolumeL
}

// Value returns the effect for concentration c (ng/mL).
func (e Effect) Value(c float64) float64 {
	if c <= 0 {
		return 0
	}
	if e.Hill == 1 {
		return e.Emax * c / (e.C50 + c)
	}
	cg := math.Pow(c, e.Hill)
	return e.Emax * cg / (math.Pow(e.C50, e.Hill) + cg)
}

// Propagator advances the state over one interval of fixed length with a
// constant infusion rate into the dose state: x ← Phi·x + rate·Gamma.
type Propagator struct {
	n     int
	Phi   []float64 // n×n, row-major: e^{A·dt}
	Gamma []float64 // n: ∫₀^dt e^{A·s} ds · e_dose (mg per mg/h of rate)
}

// NewPropagator computes the propagator of s over dt hours by one matrix
// exponential of the augmented (n+1)×(n+1) matrix.
func (s *System) NewPropagator(dt float64) *Propagator {
	n := s.N()
	m := n + 1
	aug := mat.NewDense(m, m, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			aug.Set(i, j, s.A[i*n+j]*dt)
		}
	}
	for i, f := range s.doseShares() {
		if f != 0 {
			aug.Set(i, n, f*dt)
		}
	}
	var e mat.Dense
	e.Exp(aug)
	p := &Propagator{n: n, Phi: make([]float64, n*n), Gamma: make([]float64, n)}
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			p.Phi[i*n+j] = e.At(i, j)
		}
		p.Gamma[i] = e.At(i, n)
	}
	return p
}

// Apply advances x in place over the interval with the given infusion rate
// (mg/h). tmp must have length n.
func (p *Propagator) Apply(x, tmp []float64, rate float64) {
	n := p.n
	for i := 0; i < n; i++ {
		row := p.Phi[i*n : i*n+n]
		v := rate * p.Gamma[i]
		for j, a := range row {
			v += a * x[j]
		}
		tmp[i] = v
	}
	copy(x, tmp)
}
