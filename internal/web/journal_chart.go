package web

import (
	"encoding/json"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/opioid"
	"github.com/ketatrack/ketatrack/internal/outcomes"
)

// chartSpec is one chart for static/journal.js, which draws it with uPlot.
// The page carries it as JSON in a data-chart attribute (no inline script
// under the CSP); the same numbers are in a table beside every chart.
type chartSpec struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	YLabel string `json:"y_label"`
	XLabel string `json:"x_label"`
	// XTime: x values are dates as Unix seconds (UTC midnight).
	XTime  bool          `json:"x_time"`
	X      []float64     `json:"x"`
	Series []chartSeries `json:"series"`
	// Marks are x positions drawn as vertical lines (infusion days),
	// described by MarkLabel in the legend.
	Marks     []float64 `json:"marks,omitempty"`
	MarkLabel string    `json:"mark_label,omitempty"`
	YMin      *float64  `json:"y_min,omitempty"`
	YMax      *float64  `json:"y_max,omitempty"`
	// Stepped draws steps (a Kaplan–Meier curve) instead of lines.
	Stepped bool `json:"stepped,omitempty"`
}

// chartSeries is one line; a nil value is a gap.
type chartSeries struct {
	Label  string     `json:"label"`
	Values []*float64 `json:"values"`
	// Dash draws it dashed (confidence limits); Points draws points only.
	Dash   bool `json:"dash,omitempty"`
	Points bool `json:"points,omitempty"`
	// Group names series drawn in one colour (a curve and its limits).
	Group string `json:"group,omitempty"`
}

// JSON is the spec for the data-chart attribute.
func (c chartSpec) JSON() string {
	b, _ := json.Marshal(c)
	return string(b)
}

// HasData reports whether any series has a value.
func (c chartSpec) HasData() bool {
	for _, s := range c.Series {
		for _, v := range s.Values {
			if v != nil {
				return true
			}
		}
	}
	return false
}

func num(x float64) *float64 { return &x }

func scoreValue(s outcomes.Score) *float64 {
	if s == outcomes.Missing {
		return nil
	}
	return num(s.Float())
}

// dateX is a date's x position: Unix seconds at UTC midnight.
func dateX(d clinic.Date) float64 { return float64(d.Time().Unix()) }

// journalCharts draws a patient's dated journal entries over time, with
// the infusion days marked: pain intensity, relief, the 0–4 pain
// qualities, movement, sleep, MME/day and the PHQ-9 total. Charts without
// a value are left out.
func journalCharts(entries []*clinic.JournalEntry, infusions []clinic.Date) []chartSpec {
	var dated []*clinic.JournalEntry
	for _, e := range entries {
		if !e.Date.IsZero() {
			dated = append(dated, e)
		}
	}
	x := make([]float64, len(dated))
	for i, e := range dated {
		x[i] = dateX(e.Date)
	}
	var marks []float64
	for _, d := range infusions {
		marks = append(marks, dateX(d))
	}
	measureSeries := func(ms ...outcomes.Measure) []chartSeries {
		out := make([]chartSeries, len(ms))
		for k, m := range ms {
			out[k].Label = m.Label()
			for _, e := range dated {
				out[k].Values = append(out[k].Values, scoreValue(e.Scores[m]))
			}
		}
		return out
	}
	valueSeries := func(label string, f func(*clinic.JournalEntry) *float64) []chartSeries {
		s := chartSeries{Label: label}
		for _, e := range dated {
			s.Values = append(s.Values, f(e))
		}
		return []chartSeries{s}
	}
	base := func(id, title, y string, lo, hi *float64, series []chartSeries) chartSpec {
		return chartSpec{ID: id, Title: title, YLabel: y, XLabel: "Date", XTime: true, X: x, Series: series,
			Marks: marks, MarkLabel: "infusion day", YMin: lo, YMax: hi}
	}
	charts := []chartSpec{
		base("pain", "Pain intensity (0 = no pain, 10 = worst pain possible)", "pain /10", num(0), num(10),
			measureSeries(outcomes.PainNow, outcomes.PainWorst, outcomes.PainLeast, outcomes.Pain24h)),
		base("relief", "Overall pain relief", "relief %", num(0), num(100), measureSeries(outcomes.ReliefPct)),
		base("qualities", "Affective component and pain qualities (0 = none … 4)", "/4", num(0), num(4),
			measureSeries(outcomes.Affective, outcomes.Burning, outcomes.Aching, outcomes.Punishing)),
		base("movement", "Difficulty initiating movement of the affected limb (lower is better)", "/10", num(0), num(10),
			measureSeries(outcomes.Movement)),
		base("sleep", "Hours slept", "hours", num(0), nil, valueSeries("Hours slept", func(e *clinic.JournalEntry) *float64 {
			if e.SleepHours == clinic.MissingCenti {
				return nil
			}
			return num(e.SleepHours.Float())
		})),
		base("mme", "Opioids taken, MME/day ("+opioid.Tables[opioid.DefaultTable].Title+")", "MME/day", num(0), nil,
			valueSeries("MME/day", func(e *clinic.JournalEntry) *float64 {
				if e.MME == nil || len(e.MME.Figures) == 0 {
					return nil
				}
				return num(e.MME.TotalMMEPerDay)
			})),
		base("phq9", "PHQ-9 total (0–27; 5, 10, 15, 20: mild, moderate, moderately severe, severe)", "PHQ-9", num(0), num(27),
			valueSeries("PHQ-9", func(e *clinic.JournalEntry) *float64 {
				if e.PHQ9 == nil {
					return nil
				}
				return num(float64(e.PHQ9.Total()))
			})),
	}
	var out []chartSpec
	for _, c := range charts {
		if c.HasData() {
			if c.ID == "phq9" || c.ID == "mme" {
				for i := range c.Series {
					c.Series[i].Points = true
				}
			}
			out = append(out, c)
		}
	}
	return out
}

// AsList is the chart alone in a list, for the journal_charts template.
func (c chartSpec) AsList() []chartSpec { return []chartSpec{c} }
