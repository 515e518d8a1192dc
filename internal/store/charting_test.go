package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/infusion"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
	"github.com/ketatrack/ketatrack/internal/units"
)

// chartT0 is the check-in of the charting tests: Monday 2 March 2026,
// 08:45 UTC, day 1 of goldbergInput's plan.
var chartT0 = time.Date(2026, 3, 2, 8, 45, 0, 0, time.UTC)

func chartAt(min float64) time.Time { return chartT0.Add(time.Duration(min * float64(time.Minute))) }

func mustParse[T any](t *testing.T, parse func(string, string) (T, error), s string) T {
	t.Helper()
	v, err := parse("test", s)
	must(t, err)
	return v
}

// signedGoldberg creates and signs goldbergInput's course for the patient.
func signedGoldberg(t *testing.T, db *store.DB, doc context.Context, patientID int64) *clinic.Course {
	t.Helper()
	c, err := db.CreateCourse(doc, patientID, "", goldbergInput())
	must(t, err)
	_, err = db.SignPlan(doc, c.ID, 1, 0)
	must(t, err)
	storetest.Consent(t, db, c.ID) // issue 15: no check-in without consent
	c, err = db.FindCourseByID(doc, c.ID)
	must(t, err)
	return c
}

func vitals(hr int, sbp, dbp int, spo2 float64) *infusion.Vitals {
	return &infusion.Vitals{HeartRate: infusion.PerMinute(hr), Systolic: infusion.MmHg(sbp), Diastolic: infusion.MmHg(dbp), SpO2: infusion.Percent(spo2)}
}

