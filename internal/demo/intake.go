package demo

import (
	"context"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/crps"
	"github.com/ketatrack/ketatrack/internal/screening"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/units"
)

// Demo intake, CRPS diagnosis and screening (issue 7) for the first eight
// demo patients: fictional but plausible. Inciting events follow the order
// of seed 002's shares (fractures most often); opioid regimens are common
// ones whose MME/day the CDC 2022 worked examples check (oxycodone 10 mg
// twice a day = 30, hydrocodone 5 mg four times a day = 20). The nurse
// records intakes and screenings; the clinician diagnoses and decides.

func init() { AddStep("intake, diagnosis, screening", loadWorkup) }

// demoWorkup is one demo patient's workup.
type demoWorkup struct {
	weight, height string
	event          crps.IncitingEvent
	limbs          []crps.Limb
	onsetMonths    int // months before today
	meds           []clinic.MedicationForm
	prior          []crps.PriorTreatment
	// Budapest: symptoms and signs present; nerve injury confirmed.
	symptoms, signs []string
	nerve           crps.Answer
	css             int // CSS-16 items present (the first n), 0: not scored
	// Screening: liver risk (needs liver tests), and the LFT state.
	liverRisk, lftDone bool
	decide             bool
}

var (
	oxy10bid = clinic.MedicationForm{Name: "OxyContin", Opioid: &clinic.OpioidForm{Opioid: "oxycodone", Route: "oral", DoseEach: "10mg", TimesPerDay: 2}}
	hydro5   = clinic.MedicationForm{Name: "Norco 5/325", Opioid: &clinic.OpioidForm{Opioid: "hydrocodone", Route: "oral", DoseEach: "5mg", TimesPerDay: 4}}
	tram50   = clinic.MedicationForm{Name: "tramadol", Opioid: &clinic.OpioidForm{Opioid: "tramadol", Route: "oral", DoseEach: "50mg", TimesPerDay: 3}}
	fent25   = clinic.MedicationForm{Name: "Duragesic", Opioid: &clinic.OpioidForm{Opioid: "fentanyl", Route: "transdermal", PatchRate: "25mcg/h"}}
	bup10    = clinic.MedicationForm{Name: "Butrans", Opioid: &clinic.OpioidForm{Opioid: "buprenorphine", Route: "transdermal", PatchRate: "10mcg/h"}}
	gaba     = clinic.MedicationForm{Name: "gabapentin", Dose: "300 mg three times a day"}
	amitrip  = clinic.MedicationForm{Name: "amitriptyline", Dose: "25 mg at night"}
)

// Budapest presentations: full (4 symptom and 3 sign categories) and
// clinical-only (3 symptom categories, 2 sign categories).
var (
	fullSymptoms = []string{"symptom.allodynia", "symptom.temperature_asymmetry", "symptom.skin_colour_changes", "symptom.oedema", "symptom.sweating_changes", "symptom.decreased_range_of_motion", "symptom.trophic_nail"}
	fullSigns    = []string{"sign.allodynia_light_touch", "sign.hyperalgesia_pinprick", "sign.temperature_asymmetry", "sign.oedema"}
	clinSymptoms = []string{"symptom.hyperesthesia", "symptom.skin_colour_asymmetry", "symptom.weakness"}
	clinSigns    = []string{"sign.allodynia_deep_pressure", "sign.decreased_range_of_motion"}
)

