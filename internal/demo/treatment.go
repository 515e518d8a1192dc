package demo

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/infusion"
	"github.com/ketatrack/ketatrack/internal/stock"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/units"
)

func init() { AddStep("treatment courses and infusion sessions", loadTreatment) }

// The demo's treatment courses, so that `serve --demo` shows the course
// pages, the charting page and the dashboard at work:
//
//   - Hannah Becker: Schwartzman 2009 (0.35 mg/kg/h for 4 h daily for 10
//     days, 001_db080c63fd53018a.txt), started two days ago; days 1 and 2
//     charted to discharge, day 3 running now with vitals every 15 minutes,
//     one heart-rate alert not yet acknowledged and the next vitals overdue;
//   - Grace Dubois: Goldberg 2005 (40 → 80 mg over 4 h on ten weekdays,
//     003_55ad5919aae10607.txt), signed, first session planned for the next
//     weekday (today on a weekday), not yet opened;
//   - Olivia Chen: Goldberg 2005 signed, with a second version awaiting the
//     clinician's signature after the weight was measured again.
//
// The details the papers leave unspecified are filled with choices the
// protocol files offer with their sources; weights are the demo intake's
// (intake.go). Vitals are fiction around normal adult values.

// demoGoldbergSettings: +5 mg a day and midazolam IV, both offered by
// internal/protocol/data/goldberg-2005.yaml.
var demoGoldbergSettings = map[string]string{"daily-step": "+5mg", "midazolam-route": "IV"}

// demoSchwartzmanSettings: clonidine 0.1 mg PO and midazolam 2 mg IV, the
// choices internal/protocol/data/schwartzman-2009.yaml offers (Goldberg's
// clonidine dose, the trial's "Versed 2mg").
var demoSchwartzmanSettings = map[string]string{"clonidine-dose": "0.1mg", "clonidine-route": "PO", "midazolam-dose": "2mg", "midazolam-route": "IV"}

func loadTreatment(ctx context.Context, db *store.DB, r *Result, rng *mrand.Rand) error {
	if len(r.Patients) < 4 {
		return nil
	}
	doc, nurse := r.As(ctx, clinic.RoleClinician), r.As(ctx, clinic.RoleNurse)
	now := db.Now().Local()
	today := clinic.DateOf(now)
	_, lot100, err := loadStock(ctx, db, r)
	if err != nil {
		return err
	}
	bags := demoBags{ctx: ctx, db: db, r: r, lot: lot100}

	// Hannah Becker: the running session.
	hannah := r.Patients[1]
	c, err := signedCourse(doc, db, hannah.ID, clinic.PlanInput{ProtocolID: "schwartzman-2009", Weight: "154lb",
		Bag: "100mg/100mL", StartDate: today.AddDays(-2), Settings: demoSchwartzmanSettings})
	if err != nil {
		return fmt.Errorf("course of %s: %w", hannah.MRN, err)
	}
	// Consent: a clinician's attestation of the paper form Hannah signed.
	if _, err := db.RecordConsent(doc, c.ID, clinic.ConsentInput{Method: clinic.ConsentAttestation, Agreed: true}); err != nil {
		return fmt.Errorf("consent of %s: %w", hannah.MRN, err)
	}
	for day := 1; day <= 2; day++ {
		date := today.AddDays(day - 3)
		start := time.Date(date.Year, date.Month, date.Day, 9, 0, 0, 0, now.Location())
		// Day 1's bag is wasted with a witness; day 2's is left for the
		// dashboard to flag as never wasted.
		bags.waste = day == 1
		if err := completedSession(nurse, db, c.ID, day, date, start, rng, &bags); err != nil {
			return fmt.Errorf("day %d of %s: %w", day, hannah.MRN, err)
		}
	}
	if err := runningSession(nurse, db, c.ID, 3, today, now, rng, &bags); err != nil {
		return fmt.Errorf("day 3 of %s: %w", hannah.MRN, err)
	}

	// Grace Dubois: signed, first session on the next weekday.
	grace := r.Patients[3]
	start := today
	for wd := start.Time().Weekday(); wd == time.Saturday || wd == time.Sunday; wd = start.Time().Weekday() {
		start = start.AddDays(1)
	}
	gc, err := signedCourse(doc, db, grace.ID, clinic.PlanInput{ProtocolID: "goldberg-2005", Weight: "59kg",
		StartDate: start, Settings: demoGoldbergSettings})
	if err != nil {
		return fmt.Errorf("course of %s: %w", grace.MRN, err)
	}
	// Consent: signed by Grace on the desk's tablet (her typed name).
	if _, err := db.RecordConsent(nurse, gc.ID, clinic.ConsentInput{Method: clinic.ConsentDesk, SignedName: grace.FullName(), Agreed: true}); err != nil {
		return fmt.Errorf("consent of %s: %w", grace.MRN, err)
	}

	// Olivia Chen: version 1 signed, version 2 a draft with a new weight.
	olivia := r.Patients[2]
	toMonday := (8 - int(today.Time().Weekday())) % 7 // Sunday is 0
	if toMonday == 0 {
		toMonday = 7
	}
	monday := today.AddDays(toMonday)
	in := clinic.PlanInput{ProtocolID: "goldberg-2005", Weight: "81.5kg", StartDate: monday, Settings: demoGoldbergSettings}
	oc, err := signedCourse(doc, db, olivia.ID, in)
	if err != nil {
		return fmt.Errorf("course of %s: %w", olivia.MRN, err)
	}
	in.Weight = "79kg"
	if _, err := db.ReviseCourse(doc, oc.ID, in, "weight measured again before the course: 79 kg", 0); err != nil {
		return fmt.Errorf("course of %s: %w", olivia.MRN, err)
	}
	return nil
}

