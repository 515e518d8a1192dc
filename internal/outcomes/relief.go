package outcomes

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ketatrack/ketatrack/internal/survival"
)

// CourseRelief is the relief of one patient over one infusion course, read
// from the patient's journal for that course (day 1 = first infusion day)
// with a clinic's Definitions.
type CourseRelief struct {
	Patient string `json:"patient_id"`
	// Criterion is the response criterion that defines relief.
	Criterion string `json:"criterion"`
	// Responded reports whether the criterion was ever met; when not,
	// Reason says why (no baseline entry, a zero baseline, never reached).
	Responded bool   `json:"responded"`
	Reason    string `json:"reason,omitempty"`
	// OnsetDay is the first journal day the criterion was met.
	OnsetDay int `json:"onset_day,omitempty"`
	// EndDay is the first day of the relapse when Relapsed, otherwise the
	// last journal day with the criterion's measures (censored there).
	EndDay   int  `json:"end_day,omitempty"`
	Relapsed bool `json:"relapsed"`
	// Days is EndDay − OnsetDay, the duration of relief.
	Days int `json:"days"`
}

// Observation returns the relief as a censored duration for Kaplan–Meier;
// ok is false when the patient never responded (no relief to time).
func (c CourseRelief) Observation() (survival.Observation, bool) {
	if !c.Responded {
		return survival.Observation{}, false
	}
	return survival.Observation{Time: float64(c.Days), Event: c.Relapsed}, true
}

// Period dates the relief, given the calendar date of journal day 1; ok is
// false when the patient never responded.
func (c CourseRelief) Period(day1 time.Time) (survival.Period, bool) {
	if !c.Responded {
		return survival.Period{}, false
	}
	d1 := time.Date(day1.Year(), day1.Month(), day1.Day(), 0, 0, 0, 0, time.UTC)
	return survival.Period{
		Patient:  c.Patient,
		Start:    d1.AddDate(0, 0, c.OnsetDay-1),
		End:      d1.AddDate(0, 0, c.EndDay-1),
		Relapsed: c.Relapsed,
	}, true
}

// FindRelief finds the relief period in one patient's journal for one course,
// following d.Relief (see ReliefRule). The rows must be one patient's, at
// most one per day, in any order.
func (d *Definitions) FindRelief(journal []JournalRow) (CourseRelief, error) {
	if err := d.Validate(); err != nil {
		return CourseRelief{}, fmt.Errorf("outcome definitions: %w", err)
	}
	rows, err := patientJournal(journal)
	if err != nil {
		return CourseRelief{}, err
	}
	crit, _ := d.Criterion(d.Relief.Response)
	cr := CourseRelief{Criterion: crit.ID}
	if len(rows) > 0 {
		cr.Patient = rows[0].Patient
	}
	base, reason := d.baselineOf(rows, crit.Measures)
	if reason != "" {
		cr.Reason = reason
		return cr, nil
	}
	// complete reports whether a row has every measure of the criterion.
	complete := func(r *JournalRow) bool {
		for _, m := range crit.Measures {
			if r.Scores[m] == Missing {
				return false
			}
		}
		return true
	}
	meets := func(r *JournalRow) bool {
		for k, m := range crit.Measures {
			if !ReducedBy(base[k], r.Scores[m], crit.MinReductionPct) {
				return false
			}
		}
		return true
	}
	// backAtBaseline: every measure at most RelapseWithinPct percent below
	// its baseline, 100·(b − v) ≤ pct·b on exact hundredths.
	backAtBaseline := func(r *JournalRow) bool {
		for k, m := range crit.Measures {
			b, v := float64(base[k]), float64(r.Scores[m])
			if 100*(b-v) > d.Relief.RelapseWithinPct*b {
				return false
			}
		}
		return true
	}
	onset := -1
	for i := range rows {
		if rows[i].Day > d.Baseline.Day && complete(&rows[i]) && meets(&rows[i]) {
			onset = i
			break
		}
	}
	if onset < 0 {
		cr.Reason = fmt.Sprintf("never reached %s", crit.Name)
		return cr, nil
	}
	cr.Responded = true
	cr.OnsetDay = rows[onset].Day
	cr.EndDay = cr.OnsetDay
	runStart, runLen, prevDay := 0, 0, 0
	for i := onset + 1; i < len(rows); i++ {
		r := &rows[i]
		if !complete(r) {
			runLen = 0 // an unrecorded day breaks a run
			continue
		}
		cr.EndDay = r.Day // the last day relief status is known
		if !backAtBaseline(r) {
			runLen = 0
			continue
		}
		if runLen == 0 || r.Day != prevDay+1 {
			runStart, runLen = r.Day, 0
		}
		runLen++
		prevDay = r.Day
		if runLen == d.Relief.RelapseDays {
			cr.Relapsed = true
			cr.EndDay = runStart
			break
		}
	}
	cr.Days = cr.EndDay - cr.OnsetDay
	return cr, nil
}

