package fhir

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/crps"
	"github.com/ketatrack/ketatrack/internal/infusion"
)

// Options are the choices of an export that a clinic makes.
type Options struct {
	// MRNSystem returns the identifier system URI of the clinic's medical
	// record numbers. A hospital assigns its clinics a system (often an
	// OID, "urn:oid:…"); nil gives DefaultMRNSystem.
	MRNSystem func(clinicID int64) string
}

// DefaultMRNSystem is the MRN system of a clinic that has not been given
// one: unique per ketatrack clinic, and plainly ketatrack's.
func DefaultMRNSystem(clinicID int64) string {
	return LocalSystem + "clinic:" + strconv.FormatInt(clinicID, 10) + ":mrn"
}

func (o Options) mrnSystem(clinicID int64) string {
	if o.MRNSystem != nil {
		return o.MRNSystem(clinicID)
	}
	return DefaultMRNSystem(clinicID)
}

// Profiles claimed in meta.profile: the FHIR R4 core vital-signs profiles
// (http://hl7.org/fhir/R4/observation-vitalsigns.html).
const (
	profileWeight = "http://hl7.org/fhir/StructureDefinition/bodyweight"
	profileHeight = "http://hl7.org/fhir/StructureDefinition/bodyheight"
	profileHR     = "http://hl7.org/fhir/StructureDefinition/heartrate"
	profileBP     = "http://hl7.org/fhir/StructureDefinition/bp"
	profileSpO2   = "http://hl7.org/fhir/StructureDefinition/oxygensat"
	profileRR     = "http://hl7.org/fhir/StructureDefinition/resprate"
)

// JournalQuestionnaireURL is the canonical URL of the daily journal
// Questionnaire that journal QuestionnaireResponses answer.
const JournalQuestionnaireURL = LocalSystem + "Questionnaire:daily-journal"

// Map turns a patient's record into FHIR resources in a fixed order:
// Patient, then weights, heights, conditions and their evidence, plans,
// sessions (administrations, vitals, side effects, alerts), journal,
// measures, provenance. The same record always gives the same resources.
func Map(r *Record, o Options) []Resource {
	m := mapper{r: r, o: o, subject: Reference{Reference: "Patient/" + id(r.Patient.ID)}}
	m.patient()
	m.measurements()
	m.diagnoses()
	m.plans()
	m.sessions()
	m.journal()
	m.functional()
	m.provenance()
	return m.out
}

type mapper struct {
	r       *Record
	o       Options
	subject Reference
	out     []Resource
	// condition is the latest CRPS Condition, the reason of the plans.
	condition *Condition
	// encRef is the Encounter of the session being mapped.
	encRef *Reference
}

func (m *mapper) add(r Resource) { m.out = append(m.out, r) }

func id(n int64) string { return strconv.FormatInt(n, 10) }

// rid is the logical id of one of the patient's resources: "p{patient}-"
// and the record's own id, so that the id alone names the patient whose
// compartment holds it and GET /fhir/{type}/{id} can be answered with the
// patient's rights (PatientOf).
func (m *mapper) rid(s string) string { return "p" + id(m.r.Patient.ID) + "-" + s }

