package plot

import (
	"bytes"
	"encoding/xml"
	"io"
	"reflect"
	"strings"
	"testing"
)

func TestTicks(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		n      int
		want   []float64
	}{
		// steps of 1, 2 or 5 × 10^k, the last at or above hi
		{0, 336 / 24.0, 10, []float64{0, 2, 4, 6, 8, 10, 12, 14}},
		{0, 190, 6, []float64{0, 50, 100, 150, 200}},
		{0, 0.37, 6, []float64{0, 0.1, 0.2, 0.3, 0.4}},
	} {
		if got := ticks(tc.lo, tc.hi, tc.n); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ticks(%v, %v, %d) = %v, want %v", tc.lo, tc.hi, tc.n, got, tc.want)
		}
	}
}

// The SVG is well-formed XML, escapes text, and draws a band when given one.
func TestSVGWellFormed(t *testing.T) {
	fig := Figure{
		Title:    "S-ketamine <test> & more",
		Subtitle: strings.Repeat("long subtitle ", 30),
		TimesH:   []float64{0, 1, 2, 3},
		Panels: []Panel{{
			Title: "Plasma", YLabel: "ng/mL", Threshold: 100, ThresholdLabel: "100 ng/mL",
			Series: []Series{{Name: "ketamine", Color: "#1f5fa8", Values: []float64{0, 150, 90, 40}, Lower: []float64{0, 120, 70, 30}, Upper: []float64{0, 180, 110, 50}}},
		}},
		Footnote: "Source: x",
	}
	var b bytes.Buffer
	if err := SVG(&b, fig); err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(bytes.NewReader(b.Bytes()))
	for {
		if _, err := dec.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("not well-formed: %v", err)
		}
	}
	for _, want := range []string{"&lt;test&gt; &amp; more", "<polygon", "5th–95th percentile", "100 ng/mL", "…"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	if err := SVG(&b, Figure{TimesH: []float64{0}}); err == nil {
		t.Error("a single time accepted")
	}
}
