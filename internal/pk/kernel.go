package pk

import (
	"context"
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/mat"
)

// records is the block buffer of a population run: value of output o at
// row r (time rec0+r) for patient p at buf[(o·block + r)·n + p].
type records struct {
	buf   []float64
	n     int
	block int
	rec0  int
}

func (r records) set(o, rec, p int, v float64) {
	r.buf[(o*r.block+rec-r.rec0)*r.n+p] = v
}

func (r records) row(o, row int) []float64 {
	return r.buf[(o*r.block+row)*r.n : (o*r.block+row+1)*r.n]
}

// kernel advances patients [p0, p1) over a run of steps, recording outputs.
type kernel interface {
	advance(p0, p1 int, steps []step, out records)
}

// patientOutputs is what both kernels share: effects, in the order of the
// system's outputs.
type patientOutputs struct {
	nOut    int
	effects []Effect // nEff per patient
	nEff    int
}

func (po *patientOutputs) record(p, rec int, conc []float64, out records) {
	for o := 0; o < po.nOut; o++ {
		out.set(o, rec, p, conc[o])
	}
	for e := 0; e < po.nEff; e++ {
		ef := &po.effects[p*po.nEff+e]
		out.set(po.nOut+e, rec, p, ef.Value(conc[ef.Input]))
	}
}

// modalKernel holds each patient's system in modal form. For patient p with
// n modes: per interval length d, decay e^{λ·dt} then input gain g (2n
// floats); then the bolus gain w = V⁻¹·e_dose (n) and the output rows
// c_o = 1000/V_o · V[state_o, :] (nOut·n).
type modalKernel struct {
	patientOutputs
	n, nDt, stride int
	data           []float64
	z              []float64 // modal state, n per patient
	// dense advances the patients whose matrix is not safely
	// diagonalisable (two eigenvalues too close for this patient).
	dense   *denseKernel
	isDense []bool
}

// modalForm diagonalises sys.A = V·diag(λ)·V⁻¹ and reports false when the
// eigenvalues are not all real or V is too ill-conditioned for the modal
// form to keep 1e-10 relative accuracy (repeated eigenvalues, as in a
// transit chain, make V singular).
func modalForm(sys *System) (lambda []float64, v, w *mat.Dense, ok bool) {
	n := sys.N()
	a := mat.NewDense(n, n, append([]float64(nil), sys.A...))
	var eig mat.Eigen
	if !eig.Factorize(a, mat.EigenRight) {
		return nil, nil, nil, false
	}
	vals := eig.Values(nil)
	var cv mat.CDense
	eig.VectorsTo(&cv)
	lambda = make([]float64, n)
	v = mat.NewDense(n, n, nil)
	for j, l := range vals {
		if imag(l) != 0 {
			return nil, nil, nil, false
		}
		lambda[j] = real(l)
		for i := 0; i < n; i++ {
			c := cv.At(i, j)
			if imag(c) != 0 {
				return nil, nil, nil, false
			}
			v.Set(i, j, real(c))
		}
	}
	w = mat.NewDense(n, n, nil)
	if err := w.Inverse(v); err != nil {
		return nil, nil, nil, false
	}
	// cond₁(V) = ‖V‖₁‖V⁻¹‖₁ bounds the loss of accuracy of the modal form.
	if mat.Norm(v, 1)*mat.Norm(w, 1) > 1e5 {
		return nil, nil, nil, false
	}
	return lambda, v, w, true
}

