package outcomes

import "fmt"

// Reduction returns the percentage reduction from baseline to value,
// 100 × (baseline − value) / baseline, as IMMPACT defines it for 0–10 pain
// ratings (Dworkin et al., J Pain 2008;9:105–21). ok is false when either
// score is missing or the baseline is 0: a zero baseline has no percentage
// reduction, and is never divided by.
func Reduction(baseline, value Score) (pct float64, ok bool) {
	if baseline == Missing || value == Missing || baseline <= 0 {
		return 0, false
	}
	return 100 * float64(baseline-value) / float64(baseline), true
}

// ReducedBy reports whether value is at least pct percent below baseline,
// i.e. 100 × (baseline − value) ≥ pct × baseline, compared on the exact
// hundredths so that 10 → 7 is a 30 % reduction, not 29.999…%. It is false
// when Reduction is not defined (a missing score or a zero baseline).
func ReducedBy(baseline, value Score, pct float64) bool {
	if baseline == Missing || value == Missing || baseline <= 0 {
		return false
	}
	return 100*float64(baseline-value) >= pct*float64(baseline)
}

// Benefit is the clinical importance IMMPACT assigns to a percentage
// reduction of pain intensity (Dworkin et al., J Pain 2008;9:105–21):
// 10–20 % minimally important, ≥ 30 % moderately important, ≥ 50 %
// substantial.
type Benefit int

// Benefit levels, from worse to best.
const (
	// BenefitWorse: pain went up.
	BenefitWorse Benefit = iota
	// BenefitNone: a reduction under 10 %, below IMMPACT's minimally
	// important change.
	BenefitNone
	// BenefitMinimal: 10 % to under 20 %, minimally important.
	BenefitMinimal
	// BenefitBelowModerate: 20 % to under 30 %, a band IMMPACT does not
	// assign; it is labelled plainly as below moderate.
	BenefitBelowModerate
	// BenefitModerate: at least 30 %, moderately important.
	BenefitModerate
	// BenefitSubstantial: at least 50 %, substantial.
	BenefitSubstantial
)

// ClassifyReduction returns the IMMPACT benefit of a reduction from
// baseline to value, and false when the reduction is not defined.
func ClassifyReduction(baseline, value Score) (Benefit, bool) {
	pct, ok := Reduction(baseline, value)
	if !ok {
		return BenefitNone, false
	}
	switch {
	case ReducedBy(baseline, value, 50):
		return BenefitSubstantial, true
	case ReducedBy(baseline, value, 30):
		return BenefitModerate, true
	case ReducedBy(baseline, value, 20):
		return BenefitBelowModerate, true
	case ReducedBy(baseline, value, 10):
		return BenefitMinimal, true
	case pct >= 0:
		return BenefitNone, true
	}
	return BenefitWorse, true
}

// String describes the benefit in IMMPACT's words.
func (b Benefit) String() string {
	switch b {
	case BenefitWorse:
		return "worse than baseline"
	case BenefitNone:
		return "less than a minimally important reduction (< 10 %)"
	case BenefitMinimal:
		return "minimally important reduction (10–20 %)"
	case BenefitBelowModerate:
		return "below moderate (20–30 %, not assigned by IMMPACT)"
	case BenefitModerate:
		return "moderately important reduction (≥ 30 %)"
	case BenefitSubstantial:
		return "substantial reduction (≥ 50 %)"
	}
	return fmt.Sprintf("Benefit(%d)", int(b))
}
