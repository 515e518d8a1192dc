package fhir

import (
	"fmt"
	"strings"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/infusion"
	"github.com/ketatrack/ketatrack/internal/outcomes"
)

// sessions maps each infusion session: a MedicationAdministration per
// pump segment (constant rate from one bag) and per medication given, an
// Observation per vital sign charted (the check-in baseline included), an
// AdverseEvent per side effect and an Observation per alert.
func (m *mapper) sessions() {
	for _, s := range m.r.Sessions {
		if s.State == nil {
			continue
		}
		st := s.State
		drug := DrugConcept(string(st.Order.Drug))
		request := &Reference{Reference: "MedicationRequest/" + m.rid(planID(s.PlanVersionID))}
		by := map[int]string{} // event seq → login
		at := map[time.Time]string{}
		for _, e := range st.Events {
			by[e.Seq] = e.By
			if e.Kind == infusion.KindStart || e.Kind == infusion.KindResume || e.Kind == infusion.KindRateChange {
				at[e.At] = e.By
			}
		}
		enc := m.encounter(s)
		m.add(enc)
		encRef := Ref(enc)
		m.encRef = &encRef
		var firstAdmin *MedicationAdministration
		for i, g := range st.Segments {
			ma := &MedicationAdministration{Base: base("MedicationAdministration", m.rid(ids("infusion", s.ID, i+1)), time.Time{}),
				Status: "completed", Subject: m.subject, Context: m.encRef, EffectivePeriod: &Period{Start: instant(g.From), End: instant(g.To)},
				Request: request}
			if g.To.IsZero() {
				ma.Status = "in-progress"
			}
			if login := at[g.From]; login != "" {
				ma.Performer = []AdministrationPerformer{{Actor: Reference{Display: login}}}
			}
			dose := &AdministrationDosage{Route: routeConcept(infusion.RouteIV),
				RateQuantity: ucum(float64(g.Rate.MgPerH), "mg/h", "mg/h")}
			if !g.To.IsZero() {
				// The amount given at a constant rate: rate × time, exact.
				dose.Dose = ucum(float64(g.Rate.MgPerH)*g.To.Sub(g.From).Hours(), "mg", "mg")
			}
			if g.Bag >= 0 && g.Bag < len(st.Bags) {
				b := st.Bags[g.Bag].Bag
				med := &Medication{Base: Base{ResourceType: "Medication", ID: "bag"}, Code: &drug,
					Ingredient: []Ingredient{{ItemCodeableConcept: drug, Strength: &Ratio{
						Numerator:   ucum(float64(b.AmountMg), "mg", "mg"),
						Denominator: ucum(float64(b.VolumeML), "mL", "mL")}}}}
				ma.Contained = []any{med}
				ma.MedicationReference = &Reference{Reference: "#bag", Display: fmt.Sprintf("%s %g mg in %g mL", drug.Text, float64(b.AmountMg), float64(b.VolumeML))}
				dose.Text = fmt.Sprintf("%g mg/h = %g mL/h of %g mg in %g mL", float64(g.Rate.MgPerH), float64(g.Rate.MLPerH), float64(b.AmountMg), float64(b.VolumeML))
			} else {
				ma.MedicationCodeableConcept = &drug
			}
			ma.Dosage = dose
			if i == 0 {
				firstAdmin = ma
			}
			m.add(ma)
		}
		for _, md := range st.Medications {
			med := md.Medication
			ma := &MedicationAdministration{Base: base("MedicationAdministration", m.rid(ids("med", s.ID, md.Seq)), time.Time{}),
				Status: "completed", MedicationCodeableConcept: &CodeableConcept{Text: med.Drug}, Subject: m.subject, Context: m.encRef,
				EffectiveDateTime: instant(med.At),
				Dosage:            &AdministrationDosage{Text: med.Dose.String(), Route: routeConcept(med.Route), Dose: ucum(float64(md.DoseMg), "mg", "mg")}}
			if md.By != "" {
				ma.Performer = []AdministrationPerformer{{Actor: Reference{Display: md.By}}}
			}
			m.add(ma)
		}
		if st.CheckIn != nil {
			seq := 0
			for _, e := range st.Events {
				if e.Kind == infusion.KindCheckIn {
					seq = e.Seq
				}
			}
			m.vitals(s.ID, seq, st.CheckIn.BaselineAt, by[seq], st.CheckIn.Baseline, "baseline before the infusion")
		}
		for _, v := range st.Vitals {
			m.vitals(s.ID, v.Seq, v.At, v.By, v.Vitals, "")
		}
		for _, se := range st.SideEffects {
			text := string(se.SideEffect.Effect)
			if se.SideEffect.Other != "" {
				text += ": " + se.SideEffect.Other
			}
			text += fmt.Sprintf(" (CTCAE grade %d; action: %s)", se.SideEffect.Severity, se.SideEffect.Action)
			ev := CodeSideEffect.Concept(text)
			ae := &AdverseEvent{Base: base("AdverseEvent", m.rid(ids("se", s.ID, se.Seq)), time.Time{}),
				Actuality: "actual", Event: &ev, Subject: m.subject, Encounter: m.encRef, Date: instant(se.At), Recorder: display(se.By),
				Severity: severity(se.SideEffect.Severity)}
			if firstAdmin != nil {
				ae.SuspectEntity = []SuspectEntity{{Instance: Ref(firstAdmin)}}
			}
			m.add(ae)
		}
		for _, a := range st.Alerts {
			o := &Observation{Base: base("Observation", m.rid(ids("alert", s.ID, a.Seq)), time.Time{}),
				Status: "final", Code: CodeAlert.Concept("Infusion alert: " + string(a.Alert.Rule)), Subject: m.subject, Encounter: m.encRef,
				EffectiveDateTime: instant(a.At), ValueString: a.Alert.Message,
				Component: []ObservationComponent{
					{Code: local("infusion", "alert-observed", "Observed").Concept(""), ValueString: a.Alert.Observed},
					{Code: local("infusion", "alert-threshold", "Threshold").Concept(""), ValueString: a.Alert.Threshold},
				},
				Note: []Annotation{{Text: "Rule source: " + a.Alert.Source}}}
			if o.Component[0].ValueString == "" || o.Component[1].ValueString == "" {
				o.Component = nil
			}
			if a.Ack != nil {
				o.Note = append(o.Note, Annotation{AuthorString: a.Ack.By, Time: instant(a.Ack.At), Text: "Acknowledged; action: " + a.Ack.Action})
			}
			for _, v := range st.Vitals {
				if v.Seq == a.Alert.CauseSeq {
					o.DerivedFrom = []Reference{{Reference: "Observation/" + m.rid(ids("hr", s.ID, v.Seq))}}
				}
			}
			m.add(o)
		}
	}
}

