package web

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/pk"
	"github.com/ketatrack/ketatrack/internal/prediction"
)

// predictionPanel is the predicted-concentration section of the course page
// and the charting page (templates/_prediction.html), drawn by
// static/prediction.js from ChartJSON; the figures are in its tables. Its
// numbers are internal/prediction's, formatted here for reading only.
type predictionPanel struct {
	views
	// Pred is the course's prediction, or a session's planned one.
	Pred *prediction.Prediction
	// Actual is a session's prediction from the doses charted (nil on the
	// course page, and before anything was given).
	Actual *prediction.Prediction
	// Message says why a prediction is missing (no plan, nothing charted).
	Message string
	// Error is a refused choice of model (400), shown above the form.
	Error string
	// Models are the catalog's models of the plan's drug; Chosen the one run.
	Models []*pk.Model
	Chosen string
	// Action is the page the model form reloads; Keep its query fields.
	Action string
	Keep   map[string]string
	// Session reports the charting page (planned and charted lines);
	// Origin is its time 0.
	Session   bool
	Origin    time.Time
	ChartJSON string
}

// Why is the model's reason for not being validated (its validation text
// without the "not validated…" the badge beside it says).
func (predictionPanel) Why(m *prediction.ModelInfo) string {
	_, why, ok := strings.Cut(m.Validation, ": ")
	if !ok {
		return m.Validation
	}
	return why
}

// At prints a time of the prediction, h hours from its origin: the clock
// time on the charting page; on the course page the course day and the
// time from that day's session start ("day 3 +4:00"), as sessions start
// at the same time of day.
func (p predictionPanel) At(h float64) string {
	if p.Session {
		return p.Clock(p.Origin.Add(time.Duration(math.Round(h * float64(time.Hour)))))
	}
	m := int(math.Round(h * 60))
	return fmt.Sprintf("day %d +%d:%02d", m/(24*60)+1, m%(24*60)/60, m%60)
}

// AtOn is At in a row of course day d: the time from the day's session
// start alone ("+4:00") when it falls on that day.
func (p predictionPanel) AtOn(h float64, d int) string {
	m := int(math.Round(h * 60))
	if p.Session || m/(24*60)+1 != d {
		return p.At(h)
	}
	return fmt.Sprintf("+%d:%02d", m%(24*60)/60, m%60)
}

// SessionChartH is how much of the time after the last dose the charting
// page's chart shows: the session's hours matter there, and the tables
// carry the rest.
func (predictionPanel) SessionChartH() float64 { return sessionChartTail.Hours() }

// sessionChartTail: 12 h is about four half-lives of ketamine (2.5–3 h,
// shared/CLINICAL.md).
const sessionChartTail = 12 * time.Hour

// Model is the model info of the prediction shown.
func (p predictionPanel) Model() *prediction.ModelInfo {
	switch {
	case p.Actual != nil:
		return &p.Actual.Model
	case p.Pred != nil:
		return &p.Pred.Model
	}
	return nil
}

// Shown is the prediction whose figures lead the tables: what was given on
// the charting page once something was, otherwise the plan's.
func (p predictionPanel) Shown() *prediction.Prediction {
	if p.Actual != nil {
		return p.Actual
	}
	return p.Pred
}

// predictionTable is one prediction's tables: Label says which on the
// charting page ("the doses charted", "the plan's day"); ID prefixes the
// tables' IDs.
type predictionTable struct {
	Label, ID string
	P         *prediction.Prediction
}

// Tables are the predictions whose figures are tabulated: the course's; on
// the charting page the doses charted, then the plan's day.
func (p predictionPanel) Tables() []predictionTable {
	if !p.Session {
		if p.Pred == nil {
			return nil
		}
		return []predictionTable{{P: p.Pred}}
	}
	var out []predictionTable
	if p.Actual != nil {
		out = append(out, predictionTable{Label: "the doses charted", ID: "charted-", P: p.Actual})
	}
	if p.Pred != nil {
		out = append(out, predictionTable{Label: "the plan's day", ID: "planned-", P: p.Pred})
	}
	return out
}

// Fig prints a figure: the central value, with the 5th–95th percentile
// lines' values for a population ("89.3 (72.1–110)").
func (p predictionPanel) Fig(f prediction.Figure) string {
	s := p.Num(f.Value)
	if f.P5 != nil && f.P95 != nil {
		s += " (" + p.Num(*f.P5) + "–" + p.Num(*f.P95) + ")"
	}
	return s
}

// Below prints the hours from the last dose until below the threshold.
func (p predictionPanel) Below(f *prediction.Figure) string {
	if f == nil {
		return fmt.Sprintf("still above after %s h", p.Num(prediction.Tail.Hours()))
	}
	return p.Fig(*f) + " h"
}

