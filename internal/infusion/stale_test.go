package infusion

import (
	"errors"
	"slices"
	"testing"
)

// Two nurses chart one session (issue 12 item 4): nurse.a read the chart
// with its first three events (checked in, programmed, started); meanwhile
// nurse.b charted vitals with SpO2 90 %, which raised the desaturation
// alert (events 4 and 5). nurse.a now charts with seq 4. An observation is
// kept after the two events; an event that acts on the session's state is
// refused naming both (Kind.StaleViewSafe).
func TestStaleViewPerKind(t *testing.T) {
	base := func(t *testing.T) State {
		t.Helper()
		low := baseVitals()
		low.SpO2 = 90 // below DefaultRules' desaturation threshold, SpO2 < 93 % (Goldberg, 003_55ad5919aae10607.txt)
		other := vitalsEv(20, low)
		other.By = "nurse.b"
		s := started(t)
		res, err := Record(s, other, far, testLimits)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Appended) != 2 || res.Appended[1].Kind != KindAlert {
			t.Fatalf("nurse.b's vitals appended %+v, want the vitals and their alert", res.Appended)
		}
		return res.State
	}
	side := Event{Kind: KindSideEffect, At: at(22), By: "nurse.a", SideEffect: &SideEffect{Effect: SENausea, Severity: Mild, Action: "none"}}
	med := Event{Kind: KindMedication, At: at(22), By: "nurse.a", Medication: &Medication{Drug: "ondansetron", Dose: mustDose("4mg"), Route: RouteIV, At: at(22)}}
	cases := []struct {
		name string
		e    Event
		safe bool
	}{
		{"vitals", vitalsEv(22, baseVitals()), true},
		{"side effect", side, true},
		{"medication", med, true},
		{"acknowledge of the alert nurse.a had not seen", ackEv(22, 5, "nurse.a", "oxygen 2 L/min"), true},
		{"pause", pumpEv(KindPause, 22), false},
		{"rate change", rateEv(22, mgh(12)), false},
		{"stop", stopEv(22), false},
		{"second programme", programmeEv(22, mustBag("40mg/500mL"), mgh(10)), false},
		{"check-in", checkInEv(22, 71, baseVitals()), false},
		{"discharge assessment", Event{Kind: KindDischarge, At: at(22), By: "nurse.a", Discharge: &DischargeAssessment{}}, false},
		{"start", pumpEv(KindStart, 22), false},
		{"resume", pumpEv(KindResume, 22), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := base(t)
			if got := c.e.Kind.StaleViewSafe(); got != c.safe {
				t.Fatalf("%s: StaleViewSafe %v, want %v", c.e.Kind, got, c.safe)
			}
			before := snapshot(t, s)
			c.e.Seq = 4
			res, err := Record(s, c.e, far, testLimits)
			if c.safe {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if res.Appended[0].Seq != 6 || res.Appended[0].Kind != c.e.Kind {
					t.Errorf("appended %+v, want %s as event 6 after the two charted meanwhile", res.Appended[0], c.e.Kind)
				}
				return
			}
			var se *StaleError
			if !errors.As(err, &se) {
				t.Fatalf("error %v, want a StaleError", err)
			}
			if ErrorCode(err) != ECONFLICT || ErrorField(err) != "seq" {
				t.Errorf("code %q field %q, want conflict on seq", ErrorCode(err), ErrorField(err))
			}
			if se.Seen != 3 || se.Kind != c.e.Kind || !slices.EqualFunc(se.Since, s.Events[3:], func(a, b Event) bool { return a.Seq == b.Seq && a.Kind == b.Kind }) {
				t.Errorf("StaleError seen %d kind %s since %+v, want 3, %s, events 4 and 5", se.Seen, se.Kind, se.Since, c.e.Kind)
			}
			if snapshot(t, s) != before {
				t.Error("the refused event changed the chart")
			}
		})
	}
	// A seq past the next number claims events that do not exist.
	s := base(t)
	e := vitalsEv(22, baseVitals())
	e.Seq = 7
	if _, err := Record(s, e, far, testLimits); ErrorCode(err) != ECONFLICT || ErrorField(err) != "seq" {
		t.Errorf("seq 7 on a chart of 5 events: %v", err)
	}
}
