// Package plot draws concentration–time curves as a self-contained SVG
// document: one panel per quantity (plasma concentrations in ng/mL, an
// effect as a fraction), each curve with an optional shaded band (the 5th to
// 95th percentile of a virtual population), axes with round-number ticks,
// and a legend. No scripts, no external fonts or styles.
package plot

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"math"
	"strings"
)

// Figure is a stack of panels sharing the time axis.
type Figure struct {
	Title    string
	Subtitle string // e.g. the regimen and the model's validation status
	TimesH   []float64
	Panels   []Panel
	Footnote string // e.g. the model's source
	// XLabel replaces the time axis's label ("time since first dose
	// (hours)") when set, e.g. "journal day".
	XLabel string
	// XDays ticks the time axis in days whatever its length (by default
	// only beyond 72 h).
	XDays bool
	// YMax fixes the top of every panel's y axis when positive (a 0–10
	// pain scale), instead of the largest value.
	YMax float64
	// Marks are times (h) drawn as thin vertical lines in every panel, e.g.
	// infusion days, named MarkLabel in the legend.
	Marks     []float64
	MarkLabel string
}

// Panel is one y-axis: a quantity and its curves.
type Panel struct {
	Title  string
	YLabel string
	Series []Series
	// Threshold draws a dashed horizontal line (e.g. a target concentration)
	// when positive.
	Threshold      float64
	ThresholdLabel string
}

// Series is one curve; Lower and Upper (both or neither) shade a band.
type Series struct {
	Name   string
	Color  string // CSS colour
	Values []float64
	Lower  []float64
	Upper  []float64
}

const (
	width      = 900
	panelH     = 280
	marginL    = 80
	marginR    = 200
	marginTop  = 110
	panelGap   = 60
	marginBot  = 100
	plotW      = width - marginL - marginR
	fontFamily = "Helvetica, Arial, sans-serif"
)