// Ends are the infusion ends of day n in summary s.
func (predictionPanel) Ends(s prediction.Summary, n int) []prediction.InfusionEnd {
	var out []prediction.InfusionEnd
	for _, e := range s.Ends {
		if e.Day == n {
			out = append(out, e)
		}
	}
	return out
}

// Central names the central line: the median of the virtual patients, or
// the typical patient.
func (predictionPanel) Central(p *prediction.Prediction) string {
	if p.TypicalOnly {
		return "typical patient"
	}
	return fmt.Sprintf("median of %d virtual patients, 5th–95th percentile in brackets", p.Patients)
}

// predChart is the chart static/prediction.js draws: x values (course days,
// or Unix seconds on the charting page) and lines with optional bands.
type predChart struct {
	X      []float64  `json:"x"`
	XTime  bool       `json:"x_time"`
	XLabel string     `json:"x_label"`
	XName  string     `json:"x_name"` // the legend's name of x
	YLabel string     `json:"y_label"`
	Lines  []predLine `json:"lines"`
	Marks  []predMark `json:"marks,omitempty"`
	HLine  float64    `json:"h_line"`
	HLabel string     `json:"h_label"`
}

type predLine struct {
	Label  string     `json:"label"`
	Color  string     `json:"color"`
	Fill   string     `json:"fill,omitempty"`
	Dash   bool       `json:"dash,omitempty"`
	Values []*float64 `json:"values"`
	// Lo and Hi are the 5th and 95th percentiles (a band), when a
	// population was run.
	Lo []*float64 `json:"lo,omitempty"`
	Hi []*float64 `json:"hi,omitempty"`
}

// predMark is a vertical line (now on the charting page).
type predMark struct {
	X     float64 `json:"x"`
	Label string  `json:"label"`
}

// predictionColors are the outputs' colours (ketamine, norketamine, the
// enantiomers) and their bands' fills.
var predictionColors = []struct{ line, fill string }{
	{"#0b5f6b", "rgba(11, 95, 107, 0.16)"}, {"#b45309", "rgba(180, 83, 9, 0.16)"},
	{"#6d28d9", "rgba(109, 40, 217, 0.12)"}, {"#be123c", "rgba(190, 18, 60, 0.12)"},
}

// chartMaxPoints is the most points a prediction chart draws: about two
// per pixel of a wide screen.
const chartMaxPoints = 2400

// pick returns v at idx, padded with nulls to n values.
func pick(v []float64, idx []int, n int) []*float64 {
	if v == nil {
		return nil
	}
	out := make([]*float64, n)
	for k, i := range idx {
		if i < len(v) {
			x := v[i]
			out[k] = &x
		}
	}
	return out
}

func (pc *predChart) add(p *prediction.Prediction, idx []int, suffix string, dash bool) {
	for k, s := range p.Series {
		c := predictionColors[k%len(predictionColors)]
		l := predLine{Label: s.Label + suffix, Color: c.line, Dash: dash, Values: pick(s.Line(), idx, len(pc.X))}
		if s.P50 != nil {
			l.Fill, l.Lo, l.Hi = c.fill, pick(s.P5, idx, len(pc.X)), pick(s.P95, idx, len(pc.X))
		}
		pc.Lines = append(pc.Lines, l)
	}
}

func (pc predChart) json() string {
	b, _ := json.Marshal(pc)
	return string(b)
}

// courseChart draws a course's prediction over course days (day 1 starting
// at 1.0), thinned to chartMaxPoints.
func courseChart(p *prediction.Prediction) string {
	idx := p.ChartIndices(chartMaxPoints)
	pc := predChart{XLabel: "course day (1.0 = start of the first session)", XName: "day", YLabel: "plasma ng/mL",
		HLine: prediction.ThresholdNgML, HLabel: fmt.Sprintf("%g ng/mL", prediction.ThresholdNgML)}
	for _, i := range idx {
		pc.X = append(pc.X, 1+p.TimesH[i]/24)
	}
	pc.add(p, idx, "", false)
	return pc.json()
}

