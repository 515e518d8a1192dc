package crps

import (
	"fmt"
	"strings"
)

// PriorTreatmentItem is one therapy on the prior-treatment checklist.
type PriorTreatmentItem struct {
	// ID is stable and stored, e.g. "physical_therapy".
	ID string `json:"id"`
	// Group is the kind of therapy: "physical", "drug", "sympatholysis",
	// "neuromodulation" or "other".
	Group string `json:"group"`
	// Label is shown to the clinician.
	Label string `json:"label"`
	// Source says where the item comes from.
	Source string `json:"source"`
}

// srcGoldbergMethods cites the list of prior therapies. Goldberg et al. 2005
// (seed 003_55ad5919aae10607.txt) tabulated prior treatments in Table 1 with
// relief "B" (up to 8 weeks) and "A" (> 8 weeks), but the seed keeps only the
// table's title and legend, not its rows; the therapies are therefore those
// the same paper's Methods list as the refractory patients' conventional
// therapy.
const srcGoldbergMethods = "Goldberg et al., Pain Physician 2005;8:175–9 (seed 003_55ad5919aae10607.txt), Methods: \"a) Physical therapy; b) drug combinations of NSAIDS, tricyclic antidepressants, anticonvulsants, and opioids; c) sympatholysis either by intermittent superior cervical or paravertebral block, or five days intrapleural or epidural block. Four patients had failed a therapeutic trial of dorsal column stimulation.\" (Table 1's rows are not in the seed.)"

// PriorTreatments is the prior-treatment checklist (srcGoldbergMethods).
var PriorTreatments = []PriorTreatmentItem{
	{ID: "physical_therapy", Group: "physical", Label: "physical therapy", Source: srcGoldbergMethods},
	{ID: "nsaids", Group: "drug", Label: "NSAIDs", Source: srcGoldbergMethods},
	{ID: "tricyclic_antidepressants", Group: "drug", Label: "tricyclic antidepressants", Source: srcGoldbergMethods},
	{ID: "anticonvulsants", Group: "drug", Label: "anticonvulsants", Source: srcGoldbergMethods},
	{ID: "opioids", Group: "drug", Label: "opioids", Source: srcGoldbergMethods},
	{ID: "superior_cervical_block", Group: "sympatholysis", Label: "intermittent superior cervical (sympathetic) block", Source: srcGoldbergMethods},
	{ID: "paravertebral_block", Group: "sympatholysis", Label: "intermittent paravertebral (sympathetic) block", Source: srcGoldbergMethods},
	{ID: "intrapleural_block", Group: "sympatholysis", Label: "five-day intrapleural block", Source: srcGoldbergMethods},
	{ID: "epidural_block", Group: "sympatholysis", Label: "five-day epidural block", Source: srcGoldbergMethods},
	{ID: "dorsal_column_stimulation", Group: "neuromodulation", Label: "dorsal column (spinal cord) stimulation", Source: srcGoldbergMethods},
	{ID: "other", Group: "other", Label: "other (describe)", Source: "ketatrack: any therapy not on Goldberg's list"},
}

// Relief is how long a prior treatment relieved the pain, in Goldberg's
// Table 1 categories (seed 003_55ad5919aae10607.txt, Table 1 legend).
type Relief string

// The relief categories.
const (
	// ReliefNone: the therapy gave no relief.
	ReliefNone Relief = "none"
	// ReliefUpTo8Weeks is Goldberg's "B": "pain relief achieved for up to 8
	// weeks while on any one of the above therapies".
	ReliefUpTo8Weeks Relief = "up_to_8_weeks"
	// ReliefOver8Weeks is Goldberg's "A": "chronic pain relief >8 weeks in
	// duration".
	ReliefOver8Weeks Relief = "over_8_weeks"
	// ReliefUnknown: tried, relief not known (e.g. records not found, as for
	// three of Goldberg's 40 patients).
	ReliefUnknown Relief = "unknown"
)

// PriorTreatment is one therapy a patient had before the ketamine course.
type PriorTreatment struct {
	// Treatment is a PriorTreatments ID.
	Treatment string `json:"treatment"`
	// Description names the therapy when Treatment is "other"; optional
	// detail (drug, dates) otherwise.
	Description string `json:"description,omitempty"`
	// Relief is none, up_to_8_weeks, over_8_weeks or unknown.
	Relief Relief `json:"relief"`
}

// Validate checks one prior treatment.
func (p PriorTreatment) Validate() error {
	known := false
	for _, it := range PriorTreatments {
		known = known || it.ID == p.Treatment
	}
	if !known {
		return fieldErr("treatment", fmt.Sprintf("%q is not on the prior-treatment list; use \"other\" with a description", p.Treatment))
	}
	if p.Treatment == "other" && strings.TrimSpace(p.Description) == "" {
		return fieldErr("description", "describe the therapy when it is \"other\"")
	}
	switch p.Relief {
	case ReliefNone, ReliefUpTo8Weeks, ReliefOver8Weeks, ReliefUnknown:
	default:
		return fieldErr("relief", fmt.Sprintf("%q is not a relief category: want none, up_to_8_weeks, over_8_weeks or unknown", p.Relief))
	}
	return nil
}

// ValidatePriorTreatments checks a patient's list: every entry valid, and
// no therapy from the list twice (an "other" may repeat with different
// descriptions).
func ValidatePriorTreatments(list []PriorTreatment) error {
	seen := map[string]bool{}
	for i, p := range list {
		f := fmt.Sprintf("prior_treatments[%d]", i)
		if err := p.Validate(); err != nil {
			return prefixed(f, err)
		}
		key := p.Treatment
		if key == "other" {
			key += ":" + strings.ToLower(strings.TrimSpace(p.Description))
		}
		if seen[key] {
			return fieldErr(f+".treatment", fmt.Sprintf("%q is listed twice", p.Treatment))
		}
		seen[key] = true
	}
	return nil
}

// ReliefTally counts a patient's prior treatments by relief category, as
// Goldberg's Table 1 reports them (B: up to 8 weeks; A: over 8 weeks).
type ReliefTally struct {
	// Tried is the number of prior treatments recorded.
	Tried int `json:"tried"`
	// None counts therapies that gave no relief.
	None int `json:"none"`
	// UpTo8Wk counts Goldberg's "B": relief for up to 8 weeks.
	UpTo8Wk int `json:"up_to_8_weeks"`
	// Over8Wk counts Goldberg's "A": relief for more than 8 weeks.
	Over8Wk int `json:"over_8_weeks"`
	// Unknown counts therapies whose relief is not known.
	Unknown int `json:"unknown"`
}

// TallyRelief counts prior treatments by relief category.
func TallyRelief(list []PriorTreatment) ReliefTally {
	var t ReliefTally
	for _, p := range list {
		t.Tried++
		switch p.Relief {
		case ReliefNone:
			t.None++
		case ReliefUpTo8Weeks:
			t.UpTo8Wk++
		case ReliefOver8Weeks:
			t.Over8Wk++
		default:
			t.Unknown++
		}
	}
	return t
}
