package web

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/csvsafe"
	"github.com/ketatrack/ketatrack/internal/outcomes"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/survival"
)

// The clinic's analytics page, its CSV exports and its API.

type dayRow struct {
	Day, N                int
	MeanSD, Median, IQR   string
	Mean, SD, Med, Q1, Q3 string // full precision, for CSV
}

type measureTable struct {
	Measure  outcomes.Measure
	Days     []dayRow
	First    dayRow
	Last     dayRow
	KW       string
	Friedman string
	Wilcoxon string
	Chart    chartSpec
}

type responderRow struct {
	Measure outcomes.Measure
	Rate    outcomes.ResponderRate
	R30     string
	R50     string
}

type survivalView struct {
	Protocol string
	Title    string
	N        int
	Events   int
	Median   string
	CI       string
	AtRisk   []int
}

type boosterRow struct {
	Patient *clinic.Patient
	Booster outcomes.BoosterSuggestion
	Due     string
}

type analyticsPageData struct {
	Analysis   *cohortAnalysis
	Measures   []measureTable
	Responders []responderRow
	Criteria   []criterionRate
	Survival   []survivalView
	KMChart    chartSpec
	// Boosters is one page of the booster list (boostersPerPage rows, by
	// keyset: BoostersNext is the cursor of the next page, "" on the
	// last; BoostersPaged says the page is not the first).
	Boosters      []boosterRow
	BoostersNext  string
	BoostersPaged bool
	Relief        outcomes.ReliefRule
	Criterion     outcomes.ResponseCriterion
	Tables        []string
}

// csvTables are the analytics tables offered as CSV, by file name.
var csvTables = []string{"cohort.csv", "tests.csv", "responders.csv", "criteria.csv", "survival.csv", "relief.csv", "boosters.csv", "journal.csv"}

