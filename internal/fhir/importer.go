package fhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/crps"
	"github.com/ketatrack/ketatrack/internal/units"
)

// Reading a Bundle of another system (or of ketatrack) into a new patient:
// the Patient, body weights and heights (LOINC 29463-7, 8302-2) and CRPS
// Conditions (SNOMED CT 128200000, 734947007) with their affected limbs and
// onset. Resources of the types ketatrack itself exports that it does not
// read back (vital signs, plans, administrations, journal…) and Conditions
// that are not CRPS are skipped and counted; any other resource type, an
// unknown or modifier element in a resource that is read, or a value that
// does not parse is refused with the entry, the resource and the field.

// ImportError names what is wrong with a Bundle.
type ImportError struct {
	// Entry is the entry's index in Bundle.entry (-1 for the Bundle).
	Entry int
	// Resource is "Type/id" of the entry's resource ("" for the Bundle).
	Resource string
	// Field is the element at fault, as a FHIRPath-like path ("birthDate",
	// "valueQuantity.code").
	Field   string
	Message string
}

// Error reads "entry 3 (Patient/p1), birthDate: …".
func (e *ImportError) Error() string {
	where := "Bundle"
	if e.Entry >= 0 {
		where = fmt.Sprintf("entry %d (%s)", e.Entry, e.Resource)
	}
	if e.Field != "" {
		where += ", " + e.Field
	}
	return where + ": " + e.Message
}

// Parsed is a Bundle read for import.
type Parsed struct {
	Import *clinic.PatientImport
	// Skipped counts the resources not imported, by "Type" or "Type (why)".
	Skipped map[string]int
	// from maps the import's fields ("weights[0]") to where they came from.
	from map[string]*ImportError
}

// Explain turns an error of the store about the import (an *clinic.Error
// naming "weights[2].measured_at", "mrn", …) into an *ImportError naming
// the Bundle entry it came from; other errors are returned as they are.
func (p *Parsed) Explain(err error) error {
	var ce *clinic.Error
	if !errors.As(err, &ce) || ce.Field == "" {
		return err
	}
	key, rest, _ := strings.Cut(ce.Field, ".")
	if src, ok := p.from[key]; ok {
		field := src.Field
		if rest != "" && field == "" {
			field = rest
		}
		return &ImportError{Entry: src.Entry, Resource: src.Resource, Field: field, Message: ce.Message}
	}
	if src, ok := p.from["patient"]; ok {
		return &ImportError{Entry: src.Entry, Resource: src.Resource, Field: patientField(ce.Field), Message: ce.Message}
	}
	return err
}

// patientField maps a clinic.Patient field to the FHIR Patient element.
func patientField(f string) string {
	switch f {
	case "mrn":
		return "identifier"
	case "given_name":
		return "name.given"
	case "family_name":
		return "name.family"
	case "birth_date":
		return "birthDate"
	case "sex":
		return "gender"
	case "phone", "email":
		return "telecom"
	}
	return f
}

// importedTypes are read; skippedTypes are known and skipped.
var skippedTypes = map[string]bool{"MedicationRequest": true, "MedicationAdministration": true, "AdverseEvent": true,
	"QuestionnaireResponse": true, "Questionnaire": true, "Provenance": true, "Medication": true, "Encounter": true}

// The elements read from each resource. Every other element is refused,
// except those listed in ignored (narrative, metadata and plain extensions,
// which FHIR lets a receiver ignore; a modifierExtension never is).
var (
	ignored          = []string{"id", "meta", "text", "extension", "language"}
	patientElems     = []string{"resourceType", "identifier", "active", "name", "telecom", "gender", "birthDate"}
	observationElems = []string{"resourceType", "status", "category", "code", "subject", "effectiveDateTime", "issued",
		"performer", "valueQuantity", "note", "bodySite", "derivedFrom", "component", "valueCodeableConcept", "valueString",
		"valueInteger", "encounter", "interpretation", "method", "effectivePeriod", "hasMember", "dataAbsentReason"}
	conditionElems = []string{"resourceType", "clinicalStatus", "verificationStatus", "category", "code", "bodySite",
		"subject", "onsetDateTime", "recordedDate", "recorder", "evidence", "note", "encounter", "severity", "asserter"}
)

func checkElements(raw json.RawMessage, allowed []string) (string, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return "", err
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "modifierExtension" || k == "implicitRules" {
			return k, errors.New("a modifier ketatrack does not understand: the resource cannot be read safely")
		}
		name := strings.TrimPrefix(k, "_")
		if contains(allowed, name) || contains(ignored, name) {
			continue
		}
		return k, errors.New("an element ketatrack does not import; remove it or import the record by hand")
	}
	return "", nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var fhirDate = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// parseWhen reads a FHIR dateTime or date (a date is midnight UTC).
