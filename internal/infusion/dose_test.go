package infusion

import (
	"math"
	"math/big"
	"testing"
	"time"
)

// piece is a hand-written running interval, for the exact reference.
type piece struct {
	from, to float64 // minutes
	mgPerH   float64
	mlPerH   float64
}

// exactTotals integrates the pieces with rational arithmetic: an
// independent computation of Σ rate × minutes ÷ 60.
func exactTotals(ps []piece) (mg, ml float64) {
	smg, sml := new(big.Rat), new(big.Rat)
	for _, p := range ps {
		d := new(big.Rat).SetFloat64(p.to - p.from)
		d.Quo(d, big.NewRat(60, 1))
		smg.Add(smg, new(big.Rat).Mul(d, new(big.Rat).SetFloat64(p.mgPerH)))
		sml.Add(sml, new(big.Rat).Mul(d, new(big.Rat).SetFloat64(p.mlPerH)))
	}
	mg, _ = smg.Float64()
	ml, _ = sml.Float64()
	return mg, ml
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }

func TestCumulativeDose(t *testing.T) {
	bag40 := mustBag("40mg/500mL")
	bag80 := mustBag("80mg/500mL")
	noBag := goldbergOrder()
	noBag.Bag = nil
	noBag.Steps = []Step{{Minutes: 120, RateMgPerH: 20}, {Minutes: 120, RateMgPerH: 20}}

	cases := []struct {
		name   string
		order  Order
		events []Event
		now    float64
		// hand computation, written out in the comment of each case
		wantMg, wantBagML, wantTotalML float64
		running, paused                time.Duration
		pieces                         []piece // the same, for the exact reference
	}{
		{
			// 10 mg/h 15→75 (10 mg), paused 75→90, 10 mg/h 90→150 (10 mg),
			// 20 mg/h 150→180 (10 mg): 30 mg, × 500/40 = 375 mL.
			name:  "pause then step up",
			order: goldbergOrder(),
			events: []Event{
				programmeEv(10, bag40, mgh(10)), pumpEv(KindStart, 15), pumpEv(KindPause, 75),
				pumpEv(KindResume, 90), rateEv(150, mgh(20)), stopEv(180),
			},
			now: 200, wantMg: 30, wantBagML: 375, wantTotalML: 375,
			running: 150 * time.Minute, paused: 15 * time.Minute,
			pieces: []piece{{15, 75, 10, 125}, {90, 150, 10, 125}, {150, 180, 20, 250}},
		},
		{
			// Same chart read at minute 120: 10 mg + 10 mg/h × 30 min = 15 mg.
			name:  "read mid-segment",
			order: goldbergOrder(),
			events: []Event{
				programmeEv(10, bag40, mgh(10)), pumpEv(KindStart, 15), pumpEv(KindPause, 75),
				pumpEv(KindResume, 90), rateEv(150, mgh(20)), stopEv(180),
			},
			now: 120, wantMg: 15, wantBagML: 187.5, wantTotalML: 187.5,
			running: 90 * time.Minute, paused: 15 * time.Minute,
			pieces: []piece{{15, 75, 10, 125}, {90, 120, 10, 125}},
		},
		{
			// 100 mL/h of 40 mg/500 mL = 8 mg/h for 90 min = 12 mg, 150 mL;
			// 0.2 mg/kg/h × 71 kg = 14.2 mg/h = 177.5 mL/h for 20 min =
			// 4.7333… mg, 59.1666… mL. Total 16.7333… mg, 209.1666… mL.
			name:  "mL/h then mg/kg/h",
			order: goldbergOrder(),
			events: []Event{
				programmeEv(10, bag40, mlh(100)), pumpEv(KindStart, 15),
				rateEv(105, mustRate("0.2mg/kg/h")), stopEv(125),
			},
			now: 130, wantMg: 12 + 14.2/3, wantBagML: 150 + 177.5/3, wantTotalML: 150 + 177.5/3,
			running: 110 * time.Minute,
			pieces:  []piece{{15, 105, 8, 100}, {105, 125, 14.2, 177.5}},
		},
		{
			// 10 mg/h 15→45 = 5 mg; paused 45→60 with the rate set to
			// 15 mg/h at 50 (nothing flows); 15 mg/h 60→100 = 10 mg. 15 mg.
			name:  "rate change while paused",
			order: goldbergOrder(),
			events: []Event{
				programmeEv(10, bag40, mgh(10)), pumpEv(KindStart, 15), pumpEv(KindPause, 45),
				rateEv(50, mgh(15)), pumpEv(KindResume, 60), stopEv(100),
			},
			now: 120, wantMg: 15, wantBagML: 187.5, wantTotalML: 187.5,
			running: 70 * time.Minute, paused: 15 * time.Minute,
			pieces: []piece{{15, 45, 10, 125}, {60, 100, 15, 187.5}},
		},
		{
			// Bag 1, 40 mg/500 mL at 20 mg/h = 250 mL/h for 90 min: 30 mg,
			// 375 mL. Bag 2, 80 mg/500 mL at 20 mg/h = 125 mL/h for 60 min:
			// 20 mg, 125 mL. 50 mg; bag 2 has 375 mL left; 500 mL in all.
			name:  "second bag hung while paused",
			order: noBag,
			events: []Event{
				programmeEv(10, bag40, mgh(20)), pumpEv(KindStart, 15), pumpEv(KindPause, 105),
				programmeEv(110, bag80, mgh(20)), pumpEv(KindResume, 115), stopEv(175),
			},
			now: 180, wantMg: 50, wantBagML: 125, wantTotalML: 500,
			running: 150 * time.Minute, paused: 10 * time.Minute,
			pieces: []piece{{15, 105, 20, 250}, {115, 175, 20, 125}},
		},
		{
			// 20 mg/h = 250 mL/h empties 500 mL in 2 h (at minute 135); the
			// chart still says running at 165: the bag gave 40 mg, no more.
			name:   "bag runs dry before the stop is charted",
			order:  noBag,
			events: []Event{programmeEv(10, bag40, mgh(20)), pumpEv(KindStart, 15)},
			now:    165, wantMg: 40, wantBagML: 500, wantTotalML: 500,
			running: 150 * time.Minute,
			pieces:  []piece{{15, 135, 20, 250}},
		},
		{
			// A pause and resume in the same minute changes nothing:
			// 10 mg/h 15→75 = 10 mg.
			name:  "zero-length pause",
			order: goldbergOrder(),
			events: []Event{
				programmeEv(10, bag40, mgh(10)), pumpEv(KindStart, 15), pumpEv(KindPause, 45),
				pumpEv(KindResume, 45), stopEv(75),
			},
			now: 80, wantMg: 10, wantBagML: 125, wantTotalML: 125,
			running: 60 * time.Minute,
			pieces:  []piece{{15, 75, 10, 125}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := chart(t, c.order, append([]Event{checkInEv(0, 71, baseVitals())}, c.events...)...)
			sum := s.Summary(at(c.now))
			refMg, refML := exactTotals(c.pieces)
			if !near(c.wantMg, refMg) || !near(c.wantTotalML, refML) {
				t.Fatalf("test case is inconsistent: hand %v mg %v mL, exact %v mg %v mL", c.wantMg, c.wantTotalML, refMg, refML)
			}
			if !near(float64(sum.CumulativeDoseMg), c.wantMg) {
				t.Errorf("dose = %.15g mg, want %.15g", float64(sum.CumulativeDoseMg), c.wantMg)
			}
			if !near(float64(sum.InfusedVolumeML), c.wantBagML) {
				t.Errorf("bag volume = %.15g mL, want %.15g", float64(sum.InfusedVolumeML), c.wantBagML)
			}
			if !near(float64(sum.TotalVolumeML), c.wantTotalML) {
				t.Errorf("total volume = %.15g mL, want %.15g", float64(sum.TotalVolumeML), c.wantTotalML)
			}
			if !near(float64(sum.RemainingVolumeML), float64(sum.Bag.VolumeML)-c.wantBagML) {
				t.Errorf("remaining = %v mL, want %v", float64(sum.RemainingVolumeML), float64(sum.Bag.VolumeML)-c.wantBagML)
			}
			if sum.Running != c.running || sum.Paused != c.paused {
				t.Errorf("running %v paused %v, want %v and %v", sum.Running, sum.Paused, c.running, c.paused)
			}
		})
	}
}