var demoWorkups = []demoWorkup{
	{weight: "68kg", height: "164cm", event: crps.Fracture, limbs: []crps.Limb{crps.LeftUpper}, onsetMonths: 14,
		meds: []clinic.MedicationForm{oxy10bid, gaba}, prior: []crps.PriorTreatment{{Treatment: "physical_therapy", Relief: crps.ReliefUpTo8Weeks},
			{Treatment: "anticonvulsants", Relief: crps.ReliefNone}, {Treatment: "superior_cervical_block", Relief: crps.ReliefUpTo8Weeks}},
		symptoms: fullSymptoms, signs: fullSigns, nerve: crps.No, css: 13, decide: true},
	{weight: "154lb", height: "170cm", event: crps.BluntTrauma, limbs: []crps.Limb{crps.RightLower}, onsetMonths: 9,
		meds: []clinic.MedicationForm{hydro5, amitrip}, prior: []crps.PriorTreatment{{Treatment: "physical_therapy", Relief: crps.ReliefNone},
			{Treatment: "tricyclic_antidepressants", Relief: crps.ReliefUpTo8Weeks}, {Treatment: "nsaids", Relief: crps.ReliefNone}},
		symptoms: clinSymptoms, signs: clinSigns, nerve: crps.No, css: 9, decide: true},
	{weight: "81.5kg", height: "158cm", event: crps.Surgery, limbs: []crps.Limb{crps.RightUpper}, onsetMonths: 20,
		meds: []clinic.MedicationForm{fent25, gaba}, prior: []crps.PriorTreatment{{Treatment: "epidural_block", Relief: crps.ReliefOver8Weeks},
			{Treatment: "dorsal_column_stimulation", Relief: crps.ReliefUpTo8Weeks}, {Treatment: "opioids", Relief: crps.ReliefUpTo8Weeks}},
		symptoms: fullSymptoms, signs: fullSigns, nerve: crps.Yes, css: 14, liverRisk: true, lftDone: true, decide: true},
	{weight: "59kg", height: "167cm", event: crps.CarpalTunnel, limbs: []crps.Limb{crps.LeftUpper}, onsetMonths: 7,
		meds: []clinic.MedicationForm{tram50}, prior: []crps.PriorTreatment{{Treatment: "physical_therapy", Relief: crps.ReliefUpTo8Weeks}},
		symptoms: clinSymptoms, signs: clinSigns, nerve: crps.No, css: 8, liverRisk: true, decide: true},
	{weight: "74kg", height: "161cm", event: crps.Fracture, limbs: []crps.Limb{crps.LeftLower}, onsetMonths: 30,
		meds: []clinic.MedicationForm{bup10, gaba}, prior: []crps.PriorTreatment{{Treatment: "paravertebral_block", Relief: crps.ReliefUpTo8Weeks},
			{Treatment: "other", Description: "mirror therapy", Relief: crps.ReliefUnknown}},
		symptoms: fullSymptoms, signs: fullSigns, nerve: crps.No, css: 12},
	{weight: "63kg", height: "172cm", event: crps.Fracture, limbs: []crps.Limb{crps.RightUpper, crps.LeftUpper}, onsetMonths: 11,
		meds: []clinic.MedicationForm{oxy10bid}, prior: []crps.PriorTreatment{{Treatment: "physical_therapy", Relief: crps.ReliefUpTo8Weeks}},
		symptoms: fullSymptoms, signs: clinSigns, nerve: crps.No, css: 11},
	{weight: "88kg", height: "176cm", event: crps.Surgery, limbs: []crps.Limb{crps.RightLower}, onsetMonths: 5},
	{weight: "91kg", height: "183cm", event: crps.BluntTrauma, limbs: []crps.Limb{crps.LeftLower}, onsetMonths: 16,
		meds: []clinic.MedicationForm{hydro5, gaba}},
}

func actorOf(u *clinic.User) context.Context {
	return clinic.NewContext(context.Background(), &clinic.Actor{UserID: u.ID, ClinicID: u.ClinicID, Login: u.Login, Name: u.Name, Role: u.Role})
}

