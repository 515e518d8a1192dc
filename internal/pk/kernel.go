package pk

import (
	"context"
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/lapack64"
)

// records is the block buffer of a population run: value of output o at
// row r (time rec0+r) for patient p at buf[(o·block + r)·stride + p].
// stride is n rounded up to an odd number of cache lines, so that the rows
// a patient writes do not all fall into the same few cache sets.
type records struct {
	buf    []float64
	n      int
	stride int
	block  int
	rec0   int
}

// rowStride returns the distance between two rows of a block buffer for n
// patients: n rounded up to whole 64-byte lines, an odd number of them.
func rowStride(n int) int {
	lines := (n + 7) / 8
	if lines%2 == 0 {
		lines++
	}
	return lines * 8
}

func (r records) set(o, rec, p int, v float64) {
	r.buf[(o*r.block+rec-r.rec0)*r.stride+p] = v
}

func (r records) row(o, row int) []float64 {
	i := (o*r.block + row) * r.stride
	return r.buf[i : i+r.n]
}

// blockOp is one piece of a block's schedule for the modal kernel: either a
// run of cnt steps of the same propagator and infusion rate, each recording
// the next row (the unrolled kernel's case, nearly every step), or one
// general step.
type blockOp struct {
	run   bool
	dt    int     // propagator index, −1: no propagation (general steps)
	rate  float64 // infusion rate during the steps (mg/h)
	bolus float64 // bolus after the step (general steps)
	row   int     // block row recorded by the first step, −1: none
	cnt   int     // steps
}

// blockProgram groups steps (recording rows from rec0 on) into blockOps.
func blockProgram(steps []step, rec0 int) []blockOp {
	var prog []blockOp
	for _, s := range steps {
		row := -1
		if s.Record >= 0 {
			row = s.Record - rec0
		}
		if s.dt < 0 || s.Bolus != 0 || row < 0 {
			prog = append(prog, blockOp{dt: s.dt, rate: s.Rate, bolus: s.Bolus, row: row, cnt: 1})
			continue
		}
		if l := len(prog) - 1; l >= 0 && prog[l].run && prog[l].dt == s.dt && prog[l].rate == s.Rate && prog[l].row+prog[l].cnt == row {
			prog[l].cnt++
			continue
		}
		prog = append(prog, blockOp{run: true, dt: s.dt, rate: s.Rate, row: row, cnt: 1})
	}
	return prog
}