// encounter maps an infusion session to an Encounter: ambulatory for an
// outpatient order, inpatient otherwise, from check-in to stop.
func (m *mapper) encounter(s *clinic.InfusionSession) *Encounter {
	st := s.State
	class := CodeAmbulatory.Coding
	if st.Order.CareArea != "" && st.Order.CareArea != "outpatient" {
		class = CodeInpatient.Coding
	}
	status := "in-progress"
	switch st.Phase {
	case infusion.PhaseAwaitingCheckIn:
		status = "planned"
	case infusion.PhaseStopped:
		status = "finished"
	}
	start := st.CheckInAt
	if start.IsZero() {
		start = s.OpenedAt
	}
	e := &Encounter{Base: base("Encounter", m.rid(ids("session", s.ID)), time.Time{}),
		Identifier: []Identifier{{System: LocalSystem + "infusion-session", Value: id(s.ID)}},
		Status:     status, Class: class, Subject: m.subject,
		Types:  []CodeableConcept{CodeSession.Concept(fmt.Sprintf("Ketamine infusion, treatment day %d (session %d of the day)", s.Day, s.Attempt))},
		Period: &Period{Start: instant(start), End: instant(st.StoppedAt)}}
	if m.condition != nil {
		e.ReasonReference = []Reference{Ref(m.condition)}
	}
	return e
}

func severity(g infusion.Severity) *CodeableConcept {
	var c Code
	switch g {
	case infusion.Mild:
		c = CodeAEMild
	case infusion.Moderate:
		c = CodeAEModerate
	default:
		c = CodeAESevere
	}
	cc := c.Concept(fmt.Sprintf("CTCAE grade %d", g))
	return &cc
}

