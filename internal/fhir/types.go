package fhir

import (
	"time"
)

// The FHIR R4 data types ketatrack writes (http://hl7.org/fhir/R4/datatypes.html),
// with only the elements it uses. Empty elements are left out (FHIR forbids
// empty objects, arrays and strings).

// Coding is a code from a code system.
type Coding struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

// CodeableConcept is a concept as codes and text.
type CodeableConcept struct {
	Coding []Coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
}

// Reference points at another resource ("Patient/7") or describes an
// actor that has no resource (Display only).
type Reference struct {
	Reference string `json:"reference,omitempty"`
	Display   string `json:"display,omitempty"`
}

// Quantity is a measured amount with its UCUM unit.
type Quantity struct {
	Value  float64 `json:"value"`
	Unit   string  `json:"unit,omitempty"`
	System string  `json:"system,omitempty"`
	Code   string  `json:"code,omitempty"`
}

// Ratio is a numerator over a denominator (a bag's concentration).
type Ratio struct {
	Numerator   *Quantity `json:"numerator,omitempty"`
	Denominator *Quantity `json:"denominator,omitempty"`
}

// Period is a time interval; End is empty while it is open.
type Period struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

// Identifier is a business identifier with the system that issues it.
type Identifier struct {
	Use    string           `json:"use,omitempty"`
	Type   *CodeableConcept `json:"type,omitempty"`
	System string           `json:"system,omitempty"`
	Value  string           `json:"value,omitempty"`
}

// HumanName is a person's name.
type HumanName struct {
	Use    string   `json:"use,omitempty"`
	Family string   `json:"family,omitempty"`
	Given  []string `json:"given,omitempty"`
}

// ContactPoint is a phone number or e-mail address.
type ContactPoint struct {
	System string `json:"system,omitempty"`
	Value  string `json:"value,omitempty"`
	Use    string `json:"use,omitempty"`
}

// Annotation is a note with its author and time.
type Annotation struct {
	AuthorString string `json:"authorString,omitempty"`
	Time         string `json:"time,omitempty"`
	Text         string `json:"text"`
}

// Meta is a resource's metadata.
type Meta struct {
	LastUpdated string   `json:"lastUpdated,omitempty"`
	Profile     []string `json:"profile,omitempty"`
}

// Resource is any resource this package writes.
type Resource interface {
	// Type returns the resource type ("Patient").
	Type() string
	// LogicalID returns the resource's id.
	LogicalID() string
}

// Base holds the elements every resource has. Resources embed it, so that
// "resourceType", "id" and "meta" lead each JSON object.
type Base struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id,omitempty"`
	Meta         *Meta  `json:"meta,omitempty"`
}

// Type implements Resource.
func (b *Base) Type() string { return b.ResourceType }

// LogicalID implements Resource.
func (b *Base) LogicalID() string { return b.ID }

// Ref returns the relative reference to r ("Patient/7").
func Ref(r Resource) Reference { return Reference{Reference: r.Type() + "/" + r.LogicalID()} }

func base(typ, id string, updated time.Time, profiles ...string) Base {
	b := Base{ResourceType: typ, ID: id}
	var ps []string
	for _, p := range profiles {
		if p != "" {
			ps = append(ps, p)
		}
	}
	if !updated.IsZero() || len(ps) > 0 {
		b.Meta = &Meta{LastUpdated: instant(updated), Profile: ps}
	}
	return b
}

