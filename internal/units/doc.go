// Package units holds the quantities a ketamine dose is written in, as types
// the compiler checks: a drug amount (Mass), a patient's weight (BodyWeight),
// a Volume, a Duration, a Concentration, the three rates a pump or an order
// uses (MassRate in mg/h, WeightRate in mg/kg/h, VolumeRate in mL/h), a rate
// as written (DoseRate) and a bolus as written (Dose).
//
// # Design
//
// Every quantity is a struct with unexported fields, made by a named
// constructor (Milligrams(40), Kilograms(70), Hours(4)) or by a Parse
// function, and read by an accessor in a named unit (m.Milligrams()). A bare
// float64 therefore cannot be passed where a quantity is expected, and mg
// cannot be added to mL: the methods that exist are the ones that make
// dimensional sense (Mass.Add(Mass), WeightRate.At(BodyWeight) MassRate,
// MassRate.PerKilogram(BodyWeight) (WeightRate, error)).
//
// A quantity remembers the unit it was written in: Parse("350mcg") keeps 350
// and mcg, and String prints "350mcg". Two quantities that are equal in
// amount but written differently (1g and 1000mg) are therefore different Go
// values; compare them through an accessor.
//
// # Parsing
//
// Parse functions take the name of the field being parsed (for example
// "--rate" or "weight") and return a *ParseError naming it, the input, the
// reason and the accepted units. They reject rather than guess:
//   - a number without a unit, or a unit without a number;
//   - an empty string, NaN, Inf, exponents (1e3), signs, a decimal comma or
//     thousands separator (0,35 or 1,000), a naked decimal point (.5 — ISMP's
//     list of error-prone abbreviations asks for a leading zero, 0.5) and a
//     trailing one (5.);
//   - anything after the unit ("0.35mg/kg/h x");
//   - a dose written where a rate is needed (mg/kg as a rate) and the
//     reverse;
//   - cc (ISMP error-prone; write mL) and any unit not listed below;
//   - negative values always, and zero where it has no meaning (a weight, a
//     concentration, a rate, a bolus);
//   - non-zero magnitudes outside [1e-9, 1e12] in the unit written, so that
//     no conversion can overflow or underflow (a guard on arithmetic, not a
//     clinical limit: clinical limits are the drug library's business).
//
// Units are matched without regard to case (MG/H is mg/h); µg (micro sign or
// Greek mu), ug and mcg are the same unit and print as mcg, as ISMP
// recommends; h and hr are the same unit and print as h; lb and lbs print as
// lb. Spaces between the number and the unit and around "/" are allowed.
//
// Accepted units:
//   - Mass: g, mg, mcg (µg, ug), ng
//   - BodyWeight: kg, g, lb (lbs)
//   - Volume: L, mL
//   - Duration: h (hr), min, s, and compounds in decreasing order such as
//     4h30min or 1min30s
//   - Concentration: mass/volume units (mg/mL, mg/L, mcg/mL, ng/mL, g/L, ...)
//     or an amount in a volume such as 80mg/500mL
//   - DoseRate: mg/h, mg/min, mcg/h, mcg/min, mg/kg/h, mg/kg/min, mcg/kg/h,
//     mcg/kg/min, mL/h; an amount over a duration (40mg/4h, 0.5mg/kg/30min);
//     a rate per reference weight as papers write it (22.2mg/h/70kg)
//   - Dose (bolus): mg, mcg, mg/kg, mcg/kg
//
// # Exactness and printing
//
// Conversions multiply by exact factors (1 lb = 0.45359237 kg exactly, by the
// international yard and pound agreement of 1959; 1 h = 60 min = 3600 s), so
// each conversion adds at most a few units in the last place: well within
// 1e-12 relative. String prints the value exactly as stored (the shortest
// decimal that parses back to the same float64, never an exponent, never a
// trailing zero) followed by its unit, so Parse(q.String()) == q. Format(n)
// prints n significant digits for people to read; its result is text and is
// never parsed back into a computation.
//
// Every unit has its UCUM code (Unit.UCUM) for FHIR export: mg, ug, kg,
// [lb_av], mL, h, min, s, mg/h, mg/kg/h, ug/kg/min, mL/h, mg/mL and so on.
package units
