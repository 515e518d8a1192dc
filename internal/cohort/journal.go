// Package cohort generates synthetic cohorts shaped like Goldberg's
// outpatient ketamine study (Goldberg et al., Pain Physician 2005; seed
// 003_55ad5919aae10607.txt): daily journals of 40 patients over 10 infusion
// days whose day-1 and day-10 means and standard deviations are the ones
// Goldberg reported, and relief periods whose durations follow Goldberg's
// follow-up. Tests and `serve --demo` use them; they are not patient data.
//
// Everything is seeded: the same configuration and seed give the same
// cohort, row for row.
package cohort

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ketatrack/ketatrack/internal/outcomes"
)

// moment is a reported mean ± standard deviation.
type moment struct{ mean, sd float64 }

// anchor is what Goldberg reported for one journal measure on day 1 (before
// the first infusion) and day 10.
type anchor struct {
	measure      outcomes.Measure
	day1, day10  moment
	reliefScaled bool // the rating runs the other way: more relief, less pain
}

// goldbergAnchors are Goldberg's day-1 → day-10 journal results, mean ± SD,
// as printed in the Results (seed 003_55ad5919aae10607.txt; the same numbers
// are listed in shared/CLINICAL.md, "Patient-reported measures"):
//
//	pain intensity ("initial")  7.54 ± 1.93 → 5.44 ± 2.87
//	worst daily pain            8.77 ± 1.33 → 6.63 ± 2.72
//	least daily pain            5.91 ± 2.19 → 4.24 ± 2.75
//	pain over past 24 hours     7.88 ± 2.02 → 5.5 ± 2.75
//	punishing pain              1.61 ± 1.22 → 0.82 ± 1.13
//	ability to initiate movement 6.4 ± 2.6  → 4.4 ± 3.2
//	overall pain relief                      43.61 ± 27.79 % by day 10
//
// Goldberg gives no figures for the affective, burning and aching ratings:
// the generator leaves those cells empty rather than invent them. Relief on
// day 1 is recorded as 0 %: the day-1 entry is written before the first
// infusion, so there is no treatment relief yet (an assumption of this
// generator, not a reported figure).
var goldbergAnchors = []anchor{
	{outcomes.PainNow, moment{7.54, 1.93}, moment{5.44, 2.87}, false},
	{outcomes.PainWorst, moment{8.77, 1.33}, moment{6.63, 2.72}, false},
	{outcomes.PainLeast, moment{5.91, 2.19}, moment{4.24, 2.75}, false},
	{outcomes.Pain24h, moment{7.88, 2.02}, moment{5.5, 2.75}, false},
	{outcomes.Punishing, moment{1.61, 1.22}, moment{0.82, 1.13}, false},
	{outcomes.Movement, moment{6.4, 2.6}, moment{4.4, 3.2}, false},
	{outcomes.ReliefPct, moment{0, 0}, moment{43.61, 27.79}, true},
}

// Latent correlation of the generator (a modelling choice: Goldberg reports
// no correlations). Each rating is a rounded normal driven by
// u = patientWeight·z_patient + dayWeight·w_patient,day + noiseWeight·e, all
// standard normal, so a patient who starts high tends to stay high (day-to-
// day correlation patientWeight² = 0.64) and a bad day is bad on every
// measure (same-day correlation 0.89). The weights' squares sum to 1, so u is
// standard normal and each day's marginal distribution is exactly the fitted
// one.
const (
	patientWeight = 0.8
	dayWeight     = 0.5
)

var noiseWeight = math.Sqrt(1 - patientWeight*patientWeight - dayWeight*dayWeight)

// JournalConfig configures a Goldberg-like journal.
type JournalConfig struct {
	// Patients is the number of patients (Goldberg: 40).
	Patients int
	// Days is the number of journal days (Goldberg: 10). Days after day 10
	// repeat day 10's distribution: Goldberg reports nothing later.
	Days int
	// Seed chooses the cohort.
	Seed uint64
	// IDPrefix starts every patient identifier ("G" gives G01, G02, …).
	IDPrefix string
}

// GoldbergConfig is Goldberg's cohort: 40 patients, 10 infusion days.
func GoldbergConfig(seed uint64) JournalConfig {
	return JournalConfig{Patients: 40, Days: 10, Seed: seed, IDPrefix: "G"}
}

// Journal generates a journal: one row per patient per day, rows grouped by
// patient and in day order. On day d the ratings of each measure follow a
// rounded normal fitted so that its mean and standard deviation are
// Goldberg's, interpolated linearly from day 1 to day 10 (Goldberg found
// "all of the changes … progressive over the days of infusion"; the day-5
// and day-6 points of the figures are not legible in the seed, so they are
// not used).
func Journal(cfg JournalConfig) ([]outcomes.JournalRow, error) {
	if cfg.Patients < 1 || cfg.Days < 1 || cfg.Days > outcomes.MaxDay {
		return nil, fmt.Errorf("cohort: need at least one patient and 1–%d days, got %d and %d", outcomes.MaxDay, cfg.Patients, cfg.Days)
	}
	// dist[d][a] is anchor a's rating distribution on day d+1 (days past
	// 10 share day 10's).
	fitted := min(cfg.Days, 10)
	dist := make([][]discreteNormal, fitted)
	for d := range dist {
		f := float64(d) / 9 // day 1 → 0, day 10 → 1
		dist[d] = make([]discreteNormal, len(goldbergAnchors))
		for a, an := range goldbergAnchors {
			mean := an.day1.mean + f*(an.day10.mean-an.day1.mean)
			sd := an.day1.sd + f*(an.day10.sd-an.day1.sd)
			top := int(an.measure.Max() / 100)
			dn, err := fitDiscreteNormal(mean, sd, top)
			if err != nil {
				return nil, fmt.Errorf("cohort: %s day %d: %w", an.measure, d+1, err)
			}
			dist[d][a] = dn
		}
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x9e3779b97f4a7c15))
	width := len(fmt.Sprint(cfg.Patients))
	rows := make([]outcomes.JournalRow, 0, cfg.Patients*cfg.Days)
	for p := 1; p <= cfg.Patients; p++ {
		id := fmt.Sprintf("%s%0*d", cfg.IDPrefix, max(width, 2), p)
		z := rng.NormFloat64()
		for day := 1; day <= cfg.Days; day++ {
			w := rng.NormFloat64()
			row := outcomes.NewJournalRow(id, day)
			for a, an := range goldbergAnchors {
				shared := patientWeight*z + dayWeight*w
				if an.reliefScaled {
					shared = -shared
				}
				u := shared + noiseWeight*rng.NormFloat64()
				v := dist[min(day, fitted)-1][a].value(u)
				row.Scores[an.measure] = outcomes.ScoreOf(v)
			}
			rows = append(rows, row)
		}
	}
	return rows, nil
}
