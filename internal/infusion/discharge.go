package infusion

import (
	"fmt"
	"time"
)

// DischargeAssessment is the nurse's part of the discharge scores: the items
// a monitor cannot measure. Each item is scored 0, 1 or 2 as its comment
// says; blood pressure, heart rate and SpO2 come from the last charted
// vitals.
//
// Two published scores are used, in the order a day-case unit applies them:
// the modified Aldrete score for recovery from sedation (Aldrete JA, "The
// post-anesthesia recovery score revisited", J Clin Anesth 1995;7:89–91:
// activity, respiration, circulation, consciousness, SpO2, 0–2 each, 9 or
// more to leave recovery), then the modified Post-Anesthetic Discharge
// Scoring System for going home (Chung F et al., J Clin Anesth
// 1995;7:500–6; modified by Marshall SI & Chung F, Anesth Analg
// 1999;88:508–17: vital signs, ambulation, nausea and vomiting, pain,
// surgical bleeding, 0–2 each, 9 or more fit for discharge home). Item
// wording as tabulated in the Wikipedia article "Aldrete's scoring system",
// the World J Gastroenterol 2015;21:3671 Table 2 and World J Gastrointest
// Endosc 2013;5:502 Table 1, and the clinician.com reproduction of Chung's
// PADSS.
type DischargeAssessment struct {
	// Activity (Aldrete): 2 moves four extremities voluntarily or on
	// command, 1 moves two, 0 none.
	Activity int `json:"aldrete_activity"`
	// Respiration (Aldrete): 2 breathes deeply and coughs freely, 1 dyspnoea
	// or shallow, limited breathing, 0 apnoeic.
	Respiration int `json:"aldrete_respiration"`
	// Consciousness (Aldrete): 2 fully awake, 1 arousable on calling, 0 not
	// responding.
	Consciousness int `json:"aldrete_consciousness"`
	// Ambulation (PADSS): 2 steady gait without dizziness, or as before the
	// infusion; 1 walks with assistance; 0 unable to walk, or dizzy.
	Ambulation int `json:"padss_ambulation"`
	// NauseaVomiting (PADSS): 2 minimal, 1 moderate, 0 severe.
	NauseaVomiting int `json:"padss_nausea_vomiting"`
	// Pain (PADSS): 2 minimal, 1 moderate, 0 severe. A CRPS patient arrives
	// in pain (Goldberg's day-1 mean 7.5/10, 003_55ad5919aae10607.txt): grade
	// it against the patient's usual pain, which is why this is the nurse's
	// grade and not a 0–10 number mapped by the software.
	Pain int `json:"padss_pain"`
	// Bleeding (PADSS "surgical bleeding", here the cannula site): 2
	// minimal, 1 moderate, 0 severe.
	Bleeding int `json:"padss_bleeding"`
	// EscortPresent: a responsible adult will take the patient home, which
	// Chung's discharge criteria require besides the score (as summarised on
	// medicalalgorithms.com, "PADSS scoring system").
	EscortPresent bool `json:"escort_present"`
}

// Validate checks that every item is 0, 1 or 2.
func (a DischargeAssessment) Validate() error {
	items := []struct {
		name string
		v    int
	}{
		{"aldrete_activity", a.Activity},
		{"aldrete_respiration", a.Respiration},
		{"aldrete_consciousness", a.Consciousness},
		{"padss_ambulation", a.Ambulation},
		{"padss_nausea_vomiting", a.NauseaVomiting},
		{"padss_pain", a.Pain},
		{"padss_bleeding", a.Bleeding},
	}
	for _, it := range items {
		if it.v < 0 || it.v > 2 {
			return invalid(it.name, "must be 0, 1 or 2, got %d", it.v)
		}
	}
	return nil
}

// Pass marks of the two scores.
const (
	// AldretePass: "a score of 9 or greater" to leave recovery (Aldrete 1995).
	AldretePass = 9
	// PADSSPass: "patients scoring 9 or 10 are considered fit for discharge"
	// (Chung 1995; Marshall & Chung 1999).
	PADSSPass = 9
)

// ScoreItem is one item of a score with the points given and why.
type ScoreItem struct {
	Item   string `json:"item"`
	Points int    `json:"points"`
	Basis  string `json:"basis"`
}

