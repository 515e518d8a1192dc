// Package fhir maps ketatrack's records to HL7 FHIR R4 resources with
// standard codes (LOINC, SNOMED CT, RxNorm, UCUM), reads a FHIR Bundle of
// another system back into a patient, and writes the FHIR Bulk Data NDJSON
// export of a whole clinic.
//
// # Files
//
//	codes.go       every code used, with its system, display and where it was read (Codes)
//	types.go       the FHIR R4 data types and resources ketatrack writes
//	gather.go      Record: one patient's records read through the clinic services
//	map.go         Map: a Record to resources, with stable logical ids
//	bundle.go      searchset Bundles with paging, $everything, OperationOutcome
//	capability.go  the CapabilityStatement of the /fhir endpoint
//	bulk.go        the Bulk Data export: NDJSON per resource type, streamed
//	importer.go    Parse: a Bundle to a clinic.PatientImport, refusing unknown content
//
// # Logical ids
//
// Every resource id is derived from the ketatrack record it comes from, so
// that exporting twice gives the same ids and a receiving EHR can update
// rather than duplicate. The Patient's id is ketatrack's patient id; every
// other resource's id starts with "p{patient id}-", so that the id alone
// tells whose compartment holds it and a read (GET /fhir/{type}/{id}) is
// checked with that patient's rights (PatientOf): Observation/p7-weight-{id},
// p7-height-{id}, p7-hr-{session}-{event}, p7-bp-…, p7-spo2-…, p7-rr-…,
// p7-rass-…, p7-cadss-…, p7-pain-{journal entry}, p7-phq9-{journal entry},
// p7-budapest-{diagnosis}, p7-css-{diagnosis}, p7-measure-{id},
// p7-alert-{session}-{event}; Condition/p7-crps-{diagnosis};
// MedicationRequest/p7-plan-{plan version};
// MedicationAdministration/p7-infusion-{session}-{segment},
// p7-med-{session}-{event}; AdverseEvent/p7-se-{session}-{event};
// Encounter/p7-session-{session}; QuestionnaireResponse/p7-journal-{entry}; Provenance/p7-audit-{audit
// entry}; and the one Questionnaire/daily-journal.
//
// # Codes
//
// No code is made up. Where no standard code was found and verified, the
// concept carries a ketatrack code in a ketatrack code system
// (LocalSystem + name) and its text, so that a receiver sees plainly that it
// is local; codes.go says which.
//
// The package imports the clinic domain and no database or HTTP package:
// internal/web and cmd/ketatrack call it with the store's services.
package fhir
