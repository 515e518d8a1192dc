package crps

import (
	"fmt"
	"sort"
)

// SeverityVersion names a form of the CRPS Severity Score (CSS). Every score
// carries the version it was computed with; scores of different versions are
// never compared.
type SeverityVersion string

// CSS16 is the 16-item form of the CRPS Severity Score: 8 reported symptoms
// and 8 signs, 1 point each, total 0–16, exactly as tabulated in J Pain Res
// 2023;16:1915–26 (doi 10.2147/JPR.S408858) Table 4, which applies the score
// of Harden et al. (Pain 2010;151:870–6; prospectively validated, slightly
// modified, Pain 2017;158:1430–6).
//
// The original 17-item form of Harden et al. 2010 is not offered: its
// abstract confirms "17 clinically-assessed signs and symptoms" but the
// breakdown of the 17 items could not be read in a published copy, so it is
// not encoded (shared/CLINICAL.md: verify before offering it).
const CSS16 SeverityVersion = "css-16"

// srcCSS16 cites the 16-item form.
const srcCSS16 = "CRPS Severity Score, 16-item form (8 symptoms + 8 signs, 1 point each) as tabulated in J Pain Res 2023;16:1915–26 Table 4; score of Harden et al., Pain 2010;151:870–6 and Pain 2017;158:1430–6"

// SeverityItem is one item of a CSS form.
type SeverityItem struct {
	// ID is stable and stored, e.g. "symptom.continuing_pain".
	ID string `json:"id"`
	// Kind is symptom (reported) or sign (on examination).
	Kind Kind `json:"kind"`
	// Label is the item's wording in the source table.
	Label string `json:"label"`
}

// SeverityForm is one version of the CSS with its items.
type SeverityForm struct {
	// Version names the form.
	Version SeverityVersion `json:"version"`
	// Items are scored 1 when present, 0 otherwise.
	Items []SeverityItem `json:"items"`
	// Source cites where the items were read.
	Source string `json:"source"`
}

// SeverityForms lists the CSS forms ketatrack offers, by version.
var SeverityForms = map[SeverityVersion]SeverityForm{
	CSS16: {
		Version: CSS16,
		Source:  srcCSS16,
		// Item wording of J Pain Res 2023;16:1915 Table 4.
		Items: []SeverityItem{
			{ID: "symptom.continuing_pain", Kind: Symptom, Label: "continuing pain"},
			{ID: "symptom.allodynia_hyperalgesia", Kind: Symptom, Label: "allodynia and/or hyperalgesia"},
			{ID: "symptom.temperature_asymmetry", Kind: Symptom, Label: "temperature asymmetry"},
			{ID: "symptom.colour_asymmetry", Kind: Symptom, Label: "colour asymmetry"},
			{ID: "symptom.sweating_asymmetry", Kind: Symptom, Label: "sweating asymmetry"},
			{ID: "symptom.oedema", Kind: Symptom, Label: "oedema"},
			{ID: "symptom.trophic_changes", Kind: Symptom, Label: "dystrophic (trophic) changes: nails, hair, skin"},
			{ID: "symptom.motor_abnormalities", Kind: Symptom, Label: "motor abnormalities (weakness, tremor, dystonia, decreased range of motion, myoclonus)"},
			{ID: "sign.hyperalgesia_pinprick", Kind: Sign, Label: "hyperalgesia to pinprick"},
			{ID: "sign.allodynia", Kind: Sign, Label: "allodynia"},
			{ID: "sign.temperature_asymmetry", Kind: Sign, Label: "temperature asymmetry on palpation"},
			{ID: "sign.colour_asymmetry", Kind: Sign, Label: "colour asymmetry"},
			{ID: "sign.sweating_asymmetry", Kind: Sign, Label: "sweating asymmetry"},
			{ID: "sign.asymmetric_oedema", Kind: Sign, Label: "asymmetric oedema"},
			{ID: "sign.trophic_changes", Kind: Sign, Label: "dystrophic (trophic) changes: nails, hair, skin"},
			{ID: "sign.motor_abnormalities", Kind: Sign, Label: "motor abnormalities on the affected side (tremor or myoclonus, dystonia, decreased range of motion, weakness)"},
		},
	},
}

