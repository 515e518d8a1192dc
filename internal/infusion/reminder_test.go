package infusion

import (
	"testing"
	"time"
)

// TestVitalsDue: every 15 min while the infusion is in progress (Goldberg
// 003: NIBP every 15 minutes), counted from the start or the last vitals.
func TestVitalsDue(t *testing.T) {
	s := started(t) // started at 15
	cases := []struct {
		name      string
		s         State
		now       float64
		due       float64 // minutes; -1 = none
		overdue   bool
		overdueBy time.Duration
	}{
		{"just started", s, 16, 30, false, 0},
		{"due now is not yet overdue", s, 30, 30, false, 0},
		{"one minute late", s, 31, 30, true, time.Minute},
		{"from the last vitals", record(t, s, vitalsEv(32, baseVitals())), 40, 47, false, 0},
		{"late vitals move the schedule", record(t, s, vitalsEv(32, baseVitals())), 50, 47, true, 3 * time.Minute},
		{"paused still needs vitals", record(t, s, pumpEv(KindPause, 20)), 36, 30, true, 6 * time.Minute},
		{"baseline vitals before the start do not count", chart(t, goldbergOrder(), checkInEv(0, 71, baseVitals()),
			vitalsEv(5, baseVitals()), programmeEv(10, mustBag("40mg/500mL"), mgh(10)), pumpEv(KindStart, 15)), 20, 30, false, 0},
		{"not started: nothing due", chart(t, goldbergOrder(), checkInEv(0, 71, baseVitals())), 60, -1, false, 0},
		{"stopped: unspecified after the stop", record(t, s, stopEv(40)), 120, -1, false, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sum := c.s.Summary(at(c.now))
			if c.due < 0 {
				if !sum.NextVitalsDue.IsZero() || sum.VitalsOverdue || hasReminder(sum, ReminderVitalsDue) || hasReminder(sum, ReminderVitalsOverdue) {
					t.Errorf("vitals due %v (overdue %v), want nothing due", sum.NextVitalsDue, sum.VitalsOverdue)
				}
				return
			}
			if !sum.NextVitalsDue.Equal(at(c.due)) || sum.VitalsOverdue != c.overdue || sum.OverdueBy != c.overdueBy {
				t.Errorf("due %v overdue %v by %v; want %v %v by %v", sum.NextVitalsDue.Format("15:04"), sum.VitalsOverdue, sum.OverdueBy, at(c.due).Format("15:04"), c.overdue, c.overdueBy)
			}
			want := ReminderVitalsDue
			if c.overdue {
				want = ReminderVitalsOverdue
			}
			if !hasReminder(sum, want) {
				t.Errorf("reminders %+v lack %s", sum.Reminders, want)
			}
		})
	}
}

// TestVitalsDueAfterStop: once the clinic sets an interval after the stop,
// vitals are due from the stop or the last vitals.
func TestVitalsDueAfterStop(t *testing.T) {
	r := DefaultRules()
	r.AfterStopVitalsEvery = 30 * time.Minute // a clinic's choice in this test, not a sourced value
	s, err := NewSession(goldbergOrder(), r)
	if err != nil {
		t.Fatal(err)
	}
	s = record(t, s, checkInEv(0, 71, baseVitals()), programmeEv(10, mustBag("40mg/500mL"), mgh(10)),
		pumpEv(KindStart, 15), vitalsEv(30, baseVitals()), stopEv(40))
	if sum := s.Summary(at(71)); !sum.NextVitalsDue.Equal(at(70)) || !sum.VitalsOverdue {
		t.Errorf("due %v overdue %v; want 30 min after the stop, overdue", sum.NextVitalsDue, sum.VitalsOverdue)
	}
}