func TestBagRunsDry(t *testing.T) {
	o := goldbergOrder()
	o.Bag, o.Steps = nil, nil
	s := chart(t, o, checkInEv(0, 71, baseVitals()), programmeEv(10, mustBag("40mg/500mL"), mgh(20)), pumpEv(KindStart, 15))
	before := s.Summary(at(75)) // 1 h at 250 mL/h: 250 mL in, empties at 135
	if !before.Flowing || before.BagEmpty || !before.BagEmptyAt.Equal(at(135)) {
		t.Errorf("at 75: flowing %v, empty %v at %v; want flowing, projected empty at %v", before.Flowing, before.BagEmpty, before.BagEmptyAt, at(135))
	}
	after := s.Summary(at(140))
	if after.Flowing || !after.BagEmpty || !after.BagEmptyAt.Equal(at(135)) || !hasReminder(after, ReminderBagEmpty) {
		t.Errorf("at 140: flowing %v, empty %v at %v, reminders %v; want a bag-empty reminder for %v", after.Flowing, after.BagEmpty, after.BagEmptyAt, after.Reminders, at(135))
	}
}

func TestPlanComplete(t *testing.T) {
	s := started(t) // 10 mg/h from 15; plan 240 min
	if hasReminder(s.Summary(at(254)), ReminderPlanComplete) {
		t.Error("plan-complete reminder before 240 min of running")
	}
	if sum := s.Summary(at(255)); !sum.PlanComplete || !hasReminder(sum, ReminderPlanComplete) {
		t.Errorf("no plan-complete reminder after 240 min of running: %+v", sum.Reminders)
	}
	// A 10-minute pause pushes the end of the plan 10 minutes later.
	p := record(t, s, pumpEv(KindPause, 60), pumpEv(KindResume, 70))
	if p.Summary(at(260)).PlanComplete || !p.Summary(at(265)).PlanComplete {
		t.Error("paused time counted as running time of the plan")
	}
}

func hasReminder(s Summary, k ReminderKind) bool {
	for _, r := range s.Reminders {
		if r.Kind == k {
			return true
		}
	}
	return false
}
