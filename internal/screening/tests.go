package screening

import (
	"fmt"
	"time"
)

// TestKind is a pre-infusion investigation.
type TestKind string

// The investigations screening asks for.
const (
	ECG           TestKind = "ecg"
	LiverFunction TestKind = "liver_function"
	BloodCount    TestKind = "blood_count"
)

// Label returns the test's name as staff write it.
func (k TestKind) Label() string {
	switch k {
	case ECG:
		return "ECG"
	case LiverFunction:
		return "liver function tests"
	case BloodCount:
		return "complete blood count"
	}
	return string(k)
}

// TestStatus is where a test is.
type TestStatus string

// The statuses of a test.
const (
	Ordered  TestStatus = "ordered"
	Resulted TestStatus = "resulted"
)

// TestResult is the clinician's reading of a resulted test.
type TestResult string

// The readings of a test.
const (
	Normal   TestResult = "normal"
	Abnormal TestResult = "abnormal"
)

// TestRecord is a test ordered or resulted for this screening.
type TestRecord struct {
	// Test is the investigation.
	Test TestKind `json:"test"`
	// Status is ordered or resulted.
	Status TestStatus `json:"status"`
	// Date is when the sample was taken or the ECG recorded, YYYY-MM-DD;
	// required once resulted.
	Date string `json:"date,omitempty"`
	// Result is normal or abnormal; required once resulted.
	Result TestResult `json:"result,omitempty"`
	// Note holds values or comments.
	Note string `json:"note,omitempty"`
}

// dateLayout is how dates are written (ISO 8601 calendar date).
const dateLayout = "2006-01-02"

// Validate checks a test record.
func (t TestRecord) Validate() error {
	switch t.Test {
	case ECG, LiverFunction, BloodCount:
	default:
		return fieldErr("test", fmt.Sprintf("%q is not a test: want ecg, liver_function or blood_count", t.Test))
	}
	switch t.Status {
	case Ordered:
		if t.Result != "" {
			return fieldErr("result", "an ordered test has no result yet; set status to resulted")
		}
	case Resulted:
		if t.Result != Normal && t.Result != Abnormal {
			return fieldErr("result", fmt.Sprintf("%q is not a result: want normal or abnormal", t.Result))
		}
		if t.Date == "" {
			return fieldErr("date", "a resulted test needs the date it was taken")
		}
	default:
		return fieldErr("status", fmt.Sprintf("%q is not a status: want ordered or resulted", t.Status))
	}
	if t.Date != "" {
		if _, err := time.Parse(dateLayout, t.Date); err != nil {
			return fieldErr("date", fmt.Sprintf("%q is not a date: want YYYY-MM-DD", t.Date))
		}
	}
	return nil
}

// Sources of the test requirements.
const (
	srcECG      = "Cohen et al., Reg Anesth Pain Med 2018;43:521–46, preinfusion tests (C, low certainty), as summarised by Guideline Central (guideline 8150): in individuals with suspected or at high risk of cardiovascular disease, baseline ECG to rule out poorly controlled ischemic heart disease; no testing is necessary for healthy individuals"
	srcLFT      = "Cohen et al., Reg Anesth Pain Med 2018;43:521–46, preinfusion tests (C, low certainty), as summarised by Guideline Central (guideline 8150): with baseline liver dysfunction or at risk of liver toxicity (e.g. alcohol abuse, chronic hepatitis), and when high doses are expected at frequent intervals, baseline and post-infusion liver function tests should be considered"
	srcMultiDay = "seed 001_db080c63fd53018a.txt evidence table: liver function tests measured in Sigtermans 2009 (4.2-day infusion) and LFT/CBC in Goebel 2015 (4.5-day infusion)"
)

// RequiredTest is a test the patient's answers call for, with its state.
type RequiredTest struct {
	// Test is the investigation.
	Test TestKind `json:"test"`
	// Timing says when: "baseline", "baseline and after the infusion", or
	// "during the multi-day infusion".
	Timing string `json:"timing"`
	// Why lists the answers that call for it.
	Why []string `json:"why"`
	// State is "missing", "ordered", "normal" or "abnormal" for the baseline.
	State string `json:"state"`
	// Source cites the recommendation.
	Source string `json:"source"`
}

// requiredTests works out the tests an input calls for. The input must have
// been validated.
func requiredTests(in Input) []RequiredTest {
	yes := func(id string) bool { return in.Conditions[id] == Yes }
	var ecgWhy, lftWhy, cbcWhy []string
	// ECG: suspected or high cardiovascular risk (Cohen 2018). A recorded
	// cardiovascular condition is such a risk.
	if in.CardiovascularRisk == Yes {
		ecgWhy = append(ecgWhy, "suspected or high risk of cardiovascular disease")
	}
	for _, id := range []string{"cardiovascular_poorly_controlled", "severe_coronary_myocardial_disease"} {
		if yes(id) {
			ecgWhy = append(ecgWhy, conditionByID[id].Label)
		}
	}
	// Liver function: baseline liver dysfunction or risk of toxicity, or high
	// doses at frequent intervals (Cohen 2018); hepatic disease recorded as a
	// condition is baseline liver dysfunction.
	if in.LiverRisk == Yes {
		lftWhy = append(lftWhy, "baseline liver dysfunction or at risk of liver toxicity")
	}
	for _, id := range []string{"hepatic_disease_moderate", "hepatic_disease_severe"} {
		if yes(id) {
			lftWhy = append(lftWhy, conditionByID[id].Label)
		}
	}
	if in.RepeatedInfusions == Yes && in.HighDoseFrequent == Yes {
		lftWhy = append(lftWhy, "high doses expected at frequent intervals")
	}
	if in.MultiDayContinuous == Yes {
		lftWhy = append(lftWhy, "continuous infusion over several days")
		cbcWhy = append(cbcWhy, "continuous infusion over several days")
	}
	var out []RequiredTest
	if len(ecgWhy) > 0 {
		out = append(out, RequiredTest{Test: ECG, Timing: "baseline", Why: ecgWhy, Source: srcECG})
	}
	if len(lftWhy) > 0 {
		src := srcLFT
		if in.MultiDayContinuous == Yes {
			src += "; " + srcMultiDay
		}
		out = append(out, RequiredTest{Test: LiverFunction, Timing: "baseline and after the infusion", Why: lftWhy, Source: src})
	}
	if len(cbcWhy) > 0 {
		out = append(out, RequiredTest{Test: BloodCount, Timing: "during the multi-day infusion", Why: cbcWhy, Source: srcMultiDay})
	}
	for i := range out {
		out[i].State = testState(in.Tests, out[i].Test)
	}
	return out
}

// testState is the state of the latest record of a test: a resulted record
// wins over an ordered one; among resulted ones the latest date wins.
func testState(recs []TestRecord, k TestKind) string {
	state, date := "missing", ""
	for _, r := range recs {
		if r.Test != k {
			continue
		}
		switch r.Status {
		case Ordered:
			if state == "missing" {
				state = "ordered"
			}
		case Resulted:
			if state == "missing" || state == "ordered" || r.Date >= date {
				state, date = string(r.Result), r.Date
			}
		}
	}
	return state
}
