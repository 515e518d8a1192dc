package screening

// Class is how strongly a finding weighs against ketamine.
type Class string

// The classes of a finding.
const (
	// Absolute: the product information contraindicates ketamine. Blocks;
	// no override.
	Absolute Class = "absolute"
	// Relative: the source advises against ketamine but leaves room for
	// judgement. Blocks unless a clinician overrides it with a reason.
	Relative Class = "relative"
	// Caution: ketamine may be given with care and monitoring. Shown on the
	// screening; does not block.
	Caution Class = "caution"
)

// Condition is one contraindication or caution the clinician answers yes or
// no for at screening.
type Condition struct {
	// ID is stable and stored, e.g. "pregnancy".
	ID string `json:"id"`
	// Label is the question's subject as shown to the clinician.
	Label string `json:"label"`
	// Class is absolute, relative or caution.
	Class Class `json:"class"`
	// Grade is the evidence grade the source gives ("B", "C"), empty when
	// the source (a product label) grades nothing.
	Grade string `json:"grade,omitempty"`
	// Certainty is the source's level of certainty ("low"), if given.
	Certainty string `json:"certainty,omitempty"`
	// Guidance is what the source says to do, in brief.
	Guidance string `json:"guidance"`
	// Source cites where it was read.
	Source string `json:"source"`
}

// Sources of the conditions.
const (
	srcCohen        = "Cohen et al., Reg Anesth Pain Med 2018;43:521–46 (ASRA/AAPM/ASA consensus guidelines), \"Relative contraindications\", as summarised by Guideline Central (guideline 8150)"
	srcCohenWording = srcCohen + "; wording as summarised at doctoryg.blogspot.com (2019)"
	srcKetalar      = "Ketalar (ketamine) SmPC, Pfizer Ltd, MHRA revision 2019, contraindications (as reproduced by rxreasoner.com)"
)

// Conditions lists every condition asked at screening. Cohen 2018 classes
// all its items as relative contraindications (Guideline Central summary);
// hepatic disease is split as the guideline does: severe "avoid" (relative),
// moderate "caution". The product label's contraindications are absolute.
var Conditions = []Condition{
	// Cohen 2018, relative contraindications, grade B, low certainty.
	{ID: "cardiovascular_poorly_controlled", Label: "poorly controlled cardiovascular disease", Class: Relative, Grade: "B", Certainty: "low",
		Guidance: "ketamine should not be used in patients with poorly controlled cardiovascular disease", Source: srcCohenWording},
	{ID: "pregnancy", Label: "pregnancy", Class: Relative, Grade: "B", Certainty: "low",
		Guidance: "listed among the relative contraindications with poorly controlled cardiovascular disease and active psychosis", Source: srcCohen},
	{ID: "active_psychosis", Label: "active psychosis", Class: Relative, Grade: "B", Certainty: "low",
		Guidance: "should be avoided in individuals with poorly controlled psychoses", Source: srcCohenWording},
	// Cohen 2018, grade C, low certainty.
	{ID: "hepatic_disease_severe", Label: "severe hepatic disease", Class: Relative, Grade: "C", Certainty: "low",
		Guidance: "avoid in severe hepatic impairment", Source: srcCohenWording},
	{ID: "hepatic_disease_moderate", Label: "moderate hepatic disease", Class: Caution, Grade: "C", Certainty: "low",
		Guidance: "may be given judiciously with proper monitoring (liver function tests)", Source: srcCohenWording},
	{ID: "raised_intracranial_pressure", Label: "elevated intracranial pressure", Class: Relative, Grade: "C", Certainty: "low",
		Guidance: "should not be used, or only at lower doses with extreme caution", Source: srcCohenWording},
	{ID: "raised_intraocular_pressure", Label: "elevated intraocular pressure", Class: Relative, Grade: "C", Certainty: "low",
		Guidance: "should not be used, or only at lower doses with extreme caution", Source: srcCohenWording},
	{ID: "active_substance_abuse", Label: "active substance abuse", Class: Relative, Grade: "C", Certainty: "low",
		Guidance: "serial infusions should not be undertaken; use universal precautions to monitor for abuse", Source: srcCohenWording},

	// Product label contraindications (absolute).
	{ID: "ketamine_hypersensitivity", Label: "hypersensitivity to ketamine or an excipient", Class: Absolute,
		Guidance: "contraindicated", Source: srcKetalar},
	{ID: "blood_pressure_rise_hazard", Label: "a rise in blood pressure would be a serious hazard", Class: Absolute,
		Guidance: "contraindicated in persons in whom an elevation of blood pressure would constitute a serious hazard", Source: srcKetalar},
	{ID: "eclampsia_preeclampsia", Label: "eclampsia or pre-eclampsia", Class: Absolute,
		Guidance: "should not be used", Source: srcKetalar},
	{ID: "severe_coronary_myocardial_disease", Label: "severe coronary or myocardial disease", Class: Absolute,
		Guidance: "should not be used", Source: srcKetalar},
	{ID: "cerebrovascular_accident_cerebral_trauma", Label: "cerebrovascular accident or cerebral trauma", Class: Absolute,
		Guidance: "should not be used", Source: srcKetalar},
}

// conditionByID indexes Conditions.
var conditionByID = func() map[string]Condition {
	m := make(map[string]Condition, len(Conditions))
	for _, c := range Conditions {
		m[c.ID] = c
	}
	return m
}()

// LookupCondition returns the condition with the given ID.
func LookupCondition(id string) (Condition, bool) {
	c, ok := conditionByID[id]
	return c, ok
}
