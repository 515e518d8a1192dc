package web

import (
	"context"
	"fmt"
	"html/template"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/outcomes"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/survival"
)

// The analytics of a clinic's journal. Every number comes from
// internal/outcomes (the cohort report, responses, relief periods, booster
// suggestions) and internal/survival (Kaplan–Meier); this file only
// gathers their inputs — the cohort journal, each patient's courses — and
// lays their results out.

// patientOutcome is one patient's outcomes under the clinic's definitions.
type patientOutcome struct {
	Patient *clinic.Patient
	Day1    clinic.Date
	Courses []courseOutcome
	// Responses evaluates every response criterion on the first course.
	Responses []outcomes.ResponseResult
	Booster   outcomes.BoosterSuggestion
	// Periods are the dated relief periods, for the relief CSV.
	Periods []survival.Period
}

// courseOutcome is the relief of one course window.
type courseOutcome struct {
	Window courseWindow
	Rows   []outcomes.JournalRow
	Relief outcomes.CourseRelief
}

// protocolSurvival is the Kaplan–Meier curve of the relief durations of
// the courses given by one protocol.
type protocolSurvival struct {
	// Protocol is the protocol's ID ("" when not recorded) and Title how
	// it is shown.
	Protocol string
	Title    string
	Curve    survival.Curve
	// AtRisk is the number still at risk at each time of AtRiskDays.
	AtRisk []int
}

// cohortAnalysis is everything the analytics page shows.
type cohortAnalysis struct {
	Definitions *clinic.OutcomeDefinitions
	Rows        int
	Report      outcomes.Report
	Patients    []*patientOutcome
	Survival    []protocolSurvival
	// AtRiskDays are the times of the numbers-at-risk table: every two
	// weeks, Goldberg's follow-up landmarks (2, 6, 9, 11–12 weeks) fall
	// between them.
	AtRiskDays []int
	// summaries are the refreshed summaries it was read from (the booster
	// list reads them too).
	summaries outcomeSummaries
	// pageTables is pageData's result, computed once (page).
	page       sync.Once
	pageTables analyticsPageData
	// bodies are the page's rendered content by booster cursor ("" for
	// the first page; see renderBody).
	bodiesMu sync.Mutex
	bodies   map[string]template.HTML
}

// atRiskStep is the spacing of the numbers-at-risk table, in days.
const atRiskStep = 14

// cohortAnalysis computes the clinic's analytics for the actor, or answers
// the kept analysis when the summaries, the cohort report and the
// definitions are those it was computed from (then a few one-row reads).
func (s *Server) cohortAnalysis(ctx context.Context) (*cohortAnalysis, error) {
	js, err := s.journals()
	if err != nil {
		return nil, err
	}
	a := clinic.ActorFrom(ctx)
	if !clinic.CanReadCohort(a, a.ClinicID) {
		return nil, clinic.Errorf(clinic.EFORBIDDEN, "The analytics are for the clinic's clinicians and administrators.")
	}
	defs, err := js.FindOutcomeDefinitions(ctx)
	if err != nil {
		return nil, err
	}
	st, err := s.refreshOutcomes(ctx, defs)
	if err != nil {
		return nil, err
	}
	ranked, version, err := summarizedOutcomes(ctx, st)
	if err != nil {
		return nil, err
	}
	rep, err := cohortReport(ctx, st)
	if err != nil {
		return nil, err
	}
	stamp, err := definitionsStamp(defs)
	if err != nil {
		return nil, err
	}
	key := keyOf(ctx, st)
	at := analysisStamp{summaries: version, totals: rep.Version, definitions: stamp}
	if v, ok := analyses.Load(key); ok && v.(*cachedAnalysis).stamp == at {
		return v.(*cachedAnalysis).analysis, nil
	}
	c := &cohortAnalysis{Definitions: defs, Rows: rep.Rows, Report: rep.Report, summaries: st}
	byProtocol := map[string][]survival.Observation{}
	titles := map[string]string{}
	var protocols []string
	maxDay := 0
	for _, po := range ranked {
		c.Patients = append(c.Patients, po)
		for _, co := range po.Courses {
			o, ok := co.Relief.Observation()
			if !ok {
				continue
			}
			key := co.Window.ProtocolID
			if _, seen := byProtocol[key]; !seen {
				protocols = append(protocols, key)
				titles[key] = co.Window.Protocol()
			}
			byProtocol[key] = append(byProtocol[key], o)
			maxDay = max(maxDay, int(math.Ceil(o.Time)))
		}
	}
	slices.Sort(protocols)
	for d := 0; d <= maxDay+atRiskStep-1; d += atRiskStep {
		c.AtRiskDays = append(c.AtRiskDays, d)
	}
	for _, key := range protocols {
		curve := survival.KaplanMeier(byProtocol[key])
		c.Survival = append(c.Survival, protocolSurvival{Protocol: key, Title: titles[key], Curve: curve, AtRisk: atRiskAt(curve, c.AtRiskDays)})
	}
	analyses.Store(key, &cachedAnalysis{stamp: at, analysis: c})
	return c, nil
}