// Score is a computed discharge score.
type Score struct {
	Name   string      `json:"name"`
	Source string      `json:"source"`
	Items  []ScoreItem `json:"items"`
	Total  int         `json:"total"`
	Max    int         `json:"max"`
	PassAt int         `json:"pass_at"`
	Pass   bool        `json:"pass"`
}

func newScore(name, source string, pass int, items []ScoreItem) Score {
	s := Score{Name: name, Source: source, Items: items, PassAt: pass, Max: 2 * len(items)}
	for _, it := range items {
		s.Total += it.Points
	}
	s.Pass = s.Total >= pass
	return s
}

// deviation returns 100·|x − base| and base, so callers compare
// 100·|x − base| with pct·base in integers, exactly.
func deviation(x, base int) (hundredDiff, b int) {
	d := x - base
	if d < 0 {
		d = -d
	}
	return 100 * d, base
}

// maxDeviation returns the largest relative deviation of the pairs, as a
// comparable fraction num/den (num = 100·|x − b|, den = b).
func maxDeviation(pairs [][2]int) (num, den int) {
	num, den = 0, 1
	for _, p := range pairs {
		n, d := deviation(p[0], p[1])
		if n*den > num*d {
			num, den = n, d
		}
	}
	return num, den
}

// AldreteScore computes the modified Aldrete score from the baseline, the
// last vitals and the nurse's items.
//
// Circulation: "BP ± 20 % of pre-anaesthetic level" 2, 20–49 % 1, more than
// 49 % 0 (bands as worded by the nursing-education course "Criteria for
// assessing recovery from anesthesia", citing Aldrete). Those are whole
// percentages; other tabulations put the last cut at ± 50 (World J
// Gastroenterol 2015;21:3671 Table 2), so a deviation d scores 2 for
// d < 20 %, 1 for 20 % ≤ d < 50 %, 0 for d ≥ 50 %. Both systolic and
// diastolic are compared and the larger deviation counts. SpO2: 2 "able to
// maintain SpO2 > 92 % on room air", 1 "needs O2 inhalation to maintain
// SpO2 > 90 %", 0 "SpO2 < 90 % even with O2". The source leaves room air
// at 90–92 % and exactly 90 % unassigned; they score the lower band, so a gap
// in the wording never makes discharge easier.
func AldreteScore(baseline, last Vitals, a DischargeAssessment) Score {
	num, den := maxDeviation([][2]int{
		{int(last.Systolic), int(baseline.Systolic)},
		{int(last.Diastolic), int(baseline.Diastolic)},
	})
	circ := ScoreItem{Item: "circulation"}
	dev := fmt.Sprintf("BP %d/%d vs baseline %d/%d mmHg (largest deviation %.1f %%)", last.Systolic, last.Diastolic, baseline.Systolic, baseline.Diastolic, float64(num)/float64(den))
	switch {
	case num < 20*den:
		circ.Points, circ.Basis = 2, dev+": within 20 %"
	case num < 50*den:
		circ.Points, circ.Basis = 1, dev+": 20–49 %"
	default:
		circ.Points, circ.Basis = 0, dev+": 50 % or more"
	}
	sat := ScoreItem{Item: "oxygen saturation"}
	air := "room air"
	if last.OnOxygen {
		air = "supplemental oxygen"
	}
	obs := fmt.Sprintf("SpO2 %v %% on %s", float64(last.SpO2), air)
	switch {
	case !last.OnOxygen && last.SpO2 > 92:
		sat.Points, sat.Basis = 2, obs+": > 92 % on room air"
	case last.SpO2 > 90:
		sat.Points, sat.Basis = 1, obs+": > 90 % but not > 92 % on room air"
	default:
		sat.Points, sat.Basis = 0, obs+": not > 90 %"
	}
	items := []ScoreItem{
		{Item: "activity", Points: a.Activity, Basis: "nurse's assessment"},
		{Item: "respiration", Points: a.Respiration, Basis: "nurse's assessment"},
		circ,
		{Item: "consciousness", Points: a.Consciousness, Basis: "nurse's assessment"},
		sat,
	}
	return newScore("modified Aldrete score", "Aldrete JA, J Clin Anesth 1995;7:89–91", AldretePass, items)
}