func parseWhen(s string) (time.Time, error) {
	if fhirDate.MatchString(s) {
		return time.Parse("2006-01-02", s)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a FHIR dateTime with a time zone (YYYY-MM-DDThh:mm:ss+zz:zz) or a full date", s)
	}
	return t, nil
}

type inEntry struct {
	FullURL  string          `json:"fullUrl"`
	Resource json.RawMessage `json:"resource"`
}

type inObservation struct {
	ID                string          `json:"id"`
	Status            string          `json:"status"`
	Code              CodeableConcept `json:"code"`
	Subject           Reference       `json:"subject"`
	EffectiveDateTime string          `json:"effectiveDateTime"`
	ValueQuantity     *Quantity       `json:"valueQuantity"`
	Note              []Annotation    `json:"note"`
}

type inCondition struct {
	ID            string            `json:"id"`
	Code          CodeableConcept   `json:"code"`
	BodySite      []CodeableConcept `json:"bodySite"`
	Subject       Reference         `json:"subject"`
	OnsetDateTime string            `json:"onsetDateTime"`
	VerifStatus   *CodeableConcept  `json:"verificationStatus"`
}

func hasCode(cc CodeableConcept, system, code string) bool {
	for _, c := range cc.Coding {
		if c.System == system && c.Code == code {
			return true
		}
	}
	return false
}

// weightUnitsUCUM and heightUnitsUCUM are the UCUM codes read, with the
// unit ketatrack writes the value in.
var (
	weightUnitsUCUM = map[string]string{"kg": "kg", "g": "g", "[lb_av]": "lb"}
	heightUnitsUCUM = map[string]string{"cm": "cm", "m": "m", "[in_i]": "in"}
)

