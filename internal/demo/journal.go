package demo

import (
	"context"
	"fmt"
	mrand "math/rand/v2"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/cohort"
	"github.com/ketatrack/ketatrack/internal/opioid"
	"github.com/ketatrack/ketatrack/internal/outcomes"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/units"
)

func init() { AddStep("journal", loadJournal) }

// The demo journal: every demo patient has a journal from its day 1 until
// yesterday (the last three with a signed course from it; the first, the
// demo patient account, with a booster course planned from next Monday),
// and the first three a few functional measures, so that the journal, the measures and the
// analytics show real numbers. It is fiction shaped by the seeds:
//
//   - course days 1–12 (ten infusions over two weeks, weekends off, as
//     Goldberg's) come from the Goldberg-like generator of package cohort,
//     whose day-1 and day-10 means and SDs are Goldberg's (seed
//     003_55ad5919aae10607.txt);
//   - after the course, each patient's relief lasts as cohort.Relief draws it
//     from Goldberg's follow-up groups (back to baseline by 2 weeks; ≥ 70 %
//     relief for 6 weeks and baseline by 9 weeks; > 70 % for 11–12 weeks; free
//     of CRPS at 15 months), cut at today; during relief the pain ratings are
//     about half the patient's day-1 ratings and after a relapse back at
//     them. This follow-up shape is the demo's, not a published model;
//   - hours slept, PHQ-9 answers, opioid use and notes are plausible
//     fiction, with no self-harm answers.
//
// Day 1 is a Monday, so that the ten weekday infusions fall on days 1–5 and
// 8–12. The demo patient account (the first patient) is in relief and has
// written every day until yesterday, so today's entry is theirs to write.

// demoCourseSettings are a clinician's choices for the details
// schwartzman-2009 leaves unspecified, each one the protocol file offers
// with its source (internal/protocol/data/schwartzman-2009.yaml).
var demoCourseSettings = map[string]string{"clonidine-dose": "0.1mg", "clonidine-route": "PO", "midazolam-dose": "2mg", "midazolam-route": "IV"}

// demoCoursePatients is how many of the last demo patients get a signed
// course (schwartzman-2009) from this step, so that relief shows by
// protocol; the others' journals have no course here (the course pages
// have their own demo data), which the analytics show as "protocol not
// recorded".
const demoCoursePatients = 3

// demoCourseDays is the calendar length of the course: 10 weekday
// infusions over two weeks.
const demoCourseDays = 12

// demoMaxFollowUp caps the days of follow-up after the course.
const demoMaxFollowUp = 70

func loadJournal(ctx context.Context, db *store.DB, r *Result, rng *mrand.Rand) error {
	n := len(r.Patients)
	journal, err := cohort.Journal(cohort.JournalConfig{Patients: n, Days: demoCourseDays, Seed: 2005, IDPrefix: "D"})
	if err != nil {
		return err
	}
	relief, err := cohort.Relief(cohort.ReliefConfig{Patients: n, Seed: 2005, Start: db.Now()})
	if err != nil {
		return err
	}
	today := db.Today() // the journal's today (clinic.JournalToday) in the clinic's zone
	var entries []*clinic.JournalEntry
	for i, p := range r.Patients {
		// Follow-up: relief for the drawn number of days, then (after a
		// relapse) a week back at baseline; the first patient is still in
		// relief.
		reliefDays := relief[i].Days()
		relapsed := relief[i].Relapsed && i != 0
		follow := min(reliefDays, demoMaxFollowUp)
		if relapsed {
			follow = min(reliefDays+7, demoMaxFollowUp)
		}
		if i == 0 {
			follow, reliefDays = 30, 30
		}
		// The last entry is yesterday, the course started on the Monday
		// that leaves room for the course and the follow-up.
		day1 := mondayOnOrBefore(today.AddDays(-(demoCourseDays + follow)))
		last := min(demoCourseDays+follow, today.DaysSince(day1))
		if err := db.SetJournalDay1(ctx, p.ID, day1); err != nil {
			return err
		}
		if i >= n-demoCoursePatients {
			if err := demoCourse1(r.As(ctx, clinic.RoleClinician), db, p, day1); err != nil {
				return err
			}
		}
		if i == 0 {
			// The demo patient account's next course: a booster planned
			// from next Monday, so that the portal shows upcoming sessions.
			if err := demoCourse1(r.As(ctx, clinic.RoleClinician), db, p, mondayOnOrBefore(today).AddDays(7)); err != nil {
				return err
			}
		}
		rows := journal[i*demoCourseDays : (i+1)*demoCourseDays]
		base := rows[0].Scores
		for day := 1; day <= last; day++ {
			e := clinic.NewJournalEntry(p.ID, day1.AddDays(day-1))
			switch {
			case day <= demoCourseDays:
				e.Scores = rows[day-1].Scores
			case day-demoCourseDays <= reliefDays:
				e.Scores = followUp(base, 0.45, 55, rng)
			default:
				e.Scores = followUp(base, 1, 5, rng)
			}
			fillDemoExtras(e, day, i, day > demoCourseDays && day-demoCourseDays <= reliefDays, rng)
			entries = append(entries, e)
		}
		if err := demoMeasures(r.As(ctx, clinic.RoleNurse), db, p, day1, i); err != nil {
			return err
		}
	}
	if _, err := db.LoadJournalEntries(ctx, entries); err != nil {
		return fmt.Errorf("demo journal: %w", err)
	}
	return nil
}