// PADSSScore computes the modified PADSS from the baseline, the last vitals
// and the nurse's items.
//
// Vital signs: "BP and HR within 20 % of the pre-procedure value" 2, 20–40 %
// 1, more than 40 % 0 (Marshall & Chung 1999 as tabulated in World J
// Gastrointest Endosc 2013;5:502 Table 1); systolic, diastolic and heart rate
// are compared and the largest deviation counts.
func PADSSScore(baseline, last Vitals, a DischargeAssessment) Score {
	num, den := maxDeviation([][2]int{
		{int(last.Systolic), int(baseline.Systolic)},
		{int(last.Diastolic), int(baseline.Diastolic)},
		{int(last.HeartRate), int(baseline.HeartRate)},
	})
	vs := ScoreItem{Item: "vital signs"}
	dev := fmt.Sprintf("BP %d/%d mmHg, HR %d /min vs baseline %d/%d mmHg, %d /min (largest deviation %.1f %%)",
		last.Systolic, last.Diastolic, last.HeartRate, baseline.Systolic, baseline.Diastolic, baseline.HeartRate, float64(num)/float64(den))
	switch {
	case num <= 20*den:
		vs.Points, vs.Basis = 2, dev+": within 20 %"
	case num <= 40*den:
		vs.Points, vs.Basis = 1, dev+": 20–40 %"
	default:
		vs.Points, vs.Basis = 0, dev+": more than 40 %"
	}
	items := []ScoreItem{
		vs,
		{Item: "ambulation", Points: a.Ambulation, Basis: "nurse's assessment"},
		{Item: "nausea and vomiting", Points: a.NauseaVomiting, Basis: "nurse's assessment"},
		{Item: "pain", Points: a.Pain, Basis: "nurse's assessment, against the patient's usual pain"},
		{Item: "bleeding", Points: a.Bleeding, Basis: "nurse's assessment (cannula site)"},
	}
	return newScore("modified PADSS", "Chung F et al., J Clin Anesth 1995;7:500–6; Marshall SI & Chung F, Anesth Analg 1999;88:508–17", PADSSPass, items)
}

// DischargeStatus says whether discharge criteria are met, and if not, why.
type DischargeStatus struct {
	Met        bool      `json:"met"`
	Unmet      []string  `json:"unmet,omitempty"`
	Aldrete    *Score    `json:"aldrete,omitempty"`
	PADSS      *Score    `json:"padss,omitempty"`
	AssessedAt time.Time `json:"assessed_at,omitzero"`
	VitalsAt   time.Time `json:"vitals_at,omitzero"`
}

// DischargeStatus evaluates the discharge criteria from the events: the
// infusion stopped; vitals and the nurse's assessment charted after the
// stop; the modified Aldrete score and the modified PADSS both at least 9;
// an escort present; and no alert left unacknowledged.
func (s State) DischargeStatus() DischargeStatus {
	var d DischargeStatus
	if s.Phase != PhaseStopped {
		d.Unmet = append(d.Unmet, "the infusion has not been stopped")
	}
	last, haveVitals := s.LastVitals()
	switch {
	case !haveVitals:
		d.Unmet = append(d.Unmet, "no vitals charted")
	case s.Phase == PhaseStopped && last.At.Before(s.StoppedAt):
		d.Unmet = append(d.Unmet, "no vitals charted since the infusion stopped")
	}
	if haveVitals {
		d.VitalsAt = last.At
	}
	if s.Discharge == nil {
		d.Unmet = append(d.Unmet, "no discharge assessment charted")
	} else {
		a := s.Discharge.Assessment
		d.AssessedAt = s.Discharge.At
		if haveVitals && s.CheckIn != nil {
			al := AldreteScore(s.CheckIn.Baseline, last.Vitals, a)
			pa := PADSSScore(s.CheckIn.Baseline, last.Vitals, a)
			d.Aldrete, d.PADSS = &al, &pa
			if !al.Pass {
				d.Unmet = append(d.Unmet, fmt.Sprintf("modified Aldrete score %d/%d is below %d", al.Total, al.Max, al.PassAt))
			}
			if !pa.Pass {
				d.Unmet = append(d.Unmet, fmt.Sprintf("modified PADSS %d/%d is below %d", pa.Total, pa.Max, pa.PassAt))
			}
		}
		if !a.EscortPresent {
			d.Unmet = append(d.Unmet, "no responsible adult to accompany the patient home")
		}
	}
	if n := len(s.OpenAlerts()); n > 0 {
		d.Unmet = append(d.Unmet, fmt.Sprintf("%d alert(s) not acknowledged", n))
	}
	d.Met = len(d.Unmet) == 0
	return d
}