// analyses holds the last cohortAnalysis of each clinic of a store (by
// summariesKey), with what it was computed from: the next request with the
// same summaries, totals and definitions answers it again, never changed.
var analyses sync.Map

// summariesKey names a clinic's summaries in a store: the key of the
// per-clinic locks, fills and caches of this file and analytics_set.go.
type summariesKey struct {
	st     outcomeSummaries
	clinic int64
}

// keyOf is the key of the actor's clinic's summaries in st.
func keyOf(ctx context.Context, st outcomeSummaries) summariesKey {
	return summariesKey{st: st, clinic: clinic.ActorFrom(ctx).ClinicID}
}

type analysisStamp struct {
	summaries, totals int64
	definitions       store.OutcomeDefinitionsStamp
}

type cachedAnalysis struct {
	stamp    analysisStamp
	analysis *cohortAnalysis
}

// patientOutcome reads one patient's journal and courses and applies the
// definitions; nil when the patient has no journal on the day axis.
func (s *Server) patientOutcome(ctx context.Context, js journalServices, defs *outcomes.Definitions, p *clinic.Patient) (*patientOutcome, error) {
	entries, err := js.FindJournalEntries(ctx, clinic.JournalFilter{PatientID: p.ID})
	if err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, nil
	}
	day1, err := js.JournalDay1(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	windows, _ := s.patientCourses(ctx, p.ID)
	return outcomeOf(defs, p, entries, day1, windows)
}

// outcomeOf applies the definitions to one patient's journal entries (in
// FindJournalEntries order), journal day 1 and signed course windows; nil
// when the patient has no journal on the day axis.
func outcomeOf(defs *outcomes.Definitions, p *clinic.Patient, entries []*clinic.JournalEntry, day1 clinic.Date, windows []courseWindow) (*patientOutcome, error) {
	if len(entries) == 0 {
		return nil, nil
	}
	if len(windows) == 0 && !day1.IsZero() {
		windows = []courseWindow{{Day1: day1}}
	}
	key := patientKey(p.ID)
	split := splitByCourse(key, entries, windows, day1)
	if len(split) == 0 {
		return nil, nil
	}
	po := &patientOutcome{Patient: p, Day1: day1}
	var err error
	for i, cr := range split {
		co := courseOutcome{Window: cr.Window, Rows: cr.Rows}
		if len(cr.Rows) > 0 {
			rel, err := defs.FindRelief(cr.Rows)
			if err != nil {
				return nil, fmt.Errorf("relief of patient %d: %w", p.ID, err)
			}
			co.Relief = rel
			if !cr.Window.Day1.IsZero() {
				if per, ok := rel.Period(cr.Window.Day1.Time()); ok {
					per.Patient = p.MRN
					po.Periods = append(po.Periods, per)
				}
			}
		} else {
			co.Relief = outcomes.CourseRelief{Patient: key, Reason: "no journal entry in this course"}
		}
		po.Courses = append(po.Courses, co)
		if i == 0 && len(cr.Rows) > 0 {
			if po.Responses, err = defs.EvaluateResponses(cr.Rows); err != nil {
				return nil, fmt.Errorf("responses of patient %d: %w", p.ID, err)
			}
		}
	}
	if po.Booster, err = defs.SuggestBooster(po.Periods); err != nil {
		return nil, fmt.Errorf("booster of patient %d: %w", p.ID, err)
	}
	return po, nil
}

// atRiskAt reads the number at risk at each time off a Kaplan–Meier curve,
// as R's summary(survfit(…), times = …) reports n.risk: the number whose
// time is at or after t, i.e. the at-risk count of the first curve point at
// or after t (0 past the last point).
func atRiskAt(c survival.Curve, days []int) []int {
	out := make([]int, len(days))
	for i, d := range days {
		for _, p := range c.Points {
			if p.Day >= float64(d) {
				out[i] = p.AtRisk
				break
			}
		}
	}
	return out
}

// criterionRate counts, for one response criterion, the patients who met
// it among those it could be evaluated for.
type criterionRate struct {
	Criterion outcomes.ResponseCriterion
	Met       int
	Evaluable int
}

// Pct is the share met in percent, formatted; "–" without an evaluable
// patient.
func (c criterionRate) Pct() string {
	if c.Evaluable == 0 {
		return "–"
	}
	return strconv.FormatFloat(100*float64(c.Met)/float64(c.Evaluable), 'f', 0, 64) + " %"
}