func number(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// Parse reads a Bundle holding one Patient for ImportPatient.
func Parse(data []byte) (*Parsed, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var b struct {
		ResourceType string    `json:"resourceType"`
		Type         string    `json:"type"`
		Entry        []inEntry `json:"entry"`
	}
	if err := dec.Decode(&b); err != nil {
		return nil, &ImportError{Entry: -1, Message: "not a FHIR JSON Bundle: " + err.Error()}
	}
	if b.ResourceType != "Bundle" {
		return nil, &ImportError{Entry: -1, Field: "resourceType", Message: fmt.Sprintf("%q: want a Bundle", b.ResourceType)}
	}
	switch b.Type {
	case "searchset", "collection", "transaction", "batch", "document":
	default:
		return nil, &ImportError{Entry: -1, Field: "type", Message: fmt.Sprintf("%q: want a searchset, collection, transaction, batch or document Bundle", b.Type)}
	}
	p := &Parsed{Import: &clinic.PatientImport{}, Skipped: map[string]int{}, from: map[string]*ImportError{}}
	type head struct {
		ResourceType string `json:"resourceType"`
		ID           string `json:"id"`
	}
	// First the Patient: every other resource must be about it.
	patientRefs := map[string]bool{}
	patientAt := -1
	heads := make([]head, len(b.Entry))
	for i, e := range b.Entry {
		if len(e.Resource) == 0 {
			return nil, &ImportError{Entry: i, Field: "resource", Message: "an entry without a resource"}
		}
		if err := json.Unmarshal(e.Resource, &heads[i]); err != nil {
			return nil, &ImportError{Entry: i, Field: "resource", Message: err.Error()}
		}
		if heads[i].ResourceType == "Patient" {
			if patientAt >= 0 {
				return nil, &ImportError{Entry: i, Resource: "Patient/" + heads[i].ID, Message: fmt.Sprintf("a second Patient (the first is entry %d): import one patient per Bundle", patientAt)}
			}
			patientAt = i
			patientRefs["Patient/"+heads[i].ID] = true
			if e.FullURL != "" {
				patientRefs[e.FullURL] = true
			}
		}
	}
	if patientAt < 0 {
		return nil, &ImportError{Entry: -1, Field: "entry", Message: "the Bundle holds no Patient"}
	}
	if err := p.readPatient(patientAt, b.Entry[patientAt].Resource); err != nil {
		return nil, err
	}
	var presentation *crps.Presentation
	var sources []string
	for i, e := range b.Entry {
		h := heads[i]
		name := h.ResourceType + "/" + h.ID
		fail := func(field, format string, args ...any) error {
			return &ImportError{Entry: i, Resource: name, Field: field, Message: fmt.Sprintf(format, args...)}
		}
		switch {
		case i == patientAt:
			continue
		case h.ResourceType == "Observation":
			if f, err := checkElements(e.Resource, observationElems); err != nil {
				return nil, fail(f, "%v", err)
			}
			var o inObservation
			if err := json.Unmarshal(e.Resource, &o); err != nil {
				return nil, fail("", "%v", err)
			}
			isWeight, isHeight := hasCode(o.Code, LOINC, CodeBodyWeight.Code), hasCode(o.Code, LOINC, CodeBodyHeight.Code)
			if !isWeight && !isHeight {
				p.Skipped["Observation (not a body weight or height)"]++
				continue
			}
			if !patientRefs[o.Subject.Reference] {
				return nil, fail("subject", "%q is not the Bundle's Patient", o.Subject.Reference)
			}
			switch o.Status {
			case "final", "amended", "corrected":
			case "entered-in-error", "cancelled":
				p.Skipped["Observation ("+o.Status+")"]++
				continue
			default:
				return nil, fail("status", "%q: only final, amended or corrected measurements are imported", o.Status)
			}
			if o.EffectiveDateTime == "" {
				return nil, fail("effectiveDateTime", "required: when was it measured?")
			}
			at, err := parseWhen(o.EffectiveDateTime)
			if err != nil {
				return nil, fail("effectiveDateTime", "%v", err)
			}
			q := o.ValueQuantity
			if q == nil {
				return nil, fail("valueQuantity", "required: the measurement with its UCUM unit")
			}
			if q.System != UCUM {
				return nil, fail("valueQuantity.system", "%q: want %s", q.System, UCUM)
			}
			m := clinic.Measurement{MeasuredAt: at.UTC()}
			for _, n := range o.Note {
				m.Note = strings.TrimSpace(strings.Join([]string{m.Note, n.Text}, " "))
			}
			if isWeight {
				u, ok := weightUnitsUCUM[q.Code]
				if !ok {
					return nil, fail("valueQuantity.code", "%q is not a body weight unit: want kg, g or [lb_av]", q.Code)
				}
				w, err := units.ParseBodyWeight("valueQuantity", number(q.Value)+u)
				if err != nil {
					return nil, fail("valueQuantity.value", "%v", err)
				}
				key := fmt.Sprintf("weights[%d]", len(p.Import.Weights))
				p.from[key] = &ImportError{Entry: i, Resource: name}
				p.Import.Weights = append(p.Import.Weights, clinic.ImportedWeight{Weight: w, Measurement: m})
			} else {
				u, ok := heightUnitsUCUM[q.Code]
				if !ok {
					return nil, fail("valueQuantity.code", "%q is not a body height unit: want cm, m or [in_i]", q.Code)
				}
				h, err := clinic.ParseBodyHeight("valueQuantity", number(q.Value)+u)
				if err != nil {
					return nil, fail("valueQuantity.value", "%v", err)
				}
				key := fmt.Sprintf("heights[%d]", len(p.Import.Heights))
				p.from[key] = &ImportError{Entry: i, Resource: name}
				p.Import.Heights = append(p.Import.Heights, clinic.ImportedHeight{Height: h, Measurement: m})
			}
		case h.ResourceType == "Condition":
			if f, err := checkElements(e.Resource, conditionElems); err != nil {
				return nil, fail(f, "%v", err)
			}
			var c inCondition
			if err := json.Unmarshal(e.Resource, &c); err != nil {
				return nil, fail("", "%v", err)
			}
			if !hasCode(c.Code, SNOMED, CodeCRPS.Code) && !hasCode(c.Code, SNOMED, CodeCRPSTypeI.Code) {
				p.Skipped["Condition (not CRPS)"]++
				continue
			}
			if c.VerifStatus != nil && (hasCode(*c.VerifStatus, "http://terminology.hl7.org/CodeSystem/condition-ver-status", "refuted") ||
				hasCode(*c.VerifStatus, "http://terminology.hl7.org/CodeSystem/condition-ver-status", "entered-in-error")) {
				p.Skipped["Condition (refuted or entered in error)"]++
				continue
			}
			if !patientRefs[c.Subject.Reference] {
				return nil, fail("subject", "%q is not the Bundle's Patient", c.Subject.Reference)
			}
			if presentation == nil {
				presentation = &crps.Presentation{IncitingEvent: crps.OtherEvent, IncitingEventOther: "not stated in the imported FHIR record"}
			}
			for j, bs := range c.BodySite {
				limb, ok := limbOf(bs)
				if !ok {
					if bs.Text == "" {
						return nil, fail(fmt.Sprintf("bodySite[%d]", j), "neither a limb ketatrack knows (SNOMED CT 80768000, 6921000, 32153003, 62175007) nor a text")
					}
					presentation.OtherSites = strings.TrimSpace(strings.Join([]string{presentation.OtherSites, bs.Text}, "; "))
					presentation.OtherSites = strings.TrimPrefix(presentation.OtherSites, "; ")
					continue
				}
				if !contains(limbStrings(presentation.AffectedLimbs), string(limb)) {
					presentation.AffectedLimbs = append(presentation.AffectedLimbs, limb)
				}
			}
			if c.OnsetDateTime != "" {
				at, err := parseWhen(c.OnsetDateTime)
				if err != nil {
					return nil, fail("onsetDateTime", "%v", err)
				}
				d := at.Format("2006-01-02")
				if presentation.Onset == "" || d < presentation.Onset {
					presentation.Onset = d
				}
			}
			sources = append(sources, name)
			p.from["presentation"] = &ImportError{Entry: i, Resource: name, Field: "bodySite"}
		case skippedTypes[h.ResourceType]:
			p.Skipped[h.ResourceType]++
		default:
			return nil, fail("resourceType", "%q: ketatrack imports Patient, body weight and height Observations and CRPS Conditions (and skips the other types it exports)", h.ResourceType)
		}
	}
	if presentation != nil {
		p.Import.Presentation = presentation
		p.Import.Notes = "Imported from FHIR " + strings.Join(sources, ", ") + "; the inciting event was not in the record."
	}
	return p, nil
}

func limbStrings(ls []crps.Limb) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = string(l)
	}
	return out
}

