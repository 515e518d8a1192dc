package fhir

// SearchTypes are the resource types searchable by patient at
// GET /fhir/{type}?patient={id}: every type of a patient's compartment
// that Map writes.
var SearchTypes = []string{"AdverseEvent", "Condition", "Encounter", "MedicationAdministration", "MedicationRequest",
	"Observation", "Provenance", "QuestionnaireResponse"}

// CapabilityRest is the server part of a CapabilityStatement.
type CapabilityRest struct {
	Mode          string               `json:"mode"`
	Documentation string               `json:"documentation,omitempty"`
	Security      *CapabilitySecurity  `json:"security,omitempty"`
	Resource      []CapabilityResource `json:"resource"`
}

// CapabilitySecurity says how clients authenticate.
type CapabilitySecurity struct {
	Description string `json:"description"`
}

// CapabilityInteraction is one interaction a resource supports.
type CapabilityInteraction struct {
	Code string `json:"code"`
}

// CapabilitySearchParam is one search parameter.
type CapabilitySearchParam struct {
	Name          string `json:"name"`
	Type          string `json:"type"`
	Documentation string `json:"documentation,omitempty"`
}

// CapabilityOperation is an operation on a resource.
type CapabilityOperation struct {
	Name       string `json:"name"`
	Definition string `json:"definition"`
}

// CapabilityResource is what the server does with one resource type.
type CapabilityResource struct {
	Type        string                  `json:"type"`
	Interaction []CapabilityInteraction `json:"interaction"`
	SearchParam []CapabilitySearchParam `json:"searchParam,omitempty"`
	Operation   []CapabilityOperation   `json:"operation,omitempty"`
}

// CapabilitySoftware names the server software.
type CapabilitySoftware struct {
	Name string `json:"name"`
}

// CapabilityStatement is http://hl7.org/fhir/R4/capabilitystatement.html.
type CapabilityStatement struct {
	Base
	Status      string             `json:"status"`
	Date        string             `json:"date"`
	Kind        string             `json:"kind"`
	Software    CapabilitySoftware `json:"software"`
	FHIRVersion string             `json:"fhirVersion"`
	Format      []string           `json:"format"`
	Rest        []CapabilityRest   `json:"rest"`
}

// capabilityDate is when this statement last changed (FHIR requires a date).
const capabilityDate = "2026-12-05"

// Capability returns the CapabilityStatement of ketatrack's /fhir endpoint:
// read-only, patient-scoped, with the rights of ketatrack's API.
func Capability() *CapabilityStatement {
	page := []CapabilitySearchParam{
		{Name: "_count", Type: "number", Documentation: "entries a page (default 50, at most 1000); the Bundle's next link pages on"},
		{Name: "_offset", Type: "number", Documentation: "first entry of the page, as written in next links"},
	}
	rest := CapabilityRest{Mode: "server",
		Documentation: "Read-only FHIR R4 view of ketatrack's records. Every request is checked with the same rights as ketatrack's JSON API " +
			"(a patient reaches only their own record; staff only their clinic's) and every read, search and $everything is written to the audit log. " +
			"Unknown search parameters are refused (400, OperationOutcome) rather than ignored. Errors are OperationOutcome resources.",
		Security: &CapabilitySecurity{Description: "A ketatrack session: POST /api/v1/session with login and password, then the token as " +
			"'Authorization: Bearer TOKEN' (or the session cookie)."}}
	rest.Resource = append(rest.Resource, CapabilityResource{Type: "Patient",
		Interaction: []CapabilityInteraction{{Code: "read"}, {Code: "search-type"}},
		SearchParam: append([]CapabilitySearchParam{
			{Name: "identifier", Type: "token", Documentation: "the clinic's MRN, system|value or value"},
			{Name: "_id", Type: "token"}}, page...),
		Operation: []CapabilityOperation{{Name: "everything", Definition: "http://hl7.org/fhir/OperationDefinition/Patient-everything"}}})
	for _, t := range SearchTypes {
		rest.Resource = append(rest.Resource, CapabilityResource{Type: t,
			Interaction: []CapabilityInteraction{{Code: "read"}, {Code: "search-type"}},
			SearchParam: append([]CapabilitySearchParam{
				{Name: "patient", Type: "reference", Documentation: "required: the patient's id (or Patient/id); subject is accepted as its synonym"}}, page...)})
	}
	rest.Resource = append(rest.Resource, CapabilityResource{Type: "Questionnaire", Interaction: []CapabilityInteraction{{Code: "read"}}})
	return &CapabilityStatement{Base: Base{ResourceType: "CapabilityStatement", ID: "ketatrack"},
		Status: "active", Date: capabilityDate, Kind: "instance", Software: CapabilitySoftware{Name: "ketatrack"},
		FHIRVersion: "4.0.1", Format: []string{"json"}, Rest: []CapabilityRest{rest}}
}