// compileKernel builds every patient's kernel: modal where the matrix is
// safely diagonalisable, propagators e^{A·dt} otherwise.
func compileKernel(ctx context.Context, spec PopulationSpec, typical *System, dts []time.Duration, workers int) (kernel, error) {
	n, nOut, nEff := typical.N(), len(typical.Outputs), len(typical.Effects)
	k := &modalKernel{n: n, nDt: len(dts), dense: newDenseKernel(spec.N, typical, dts), isDense: make([]bool, spec.N)}
	k.nOut, k.nEff = nOut, nEff
	k.stride = len(dts)*2*n + n + nOut*n
	k.data = make([]float64, spec.N*k.stride)
	k.z = make([]float64, spec.N*n)
	k.effects = make([]Effect, spec.N*nEff)
	k.dense.effects = k.effects
	err := parallel(ctx, workers, spec.N, func(lo, hi int) error {
		for p := lo; p < hi; p++ {
			sys, err := spec.Model.System(spec.WeightKg, spec.Model.PatientEta(spec.Seed, p))
			if err != nil {
				return fmt.Errorf("patient %d: %w", p, err)
			}
			copy(k.effects[p*nEff:(p+1)*nEff], sys.Effects)
			lambda, v, w, ok := modalForm(sys)
			if !ok {
				k.isDense[p] = true
				k.dense.compile(p, sys, dts)
				continue
			}
			d := k.data[p*k.stride : (p+1)*k.stride]
			for di, dt := range dts {
				h := dt.Hours()
				for i, l := range lambda {
					d[di*2*n+i] = math.Exp(l * h)
					// ∫₀^h e^{λs} ds = (e^{λh} − 1)/λ, = h when λ = 0
					gain := h
					if l != 0 {
						gain = math.Expm1(l*h) / l
					}
					d[di*2*n+n+i] = gain * w.At(i, sys.Dose)
				}
			}
			base := len(dts) * 2 * n
			for i := 0; i < n; i++ {
				d[base+i] = w.At(i, sys.Dose)
			}
			for o, out := range sys.Outputs {
				for i := 0; i < n; i++ {
					d[base+n+o*n+i] = 1000 / out.VolumeL * v.At(out.State, i)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return k, nil
}

// advance moves a tile of patients step by step, so that each recorded
// time's values are written to consecutive addresses.
func (k *modalKernel) advance(p0, p1 int, steps []step, out records) {
	for p := p0; p < p1; p++ {
		if k.isDense[p] {
			k.dense.advance(p, p+1, steps, out)
		}
	}
	n, stride, nOut := k.n, k.stride, k.nOut
	base := k.nDt * 2 * n
	var conc [maxStates]float64
	for si := range steps {
		s := &steps[si]
		decOff, gOff := s.dt*2*n, s.dt*2*n+n
		rate, bolus := s.Rate, s.Bolus
		var row []float64
		if s.Record >= 0 {
			row = out.buf[(s.Record-out.rec0)*out.n:]
		}
		for p := p0; p < p1; p++ {
			if k.isDense[p] {
				continue
			}
			d := k.data[p*stride : (p+1)*stride : (p+1)*stride]
			z := k.z[p*n : (p+1)*n : (p+1)*n]
			if s.dt >= 0 {
				dec := d[decOff : decOff+n : decOff+n]
				if rate != 0 {
					g := d[gOff : gOff+n : gOff+n]
					for i := range z {
						z[i] = dec[i&(maxStates-1)]*z[i] + rate*g[i&(maxStates-1)]
					}
				} else {
					for i := range z {
						z[i] *= dec[i&(maxStates-1)]
					}
				}
			}
			if bolus != 0 {
				w := d[base : base+n : base+n]
				for i := range z {
					z[i] += bolus * w[i&(maxStates-1)]
				}
			}
			if row != nil {
				for o := 0; o < nOut; o++ {
					c := d[base+n+o*n : base+n+o*n+n : base+n+o*n+n]
					v := 0.0
					for i := range z {
						v += c[i&(maxStates-1)] * z[i]
					}
					conc[o&(maxStates-1)] = v
					row[o*out.block*out.n+p] = v
				}
				for e := 0; e < k.nEff; e++ {
					ef := &k.effects[p*k.nEff+e]
					row[(nOut+e)*out.block*out.n+p] = ef.Value(conc[ef.Input&(maxStates-1)])
				}
			}
		}
	}
}

// denseKernel holds each patient's propagators e^{A·dt} (only the entries
// that can be nonzero: state j reaches state i) and input gains.
type denseKernel struct {
	patientOutputs
	n, nnz, stride int
	nDt            int
	rowStart       []int
	colIdx         []int
	outState       []int
	data           []float64 // per patient: per dt nnz Phi entries then n Gamma; then nOut scales 1000/V
	x              []float64
	dose           int
}

// reach returns r[i][j] = state j can reach state i through the rate
// matrix (i == j included): where e^{A·t} can be nonzero.
func reach(a []float64, n int) [][]bool {
	r := make([][]bool, n)
	for i := range r {
		r[i] = make([]bool, n)
		r[i][i] = true
		for j := 0; j < n; j++ {
			if a[i*n+j] != 0 {
				r[i][j] = true
			}
		}
	}
	for k := 0; k < n; k++ { // Warshall's transitive closure
		for i := 0; i < n; i++ {
			if r[i][k] {
				for j := 0; j < n; j++ {
					r[i][j] = r[i][j] || r[k][j]
				}
			}
		}
	}
	return r
}

func newDenseKernel(npat int, typical *System, dts []time.Duration) *denseKernel {
	n, nOut := typical.N(), len(typical.Outputs)
	k := &denseKernel{n: n, dose: typical.Dose, rowStart: make([]int, n+1)}
	k.nOut, k.nEff = nOut, len(typical.Effects)
	r := reach(typical.A, n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if r[i][j] {
				k.colIdx = append(k.colIdx, j)
			}
		}
		k.rowStart[i+1] = len(k.colIdx)
	}
	k.nnz = len(k.colIdx)
	for _, o := range typical.Outputs {
		k.outState = append(k.outState, o.State)
	}
	k.nDt = len(dts)
	k.stride = len(dts)*(k.nnz+n) + nOut
	k.data = make([]float64, npat*k.stride)
	k.x = make([]float64, npat*n)
	return k
}

// compile stores patient p's propagators.
func (k *denseKernel) compile(p int, sys *System, dts []time.Duration) {
	n := k.n
	d := k.data[p*k.stride : (p+1)*k.stride]
	for di, dt := range dts {
		prop := sys.NewPropagator(dt.Hours())
		blk := d[di*(k.nnz+n) : (di+1)*(k.nnz+n)]
		for i := 0; i < n; i++ {
			for q := k.rowStart[i]; q < k.rowStart[i+1]; q++ {
				blk[q] = prop.Phi[i*n+k.colIdx[q]]
			}
		}
		copy(blk[k.nnz:], prop.Gamma)
	}
	for o, out := range sys.Outputs {
		d[k.nDt*(k.nnz+n)+o] = 1000 / out.VolumeL
	}
}

func (k *denseKernel) advance(p0, p1 int, steps []step, out records) {
	for p := p0; p < p1; p++ {
		k.advanceOne(p, steps, out)
	}
}

func (k *denseKernel) advanceOne(p int, steps []step, out records) {
	n := k.n
	d := k.data[p*k.stride : (p+1)*k.stride]
	sc := d[len(d)-k.nOut:]
	var xs, ys, conc [maxStates]float64
	copy(xs[:n], k.x[p*n:(p+1)*n])
	for si := range steps {
		s := &steps[si]
		if s.dt >= 0 {
			blk := d[s.dt*(k.nnz+n) : (s.dt+1)*(k.nnz+n)]
			phi, g := blk[:k.nnz], blk[k.nnz:]
			q := 0
			for i := 0; i < n; i++ {
				v := 0.0
				for _, c := range k.colIdx[k.rowStart[i]:k.rowStart[i+1]] {
					v += phi[q] * xs[c&(maxStates-1)]
					q++
				}
				if s.Rate != 0 {
					v += s.Rate * g[i]
				}
				ys[i&(maxStates-1)] = v
			}
			xs = ys
		}
		if s.Bolus != 0 {
			xs[k.dose] += s.Bolus
		}
		if s.Record >= 0 {
			for o := 0; o < k.nOut; o++ {
				conc[o] = sc[o] * xs[k.outState[o]]
			}
			k.record(p, s.Record, conc[:k.nOut], out)
		}
	}
	copy(k.x[p*n:(p+1)*n], xs[:n])
}