// signedCourse creates a course and signs its first version.
func signedCourse(doc context.Context, db *store.DB, patientID int64, in clinic.PlanInput) (*clinic.Course, error) {
	c, err := db.CreateCourse(doc, patientID, "", in)
	if err != nil {
		return nil, err
	}
	if _, err := db.SignPlan(doc, c.ID, 1, 0); err != nil {
		return nil, err
	}
	return c, nil
}

// demoVitals are vitals near a baseline of 72 /min, 122/76 mmHg, 98 %.
func demoVitals(rng *mrand.Rand) infusion.Vitals { return vitalsNear(72, 122, 76, rng) }

// vitalsNear are vitals near a baseline heart rate (/min) and blood
// pressure (mmHg): heart rate within ±4 /min, systolic −6…+5 and diastolic
// −4…+3 mmHg, SpO2 96–99 %, 12–16 breaths /min, RASS 0 (alert and calm).
func vitalsNear(hr, sys, dia int, rng *mrand.Rand) infusion.Vitals {
	rr := infusion.PerMinute(12 + rng.IntN(5))
	rass := 0
	return infusion.Vitals{HeartRate: infusion.PerMinute(hr - 4 + rng.IntN(9)), Systolic: infusion.MmHg(sys - 6 + rng.IntN(12)),
		Diastolic: infusion.MmHg(dia - 4 + rng.IntN(8)), SpO2: infusion.Percent(96 + rng.IntN(4)), RespRate: &rr, RASS: &rass}
}

// demoBags prepares each session's bag before the pump starts (and wastes
// it after the stop when waste is set).
type demoBags struct {
	ctx   context.Context
	db    *store.DB
	r     *Result
	lot   *stock.Lot
	waste bool
}

// chartWithBag charts evs, preparing the 100 mg in 100 mL bag of the
// demo's Schwartzman course just before the start, and wasting it at the
// end when b.waste is set.
func (b *demoBags) chartWithBag(nurse context.Context, sessionID int64, evs []infusion.Event) error {
	for i, e := range evs {
		if e.Kind != infusion.KindStart {
			continue
		}
		if err := chart(nurse, b.db, sessionID, evs[:i]...); err != nil {
			return err
		}
		p, err := demoPrepare(b.ctx, b.db, b.r, sessionID, b.lot, 100, 100)
		if err != nil {
			return fmt.Errorf("bag: %w", err)
		}
		if err := chart(nurse, b.db, sessionID, evs[i:]...); err != nil {
			return err
		}
		if b.waste {
			if err := demoWaste(b.ctx, b.db, b.r, p); err != nil {
				return fmt.Errorf("waste: %w", err)
			}
		}
		return nil
	}
	return chart(nurse, b.db, sessionID, evs...)
}

// chart records events on a session in order.
func chart(nurse context.Context, db *store.DB, sessionID int64, events ...infusion.Event) error {
	for _, e := range events {
		if _, _, err := db.RecordEvent(nurse, sessionID, e); err != nil {
			return fmt.Errorf("%s at %s: %w", e.Kind, e.At.Format("15:04"), err)
		}
	}
	return nil
}

