package crps

// Record is everything a clinician enters for one CRPS diagnostic
// evaluation; the store keeps it as it was entered and Diagnose recomputes
// the results from it.
type Record struct {
	// Presentation: inciting event, affected limbs, onset.
	Presentation Presentation `json:"presentation"`
	// Assessment: the Budapest checklist and answers.
	Assessment Assessment `json:"assessment"`
	// History: the answers the subtype rules need.
	History History `json:"history"`
	// Severity is the CRPS Severity Score assessment, when one was done.
	Severity *SeverityInput `json:"severity,omitempty"`
	// PriorTreatments are the therapies tried before ketamine, with relief.
	PriorTreatments []PriorTreatment `json:"prior_treatments,omitempty"`
}

// Validate checks every part, naming the field at fault with its full path
// (e.g. "assessment.signs[0]").
func (r Record) Validate() error {
	if err := r.Presentation.Validate(); err != nil {
		return prefixed("presentation", err)
	}
	if err := r.Assessment.Validate(); err != nil {
		return prefixed("assessment", err)
	}
	if err := r.History.Validate(); err != nil {
		return prefixed("history", err)
	}
	if r.Severity != nil {
		if err := r.Severity.Validate(); err != nil {
			return prefixed("severity", err)
		}
	}
	return ValidatePriorTreatments(r.PriorTreatments)
}

// Diagnosis is what Diagnose computes from a Record.
type Diagnosis struct {
	// Evaluation is the Budapest clinical and research evaluation.
	Evaluation Evaluation `json:"evaluation"`
	// Classification is the CRPS subtype with its rule.
	Classification Classification `json:"classification"`
	// Severity is the CRPS Severity Score with its version, when assessed.
	Severity *SeverityScore `json:"severity,omitempty"`
	// Codes are the SNOMED CT codes for the subtype (empty when none is
	// verified; see codes.go).
	Codes []Coding `json:"codes"`
	// PriorRelief tallies the prior treatments by relief category.
	PriorRelief ReliefTally `json:"prior_relief"`
}

// Diagnose validates a record and computes its Budapest evaluation, subtype,
// severity score and codes.
func Diagnose(r Record) (Diagnosis, error) {
	if err := r.Validate(); err != nil {
		return Diagnosis{}, err
	}
	ev, err := Evaluate(r.Assessment)
	if err != nil {
		return Diagnosis{}, err
	}
	cl, err := Classify(r.Assessment, ev, r.History)
	if err != nil {
		return Diagnosis{}, err
	}
	d := Diagnosis{Evaluation: ev, Classification: cl, Codes: CodesFor(cl.Type), PriorRelief: TallyRelief(r.PriorTreatments)}
	if r.Severity != nil {
		s, err := ScoreSeverity(*r.Severity)
		if err != nil {
			return Diagnosis{}, prefixed("severity", err)
		}
		d.Severity = &s
	}
	return d, nil
}
