package crps

import "fmt"

// Type is the CRPS subtype of a diagnosis.
type Type string

// The CRPS subtypes.
const (
	// TypeI: Budapest clinical criteria met, no confirmed nerve injury
	// (formerly reflex sympathetic dystrophy; IASP 1994 via Stanton-Hicks et
	// al., Pain 1995;63:127; seed 002_099d9c08962d48c0.txt).
	TypeI Type = "I"
	// TypeII: Budapest clinical criteria met with a confirmed (definable)
	// nerve injury (formerly causalgia; same sources).
	TypeII Type = "II"
	// TypeNOS: CRPS not otherwise specified — never documented to meet the
	// Budapest criteria, but met the former IASP (1994) criteria, with no
	// better explanation (Harden et al., Pain 2010;150:268; restricted by
	// Goebel et al., Pain 2021;162:2346 to patients who have never been
	// documented to fulfil the new criteria).
	TypeNOS Type = "NOS"
	// TypeRemission: "CRPS with remission of some features" — previously
	// documented to meet the Budapest criteria, some features still present,
	// no longer meeting them, with no better explanation (Goebel et al.,
	// Pain 2021;162:2346; seed 002_099d9c08962d48c0.txt: "ongoing symptoms ...
	// not severe enough to meet full criteria ... show some improvement").
	TypeRemission Type = "remission"
	// TypeNone: no CRPS subtype applies.
	TypeNone Type = "none"
	// TypeUndetermined: an answer the rule needs was not recorded.
	TypeUndetermined Type = "undetermined"
)

// Label returns the subtype as clinicians write it.
func (t Type) Label() string {
	switch t {
	case TypeI:
		return "CRPS type I"
	case TypeII:
		return "CRPS type II"
	case TypeNOS:
		return "CRPS not otherwise specified (NOS)"
	case TypeRemission:
		return "CRPS with remission of some features"
	case TypeNone:
		return "no CRPS subtype"
	}
	return "undetermined"
}

// History holds the answers the subtype rules need besides the current
// evaluation.
type History struct {
	// NerveInjuryConfirmed: a nerve injury is confirmed (type II rather than I).
	NerveInjuryConfirmed Answer `json:"nerve_injury_confirmed"`
	// PreviouslyMetBudapest: the patient was documented earlier to meet the
	// Budapest clinical criteria.
	PreviouslyMetBudapest Answer `json:"previously_met_budapest"`
	// MetFormerIASPCriteria: the patient meets the former IASP (1994)
	// criteria; asked only for CRPS-NOS.
	MetFormerIASPCriteria Answer `json:"met_former_iasp_criteria"`
}

// Validate checks every answer.
func (h History) Validate() error {
	for _, f := range []struct {
		name string
		a    Answer
	}{
		{"nerve_injury_confirmed", h.NerveInjuryConfirmed},
		{"previously_met_budapest", h.PreviouslyMetBudapest},
		{"met_former_iasp_criteria", h.MetFormerIASPCriteria},
	} {
		if err := f.a.Validate(); err != nil {
			return fieldErr(f.name, err.Error())
		}
	}
	return nil
}

// Classification is the subtype with the rule that decided it.
type Classification struct {
	// Type is the subtype.
	Type Type `json:"type"`
	// NerveInjuryConfirmed is carried over so a NOS or remission diagnosis
	// still records whether a nerve injury was confirmed.
	NerveInjuryConfirmed Answer `json:"nerve_injury_confirmed"`
	// Rule is the human-readable reason.
	Rule string `json:"rule"`
	// Source cites the definition applied.
	Source string `json:"source"`
}