// SVG writes the figure.
func SVG(w io.Writer, f Figure) error {
	if len(f.TimesH) < 2 {
		return fmt.Errorf("plot: need at least two times")
	}
	bw := bufio.NewWriter(w)
	height := marginTop + len(f.Panels)*panelH + (len(f.Panels)-1)*panelGap + marginBot
	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="%s" font-size="13">`+"\n", width, height, width, height, fontFamily)
	fmt.Fprintf(bw, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(bw, `<text x="%d" y="28" font-size="18" font-weight="bold">%s</text>`+"\n", marginL, esc(f.Title))
	for i, line := range wrap(f.Subtitle, 110, 3) {
		fmt.Fprintf(bw, `<text x="%d" y="%d" fill="#444">%s</text>`+"\n", marginL, 52+18*i, esc(line))
	}
	t0, t1 := f.TimesH[0], f.TimesH[len(f.TimesH)-1]
	days := t1 > 72 || f.XDays
	xUnit, xScale := "hours", 1.0
	if days {
		xUnit, xScale = "days", 1.0/24
	}
	var xTicks []float64
	for _, xt := range ticks(t0*xScale, t1*xScale, 10) {
		if xt <= t1*xScale*(1+1e-9) {
			xTicks = append(xTicks, xt)
		}
	}
	xpos := func(t float64) float64 { return marginL + (t-t0)/(t1-t0)*plotW }
	for pi, p := range f.Panels {
		top := float64(marginTop + pi*(panelH+panelGap))
		bottom := top + panelH
		ymax := 0.0
		for _, s := range p.Series {
			for _, arr := range [][]float64{s.Values, s.Upper} {
				for _, v := range arr {
					if !math.IsNaN(v) && v > ymax {
						ymax = v
					}
				}
			}
		}
		if p.Threshold > ymax {
			ymax = p.Threshold
		}
		if ymax <= 0 {
			ymax = 1
		}
		yTicks := ticks(0, ymax*1.05, 6)
		if f.YMax > 0 {
			yTicks = ticks(0, f.YMax, 5)
		}
		ytop := yTicks[len(yTicks)-1]
		ypos := func(v float64) float64 { return bottom - v/ytop*panelH }
		fmt.Fprintf(bw, `<text x="%d" y="%.1f" font-weight="bold">%s</text>`+"\n", marginL, top-10, esc(p.Title))
		// grid and axes
		for _, yt := range yTicks {
			y := ypos(yt)
			fmt.Fprintf(bw, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#e3e3e3"/>`+"\n", marginL, y, marginL+plotW, y)
			fmt.Fprintf(bw, `<text x="%d" y="%.1f" text-anchor="end" fill="#333">%s</text>`+"\n", marginL-8, y+4, num(yt))
		}
		for _, xt := range xTicks {
			x := xpos(xt / xScale)
			fmt.Fprintf(bw, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#eeeeee"/>`+"\n", x, top, x, bottom)
			fmt.Fprintf(bw, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="#333">%s</text>`+"\n", x, bottom+18, num(xt))
		}
		for _, m := range f.Marks {
			if m >= t0 && m <= t1 {
				fmt.Fprintf(bw, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#9bb8d3" stroke-width="1.5" stroke-dasharray="3 3"/>`+"\n", xpos(m), top, xpos(m), bottom)
			}
		}
		fmt.Fprintf(bw, `<rect x="%d" y="%.1f" width="%d" height="%d" fill="none" stroke="#888"/>`+"\n", marginL, top, plotW, panelH)
		fmt.Fprintf(bw, `<text transform="translate(%d %.1f) rotate(-90)" text-anchor="middle" fill="#333">%s</text>`+"\n", 22, top+panelH/2, esc(p.YLabel))
		xLabel := "time since first dose (" + xUnit + ")"
		if f.XLabel != "" {
			xLabel = f.XLabel
		}
		fmt.Fprintf(bw, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="#333">%s</text>`+"\n", float64(marginL)+plotW/2, bottom+40, esc(xLabel))
		// bands, then curves
		for _, s := range p.Series {
			if s.Lower == nil || s.Upper == nil {
				continue
			}
			var b strings.Builder
			for i, t := range f.TimesH {
				fmt.Fprintf(&b, "%.1f,%.1f ", xpos(t), ypos(s.Upper[i]))
			}
			for i := len(f.TimesH) - 1; i >= 0; i-- {
				fmt.Fprintf(&b, "%.1f,%.1f ", xpos(f.TimesH[i]), ypos(s.Lower[i]))
			}
			fmt.Fprintf(bw, `<polygon points="%s" fill="%s" fill-opacity="0.18" stroke="none"/>`+"\n", strings.TrimSpace(b.String()), s.Color)
		}
		for _, s := range p.Series {
			fmt.Fprintf(bw, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`+"\n", polyline(f.TimesH, s.Values, xpos, ypos), s.Color)
		}
		if p.Threshold > 0 {
			y := ypos(p.Threshold)
			fmt.Fprintf(bw, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#b00" stroke-dasharray="6 4"/>`+"\n", marginL, y, marginL+plotW, y)
			fmt.Fprintf(bw, `<text x="%d" y="%.1f" fill="#b00">%s</text>`+"\n", marginL+plotW+8, y+4, esc(p.ThresholdLabel))
		}
		// legend
		ly := top + 14
		if len(f.Marks) > 0 && f.MarkLabel != "" {
			fmt.Fprintf(bw, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#9bb8d3" stroke-width="1.5" stroke-dasharray="3 3"/>`+"\n", marginL+plotW+22, ly-8, marginL+plotW+22, ly+6)
			fmt.Fprintf(bw, `<text x="%d" y="%.1f">%s</text>`+"\n", marginL+plotW+40, ly+4, esc(f.MarkLabel))
			ly += 20
		}
		for _, s := range p.Series {
			fmt.Fprintf(bw, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="%s" stroke-width="3"/>`+"\n", marginL+plotW+10, ly, marginL+plotW+34, ly, s.Color)
			fmt.Fprintf(bw, `<text x="%d" y="%.1f">%s</text>`+"\n", marginL+plotW+40, ly+4, esc(s.Name))
			ly += 20
			if s.Lower != nil {
				fmt.Fprintf(bw, `<rect x="%d" y="%.1f" width="24" height="10" fill="%s" fill-opacity="0.18"/>`+"\n", marginL+plotW+10, ly-5, s.Color)
				fmt.Fprintf(bw, `<text x="%d" y="%.1f" fill="#444">5th–95th percentile</text>`+"\n", marginL+plotW+40, ly+4)
				ly += 20
			}
		}
	}
	for i, line := range wrap(f.Footnote, 130, 2) {
		fmt.Fprintf(bw, `<text x="%d" y="%d" font-size="11" fill="#555">%s</text>`+"\n", marginL, height-34+14*i, esc(line))
	}
	fmt.Fprintln(bw, "</svg>")
	return bw.Flush()
}

func polyline(ts, vs []float64, x, y func(float64) float64) string {
	var b strings.Builder
	for i, t := range ts {
		if math.IsNaN(vs[i]) {
			continue
		}
		fmt.Fprintf(&b, "%.1f,%.1f ", x(t), y(vs[i]))
	}
	return strings.TrimSpace(b.String())
}

// ticks returns round-number ticks (1, 2 or 5 × 10^k apart) covering
// [lo, hi] with about n intervals; the last tick is ≥ hi.
func ticks(lo, hi float64, n int) []float64 {
	if hi <= lo {
		hi = lo + 1
	}
	raw := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	mult := 10.0
	for _, m := range []float64{1, 2, 5} {
		if m*mag >= raw {
			mult = m
			break
		}
	}
	// tick k is k·mult·mag, computed as k·mult/10^j for mag = 10^−j so that
	// 0.3 prints as 0.3
	at := func(k float64) float64 {
		if mag < 1 {
			return k * mult / math.Round(1/mag)
		}
		return k * mult * mag
	}
	step := mult * mag
	var ts []float64
	for k := math.Floor(lo / step); ; k++ {
		v := at(k)
		ts = append(ts, v)
		if v >= hi*(1-1e-12) {
			break
		}
	}
	return ts
}

func num(v float64) string {
	s := fmt.Sprintf("%.6g", v)
	if strings.ContainsAny(s, "e") {
		s = fmt.Sprintf("%.0f", v)
	}
	return s
}

// wrap splits s into at most maxLines lines of about width characters at
// spaces, ending the last with … when text is left over.
func wrap(s string, width, maxLines int) []string {
	var lines []string
	var cur []string
	n := 0
	for _, w := range strings.Fields(s) {
		if n > 0 && n+1+len([]rune(w)) > width {
			lines = append(lines, strings.Join(cur, " "))
			cur, n = nil, 0
			if len(lines) == maxLines {
				lines[maxLines-1] += " …"
				return lines
			}
		}
		cur = append(cur, w)
		n += len([]rune(w)) + 1
	}
	if len(cur) > 0 {
		lines = append(lines, strings.Join(cur, " "))
	}
	return lines
}

func esc(s string) string { return html.EscapeString(s) }