// kernel advances patients [p0, p1) over a block's steps (also given as
// prog), recording outputs.
type kernel interface {
	advance(p0, p1 int, steps []step, prog []blockOp, out records)
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

// effectRows sets patient p's effects at block rows [r0, r1) from the
// concentrations already recorded there.
func (po *patientOutputs) effectRows(p, r0, r1 int, out records) {
	for e := 0; e < po.nEff; e++ {
		ef := &po.effects[p*po.nEff+e]
		for r := r0; r < r1; r++ {
			c := out.buf[(ef.Input*out.block+r)*out.stride+p]
			out.buf[((po.nOut+e)*out.block+r)*out.stride+p] = ef.Value(c)
		}
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
	// modes runs the steps of a blockOp run: unrolled for n modes.
	modes func(z, dec, gain, c []float64, rate float64, cnt int, out []float64, outStride, rowStride int)
	// dense advances the patients whose matrix is not safely
	// diagonalisable (two eigenvalues too close for this patient).
	dense   *denseKernel
	isDense []bool
}

//go:generate go run modes_gen.go

// modesAny advances one patient's n = len(z) modes through cnt steps of one
// propagator (decay dec, input gain gain) with a constant infusion rate,
// recording after each step every output o (c[o·n : o·n+n] is its row) at
// out[k·rowStride + o·outStride] for step k. The sums run in the order of
// the one-by-one engine, so both give the same numbers.
func modesAny(z, dec, gain, c []float64, rate float64, cnt int, out []float64, outStride, rowStride int) {
	n := len(z)
	dec, gain = dec[:n], gain[:n]
	nOut := len(c) / n
	for k := 0; k < cnt; k++ {
		if rate != 0 {
			for i := range z {
				z[i] = dec[i]*z[i] + rate*gain[i]
			}
		} else {
			for i := range z {
				z[i] *= dec[i]
			}
		}
		row := out[k*rowStride:]
		for o := 0; o < nOut; o++ {
			co := c[o*n : o*n+n]
			v := 0.0
			for i, zi := range z {
				v += co[i] * zi
			}
			row[o*outStride] = v
		}
	}
}

// modalForm diagonalises A = V·diag(λ)·V⁻¹ and reports false when the
// eigenvalues are not all real or V is too ill-conditioned for the modal
// form to keep 1e-10 relative accuracy (repeated eigenvalues, as in a
// transit chain, make V singular). It calls LAPACK's dgeev, dgetrf and
// dgetri (through gonum) on the workspace of m, which it reuses from one
// patient to the next; lambda, v (row-major) and w = V⁻¹ (row-major) are
// views into that workspace, valid until the next call.
func (m *modalScratch) modalForm(sys *System) (lambda, v, w []float64, ok bool) {
	n := sys.N()
	if m.n != n {
		*m = modalScratch{n: n}
		m.a = blas64.General{Rows: n, Cols: n, Stride: n, Data: make([]float64, n*n)}
		m.vr = blas64.General{Rows: n, Cols: n, Stride: n, Data: make([]float64, n*n)}
		m.wr, m.wi = make([]float64, n), make([]float64, n)
		m.ipiv = make([]int, n)
		// workspace queries, sized as gonum's mat.Eigen and Dense.Inverse
		// size them
		query := []float64{0}
		lapack64.Geev(lapack.LeftEVNone, lapack.RightEVCompute, m.a, m.wr, m.wi, blas64.General{}, m.vr, query, -1)
		m.geevWork = make([]float64, int(query[0]))
		lapack64.Getri(m.vr, m.ipiv, query, -1)
		m.getriWork = make([]float64, max(int(query[0]), 4*n))
	}
	copy(m.a.Data, sys.A)
	if lapack64.Geev(lapack.LeftEVNone, lapack.RightEVCompute, m.a, m.wr, m.wi, blas64.General{}, m.vr, m.geevWork, len(m.geevWork)) != 0 {
		return nil, nil, nil, false
	}
	for _, im := range m.wi {
		if im != 0 {
			return nil, nil, nil, false
		}
	}
	// w starts as a copy of V and is inverted in place (dgeev left m.a
	// free for it).
	inv := blas64.General{Rows: n, Cols: n, Stride: n, Data: m.a.Data}
	copy(inv.Data, m.vr.Data)
	if !lapack64.Getrf(inv, m.ipiv) || !lapack64.Getri(inv, m.ipiv, m.getriWork, len(m.getriWork)) {
		return nil, nil, nil, false
	}
	// cond₁(V) = ‖V‖₁‖V⁻¹‖₁ bounds the loss of accuracy of the modal form
	// (written so that a NaN is refused too).
	if !(norm1(m.vr.Data, n)*norm1(inv.Data, n) <= 1e5) {
		return nil, nil, nil, false
	}
	return m.wr, m.vr.Data, inv.Data, true
}

// modalScratch is the workspace of modalForm for systems of n states.
type modalScratch struct {
	n                   int
	a, vr               blas64.General
	wr, wi              []float64
	geevWork, getriWork []float64
	ipiv                []int
}

// norm1 returns the 1-norm (largest column sum of absolute values) of the
// n×n row-major matrix a, summing each column from the first row down.
func norm1(a []float64, n int) float64 {
	best := 0.0
	for j := 0; j < n; j++ {
		s := 0.0
		for i := 0; i < n; i++ {
			s += math.Abs(a[i*n+j])
		}
		best = max(best, s)
	}
	return best
}

// compileKernel builds every patient's kernel: modal where the matrix is
// safely diagonalisable, propagators e^{A·dt} otherwise.
func compileKernel(ctx context.Context, spec PopulationSpec, typical *System, dts []time.Duration, workers int) (kernel, error) {
	n, nOut, nEff := typical.N(), len(typical.Outputs), len(typical.Effects)
	k := &modalKernel{n: n, nDt: len(dts), dense: newDenseKernel(spec.N, typical, dts), isDense: make([]bool, spec.N)}
	k.nOut, k.nEff = nOut, nEff
	k.modes = modesAny
	if n <= maxUnrolled {
		k.modes = unrolledModes[n]
	}
	k.stride = len(dts)*2*n + n + nOut*n
	k.data = make([]float64, spec.N*k.stride)
	k.z = make([]float64, spec.N*n)
	k.effects = make([]Effect, spec.N*nEff)
	k.dense.effects = k.effects
	err := parallel(ctx, workers, spec.N, func(lo, hi int) error {
		var scratch modalScratch
		for p := lo; p < hi; p++ {
			sys, err := spec.Model.System(spec.WeightKg, spec.Model.PatientEta(spec.Seed, p))
			if err != nil {
				return fmt.Errorf("patient %d: %w", p, err)
			}
			copy(k.effects[p*nEff:(p+1)*nEff], sys.Effects)
			shares := sys.doseShares()
			lambda, v, w, ok := scratch.modalForm(sys)
			if !ok {
				k.isDense[p] = true
				k.dense.compile(p, sys, dts)
				continue
			}
			// the dose enters the modes as w·shares (one column of w when the
			// dose goes into a single state)
			var wDose [maxStates]float64
			for i := 0; i < n; i++ {
				for j, f := range shares {
					if f != 0 {
						wDose[i] += w[i*n+j] * f
					}
				}
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
					d[di*2*n+n+i] = gain * wDose[i]
				}
			}
			base := len(dts) * 2 * n
			copy(d[base:base+n], wDose[:n])
			for o, out := range sys.Outputs {
				for i := 0; i < n; i++ {
					d[base+n+o*n+i] = 1000 / out.VolumeL * v[out.State*n+i]
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

// advance moves patients one by one through the block, each patient's
// modes held in registers by the unrolled kernel over each run of steps.
func (k *modalKernel) advance(p0, p1 int, steps []step, prog []blockOp, out records) {
	n, stride, nOut := k.n, k.stride, k.nOut
	base := k.nDt * 2 * n
	outStride := out.block * out.stride
	for p := p0; p < p1; p++ {
		if k.isDense[p] {
			k.dense.advanceOne(p, steps, out)
			continue
		}
		d := k.data[p*stride : (p+1)*stride : (p+1)*stride]
		z := k.z[p*n : (p+1)*n : (p+1)*n]
		c := d[base+n : base+n+nOut*n]
		for _, op := range prog {
			if op.run {
				off := op.dt * 2 * n
				k.modes(z, d[off:off+n], d[off+n:off+2*n], c, op.rate, op.cnt, out.buf[op.row*out.stride+p:], outStride, out.stride)
				if k.nEff > 0 {
					k.effectRows(p, op.row, op.row+op.cnt, out)
				}
				continue
			}
			k.generalStep(p, d, z, op, out)
		}
	}
}

// generalStep is one step that is not part of a run: propagation (if any),
// then the bolus, then the record (if any).
func (k *modalKernel) generalStep(p int, d, z []float64, op blockOp, out records) {
	n, nOut := k.n, k.nOut
	base := k.nDt * 2 * n
	if op.dt >= 0 {
		dec := d[op.dt*2*n : op.dt*2*n+n]
		if op.rate != 0 {
			g := d[op.dt*2*n+n : op.dt*2*n+2*n]
			for i := range z {
				z[i] = dec[i]*z[i] + op.rate*g[i]
			}
		} else {
			for i := range z {
				z[i] *= dec[i]
			}
		}
	}
	if op.bolus != 0 {
		w := d[base : base+n]
		for i := range z {
			z[i] += op.bolus * w[i]
		}
	}
	if op.row < 0 {
		return
	}
	for o := 0; o < nOut; o++ {
		c := d[base+n+o*n : base+n+o*n+n]
		v := 0.0
		for i := range z {
			v += c[i] * z[i]
		}
		out.buf[(o*out.block+op.row)*out.stride+p] = v
	}
	if k.nEff > 0 {
		k.effectRows(p, op.row, op.row+1, out)
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
	shares         []float64 // part of each dose entering each state
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
	k := &denseKernel{n: n, shares: typical.doseShares(), rowStart: make([]int, n+1)}
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
			for i, f := range k.shares {
				xs[i&(maxStates-1)] += f * s.Bolus
			}
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
