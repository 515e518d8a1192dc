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
// rather than duplicate: Patient/{patient id}; Observation/weight-{id},
// height-{id}, hr-{session}-{event}, bp-…, spo2-…, rr-…, rass-…, cadss-…,
// pain-{journal entry}, phq9-{journal entry}, budapest-{diagnosis},
// css-{diagnosis}, measure-{id}, alert-{session}-{event};
// Condition/crps-{diagnosis}; MedicationRequest/plan-{plan version};
// MedicationAdministration/infusion-{session}-{segment},
// med-{session}-{event}; AdverseEvent/se-{session}-{event};
// QuestionnaireResponse/journal-{entry}; Provenance/audit-{audit entry};
// Questionnaire/daily-journal.
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