func (c *cohortAnalysis) criterionRates() []criterionRate {
	var out []criterionRate
	for _, crit := range c.Definitions.Definitions.Responses {
		r := criterionRate{Criterion: crit}
		for _, p := range c.Patients {
			for _, res := range p.Responses {
				if res.Criterion == crit.ID && res.Evaluable {
					r.Evaluable++
					if res.Met {
						r.Met++
					}
				}
			}
		}
		out = append(out, r)
	}
	return out
}

// survivalChart draws the curves, each with its 95 % limits dashed.
func (c *cohortAnalysis) survivalChart() chartSpec {
	times := map[float64]bool{0: true}
	for _, ps := range c.Survival {
		for _, p := range ps.Curve.Points {
			times[p.Day] = true
		}
	}
	var x []float64
	for t := range times {
		x = append(x, t)
	}
	slices.Sort(x)
	spec := chartSpec{ID: "km", Title: "Duration of relief by protocol (Kaplan–Meier, 95 % CI dashed)", XLabel: "days of relief",
		YLabel: "still relieved", X: x, YMin: num(0), YMax: num(1), Stepped: true}
	for _, ps := range c.Survival {
		est, lo, hi := stepValues(ps.Curve, x)
		label := ps.Protocol
		if label == "" {
			label = ps.Title
		}
		spec.Series = append(spec.Series,
			chartSeries{Label: label, Values: est, Group: label},
			chartSeries{Label: "95 % CI", Values: lo, Dash: true, Group: label},
			chartSeries{Label: "95 % CI", Values: hi, Dash: true, Group: label})
	}
	return spec
}

// stepValues reads the curve's estimate and limits at each x: the value of
// the last point at or before x (1 before the first event), as a step
// function is read; nil past the curve's last time.
func stepValues(c survival.Curve, x []float64) (est, lo, hi []*float64) {
	last := -1.0
	if n := len(c.Points); n > 0 {
		last = c.Points[n-1].Day
	}
	for _, t := range x {
		if t > last {
			est, lo, hi = append(est, nil), append(lo, nil), append(hi, nil)
			continue
		}
		e, l, h := num(1), num(1), num(1)
		for _, p := range c.Points {
			if p.Day > t {
				break
			}
			e, l, h = num(p.Survival), p.Lower, p.Upper
		}
		est, lo, hi = append(est, e), append(lo, l), append(hi, h)
	}
	return est, lo, hi
}

// measureChart draws one measure's daily mean with ±1 SD and its median
// with the quartiles, from the report.
func measureChart(m outcomes.Measure, mr outcomes.MeasureReport) chartSpec {
	spec := chartSpec{ID: "cohort-" + m.Column(), Title: m.Label() + " by journal day", XLabel: "journal day", YLabel: m.Unit(),
		YMin: num(0), YMax: num(m.Max().Float())}
	var mean, sdLo, sdHi, med, q1, q3 []*float64
	for _, d := range mr.Days {
		spec.X = append(spec.X, float64(d.Day))
		mean, med, q1, q3 = append(mean, num(d.Mean)), append(med, num(d.Median)), append(q1, num(d.Q1)), append(q3, num(d.Q3))
		if d.SD != nil {
			sdLo, sdHi = append(sdLo, num(d.Mean-*d.SD)), append(sdHi, num(d.Mean+*d.SD))
		} else {
			sdLo, sdHi = append(sdLo, nil), append(sdHi, nil)
		}
	}
	spec.Series = []chartSeries{
		{Label: "mean", Values: mean, Group: "mean"},
		{Label: "mean − SD", Values: sdLo, Dash: true, Group: "mean"},
		{Label: "mean + SD", Values: sdHi, Dash: true, Group: "mean"},
		{Label: "median", Values: med, Group: "median"},
		{Label: "Q1", Values: q1, Dash: true, Group: "median"},
		{Label: "Q3", Values: q3, Dash: true, Group: "median"},
	}
	return spec
}

// Formatting of statistics for the pages (the CSV exports and the API give
// full precision).

func f2(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) }

func fp(x *float64, digits int) string {
	if x == nil {
		return "–"
	}
	return strconv.FormatFloat(*x, 'f', digits, 64)
}

// pValue writes a p-value to 3 significant digits, or "< 0.001".
func pValue(p *float64) string {
	switch {
	case p == nil:
		return "–"
	case *p < 0.001:
		return "< 0.001"
	}
	return strconv.FormatFloat(*p, 'g', 3, 64)
}

// dateOfTime is the calendar date of a relief period's UTC date.
func dateOfTime(t time.Time) clinic.Date { return clinic.DateOf(t.UTC()) }
