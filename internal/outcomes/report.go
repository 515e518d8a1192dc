package outcomes

import "math"

// Report is the cohort report of a journal: per measure, the summary of each
// day and the tests across days, and the IMMPACT responder rates of the
// pain-intensity measures. Its JSON form is the document of
// `ketatrack analyze --json` (shared/PRODUCT.md); a number R would give as NA
// is null (a *float64 left nil).
type Report struct {
	// Patients is the number of distinct patients in the journal.
	Patients int `json:"patients"`
	// Measures holds every measure with at least one value.
	Measures map[Measure]MeasureReport `json:"measures"`
	// Responders holds every pain-intensity measure with at least one value.
	Responders map[Measure]ResponderRate `json:"responders"`
}

// MeasureReport is the part of a Report about one measure.
type MeasureReport struct {
	// Days summarises each day with at least one value, in day order.
	Days []DaySummary `json:"days"`
	// KruskalWallis compares the days as independent groups, as Goldberg
	// did (seed 003_55ad5919aae10607.txt) and as R's kruskal.test.
	KruskalWallis TestResult `json:"kruskal_wallis"`
	// Friedman compares the days as repeated measures within the patients
	// who have a value on every day, as R's friedman.test.
	Friedman FriedmanResult `json:"friedman"`
	// WilcoxonFirstLast compares the first and the last day within the
	// patients who have both, as R's wilcox.test(paired = TRUE).
	WilcoxonFirstLast WilcoxonResult `json:"wilcoxon_first_last"`
}

// DaySummary describes one day's values of a measure: the number of values,
// mean and standard deviation (n − 1 denominator, as R's sd; null for a
// single value), median and quartiles (R's quantile, type 7).
type DaySummary struct {
	Day    int      `json:"day"`    // journal day
	N      int      `json:"n"`      // values that day
	Mean   float64  `json:"mean"`   // arithmetic mean
	SD     *float64 `json:"sd"`     // standard deviation, n − 1; nil for n = 1
	Median float64  `json:"median"` // R quantile type 7 at 0.5
	Q1     float64  `json:"q1"`     // first quartile, type 7
	Q3     float64  `json:"q3"`     // third quartile, type 7
}

// TestResult is a chi-squared rank test (Kruskal–Wallis): the statistic,
// its degrees of freedom and the p-value; statistic and p are null where R
// would stop with an error (a single day) or return NaN (every value equal).
type TestResult struct {
	Statistic *float64 `json:"statistic"` // tie-corrected H; nil when undefined
	DF        int      `json:"df"`        // days − 1
	P         *float64 `json:"p"`         // upper chi-squared tail; nil when undefined
}

// FriedmanResult is Friedman's test and the number of patients with a value
// on every day (the complete blocks it used).
type FriedmanResult struct {
	Statistic *float64 `json:"statistic"`  // tie-corrected chi-squared; nil when undefined
	DF        int      `json:"df"`         // days − 1
	P         *float64 `json:"p"`          // upper chi-squared tail; nil when undefined
	NComplete int      `json:"n_complete"` // patients with a value on every day
}

// WilcoxonResult is the paired signed-rank test of the first against the
// last day: N patients have both; Statistic is R's V, the sum of the ranks
// of the positive differences first − last.
type WilcoxonResult struct {
	FirstDay  int      `json:"first_day"` // first day with a value of the measure
	LastDay   int      `json:"last_day"`  // last day with a value of the measure
	N         int      `json:"n"`         // patients with both days
	Statistic *float64 `json:"statistic"` // V; nil without pairs or with one day
	P         *float64 `json:"p"`         // two-sided p-value; nil when undefined
	// Exact reports whether P is exact (fewer than 50 non-zero differences,
	// no ties, no zeros) rather than the normal approximation; not part of
	// the CLI contract's JSON.
	Exact bool `json:"-"`
}

// ResponderRate is the share of patients whose pain fell by at least 30 %
// and by at least 50 % from the first to the last day — IMMPACT's
// moderately important and substantial reductions (Dworkin et al., J Pain
// 2008;9:105–21). N counts the patients with both days and a first-day
// value above 0: a zero baseline has no percentage reduction. The
// percentages are null when N is 0.
type ResponderRate struct {
	FirstDay       int      `json:"first_day"`        // baseline: first day with a value
	LastDay        int      `json:"last_day"`         // last day with a value
	N              int      `json:"n"`                // patients with both days and a baseline above 0
	Reduction30Pct *float64 `json:"reduction_30_pct"` // % of N with ≥ 30 % reduction
	Reduction50Pct *float64 `json:"reduction_50_pct"` // % of N with ≥ 50 % reduction
}

// number returns &x, or nil when x is NaN or infinite (R's NA).
func number(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}