// startEvents are the check-in (weight, baseline, clonidine 0.1 mg PO and
// midazolam 2 mg IV, the demo course's choices), the programme with its
// double check, and the start, from check-in at t.
func startEvents(t time.Time) []infusion.Event {
	w, _ := units.ParseBodyWeight("weight", "154lb")
	clon, _ := units.ParseDose("dose", "0.1mg")
	mid, _ := units.ParseDose("dose", "2mg")
	bag, _ := units.ParseConcentration("bag", "100mg/100mL")
	label, _ := units.ParseConcentration("label", "1mg/mL")
	rate, _ := units.ParseDoseRate("rate", "0.35mg/kg/h")
	base := infusion.Vitals{HeartRate: 72, Systolic: 122, Diastolic: 76, SpO2: 98}
	rr, rass := infusion.PerMinute(14), 0
	base.RespRate, base.RASS = &rr, &rass
	return []infusion.Event{
		{Kind: infusion.KindCheckIn, At: t, CheckIn: &infusion.CheckIn{Weight: w, Baseline: base, BaselineAt: t,
			Premedication: []infusion.Medication{
				{Drug: "clonidine", Dose: clon, Route: infusion.RoutePO, At: t},
				{Drug: "midazolam", Dose: mid, Route: infusion.RouteIV, At: t},
			}}},
		{Kind: infusion.KindProgramme, At: t.Add(10 * time.Minute), Programme: &infusion.Programme{Drug: infusion.Racemic, Bag: bag,
			Entered: rate, DoubleCheck: infusion.DoubleCheck{By: "Lee Park, RN", Drug: infusion.Racemic, Concentration: label}}},
		{Kind: infusion.KindStart, At: t.Add(15 * time.Minute)},
	}
}

// completedSession charts a whole 4-hour session from check-in at t to
// discharge.
func completedSession(nurse context.Context, db *store.DB, courseID int64, day int, date clinic.Date, t time.Time, rng *mrand.Rand, bags *demoBags) error {
	s, err := db.OpenSession(nurse, courseID, day, date)
	if err != nil {
		return err
	}
	evs := startEvents(t)
	started := t.Add(15 * time.Minute)
	for m := 15; m <= 240; m += 15 {
		v := demoVitals(rng)
		evs = append(evs, infusion.Event{Kind: infusion.KindVitals, At: started.Add(time.Duration(m) * time.Minute), Vitals: &v})
	}
	stop := started.Add(4 * time.Hour)
	after := demoVitals(rng)
	evs = append(evs,
		infusion.Event{Kind: infusion.KindStop, At: stop, Stop: &infusion.Stop{Reason: infusion.StopCompleted}},
		infusion.Event{Kind: infusion.KindVitals, At: stop.Add(15 * time.Minute), Vitals: &after},
		infusion.Event{Kind: infusion.KindDischarge, At: stop.Add(20 * time.Minute), Discharge: &infusion.DischargeAssessment{
			Activity: 2, Respiration: 2, Consciousness: 2, Ambulation: 2, NauseaVomiting: 2, Pain: 1, Bleeding: 2, EscortPresent: true}})
	return bags.chartWithBag(nurse, s.ID, evs)
}

// runningSession charts today's session up to now: started 65 minutes ago,
// vitals at 15, 30 and 45 minutes of running (the 30-minute heart rate 20 %
// or more over the baseline of 72 /min raises Goldberg's tachycardia alert,
// left for the nurse to acknowledge), a mild side effect; the next vitals
// are overdue.
func runningSession(nurse context.Context, db *store.DB, courseID int64, day int, date clinic.Date, now time.Time, rng *mrand.Rand, bags *demoBags) error {
	s, err := db.OpenSession(nurse, courseID, day, date)
	if err != nil {
		return err
	}
	t := now.Add(-80 * time.Minute).Truncate(time.Minute)
	started := t.Add(15 * time.Minute)
	evs := startEvents(t)
	for i, m := range []int{15, 30, 45} {
		v := demoVitals(rng)
		if i == 1 {
			v.HeartRate = 92 // 92/72 = +27.8 %: over the 20 % threshold
		}
		evs = append(evs, infusion.Event{Kind: infusion.KindVitals, At: started.Add(time.Duration(m) * time.Minute), Vitals: &v})
	}
	evs = append(evs, infusion.Event{Kind: infusion.KindSideEffect, At: started.Add(32 * time.Minute),
		SideEffect: &infusion.SideEffect{Effect: infusion.SERestlessness, Severity: infusion.Mild, Action: "reassured; lights dimmed"}})
	bags.waste = false
	return bags.chartWithBag(nurse, s.ID, evs)
}