// baselineOf returns the criterion measures' baseline scores, or why there
// is no usable baseline.
func (d *Definitions) baselineOf(rows []JournalRow, measures []Measure) ([]Score, string) {
	i := slices.IndexFunc(rows, func(r JournalRow) bool { return r.Day == d.Baseline.Day })
	if i < 0 {
		return nil, fmt.Sprintf("no journal entry on the baseline day %d", d.Baseline.Day)
	}
	base := make([]Score, len(measures))
	for k, m := range measures {
		s := rows[i].Scores[m]
		switch {
		case s == Missing:
			return nil, fmt.Sprintf("no baseline %s on day %d", m, d.Baseline.Day)
		case s == 0:
			return nil, fmt.Sprintf("baseline %s is 0: no percentage reduction can be computed", m)
		}
		base[k] = s
	}
	return base, ""
}

// patientJournal checks that the rows are one patient's with distinct days
// and returns them sorted by day.
func patientJournal(journal []JournalRow) ([]JournalRow, error) {
	rows := slices.Clone(journal)
	slices.SortFunc(rows, func(a, b JournalRow) int { return a.Day - b.Day })
	for i := range rows {
		if err := rows[i].Validate(); err != nil {
			return nil, fmt.Errorf("journal row %d: %w", i+1, err)
		}
		if rows[i].Patient != rows[0].Patient {
			return nil, fmt.Errorf("journal: rows of two patients, %q and %q; give one patient's course", rows[0].Patient, rows[i].Patient)
		}
		if i > 0 && rows[i].Day == rows[i-1].Day {
			return nil, fmt.Errorf("journal: patient %q has two rows for day %d", rows[i].Patient, rows[i].Day)
		}
	}
	return rows, nil
}

// CohortRelief applies FindRelief to each patient of a journal (one course per
// patient), in order of first appearance.
func (d *Definitions) CohortRelief(rows []JournalRow) ([]CourseRelief, error) {
	var order []string
	byPatient := map[string][]JournalRow{}
	for _, r := range rows {
		if _, ok := byPatient[r.Patient]; !ok {
			order = append(order, r.Patient)
		}
		byPatient[r.Patient] = append(byPatient[r.Patient], r)
	}
	out := make([]CourseRelief, 0, len(order))
	for _, p := range order {
		cr, err := d.FindRelief(byPatient[p])
		if err != nil {
			return nil, err
		}
		out = append(out, cr)
	}
	return out, nil
}

// ReliefObservations returns the relief durations of the patients who
// responded, for survival.KaplanMeier.
func ReliefObservations(courses []CourseRelief) []survival.Observation {
	var obs []survival.Observation
	for _, c := range courses {
		if o, ok := c.Observation(); ok {
			obs = append(obs, o)
		}
	}
	return obs
}

// ResponseResult is one response criterion evaluated for one patient,
// baseline against the last journal day with every measure of it.
type ResponseResult struct {
	Criterion string `json:"criterion"`
	// Evaluable is false when there is no baseline, a zero baseline, or no
	// later day with the measures; Reason says which.
	Evaluable bool   `json:"evaluable"`
	Reason    string `json:"reason,omitempty"`
	Day       int    `json:"day,omitempty"`
	// ReductionPct holds each measure's percentage reduction, in the
	// criterion's order.
	ReductionPct []float64 `json:"reduction_pct,omitempty"`
	Met          bool      `json:"met"`
}

// EvaluateResponses evaluates every response criterion for one patient's journal.
func (d *Definitions) EvaluateResponses(journal []JournalRow) ([]ResponseResult, error) {
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("outcome definitions: %w", err)
	}
	rows, err := patientJournal(journal)
	if err != nil {
		return nil, err
	}
	out := make([]ResponseResult, 0, len(d.Responses))
	for _, c := range d.Responses {
		res := ResponseResult{Criterion: c.ID}
		base, reason := d.baselineOf(rows, c.Measures)
		if reason != "" {
			res.Reason = reason
			out = append(out, res)
			continue
		}
		last := -1
		for i := len(rows) - 1; i >= 0 && rows[i].Day > d.Baseline.Day; i-- {
			if !slices.ContainsFunc(c.Measures, func(m Measure) bool { return rows[i].Scores[m] == Missing }) {
				last = i
				break
			}
		}
		if last < 0 {
			res.Reason = fmt.Sprintf("no day after the baseline with %s", measureList(c.Measures))
			out = append(out, res)
			continue
		}
		res.Evaluable, res.Day, res.Met = true, rows[last].Day, true
		for k, m := range c.Measures {
			pct, _ := Reduction(base[k], rows[last].Scores[m])
			res.ReductionPct = append(res.ReductionPct, pct)
			if !ReducedBy(base[k], rows[last].Scores[m], c.MinReductionPct) {
				res.Met = false
			}
		}
		out = append(out, res)
	}
	return out, nil
}

func measureList(ms []Measure) string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = m.Column()
	}
	return strings.Join(s, " and ")
}