func fullFloat(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

func fullPtr(x *float64) string {
	if x == nil {
		return "NA"
	}
	return fullFloat(*x)
}

func newDayRow(d outcomes.DaySummary) dayRow {
	r := dayRow{Day: d.Day, N: d.N, MeanSD: f2(d.Mean) + " ± " + fp(d.SD, 2), Median: f2(d.Median), IQR: f2(d.Q1) + "–" + f2(d.Q3),
		Mean: fullFloat(d.Mean), SD: fullPtr(d.SD), Med: fullFloat(d.Median), Q1: fullFloat(d.Q1), Q3: fullFloat(d.Q3)}
	return r
}

// pageData is the page's tables of the analysis, computed once per
// analysis (a kept analysis answers many requests); the caller may set the
// booster fields of its copy.
func (c *cohortAnalysis) pageData() analyticsPageData {
	c.page.Do(func() { c.pageTables = c.computePageData() })
	return c.pageTables
}

func (c *cohortAnalysis) computePageData() analyticsPageData {
	d := analyticsPageData{Analysis: c, Criteria: c.criterionRates(), Tables: csvTables, Relief: c.Definitions.Definitions.Relief}
	d.Criterion, _ = c.Definitions.Definitions.Criterion(d.Relief.Response)
	for _, m := range outcomes.Measures() {
		mr, ok := c.Report.Measures[m]
		if !ok {
			continue
		}
		t := measureTable{Measure: m, Chart: measureChart(m, mr)}
		for _, day := range mr.Days {
			t.Days = append(t.Days, newDayRow(day))
		}
		t.First, t.Last = t.Days[0], t.Days[len(t.Days)-1]
		kw := mr.KruskalWallis
		t.KW = "H = " + fp(kw.Statistic, 3) + ", df = " + strconv.Itoa(kw.DF) + ", p " + pEq(kw.P)
		fr := mr.Friedman
		t.Friedman = "χ² = " + fp(fr.Statistic, 3) + ", df = " + strconv.Itoa(fr.DF) + ", p " + pEq(fr.P) + " (" + strconv.Itoa(fr.NComplete) + " patients with every day)"
		w := mr.WilcoxonFirstLast
		t.Wilcoxon = "V = " + fp(w.Statistic, 1) + ", p " + pEq(w.P) + " (day " + strconv.Itoa(w.FirstDay) + " vs " + strconv.Itoa(w.LastDay) + ", n = " + strconv.Itoa(w.N)
		if w.P != nil {
			if w.Exact {
				t.Wilcoxon += ", exact"
			} else {
				t.Wilcoxon += ", normal approximation"
			}
		}
		t.Wilcoxon += ")"
		d.Measures = append(d.Measures, t)
		if rr, ok := c.Report.Responders[m]; ok {
			d.Responders = append(d.Responders, responderRow{Measure: m, Rate: rr, R30: fp(rr.Reduction30Pct, 0), R50: fp(rr.Reduction50Pct, 0)})
		}
	}
	for _, ps := range c.Survival {
		v := survivalView{Protocol: ps.Protocol, Title: ps.Title, N: ps.Curve.N, Events: ps.Curve.Events, AtRisk: ps.AtRisk, Median: "not reached"}
		if ps.Curve.MedianDays != nil {
			v.Median = fp(ps.Curve.MedianDays, 0) + " days"
		}
		v.CI = fp(ps.Curve.MedianCI95[0], 0) + " – " + fp(ps.Curve.MedianCI95[1], 0)
		if ps.Curve.MedianCI95[1] == nil {
			v.CI = fp(ps.Curve.MedianCI95[0], 0) + " – not reached"
		}
		d.Survival = append(d.Survival, v)
	}
	if len(c.Survival) > 0 {
		d.KMChart = c.survivalChart()
	}
	return d
}

// BoostersPerPage is the length of a page of the booster list.
func (analyticsPageData) BoostersPerPage() int { return boostersPerPage }

func pEq(p *float64) string {
	v := pValue(p)
	if v == "–" || v[0] == '<' {
		return v
	}
	return "= " + v
}

// boostersPerPage is the length of a page of the analytics' booster list.
const boostersPerPage = 50

// boosterCursor is the cursor of the booster list (store.BoosterKey).
type boosterCursor store.BoosterKey

func (k *boosterCursor) valid() bool {
	if k.Due != "" {
		if _, err := clinic.ParseDate(k.Due); err != nil {
			return false
		}
	}
	return k.ID > 0
}

// boosterList is the store's booster list, read after the summaries are
// refreshed.
type boosterList interface {
	FindBoosters(ctx context.Context, after *store.BoosterKey, limit int) ([]store.BoosterSummary, *store.BoosterKey, error)
}

// boosterPage reads the page of the booster list after the cursor's row:
// patients with a suggested booster by due date, then those without, each
// in FindPatients order.
func boosterPage(ctx context.Context, st outcomeSummaries, after *store.BoosterKey, limit int) ([]boosterRow, *store.BoosterKey, error) {
	bl, ok := st.(boosterList)
	if !ok {
		return nil, nil, clinic.Errorf(clinic.EINTERNAL, "the patient service %T keeps no booster list", st)
	}
	list, next, err := bl.FindBoosters(ctx, after, limit)
	if err != nil {
		return nil, nil, err
	}
	out := make([]boosterRow, len(list))
	for i, b := range list {
		bs, err := decodeBooster(b.Patient.ID, b.Booster)
		if err != nil {
			return nil, nil, err
		}
		out[i] = boosterRow{Patient: b.Patient, Booster: bs}
		if bs.Suggested {
			out[i].Due = dateOfTime(bs.Due).String()
		}
	}
	return out, next, nil
}

// analyticsPage answers the clinic's analytics: the kept analysis' page
// content rendered once per booster page (renderBody), so that the requests
// between two changes of the summaries neither compute nor render it.
func (s *Server) analyticsPage(w http.ResponseWriter, r *http.Request) error {
	after, err := afterCursor[boosterCursor](r)
	if err != nil {
		return err
	}
	c, err := s.cohortAnalysis(r.Context())
	if err != nil {
		return err
	}
	body, err := c.renderBody(r.Context(), s, encodeCursor(after), (*store.BoosterKey)(after))
	if err != nil {
		return err
	}
	s.renderAnalytics(w, r, body)
	return nil
}

// renderAnalytics answers the analytics page of the rendered content body.
func (s *Server) renderAnalytics(w http.ResponseWriter, r *http.Request, body template.HTML) {
	s.render(w, r, http.StatusOK, "analytics_cohort", &page{Title: "Outcomes of the clinic", Data: body})
}

// keptBodies is how many booster pages a kept analysis keeps rendered
// besides the first (each holds the whole page, ~2.8 MB at N=10,000): the
// first is what every clinician opens, the next few what one pages through.
const keptBodies = 4

// renderBody is the analysis' page content for the booster page after
// (cursor is its encoding), rendered once and kept while there is room:
// concurrent requests for one page wait for one rendering.
func (c *cohortAnalysis) renderBody(ctx context.Context, s *Server, cursor string, after *store.BoosterKey) (template.HTML, error) {
	c.bodiesMu.Lock()
	defer c.bodiesMu.Unlock()
	if b, ok := c.bodies[cursor]; ok {
		return b, nil
	}
	d := c.pageData()
	list, next, err := boosterPage(ctx, c.summaries, after, boostersPerPage)
	if err != nil {
		return "", err
	}
	d.Boosters, d.BoostersNext, d.BoostersPaged = list, encodeCursor((*boosterCursor)(next)), after != nil
	t, ok := s.templates.pages["analytics_cohort"]
	if !ok {
		return "", fmt.Errorf("no template analytics_cohort")
	}
	var buf strings.Builder
	if err := t.ExecuteTemplate(&buf, "analytics_cohort_body", d); err != nil {
		return "", fmt.Errorf("analytics page: %w", err)
	}
	body := template.HTML(buf.String()) // html/template's own escaped output
	if c.bodies == nil {
		c.bodies = map[string]template.HTML{}
	}
	if cursor == "" || len(c.bodies) < 1+keptBodies {
		c.bodies[cursor] = body
	}
	return body, nil
}

// analyticsCSV serves one of csvTables.
func (s *Server) analyticsCSV(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("table")
	if !slices.Contains(csvTables, name) {
		return clinic.Errorf(clinic.ENOTFOUND, "There is no table %s.", name)
	}
	if name == "journal.csv" {
		return s.cohortJournalCSV(w, r)
	}
	c, err := s.cohortAnalysis(r.Context())
	if err != nil {
		return err
	}
	if name == "boosters.csv" {
		return boostersCSV(w, c)
	}
	var b bytes.Buffer
	if name == "relief.csv" {
		var periods []survival.Period
		for _, p := range c.Patients {
			periods = append(periods, p.Periods...)
		}
		if err := survival.WriteReliefCSV(&b, periods); err != nil {
			return err
		}
		writeCSV(w, name, b.Bytes())
		return nil
	}
	cw := csvsafe.NewWriter(&b)
	d := c.pageData()
	switch name {
	case "cohort.csv":
		_ = cw.Write([]string{"measure", "day", "n", "mean", "sd", "median", "q1", "q3"})
		for _, t := range d.Measures {
			for _, r := range t.Days {
				_ = cw.Write([]string{t.Measure.Column(), strconv.Itoa(r.Day), strconv.Itoa(r.N), r.Mean, r.SD, r.Med, r.Q1, r.Q3})
			}
		}
	case "tests.csv":
		_ = cw.Write([]string{"measure", "test", "statistic", "df", "p", "n", "first_day", "last_day"})
		for _, m := range outcomes.Measures() {
			mr, ok := c.Report.Measures[m]
			if !ok {
				continue
			}
			kw, fr, wx := mr.KruskalWallis, mr.Friedman, mr.WilcoxonFirstLast
			_ = cw.Write([]string{m.Column(), "kruskal_wallis", fullPtr(kw.Statistic), strconv.Itoa(kw.DF), fullPtr(kw.P), "", "", ""})
			_ = cw.Write([]string{m.Column(), "friedman", fullPtr(fr.Statistic), strconv.Itoa(fr.DF), fullPtr(fr.P), strconv.Itoa(fr.NComplete), "", ""})
			_ = cw.Write([]string{m.Column(), "wilcoxon_first_last", fullPtr(wx.Statistic), "", fullPtr(wx.P), strconv.Itoa(wx.N),
				strconv.Itoa(wx.FirstDay), strconv.Itoa(wx.LastDay)})
		}
	case "responders.csv":
		_ = cw.Write([]string{"measure", "first_day", "last_day", "n", "reduction_30_pct", "reduction_50_pct"})
		for _, rr := range d.Responders {
			_ = cw.Write([]string{rr.Measure.Column(), strconv.Itoa(rr.Rate.FirstDay), strconv.Itoa(rr.Rate.LastDay), strconv.Itoa(rr.Rate.N),
				fullPtr(rr.Rate.Reduction30Pct), fullPtr(rr.Rate.Reduction50Pct)})
		}
	case "criteria.csv":
		_ = cw.Write([]string{"criterion", "name", "measures", "min_reduction_pct", "met", "evaluable"})
		for _, cr := range d.Criteria {
			var ms []string
			for _, m := range cr.Criterion.Measures {
				ms = append(ms, m.Column())
			}
			_ = cw.Write([]string{cr.Criterion.ID, cr.Criterion.Name, joinSemicolon(ms), fullFloat(cr.Criterion.MinReductionPct),
				strconv.Itoa(cr.Met), strconv.Itoa(cr.Evaluable)})
		}
	case "survival.csv":
		_ = cw.Write([]string{"protocol", "day", "at_risk", "events", "survival", "lower", "upper"})
		for _, ps := range c.Survival {
			for _, p := range ps.Curve.Points {
				_ = cw.Write([]string{ps.Title, fullFloat(p.Day), strconv.Itoa(p.AtRisk), strconv.Itoa(p.Events), fullFloat(p.Survival),
					fullPtr(p.Lower), fullPtr(p.Upper)})
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	writeCSV(w, name, b.Bytes())
	return nil
}

// cohortJournalCSV streams the clinic's whole study journal (CohortJournal's
// rows, 6 million at N=10,000) from the refreshed summaries' rows, a
// patient at a time, in constant memory.
func (s *Server) cohortJournalCSV(w http.ResponseWriter, r *http.Request) error {
	js, err := s.journals()
	if err != nil {
		return err
	}
	ctx := r.Context()
	a := clinic.ActorFrom(ctx)
	if !clinic.CanReadCohort(a, a.ClinicID) {
		return clinic.Errorf(clinic.EFORBIDDEN, "The cohort journal is for the clinic's clinicians and administrators.")
	}
	defs, err := js.FindOutcomeDefinitions(ctx)
	if err != nil {
		return err
	}
	st, err := s.refreshOutcomes(ctx, defs)
	if err != nil {
		return err
	}
	csvDownload(w, "journal.csv")
	jw, err := outcomes.NewJournalCSVWriter(w)
	if err != nil {
		return nil // the client gone: nothing to answer
	}
	n := 0
	err = st.EachCohortJournal(ctx, func(rows []outcomes.JournalRow) error {
		if err := jw.Write(rows); err != nil {
			return err
		}
		if n++; n%50 == 0 {
			return jw.Flush()
		}
		return nil
	})
	if err != nil {
		// Past the header the status is sent: the log has the error,
		// the client a cut CSV.
		s.logger.Error("journal.csv", "error", err)
		return nil
	}
	_ = jw.Flush() // a write error is the client gone
	return nil
}

// boostersCSV streams every patient's booster suggestion in the order of
// the page's list (suggested boosters by date, then the others, each in
// FindPatients order: a stable sort of the analysis' outcomes, which are in
// that order), written as it goes.
func boostersCSV(w http.ResponseWriter, c *cohortAnalysis) error {
	list := make([]boosterRow, len(c.Patients))
	for i, p := range c.Patients {
		list[i] = boosterRow{Patient: p.Patient, Booster: p.Booster}
		if p.Booster.Suggested {
			list[i].Due = dateOfTime(p.Booster.Due).String()
		}
	}
	slices.SortStableFunc(list, func(a, b boosterRow) int {
		switch {
		case a.Due == b.Due:
			return 0
		case a.Due == "":
			return 1
		case b.Due == "":
			return -1
		}
		return strings.Compare(a.Due, b.Due)
	})
	csvDownload(w, "boosters.csv")
	cw := csvsafe.NewWriter(w)
	_ = cw.Write([]string{"mrn", "patient", "suggested", "due", "relapses", "shortest_days", "median_days", "basis"})
	for i, b := range list {
		bs := b.Booster
		_ = cw.Write([]string{b.Patient.MRN, b.Patient.FullName(), strconv.FormatBool(bs.Suggested), b.Due,
			strconv.Itoa(bs.Relapses), strconv.Itoa(bs.ShortestDays), fullFloat(bs.MedianDays), bs.Basis})
		if i%500 == 499 {
			cw.Flush()
		}
	}
	cw.Flush()
	// A write error is the client gone: nothing to answer.
	return nil
}

func joinSemicolon(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += ";"
		}
		out += v
	}
	return out
}

// The JSON API.

// apiCohort answers the cohort report in the document of
// `ketatrack analyze --json` (shared/PRODUCT.md), computed from the clinic's
// journal.
func (s *Server) apiCohort(w http.ResponseWriter, r *http.Request) error {
	c, err := s.cohortAnalysis(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c.Report)
	return nil
}

type apiSurvivalCurve struct {
	// Protocol is the protocol's ID, "" when no course records one.
	Protocol string         `json:"protocol"`
	Title    string         `json:"title"`
	Curve    survival.Curve `json:"curve"`
	AtRisk   []apiAtRisk    `json:"at_risk"`
}

type apiAtRisk struct {
	Day    int `json:"day"`
	AtRisk int `json:"at_risk"`
}

type apiBooster struct {
	PatientID int64                      `json:"patient_id"`
	MRN       string                     `json:"mrn"`
	Booster   outcomes.BoosterSuggestion `json:"booster"`
}

type apiSurvivalDoc struct {
	Relief   outcomes.ReliefRule `json:"relief_rule"`
	Curves   []apiSurvivalCurve  `json:"curves"`
	Boosters []apiBooster        `json:"boosters"`
}

// apiSurvival answers the Kaplan–Meier curves of relief by protocol (each
// curve in the document of `ketatrack survival --json`) and every patient's
// booster suggestion.
func (s *Server) apiSurvival(w http.ResponseWriter, r *http.Request) error {
	c, err := s.cohortAnalysis(r.Context())
	if err != nil {
		return err
	}
	doc := apiSurvivalDoc{Relief: c.Definitions.Definitions.Relief, Curves: []apiSurvivalCurve{}, Boosters: []apiBooster{}}
	for _, ps := range c.Survival {
		cv := apiSurvivalCurve{Protocol: ps.Protocol, Title: ps.Title, Curve: ps.Curve}
		for i, d := range c.AtRiskDays {
			cv.AtRisk = append(cv.AtRisk, apiAtRisk{Day: d, AtRisk: ps.AtRisk[i]})
		}
		doc.Curves = append(doc.Curves, cv)
	}
	for _, p := range c.Patients {
		doc.Boosters = append(doc.Boosters, apiBooster{PatientID: p.Patient.ID, MRN: p.Patient.MRN, Booster: p.Booster})
	}
	writeJSON(w, http.StatusOK, doc)
	return nil
}