// PatientOf returns the patient of a logical id written by Map (the
// Patient's own id, or "p{patient}-…"), and false for any other id.
func PatientOf(typ, logicalID string) (int64, bool) {
	s := logicalID
	if typ != "Patient" {
		rest, ok := strings.CutPrefix(logicalID, "p")
		if !ok {
			return 0, false
		}
		s, _, ok = strings.Cut(rest, "-")
		if !ok {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || strconv.FormatInt(n, 10) != s {
		return 0, false
	}
	return n, true
}

func ids(parts ...any) string {
	s := make([]string, len(parts))
	for i, p := range parts {
		s[i] = fmt.Sprint(p)
	}
	return strings.Join(s, "-")
}

func date(d clinic.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

func display(name string) *Reference {
	if name == "" {
		return nil
	}
	return &Reference{Display: name}
}

func intp(v int) *int { return &v }

func floatp(v float64) *float64 { return &v }

func (m *mapper) patient() {
	p := m.r.Patient
	fp := &Patient{
		Base: base("Patient", id(p.ID), p.UpdatedAt),
		Identifier: []Identifier{{Use: "usual", Type: &CodeableConcept{Coding: []Coding{CodeMRN.Coding}, Text: "MRN"},
			System: m.o.mrnSystem(p.ClinicID), Value: p.MRN}},
		Active:    true,
		Name:      []HumanName{{Use: "official", Family: p.FamilyName, Given: []string{p.GivenName}}},
		Gender:    string(p.Sex),
		BirthDate: date(p.BirthDate),
	}
	if p.Phone != "" {
		fp.Telecom = append(fp.Telecom, ContactPoint{System: "phone", Value: p.Phone})
	}
	if p.Email != "" {
		fp.Telecom = append(fp.Telecom, ContactPoint{System: "email", Value: p.Email})
	}
	m.add(fp)
}

func vitalCategory() []CodeableConcept { return []CodeableConcept{CodeVitalSigns.Concept("")} }

func (m *mapper) measurements() {
	for _, w := range m.r.Weights {
		o := &Observation{Base: base("Observation", m.rid("weight-"+id(w.ID)), w.RecordedAt, profileWeight),
			Status: "final", Category: vitalCategory(), Code: CodeBodyWeight.Concept(""), Subject: m.subject,
			EffectiveDateTime: instant(w.MeasuredAt), Issued: instant(w.RecordedAt), Performer: performer(w.RecordedByName),
			ValueQuantity: ucum(w.Weight.Value(), w.Weight.Unit().String(), w.Weight.Unit().UCUM())}
		if w.Note != "" {
			o.Note = []Annotation{{Text: w.Note}}
		}
		m.add(o)
	}
	for _, h := range m.r.Heights {
		q := ucum(h.Height.Value(), string(h.Height.Unit()), h.Height.Unit().UCUM())
		if h.Height.Unit() == clinic.Metre {
			// The vital-signs body height units are cm and [in_i]: a
			// height in metres is written in cm (exactly ×100).
			q = ucum(h.Centimetres, "cm", "cm")
		}
		o := &Observation{Base: base("Observation", m.rid("height-"+id(h.ID)), h.RecordedAt, profileHeight),
			Status: "final", Category: vitalCategory(), Code: CodeBodyHeight.Concept(""), Subject: m.subject,
			EffectiveDateTime: instant(h.MeasuredAt), Issued: instant(h.RecordedAt), Performer: performer(h.RecordedByName),
			ValueQuantity: q}
		if h.Note != "" {
			o.Note = []Annotation{{Text: h.Note}}
		}
		m.add(o)
	}
}

func performer(name string) []Reference {
	if name == "" {
		return nil
	}
	return []Reference{{Display: name}}
}

// LimbCode returns the SNOMED CT structure of a limb (laterality included).
func LimbCode(l crps.Limb) (Code, bool) {
	switch l {
	case crps.LeftUpper:
		return CodeLeftUpper, true
	case crps.RightUpper:
		return CodeRightUpper, true
	case crps.LeftLower:
		return CodeLeftLower, true
	case crps.RightLower:
		return CodeRightLower, true
	}
	return Code{}, false
}

func outcomeConcept(o crps.Outcome) *CodeableConcept {
	c := local("crps", "outcome-"+string(o), strings.ReplaceAll(string(o), "_", " "))
	cc := c.Concept("")
	return &cc
}

func (m *mapper) diagnoses() {
	for _, d := range m.r.Diagnoses {
		ev := d.Result.Evaluation
		bud := &Observation{Base: base("Observation", m.rid("budapest-"+id(d.ID)), d.RecordedAt),
			Status: "final", Category: []CodeableConcept{CodeExam.Concept("")}, Code: CodeBudapest.Concept(""),
			Subject: m.subject, EffectiveDateTime: date(d.AssessedOn), Performer: performer(d.RecordedByName),
			ValueCodeableConcept: outcomeConcept(ev.Clinical.Outcome),
			Note:                 []Annotation{{Text: ev.Clinical.Rule}, {Text: ev.Research.Rule}}}
		bud.Component = append(bud.Component,
			ObservationComponent{Code: local("crps", "budapest-clinical", "Budapest clinical criteria").Concept(""), ValueCodeableConcept: outcomeConcept(ev.Clinical.Outcome)},
			ObservationComponent{Code: local("crps", "budapest-research", "Budapest research criteria").Concept(""), ValueCodeableConcept: outcomeConcept(ev.Research.Outcome)},
			ObservationComponent{Code: local("crps", "symptom-categories", "Symptom categories with a reported symptom (of 4)").Concept(""), ValueInteger: intp(len(ev.SymptomCategories))},
			ObservationComponent{Code: local("crps", "sign-categories", "Sign categories with a sign at evaluation (of 4)").Concept(""), ValueInteger: intp(len(ev.SignCategories))})
		for _, c := range ev.Clinical.Criteria {
			bud.Component = append(bud.Component, ObservationComponent{
				Code:                 local("crps", "criterion-"+c.ID, "Budapest criterion "+c.ID).Concept(c.Text),
				ValueCodeableConcept: outcomeConcept(c.Outcome)})
		}
		m.add(bud)
		evidence := []Reference{Ref(bud)}
		if s := d.Result.Severity; s != nil {
			css := &Observation{Base: base("Observation", m.rid("css-"+id(d.ID)), d.RecordedAt),
				Status: "final", Category: []CodeableConcept{CodeExam.Concept("")}, Code: CodeCSS.Concept(""),
				Subject: m.subject, EffectiveDateTime: date(d.AssessedOn), Performer: performer(d.RecordedByName),
				ValueQuantity: ucum(float64(s.Score), "score", "{score}"),
				Note:          []Annotation{{Text: fmt.Sprintf("%s, %d of %d (%s)", s.Version, s.Score, s.Max, s.Source)}},
				Component: []ObservationComponent{
					{Code: local("crps", "css-symptoms", "CSS symptoms present").Concept(""), ValueInteger: intp(s.SymptomsPresent)},
					{Code: local("crps", "css-signs", "CSS signs present").Concept(""), ValueInteger: intp(s.SignsPresent)},
				}}
			m.add(css)
			evidence = append(evidence, Ref(css))
		}
		t := d.Result.Classification.Type
		if t == crps.TypeNone {
			continue
		}
		var code CodeableConcept
		if len(d.Result.Codes) > 0 {
			for _, c := range d.Result.Codes {
				code.Coding = append(code.Coding, Coding{System: c.System, Code: c.Code, Display: c.Display})
			}
		} else {
			// Undetermined subtype: the Budapest criteria are met, whether
			// type I or II is not recorded, so the parent concept.
			code.Coding = []Coding{CodeCRPS.Coding}
		}
		code.Text = t.Label()
		status := CodeActive.Concept("")
		if t == crps.TypeRemission {
			status = CodeRemission.Concept("")
		}
		ver := CodeConfirmed.Concept("")
		c := &Condition{Base: base("Condition", m.rid("crps-"+id(d.ID)), d.RecordedAt),
			ClinicalStatus: &status, VerificationStatus: &ver,
			Category: []CodeableConcept{CodeEncounterDx.Concept("")}, Code: code, Subject: m.subject,
			OnsetDateTime: d.Record.Presentation.Onset, RecordedDate: instant(d.RecordedAt), Recorder: display(d.RecordedByName),
			Evidence: []ConditionEvidence{{Detail: evidence}}}
		for _, l := range d.Record.Presentation.AffectedLimbs {
			if lc, ok := LimbCode(l); ok {
				c.BodySite = append(c.BodySite, lc.Concept(l.Label()))
			}
		}
		if s := d.Record.Presentation.OtherSites; s != "" {
			c.BodySite = append(c.BodySite, CodeableConcept{Text: s})
		}
		note := d.Result.Classification.Rule
		if d.Notes != "" {
			note += "\n" + d.Notes
		}
		c.Note = []Annotation{{Text: note}}
		m.add(c)
		m.condition = c
	}
}

// DrugConcept codes a ketamine preparation: racemic ketamine with RxNorm,
// esketamine with ATC and UNII (no RxNorm ingredient was verified).
func DrugConcept(drug string) CodeableConcept {
	switch drug {
	case string(infusion.SKetamine):
		return concept("esketamine (S-ketamine)", CodeEsketATC, CodeEsketUNII)
	case string(infusion.Racemic):
		return concept("ketamine (racemic)", CodeKetamine)
	}
	return CodeableConcept{Text: drug}
}

func routeConcept(r infusion.Route) *CodeableConcept {
	var cc CodeableConcept
	switch r {
	case infusion.RouteIV:
		cc = CodeRouteIV.Concept("IV")
	case infusion.RoutePO:
		cc = CodeRoutePO.Concept("PO")
	case infusion.RouteIM:
		cc = CodeRouteIM.Concept("IM")
	case infusion.RouteSC:
		cc = CodeRouteSC.Concept("SC")
	default:
		cc = CodeableConcept{Text: string(r)}
	}
	return &cc
}

func planID(versionID int64) string { return "plan-" + id(versionID) }

func (m *mapper) plans() {
	for _, c := range m.r.Courses {
		current := c.Current()
		for _, v := range c.Versions {
			if v.Status != clinic.PlanSigned || v.Plan == nil {
				continue // drafts are not orders
			}
			status := "active"
			if current != nil && v.Version != current.Version {
				status = "stopped" // superseded by a later signed version
			}
			pl := v.Plan
			drug := DrugConcept(pl.Drug)
			mr := &MedicationRequest{Base: base("MedicationRequest", m.rid(planID(v.ID)), v.UpdatedAt),
				Identifier:      []Identifier{{System: LocalSystem + "plan-version", Value: fmt.Sprintf("%d.%d", c.ID, v.Version)}},
				InstantiatesURI: []string{LocalSystem + "protocol:" + pl.ProtocolID},
				Status:          status, Intent: "order", MedicationCodeableConcept: &drug, Subject: m.subject,
				AuthoredOn: instant(v.SignedAt), Requester: display(v.SignedByName),
				GroupIdentifier: &Identifier{System: LocalSystem + "course", Value: id(c.ID)},
				Note:            []Annotation{{Text: fmt.Sprintf("%s (%s), %s, for %s, care area %s", c.Title, pl.ProtocolTitle, pl.Regimen, pl.Weight, pl.CareArea)}}}
			if v.Reason != "" {
				mr.Note = append(mr.Note, Annotation{Text: "Version " + strconv.Itoa(v.Version) + ": " + v.Reason})
			}
			if m.condition != nil {
				mr.ReasonReference = []Reference{Ref(m.condition)}
			}
			seq := 0
			for _, d := range pl.Days {
				for _, st := range d.Steps {
					seq++
					ds := Dosage{Sequence: seq, Route: routeConcept(infusion.RouteIV),
						Text: fmt.Sprintf("Day %d (%s), %s: %s", d.Day, d.Date, st.Name, st.Dose)}
					if st.OffsetMin != 0 {
						ds.Text += fmt.Sprintf(", from minute %s of the session", strconv.FormatFloat(st.OffsetMin, 'f', -1, 64))
					}
					// The plan gives the day, not the hour a session starts.
					ds.Timing = &Timing{Event: []string{date(d.Date)}}
					if st.Bolus {
						ds.DoseAndRate = []DoseAndRate{{DoseQuantity: ucum(st.AmountMg, "mg", "mg")}}
					} else {
						ds.Timing.Repeat = &TimingRepeat{Duration: floatp(st.DurationMin), DurationUnit: "min"}
						ds.DoseAndRate = []DoseAndRate{{RateQuantity: ucum(st.MgPerH, "mg/h", "mg/h")},
							{RateQuantity: ucum(st.MgPerKgPerH, "mg/kg/h", "mg/kg/h")}}
						if st.MLPerH != nil {
							ds.DoseAndRate = append(ds.DoseAndRate, DoseAndRate{RateQuantity: ucum(*st.MLPerH, "mL/h", "mL/h")})
						}
					}
					mr.DosageInstruction = append(mr.DosageInstruction, ds)
				}
			}
			m.add(mr)
		}
	}
}
