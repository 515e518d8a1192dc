package outcomes_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/outcomes"
	"github.com/ketatrack/ketatrack/internal/survival"
)

// course builds one patient's journal from pain_24h values by day (−1 =
// missing cell; a day absent from the map has no row).
func course(patient string, pain map[int]int, worst, punishing map[int]int) []outcomes.JournalRow {
	var rows []outcomes.JournalRow
	for day := 1; day <= 200; day++ {
		v, ok := pain[day]
		if !ok {
			continue
		}
		r := outcomes.NewJournalRow(patient, day)
		if v >= 0 {
			r.Scores[outcomes.Pain24h] = outcomes.ScoreOf(v)
		}
		if w, ok := worst[day]; ok {
			r.Scores[outcomes.PainWorst] = outcomes.ScoreOf(w)
		}
		if p, ok := punishing[day]; ok {
			r.Scores[outcomes.Punishing] = outcomes.ScoreOf(p)
		}
		rows = append(rows, r)
	}
	return rows
}

func TestDefaultDefinitionsAreValid(t *testing.T) {
	d := outcomes.DefaultDefinitions()
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range d.Responses {
		if c.Source == "" {
			t.Errorf("%s has no source", c.ID)
		}
	}
	// The definitions round-trip through JSON with measures by column name.
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"measures":["pain_worst","punishing"]`) {
		t.Errorf("measures not written by name: %s", b)
	}
	var back outcomes.Definitions
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if err := back.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestDefinitionsValidate(t *testing.T) {
	d := outcomes.DefaultDefinitions()
	d.Baseline.Day = 0
	d.Responses[1].ID = d.Responses[0].ID
	d.Responses[2].MinReductionPct = 0
	d.Relief.Response = "nope"
	d.Relief.RelapseDays = 0
	d.Booster.LeadDays = -1
	err := d.Validate()
	for _, want := range []string{"baseline.day", "responses[1].id", "responses[2].min_reduction_pct", "relief.response", "relief.relapse_days", "booster.lead_days"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
}

func TestRelief(t *testing.T) {
	d := outcomes.DefaultDefinitions() // relief: ≥ 30 % on pain_24h; relapse: within 10 % for 3 days
	tests := []struct {
		name string
		pain map[int]int
		want outcomes.CourseRelief
	}{
		{
			// Baseline 10. Day 3 is 7: 30 % exactly, the onset. Days 20–22
			// are ≥ 9 (within 10 % of 10): relapse on day 20 after 17 days.
			name: "relapse",
			pain: map[int]int{1: 10, 2: 8, 3: 7, 10: 5, 19: 8, 20: 9, 21: 10, 22: 9, 23: 9},
			want: outcomes.CourseRelief{Responded: true, OnsetDay: 3, EndDay: 20, Relapsed: true, Days: 17},
		},
		{
			// Two days back at baseline, then a gap (day 22 missing) and
			// one more: never three consecutive days, so censored at the
			// last recorded day 25.
			name: "gap breaks the run",
			pain: map[int]int{1: 10, 4: 6, 20: 9, 21: 9, 23: 9, 25: 7},
			want: outcomes.CourseRelief{Responded: true, OnsetDay: 4, EndDay: 25, Days: 21},
		},
		{
			// A missing cell breaks the run as a missing day does.
			name: "missing cell breaks the run",
			pain: map[int]int{1: 10, 2: 5, 3: 9, 4: 9, 5: -1, 6: 9, 7: 9},
			want: outcomes.CourseRelief{Responded: true, OnsetDay: 2, EndDay: 7, Days: 5},
		},
		{
			name: "never responded",
			pain: map[int]int{1: 10, 2: 8, 3: 8},
			want: outcomes.CourseRelief{Reason: "never reached IMMPACT moderate (≥ 30 %)"},
		},
		{
			name: "zero baseline",
			pain: map[int]int{1: 0, 2: 0},
			want: outcomes.CourseRelief{Reason: "baseline pain_24h is 0: no percentage reduction can be computed"},
		},
		{
			name: "no baseline entry",
			pain: map[int]int{2: 8, 3: 4},
			want: outcomes.CourseRelief{Reason: "no journal entry on the baseline day 1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := d.FindRelief(course("P1", tt.pain, nil, nil))
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Patient, tt.want.Criterion = "P1", outcomes.ResponseIMMPACT30
			if got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// Goldberg's criterion needs both worst and punishing pain 70 % down.
func TestReliefGoldbergCriterion(t *testing.T) {
	d := outcomes.DefaultDefinitions()
	d.Relief.Response = outcomes.ResponseGoldberg70
	pain := map[int]int{1: 8, 2: 8, 3: 8, 4: 8, 40: 8, 41: 8, 42: 8}
	worst := map[int]int{1: 10, 2: 3, 3: 3, 4: 2, 40: 9, 41: 10, 42: 9}
	punishing := map[int]int{1: 4, 2: 2, 3: 1, 4: 1, 40: 4, 41: 4, 42: 4}
	got, err := d.FindRelief(course("G", pain, worst, punishing))
	if err != nil {
		t.Fatal(err)
	}
	// Day 2: worst −70 % but punishing only −50 %; day 3: both ≥ 70 %
	// (3 of 10, 1 of 4 = −75 %). Days 40–42 back within 10 %.
	want := outcomes.CourseRelief{Patient: "G", Criterion: outcomes.ResponseGoldberg70, Responded: true, OnsetDay: 3, EndDay: 40, Relapsed: true, Days: 37}
	if got != want {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	start := time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC)
	p, ok := got.Period(start)
	if !ok || p.Start != start.AddDate(0, 0, 2) || p.Days() != 37 || !p.Relapsed {
		t.Errorf("period %+v", p)
	}
}

func TestReliefRejectsMixedJournals(t *testing.T) {
	d := outcomes.DefaultDefinitions()
	rows := append(course("A", map[int]int{1: 5}, nil, nil), course("B", map[int]int{1: 5}, nil, nil)...)
	if _, err := d.FindRelief(rows); err == nil || !strings.Contains(err.Error(), "two patients") {
		t.Errorf("error %v", err)
	}
	dup := append(course("A", map[int]int{1: 5}, nil, nil), course("A", map[int]int{1: 6}, nil, nil)...)
	if _, err := d.FindRelief(dup); err == nil || !strings.Contains(err.Error(), "two rows for day 1") {
		t.Errorf("error %v", err)
	}
}

func TestResponses(t *testing.T) {
	d := outcomes.DefaultDefinitions()
	rows := course("P", map[int]int{1: 8, 5: 6, 10: 4}, map[int]int{1: 10, 10: 3}, map[int]int{1: 0, 10: 0})
	got, err := d.EvaluateResponses(rows)
	if err != nil {
		t.Fatal(err)
	}
	// pain_24h 8 → 4 = 50 %: moderate and substantial; Goldberg's needs
	// punishing, whose baseline is 0.
	if !got[0].Met || !got[1].Met || got[0].ReductionPct[0] != 50 || got[0].Day != 10 {
		t.Errorf("IMMPACT: %+v %+v", got[0], got[1])
	}
	if got[2].Evaluable || !strings.Contains(got[2].Reason, "baseline punishing is 0") {
		t.Errorf("Goldberg: %+v", got[2])
	}
}

func TestCohortReliefOnGoldbergLikeJournal(t *testing.T) {
	d := outcomes.DefaultDefinitions()
	rows := course("A", map[int]int{1: 10, 2: 6, 3: 9, 4: 10, 5: 9}, nil, nil)
	rows = append(rows, course("B", map[int]int{1: 6, 2: 5, 3: 4, 4: 4}, nil, nil)...)
	rows = append(rows, course("C", map[int]int{1: 8, 2: 8}, nil, nil)...)
	got, err := d.CohortRelief(rows)
	if err != nil {
		t.Fatal(err)
	}
	obs := outcomes.ReliefObservations(got)
	// A: onset day 2, relapse days 3–5 → 1 day, event. B: onset day 3
	// (4 of 6 = 33 %), censored on day 4 → 1 day. C never responded.
	want := []survival.Observation{{Time: 1, Event: true}, {Time: 1, Event: false}}
	if len(obs) != 2 || obs[0] != want[0] || obs[1] != want[1] {
		t.Errorf("observations %+v, want %+v", obs, want)
	}
}

func date(s string) time.Time {
	t, err := time.Parse(survival.DateLayout, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestSuggestBooster(t *testing.T) {
	d := outcomes.DefaultDefinitions()
	d.Booster.LeadDays = 7
	history := []survival.Period{
		{Patient: "P", Start: date("2024-05-01"), End: date("2024-06-20"), Relapsed: true}, // 50 days
		{Patient: "P", Start: date("2024-01-01"), End: date("2024-03-01"), Relapsed: true}, // 60 days
		{Patient: "P", Start: date("2024-07-01"), End: date("2024-07-20")},                 // ongoing
	}
	s, err := d.SuggestBooster(history)
	if err != nil {
		t.Fatal(err)
	}
	// Shortest relief 50 days, lead 7: day 43 of the relief that began
	// 2024-07-01 is 2024-08-13.
	if !s.Suggested || s.ShortestDays != 50 || s.MedianDays != 55 || s.Relapses != 2 || !s.Due.Equal(date("2024-08-13")) {
		t.Errorf("suggestion %+v", s)
	}
	// The latest relief already ended: due on that day.
	s, _ = d.SuggestBooster(history[:2])
	if !s.Due.Equal(date("2024-06-20")) {
		t.Errorf("due %v, want 2024-06-20", s.Due)
	}
	// No relapse yet: no basis.
	s, _ = d.SuggestBooster(history[2:])
	if s.Suggested || !strings.Contains(s.Basis, "no relapse yet") {
		t.Errorf("suggestion %+v", s)
	}
	if _, err := d.SuggestBooster(append(history, survival.Period{Patient: "Q", Start: date("2024-01-01"), End: date("2024-01-02")})); err == nil {
		t.Error("periods of two patients accepted")
	}
}

func TestReductionAndBenefit(t *testing.T) {
	tests := []struct {
		base, v outcomes.Score
		pct     float64
		ok      bool
		benefit outcomes.Benefit
	}{
		{1000, 700, 30, true, outcomes.BenefitModerate},    // exactly 30 % (IMMPACT ≥ 30 %)
		{1000, 500, 50, true, outcomes.BenefitSubstantial}, // exactly 50 %
		{1000, 750, 25, true, outcomes.BenefitBelowModerate},
		{1000, 850, 15, true, outcomes.BenefitMinimal},
		{1000, 950, 5, true, outcomes.BenefitNone},
		{500, 600, -20, true, outcomes.BenefitWorse},
		{0, 0, 0, false, outcomes.BenefitNone},
		{outcomes.Missing, 500, 0, false, outcomes.BenefitNone},
	}
	for _, tt := range tests {
		pct, ok := outcomes.Reduction(tt.base, tt.v)
		b, bok := outcomes.ClassifyReduction(tt.base, tt.v)
		if ok != tt.ok || ok && pct != tt.pct || bok != tt.ok || b != tt.benefit {
			t.Errorf("%v → %v: %v %v %v, want %v %v %v", tt.base, tt.v, pct, ok, b, tt.pct, tt.ok, tt.benefit)
		}
	}
	// 7.3 → 5.11 is exactly 30 % in decimals; in float64 0.3 would not be
	// reached (7.3·0.7 = 5.109999…), on hundredths it is.
	if !outcomes.ReducedBy(730, 511, 30) {
		t.Error("730 → 511 should be a 30 % reduction")
	}
}