// instant writes t as a FHIR instant/dateTime in UTC ("" for zero).
func instant(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// Patient is http://hl7.org/fhir/R4/patient.html.
type Patient struct {
	Base
	Identifier []Identifier   `json:"identifier,omitempty"`
	Active     bool           `json:"active"`
	Name       []HumanName    `json:"name,omitempty"`
	Telecom    []ContactPoint `json:"telecom,omitempty"`
	Gender     string         `json:"gender,omitempty"`
	BirthDate  string         `json:"birthDate,omitempty"`
}

// ObservationComponent is one component of an Observation.
type ObservationComponent struct {
	Code                 CodeableConcept  `json:"code"`
	ValueQuantity        *Quantity        `json:"valueQuantity,omitempty"`
	ValueCodeableConcept *CodeableConcept `json:"valueCodeableConcept,omitempty"`
	ValueString          string           `json:"valueString,omitempty"`
	ValueInteger         *int             `json:"valueInteger,omitempty"`
}

// Observation is http://hl7.org/fhir/R4/observation.html.
type Observation struct {
	Base
	Status               string                 `json:"status"`
	Category             []CodeableConcept      `json:"category,omitempty"`
	Code                 CodeableConcept        `json:"code"`
	Subject              Reference              `json:"subject"`
	Encounter            *Reference             `json:"encounter,omitempty"`
	EffectiveDateTime    string                 `json:"effectiveDateTime,omitempty"`
	Issued               string                 `json:"issued,omitempty"`
	Performer            []Reference            `json:"performer,omitempty"`
	ValueQuantity        *Quantity              `json:"valueQuantity,omitempty"`
	ValueCodeableConcept *CodeableConcept       `json:"valueCodeableConcept,omitempty"`
	ValueString          string                 `json:"valueString,omitempty"`
	ValueInteger         *int                   `json:"valueInteger,omitempty"`
	BodySite             *CodeableConcept       `json:"bodySite,omitempty"`
	Note                 []Annotation           `json:"note,omitempty"`
	DerivedFrom          []Reference            `json:"derivedFrom,omitempty"`
	Component            []ObservationComponent `json:"component,omitempty"`
}

// ConditionEvidence points at what a diagnosis rests on.
type ConditionEvidence struct {
	Detail []Reference `json:"detail,omitempty"`
}

// Condition is http://hl7.org/fhir/R4/condition.html.
type Condition struct {
	Base
	ClinicalStatus     *CodeableConcept    `json:"clinicalStatus,omitempty"`
	VerificationStatus *CodeableConcept    `json:"verificationStatus,omitempty"`
	Category           []CodeableConcept   `json:"category,omitempty"`
	Code               CodeableConcept     `json:"code"`
	BodySite           []CodeableConcept   `json:"bodySite,omitempty"`
	Subject            Reference           `json:"subject"`
	OnsetDateTime      string              `json:"onsetDateTime,omitempty"`
	RecordedDate       string              `json:"recordedDate,omitempty"`
	Recorder           *Reference          `json:"recorder,omitempty"`
	Evidence           []ConditionEvidence `json:"evidence,omitempty"`
	Note               []Annotation        `json:"note,omitempty"`
}

// TimingRepeat is when and for how long a dose is given.
type TimingRepeat struct {
	Duration     *float64 `json:"duration,omitempty"`
	DurationUnit string   `json:"durationUnit,omitempty"`
}

// Timing is a dose's schedule.
type Timing struct {
	Event  []string      `json:"event,omitempty"`
	Repeat *TimingRepeat `json:"repeat,omitempty"`
}

// DoseAndRate is one way of stating a dose or rate.
type DoseAndRate struct {
	Type         *CodeableConcept `json:"type,omitempty"`
	DoseQuantity *Quantity        `json:"doseQuantity,omitempty"`
	RateQuantity *Quantity        `json:"rateQuantity,omitempty"`
}

// Dosage is how a medication is to be given.
type Dosage struct {
	Sequence    int              `json:"sequence,omitempty"`
	Text        string           `json:"text,omitempty"`
	Timing      *Timing          `json:"timing,omitempty"`
	Route       *CodeableConcept `json:"route,omitempty"`
	DoseAndRate []DoseAndRate    `json:"doseAndRate,omitempty"`
}

// MedicationRequest is http://hl7.org/fhir/R4/medicationrequest.html.
type MedicationRequest struct {
	Base
	Identifier                []Identifier     `json:"identifier,omitempty"`
	InstantiatesURI           []string         `json:"instantiatesUri,omitempty"`
	Status                    string           `json:"status"`
	Intent                    string           `json:"intent"`
	MedicationCodeableConcept *CodeableConcept `json:"medicationCodeableConcept,omitempty"`
	Subject                   Reference        `json:"subject"`
	AuthoredOn                string           `json:"authoredOn,omitempty"`
	Requester                 *Reference       `json:"requester,omitempty"`
	ReasonReference           []Reference      `json:"reasonReference,omitempty"`
	GroupIdentifier           *Identifier      `json:"groupIdentifier,omitempty"`
	Note                      []Annotation     `json:"note,omitempty"`
	DosageInstruction         []Dosage         `json:"dosageInstruction,omitempty"`
}

// Ingredient is an ingredient of a Medication with its strength.
type Ingredient struct {
	ItemCodeableConcept CodeableConcept `json:"itemCodeableConcept"`
	Strength            *Ratio          `json:"strength,omitempty"`
}

// Medication is http://hl7.org/fhir/R4/medication.html, used contained in
// a MedicationAdministration for the bag that was hung.
type Medication struct {
	Base
	Code       *CodeableConcept `json:"code,omitempty"`
	Ingredient []Ingredient     `json:"ingredient,omitempty"`
}

// AdministrationPerformer is who gave a medication.
type AdministrationPerformer struct {
	Actor Reference `json:"actor"`
}

// AdministrationDosage is how a medication was given.
type AdministrationDosage struct {
	Text         string           `json:"text,omitempty"`
	Route        *CodeableConcept `json:"route,omitempty"`
	Dose         *Quantity        `json:"dose,omitempty"`
	RateQuantity *Quantity        `json:"rateQuantity,omitempty"`
}

// MedicationAdministration is http://hl7.org/fhir/R4/medicationadministration.html.
type MedicationAdministration struct {
	Base
	Contained                 []any                     `json:"contained,omitempty"`
	Status                    string                    `json:"status"`
	MedicationCodeableConcept *CodeableConcept          `json:"medicationCodeableConcept,omitempty"`
	MedicationReference       *Reference                `json:"medicationReference,omitempty"`
	Subject                   Reference                 `json:"subject"`
	Context                   *Reference                `json:"context,omitempty"`
	EffectiveDateTime         string                    `json:"effectiveDateTime,omitempty"`
	EffectivePeriod           *Period                   `json:"effectivePeriod,omitempty"`
	Performer                 []AdministrationPerformer `json:"performer,omitempty"`
	Request                   *Reference                `json:"request,omitempty"`
	Note                      []Annotation              `json:"note,omitempty"`
	Dosage                    *AdministrationDosage     `json:"dosage,omitempty"`
}

// SuspectEntity is what may have caused an adverse event.
type SuspectEntity struct {
	Instance Reference `json:"instance"`
}

// AdverseEvent is http://hl7.org/fhir/R4/adverseevent.html.
type AdverseEvent struct {
	Base
	Actuality     string            `json:"actuality"`
	Category      []CodeableConcept `json:"category,omitempty"`
	Event         *CodeableConcept  `json:"event,omitempty"`
	Subject       Reference         `json:"subject"`
	Encounter     *Reference        `json:"encounter,omitempty"`
	Date          string            `json:"date,omitempty"`
	Recorder      *Reference        `json:"recorder,omitempty"`
	Severity      *CodeableConcept  `json:"severity,omitempty"`
	SuspectEntity []SuspectEntity   `json:"suspectEntity,omitempty"`
}

// Answer is one answer of a QuestionnaireResponse item.
type Answer struct {
	ValueDecimal *float64 `json:"valueDecimal,omitempty"`
	ValueInteger *int     `json:"valueInteger,omitempty"`
	ValueString  string   `json:"valueString,omitempty"`
}

// ResponseItem is one answered item.
type ResponseItem struct {
	LinkID string         `json:"linkId"`
	Text   string         `json:"text,omitempty"`
	Answer []Answer       `json:"answer,omitempty"`
	Item   []ResponseItem `json:"item,omitempty"`
}

// QuestionnaireResponse is http://hl7.org/fhir/R4/questionnaireresponse.html.
type QuestionnaireResponse struct {
	Base
	Questionnaire string         `json:"questionnaire,omitempty"`
	Status        string         `json:"status"`
	Subject       Reference      `json:"subject"`
	Authored      string         `json:"authored,omitempty"`
	Author        *Reference     `json:"author,omitempty"`
	Source        *Reference     `json:"source,omitempty"`
	Item          []ResponseItem `json:"item,omitempty"`
}

// QuestionnaireItem is one question.
type QuestionnaireItem struct {
	LinkID string              `json:"linkId"`
	Text   string              `json:"text,omitempty"`
	Type   string              `json:"type"`
	Item   []QuestionnaireItem `json:"item,omitempty"`
}

// Questionnaire is http://hl7.org/fhir/R4/questionnaire.html.
type Questionnaire struct {
	Base
	URL     string              `json:"url,omitempty"`
	Version string              `json:"version,omitempty"`
	Name    string              `json:"name,omitempty"`
	Title   string              `json:"title,omitempty"`
	Status  string              `json:"status"`
	Item    []QuestionnaireItem `json:"item,omitempty"`
}

// ProvenanceAgent is who took part in a change.
type ProvenanceAgent struct {
	Who Reference `json:"who"`
}

// Provenance is http://hl7.org/fhir/R4/provenance.html.
type Provenance struct {
	Base
	Target   []Reference       `json:"target"`
	Recorded string            `json:"recorded"`
	Activity *CodeableConcept  `json:"activity,omitempty"`
	Agent    []ProvenanceAgent `json:"agent"`
}

// Encounter is http://hl7.org/fhir/R4/encounter.html: one infusion
// session.
type Encounter struct {
	Base
	Identifier      []Identifier      `json:"identifier,omitempty"`
	Status          string            `json:"status"`
	Class           Coding            `json:"class"`
	Types           []CodeableConcept `json:"type,omitempty"`
	Subject         Reference         `json:"subject"`
	Period          *Period           `json:"period,omitempty"`
	ReasonReference []Reference       `json:"reasonReference,omitempty"`
}
