package fhir

import (
	"github.com/ketatrack/ketatrack/internal/crps"
)

// Code systems (FHIR R4 terminology, http://hl7.org/fhir/R4/terminologies-systems.html).
const (
	LOINC   = "http://loinc.org"
	SNOMED  = crps.SNOMEDSystem // http://snomed.info/sct
	RxNorm  = "http://www.nlm.nih.gov/research/umls/rxnorm"
	UCUM    = "http://unitsofmeasure.org"
	ATC     = "http://www.whocc.no/atc"
	UNII    = "http://fdasis.nlm.nih.gov"
	ObsCat  = "http://terminology.hl7.org/CodeSystem/observation-category"
	CondCat = "http://terminology.hl7.org/CodeSystem/condition-category"
	// LocalSystem prefixes ketatrack's own code systems, for concepts no
	// standard code was verified for ("urn:ketatrack:fhir:journal").
	LocalSystem = "urn:ketatrack:fhir:"
)

// Code is one code ketatrack writes, with where it was read.
type Code struct {
	Coding
	// Source says where the code and display were read (a specification,
	// a value set, a published implementation guide).
	Source string
}

// Sources of the codes. The search of this session read each code in the
// place named; codes only one source gave are marked so.
const (
	srcVitalsVS = "FHIR R4 value set observation-vitalsignresult (http://hl7.org/fhir/ValueSet/observation-vitalsignresult, OID 2.16.840.1.113883.3.88.12.80.62), which lists 85353-1, 9279-1, 8867-4, 2708-6, 8302-2, 29463-7, 85354-9, 8480-6, 8462-4 with these displays"
	srcBPPanel  = "FHIR value set observation-vitalsign-bppanel (35094-2, 55417-0, 85354-9 \"Blood pressure panel with all children optional\"); US Core STU7 Observation-blood-pressure example (85354-9 with components 8480-6 and 8462-4 in mm[Hg])"
	srcPulseOx  = "US Core Pulse Oximetry profile: code 2708-6 and 59408-5 together; display of 59408-5 as in shared/CLINICAL.md (\"SpO2 by pulse oximetry\")"
	srcPainVS   = "eCQM value set \"Standardized Pain Assessment Tool\" (OID 2.16.840.1.113883.3.526.3.1028): 72514-3 \"Pain severity - 0-10 verbal numeric rating [Score] - Reported\"; also shared/CLINICAL.md"
	srcPHQ9VS   = "eCQM value set \"PHQ 9 and PHQ 9M Tools\" (OID 2.16.840.1.113883.3.67.1.101.1.263): 44261-6 \"Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]\"; issue 13"
	srcLimbs    = "SNOMED CT limb structures as mapped in a published vitals body-site ConceptMap (\"L LEG\" → 32153003 Structure of left lower limb, \"R LEG\" → 62175007, \"R ARM\" → 6921000 Structure of right upper limb) and the Estonian HL7 FHIR blood-pressure body-site value set (80768000 Structure of left upper limb, 6921000)"
	srcRoutes   = "SNOMED CT route qualifiers as used in FHIR R4 dosage examples and published implementation guides: 47625008 Intravenous route, 26643006 Oral route, 78421000 Intramuscular route, 34206005 Subcutaneous route"
	srcKetamine = "RxNorm ingredient 6130 ketamine: shared/CLINICAL.md (\"RxNorm 6130 ketamine\", marked verify); openFDA NDC records of ketamine hydrochloride injection list the clinical drugs 238082, 238083, 238084 (10, 50, 100 mg/mL), not the ingredient — a second source for 6130 was not read this session"
	srcEsket    = "esketamine: ATC N01AX14 and UNII 50LFG02TXD from the ADReCS drug summary BADD_D02488 (bio-add.org); no RxNorm ingredient concept for esketamine was read (only the nasal-spray forms 2201623 SCDF and 2201625 SBDF), so none is written"
	srcObsCat   = "FHIR R4 code system observation-category (http://terminology.hl7.org/CodeSystem/observation-category): vital-signs, survey, exam, activity"
	srcCond     = "FHIR R4 code systems condition-clinical, condition-ver-status and condition-category (http://terminology.hl7.org/CodeSystem/…)"
	srcUCUM     = "UCUM (http://unitsofmeasure.org), The Unified Code for Units of Measure: /min, mm[Hg], %, kg, g, [lb_av], cm, [in_i], s, m, [ft_i], deg, mg, mL, h, {score} (annotation); the drug units' codes from internal/units (Unit.UCUM)"
	srcV2MR     = "HL7 v2 table 0203 (http://terminology.hl7.org/CodeSystem/v2-0203): MR \"Medical record number\""
	srcDataOp   = "HL7 v3 DataOperation (http://terminology.hl7.org/CodeSystem/v3-DataOperation): CREATE, UPDATE, DELETE"
	srcAESev    = "FHIR R4 code system adverse-event-severity (http://terminology.hl7.org/CodeSystem/adverse-event-severity): mild, moderate, severe"
	srcActCode  = "HL7 v3 ActCode (http://terminology.hl7.org/CodeSystem/v3-ActCode), the R4 Encounter.class value set: AMB \"ambulatory\", IMP \"inpatient encounter\""
	srcLocal    = "ketatrack's own code: no standard code for this concept was verified this session"
)

