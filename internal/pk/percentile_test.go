package pk

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Rows shaped like a population's concentrations (zero for a while, then
// rising and falling with kinks where an infusion starts or stops, each
// patient at its own rate) keep the tracker on its windows most of the time;
// every row's percentiles must still equal those of a full sort, exactly.
func TestBandTrackerFollowsCurves(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{64, 999, 10000} {
		ss, k := make([]float64, n), make([]float64, n)
		for i := range ss {
			ss[i] = math.Exp(0.3 * rng.NormFloat64())    // steady state
			k[i] = 0.2 * math.Exp(0.4*rng.NormFloat64()) // per step
		}
		var bt bandTracker
		x := make([]float64, n)
		row := make([]float64, n)
		for r := 0; r < 400; r++ {
			on := r >= 30 && r%100 < 48 // infusing
			for i := range x {
				if on {
					x[i] += (ss[i] - x[i]) * -math.Expm1(-k[i])
				} else {
					x[i] *= math.Exp(-k[i])
				}
				row[i] = x[i]
			}
			q := bt.next(row)
			for j, p := range bandQuantiles {
				if want := quantile7(row, p); q[j] != want && relErr(q[j], want) > 1e-15 {
					t.Fatalf("n=%d row=%d: percentile %v = %v, want %v", n, r, p, q[j], want)
				}
			}
		}
	}
}

// multiSelect puts every asked rank in place, repeated ranks included.
func TestMultiSelect(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	for _, n := range []int{1, 2, 13, 100, 5000} {
		a := make([]float64, n)
		for i := range a {
			a[i] = math.Round(rng.NormFloat64() * 20) // with ties
		}
		sorted := append([]float64(nil), a...)
		sortFloatsForTest(sorted)
		ranks := []int{0, n / 3, n / 3, n / 2, n - 1}
		sortInts(ranks)
		want := make([]float64, len(ranks))
		for i, r := range ranks {
			want[i] = sorted[r]
		}
		asked := append([]int(nil), ranks...)
		multiSelect(a, ranks)
		for i, r := range asked {
			if a[r] != want[i] {
				t.Fatalf("n=%d: a[%d] = %v, want %v", n, r, a[r], want[i])
			}
		}
	}
}

func sortFloatsForTest(a []float64) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j-1] > a[j]; j-- {
			a[j-1], a[j] = a[j], a[j-1]
		}
	}
}
