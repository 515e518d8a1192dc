package infusion

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
}

// RateQuery is what the dose engine needs to convert and check one rate.
type RateQuery struct {
	Drug     Drug
	CareArea string
	Weight   Kilograms
	Bag      Bag
	Entered  RateEntry
}

// RateVerdict is the dose engine's conversion of the entered rate to both
// pump units and its check against the drug library.
type RateVerdict struct {
	Rate  Rate
	Check DoseCheck
}

// RateChecker converts and checks a rate. Record calls it for every
// programme and every rate change; an adapter over internal/dosing
// implements it (dosecheck.go). It must be a pure function of its input and
// the drug library.
type RateChecker interface {
	CheckRate(q RateQuery) (RateVerdict, error)
}

// RateCheckFunc adapts a function to RateChecker.
type RateCheckFunc func(q RateQuery) (RateVerdict, error)

// CheckRate calls f.
func (f RateCheckFunc) CheckRate(q RateQuery) (RateVerdict, error) { return f(q) }
