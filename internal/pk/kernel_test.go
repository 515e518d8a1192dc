package pk

import (
	"math/rand/v2"
	"testing"
)

// Each unrolled kernel gives what the loop over modes gives, with and
// without an infusion, for one to three outputs.
func TestUnrolledModesMatchLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for n := 1; n <= maxUnrolled; n++ {
		for nOut := 1; nOut <= 3; nOut++ {
			for _, rate := range []float64{0, 24.5} {
				dec, gain := make([]float64, n), make([]float64, n)
				c := make([]float64, nOut*n)
				z0 := make([]float64, n)
				for i := 0; i < n; i++ {
					dec[i] = rng.Float64()
					gain[i] = rng.NormFloat64()
					z0[i] = rng.NormFloat64()
				}
				for i := range c {
					c[i] = rng.NormFloat64()
				}
				const cnt, rowStride, outStride = 37, 5, 200
				want := make([]float64, nOut*outStride)
				got := make([]float64, nOut*outStride)
				zw := append([]float64(nil), z0...)
				zg := append([]float64(nil), z0...)
				modesAny(zw, dec, gain, c, rate, cnt, want, outStride, rowStride)
				unrolledModes[n](zg, dec, gain, c, rate, cnt, got, outStride, rowStride)
				for i := range want {
					if relErr(got[i], want[i]) > 1e-14 {
						t.Fatalf("n=%d outputs=%d rate=%v: out[%d] = %v, loop gives %v", n, nOut, rate, i, got[i], want[i])
					}
				}
				for i := range zw {
					if relErr(zg[i], zw[i]) > 1e-14 {
						t.Fatalf("n=%d outputs=%d rate=%v: z[%d] = %v, loop gives %v", n, nOut, rate, i, zg[i], zw[i])
					}
				}
			}
		}
	}
}

// A block's steps become runs of one propagator and rate recording
// consecutive rows; a bolus, an off-grid dose change or the first record
// (no propagation) stays a general step.
func TestBlockProgram(t *testing.T) {
	steps := []step{
		{Record: 10, dt: -1},                   // t = 0: record only
		{Record: 11, dt: 0, Rate: 5},           // run 1
		{Record: 12, dt: 0, Rate: 5},           // run 1
		{Record: -1, dt: 1, Rate: 5},           // off-grid change: general
		{Record: 13, dt: 2, Rate: 0},           // run 2
		{Record: 14, dt: 0, Rate: 0},           // another propagator: run 3
		{Record: 15, dt: 0, Rate: 0, Bolus: 2}, // bolus: general
		{Record: 16, dt: 0, Rate: 0},           // run 4
	}
	got := blockProgram(steps, 10)
	want := []blockOp{
		{dt: -1, row: 0, cnt: 1},
		{run: true, dt: 0, rate: 5, row: 1, cnt: 2},
		{dt: 1, rate: 5, row: -1, cnt: 1},
		{run: true, dt: 2, row: 3, cnt: 1},
		{run: true, dt: 0, row: 4, cnt: 1},
		{dt: 0, bolus: 2, row: 5, cnt: 1},
		{run: true, dt: 0, row: 6, cnt: 1},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d ops %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("op %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}