func TestChartingGoldbergDay1(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		clin := clinicians(t, db, f)
		doc, nurse := as(clin[0]), as(f.nurse[0])
		pat := f.patients[0][0]
		db.Now = func() time.Time { return chartAt(-30) }
		c := signedGoldberg(t, db, doc, pat.ID)

		// No session before signing; not for an admin; not another clinic's.
		draft, err := db.CreateCourse(doc, f.patients[0][1].ID, "", goldbergInput())
		must(t, err)
		_, err = db.OpenSession(nurse, draft.ID, 1, clinic.Date{Year: 2026, Month: 3, Day: 2})
		wantCode(t, err, clinic.ECONFLICT)
		_, err = db.OpenSession(as(f.admin[0]), c.ID, 1, clinic.Date{Year: 2026, Month: 3, Day: 2})
		wantCode(t, err, clinic.EFORBIDDEN)
		_, err = db.OpenSession(as(f.nurse[1]), c.ID, 1, clinic.Date{Year: 2026, Month: 3, Day: 2})
		wantCode(t, err, clinic.ENOTFOUND)
		_, err = db.OpenSession(nurse, c.ID, 11, clinic.Date{Year: 2026, Month: 3, Day: 2})
		wantCode(t, err, clinic.EINVALID)

		s, err := db.OpenSession(nurse, c.ID, 1, clinic.Date{Year: 2026, Month: 3, Day: 2})
		must(t, err)
		// The order: 40 mg in 500 mL (the paper's mixing, 003 Methods), one
		// step of 10 mg/h for 240 min.
		if o := s.State.Order; o.Bag == nil || o.Bag.String() != "40mg/500mL" || len(o.Steps) != 1 || o.Steps[0].Minutes != 240 || o.Steps[0].RateMgPerH != 10 {
			t.Fatalf("order %+v", o)
		}
		_, err = db.OpenSession(nurse, c.ID, 1, clinic.Date{Year: 2026, Month: 3, Day: 2})
		wantCode(t, err, clinic.ECONFLICT)

		db.Now = func() time.Time { return chartAt(300) }
		rec := func(e infusion.Event) []infusion.Event {
			t.Helper()
			_, app, err := db.RecordEvent(nurse, s.ID, e)
			if err != nil {
				t.Fatalf("%s at %s: %v", e.Kind, e.At.Format("15:04"), err)
			}
			return app
		}
		base := vitals(70, 120, 75, 98)
		rec(infusion.Event{Kind: infusion.KindCheckIn, At: chartAt(0), CheckIn: &infusion.CheckIn{
			Weight: units.Kilograms(71), Baseline: *base, BaselineAt: chartAt(0),
			Premedication: []infusion.Medication{
				{Drug: "clonidine", Dose: mustParse(t, units.ParseDose, "0.1mg"), Route: infusion.RoutePO, At: chartAt(0)},
				{Drug: "midazolam", Dose: mustParse(t, units.ParseDose, "2mg"), Route: infusion.RouteIV, At: chartAt(0)},
			}}})
		bag := mustParse(t, units.ParseConcentration, "40mg/500mL")
		rec(infusion.Event{Kind: infusion.KindProgramme, At: chartAt(10), Programme: &infusion.Programme{Drug: infusion.Racemic, Bag: bag,
			Entered: mustParse(t, units.ParseDoseRate, "10mg/h"), DoubleCheck: infusion.DoubleCheck{By: "nurse b", Drug: infusion.Racemic, Concentration: bag}}})
		storetest.PrepareBag(t, db, s.ID, "40mg/500mL")
		rec(infusion.Event{Kind: infusion.KindStart, At: chartAt(15)})

		// Bad input is refused with the field named, and nothing is stored.
		before, err := db.FindSessionByID(nurse, s.ID)
		must(t, err)
		for _, c := range []struct {
			e     infusion.Event
			field string
		}{
			{infusion.Event{Kind: infusion.KindVitals, At: chartAt(20), Vitals: vitals(70, 120, 75, 140)}, "vitals.spo2_pct"},
			// 200 mg/h: above the outpatient hard maximum of 150 mg/h (CLINICAL.md).
			{infusion.Event{Kind: infusion.KindRateChange, At: chartAt(20), RateChange: &infusion.RateChange{Entered: mustParse(t, units.ParseDoseRate, "200mg/h")}}, "rate_change.entered"},
			// 100 mg/h: above the soft maximum of 80 mg/h, no reason given.
			{infusion.Event{Kind: infusion.KindRateChange, At: chartAt(20), RateChange: &infusion.RateChange{Entered: mustParse(t, units.ParseDoseRate, "100mg/h")}}, "rate_change.override.reason"},
		} {
			_, _, err := db.RecordEvent(nurse, s.ID, c.e)
			wantCode(t, err, clinic.EINVALID)
			if got := clinic.ErrorField(err); got != c.field {
				t.Errorf("field %q, want %q: %v", got, c.field, err)
			}
		}
		// An administrator reads but does not chart; the other clinic's nurse
		// does not find the session.
		_, _, err = db.RecordEvent(as(f.admin[0]), s.ID, infusion.Event{Kind: infusion.KindVitals, At: chartAt(20), Vitals: base})
		wantCode(t, err, clinic.EFORBIDDEN)
		_, _, err = db.RecordEvent(as(f.nurse[1]), s.ID, infusion.Event{Kind: infusion.KindVitals, At: chartAt(20), Vitals: base})
		wantCode(t, err, clinic.ENOTFOUND)
		after, err := db.FindSessionByID(nurse, s.ID)
		must(t, err)
		if len(after.State.Events) != len(before.State.Events) {
			t.Fatalf("refused events were stored: %d → %d", len(before.State.Events), len(after.State.Events))
		}

		// Vitals every 15 min; at minute 90 the heart rate is 84 /min,
		// exactly 20 % over the baseline 70: Goldberg's tachycardia event.
		var alertSeq int
		for m := 30.0; m <= 255; m += 15 {
			v := vitals(70, 120, 75, 97)
			if m == 90 {
				v.HeartRate = 84
			}
			for _, ev := range rec(infusion.Event{Kind: infusion.KindVitals, At: chartAt(m), Vitals: v}) {
				if ev.Kind == infusion.KindAlert {
					alertSeq = ev.Seq
				}
			}
		}
		if alertSeq == 0 {
			t.Fatal("no tachycardia alert raised")
		}
		list, err := db.FindSessions(nurse, clinic.SessionFilter{WithOpenAlerts: true})
		must(t, err)
		if len(list) != 1 || list[0].OpenAlerts != 1 {
			t.Fatalf("sessions with open alerts: %+v", list)
		}
		rec(infusion.Event{Kind: infusion.KindStop, At: chartAt(255), Stop: &infusion.Stop{Reason: infusion.StopCompleted}})
		rec(infusion.Event{Kind: infusion.KindAcknowledge, At: chartAt(256), Acknowledge: &infusion.Acknowledgement{AlertSeq: alertSeq, Action: "ECG sinus tachycardia, patient calm; observed"}})
		// A second acknowledgement of the same alert is a conflict.
		_, _, err = db.RecordEvent(nurse, s.ID, infusion.Event{Kind: infusion.KindAcknowledge, At: chartAt(257), Acknowledge: &infusion.Acknowledgement{AlertSeq: alertSeq, Action: "again"}})
		wantCode(t, err, clinic.ECONFLICT)

		got, err := db.FindSessionByID(nurse, s.ID)
		must(t, err)
		sum := got.State.Summary(chartAt(300))
		// 10 mg/h × 4 h = 40 mg; 125 mL/h × 4 h = 500 mL: the whole bag.
		if sum.CumulativeDoseMg != 40 || sum.RemainingVolumeML != 0 || got.Phase != infusion.PhaseStopped || got.OpenAlerts != 0 {
			t.Errorf("cumulative %v mg, remaining %v mL, phase %s, open alerts %d",
				float64(sum.CumulativeDoseMg), float64(sum.RemainingVolumeML), got.Phase, got.OpenAlerts)
		}
		a := got.State.Alerts[0]
		if a.Alert.Rule != infusion.RuleTachycardia || a.Ack == nil || a.Ack.By != f.nurse[0].Login {
			t.Errorf("alert %+v", a)
		}
		if got.State.Events[0].By != f.nurse[0].Login {
			t.Errorf("charted by %q, want the nurse's login", got.State.Events[0].By)
		}

		// The chart is append-only in the database too.
		for _, q := range []string{`UPDATE infusion_events SET event_json = '{}'`, `DELETE FROM infusion_events`} {
			if err := db.ExecRaw(context.Background(), q); err == nil {
				t.Errorf("%s: accepted", q)
			}
		}
		// A stopped session's day can be opened again (attempt 2).
		s2, err := db.OpenSession(nurse, c.ID, 1, clinic.Date{Year: 2026, Month: 3, Day: 2})
		must(t, err)
		if s2.Attempt != 2 {
			t.Errorf("attempt %d", s2.Attempt)
		}
		// Every event is in the audit log.
		entries, err := db.FindAuditEntries(as(f.admin[0]), clinic.AuditFilter{Entity: "infusion_event", Limit: 1000})
		must(t, err)
		if len(entries) != len(got.State.Events) {
			t.Errorf("%d audit entries for %d events", len(entries), len(got.State.Events))
		}
	})
}

