package outcomes

import (
	"fmt"
	"slices"
	"time"

	"github.com/ketatrack/ketatrack/internal/survival"
)

// BoosterSuggestion is when a patient's next booster course would fall due,
// judged from the patient's own relief history. It is a suggestion for the
// clinician, with its basis spelled out, never an order.
type BoosterSuggestion struct {
	Patient string `json:"patient_id"`
	// Suggested is false when the history gives no basis (no relief period
	// has yet ended in relapse); Basis says so.
	Suggested bool `json:"suggested"`
	// Due is the suggested date of the booster.
	Due time.Time `json:"due,omitzero"`
	// Relapses is the number of relief periods that ended in relapse;
	// ShortestDays and MedianDays describe their durations.
	Relapses     int     `json:"relapses"`
	ShortestDays int     `json:"shortest_days,omitempty"`
	MedianDays   float64 `json:"median_days,omitempty"`
	Basis        string  `json:"basis"`
}

// SuggestBooster suggests a booster date from one patient's relief periods
// (survival.Period, from the relief CSV or from CourseRelief.Period). The
// conservative rule: relief is expected to last as long as the shortest
// relief that ended in relapse, and the booster is suggested LeadDays
// (d.Booster) before that runs out in the current period. When the latest
// period has already ended in relapse, the booster is due on its end date.
func (d *Definitions) SuggestBooster(history []survival.Period) (BoosterSuggestion, error) {
	if len(history) == 0 {
		return BoosterSuggestion{Basis: "no relief period recorded"}, nil
	}
	periods := slices.Clone(history)
	slices.SortFunc(periods, func(a, b survival.Period) int { return a.Start.Compare(b.Start) })
	s := BoosterSuggestion{Patient: periods[0].Patient}
	var relapsed []int
	longestCensored := 0
	for _, p := range periods {
		if err := p.Validate(); err != nil {
			return BoosterSuggestion{}, fmt.Errorf("relief period: %w", err)
		}
		if p.Patient != s.Patient {
			return BoosterSuggestion{}, fmt.Errorf("relief periods of two patients, %q and %q", s.Patient, p.Patient)
		}
		if p.Relapsed {
			relapsed = append(relapsed, p.Days())
		} else {
			longestCensored = max(longestCensored, p.Days())
		}
	}
	s.Relapses = len(relapsed)
	if len(relapsed) == 0 {
		s.Basis = fmt.Sprintf("no relapse yet in %d relief period(s), followed up to %d days: no basis to time a booster", len(periods), longestCensored)
		return s, nil
	}
	slices.Sort(relapsed)
	s.ShortestDays = relapsed[0]
	n := len(relapsed)
	s.MedianDays = float64(relapsed[(n-1)/2]+relapsed[n/2]) / 2
	s.Suggested = true
	current := periods[len(periods)-1]
	if current.Relapsed {
		s.Due = current.End
		s.Basis = fmt.Sprintf("the latest relief ended in relapse on %s after %d days: a booster is due", current.End.Format(survival.DateLayout), current.Days())
		return s, nil
	}
	lead := min(d.Booster.LeadDays, s.ShortestDays)
	s.Due = current.Start.AddDate(0, 0, s.ShortestDays-lead)
	s.Basis = fmt.Sprintf("relief ended in relapse after %d day(s) at the shortest (median %g) over %d period(s); current relief began %s; booster suggested %d day(s) before day %d of it",
		s.ShortestDays, s.MedianDays, n, current.Start.Format(survival.DateLayout), lead, s.ShortestDays)
	return s, nil
}
