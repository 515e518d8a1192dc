package outcomes

import (
	"errors"
	"fmt"
	"strings"
)

// Definitions are a clinic's outcome definitions: which journal entry is the
// baseline, what counts as a response, when relief has ended (relapse), and
// how a booster is timed. DefaultDefinitions gives ketatrack's defaults,
// each with its source; a clinic may change any of them.
type Definitions struct {
	Baseline  Baseline            `json:"baseline"`  // which entry is the baseline
	Responses []ResponseCriterion `json:"responses"` // the responses reported
	Relief    ReliefRule          `json:"relief"`    // when relief begins and ends
	Booster   BoosterRule         `json:"booster"`   // how a booster is timed
}

// Baseline names the journal day whose entry is the baseline.
type Baseline struct {
	// Day is the journal day of the baseline entry; 1 is the entry made on
	// the first infusion day before the infusion.
	Day    int    `json:"day"`
	Source string `json:"source"` // where the choice comes from
}

// ResponseCriterion is a response: every listed measure at least
// MinReductionPct percent below its baseline.
type ResponseCriterion struct {
	ID              string    `json:"id"`                // stable identifier, e.g. "immpact-30"
	Name            string    `json:"name"`              // label shown to clinicians
	Measures        []Measure `json:"measures"`          // every one must fall by MinReductionPct
	MinReductionPct float64   `json:"min_reduction_pct"` // percentage reduction from baseline, (0, 100]
	Source          string    `json:"source"`            // publication or clinic decision behind it
}

// ReliefRule says when relief begins and ends. Relief begins on the first
// journal day after the baseline on which the response criterion named by
// Response is met; it ends with a relapse, the first of RelapseDays
// consecutive journal days on which every measure of that criterion is back
// within RelapseWithinPct percent of its baseline (at most that much below
// it). Without a relapse, relief is censored at the last journal day on
// which those measures were recorded.
type ReliefRule struct {
	Response         string  `json:"response"`           // ID of the criterion that starts relief
	RelapseWithinPct float64 `json:"relapse_within_pct"` // back within this % of baseline is relapse
	RelapseDays      int     `json:"relapse_days"`       // on this many consecutive journal days
	Source           string  `json:"source"`             // publication or clinic decision behind it
}

// BoosterRule times a booster course from the patient's own relief history:
// LeadDays before the shortest relief that ended in relapse.
type BoosterRule struct {
	LeadDays int    `json:"lead_days"` // days before the expected end of relief
	Source   string `json:"source"`    // publication or clinic decision behind it
}

// Response criterion identifiers of the defaults.
const (
	ResponseIMMPACT30  = "immpact-30"
	ResponseIMMPACT50  = "immpact-50"
	ResponseGoldberg70 = "goldberg-70"
)

// DefaultDefinitions returns ketatrack's default outcome definitions.
func DefaultDefinitions() Definitions {
	const immpact = "Dworkin et al., J Pain 2008;9:105–21 (IMMPACT): reductions of 0–10 pain intensity ≥ 30 % moderately important, ≥ 50 % substantial. " +
		"The measure, pain over the past 24 h, is ketatrack's choice: the journal item closest to a daily average pain rating."
	return Definitions{
		Baseline: Baseline{
			Day: 1,
			Source: "Goldberg et al., Pain Physician 2005 (seed 003_55ad5919aae10607.txt): journal entries made each day prior to infusion, " +
				"results compared with day 1 (\"Compared to baseline … by the 10th day\").",
		},
		Responses: []ResponseCriterion{
			{ID: ResponseIMMPACT30, Name: "IMMPACT moderate (≥ 30 %)", Measures: []Measure{Pain24h}, MinReductionPct: 30, Source: immpact},
			{ID: ResponseIMMPACT50, Name: "IMMPACT substantial (≥ 50 %)", Measures: []Measure{Pain24h}, MinReductionPct: 50, Source: immpact},
			{ID: ResponseGoldberg70, Name: "Goldberg ≥ 70 % on worst and punishing pain", Measures: []Measure{PainWorst, Punishing}, MinReductionPct: 70,
				Source: "Goldberg et al., Pain Physician 2005 (seed 003_55ad5919aae10607.txt), Discussion: \"at least a 70% reduction of 'worst' and 'punishing' pain\"."},
		},
		Relief: ReliefRule{
			Response:         ResponseIMMPACT30,
			RelapseWithinPct: 10,
			RelapseDays:      3,
			Source: "ketatrack default, not from a publication (issue 8 proposes \"return to within 10 % of baseline for 3 consecutive days\"); " +
				"Goldberg (003) counted relapse as pain back to pre-infusion levels without a stated rule. A clinic should set its own.",
		},
		Booster: BoosterRule{
			LeadDays: 0,
			Source: "ketatrack default: suggest the booster when the patient's shortest relief so far ran out. " +
				"No seed or guideline gives a lead time; the clinician sets one.",
		},
	}
}

