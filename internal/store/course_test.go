package store_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// goldbergInput is Goldberg et al. 2005 (seeds/003_55ad5919aae10607.txt) for
// a 71 kg patient, with the two details the paper leaves out filled by the
// clinician: +5 mg per infusion and midazolam IV (the protocol file's
// choices). Day 1 is 40 mg over 4 h (10 mg/h), from the paper's Methods.
func goldbergInput() clinic.PlanInput {
	return clinic.PlanInput{ProtocolID: "goldberg-2005", Weight: "71kg", StartDate: clinic.Date{Year: 2026, Month: 3, Day: 2},
		Settings: map[string]string{"daily-step": "+5mg", "midazolam-route": "IV"}}
}

// clinicians adds a clinician to each clinic of the fixture.
func clinicians(t *testing.T, db *store.DB, f *fixture) [2]*clinic.User {
	t.Helper()
	var out [2]*clinic.User
	for i, c := range f.clinics {
		u := &clinic.User{ClinicID: c.ID, Login: "clin@" + c.Name[len("Clinic "):], Name: "Dr " + c.Name, Role: clinic.RoleClinician}
		must(t, db.CreateUser(sys(), u, testPassword))
		out[i] = u
	}
	return out
}

func TestCoursePlanVersions(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		clin := clinicians(t, db, f)
		doc, nurse := as(clin[0]), as(f.nurse[0])
		pat := f.patients[0][0]

		// Only a clinician plans a course.
		_, err := db.CreateCourse(nurse, pat.ID, "", goldbergInput())
		wantCode(t, err, clinic.EFORBIDDEN)
		// The other clinic's clinician does not even find the patient.
		_, err = db.CreateCourse(as(clin[1]), pat.ID, "", goldbergInput())
		wantCode(t, err, clinic.ENOTFOUND)

		// Bad input names the field and stores nothing.
		for _, c := range []struct {
			mutate func(*clinic.PlanInput)
			field  string
		}{
			{func(in *clinic.PlanInput) { in.Weight = "71" }, "weight"},                               // no unit
			{func(in *clinic.PlanInput) { delete(in.Settings, "daily-step") }, "settings.daily-step"}, // unspecified, not filled
			{func(in *clinic.PlanInput) { in.Bag = "0.08mg/mL" }, "bag"},                              // a concentration, not a bag
			{func(in *clinic.PlanInput) { in.ProtocolID = "no-such" }, "protocol_id"},
			{func(in *clinic.PlanInput) { in.StartDate = clinic.Date{} }, "start_date"},
		} {
			in := goldbergInput()
			c.mutate(&in)
			_, err := db.CreateCourse(doc, pat.ID, "", in)
			wantCode(t, err, clinic.EINVALID)
			if got := clinic.ErrorField(err); got != c.field {
				t.Errorf("field %q, want %q (%v)", got, c.field, err)
			}
		}
		list, err := db.FindCourses(doc, clinic.CourseFilter{})
		must(t, err)
		if len(list) != 0 {
			t.Fatalf("%d courses stored by refused requests", len(list))
		}

		c, err := db.CreateCourse(doc, pat.ID, "", goldbergInput())
		must(t, err)
		v1 := c.Latest()
		if v1.Version != 1 || v1.Status != clinic.PlanDraft || len(v1.Plan.Days) != 10 {
			t.Fatalf("version %+v", v1)
		}
		// Day 1: 40 mg over 240 min at 10 mg/h (003 Methods); +5 mg a day
		// (the clinician's choice) gives 45 mg on day 2, 80 mg on day 9
		// (40 + 8 × 5) and day 10 capped at the paper's 80 mg maximum.
		wantMg := []float64{40, 45, 50, 55, 60, 65, 70, 75, 80, 80}
		for i, d := range v1.Plan.Days {
			if d.SessionMg != wantMg[i] {
				t.Errorf("day %d: %v mg, want %v", d.Day, d.SessionMg, wantMg[i])
			}
		}
		if d := v1.Plan.Days[0]; d.Steps[0].MgPerH != 10 || d.Steps[0].DurationMin != 240 || d.Date != (clinic.Date{Year: 2026, Month: 3, Day: 2}) {
			t.Errorf("day 1 %+v", d)
		}
		// Ten weekdays from Monday 2 March 2026: day 6 is Monday 9 March.
		if got := v1.Plan.Days[5].Date; got != (clinic.Date{Year: 2026, Month: 3, Day: 9}) {
			t.Errorf("day 6 on %s, want 2026-03-09", got)
		}

		// A draft can be edited in place; a nurse cannot.
		in := goldbergInput()
		in.Settings["daily-step"] = "linear"
		_, err = db.UpdateDraft(nurse, c.ID, 1, in, "", 0)
		wantCode(t, err, clinic.EFORBIDDEN)
		v1b, err := db.UpdateDraft(doc, c.ID, 1, in, "", 0)
		must(t, err)
		if v1b.Plan.Filled["daily-step"] != "linear" || v1b.Plan.CourseMg != 600 {
			// linear 40 → 80 mg over 10 infusions: mean 60 mg × 10 = 600 mg.
			t.Errorf("edited draft: filled %v, course %v mg", v1b.Plan.Filled, v1b.Plan.CourseMg)
		}

		// Only a clinician signs.
		_, err = db.SignPlan(nurse, c.ID, 1, 0)
		wantCode(t, err, clinic.EFORBIDDEN)
		signed, err := db.SignPlan(doc, c.ID, 1, 0)
		must(t, err)
		// as() carries no display name, so the login stands for it.
		if signed.Status != clinic.PlanSigned || signed.SignedByName != clin[0].Login || signed.SignedAt.IsZero() {
			t.Fatalf("signed %+v", signed)
		}
		_, err = db.SignPlan(doc, c.ID, 1, 0)
		wantCode(t, err, clinic.ECONFLICT)

		// A signed version is never changed: the API refuses, naming the
		// version, and the database refuses a raw UPDATE too.
		_, err = db.UpdateDraft(doc, c.ID, 1, goldbergInput(), "try", 0)
		wantCode(t, err, clinic.ECONFLICT)
		if clinic.ErrorField(err) != "version" {
			t.Errorf("field %q", clinic.ErrorField(err))
		}
		for _, q := range []string{
			`UPDATE plan_versions SET plan_json = '{}' WHERE status = 'signed'`,
			`DELETE FROM plan_versions WHERE status = 'signed'`,
		} {
			if err := db.ExecRaw(context.Background(), q); err == nil {
				t.Errorf("%s: accepted", q)
			}
		}
		again, err := db.FindCourseByID(doc, c.ID)
		must(t, err)
		if a, b := mustJSON(t, again.Version(1)), mustJSON(t, signed); a != b {
			t.Errorf("signed version changed:\n%s\n%s", a, b)
		}

		// A change after signing is a new version with a reason.
		in2 := goldbergInput()
		in2.Weight = "154lb"
		_, err = db.ReviseCourse(doc, c.ID, in2, "", 0)
		wantCode(t, err, clinic.EINVALID)
		v2, err := db.ReviseCourse(doc, c.ID, in2, "weight re-measured", 0)
		must(t, err)
		if v2.Version != 2 || v2.Status != clinic.PlanDraft || v2.Plan.Weight != "154lb" {
			t.Errorf("v2 %+v", v2)
		}
		got, err := db.FindCourseByID(doc, c.ID)
		must(t, err)
		if len(got.Versions) != 2 || got.Current().Version != 1 || got.Latest().Version != 2 {
			t.Errorf("versions %d, current %d, latest %d", len(got.Versions), got.Current().Version, got.Latest().Version)
		}
		// Only the latest version can be signed.
		_, err = db.SignPlan(doc, c.ID, 1, 0)
		wantCode(t, err, clinic.ECONFLICT)

		// Reads: staff of the clinic, the patient themself; not others.
		if _, err := db.FindCourseByID(nurse, c.ID); err != nil {
			t.Errorf("nurse reads course: %v", err)
		}
		if _, err := db.FindCourseByID(as(f.patientU[0]), c.ID); err != nil {
			t.Errorf("patient reads own course: %v", err)
		}
		_, err = db.FindCourseByID(as(f.nurse[1]), c.ID)
		wantCode(t, err, clinic.ENOTFOUND)
		mine, err := db.FindCourses(as(f.patientU[1]), clinic.CourseFilter{})
		must(t, err)
		if len(mine) != 0 {
			t.Errorf("other clinic's patient sees %d courses", len(mine))
		}

		// Every change is audited: course, version 1, its edit, the signature, version 2.
		entries, err := db.FindAuditEntries(as(f.admin[0]), clinic.AuditFilter{PatientID: pat.ID})
		must(t, err)
		var actions []string
		for i := len(entries) - 1; i >= 0; i-- {
			if e := entries[i]; e.Entity == "course" || e.Entity == "plan_version" {
				actions = append(actions, e.Entity+":"+e.Action)
			}
		}
		want := []string{"course:create", "plan_version:create", "plan_version:update", "plan_version:sign", "plan_version:create"}
		if mustJSON(t, actions) != mustJSON(t, want) {
			t.Errorf("audit %v, want %v", actions, want)
		}
	})
}

