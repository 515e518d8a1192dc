package opioid

import "fmt"

// Opioid names an opioid ingredient.
type Opioid string

// The opioids ketatrack knows. Other opioids are recorded as Other with a
// name, shown and not converted.
const (
	Codeine       Opioid = "codeine"
	Fentanyl      Opioid = "fentanyl"
	Hydrocodone   Opioid = "hydrocodone"
	Hydromorphone Opioid = "hydromorphone"
	Methadone     Opioid = "methadone"
	Morphine      Opioid = "morphine"
	Oxycodone     Opioid = "oxycodone"
	Oxymorphone   Opioid = "oxymorphone"
	Tapentadol    Opioid = "tapentadol"
	Tramadol      Opioid = "tramadol"
	Buprenorphine Opioid = "buprenorphine"
	Other         Opioid = "other"
)

// Opioids lists the known opioids in display order.
var Opioids = []Opioid{Codeine, Fentanyl, Hydrocodone, Hydromorphone, Methadone, Morphine, Oxycodone, Oxymorphone, Tapentadol, Tramadol, Buprenorphine, Other}

// RxNormIngredient gives the RxNorm ingredient code (RXCUI) of each known
// opioid, as CDC's FHIR implementation guide lists them
// (cqframework/opioid-mme-r4, ConversionFactorsTests.cql ingredient codes,
// and ConversionFactors.cql).
var RxNormIngredient = map[Opioid]string{
	Codeine:       "2670",
	Fentanyl:      "4337",
	Hydrocodone:   "5489",
	Hydromorphone: "3423",
	Methadone:     "6813",
	Morphine:      "7052",
	Oxycodone:     "7804",
	Oxymorphone:   "7814",
	Tapentadol:    "787390",
	Tramadol:      "10689",
	Buprenorphine: "1819",
}

// Table names an MME conversion table.
type Table string

// The conversion tables.
const (
	// CDC2022 is the table of Dowell et al., MMWR Recomm Rep 2022;71(RR-3).
	CDC2022 Table = "cdc-2022"
	// CDC2016 is the table of Dowell et al., MMWR Recomm Rep 2016;65(RR-1),
	// with tiered methadone factors.
	CDC2016 Table = "cdc-2016"
)

// DefaultTable is the table used unless another is named.
const DefaultTable = CDC2022

// Sources of the tables.
const (
	srcCDC2022 = "Dowell et al., MMWR Recomm Rep 2022;71(RR-3):1–95, Table (MME doses for commonly prescribed opioids), as reproduced by globalrph.com and Medscape"
	srcCDC2016 = "Dowell et al., MMWR Recomm Rep 2016;65(RR-1):1–49, MME conversion factors, as encoded by CDC's FHIR implementation guide (cqframework/opioid-mme-r4: ConversionFactors.cql, CodeSystem CDCMMEClinicalConversionFactors)"
)

// TableInfo describes a table.
type TableInfo struct {
	// Table is the table's name.
	Table Table `json:"table"`
	// Title is how the table is cited on a figure.
	Title string `json:"title"`
	// Source cites where it was read.
	Source string `json:"source"`
}

// Tables describes the tables ketatrack offers.
var Tables = map[Table]TableInfo{
	CDC2022: {Table: CDC2022, Title: "CDC 2022 MME conversion factors", Source: srcCDC2022},
	CDC2016: {Table: CDC2016, Title: "CDC 2016 MME conversion factors", Source: srcCDC2016},
}

// Validate checks that t names a known table.
func (t Table) Validate() error {
	if _, ok := Tables[t]; !ok {
		return fmt.Errorf("%q is not a conversion table: want %s or %s", string(t), CDC2022, CDC2016)
	}
	return nil
}

// methadoneTier is one band of the 2016 table's tiered methadone factor; a
// daily dose counts in the band when low ≤ dose ≤ high (high 0: no upper end).
type methadoneTier struct {
	lowMgPerDay, highMgPerDay, factor float64
}

// methadone2016 is the 2016 table's methadone tiers: 1–20 mg/day × 4,
// 21–40 × 8, 41–60 × 10, ≥ 61 × 12 (srcCDC2016: dose-range-conversion-factor
// "1-20:4", "21-40:8", "41-60:10", "61-*:12"). Doses between the bands
// (e.g. 20.5 mg/day) or below 1 mg/day have no factor in the source.
var methadone2016 = []methadoneTier{
	{lowMgPerDay: 1, highMgPerDay: 20, factor: 4},
	{lowMgPerDay: 21, highMgPerDay: 40, factor: 8},
	{lowMgPerDay: 41, highMgPerDay: 60, factor: 10},
	{lowMgPerDay: 61, highMgPerDay: 0, factor: 12},
}

// factors holds the flat factors per table: MME/day per mg/day, except
// fentanyl, whose factor is per mcg/h of transdermal patch. Methadone in the
// 2016 table is tiered (methadone2016). An opioid missing from a table's map
// has no factor in that table.
var factors = map[Table]map[Opioid]float64{
	// CDC 2022 table (srcCDC2022): codeine 0.15, fentanyl transdermal (in
	// mcg/hr) 2.4, hydrocodone 1.0, hydromorphone 5.0, methadone 4.7,
	// morphine 1.0, oxycodone 1.5, oxymorphone 3.0, tapentadol 0.4,
	// tramadol 0.2.
	CDC2022: {
		Codeine:       0.15,
		Fentanyl:      2.4,
		Hydrocodone:   1,
		Hydromorphone: 5,
		Methadone:     4.7,
		Morphine:      1,
		Oxycodone:     1.5,
		Oxymorphone:   3,
		Tapentadol:    0.4,
		Tramadol:      0.2,
	},
	// CDC 2016 table (srcCDC2016): codeine 0.15, fentanyl transdermal patch
	// (mcg/hr) 2.4, hydrocodone 1, hydromorphone 4, methadone tiered,
	// morphine 1, oxycodone 1.5, oxymorphone 3. Tapentadol and tramadol are
	// not in this table.
	CDC2016: {
		Codeine:       0.15,
		Fentanyl:      2.4,
		Hydrocodone:   1,
		Hydromorphone: 4,
		Morphine:      1,
		Oxycodone:     1.5,
		Oxymorphone:   3,
	},
}

// Cautions are CDC 2022's notes to its table, carried on every summary: the
// first three from the table's footnotes as read (srcCDC2022), the last as
// shared/CLINICAL.md summarises Dowell 2022 on buprenorphine and opioid use
// disorder.
var Cautions = []string{
	"Equianalgesic dose conversions are only estimates and cannot account for individual variability in genetics and pharmacokinetics.",
	"Do not use the calculated MME to determine the dose when converting one opioid to another: the new opioid is typically dosed substantially lower.",
	"Use particular caution with methadone (long and variable half-life) and with transdermal fentanyl (dosed in mcg/h, not mg/day).",
	"Buprenorphine has no conversion factor (partial agonist): it is shown, not converted. MME is not for opioid use disorder treatment.",
}
