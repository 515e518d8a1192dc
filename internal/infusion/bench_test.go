package infusion

import (
	"testing"
)

// BenchmarkRecordVitals charts one set of vitals on a 4-hour session that
// already holds 20 events (run: go test -bench . -benchtime 2s
// ./internal/infusion/). The store writes one row per event; this is the
// domain's share of that cost.
func BenchmarkRecordVitals(b *testing.B) {
	s := started(b)
	for m := 30.0; m <= 255; m += 15 {
		s = record(b, s, vitalsEv(m, baseVitals()))
	}
	e := vitalsEv(256, baseVitals())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Record(s, e, far, testLimits); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReplayAndSummary rebuilds the Goldberg day-1 chart (about 25
// events) from its events and summarises it, as a store does on each read.
func BenchmarkReplayAndSummary(b *testing.B) {
	s := goldbergDay1(b)
	b.ReportAllocs()
	for b.Loop() {
		r, err := Replay(s.Order, s.Rules, s.Events)
		if err != nil {
			b.Fatal(err)
		}
		_ = r.Summary(at(300))
	}
}