func limbOf(cc CodeableConcept) (crps.Limb, bool) {
	for _, l := range crps.Limbs {
		c, _ := LimbCode(l)
		if hasCode(cc, SNOMED, c.Code) {
			return l, true
		}
	}
	return "", false
}

func (p *Parsed) readPatient(i int, raw json.RawMessage) error {
	var fp Patient
	_ = json.Unmarshal(raw, &fp)
	name := "Patient/" + fp.ID
	fail := func(field, format string, args ...any) error {
		return &ImportError{Entry: i, Resource: name, Field: field, Message: fmt.Sprintf(format, args...)}
	}
	if f, err := checkElements(raw, patientElems); err != nil {
		return fail(f, "%v", err)
	}
	if err := json.Unmarshal(raw, &fp); err != nil {
		return fail("", "%v", err)
	}
	p.from["patient"] = &ImportError{Entry: i, Resource: name}
	pt := &p.Import.Patient
	// The MRN: the identifier typed MR, else the only identifier.
	for _, id := range fp.Identifier {
		if id.Type != nil && hasCode(*id.Type, CodeMRN.System, CodeMRN.Code) {
			pt.MRN = id.Value
		}
	}
	if pt.MRN == "" && len(fp.Identifier) == 1 {
		pt.MRN = fp.Identifier[0].Value
	}
	if pt.MRN == "" {
		return fail("identifier", "no medical record number: want an identifier with type MR (%s), or a single identifier", CodeMRN.System)
	}
	if len(fp.Name) == 0 {
		return fail("name", "required: the patient's name")
	}
	n := fp.Name[0]
	for _, hn := range fp.Name {
		if hn.Use == "official" {
			n = hn
			break
		}
	}
	pt.FamilyName, pt.GivenName = n.Family, strings.Join(n.Given, " ")
	if pt.FamilyName == "" {
		return fail("name.family", "required")
	}
	if pt.GivenName == "" {
		return fail("name.given", "required")
	}
	pt.Sex = clinic.Sex(fp.Gender)
	if !pt.Sex.Valid() {
		return fail("gender", "%q: want male, female, other or unknown", fp.Gender)
	}
	if !fhirDate.MatchString(fp.BirthDate) {
		return fail("birthDate", "%q: want a full date YYYY-MM-DD (ketatrack needs the day of birth)", fp.BirthDate)
	}
	d, err := clinic.ParseDate(fp.BirthDate)
	if err != nil {
		return fail("birthDate", "%v", err)
	}
	pt.BirthDate = d
	for _, t := range fp.Telecom {
		switch {
		case t.System == "phone" && pt.Phone == "":
			pt.Phone = t.Value
		case t.System == "email" && pt.Email == "":
			pt.Email = t.Value
		}
	}
	// The birth date against today is checked by the store's Validate on
	// import, with the server's clock.
	if err := pt.CheckFields(); err != nil {
		return p.Explain(err)
	}
	return nil
}
