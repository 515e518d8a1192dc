package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/outcomes"
	"github.com/ketatrack/ketatrack/internal/store"
)

// Every patient's outcomes from an incrementally maintained summary
// (issue 16: the analytics and the dashboard's relapses at 10,000 patients
// without reading every journal entry, nor a query per patient).
// internal/store keeps one row per patient (migration 0012) marked stale by
// every write of the patient's outcome inputs; refreshOutcomes computes the
// stale rows again — their inputs read set-based, idChunk patients at a
// time, outcomeOf applying the definitions one patient at a time as
// patientOutcome does for one — and the pages read the rows.

// outcomeSummaries is internal/store's summary of the outcomes.
type outcomeSummaries interface {
	StaleOutcomes(ctx context.Context, d store.OutcomeDefinitionsStamp) ([]store.OutcomeStamp, error)
	EachOutcomeInputsOf(ctx context.Context, ids []int64, fn func(*store.OutcomeInputs) error) error
	SaveOutcomes(ctx context.Context, list []store.OutcomeSummary) error
	FindRelapses(ctx context.Context) ([]store.RelapseSummary, error)
	EachOutcomeSummary(ctx context.Context, fn func(p *clinic.Patient, outcome []byte) error) error
}

// outcomeFormat names how outcomeOf computes and summaryOf encodes an
// outcome; a change of either must change it, so that every stored summary
// is computed again (it enters the definitions' hash).
const outcomeFormat = "patientOutcome/1"

// refreshBatch is how many stale patients are computed per read of inputs
// and written per transaction (store.EachOutcomeInputsOf's most).
const refreshBatch = 500

// definitionsStamp is the stamp of the summaries computed under d.
func definitionsStamp(d *clinic.OutcomeDefinitions) (store.OutcomeDefinitionsStamp, error) {
	b, err := json.Marshal(d.Definitions)
	if err != nil {
		return store.OutcomeDefinitionsStamp{}, fmt.Errorf("outcome definitions: %w", err)
	}
	h := sha256.Sum256(append([]byte(outcomeFormat+"\n"), b...))
	return store.OutcomeDefinitionsStamp{Version: d.Version, Hash: hex.EncodeToString(h[:])}, nil
}

// refreshOutcomes brings the summaries of the actor's clinic up to date
// under defs and returns the store holding them. Each stale patient's
// generation is read before its inputs, so a row is stored as computed from
// at most the generation its inputs have: a write meanwhile leaves it stale.
func (s *Server) refreshOutcomes(ctx context.Context, defs *clinic.OutcomeDefinitions) (outcomeSummaries, error) {
	st, ok := s.Patients.(outcomeSummaries)
	if !ok {
		return nil, clinic.Errorf(clinic.EINTERNAL, "the patient service %T keeps no outcome summaries", s.Patients)
	}
	stamp, err := definitionsStamp(defs)
	if err != nil {
		return nil, err
	}
	stale, err := st.StaleOutcomes(ctx, stamp)
	if err != nil {
		return nil, err
	}
	clinicID := clinic.ActorFrom(ctx).ClinicID
	for len(stale) > 0 {
		part := stale[:min(len(stale), refreshBatch)]
		stale = stale[len(part):]
		ids := make([]int64, len(part))
		for i, p := range part {
			ids[i] = p.PatientID
		}
		computed := make(map[int64]*patientOutcome, len(part))
		if err := st.EachOutcomeInputsOf(ctx, ids, func(in *store.OutcomeInputs) error {
			po, err := outcomeOf(&defs.Definitions, in.Patient, in.Entries, in.Day1, courseWindows(in.Courses))
			computed[in.Patient.ID] = po
			return err
		}); err != nil {
			return nil, err
		}
		list := make([]store.OutcomeSummary, len(part))
		for i, p := range part {
			sum, err := summaryOf(computed[p.PatientID])
			if err != nil {
				return nil, err
			}
			sum.PatientID, sum.ClinicID, sum.Gen, sum.Definitions = p.PatientID, clinicID, p.Gen, stamp
			list[i] = sum
		}
		if err := st.SaveOutcomes(ctx, list); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// summaryOf is the stored summary of po (nil: no journal on the day axis).
// The per-course journal rows are left out (the cohort pages count no more
// than the courses), and so is the patient, read with the summary.
func summaryOf(po *patientOutcome) (store.OutcomeSummary, error) {
	var sum store.OutcomeSummary
	if po == nil {
		return sum, nil
	}
	c := *po
	c.Patient = nil
	c.Courses = make([]courseOutcome, len(po.Courses))
	for i, co := range po.Courses {
		co.Rows = nil
		c.Courses[i] = co
	}
	var err error
	if sum.Outcome, err = json.Marshal(&c); err != nil {
		return sum, fmt.Errorf("outcome of patient %d: %w", po.Patient.ID, err)
	}
	if sum.Booster, err = json.Marshal(po.Booster); err != nil {
		return sum, fmt.Errorf("booster of patient %d: %w", po.Patient.ID, err)
	}
	sum.HasOutcome = true
	if po.Booster.Suggested && !po.Booster.Due.IsZero() {
		sum.BoosterDue = dateOfTime(po.Booster.Due)
	}
	// The dashboard's relapse: the latest course's relief, and the latest
	// relief period, ended in relapse.
	if len(po.Courses) > 0 && len(po.Periods) > 0 {
		last, per := po.Courses[len(po.Courses)-1], po.Periods[len(po.Periods)-1]
		if last.Relief.Relapsed && per.Relapsed {
			sum.Relapsed, sum.RelapseOn, sum.ReliefDays, sum.Protocol = true, dateOfTime(per.End), last.Relief.Days, last.Window.Protocol()
		}
	}
	return sum, nil
}

// decodeOutcome is the outcome summaryOf stored for p.
func decodeOutcome(p *clinic.Patient, b []byte) (*patientOutcome, error) {
	po := &patientOutcome{}
	if err := json.Unmarshal(b, po); err != nil {
		return nil, fmt.Errorf("stored outcome of patient %d: %w", p.ID, err)
	}
	po.Patient = p
	return po, nil
}

// summarizedOutcomes are the outcomes of every patient of the actor's
// clinic who has a journal on the day axis, in FindPatients order, from the
// refreshed summaries.
func (s *Server) summarizedOutcomes(ctx context.Context, defs *clinic.OutcomeDefinitions) ([]*patientOutcome, error) {
	st, err := s.refreshOutcomes(ctx, defs)
	if err != nil {
		return nil, err
	}
	var out []*patientOutcome
	err = st.EachOutcomeSummary(ctx, func(p *clinic.Patient, b []byte) error {
		po, err := decodeOutcome(p, b)
		out = append(out, po)
		return err
	})
	return out, err
}

// decodeBooster is a booster suggestion summaryOf stored.
func decodeBooster(patientID int64, b []byte) (outcomes.BoosterSuggestion, error) {
	var bs outcomes.BoosterSuggestion
	if err := json.Unmarshal(b, &bs); err != nil {
		return bs, fmt.Errorf("stored booster of patient %d: %w", patientID, err)
	}
	return bs, nil
}
