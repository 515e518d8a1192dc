package infusion

import "github.com/ketatrack/ketatrack/internal/units"

// Level is the dose engine's verdict on a rate.
type Level string

// Verdicts, as on a smart pump: a soft limit may be passed with a reason, a
// hard limit never (ISMP guidance on smart-pump drug libraries, as
// summarised in shared/CLINICAL.md).
const (
	LevelOK   Level = "ok"
	LevelSoft Level = "soft"
	LevelHard Level = "hard"
)

// DoseCheck is the dose engine's answer for one rate, stored on the event.
type DoseCheck struct {
	Level   Level  `json:"level"`
	Message string `json:"message,omitempty"`
	// Limit is the limit that applied, as text with its unit, e.g.
	// "soft max 80 mg/h (outpatient)".
	Limit  string `json:"limit,omitempty"`
	Source string `json:"source,omitempty"`
	// Findings are probable unit errors the engine saw (a ten-fold error,
	// mcg typed as mg, a per-minute unit for a per-hour rate).
	Findings []string `json:"findings,omitempty"`
}

// RateQuery is one rate for the dose engine to check: the rate as entered
// and as converted by the chart, with what the drug library needs to know.
type RateQuery struct {
	Drug     Drug
	CareArea CareArea
	// Weight is today's weight as written at check-in.
	Weight units.BodyWeight
	// Bag is the bag label, "40mg/500mL".
	Bag     units.Concentration
	Entered units.DoseRate
	// Rate is Entered converted for Bag and Weight.
	Rate Rate
	// Acknowledgement is the reason given for passing a soft limit, if any.
	Acknowledgement string
}

// RateChecker checks a rate against the drug library. Record calls it for
// every programme and every rate change; an adapter over internal/dosing
// implements it (dosecheck.go). It must be a pure function of its input
// and the drug library.
type RateChecker interface {
	CheckRate(q RateQuery) (DoseCheck, error)
}

// RateCheckFunc adapts a function to RateChecker.
type RateCheckFunc func(q RateQuery) (DoseCheck, error)

// CheckRate calls f.
func (f RateCheckFunc) CheckRate(q RateQuery) (DoseCheck, error) { return f(q) }