// Limits of the drug library: a plan over a hard limit is refused, one over
// a soft limit needs the clinician's reason.
func TestCoursePlanLimits(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		doc := as(clinicians(t, db, f)[0])
		pat := f.patients[0][1]
		// Puchalski 2016, 1.5 mg/kg/h (001) planned outpatient at 70 kg:
		// above the outpatient soft maximum of 1.0 mg/kg/h, below the hard
		// 2.0 mg/kg/h (shared/CLINICAL.md, default drug-library limits).
		soft := clinic.PlanInput{ProtocolID: "puchalski-2016", Weight: "70kg", CareArea: "outpatient", StartDate: clinic.Date{Year: 2026, Month: 4, Day: 6}}
		_, err := db.CreateCourse(doc, pat.ID, "", soft)
		wantCode(t, err, clinic.EINVALID)
		if clinic.ErrorField(err) != "acknowledgement" {
			t.Errorf("soft limit field %q: %v", clinic.ErrorField(err), err)
		}
		soft.Acknowledgement = "refractory CRPS, monitored chair, physician present"
		c, err := db.CreateCourse(doc, pat.ID, "", soft)
		must(t, err)
		if c.Latest().Plan.Status != "soft_limit" || c.Latest().Plan.Acknowledged == "" {
			t.Errorf("plan status %q ack %q", c.Latest().Plan.Status, c.Latest().Plan.Acknowledged)
		}
		// Kiefer 2008's 1 mg/kg induction bolus outside the ICU: over the
		// outpatient hard maximum of 0.5 mg/kg (CLINICAL.md), refused even
		// with a reason.
		hard := clinic.PlanInput{ProtocolID: "kiefer-2008-anesthetic", Weight: "70kg", CareArea: "outpatient",
			StartDate: clinic.Date{Year: 2026, Month: 4, Day: 6}, Acknowledgement: "I insist",
			Settings: map[string]string{"induction-bolus": "1mg/kg", "daily-step": "linear"}}
		_, err = db.ReviseCourse(doc, c.ID, hard, "", 0)
		wantCode(t, err, clinic.EINVALID)
		if clinic.ErrorField(err) != "plan" {
			t.Errorf("hard limit field %q", clinic.ErrorField(err))
		}
		got, err := db.FindCourseByID(doc, c.ID)
		must(t, err)
		if len(got.Versions) != 1 {
			t.Errorf("%d versions after a refused revision", len(got.Versions))
		}
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	must(t, err)
	return string(b)
}
