package crps

// Coding is a code from a terminology, as FHIR's Coding carries it.
type Coding struct {
	// System is the terminology's URI (FHIR R4 convention).
	System string `json:"system"`
	// Code is the code in that system.
	Code string `json:"code"`
	// Display is the code's display term.
	Display string `json:"display"`
	// Source says where the code and its display were read.
	Source string `json:"source"`
}

// SNOMEDSystem is the FHIR system URI of SNOMED CT.
const SNOMEDSystem = "http://snomed.info/sct"

// srcSNOMEDRead is where the SNOMED CT codes below were read: a published
// FHIR ValueSet that lists them with their fully specified names.
const srcSNOMEDRead = "SNOMED CT, as listed in the Belgian eHealth FHIR ValueSet be-vs-diagnostic-imaging-indication v1.0.0 (eReferral/PSS Diagnostic Imaging Indication)"

// The SNOMED CT codes for CRPS that were read in a published value set.
//
// No SNOMED CT code for CRPS type II could be read in a published copy, so
// none is encoded: a type II diagnosis is coded with the parent concept
// SNOMEDCRPS, which is correct though less specific. A terminologist should
// supply the type II code (unverified).
var (
	// SNOMEDCRPS is the parent concept, complex regional pain syndrome.
	SNOMEDCRPS = Coding{System: SNOMEDSystem, Code: "128200000", Display: "Complex regional pain syndrome (disorder)", Source: srcSNOMEDRead}
	// SNOMEDCRPSTypeI is complex regional pain syndrome type I.
	SNOMEDCRPSTypeI = Coding{System: SNOMEDSystem, Code: "734947007", Display: "Complex regional pain syndrome type I (disorder)", Source: srcSNOMEDRead}
)

// CodesFor returns the SNOMED CT codings for a subtype: the type I concept
// for type I, the parent CRPS concept for type II, NOS and remission (no more
// specific code was verified), and none when no CRPS subtype applies or it
// is undetermined.
func CodesFor(t Type) []Coding {
	switch t {
	case TypeI:
		return []Coding{SNOMEDCRPSTypeI}
	case TypeII, TypeNOS, TypeRemission:
		return []Coding{SNOMEDCRPS}
	}
	return []Coding{}
}
