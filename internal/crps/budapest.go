package crps

import (
	"fmt"
	"strings"
)

// Category is one of the four Budapest categories of symptoms and signs.
// A category counts once when any checklist item in it is present; symptoms
// (reported) and signs (seen at evaluation) are tallied separately (Harden
// 2007, Pain Med 8:326; wording kept by Goebel 2021, Pain 162:2346 Table 1).
type Category string

// The four Budapest categories (Harden 2007; Goebel 2021 Table 1).
const (
	Sensory         Category = "sensory"
	Vasomotor       Category = "vasomotor"
	SudomotorOedema Category = "sudomotor_oedema"
	MotorTrophic    Category = "motor_trophic"
)

// Categories lists the four Budapest categories in the order of the
// published table (Harden 2007; Goebel 2021 Table 1).
var Categories = []Category{Sensory, Vasomotor, SudomotorOedema, MotorTrophic}

// Label returns the category's name as the published table prints it.
func (c Category) Label() string {
	switch c {
	case Sensory:
		return "sensory"
	case Vasomotor:
		return "vasomotor"
	case SudomotorOedema:
		return "sudomotor/oedema"
	case MotorTrophic:
		return "motor/trophic"
	}
	return string(c)
}

// Kind says whether a checklist item is a symptom (the patient reports it)
// or a sign (seen or felt on examination at the time of evaluation).
type Kind string

// The two kinds of checklist item (Harden 2007; Goebel 2021 Table 1).
const (
	Symptom Kind = "symptom"
	Sign    Kind = "sign"
)

// Item is one entry of the Budapest checklist.
type Item struct {
	// ID is stable and stored, e.g. "sign.hyperalgesia_pinprick".
	ID string `json:"id"`
	// Kind is symptom or sign.
	Kind Kind `json:"kind"`
	// Category is the Budapest category the item counts towards.
	Category Category `json:"category"`
	// Label is the wording shown to the clinician.
	Label string `json:"label"`
	// Source is the publication the item comes from.
	Source string `json:"source"`
}

// Sources of the checklist wording.
const (
	srcBudapest = "Harden et al., Pain Med 2007;8:326–31 (Budapest criteria), validated Harden et al., Pain 2010;150:268–74; as tabulated in PMC8970239 Table 1"
	srcValencia = "Goebel et al., Pain 2021;162:2346–8 (Valencia consensus), Table 1"
	srcTempSign = "Harden et al., Pain 2010;150:268–74, as tabulated in PMC8970239 Table 1 (\"temperature asymmetry (>1°C)\"); the 2007 wording has no threshold"
)