// vitals writes one charted set of vitals as the vital-sign Observations
// of the FHIR R4 vital-signs profiles.
func (m *mapper) vitals(sessionID int64, seq int, at time.Time, by string, v infusion.Vitals, note string) {
	obs := func(kind, profile string, code CodeableConcept) *Observation {
		o := &Observation{Base: base("Observation", m.rid(ids(kind, sessionID, seq)), time.Time{}, profile), Status: "final",
			Category: vitalCategory(), Code: code, Subject: m.subject, Encounter: m.encRef, EffectiveDateTime: instant(at), Performer: performer(by)}
		if note != "" {
			o.Note = []Annotation{{Text: note}}
		}
		return o
	}
	hr := obs("hr", profileHR, CodeHeartRate.Concept(""))
	hr.ValueQuantity = ucum(float64(v.HeartRate), "/min", "/min")
	m.add(hr)
	bp := obs("bp", profileBP, CodeBPPanel.Concept("Blood pressure"))
	bp.Component = []ObservationComponent{
		{Code: CodeSystolic.Concept(""), ValueQuantity: ucum(float64(v.Systolic), "mmHg", "mm[Hg]")},
		{Code: CodeDiastolic.Concept(""), ValueQuantity: ucum(float64(v.Diastolic), "mmHg", "mm[Hg]")},
	}
	m.add(bp)
	sp := obs("spo2", profileSpO2, concept("SpO2", CodeSpO2, CodeSpO2Pulse))
	sp.ValueQuantity = ucum(float64(v.SpO2), "%", "%")
	if v.OnOxygen {
		sp.Note = append(sp.Note, Annotation{Text: "on supplemental oxygen"})
	} else {
		sp.Note = append(sp.Note, Annotation{Text: "on room air"})
	}
	m.add(sp)
	if v.RespRate != nil {
		rr := obs("rr", profileRR, CodeRespRate.Concept(""))
		rr.ValueQuantity = ucum(float64(*v.RespRate), "/min", "/min")
		m.add(rr)
	}
	if v.RASS != nil {
		o := obs("rass", "", CodeRASS.Concept(""))
		o.Category = []CodeableConcept{CodeSurvey.Concept("")}
		o.ValueInteger = intp(*v.RASS)
		m.add(o)
	}
	if v.CADSS != nil {
		o := obs("cadss", "", CodeCADSS.Concept(""))
		o.Category = []CodeableConcept{CodeSurvey.Concept("")}
		o.ValueInteger = intp(*v.CADSS)
		m.add(o)
	}
}

