package units

import "strings"

// Unit is a unit of measure as ketatrack prints it, e.g. "mg/kg/h" or
// "mcg/kg/min". Micrograms print as mcg (ISMP). UCUM gives the code for
// FHIR.
type Unit string

// The units ketatrack reads and writes.
const (
	G   Unit = "g"
	Mg  Unit = "mg"
	Mcg Unit = "mcg"
	Ng  Unit = "ng"

	Kg Unit = "kg"
	Lb Unit = "lb"

	L  Unit = "L"
	ML Unit = "mL"

	H   Unit = "h"
	Min Unit = "min"
	S   Unit = "s"

	MgPerH         Unit = "mg/h"
	MgPerMin       Unit = "mg/min"
	McgPerH        Unit = "mcg/h"
	McgPerMin      Unit = "mcg/min"
	MgPerKgPerH    Unit = "mg/kg/h"
	MgPerKgPerMin  Unit = "mg/kg/min"
	McgPerKgPerH   Unit = "mcg/kg/h"
	McgPerKgPerMin Unit = "mcg/kg/min"
	MLPerH         Unit = "mL/h"

	MgPerKg  Unit = "mg/kg"
	McgPerKg Unit = "mcg/kg"

	GPerL    Unit = "g/L"
	MgPerML  Unit = "mg/mL"
	MgPerL   Unit = "mg/L"
	McgPerML Unit = "mcg/mL"
	McgPerL  Unit = "mcg/L"
	NgPerML  Unit = "ng/mL"
	NgPerL   Unit = "ng/L"
	GPerML   Unit = "g/mL"
)

// String returns the unit as printed.
func (u Unit) String() string { return string(u) }

// UCUM returns the Unified Code for Units of Measure code of u (as used by
// FHIR Quantity.code with system http://unitsofmeasure.org): micrograms are
// "ug", the avoirdupois pound is "[lb_av]", litres "L" and millilitres "mL".
func (u Unit) UCUM() string {
	if u == Lb {
		return "[lb_av]"
	}
	segs := strings.Split(string(u), "/")
	for i, s := range segs {
		if s == "mcg" {
			segs[i] = "ug"
		}
	}
	return strings.Join(segs, "/")
}

// PerMinute reports whether u is a rate per minute (mg/min, mcg/kg/min).
func (u Unit) PerMinute() bool { return strings.HasSuffix(string(u), "/min") }

// PerKilogram reports whether u is per kilogram of body weight (mg/kg/h,
// mcg/kg, ...).
func (u Unit) PerKilogram() bool { return strings.Contains(string(u), "/kg") }

// InMicrograms reports whether u's amount is in micrograms (mcg, mcg/kg/min).
func (u Unit) InMicrograms() bool { return strings.HasPrefix(string(u), "mcg") }

// massUnits maps accepted spellings of a drug amount to the unit and its
// size in mg.
var massUnits = map[string]struct {
	unit Unit
	mg   float64
}{
	"g":   {G, 1000},
	"mg":  {Mg, 1},
	"mcg": {Mcg, 1e-3},
	"ug":  {Mcg, 1e-3},
	"ng":  {Ng, 1e-6},
}

// weightUnits maps spellings of a body weight to the unit and its size in
// kg. 1 lb = 0.45359237 kg exactly (international yard and pound agreement,
// 1959; NIST SP 811 appendix B).
var weightUnits = map[string]struct {
	unit Unit
	kg   float64
}{
	"kg":  {Kg, 1},
	"g":   {G, 1e-3},
	"lb":  {Lb, 0.45359237},
	"lbs": {Lb, 0.45359237},
}

// volumeUnits maps spellings of a volume to the unit and its size in mL.
var volumeUnits = map[string]struct {
	unit Unit
	mL   float64
}{
	"l":  {L, 1000},
	"ml": {ML, 1},
}

// timeUnits maps spellings of a time unit to the unit and its size in s.
var timeUnits = map[string]struct {
	unit Unit
	s    float64
}{
	"h":   {H, 3600},
	"hr":  {H, 3600},
	"min": {Min, 60},
	"s":   {S, 1},
}
