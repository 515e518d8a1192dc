package clinic_test

import (
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // embedded zone database: the test does not depend on the machine

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/crps"
	"github.com/ketatrack/ketatrack/internal/units"
)

// Heights as written, in cm: 1 in = 2.54 cm exactly (international yard
// and pound agreement, 1959); 1 m = 100 cm.
func TestParseBodyHeight(t *testing.T) {
	in65, m165 := 65.0, 1.65 // variables: products rounded as float64, as the code computes them
	ok := []struct {
		text string
		cm   float64
		str  string
	}{
		{"165cm", 165, "165cm"},
		{"165 cm", 165, "165cm"},
		{"1.65m", m165 * 100, "1.65m"},
		{"65in", in65 * 2.54, "65in"},
		{"65 IN", in65 * 2.54, "65in"},
		{"54.6cm", 54.6, "54.6cm"}, // the shortest adult ever measured (Guinness): accepted
		{"272cm", 272, "272cm"},    // the tallest person ever (Wadlow, Guinness): accepted
	}
	for _, c := range ok {
		h, err := clinic.ParseBodyHeight("height", c.text)
		if err != nil {
			t.Errorf("%q: %v", c.text, err)
			continue
		}
		if h.Centimetres() != c.cm || h.String() != c.str {
			t.Errorf("%q = %v cm %q, want %v cm %q", c.text, h.Centimetres(), h.String(), c.cm, c.str)
		}
	}
	bad := []struct{ text, why string }{
		{"165", "without a unit"},
		{"", "empty"},
		{"5ft", "not accepted"},
		{"5'6\"", "not accepted"},
		{"1,65m", "not accepted"},
		{".5m", "does not start with a number"},
		{"165.cm", "trailing decimal point"},
		{"-165cm", "does not start with a number"},
		{"1e2cm", "not accepted"},
		{"16.5m", "outside the heights ever measured"},
		{"54.5cm", "outside the heights ever measured"},
		{"165mm", "not accepted"},
	}
	for _, c := range bad {
		_, err := clinic.ParseBodyHeight("height", c.text)
		if clinic.ErrorField(err) != "height" || !strings.Contains(clinic.ErrorMessage(err), c.why) {
			t.Errorf("%q: error %v, want one on height saying %q", c.text, err, c.why)
		}
	}
}

func FuzzParseBodyHeight(f *testing.F) {
	for _, s := range []string{"165cm", "1.65m", "65in", "165", "0cm", "999999999999m", "1.2.3cm", " 70 cm "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := clinic.ParseBodyHeight("height", s)
		if err != nil {
			if clinic.ErrorCode(err) != clinic.EINVALID || clinic.ErrorField(err) != "height" {
				t.Fatalf("%q: error %v is not EINVALID on height", s, err)
			}
			return
		}
		cm := h.Centimetres()
		if cm < clinic.MinHeightCm || cm > clinic.MaxHeightCm {
			t.Fatalf("%q accepted as %v cm", s, cm)
		}
		again, err := clinic.ParseBodyHeight("height", h.String())
		if err != nil || again != h {
			t.Fatalf("%q: String %q does not parse back (%v)", s, h.String(), err)
		}
	})
}

func TestCheckWeight(t *testing.T) {
	for _, c := range []struct {
		text string
		ok   bool
	}{
		{"70kg", true}, {"154lb", true}, {"245g", true}, {"635kg", true},
		{"70g", false},    // 70 g: the classic unit error for 70 kg
		{"244g", false},   // below the smallest surviving newborn (245 g, Tiniest Babies Registry)
		{"636kg", false},  // above the heaviest person recorded (about 635 kg, Guinness)
		{"1500lb", false}, // 680 kg
	} {
		w, err := units.ParseBodyWeight("weight", c.text)
		if err != nil {
			t.Fatal(err)
		}
		err = clinic.CheckWeight("weight", w)
		if (err == nil) != c.ok {
			t.Errorf("%s: %v", c.text, err)
		}
	}
}

