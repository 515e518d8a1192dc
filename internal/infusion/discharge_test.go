package infusion

import (
	"slices"
	"strings"
	"testing"
)

func allTwo() DischargeAssessment {
	return DischargeAssessment{Activity: 2, Respiration: 2, Consciousness: 2, Ambulation: 2, NauseaVomiting: 2, Pain: 2, Bleeding: 2, EscortPresent: true}
}

// TestAldreteBands checks the circulation and SpO2 items at their band
// edges (Aldrete 1995, bands as cited in discharge.go) against the baseline
// 120/75 mmHg.
func TestAldreteBands(t *testing.T) {
	cases := []struct {
		name      string
		sbp, dbp  MmHg
		spo2      Percent
		oxygen    bool
		circ, sat int
	}{
		{"baseline", 120, 75, 98, false, 2, 2},
		{"systolic +19.2 %", 143, 75, 98, false, 2, 2},
		{"systolic +20 % is the 20–49 % band", 144, 75, 98, false, 1, 2},
		{"diastolic −20 %", 120, 60, 98, false, 1, 2},
		{"systolic +49.2 %", 179, 75, 98, false, 1, 2},
		{"systolic +50 %", 180, 75, 98, false, 0, 2},
		{"SpO2 93 % on air", 120, 75, 93, false, 2, 2},
		{"SpO2 92 % on air", 120, 75, 92, false, 2, 1},
		{"SpO2 97 % on oxygen", 120, 75, 97, true, 2, 1},
		{"SpO2 90.5 % on oxygen", 120, 75, 90.5, true, 2, 1},
		{"SpO2 90 %", 120, 75, 90, true, 2, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			last := baseVitals()
			last.Systolic, last.Diastolic, last.SpO2, last.OnOxygen = c.sbp, c.dbp, c.spo2, c.oxygen
			s := AldreteScore(baseVitals(), last, allTwo())
			if got := item(s, "circulation"); got != c.circ {
				t.Errorf("circulation = %d, want %d", got, c.circ)
			}
			if got := item(s, "oxygen saturation"); got != c.sat {
				t.Errorf("oxygen saturation = %d, want %d", got, c.sat)
			}
			if s.Total != 6+c.circ+c.sat || s.Max != 10 || s.Pass != (s.Total >= 9) {
				t.Errorf("total %d/%d pass %v", s.Total, s.Max, s.Pass)
			}
		})
	}
}

// TestPADSSBands checks the vital-signs item (BP and HR within 20 %, 20–40 %,
// more than 40 % of baseline; Marshall & Chung 1999) against HR 70, BP 120/75.
func TestPADSSBands(t *testing.T) {
	cases := []struct {
		name string
		hr   PerMinute
		sbp  MmHg
		want int
	}{
		{"baseline", 70, 120, 2},
		{"HR +20 % exactly", 84, 120, 2},
		{"HR +21.4 %", 85, 120, 1},
		{"systolic +40 % exactly", 70, 168, 1},
		{"systolic +40.8 %", 70, 169, 0},
		{"HR −40 % exactly", 42, 120, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			last := baseVitals()
			last.HeartRate, last.Systolic = c.hr, c.sbp
			s := PADSSScore(baseVitals(), last, allTwo())
			if got := item(s, "vital signs"); got != c.want {
				t.Errorf("vital signs = %d, want %d", got, c.want)
			}
		})
	}
}

func item(s Score, name string) int {
	for _, it := range s.Items {
		if it.Item == name {
			return it.Points
		}
	}
	return -1
}

func TestDischargeStatus(t *testing.T) {
	assess := func(m float64, a DischargeAssessment) Event {
		return Event{Kind: KindDischarge, At: at(m), By: "nurse.a", Discharge: &a}
	}
	stopped := func(t testing.TB) State { return record(t, started(t), stopEv(60)) }
	cases := []struct {
		name  string
		s     func(testing.TB) State
		unmet []string // substrings of the reasons, in order
	}{
		{"met", func(t testing.TB) State {
			return record(t, stopped(t), vitalsEv(90, baseVitals()), assess(91, allTwo()))
		}, nil},
		{"still running", started, []string{"not been stopped", "no vitals", "no discharge assessment"}},
		{"no vitals since the stop", func(t testing.TB) State {
			return record(t, stopped(t), assess(91, allTwo()))
		}, []string{"no vitals charted"}},
		{"vitals before the stop only", func(t testing.TB) State {
			s := record(t, started(t), vitalsEv(30, baseVitals()), stopEv(60))
			return record(t, s, assess(91, allTwo()))
		}, []string{"since the infusion stopped"}},
		{"Aldrete 8: drowsy and on oxygen", func(t testing.TB) State {
			v := baseVitals()
			v.OnOxygen = true
			a := allTwo()
			a.Consciousness = 1
			return record(t, stopped(t), vitalsEv(90, v), assess(91, a))
		}, []string{"Aldrete score 8/10"}},
		{"PADSS 8: dizzy and nauseated", func(t testing.TB) State {
			a := allTwo()
			a.Ambulation, a.NauseaVomiting = 1, 1
			return record(t, stopped(t), vitalsEv(90, baseVitals()), assess(91, a))
		}, []string{"PADSS 8/10"}},
		{"no escort", func(t testing.TB) State {
			a := allTwo()
			a.EscortPresent = false
			return record(t, stopped(t), vitalsEv(90, baseVitals()), assess(91, a))
		}, []string{"no responsible adult"}},
		{"open alert", func(t testing.TB) State {
			v := baseVitals()
			v.SpO2 = 92 // desaturation alert, not acknowledged; Aldrete SpO2 item 1
			return record(t, stopped(t), vitalsEv(90, v), assess(91, allTwo()))
		}, []string{"1 alert(s) not acknowledged"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := c.s(t).DischargeStatus()
			if d.Met != (len(c.unmet) == 0) || len(d.Unmet) != len(c.unmet) {
				t.Fatalf("met %v, unmet %q; want %q", d.Met, d.Unmet, c.unmet)
			}
			for i, want := range c.unmet {
				if !strings.Contains(d.Unmet[i], want) {
					t.Errorf("reason %d = %q, want it to mention %q", i, d.Unmet[i], want)
				}
			}
		})
	}
}

func TestDischargeScoresCiteSources(t *testing.T) {
	a := AldreteScore(baseVitals(), baseVitals(), allTwo())
	p := PADSSScore(baseVitals(), baseVitals(), allTwo())
	for _, s := range []Score{a, p} {
		if s.Source == "" || s.PassAt != 9 || s.Total != 10 || !s.Pass {
			t.Errorf("%s: %+v", s.Name, s)
		}
	}
	names := func(s Score) []string {
		var out []string
		for _, it := range s.Items {
			out = append(out, it.Item)
		}
		return out
	}
	if got := names(a); !slices.Equal(got, []string{"activity", "respiration", "circulation", "consciousness", "oxygen saturation"}) {
		t.Errorf("Aldrete items %v", got)
	}
	if got := names(p); !slices.Equal(got, []string{"vital signs", "ambulation", "nausea and vomiting", "pain", "bleeding"}) {
		t.Errorf("PADSS items %v", got)
	}
}