// Checklist is the Budapest symptom and sign checklist. The published
// criteria name items joined by "and/or" within each category; they are
// listed separately here so the record shows what was found, and a category
// counts when any of its items is present.
var Checklist = []Item{
	// Symptoms: the patient reports a problem.
	{ID: "symptom.hyperesthesia", Kind: Symptom, Category: Sensory, Label: "hyperesthesia", Source: srcBudapest + "; " + srcValencia + " (\"reported hyperesthesia also qualifies as a symptom\")"},
	{ID: "symptom.allodynia", Kind: Symptom, Category: Sensory, Label: "allodynia", Source: srcBudapest},
	{ID: "symptom.hyperalgesia", Kind: Symptom, Category: Sensory, Label: "hyperalgesia", Source: srcValencia},
	{ID: "symptom.temperature_asymmetry", Kind: Symptom, Category: Vasomotor, Label: "temperature asymmetry", Source: srcBudapest},
	{ID: "symptom.skin_colour_changes", Kind: Symptom, Category: Vasomotor, Label: "skin colour changes", Source: srcBudapest},
	{ID: "symptom.skin_colour_asymmetry", Kind: Symptom, Category: Vasomotor, Label: "skin colour asymmetry", Source: srcBudapest},
	{ID: "symptom.oedema", Kind: Symptom, Category: SudomotorOedema, Label: "oedema", Source: srcBudapest},
	{ID: "symptom.sweating_changes", Kind: Symptom, Category: SudomotorOedema, Label: "sweating changes", Source: srcBudapest},
	{ID: "symptom.sweating_asymmetry", Kind: Symptom, Category: SudomotorOedema, Label: "sweating asymmetry", Source: srcBudapest},
	{ID: "symptom.decreased_range_of_motion", Kind: Symptom, Category: MotorTrophic, Label: "decreased range of motion", Source: srcBudapest},
	{ID: "symptom.weakness", Kind: Symptom, Category: MotorTrophic, Label: "motor dysfunction: weakness", Source: srcBudapest},
	{ID: "symptom.tremor", Kind: Symptom, Category: MotorTrophic, Label: "motor dysfunction: tremor", Source: srcBudapest},
	{ID: "symptom.dystonia", Kind: Symptom, Category: MotorTrophic, Label: "motor dysfunction: dystonia", Source: srcBudapest},
	{ID: "symptom.trophic_hair", Kind: Symptom, Category: MotorTrophic, Label: "trophic changes: hair", Source: srcBudapest},
	{ID: "symptom.trophic_nail", Kind: Symptom, Category: MotorTrophic, Label: "trophic changes: nail", Source: srcBudapest},
	{ID: "symptom.trophic_skin", Kind: Symptom, Category: MotorTrophic, Label: "trophic changes: skin", Source: srcBudapest},

	// Signs: seen or felt on examination at the time of evaluation.
	{ID: "sign.hyperalgesia_pinprick", Kind: Sign, Category: Sensory, Label: "hyperalgesia (to pinprick)", Source: srcBudapest},
	{ID: "sign.allodynia_light_touch", Kind: Sign, Category: Sensory, Label: "allodynia to light touch", Source: srcBudapest},
	{ID: "sign.allodynia_temperature", Kind: Sign, Category: Sensory, Label: "allodynia to temperature sensation", Source: srcBudapest},
	{ID: "sign.allodynia_deep_pressure", Kind: Sign, Category: Sensory, Label: "allodynia to deep somatic pressure", Source: srcBudapest},
	{ID: "sign.allodynia_joint_movement", Kind: Sign, Category: Sensory, Label: "allodynia to joint movement", Source: srcBudapest},
	{ID: "sign.temperature_asymmetry", Kind: Sign, Category: Vasomotor, Label: "temperature asymmetry (> 1 °C where measured)", Source: srcTempSign},
	{ID: "sign.skin_colour_changes", Kind: Sign, Category: Vasomotor, Label: "skin colour changes", Source: srcBudapest},
	{ID: "sign.skin_colour_asymmetry", Kind: Sign, Category: Vasomotor, Label: "skin colour asymmetry", Source: srcBudapest},
	{ID: "sign.oedema", Kind: Sign, Category: SudomotorOedema, Label: "oedema", Source: srcBudapest},
	{ID: "sign.sweating_changes", Kind: Sign, Category: SudomotorOedema, Label: "sweating changes", Source: srcBudapest},
	{ID: "sign.sweating_asymmetry", Kind: Sign, Category: SudomotorOedema, Label: "sweating asymmetry", Source: srcBudapest},
	{ID: "sign.decreased_range_of_motion", Kind: Sign, Category: MotorTrophic, Label: "decreased range of motion", Source: srcBudapest},
	{ID: "sign.weakness", Kind: Sign, Category: MotorTrophic, Label: "motor dysfunction: weakness", Source: srcBudapest},
	{ID: "sign.tremor", Kind: Sign, Category: MotorTrophic, Label: "motor dysfunction: tremor", Source: srcBudapest},
	{ID: "sign.dystonia", Kind: Sign, Category: MotorTrophic, Label: "motor dysfunction: dystonia", Source: srcBudapest},
	{ID: "sign.trophic_hair", Kind: Sign, Category: MotorTrophic, Label: "trophic changes: hair", Source: srcBudapest},
	{ID: "sign.trophic_nail", Kind: Sign, Category: MotorTrophic, Label: "trophic changes: nail", Source: srcBudapest},
	{ID: "sign.trophic_skin", Kind: Sign, Category: MotorTrophic, Label: "trophic changes: skin", Source: srcBudapest},
}

// checklistByID indexes Checklist.
var checklistByID = func() map[string]Item {
	m := make(map[string]Item, len(Checklist))
	for _, it := range Checklist {
		m[it.ID] = it
	}
	return m
}()

// LookupItem returns the checklist item with the given ID.
func LookupItem(id string) (Item, bool) {
	it, ok := checklistByID[id]
	return it, ok
}

// Answer is a clinician's yes/no answer that may not have been recorded yet.
// An unrecorded answer is never taken as "no": a rule that depends on it
// comes out undetermined.
type Answer string

// The recorded answers; the empty Answer means not recorded.
const (
	Unrecorded Answer = ""
	Yes        Answer = "yes"
	No         Answer = "no"
)

// Validate checks that a is yes, no or not recorded.
func (a Answer) Validate() error {
	switch a {
	case Unrecorded, Yes, No:
		return nil
	}
	return fmt.Errorf("%q is not an answer: want \"yes\", \"no\" or empty (not recorded)", string(a))
}