// journal maps each journal entry to a QuestionnaireResponse answering
// JournalQuestionnaire, with Observations for the measures that have a
// verified LOINC code: pain now (72514-3) and the PHQ-9 total (44261-6).
func (m *mapper) journal() {
	for _, e := range m.r.Journal {
		qr := &QuestionnaireResponse{Base: base("QuestionnaireResponse", m.rid("journal-"+id(e.ID)), e.UpdatedAt),
			Questionnaire: JournalQuestionnaireURL + "|1", Status: "completed", Subject: m.subject,
			Authored: instant(e.UpdatedAt)}
		if e.Source == clinic.JournalByPatient {
			qr.Author, qr.Source = &m.subject, &m.subject
		} else if e.UpdatedByName != "" {
			qr.Author = display(e.UpdatedByName)
		}
		if !e.Date.IsZero() {
			qr.Item = append(qr.Item, ResponseItem{LinkID: "date", Text: "Day of the entry", Answer: []Answer{{ValueString: e.Date.String()}}})
		}
		for _, ms := range outcomes.Measures() {
			sc := e.Scores[ms]
			if !sc.Present() {
				continue
			}
			qr.Item = append(qr.Item, ResponseItem{LinkID: ms.Column(), Text: ms.Label() + " (" + ms.Unit() + ")",
				Answer: []Answer{{ValueDecimal: floatp(sc.Float())}}})
		}
		if e.SleepHours != clinic.MissingCenti {
			qr.Item = append(qr.Item, ResponseItem{LinkID: "sleep_hours", Text: "Hours slept", Answer: []Answer{{ValueDecimal: floatp(e.SleepHours.Float())}}})
		}
		if q := e.PHQ9; q != nil {
			g := ResponseItem{LinkID: "phq9", Text: "PHQ-9"}
			for i, a := range q.Items {
				g.Item = append(g.Item, ResponseItem{LinkID: fmt.Sprintf("phq9.%d", i+1), Text: clinic.PHQ9Items[i], Answer: []Answer{{ValueInteger: intp(a)}}})
			}
			if q.Difficulty != nil {
				g.Item = append(g.Item, ResponseItem{LinkID: "phq9.difficulty", Text: clinic.PHQ9DifficultyQuestion, Answer: []Answer{{ValueInteger: intp(*q.Difficulty)}}})
			}
			qr.Item = append(qr.Item, g)
		}
		if len(e.Opioids) > 0 && e.MME != nil {
			qr.Item = append(qr.Item, ResponseItem{LinkID: "mme", Text: "Opioids taken, MME/day (" + e.MME.TableTitle + ")",
				Answer: []Answer{{ValueDecimal: floatp(e.MME.TotalMMEPerDay)}}})
		}
		if e.Note != "" {
			qr.Item = append(qr.Item, ResponseItem{LinkID: "note", Text: "Note", Answer: []Answer{{ValueString: e.Note}}})
		}
		m.add(qr)
		if e.Date.IsZero() {
			continue // an Observation needs the day it was made
		}
		from := []Reference{Ref(qr)}
		if sc := e.Scores[outcomes.PainNow]; sc.Present() {
			o := &Observation{Base: base("Observation", m.rid("pain-"+id(e.ID)), e.UpdatedAt), Status: "final",
				Category: []CodeableConcept{CodeSurvey.Concept("")}, Code: CodePainNRS.Concept("Pain now (0-10)"), Subject: m.subject,
				EffectiveDateTime: e.Date.String(), ValueQuantity: ucum(sc.Float(), "score", "{score}"), DerivedFrom: from}
			m.add(o)
		}
		if q := e.PHQ9; q != nil {
			o := &Observation{Base: base("Observation", m.rid("phq9-"+id(e.ID)), e.UpdatedAt), Status: "final",
				Category: []CodeableConcept{CodeSurvey.Concept("")}, Code: CodePHQ9Total.Concept("PHQ-9 total"), Subject: m.subject,
				EffectiveDateTime: e.Date.String(), ValueInteger: intp(q.Total()), DerivedFrom: from,
				Note: []Annotation{{Text: q.Severity()}}}
			m.add(o)
		}
	}
}

var measureCodes = map[clinic.MeasureKind]struct {
	code     Code
	category Code
}{
	clinic.MeasureTUG:      {CodeTUG, CodeActivity},
	clinic.MeasureWalk2Min: {CodeWalk2Min, CodeActivity},
	clinic.MeasureLCI:      {CodeLCI, CodeActivity},
	clinic.MeasureROM:      {CodeROM, CodeExam},
}

// measureUnits are the UCUM codes of the units a functional measure is
// entered in.
var measureUnits = map[string]string{"s": "s", "ft": "[ft_i]", "m": "m", "/56": "{score}", "deg": "deg"}

func (m *mapper) functional() {
	for _, fm := range m.r.Measures {
		mc := measureCodes[fm.Kind]
		o := &Observation{Base: base("Observation", m.rid("measure-"+id(fm.ID)), fm.RecordedAt), Status: "final",
			Category: []CodeableConcept{mc.category.Concept("")}, Code: mc.code.Concept(""), Subject: m.subject,
			EffectiveDateTime: date(fm.MeasuredOn), Issued: instant(fm.RecordedAt), Performer: performer(fm.RecordedByName),
			ValueQuantity: ucum(fm.Number(), fm.Unit, measureUnits[fm.Unit])}
		if fm.Site != "" {
			o.BodySite = &CodeableConcept{Text: fm.Site}
		}
		if fm.Aid != "" {
			o.Note = append(o.Note, Annotation{Text: "walking aid: " + fm.Aid})
		}
		if fm.Note != "" {
			o.Note = append(o.Note, Annotation{Text: fm.Note})
		}
		if fm.InError {
			o.Status = "entered-in-error"
			o.Note = append(o.Note, Annotation{Time: instant(fm.InErrorAt), Text: "entered in error: " + fm.InErrorReason})
		}
		m.add(o)
	}
}

