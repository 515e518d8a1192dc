package web

import (
	"context"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/outcomes"
)

// Patients whose journal shows a relapse, for the dashboard. The journal
// and its relief analysis are the journal pages' (journal_services.go,
// analytics.go: patientOutcome under the clinic's outcome definitions,
// internal/outcomes); this file only picks the patients whose latest relief
// period ended in relapse.

// relapseRow is one patient whose latest relief ended in relapse.
type relapseRow struct {
	Patient *clinic.Patient `json:"-"`
	// PatientID, PatientName and MRN name the patient in the API.
	PatientID   int64  `json:"patient_id"`
	PatientName string `json:"patient_name"`
	MRN         string `json:"mrn"`
	// Protocol is the course the relief followed.
	Protocol string `json:"protocol"`
	// ReliefDays is how long the relief lasted; RelapseOn when it ended.
	ReliefDays int         `json:"relief_days"`
	RelapseOn  clinic.Date `json:"relapse_on"`
	// Booster is the booster suggestion under the clinic's definitions.
	Booster outcomes.BoosterSuggestion `json:"booster"`
}

// relapses returns the clinic's patients whose journal shows that their
// latest relief period ended in relapse, the most recent first (then in
// FindPatients order), from the refreshed outcome summaries
// (analytics_set.go): one indexed query.
func (s *Server) relapses(ctx context.Context) ([]relapseRow, error) {
	js, err := s.journals()
	if err != nil {
		return nil, err
	}
	defs, err := js.FindOutcomeDefinitions(ctx)
	if err != nil {
		return nil, err
	}
	st, err := s.refreshOutcomes(ctx, defs)
	if err != nil {
		return nil, err
	}
	list, err := st.FindRelapses(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]relapseRow, 0, len(list))
	for _, r := range list {
		p := r.Patient
		b, err := decodeBooster(p.ID, r.Booster)
		if err != nil {
			return nil, err
		}
		out = append(out, relapseRow{Patient: p, PatientID: p.ID, PatientName: p.FullName(), MRN: p.MRN,
			Protocol: r.Protocol, ReliefDays: r.ReliefDays, RelapseOn: r.RelapseOn, Booster: b})
	}
	return out, nil
}

// DaysAgo is the number of days from d to the clinic's today.
func (v views) DaysAgo(d clinic.Date) int { return v.ClinicToday().DaysSince(d) }

// BoosterDue is a booster suggestion's date ("" when none is suggested).
func (views) BoosterDue(b outcomes.BoosterSuggestion) string {
	if !b.Suggested || b.Due.IsZero() {
		return ""
	}
	return clinic.DateOf(b.Due.In(time.UTC)).String()
}