// sessionChart draws a session's planned (dashed) and charted (solid)
// predictions on clock time, with a mark at now.
func sessionChart(sp *sessionPrediction) string {
	pc := predChart{XTime: true, XLabel: "time", XName: "time", YLabel: "plasma ng/mL",
		HLine: prediction.ThresholdNgML, HLabel: fmt.Sprintf("%g ng/mL", prediction.ThresholdNgML)}
	// Both grids are minutes from the same origin: the longer one is the
	// chart's x, the shorter padded with nulls.
	var longest *prediction.Prediction
	for _, p := range []*prediction.Prediction{sp.Planned, sp.Actual} {
		if p != nil && (longest == nil || len(p.TimesH) > len(longest.TimesH)) {
			longest = p
		}
	}
	if longest == nil {
		return ""
	}
	// The chart ends sessionChartTail after the later of the last doses.
	end := 0.0
	for _, p := range []*prediction.Prediction{sp.Planned, sp.Actual} {
		if p != nil && len(p.Summaries) > 0 {
			end = math.Max(end, p.Summaries[0].LastDoseH)
		}
	}
	end = math.Max(end, sp.NowH) + sessionChartTail.Hours()
	var idx []int
	for _, i := range longest.ChartIndices(chartMaxPoints) {
		if longest.TimesH[i] <= end+1e-9 {
			idx = append(idx, i)
		}
	}
	for _, i := range idx {
		pc.X = append(pc.X, float64(sp.Origin.Unix())+longest.TimesH[i]*3600)
	}
	if sp.Planned != nil {
		pc.add(sp.Planned, idx, " (planned)", true)
	}
	if sp.Actual != nil {
		pc.add(sp.Actual, idx, " (charted)", false)
		pc.Marks = append(pc.Marks, predMark{X: float64(sp.Origin.Add(time.Duration(sp.NowH * float64(time.Hour))).Unix()), Label: "now"})
	}
	return pc.json()
}

// modelsOf lists the catalog's models of drug.
func modelsOf(drug string) []*pk.Model {
	var out []*pk.Model
	for _, m := range pk.Models() {
		if m.Drug == drug {
			out = append(out, m)
		}
	}
	return out
}

// panelError turns a refusal into the panel's message (a 409: nothing to
// predict) or error (a 400: a model refused); other errors are returned.
func panelError(pp *predictionPanel, err error) error {
	switch clinic.ErrorCode(err) {
	case clinic.ECONFLICT:
		pp.Message = clinic.ErrorMessage(err)
	case clinic.EINVALID:
		pp.Error = clinic.ErrorMessage(err)
	default:
		return err
	}
	return nil
}

// coursePanel predicts plan version v for the course page. A model refused
// by ?model= shows the error and the default model's prediction.
func (s *Server) coursePanel(r *http.Request, c *clinic.Course, v *clinic.PlanVersion, p *clinic.Patient) (predictionPanel, error) {
	pp := predictionPanel{views: s.views(), Action: fmt.Sprintf("/courses/%d", c.ID), Keep: map[string]string{}}
	if q := r.URL.Query().Get("version"); q != "" {
		pp.Keep["version"] = q
	}
	if v == nil || v.Plan == nil {
		pp.Message = "No plan yet: nothing to predict."
		return pp, nil
	}
	pp.Models, pp.Chosen = modelsOf(v.Plan.Drug), r.URL.Query().Get("model")
	cp, err := s.predictCourse(r.Context(), r, c, v, p)
	if err != nil && clinic.ErrorField(err) == "model" {
		pp.Error = clinic.ErrorMessage(err)
		q := r.Clone(r.Context())
		q.URL.RawQuery = ""
		cp, err = s.predictCourse(r.Context(), q, c, v, p)
	}
	if err != nil {
		return pp, panelError(&pp, err)
	}
	pp.Pred, pp.Chosen = cp.Prediction, cp.Prediction.Model.ID
	pp.ChartJSON = courseChart(cp.Prediction)
	return pp, nil
}

// sessionPanel predicts session ss for the charting page.
func (s *Server) sessionPanel(r *http.Request, ss *clinic.InfusionSession, c *clinic.Course, p *clinic.Patient) (predictionPanel, error) {
	pp := predictionPanel{views: s.views(), Action: fmt.Sprintf("/sessions/%d", ss.ID), Session: true, Origin: s.Now(),
		Models: modelsOf(string(ss.State.Order.Drug)), Chosen: r.URL.Query().Get("model")}
	sp, err := s.predictSession(r.Context(), r, ss, c, p)
	if err != nil && clinic.ErrorField(err) == "model" {
		pp.Error = clinic.ErrorMessage(err)
		q := r.Clone(r.Context())
		q.URL.RawQuery = ""
		sp, err = s.predictSession(r.Context(), q, ss, c, p)
	}
	if err != nil {
		return pp, panelError(&pp, err)
	}
	pp.Pred, pp.Actual, pp.Origin = sp.Planned, sp.Actual, sp.Origin
	pp.Message = sp.ActualMessage
	if sp.Planned == nil {
		pp.Message = sp.PlannedMessage + " " + sp.ActualMessage
	}
	if m := pp.Model(); m != nil {
		pp.Chosen = m.ID
	}
	pp.ChartJSON = sessionChart(sp)
	return pp, nil
}

// TailH is how long after the last dose the prediction runs, in hours.
func (predictionPanel) TailH() float64 { return prediction.Tail.Hours() }