func TestDashboard(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		doc, nurse := as(clinicians(t, db, f)[0]), as(f.nurse[0])
		db.Now = func() time.Time { return chartAt(-30) }
		c1 := signedGoldberg(t, db, doc, f.patients[0][0].ID)
		c2 := signedGoldberg(t, db, doc, f.patients[0][1].ID) // planned today, not opened
		day := clinic.Date{Year: 2026, Month: 3, Day: 2}
		s, err := db.OpenSession(nurse, c1.ID, 1, day)
		must(t, err)
		db.Now = func() time.Time { return chartAt(60) }
		bag := mustParse(t, units.ParseConcentration, "40mg/500mL")
		for _, e := range []infusion.Event{
			{Kind: infusion.KindCheckIn, At: chartAt(0), CheckIn: &infusion.CheckIn{Weight: units.Kilograms(71), Baseline: *vitals(70, 120, 75, 98), BaselineAt: chartAt(0)}},
			{Kind: infusion.KindProgramme, At: chartAt(10), Programme: &infusion.Programme{Drug: infusion.Racemic, Bag: bag,
				Entered: mustParse(t, units.ParseDoseRate, "125mL/h"), DoubleCheck: infusion.DoubleCheck{By: "nurse b", Drug: infusion.Racemic, Concentration: mustParse(t, units.ParseConcentration, "0.08mg/mL")}}},
			{Kind: infusion.KindStart, At: chartAt(15)},
			{Kind: infusion.KindVitals, At: chartAt(30), Vitals: vitals(70, 120, 75, 91)}, // SpO2 91 %: desaturation (< 93 %, Goldberg)
		} {
			if e.Kind == infusion.KindStart {
				storetest.PrepareBag(t, db, s.ID, "40mg/500mL")
			}
			if _, _, err := db.RecordEvent(nurse, s.ID, e); err != nil {
				t.Fatalf("%s: %v", e.Kind, err)
			}
		}
		// At minute 60 the vitals charted at 30 were due at 45: overdue.
		d, err := db.Dashboard(nurse, day, chartAt(60))
		must(t, err)
		if len(d.Today) != 2 || d.Today[0].SessionID != s.ID || d.Today[1].SessionID != 0 || d.Today[1].CourseID != c2.ID {
			t.Errorf("today %+v", d.Today)
		}
		if len(d.VitalsDue) != 1 || !d.VitalsDue[0].Summary.VitalsOverdue {
			t.Errorf("vitals due %+v", d.VitalsDue)
		}
		if len(d.OpenAlerts) != 1 || d.OpenAlerts[0].Alert.Alert.Rule != infusion.RuleDesaturation || d.OpenAlerts[0].PatientName == "" {
			t.Errorf("open alerts %+v", d.OpenAlerts)
		}
		// 45 minutes of running at 10 mg/h (125 mL/h of 40 mg in 500 mL) = 7.5 mg.
		if got := float64(d.Today[0].Summary.CumulativeDoseMg); got != 7.5 {
			t.Errorf("cumulative %v mg, want 7.5", got)
		}
		// Patients see no dashboard; the other clinic sees none of this.
		_, err = db.Dashboard(as(f.patientU[0]), day, chartAt(60))
		wantCode(t, err, clinic.EFORBIDDEN)
		other, err := db.Dashboard(as(f.nurse[1]), day, chartAt(60))
		must(t, err)
		if len(other.Today)+len(other.OpenAlerts)+len(other.VitalsDue) != 0 {
			t.Errorf("other clinic's dashboard %+v", other)
		}
	})
}