// The codes, by what they code.
var (
	CodeHeartRate   = Code{Coding{LOINC, "8867-4", "Heart rate"}, srcVitalsVS}
	CodeBPPanel     = Code{Coding{LOINC, "85354-9", "Blood pressure panel with all children optional"}, srcBPPanel}
	CodeSystolic    = Code{Coding{LOINC, "8480-6", "Systolic blood pressure"}, srcVitalsVS}
	CodeDiastolic   = Code{Coding{LOINC, "8462-4", "Diastolic blood pressure"}, srcVitalsVS}
	CodeSpO2        = Code{Coding{LOINC, "2708-6", "Oxygen saturation in Arterial blood"}, srcVitalsVS}
	CodeSpO2Pulse   = Code{Coding{LOINC, "59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"}, srcPulseOx}
	CodeRespRate    = Code{Coding{LOINC, "9279-1", "Respiratory rate"}, srcVitalsVS}
	CodeBodyWeight  = Code{Coding{LOINC, "29463-7", "Body weight"}, srcVitalsVS}
	CodeBodyHeight  = Code{Coding{LOINC, "8302-2", "Body height"}, srcVitalsVS}
	CodePainNRS     = Code{Coding{LOINC, "72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported"}, srcPainVS}
	CodePHQ9Total   = Code{Coding{LOINC, "44261-6", "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]"}, srcPHQ9VS}
	CodeKetamine    = Code{Coding{RxNorm, "6130", "ketamine"}, srcKetamine}
	CodeEsketATC    = Code{Coding{ATC, "N01AX14", "esketamine"}, srcEsket}
	CodeEsketUNII   = Code{Coding{UNII, "50LFG02TXD", "ESKETAMINE"}, srcEsket}
	CodeCRPS        = Code{Coding{SNOMED, crps.SNOMEDCRPS.Code, crps.SNOMEDCRPS.Display}, crps.SNOMEDCRPS.Source}
	CodeCRPSTypeI   = Code{Coding{SNOMED, crps.SNOMEDCRPSTypeI.Code, crps.SNOMEDCRPSTypeI.Display}, crps.SNOMEDCRPSTypeI.Source}
	CodeLeftUpper   = Code{Coding{SNOMED, "80768000", "Structure of left upper limb"}, srcLimbs}
	CodeRightUpper  = Code{Coding{SNOMED, "6921000", "Structure of right upper limb"}, srcLimbs}
	CodeLeftLower   = Code{Coding{SNOMED, "32153003", "Structure of left lower limb"}, srcLimbs}
	CodeRightLower  = Code{Coding{SNOMED, "62175007", "Structure of right lower limb"}, srcLimbs}
	CodeRouteIV     = Code{Coding{SNOMED, "47625008", "Intravenous route"}, srcRoutes}
	CodeRoutePO     = Code{Coding{SNOMED, "26643006", "Oral route"}, srcRoutes}
	CodeRouteIM     = Code{Coding{SNOMED, "78421000", "Intramuscular route"}, srcRoutes}
	CodeRouteSC     = Code{Coding{SNOMED, "34206005", "Subcutaneous route"}, srcRoutes}
	CodeVitalSigns  = Code{Coding{ObsCat, "vital-signs", "Vital Signs"}, srcObsCat}
	CodeSurvey      = Code{Coding{ObsCat, "survey", "Survey"}, srcObsCat}
	CodeExam        = Code{Coding{ObsCat, "exam", "Exam"}, srcObsCat}
	CodeActivity    = Code{Coding{ObsCat, "activity", "Activity"}, srcObsCat}
	CodeActive      = Code{Coding{"http://terminology.hl7.org/CodeSystem/condition-clinical", "active", "Active"}, srcCond}
	CodeRemission   = Code{Coding{"http://terminology.hl7.org/CodeSystem/condition-clinical", "remission", "Remission"}, srcCond}
	CodeConfirmed   = Code{Coding{"http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed", "Confirmed"}, srcCond}
	CodeEncounterDx = Code{Coding{CondCat, "encounter-diagnosis", "Encounter Diagnosis"}, srcCond}
	CodeMRN         = Code{Coding{"http://terminology.hl7.org/CodeSystem/v2-0203", "MR", "Medical record number"}, srcV2MR}
	CodeCreate      = Code{Coding{"http://terminology.hl7.org/CodeSystem/v3-DataOperation", "CREATE", "create"}, srcDataOp}
	CodeUpdate      = Code{Coding{"http://terminology.hl7.org/CodeSystem/v3-DataOperation", "UPDATE", "revise"}, srcDataOp}
	CodeDelete      = Code{Coding{"http://terminology.hl7.org/CodeSystem/v3-DataOperation", "DELETE", "delete"}, srcDataOp}
	CodeAEMild      = Code{Coding{"http://terminology.hl7.org/CodeSystem/adverse-event-severity", "mild", "Mild"}, srcAESev}
	CodeAEModerate  = Code{Coding{"http://terminology.hl7.org/CodeSystem/adverse-event-severity", "moderate", "Moderate"}, srcAESev}
	CodeAESevere    = Code{Coding{"http://terminology.hl7.org/CodeSystem/adverse-event-severity", "severe", "Severe"}, srcAESev}
	CodeAmbulatory  = Code{Coding{"http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB", "ambulatory"}, srcActCode}
	CodeInpatient   = Code{Coding{"http://terminology.hl7.org/CodeSystem/v3-ActCode", "IMP", "inpatient encounter"}, srcActCode}
)