func TestParseTime(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatalf("time zone: %v", err)
	}
	now := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		in   string
		want time.Time
	}{
		{"", now},
		{"2026-03-02T09:30", time.Date(2026, 3, 2, 14, 30, 0, 0, time.UTC)}, // EST is UTC−5 in March before the switch
		{"2026-03-02 09:30", time.Date(2026, 3, 2, 14, 30, 0, 0, time.UTC)},
		{"2026-03-02T09:30:00Z", time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)},
	} {
		got, err := clinic.ParseTime("at", c.in, ny, now)
		if err != nil || !got.Equal(c.want) {
			t.Errorf("%q: %v %v, want %v", c.in, got, err, c.want)
		}
	}
	for _, s := range []string{"02/03/2026 09:30", "09:30", "2026-03-02"} {
		if _, err := clinic.ParseTime("at", s, ny, now); clinic.ErrorField(err) != "at" {
			t.Errorf("%q accepted (%v)", s, err)
		}
	}
}

// Errors of an intake form name the field by the API's path.
func TestIntakeFormErrorsNameTheField(t *testing.T) {
	now := time.Now()
	base := func() clinic.IntakeForm {
		return clinic.IntakeForm{Weight: "70kg",
			Presentation: crps.Presentation{IncitingEvent: crps.Fracture, AffectedLimbs: []crps.Limb{crps.LeftUpper}},
			Medications: []clinic.MedicationForm{{Name: "x", Opioid: &clinic.OpioidForm{Opioid: "morphine", Route: "oral", DoseEach: "10mg", TimesPerDay: 3}},
				{Name: "patch", Opioid: &clinic.OpioidForm{Opioid: "fentanyl", Route: "transdermal", PatchRate: "25mcg/h"}}}}
	}
	p := &clinic.Patient{BirthDate: clinic.Date{Year: 1980, Month: 1, Day: 1}}
	in, err := base().Parse(time.UTC, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Validate(p, clinic.DateOf(now), now); err != nil {
		t.Fatal(err)
	}
	// Morphine 10 mg × 3 = 30 MME/day (factor 1); fentanyl 25 mcg/h × 2.4 = 60 (CDC 2022).
	s, err := in.Summarize()
	if err != nil || s.TotalMMEPerDay != 90 || !s.Complete {
		t.Errorf("summary %+v %v", s, err)
	}
	for _, c := range []struct {
		edit  func(*clinic.IntakeForm)
		field string
	}{
		{func(f *clinic.IntakeForm) { f.Weight = "70" }, "weight"},
		{func(f *clinic.IntakeForm) { f.Weight = "70g" }, "weight"},
		{func(f *clinic.IntakeForm) { f.Height = "5ft" }, "height"},
		{func(f *clinic.IntakeForm) { f.MeasuredAt = "yesterday" }, "measured_at"},
		{func(f *clinic.IntakeForm) { f.Medications[0].Opioid.DoseEach = "10" }, "medications[0].opioid.dose_each"},
		{func(f *clinic.IntakeForm) { f.Medications[1].Opioid.PatchRate = "0.025mg/h" }, "medications[1].opioid.patch_rate"},
		{func(f *clinic.IntakeForm) { f.Medications[0].Name = "" }, "medications[0].name"},
		{func(f *clinic.IntakeForm) { f.Medications[0].Dose = "also 5 mg" }, "medications[0].dose"},
		{func(f *clinic.IntakeForm) { f.Presentation.Onset = "1979-12-31" }, "presentation.onset"},
		{func(f *clinic.IntakeForm) { f.Presentation.Onset = "01/02/2020" }, "presentation.onset"},
		{func(f *clinic.IntakeForm) { f.Presentation.IncitingEvent = crps.OtherEvent }, "presentation.inciting_event_other"},
		{func(f *clinic.IntakeForm) {
			f.PriorTreatments = []crps.PriorTreatment{{Treatment: "nsaids", Relief: crps.ReliefNone}, {Treatment: "nsaids", Relief: crps.ReliefNone}}
		}, "prior_treatments[1].treatment"},
	} {
		f := base()
		c.edit(&f)
		in, err := f.Parse(time.UTC, now)
		if err == nil {
			err = in.Validate(p, clinic.DateOf(now), now)
		}
		if clinic.ErrorCode(err) != clinic.EINVALID || clinic.ErrorField(err) != c.field {
			t.Errorf("want EINVALID on %s, got %v (field %q)", c.field, err, clinic.ErrorField(err))
		}
	}
}
