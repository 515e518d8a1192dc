package ranktest

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/ketatrack/ketatrack/internal/rgolden"
)

// golden is testdata/ranktest.golden.json, written by testdata/ranktest.R
// (R 4.2.2): every expected value below is what R's stats package returned
// for the same inputs.
type golden struct {
	Kruskal []struct {
		Name      string       `json:"name"`
		Groups    [][]*float64 `json:"groups"`
		Statistic *float64     `json:"statistic"`
		DF        float64      `json:"df"`
		P         *float64     `json:"p"`
	} `json:"kruskal"`
	Friedman []struct {
		Name      string       `json:"name"`
		Blocks    [][]*float64 `json:"blocks"`
		Statistic *float64     `json:"statistic"`
		DF        float64      `json:"df"`
		P         *float64     `json:"p"`
		N         float64      `json:"n"`
	} `json:"friedman"`
	SignRank []struct {
		Name      string     `json:"name"`
		X         []*float64 `json:"x"`
		Y         []*float64 `json:"y"`
		Statistic *float64   `json:"statistic"`
		P         *float64   `json:"p"`
		Exact     bool       `json:"exact"`
	} `json:"signrank"`
	PSignRank []struct {
		N float64 `json:"n"`
		Q float64 `json:"q"`
		P float64 `json:"p"`
	} `json:"psignrank"`
}

func loadGolden(t *testing.T) golden {
	t.Helper()
	b, err := os.ReadFile("testdata/ranktest.golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatalf("testdata/ranktest.golden.json: %v", err)
	}
	return g
}

// floats turns JSON numbers (null = R's NA) into float64 with NaN.
func floats(v []*float64) []float64 {
	out := make([]float64, len(v))
	for i, p := range v {
		if p == nil {
			out[i] = math.NaN()
		} else {
			out[i] = *p
		}
	}
	return out
}

// checkClose fails unless got equals want (nil = NaN) to relative tolerance
// tol, or absolute tolerance tol·1e-3 near zero.
func checkClose(t *testing.T, what string, got float64, want *float64, tol float64) {
	t.Helper()
	if want == nil {
		if !math.IsNaN(got) {
			t.Errorf("%s = %v, want NaN (R: NA)", what, got)
		}
		return
	}
	if !close(got, *want, tol) {
		t.Errorf("%s = %.17g, want %.17g (R)", what, got, *want)
	}
}

func close(got, want, tol float64) bool {
	if math.IsNaN(got) || math.IsNaN(want) {
		return false
	}
	diff := math.Abs(got - want)
	return diff <= tol*math.Abs(want) || diff <= tol*1e-3
}

const (
	statTol = 1e-9 // statistics, relative (issue 8)
	pTol    = 1e-6 // p-values, relative (issue 8)
)

func TestKruskalWallisMatchesR(t *testing.T) {
	for _, c := range loadGolden(t).Kruskal {
		t.Run(c.Name, func(t *testing.T) {
			groups := make([][]float64, len(c.Groups))
			for i, g := range c.Groups {
				groups[i] = floats(g)
			}
			got := KruskalWallis(groups)
			checkClose(t, "H", got.Statistic, c.Statistic, statTol)
			checkClose(t, "p", got.P, c.P, pTol)
			if float64(got.DF) != c.DF {
				t.Errorf("df = %d, want %v", got.DF, c.DF)
			}
		})
	}
}

func TestFriedmanMatchesR(t *testing.T) {
	for _, c := range loadGolden(t).Friedman {
		t.Run(c.Name, func(t *testing.T) {
			blocks := make([][]float64, len(c.Blocks))
			for i, b := range c.Blocks {
				blocks[i] = floats(b)
			}
			got := FriedmanTest(blocks)
			checkClose(t, "statistic", got.Statistic, c.Statistic, statTol)
			checkClose(t, "p", got.P, c.P, pTol)
			if float64(got.DF) != c.DF || float64(got.N) != c.N {
				t.Errorf("df, n = %d, %d, want %v, %v", got.DF, got.N, c.DF, c.N)
			}
		})
	}
}

// AddOrdinal (counting) must give what Add (sorting) gives on the same
// blocks; the R cases with integer scores serve as input.
func TestFriedmanOrdinalEqualsSorted(t *testing.T) {
	for _, c := range loadGolden(t).Friedman {
		t.Run(c.Name, func(t *testing.T) {
			k := len(c.Blocks[0])
			bySort, byCount := NewFriedman(k), NewFriedman(k)
			var levels []float64
			for _, b := range c.Blocks {
				for _, v := range floats(b) {
					if !math.IsNaN(v) {
						levels = append(levels, v)
					}
				}
			}
			levels = distinctSorted(levels)
			for _, b := range c.Blocks {
				vals := floats(b)
				if !bySort.Add(vals) {
					continue
				}
				keys := make([]int32, k)
				for j, v := range vals {
					for l, lv := range levels {
						if lv == v {
							keys[j] = int32(l)
						}
					}
				}
				byCount.AddOrdinal(keys, len(levels))
			}
			a, b := bySort.Result(), byCount.Result()
			if a.N != b.N || !(a.Statistic == b.Statistic || math.IsNaN(a.Statistic) && math.IsNaN(b.Statistic)) {
				t.Errorf("sorted %+v, counted %+v", a, b)
			}
		})
	}
}