// Local codes: ketatrack's own, for concepts without a verified standard
// code (srcLocal). Each is written with its text so a receiver can read it.
var (
	CodeBudapest   = local("crps", "budapest", "Budapest criteria for CRPS (clinical and research sets)")
	CodeCSS        = local("crps", "css", "CRPS Severity Score")
	CodeRASS       = local("infusion", "rass", "Richmond Agitation-Sedation Scale (RASS)")
	CodeCADSS      = local("infusion", "cadss", "Clinician-Administered Dissociative States Scale (CADSS) total")
	CodeAlert      = local("infusion", "alert", "Infusion session alert")
	CodeTUG        = local("measure", "tug", "Timed Up and Go")
	CodeWalk2Min   = local("measure", "walk_2min", "2-minute walk distance")
	CodeLCI        = local("measure", "lci", "Locomotor Capabilities Index (LCI-5) total")
	CodeROM        = local("measure", "rom", "Range of motion")
	CodeSideEffect = local("infusion", "side-effect", "Side effect during a ketamine infusion")
	CodeSession    = local("infusion", "session", "Ketamine infusion session")
)

func local(system, code, display string) Code {
	return Code{Coding{LocalSystem + system, code, display}, srcLocal}
}

// Codes lists every code above, for the code table test and the docs.
func Codes() []Code {
	return []Code{CodeHeartRate, CodeBPPanel, CodeSystolic, CodeDiastolic, CodeSpO2, CodeSpO2Pulse, CodeRespRate,
		CodeBodyWeight, CodeBodyHeight, CodePainNRS, CodePHQ9Total, CodeKetamine, CodeEsketATC, CodeEsketUNII,
		CodeCRPS, CodeCRPSTypeI, CodeLeftUpper, CodeRightUpper, CodeLeftLower, CodeRightLower,
		CodeRouteIV, CodeRoutePO, CodeRouteIM, CodeRouteSC, CodeVitalSigns, CodeSurvey, CodeExam, CodeActivity,
		CodeActive, CodeRemission, CodeConfirmed, CodeEncounterDx, CodeMRN, CodeCreate, CodeUpdate, CodeDelete,
		CodeAEMild, CodeAEModerate, CodeAESevere, CodeAmbulatory, CodeInpatient,
		CodeBudapest, CodeCSS, CodeRASS, CodeCADSS, CodeAlert, CodeTUG, CodeWalk2Min, CodeLCI, CodeROM, CodeSideEffect, CodeSession}
}

// Concept returns c as a CodeableConcept with text.
func (c Code) Concept(text string) CodeableConcept {
	if text == "" {
		text = c.Display
	}
	return CodeableConcept{Coding: []Coding{c.Coding}, Text: text}
}

// concept joins codes into one CodeableConcept.
func concept(text string, codes ...Code) CodeableConcept {
	cc := CodeableConcept{Text: text}
	for _, c := range codes {
		cc.Coding = append(cc.Coding, c.Coding)
	}
	return cc
}

// ucum returns a Quantity of v in the UCUM unit code, shown as unit.
func ucum(v float64, unit, code string) *Quantity {
	return &Quantity{Value: v, Unit: unit, System: UCUM, Code: code}
}
