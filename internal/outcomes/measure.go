// Package outcomes holds the patient journal of Goldberg's study and what a
// clinic computes from it: the cohort report per day (n, mean ± SD, median
// and quartiles; Kruskal–Wallis, Friedman and Wilcoxon tests, as R computes
// them), IMMPACT responder rates, and the clinic's outcome definitions —
// baseline, response, relapse and duration of relief per patient per course
// — with a booster suggestion from a patient's own relief history.
//
// Journal values are scores with at most two decimals, held exactly as
// hundredths (Score), so that a cohort of millions of rows is summarised by
// counting rather than sorting. Kaplan–Meier curves of the relief durations
// are computed by package survival.
package outcomes

import "fmt"

// Measure is one column of the daily journal.
type Measure int

// The journal measures of Goldberg et al., Pain Physician 2005 (seed
// 003_55ad5919aae10607.txt: "Patient journal entries were made each day prior
// to infusion"), in the column order of the journal CSV (shared/PRODUCT.md).
const (
	PainNow   Measure = iota // pain now ("initial"), 0–10
	PainWorst                // worst pain, 0–10
	PainLeast                // least pain, 0–10
	Pain24h                  // pain over the past 24 hours, 0–10
	Affective                // affective component of pain, 0–4
	Burning                  // burning pain, 0–4
	Aching                   // aching pain, 0–4
	Punishing                // punishing pain, 0–4
	Movement                 // ability to initiate movement of the affected limb, 0–10
	ReliefPct                // overall pain relief, 0–100 %
	// NumMeasures is the number of journal measures.
	NumMeasures = iota
)

// measureInfo describes each measure: its CSV column, its range in
// hundredths, and whether it is a 0–10 pain-intensity rating (the ratings
// IMMPACT's percentage reductions apply to).
var measureInfo = [NumMeasures]struct {
	column string
	label  string
	max    Score
	unit   string
	pain   bool
}{
	// Ranges: shared/PRODUCT.md "Journal CSV" — pain 0–10,
	// affective/burning/aching/punishing 0–4, movement 0–10, relief 0–100;
	// the scales are Goldberg's (003: verbal 0–10 pain scale, verbal 0–4
	// affective scale, "10-point scale" for movement).
	PainNow:   {"pain_now", "Pain now", 1000, "/10", true},
	PainWorst: {"pain_worst", "Worst pain", 1000, "/10", true},
	PainLeast: {"pain_least", "Least pain", 1000, "/10", true},
	Pain24h:   {"pain_24h", "Pain over past 24 h", 1000, "/10", true},
	Affective: {"affective", "Affective component", 400, "/4", false},
	Burning:   {"burning", "Burning pain", 400, "/4", false},
	Aching:    {"aching", "Aching pain", 400, "/4", false},
	Punishing: {"punishing", "Punishing pain", 400, "/4", false},
	Movement:  {"movement", "Ability to initiate movement", 1000, "/10", false},
	ReliefPct: {"relief_pct", "Overall relief", 10000, "%", false},
}

// Measures lists every journal measure in column order.
func Measures() []Measure {
	m := make([]Measure, NumMeasures)
	for i := range m {
		m[i] = Measure(i)
	}
	return m
}

// Valid reports whether m is one of the journal measures.
func (m Measure) Valid() bool { return m >= 0 && m < NumMeasures }

// Column is the measure's column name in the journal CSV, e.g. "pain_worst".
func (m Measure) Column() string {
	if !m.Valid() {
		return fmt.Sprintf("Measure(%d)", int(m))
	}
	return measureInfo[m].column
}

// String returns the column name.
func (m Measure) String() string { return m.Column() }

// Label is a human-readable name, e.g. "Worst pain".
func (m Measure) Label() string { return measureInfo[m].label }

// Unit is the scale the measure is read on: "/10", "/4" or "%".
func (m Measure) Unit() string { return measureInfo[m].unit }

// Max is the top of the measure's scale (10, 4 or 100).
func (m Measure) Max() Score { return measureInfo[m].max }

// PainIntensity reports whether m is one of the four 0–10 pain-intensity
// ratings (now, worst, least, past 24 h), the measures IMMPACT's percentage
// reductions are defined for (Dworkin et al., J Pain 2008;9:105–21).
func (m Measure) PainIntensity() bool { return m.Valid() && measureInfo[m].pain }

// ParseMeasure returns the measure whose CSV column is name.
func ParseMeasure(name string) (Measure, error) {
	for i, info := range measureInfo {
		if info.column == name {
			return Measure(i), nil
		}
	}
	return 0, fmt.Errorf("unknown journal measure %q", name)
}

// MarshalText writes the measure as its column name.
func (m Measure) MarshalText() ([]byte, error) {
	if !m.Valid() {
		return nil, fmt.Errorf("invalid journal measure %d", int(m))
	}
	return []byte(m.Column()), nil
}

// UnmarshalText reads a measure from its column name.
func (m *Measure) UnmarshalText(b []byte) error {
	v, err := ParseMeasure(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}