// Assessment is what the clinician records at a diagnostic evaluation.
type Assessment struct {
	// DisproportionatePain: continuing pain which is disproportionate to any
	// inciting event (criterion A).
	DisproportionatePain Answer `json:"disproportionate_pain"`
	// Symptoms lists the IDs of the reported symptoms present (kind symptom).
	Symptoms []string `json:"symptoms"`
	// Signs lists the IDs of the signs present at evaluation (kind sign).
	Signs []string `json:"signs"`
	// OtherDiagnosisExplains: another diagnosis better explains the signs and
	// symptoms. "no" is what criterion D requires.
	OtherDiagnosisExplains Answer `json:"other_diagnosis_explains"`
}

// Validate checks the answers and that every listed item exists, is of the
// right kind and is listed once.
func (a Assessment) Validate() error {
	if err := a.DisproportionatePain.Validate(); err != nil {
		return fieldErr("disproportionate_pain", err.Error())
	}
	if err := a.OtherDiagnosisExplains.Validate(); err != nil {
		return fieldErr("other_diagnosis_explains", err.Error())
	}
	if err := validateItems("symptoms", a.Symptoms, Symptom); err != nil {
		return err
	}
	return validateItems("signs", a.Signs, Sign)
}

// validateItems checks a list of checklist IDs of one kind.
func validateItems(field string, ids []string, kind Kind) error {
	seen := make(map[string]bool, len(ids))
	for i, id := range ids {
		f := fmt.Sprintf("%s[%d]", field, i)
		it, ok := checklistByID[id]
		if !ok {
			return fieldErr(f, fmt.Sprintf("unknown checklist item %q", id))
		}
		if it.Kind != kind {
			return fieldErr(f, fmt.Sprintf("%q is a %s, not a %s", id, it.Kind, kind))
		}
		if seen[id] {
			return fieldErr(f, fmt.Sprintf("%q is listed twice", id))
		}
		seen[id] = true
	}
	return nil
}

// Outcome is the result of applying a set of criteria.
type Outcome string

// The outcomes. Undetermined means a needed answer was not recorded and the
// recorded ones do not settle the matter either way.
const (
	Met          Outcome = "met"
	NotMet       Outcome = "not_met"
	Undetermined Outcome = "undetermined"
)

// CriteriaSet names the Budapest clinical or research criteria.
type CriteriaSet string

// The two Budapest criteria sets (Harden 2007; Harden 2010).
const (
	Clinical CriteriaSet = "clinical"
	Research CriteriaSet = "research"
)

// Thresholds of the criteria sets: at least this many symptom and sign
// categories. Clinical: symptoms in ≥ 3 of 4, signs in ≥ 2 of 4 (Harden 2007,
// Pain Med 8:326; Goebel 2021 Table 1 criteria B and C). Research: symptoms in
// all 4, signs in ≥ 2 (Harden 2007; as summarised by Medscape, "How is CRPS-NOS
// defined?", 2018: "2 of the 4 sign categories and all 4 symptom categories").
var thresholds = map[CriteriaSet]struct{ symptoms, signs int }{
	Clinical: {symptoms: 3, signs: 2},
	Research: {symptoms: 4, signs: 2},
}

// Criterion is one of the four criteria A–D as applied to an assessment.
type Criterion struct {
	// ID is "A", "B", "C" or "D" as lettered in Goebel 2021 Table 1.
	ID string `json:"id"`
	// Text is what was found, e.g. "symptoms in 3 of 4 categories
	// (sensory, vasomotor, motor/trophic) ≥ 3".
	Text string `json:"text"`
	// Outcome is met, not_met or undetermined (answer not recorded).
	Outcome Outcome `json:"outcome"`
}

// Result is the outcome of one criteria set with the rule that decided it.
type Result struct {
	// Set is clinical or research.
	Set CriteriaSet `json:"set"`
	// Outcome is met, not_met or undetermined.
	Outcome Outcome `json:"outcome"`
	// Criteria holds A (pain), B (symptoms), C (signs), D (no better
	// explanation) as applied.
	Criteria []Criterion `json:"criteria"`
	// Rule is the human-readable explanation, e.g. "symptoms in 3 of 4
	// categories (sensory, vasomotor, motor/trophic) ≥ 3; signs in 1 of 4
	// categories (sensory) < 2: clinical criteria not met".
	Rule string `json:"rule"`
	// Source cites the criteria.
	Source string `json:"source"`
}

// Evaluation is the Budapest evaluation of one assessment.
type Evaluation struct {
	// SymptomCategories are the categories with at least one reported symptom.
	SymptomCategories []Category `json:"symptom_categories"`
	// SignCategories are the categories with at least one sign at evaluation.
	SignCategories []Category `json:"sign_categories"`
	// Clinical is the result of the clinical criteria.
	Clinical Result `json:"clinical"`
	// Research is the result of the research criteria.
	Research Result `json:"research"`
}