// provenanceTarget maps an audited entity to the resource it became.
func (m *mapper) provenanceTarget(e *clinic.AuditEntry) (string, bool) {
	prefix := map[string]string{
		"weight": "Observation/weight-", "height": "Observation/height-", "crps_diagnosis": "Observation/budapest-",
		"functional_measure": "Observation/measure-", "journal_entry": "QuestionnaireResponse/journal-",
		"plan_version": "MedicationRequest/plan-",
	}
	if e.Entity == "patient" {
		return "Patient/" + id(e.EntityID), true
	}
	p, ok := prefix[e.Entity]
	if !ok {
		return "", false
	}
	typ, rest, _ := strings.Cut(p, "/")
	return typ + "/" + m.rid(rest+id(e.EntityID)), true
}

// provenance writes one Provenance per audit entry about a record that
// became a resource, targeting it: who did what when, from the append-only
// audit trail. Entries about other things (logins, exports, sessions'
// events) are left out; a draft plan's entries are too, as drafts are not
// exported.
func (m *mapper) provenance() {
	have := map[string]bool{}
	for _, r := range m.out {
		have[r.Type()+"/"+r.LogicalID()] = true
	}
	for _, e := range m.r.Audit {
		target, ok := m.provenanceTarget(e)
		if !ok || !have[target] {
			continue
		}
		var act CodeableConcept
		switch e.Action {
		case clinic.ActionCreate:
			act = CodeCreate.Concept(e.Action)
		case clinic.ActionUpdate:
			act = CodeUpdate.Concept(e.Action)
		case clinic.ActionDelete:
			act = CodeDelete.Concept(e.Action)
		default:
			act = CodeableConcept{Text: e.Action}
		}
		who := e.ActorLogin
		if who == "" {
			who = "unknown"
		}
		m.add(&Provenance{Base: base("Provenance", m.rid("audit-"+id(e.ID)), e.At),
			Target: []Reference{{Reference: target}}, Recorded: instant(e.At), Activity: &act,
			Agent: []ProvenanceAgent{{Who: Reference{Display: who}}}})
	}
}

// JournalQuestionnaire is the Questionnaire the journal's responses answer.
func JournalQuestionnaire() *Questionnaire {
	q := &Questionnaire{Base: Base{ResourceType: "Questionnaire", ID: "daily-journal"}, URL: JournalQuestionnaireURL,
		Version: "1", Name: "KetatrackDailyJournal", Title: "ketatrack daily journal (Goldberg et al. 2005 study journal, sleep, PHQ-9, opioids)",
		Status: "active"}
	q.Item = append(q.Item, QuestionnaireItem{LinkID: "date", Text: "Day of the entry", Type: "string"})
	for _, ms := range outcomes.Measures() {
		q.Item = append(q.Item, QuestionnaireItem{LinkID: ms.Column(), Text: ms.Label() + " (" + ms.Unit() + ")", Type: "decimal"})
	}
	q.Item = append(q.Item, QuestionnaireItem{LinkID: "sleep_hours", Text: "Hours slept", Type: "decimal"})
	g := QuestionnaireItem{LinkID: "phq9", Text: "PHQ-9: " + clinic.PHQ9Stem, Type: "group"}
	for i, t := range clinic.PHQ9Items {
		g.Item = append(g.Item, QuestionnaireItem{LinkID: fmt.Sprintf("phq9.%d", i+1), Text: t, Type: "integer"})
	}
	g.Item = append(g.Item, QuestionnaireItem{LinkID: "phq9.difficulty", Text: clinic.PHQ9DifficultyQuestion, Type: "integer"})
	q.Item = append(q.Item, g,
		QuestionnaireItem{LinkID: "mme", Text: "Opioids taken, MME/day", Type: "decimal"},
		QuestionnaireItem{LinkID: "note", Text: "Note", Type: "string"})
	return q
}
