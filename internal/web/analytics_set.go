package web

import (
	"context"
	"slices"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/outcomes"
	"github.com/ketatrack/ketatrack/internal/store"
)

// Every patient's outcomes from set-based reads (issue 16: the analytics
// and the dashboard's relapses at 10,000 patients without a query per
// patient): internal/store streams the clinic's journal ordered by patient
// with the day 1 and signed courses of each, and outcomeOf applies the
// definitions one patient at a time, as patientOutcome does for one.

// outcomeInputReader is internal/store's set-based reader of the outcome
// inputs.
type outcomeInputReader interface {
	EachOutcomeInputs(ctx context.Context, fn func(*store.OutcomeInputs) error) error
}

// eachOutcome calls fn with the outcome of every patient of the actor's
// scope who has a journal on the day axis, in patient ID order, with the
// patient's place in FindPatients order. The outcome's per-course journal
// rows are left out (the cohort pages count no more than the courses), so
// that memory stays that of one patient's journal.
func (s *Server) eachOutcome(ctx context.Context, defs *outcomes.Definitions, fn func(rank int, po *patientOutcome) error) error {
	rd, ok := s.Patients.(outcomeInputReader)
	if !ok {
		return clinic.Errorf(clinic.EINTERNAL, "the patient service %T reads no outcome inputs", s.Patients)
	}
	return rd.EachOutcomeInputs(ctx, func(in *store.OutcomeInputs) error {
		po, err := outcomeOf(defs, in.Patient, in.Entries, in.Day1, courseWindows(in.Courses))
		if err != nil || po == nil {
			return err
		}
		for i := range po.Courses {
			po.Courses[i].Rows = nil
		}
		return fn(in.Rank, po)
	})
}

// rankedOutcomes are the outcomes of eachOutcome in FindPatients order.
func (s *Server) rankedOutcomes(ctx context.Context, defs *outcomes.Definitions) ([]*patientOutcome, error) {
	type ranked struct {
		rank int
		po   *patientOutcome
	}
	var list []ranked
	if err := s.eachOutcome(ctx, defs, func(rank int, po *patientOutcome) error {
		list = append(list, ranked{rank, po})
		return nil
	}); err != nil {
		return nil, err
	}
	slices.SortFunc(list, func(a, b ranked) int { return a.rank - b.rank })
	out := make([]*patientOutcome, len(list))
	for i, r := range list {
		out[i] = r.po
	}
	return out, nil
}