// followUp returns ratings at factor × the baseline (plus up to one point
// of noise upward, so that a return to baseline stays at or above it), and
// the given overall relief.
func followUp(base [outcomes.NumMeasures]outcomes.Score, factor float64, reliefPct int, rng *mrand.Rand) [outcomes.NumMeasures]outcomes.Score {
	var s [outcomes.NumMeasures]outcomes.Score
	for m := range s {
		b := base[m]
		if b == outcomes.Missing {
			s[m] = outcomes.Missing
			continue
		}
		top := int(outcomes.Measure(m).Max() / 100)
		v := int(factor*b.Float()+0.5) + rng.IntN(2)
		s[m] = outcomes.ScoreOf(min(max(v, 0), top))
	}
	s[outcomes.ReliefPct] = outcomes.ScoreOf(min(max(reliefPct+rng.IntN(21)-10, 0), 100))
	return s
}

// fillDemoExtras adds hours slept, a PHQ-9 every two weeks, opioids for
// every other patient (fewer while relieved) and an occasional note.
func fillDemoExtras(e *clinic.JournalEntry, day, i int, relieved bool, rng *mrand.Rand) {
	e.SleepHours = clinic.Centi(500 + 25*rng.IntN(13)) // 5–8 h in quarter hours
	if day%clinic.PHQ9Interval == 1 {
		q := &clinic.PHQ9{}
		for k := range 8 {
			q.Items[k] = rng.IntN(3)
			if relieved {
				q.Items[k] = rng.IntN(2)
			}
		}
		e.PHQ9 = q
	}
	if i%2 == 0 {
		times := 4
		if relieved {
			times = 2
		}
		dose := units.Milligrams(5)
		e.Opioids = []opioid.Regimen{{Opioid: opioid.Oxycodone, Route: opioid.Oral, DoseEach: &dose, TimesPerDay: times}}
	}
	switch {
	case day == 1:
		e.Note = "First infusion today. Burning in the foot worse at night."
	case day%9 == 0:
		e.Note = "Walked to the shop and back."
	}
}

func mondayOnOrBefore(d clinic.Date) clinic.Date {
	wd := int(d.Time().Weekday()) // Sunday 0
	return d.AddDays(-((wd + 6) % 7))
}

// demoCourse1 gives the patient a signed schwartzman-2009 course starting on
// day1, unless the patient has a course already.
func demoCourse1(ctx context.Context, db *store.DB, p *clinic.Patient, day1 clinic.Date) error {
	var courses clinic.CourseService = db
	existing, err := courses.FindCourses(ctx, clinic.CourseFilter{PatientID: p.ID})
	if err != nil {
		return err
	}
	if len(existing) > 0 {
		return nil
	}
	c, err := courses.CreateCourse(ctx, p.ID, "", clinic.PlanInput{ProtocolID: "schwartzman-2009", Weight: "70kg", StartDate: day1, Settings: demoCourseSettings})
	if err != nil {
		return fmt.Errorf("demo course of %s: %w", p.MRN, err)
	}
	if _, err := courses.SignPlan(ctx, c.ID, c.Latest().Version, 0); err != nil {
		return fmt.Errorf("demo course of %s: %w", p.MRN, err)
	}
	return nil
}

// demoMeasures records functional measures before and after the course
// for the first three patients, shaped like Dworkin et al.'s Table 1 (seed
// 000_54b676c875befc41.txt: LCI 23 → 42 of 56, TUG 42 → 19 s, 2-minute walk
// 148 → 292 ft), with smaller changes.
func demoMeasures(ctx context.Context, db *store.DB, p *clinic.Patient, day1 clinic.Date, i int) error {
	if i > 2 {
		return nil
	}
	after := day1.AddDays(demoCourseDays + 2)
	unit, walk0, walk1 := "ft", "148", "231"
	if i == 1 {
		unit, walk0, walk1 = "m", "52", "71"
	}
	list := []*clinic.FunctionalMeasure{
		{Kind: clinic.MeasureTUG, MeasuredOn: day1, Value: "24.5", Unit: "s", Aid: "single-point cane"},
		{Kind: clinic.MeasureTUG, MeasuredOn: after, Value: "15.2", Unit: "s", Aid: "single-point cane"},
		{Kind: clinic.MeasureWalk2Min, MeasuredOn: day1, Value: walk0, Unit: unit},
		{Kind: clinic.MeasureWalk2Min, MeasuredOn: after, Value: walk1, Unit: unit},
		{Kind: clinic.MeasureLCI, MeasuredOn: day1, Value: "31", Unit: "/56"},
		{Kind: clinic.MeasureLCI, MeasuredOn: after, Value: "40", Unit: "/56"},
	}
	if i == 0 {
		list = append(list,
			&clinic.FunctionalMeasure{Kind: clinic.MeasureROM, MeasuredOn: day1, Value: "25", Unit: "deg", Site: "right ankle dorsiflexion"},
			&clinic.FunctionalMeasure{Kind: clinic.MeasureROM, MeasuredOn: after, Value: "35", Unit: "deg", Site: "right ankle dorsiflexion"})
	}
	for _, m := range list {
		m.PatientID = p.ID
		if err := db.RecordMeasure(ctx, m); err != nil {
			return fmt.Errorf("demo measure of %s: %w", p.MRN, err)
		}
	}
	return nil
}
