package document

import (
	"bytes"
	"fmt"
	"math"

	"github.com/ketatrack/ketatrack/internal/pk/plot"
)

// Trajectory is a patient's 0–10 ratings by journal day, for the letter.
type Trajectory struct {
	Title    string
	Subtitle string
	// Days are the journal days with an entry, ascending.
	Days []float64
	// Series are the measures; a nil value is a day without that rating.
	Series []TrajectorySeries
	// InfusionDays are the journal days an infusion was planned on.
	InfusionDays []float64
	Footnote     string
}

// TrajectorySeries is one measure's ratings, aligned with Trajectory.Days.
type TrajectorySeries struct {
	Name   string
	Values []*float64
}

// trajectoryColours are the series colours, distinguishable in greyscale
// print by their order of lightness.
var trajectoryColours = []string{"#1f4e8c", "#c0392b", "#27ae60", "#8e44ad", "#d68910", "#555555"}

// TrajectorySVG draws t as a self-contained SVG (no script, no external
// font or style) with internal/pk/plot: one panel on a fixed 0–10 axis, the
// journal day on the x axis and the infusion days as dashed lines.
func TrajectorySVG(t Trajectory) ([]byte, error) {
	if len(t.Days) < 2 {
		return nil, fmt.Errorf("trajectory: need journal entries on at least two days, have %d", len(t.Days))
	}
	hours := make([]float64, len(t.Days))
	for i, d := range t.Days {
		hours[i] = d * 24
	}
	var marks []float64
	for _, d := range t.InfusionDays {
		marks = append(marks, d*24)
	}
	p := plot.Panel{Title: "Pain and movement ratings", YLabel: "rating (0–10)"}
	for i, s := range t.Series {
		if len(s.Values) != len(t.Days) {
			return nil, fmt.Errorf("trajectory: series %q has %d values for %d days", s.Name, len(s.Values), len(t.Days))
		}
		vals := make([]float64, len(s.Values))
		for j, v := range s.Values {
			vals[j] = math.NaN()
			if v != nil {
				vals[j] = *v
			}
		}
		p.Series = append(p.Series, plot.Series{Name: s.Name, Color: trajectoryColours[i%len(trajectoryColours)], Values: vals})
	}
	var b bytes.Buffer
	err := plot.SVG(&b, plot.Figure{Title: t.Title, Subtitle: t.Subtitle, TimesH: hours, Panels: []plot.Panel{p},
		Footnote: t.Footnote, XLabel: "journal day", XDays: true, YMax: 10, Marks: marks, MarkLabel: "infusion day"})
	if err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
