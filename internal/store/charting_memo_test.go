package store

import (
	"testing"

	"github.com/ketatrack/ketatrack/internal/infusion"
)

// The event memo hands each caller its own copy: changing one caller's
// payload changes neither the memo nor what the next caller decodes.
func TestEventDecoderHandsOutCopies(t *testing.T) {
	d := &eventDecoder{m: map[string]infusion.Event{}}
	raw := []byte(`{"seq":7,"kind":"vitals","vitals":{"hr_per_min":72,"sbp_mmhg":120,"dbp_mmhg":80,"spo2_pct":98,"rr_per_min":14}}`)
	first, err := d.decode(raw)
	if err != nil || first.Vitals == nil || first.Vitals.RespRate == nil {
		t.Fatalf("decode: %+v, %v", first, err)
	}
	first.Vitals.HeartRate = 180
	*first.Vitals.RespRate = 40
	second, err := d.decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if second.Vitals.HeartRate != 72 || *second.Vitals.RespRate != 14 {
		t.Errorf("second decode sees the first caller's change: HR %v, RR %v", second.Vitals.HeartRate, *second.Vitals.RespRate)
	}
}
