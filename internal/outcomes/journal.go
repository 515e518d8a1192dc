package outcomes

import (
	"fmt"
	"strings"
)

// MaxDay bounds journal day numbers: day 100,000 is some 270 years after the
// first infusion, so a larger number is a typing error, and the bound keeps
// per-day tables small.
const MaxDay = 100_000

// JournalRow is one patient's journal entry for one day: the values of every
// measure (Missing where the cell was empty). Day 1 is the first infusion
// day; Goldberg's patients wrote the entry before that day's infusion (seed
// 003_55ad5919aae10607.txt), so the day-1 entry is the pre-infusion
// baseline.
type JournalRow struct {
	Patient string             // patient identifier
	Day     int                // journal day, 1 = first infusion day
	Scores  [NumMeasures]Score // values indexed by Measure; Missing for empty cells
}

// NewJournalRow returns a row for patient and day with every value missing.
func NewJournalRow(patient string, day int) JournalRow {
	r := JournalRow{Patient: patient, Day: day}
	for i := range r.Scores {
		r.Scores[i] = Missing
	}
	return r
}

// Score returns the row's value of measure m.
func (r *JournalRow) Score(m Measure) Score { return r.Scores[m] }

// Validate checks the patient identifier, the day and every value against
// its scale.
func (r *JournalRow) Validate() error {
	if strings.TrimSpace(r.Patient) == "" {
		return fmt.Errorf("patient_id: empty")
	}
	if r.Day < 1 || r.Day > MaxDay {
		return fmt.Errorf("day: %d is outside 1–%d", r.Day, MaxDay)
	}
	for m, s := range r.Scores {
		if s != Missing && (s < 0 || s > measureInfo[m].max) {
			return fmt.Errorf("%s: %v is out of range 0–%s", Measure(m).Column(), s, measureInfo[m].max)
		}
	}
	return nil
}