// ItemState is the finding for one CSS item.
type ItemState string

// The states of a CSS item. NotAssessable is for an item that cannot be
// examined (e.g. motor abnormalities after bilateral amputation, as J Pain Res
// 2023;16:1915 Table 4 marks "NA"); it scores 0 and is listed on the score.
const (
	Present       ItemState = "present"
	Absent        ItemState = "absent"
	NotAssessable ItemState = "not_assessable"
)

// SeverityInput is a CSS assessment: one state per item of the form.
type SeverityInput struct {
	// Version names the form used.
	Version SeverityVersion `json:"version"`
	// Items maps every item ID of the form to its state. Every item must be
	// answered: an item left out is an error, never taken as absent.
	Items map[string]ItemState `json:"items"`
}

// Validate checks the version and that every item of the form, and nothing
// else, has a valid state.
func (in SeverityInput) Validate() error {
	form, ok := SeverityForms[in.Version]
	if !ok {
		return fieldErr("version", fmt.Sprintf("unknown CRPS Severity Score version %q; offered: %s", in.Version, CSS16))
	}
	known := make(map[string]bool, len(form.Items))
	for _, it := range form.Items {
		known[it.ID] = true
		st, ok := in.Items[it.ID]
		if !ok {
			return fieldErr("items."+it.ID, "not answered: record present, absent or not_assessable")
		}
		switch st {
		case Present, Absent, NotAssessable:
		default:
			return fieldErr("items."+it.ID, fmt.Sprintf("%q is not a state: want present, absent or not_assessable", st))
		}
	}
	extra := []string{}
	for id := range in.Items {
		if !known[id] {
			extra = append(extra, id)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return fieldErr("items."+extra[0], fmt.Sprintf("not an item of %s", in.Version))
	}
	return nil
}

// SeverityScore is a computed CSS. It always records the version.
type SeverityScore struct {
	// Version is the form the score was computed with.
	Version SeverityVersion `json:"version"`
	// Score is the number of items present.
	Score int `json:"score"`
	// Max is the number of items of the form (16 for css-16).
	Max int `json:"max"`
	// SymptomsPresent is the number of symptom items present.
	SymptomsPresent int `json:"symptoms_present"`
	// SignsPresent is the number of sign items present.
	SignsPresent int `json:"signs_present"`
	// NotAssessable lists the items that could not be assessed (scored 0).
	NotAssessable []string `json:"not_assessable"`
	// Source cites the form.
	Source string `json:"source"`
}

// String renders the score with its version, e.g. "CSS 13/16 (css-16)".
func (s SeverityScore) String() string {
	return fmt.Sprintf("CSS %d/%d (%s)", s.Score, s.Max, s.Version)
}

// ScoreSeverity computes the CRPS Severity Score: 1 point for each item
// present (J Pain Res 2023;16:1915 Table 4; Harden et al., Pain
// 2010;151:870–6).
func ScoreSeverity(in SeverityInput) (SeverityScore, error) {
	if err := in.Validate(); err != nil {
		return SeverityScore{}, err
	}
	form := SeverityForms[in.Version]
	s := SeverityScore{Version: in.Version, Max: len(form.Items), NotAssessable: []string{}, Source: form.Source}
	for _, it := range form.Items {
		switch in.Items[it.ID] {
		case Present:
			s.Score++
			if it.Kind == Symptom {
				s.SymptomsPresent++
			} else {
				s.SignsPresent++
			}
		case NotAssessable:
			s.NotAssessable = append(s.NotAssessable, it.ID)
		}
	}
	return s, nil
}
