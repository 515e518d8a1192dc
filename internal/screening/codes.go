package screening

// Coding is a code from a terminology, as FHIR's Coding carries it, with the
// UCUM unit of its value where it has one.
type Coding struct {
	// System is the terminology's URI.
	System string `json:"system"`
	// Code is the code in that system.
	Code string `json:"code"`
	// Display is the code's display term.
	Display string `json:"display"`
	// UCUM is the UCUM code of the observation's unit, if any.
	UCUM string `json:"ucum,omitempty"`
	// Source says where the code was read.
	Source string `json:"source"`
}

// LOINCSystem is the FHIR system URI of LOINC.
const LOINCSystem = "http://loinc.org"

// Sources of the observation codes.
const (
	srcLOINCClinical = "shared/CLINICAL.md \"Codes\""
	srcLOINCRead     = "LOINC as listed in published FHIR R4 vital-signs ValueSets and Observation examples (read via the code index: a vital-signs ValueSet with 8867-4, 9279-1, 59408-5, 8480-6, 8462-4, 8310-5; Observations with UCUM \"%\" and \"Cel\")"
)

// ObservationCodes are the LOINC codes for the baseline observations, keyed
// by the Vitals JSON field they code (plus body weight, height and pain
// severity, which intake and the journal record).
var ObservationCodes = map[string]Coding{
	"heart_rate_bpm":           {System: LOINCSystem, Code: "8867-4", Display: "Heart rate", UCUM: "/min", Source: srcLOINCClinical + "; " + srcLOINCRead},
	"systolic_mmhg":            {System: LOINCSystem, Code: "8480-6", Display: "Systolic blood pressure", UCUM: "mm[Hg]", Source: srcLOINCClinical + "; " + srcLOINCRead},
	"diastolic_mmhg":           {System: LOINCSystem, Code: "8462-4", Display: "Diastolic blood pressure", UCUM: "mm[Hg]", Source: srcLOINCClinical + "; " + srcLOINCRead},
	"spo2_percent":             {System: LOINCSystem, Code: "59408-5", Display: "Oxygen saturation in Arterial blood by Pulse oximetry", UCUM: "%", Source: srcLOINCClinical + "; " + srcLOINCRead},
	"respiratory_rate_per_min": {System: LOINCSystem, Code: "9279-1", Display: "Respiratory rate", UCUM: "/min", Source: srcLOINCClinical + "; " + srcLOINCRead},
	"temperature_c":            {System: LOINCSystem, Code: "8310-5", Display: "Body temperature", UCUM: "Cel", Source: srcLOINCRead},
	"body_weight":              {System: LOINCSystem, Code: "29463-7", Display: "Body weight", UCUM: "kg", Source: srcLOINCClinical + "; " + srcLOINCRead},
	"body_height":              {System: LOINCSystem, Code: "8302-2", Display: "Body height", UCUM: "cm", Source: srcLOINCClinical},
	"pain_severity_0_10":       {System: LOINCSystem, Code: "72514-3", Display: "Pain severity - 0-10 verbal numeric rating [Score] - Reported", UCUM: "{score}", Source: srcLOINCClinical + "; display and UCUM {score} as published FHIR profiles and examples print them"},
}