func TestSignedRankMatchesR(t *testing.T) {
	for _, c := range loadGolden(t).SignRank {
		t.Run(c.Name, func(t *testing.T) {
			got := SignedRank(floats(c.X), floats(c.Y))
			checkClose(t, "V", got.V, c.Statistic, statTol)
			checkClose(t, "p", got.P, c.P, pTol)
			if got.Exact != c.Exact {
				t.Errorf("exact = %v, want %v (R's method)", got.Exact, c.Exact)
			}
		})
	}
}

func TestSignRankCDFMatchesR(t *testing.T) {
	for _, c := range loadGolden(t).PSignRank {
		got := SignRankCDF(c.Q, int(c.N))
		if !close(got, c.P, 1e-12) {
			t.Errorf("psignrank(%v, %v) = %.17g, want %.17g (R)", c.Q, c.N, got, c.P)
		}
	}
}

// Closed forms: the signed-rank counts are the coefficients of
// Π (1 + x^j); for n = 3 they are 1,1,1,2,1,1,1 over 2³ = 8.
func TestSignRankCDFClosedForm(t *testing.T) {
	want := []float64{1, 2, 3, 5, 6, 7, 8}
	for q, c := range want {
		if got := SignRankCDF(float64(q), 3); got != c/8 {
			t.Errorf("P(V ≤ %d | n=3) = %v, want %v", q, got, c/8)
		}
	}
	// Symmetry: P(V ≤ q) = P(V ≥ N − q) for N = n(n+1)/2.
	for n := 1; n <= 30; n++ {
		total := n * (n + 1) / 2
		for q := 0; q <= total; q++ {
			lo := SignRankCDF(float64(q), n)
			hi := signRankUpper(total-q, n)
			if math.Abs(lo-hi) > 1e-15 {
				t.Fatalf("n=%d q=%d: lower %v upper %v", n, q, lo, hi)
			}
		}
	}
}

// MidRanks against R's rank(c(3, 1, 4, 1, 5, 9, 2, 6, 5)) =
// 4.0 1.5 5.0 1.5 6.5 9.0 3.0 8.0 6.5, ties 1.5×2 and 6.5×2 → Σ(t³−t) = 12.
func TestMidRanks(t *testing.T) {
	x := []float64{3, 1, 4, 1, 5, 9, 2, 6, 5}
	want := []float64{4, 1.5, 5, 1.5, 6.5, 9, 3, 8, 6.5}
	r := make([]float64, len(x))
	ties := MidRanks(x, r)
	for i := range want {
		if r[i] != want[i] {
			t.Errorf("rank[%d] = %v, want %v", i, r[i], want[i])
		}
	}
	if ties != 12 {
		t.Errorf("ties = %v, want 12", ties)
	}
}

// The frequency-table form must agree with the slice form on data where the
// two are built independently.
func TestKruskalWallisTableEqualsSlices(t *testing.T) {
	groups := [][]float64{{1, 2, 2, 3, 5}, {2, 3, 3, 4}, {0, 1, 1, 5, 5, 5}}
	// Levels 0..5; counts per group.
	table := [][]int64{
		{0, 1, 2, 1, 0, 1},
		{0, 0, 1, 2, 1, 0},
		{1, 2, 0, 0, 0, 3},
	}
	a, b := KruskalWallis(groups), KruskalWallisTable(table)
	if !close(a.Statistic, b.Statistic, 1e-14) || a.DF != b.DF || a.N != b.N {
		t.Errorf("slices %+v, table %+v", a, b)
	}
}

// When R is installed, the committed golden file must be what the committed
// script prints now.
func TestGoldenRecomputedByR(t *testing.T) {
	rgolden.RequireR(t)
	fresh, err := rgolden.Run(context.Background(), ".", "testdata/ranktest.R")
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile("testdata/ranktest.golden.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := rgolden.Decode(fresh)
	if err != nil {
		t.Fatal(err)
	}
	want, err := rgolden.Decode(committed)
	if err != nil {
		t.Fatal(err)
	}
	diffs := rgolden.Compare(got, want,
		func(string) rgolden.Tolerance { return rgolden.Exact },
		func(p string) bool { return p == ".generated_by.r" })
	for _, d := range diffs {
		t.Error(d)
	}
}