// Evaluate applies the Budapest clinical and research criteria (Harden 2007,
// Pain Med 8:326–31; Harden 2010, Pain 150:268–74; wording unchanged by
// Goebel 2021, Pain 162:2346) to an assessment: A continuing disproportionate
// pain, B symptoms in ≥ 3 (research: 4) of 4 categories, C signs in ≥ 2 of 4
// categories, D no other diagnosis better explains them. All four must hold.
func Evaluate(a Assessment) (Evaluation, error) {
	if err := a.Validate(); err != nil {
		return Evaluation{}, prefixed("assessment", err)
	}
	ev := Evaluation{
		SymptomCategories: categoriesOf(a.Symptoms),
		SignCategories:    categoriesOf(a.Signs),
	}
	ev.Clinical = apply(Clinical, a, ev.SymptomCategories, ev.SignCategories)
	ev.Research = apply(Research, a, ev.SymptomCategories, ev.SignCategories)
	return ev, nil
}

// categoriesOf returns the categories, in table order, with at least one of
// the given items present.
func categoriesOf(ids []string) []Category {
	present := map[Category]bool{}
	for _, id := range ids {
		present[checklistByID[id].Category] = true
	}
	out := []Category{}
	for _, c := range Categories {
		if present[c] {
			out = append(out, c)
		}
	}
	return out
}

// apply applies one criteria set.
func apply(set CriteriaSet, a Assessment, symptoms, signs []Category) Result {
	th := thresholds[set]
	crit := []Criterion{
		answerCriterion("A", "continuing pain disproportionate to any inciting event", a.DisproportionatePain, Yes),
		countCriterion("B", "symptoms", symptoms, th.symptoms),
		countCriterion("C", "signs", signs, th.signs),
		answerCriterion("D", "no other diagnosis better explains the signs and symptoms", invert(a.OtherDiagnosisExplains), Yes),
	}
	// Three-valued AND: any criterion not met decides "not met"; otherwise
	// any unrecorded answer leaves the outcome undetermined.
	outcome := Met
	for _, c := range crit {
		if c.Outcome == NotMet {
			outcome = NotMet
			break
		}
		if c.Outcome == Undetermined {
			outcome = Undetermined
		}
	}
	parts := make([]string, len(crit))
	for i, c := range crit {
		parts[i] = c.Text
	}
	var verdict string
	switch outcome {
	case Met:
		verdict = fmt.Sprintf("%s criteria met", set)
	case NotMet:
		verdict = fmt.Sprintf("%s criteria not met", set)
	default:
		verdict = fmt.Sprintf("%s criteria undetermined until every answer is recorded", set)
	}
	src := "Harden et al., Pain Med 2007;8:326–31; Harden et al., Pain 2010;150:268–74; Goebel et al., Pain 2021;162:2346–8 Table 1"
	if set == Research {
		src += "; research criteria (all 4 symptom categories) as summarised by Medscape, \"How is CRPS-NOS defined?\" (2018)"
	}
	return Result{
		Set:      set,
		Outcome:  outcome,
		Criteria: crit,
		Rule:     strings.Join(parts, "; ") + ": " + verdict,
		Source:   src,
	}
}

// invert turns "another diagnosis explains: yes" into "no better
// explanation: no", keeping "not recorded".
func invert(a Answer) Answer {
	switch a {
	case Yes:
		return No
	case No:
		return Yes
	}
	return Unrecorded
}

// answerCriterion applies a criterion that is one recorded answer.
func answerCriterion(id, text string, got, want Answer) Criterion {
	switch got {
	case Unrecorded:
		return Criterion{ID: id, Text: text + ": not recorded", Outcome: Undetermined}
	case want:
		return Criterion{ID: id, Text: text + ": yes", Outcome: Met}
	}
	return Criterion{ID: id, Text: text + ": no", Outcome: NotMet}
}

// countCriterion applies a criterion that counts categories.
func countCriterion(id, what string, cats []Category, min int) Criterion {
	names := make([]string, len(cats))
	for i, c := range cats {
		names[i] = c.Label()
	}
	list := "none"
	if len(names) > 0 {
		list = strings.Join(names, ", ")
	}
	if len(cats) >= min {
		return Criterion{ID: id, Text: fmt.Sprintf("%s in %d of 4 categories (%s) ≥ %d", what, len(cats), list, min), Outcome: Met}
	}
	return Criterion{ID: id, Text: fmt.Sprintf("%s in %d of 4 categories (%s) < %d", what, len(cats), list, min), Outcome: NotMet}
}
