package infusion

import (
	"strings"
	"testing"
)

// TestDoseEngineWithTheDefaultLibrary records rates through the real dose
// engine and drug library (internal/dosing, internal/druglib default.yaml:
// racemic outpatient continuous, soft 10–80 mg/h and 0.1–1 mg/kg/h, hard max
// 150 mg/h and 2 mg/kg/h). Weight 71 kg, bag 40 mg in 500 mL.
func TestDoseEngineWithTheDefaultLibrary(t *testing.T) {
	engine := DoseEngine{}
	base := chart(t, goldbergOrder(), checkInEv(0, 71, baseVitals()))
	cases := []struct {
		name     string
		rate     string
		reason   string
		code     string // "" = accepted
		level    Level
		mgPerH   float64
		finding  string
		inSource string
	}{
		// Goldberg day 1 (003): 10 mg/h = 0.141 mg/kg/h, within every limit.
		{name: "Goldberg day 1", rate: "10mg/h", level: LevelOK, mgPerH: 10},
		{name: "the same as a pump rate", rate: "125mL/h", level: LevelOK, mgPerH: 10},
		{name: "the same as an amount over a duration", rate: "40mg/4h", level: LevelOK, mgPerH: 10},
		// 100 mL/h = 8 mg/h: below the soft minimum of 10 mg/h.
		{name: "below the soft minimum", rate: "100mL/h", code: ESOFTLIMIT, mgPerH: 8},
		{name: "below the soft minimum, with a reason", rate: "100mL/h", reason: "slower first hour ordered", level: LevelSoft, mgPerH: 8},
		// 1250 mL/h = 100 mg/h: over the soft max; 125 mL/h would fit, so
		// the engine reports a probable ten-fold error.
		{name: "ten-fold pump rate", rate: "1250mL/h", code: ESOFTLIMIT, mgPerH: 100},
		{name: "ten-fold pump rate, with a reason", rate: "1250mL/h", reason: "ordered", level: LevelSoft, mgPerH: 100, finding: "ten_fold_high", inSource: "soft max"},
		// 160 mg/h: over the hard max of 150 mg/h, whatever the reason.
		{name: "over the hard maximum", rate: "160mg/h", reason: "a reason cannot pass a hard limit", code: EHARDLIMIT},
		// 10 mg/min = 600 mg/h: a per-minute unit for a per-hour rate.
		{name: "per minute for per hour", rate: "10mg/min", code: EHARDLIMIT},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := programmeEv(10, mustBag("40mg/500mL"), mustRate(c.rate))
			if c.reason != "" {
				e.Programme.Override = &Override{Reason: c.reason}
			}
			before := snapshot(t, base)
			res, err := Record(base, e, far, engine)
			if snapshot(t, base) != before {
				t.Fatal("Record altered the earlier state")
			}
			if c.code != "" {
				if ErrorCode(err) != c.code || ErrorField(err) != "programme.entered" {
					t.Fatalf("error %v, want %s on programme.entered", err, c.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			p := res.Appended[0].Programme
			if p.Check.Level != c.level || !near(float64(p.Rate.MgPerH), c.mgPerH) || !near(float64(p.Rate.MLPerH), c.mgPerH*500/40) {
				t.Errorf("stored %v at %v mg/h, %v mL/h; want %v at %v mg/h", p.Check.Level, float64(p.Rate.MgPerH), float64(p.Rate.MLPerH), c.level, c.mgPerH)
			}
			if p.Check.Message == "" {
				t.Error("no message from the dose engine")
			}
			if c.finding != "" && (len(p.Check.Findings) == 0 || !strings.HasPrefix(p.Check.Findings[0], c.finding)) {
				t.Errorf("findings %q, want %s", p.Check.Findings, c.finding)
			}
			if c.inSource != "" && (!strings.Contains(p.Check.Limit, c.inSource) || p.Check.Source == "") {
				t.Errorf("limit %q source %q", p.Check.Limit, p.Check.Source)
			}
		})
	}
}

// TestGoldbergDay1ThroughTheDoseEngine: the whole scenario with the real
// engine gives the same record as with the stand-in limits.
func TestGoldbergDay1ThroughTheDoseEngine(t *testing.T) {
	s, err := NewSession(goldbergOrder(), DefaultRules())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []Event{
		checkInEv(0, 71, baseVitals()),
		programmeEv(10, mustBag("40mg/500mL"), mustRate("10mg/h")),
		pumpEv(KindStart, 15),
		stopEv(255),
	} {
		res, err := Record(s, e, far, DoseEngine{})
		if err != nil {
			t.Fatal(err)
		}
		s = res.State
	}
	if got := s.Summary(at(255)).CumulativeDoseMg; got != 40 {
		t.Errorf("cumulative dose %v mg, want exactly 40", float64(got))
	}
}