func loadWorkup(_ context.Context, db *store.DB, r *Result, rng *mrand.Rand) error {
	nurse, doc := actorOf(r.Users[clinic.RoleNurse]), actorOf(r.Users[clinic.RoleClinician])
	now := db.Now().UTC()
	today := clinic.DateOf(now)
	for i, w := range demoWorkups {
		if i >= len(r.Patients) {
			break
		}
		p := r.Patients[i]
		firstVisit := now.AddDate(0, 0, -28-rng.IntN(14)).Truncate(time.Minute)
		in, err := w.intake(firstVisit, today, now)
		if err != nil {
			return fmt.Errorf("intake of %s: %w", p.MRN, err)
		}
		if _, err := db.SaveIntake(nurse, p.ID, in); err != nil {
			return fmt.Errorf("intake of %s: %w", p.MRN, err)
		}
		// A second weight a week later: the history shows the change.
		if i < 4 {
			// In tenths of a kg, so the weight prints as a clinic scale shows it.
			tenths := int(math.Round(in.Weight.Kilograms()*10)) - 5 - rng.IntN(10)
			if _, err := db.RecordWeight(nurse, p.ID, units.Kilograms(float64(tenths)/10), clinic.Measurement{MeasuredAt: firstVisit.AddDate(0, 0, 7), Note: "weighed in clinic"}); err != nil {
				return fmt.Errorf("weight of %s: %w", p.MRN, err)
			}
		}
		dx := w.diagnosis(firstVisit)
		if dx == nil {
			continue
		}
		if _, err := db.SaveDiagnosis(doc, p.ID, *dx); err != nil {
			return fmt.Errorf("diagnosis of %s: %w", p.MRN, err)
		}
		sf := clinic.ScreeningForm{Conditions: map[string]screening.Answer{}, CardiovascularRisk: screening.No,
			LiverRisk: screening.No, RepeatedInfusions: screening.Yes, HighDoseFrequent: screening.No, MultiDayContinuous: screening.No,
			Vitals: clinic.VitalsForm{MeasuredAt: firstVisit.Add(20 * time.Minute).Format(time.RFC3339),
				HeartRateBPM: float64(64 + rng.IntN(20)), SystolicMmHg: float64(112 + rng.IntN(20)), DiastolicMmHg: float64(70 + rng.IntN(12)),
				SpO2Percent: float64(96 + rng.IntN(4)), RespiratoryRatePerMin: float64(12 + rng.IntN(5))}}
		for _, c := range screening.Conditions {
			sf.Conditions[c.ID] = screening.No
		}
		if w.liverRisk {
			sf.LiverRisk = screening.Yes
			if w.lftDone {
				sf.Tests = []screening.TestRecord{{Test: screening.LiverFunction, Status: screening.Resulted,
					Date: clinic.DateOf(firstVisit).String(), Result: screening.Normal, Note: "ALT 24 U/L, AST 21 U/L, bilirubin normal"}}
			} else {
				sf.Tests = []screening.TestRecord{{Test: screening.LiverFunction, Status: screening.Ordered}}
			}
		}
		sin, err := sf.Parse(time.UTC, now)
		if err != nil {
			return fmt.Errorf("screening of %s: %w", p.MRN, err)
		}
		sc, err := db.SaveScreening(nurse, p.ID, sin)
		if err != nil {
			return fmt.Errorf("screening of %s: %w", p.MRN, err)
		}
		if !w.decide {
			continue
		}
		dec := clinic.DecisionInput{Verdict: screening.Proceed, Reason: "No contraindication; baseline vitals normal. Fit for the outpatient course."}
		for _, f := range sc.Result.NeedsOverride {
			dec.Overrides = append(dec.Overrides, screening.Override{FindingID: f.ID,
				Reason: "Liver tests drawn at this visit; results reviewed before the second infusion."})
		}
		if _, err := db.DecideScreening(doc, sc.ID, dec); err != nil {
			return fmt.Errorf("screening decision of %s: %w", p.MRN, err)
		}
	}
	return nil
}

// intake is the workup's intake form as the nurse enters it at the first
// visit, parsed as the intake page parses it.
func (w demoWorkup) intake(firstVisit time.Time, today clinic.Date, now time.Time) (clinic.IntakeInput, error) {
	form := clinic.IntakeForm{Weight: w.weight, Height: w.height, MeasuredAt: firstVisit.Format(time.RFC3339),
		Presentation: crps.Presentation{IncitingEvent: w.event, AffectedLimbs: w.limbs, Onset: today.AddDays(-30 * w.onsetMonths).String()},
		Medications:  w.meds, PriorTreatments: w.prior}
	return form.Parse(time.UTC, now)
}

// diagnosis is the clinician's Budapest assessment (with a CSS when the
// workup scores one) at the first visit; nil for a workup not yet diagnosed.
func (w demoWorkup) diagnosis(firstVisit time.Time) *clinic.DiagnosisInput {
	if w.symptoms == nil {
		return nil
	}
	dx := &clinic.DiagnosisInput{
		Assessment: crps.Assessment{DisproportionatePain: crps.Yes, OtherDiagnosisExplains: crps.No, Symptoms: w.symptoms, Signs: w.signs},
		History:    crps.History{NerveInjuryConfirmed: w.nerve},
		AssessedOn: clinic.DateOf(firstVisit).String(),
	}
	if w.css > 0 {
		dx.Severity = cssWith(w.css)
	}
	return dx
}

// cssWith answers every CSS-16 item, present for the first n.
func cssWith(n int) *crps.SeverityInput {
	in := &crps.SeverityInput{Version: crps.CSS16, Items: map[string]crps.ItemState{}}
	for i, it := range crps.SeverityForms[crps.CSS16].Items {
		in.Items[it.ID] = crps.Absent
		if i < n {
			in.Items[it.ID] = crps.Present
		}
	}
	return in
}