// Criterion returns the response criterion with the given ID.
func (d *Definitions) Criterion(id string) (ResponseCriterion, bool) {
	for _, c := range d.Responses {
		if c.ID == id {
			return c, true
		}
	}
	return ResponseCriterion{}, false
}

// Validate checks that the definitions are complete and consistent; the
// error names every field at fault.
func (d *Definitions) Validate() error {
	var errs []error
	if d.Baseline.Day < 1 || d.Baseline.Day > MaxDay {
		errs = append(errs, fmt.Errorf("baseline.day: %d is outside 1–%d", d.Baseline.Day, MaxDay))
	}
	seen := map[string]bool{}
	for i, c := range d.Responses {
		at := fmt.Sprintf("responses[%d]", i)
		switch {
		case strings.TrimSpace(c.ID) == "":
			errs = append(errs, fmt.Errorf("%s.id: empty", at))
		case seen[c.ID]:
			errs = append(errs, fmt.Errorf("%s.id: %q is used twice", at, c.ID))
		}
		seen[c.ID] = true
		if len(c.Measures) == 0 {
			errs = append(errs, fmt.Errorf("%s.measures: none", at))
		}
		for _, m := range c.Measures {
			if !m.Valid() {
				errs = append(errs, fmt.Errorf("%s.measures: invalid measure %d", at, int(m)))
			} else if m == ReliefPct {
				errs = append(errs, fmt.Errorf("%s.measures: relief_pct is already a percentage; a reduction of it is not a response", at))
			}
		}
		if !(c.MinReductionPct > 0 && c.MinReductionPct <= 100) {
			errs = append(errs, fmt.Errorf("%s.min_reduction_pct: %v is outside (0, 100]", at, c.MinReductionPct))
		}
		if strings.TrimSpace(c.Source) == "" {
			errs = append(errs, fmt.Errorf("%s.source: empty; say where the threshold comes from", at))
		}
	}
	if _, ok := d.Criterion(d.Relief.Response); !ok {
		errs = append(errs, fmt.Errorf("relief.response: no response criterion %q", d.Relief.Response))
	}
	if !(d.Relief.RelapseWithinPct >= 0 && d.Relief.RelapseWithinPct < 100) {
		errs = append(errs, fmt.Errorf("relief.relapse_within_pct: %v is outside [0, 100)", d.Relief.RelapseWithinPct))
	}
	if d.Relief.RelapseDays < 1 {
		errs = append(errs, fmt.Errorf("relief.relapse_days: %d, at least 1 is needed", d.Relief.RelapseDays))
	}
	if strings.TrimSpace(d.Relief.Source) == "" {
		errs = append(errs, errors.New("relief.source: empty; say where the relapse rule comes from"))
	}
	if d.Booster.LeadDays < 0 {
		errs = append(errs, fmt.Errorf("booster.lead_days: %d is negative", d.Booster.LeadDays))
	}
	return errors.Join(errs...)
}
