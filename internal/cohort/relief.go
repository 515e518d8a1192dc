package cohort

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/ketatrack/ketatrack/internal/survival"
)

// reliefGroup is one of Goldberg's follow-up groups: a share of the cohort
// and the range of days after the course over which its relief ended, or
// censoring at the end of follow-up when relapse is false.
type reliefGroup struct {
	share        int // of 40
	firstDay     int
	lastDay      int
	relapse      bool
	followMonths int // censoring time for relapse = false
	what         string
}

// goldbergFollowUp is Goldberg's follow-up after the 10-day course (seed
// 003_55ad5919aae10607.txt, Discussion): "four patients (10%) had a return
// of 'worst' and 'punishing' pain to pre-infusion levels by two weeks post
// treatment. Twenty-five patients (62%) had at least a 70% reduction of
// 'worst' and 'punishing' pain for six weeks and were back to baseline pain
// levels by nine weeks post treatment. Eight patients (20%) had a >70%
// reduction in those same pain measures for 11-12 weeks. Three patients
// remain CRPS free at 15 months following treatment." Relief here is
// Goldberg's: at least 70 % reduction of worst and punishing pain. Within a
// group's range the day relief ended is drawn uniformly: Goldberg gives the
// ranges only.
var goldbergFollowUp = []reliefGroup{
	{share: 4, firstDay: 1, lastDay: 14, relapse: true, what: "back to baseline by 2 weeks"},
	{share: 25, firstDay: 42, lastDay: 63, relapse: true, what: "≥ 70 % relief for 6 weeks, baseline by 9 weeks"},
	{share: 8, firstDay: 77, lastDay: 84, relapse: true, what: "> 70 % relief for 11–12 weeks"},
	{share: 3, relapse: false, followMonths: 15, what: "free of CRPS at 15 months (censored)"},
}

// ReliefConfig configures Goldberg-like relief periods.
type ReliefConfig struct {
	// Patients is the number of patients (Goldberg: 40); the groups are
	// allotted in Goldberg's proportions 4 : 25 : 8 : 3 by largest
	// remainder and shuffled among the patients.
	Patients int
	// Seed chooses the cohort.
	Seed uint64
	// Start is the day the first patient's course ended (relief starts).
	Start time.Time
	// EnrolmentDays spreads the patients' start days uniformly over this
	// many days after Start (0: all start on Start). Goldberg does not
	// report enrolment dates; this only makes a demo calendar look real.
	EnrolmentDays int
	// IDPrefix starts every patient identifier ("G" gives G01, G02, …).
	IDPrefix string
}

// GoldbergReliefConfig is Goldberg's cohort of 40, relief starting on start.
func GoldbergReliefConfig(seed uint64, start time.Time) ReliefConfig {
	return ReliefConfig{Patients: 40, Seed: seed, Start: start, IDPrefix: "G"}
}

// Relief generates one relief period per patient, in patient order.
func Relief(cfg ReliefConfig) ([]survival.Period, error) {
	if cfg.Patients < 1 || cfg.EnrolmentDays < 0 {
		return nil, fmt.Errorf("cohort: need at least one patient and a non-negative enrolment span, got %d and %d", cfg.Patients, cfg.EnrolmentDays)
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x5851f42d4c957f2d))
	groups := allot(cfg.Patients)
	rng.Shuffle(len(groups), func(i, j int) { groups[i], groups[j] = groups[j], groups[i] })
	start := time.Date(cfg.Start.Year(), cfg.Start.Month(), cfg.Start.Day(), 0, 0, 0, 0, time.UTC)
	width := len(fmt.Sprint(cfg.Patients))
	periods := make([]survival.Period, cfg.Patients)
	for i, g := range groups {
		s := start
		if cfg.EnrolmentDays > 0 {
			s = s.AddDate(0, 0, rng.IntN(cfg.EnrolmentDays+1))
		}
		p := survival.Period{Patient: fmt.Sprintf("%s%0*d", cfg.IDPrefix, max(width, 2), i+1), Start: s, Relapsed: g.relapse}
		if g.relapse {
			p.End = s.AddDate(0, 0, g.firstDay+rng.IntN(g.lastDay-g.firstDay+1))
		} else {
			p.End = s.AddDate(0, g.followMonths, 0)
		}
		periods[i] = p
	}
	return periods, nil
}

// allot returns n group assignments in Goldberg's proportions, by largest
// remainder (40 patients give exactly 4, 25, 8 and 3).
func allot(n int) []reliefGroup {
	total := 0
	for _, g := range goldbergFollowUp {
		total += g.share
	}
	counts := make([]int, len(goldbergFollowUp))
	rem := make([]int, len(goldbergFollowUp))
	given := 0
	for i, g := range goldbergFollowUp {
		counts[i] = n * g.share / total
		rem[i] = n * g.share % total
		given += counts[i]
	}
	for ; given < n; given++ {
		best := 0
		for i := range rem {
			if rem[i] > rem[best] {
				best = i
			}
		}
		counts[best]++
		rem[best] = -1
	}
	out := make([]reliefGroup, 0, n)
	for i, g := range goldbergFollowUp {
		for range counts[i] {
			out = append(out, g)
		}
	}
	return out
}