// Sources of the subtype definitions.
const (
	srcTypes     = "IASP 1994 taxonomy (Stanton-Hicks et al., Pain 1995;63:127–33); Harden et al., Pain Med 2007;8:326–31; seed 002_099d9c08962d48c0.txt"
	srcNOS       = "Harden et al., Pain 2010;150:268–74 (CRPS-NOS for patients meeting the former IASP criteria but not the new ones); Goebel et al., Pain 2021;162:2346–8 (NOS only for patients never documented to fulfil the new criteria)"
	srcRemission = "Goebel et al., Pain 2021;162:2346–8 (Valencia consensus: CRPS with remission of some features); seed 002_099d9c08962d48c0.txt"
)

// Classify decides the CRPS subtype from a Budapest evaluation, the
// assessment it came from and the history answers.
func Classify(a Assessment, ev Evaluation, h History) (Classification, error) {
	if err := h.Validate(); err != nil {
		return Classification{}, prefixed("history", err)
	}
	c := Classification{NerveInjuryConfirmed: h.NerveInjuryConfirmed}
	switch ev.Clinical.Outcome {
	case Undetermined:
		c.Type, c.Rule, c.Source = TypeUndetermined, "Budapest clinical criteria undetermined: "+ev.Clinical.Rule, srcTypes
		return c, nil
	case Met:
		c.Source = srcTypes
		switch h.NerveInjuryConfirmed {
		case Yes:
			c.Type, c.Rule = TypeII, "Budapest clinical criteria met with a confirmed nerve injury: CRPS type II"
		case No:
			c.Type, c.Rule = TypeI, "Budapest clinical criteria met without a confirmed nerve injury: CRPS type I"
		default:
			c.Type, c.Rule = TypeUndetermined, "Budapest clinical criteria met; whether a nerve injury is confirmed (type I or II) is not recorded"
		}
		return c, nil
	}

	// Clinical criteria not met: NOS, remission or none.
	if a.OtherDiagnosisExplains == Yes {
		c.Type, c.Rule, c.Source = TypeNone, "another diagnosis better explains the signs and symptoms: no CRPS subtype applies", srcTypes
		return c, nil
	}
	switch h.PreviouslyMetBudapest {
	case Unrecorded:
		c.Type, c.Rule, c.Source = TypeUndetermined, "Budapest clinical criteria not met; whether they were met earlier is not recorded (needed for NOS or remission)", srcRemission
		return c, nil
	case Yes:
		c.Source = srcRemission
		features := len(ev.SymptomCategories) + len(ev.SignCategories)
		switch {
		case features == 0 && a.DisproportionatePain != Yes:
			c.Type, c.Rule = TypeNone, "previously met the Budapest criteria; no symptom, sign or disproportionate pain is recorded now: no remaining feature for \"remission of some features\""
		case a.OtherDiagnosisExplains == Unrecorded:
			c.Type, c.Rule = TypeUndetermined, "previously met the Budapest criteria and some features remain; whether another diagnosis better explains them is not recorded"
		default:
			c.Type, c.Rule = TypeRemission, fmt.Sprintf("previously met the Budapest criteria, now %s, with features remaining and no better explanation: CRPS with remission of some features", ev.Clinical.Rule)
		}
		return c, nil
	}
	// Never documented to meet the Budapest criteria.
	c.Source = srcNOS
	switch {
	case h.MetFormerIASPCriteria == Unrecorded:
		c.Type, c.Rule = TypeUndetermined, "Budapest clinical criteria not met and never documented; whether the former IASP criteria are met (CRPS-NOS) is not recorded"
	case h.MetFormerIASPCriteria == No:
		c.Type, c.Rule = TypeNone, "Budapest clinical criteria not met, never documented, and the former IASP criteria not met: no CRPS subtype applies"
	case a.OtherDiagnosisExplains == Unrecorded:
		c.Type, c.Rule = TypeUndetermined, "meets the former IASP criteria but not the Budapest criteria; whether another diagnosis better explains the findings is not recorded"
	default:
		c.Type, c.Rule = TypeNOS, "meets the former IASP criteria, never documented to meet the Budapest criteria, no better explanation: CRPS not otherwise specified"
	}
	return c, nil
}
