package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"

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
	EachOutcomeInputsBetween(ctx context.Context, first, last int64, fn func(*store.OutcomeInputs) error) error
	SaveOutcomes(ctx context.Context, list []store.OutcomeSummary) error
	RelapsePage(ctx context.Context, after *store.RelapseKey, limit int) ([]store.RelapseSummary, *store.RelapseKey, error)
	CountRelapses(ctx context.Context) (int, error)
	OutcomeSummariesSince(ctx context.Context, since int64, fn func(p *clinic.Patient, outcome []byte) error) (int64, []int64, error)
	CohortReport(ctx context.Context, have int64) (*store.CohortReport, error)
	EachCohortJournal(ctx context.Context, fn func(rows []outcomes.JournalRow) error) error
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

// refreshLocks holds one refreshLock per store and clinic: one refresh of
// a clinic's summaries at a time in this process, so that concurrent first
// requests do not compute the same stale rows twice (the second waits,
// then finds them fresh). Across server instances, SaveOutcomes keeps the
// newer of two computations.
var refreshLocks sync.Map

// refreshLock is a mutex that a waiter can give up on when its request
// ends.
type refreshLock chan struct{}

// lockRefresh takes the refresh lock of the actor's clinic in st; the
// caller runs the returned unlock.
func lockRefresh(ctx context.Context, st outcomeSummaries) (unlock func(), err error) {
	key := keyOf(ctx, st)
	v, _ := refreshLocks.LoadOrStore(key, make(refreshLock, 1))
	l := v.(refreshLock)
	select {
	case l <- struct{}{}:
		return func() { <-l }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// refreshOutcomes brings the summaries of the actor's clinic up to date
// under defs and returns the store holding them. A few stale patients (the
// writes since the last read) are computed here; more than inlineLimit (the
// first fill, new definitions, an imported cohort) are computed in the
// background (fillOutcomes) and the request gets an EUNAVAILABLE error
// that says how far the computation is and when to come back.
func (s *Server) refreshOutcomes(ctx context.Context, defs *clinic.OutcomeDefinitions) (outcomeSummaries, error) {
	st, ok := s.Patients.(outcomeSummaries)
	if !ok {
		return nil, clinic.Errorf(clinic.EINTERNAL, "the patient service %T keeps no outcome summaries", s.Patients)
	}
	stamp, err := definitionsStamp(defs)
	if err != nil {
		return nil, err
	}
	// Most requests find nothing stale (an index range that is empty):
	// they answer without queueing behind the lock.
	stale, err := st.StaleOutcomes(ctx, stamp)
	if err != nil {
		return nil, err
	}
	if len(stale) == 0 {
		return st, nil
	}
	key := keyOf(ctx, st)
	if f := runningFill(key); f != nil {
		return nil, f.pending()
	}
	if len(stale) > s.inlineLimit() {
		return nil, s.startFill(key, len(stale)).pending()
	}
	unlock, err := lockRefresh(ctx, st)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if stale, err = st.StaleOutcomes(ctx, stamp); err != nil {
		return nil, err
	}
	if err := computeStale(ctx, st, defs, stamp, stale, nil); err != nil {
		return nil, err
	}
	return st, nil
}

// computeStale computes and stores the summaries of the stale patients of
// the actor's clinic under defs (stamp), refreshBatch at a time, calling
// done (if not nil) with how many are stored after each batch. Each stale
// patient's generation is read before its inputs, so a row is stored as
// computed from at most the generation its inputs have: a write meanwhile
// leaves it stale. The caller holds the clinic's refresh lock.
func computeStale(ctx context.Context, st outcomeSummaries, defs *clinic.OutcomeDefinitions, stamp store.OutcomeDefinitionsStamp, stale []store.OutcomeStamp, done func(n int)) error {
	clinicID := clinic.ActorFrom(ctx).ClinicID
	stored := 0
	for len(stale) > 0 {
		part := stale[:min(len(stale), refreshBatch)]
		stale = stale[len(part):]
		ids := make([]int64, len(part))
		want := make(map[int64]bool, len(part))
		for i, p := range part {
			ids[i] = p.PatientID
			want[p.PatientID] = true
		}
		computed := make(map[int64]*patientOutcome, len(part))
		journals := make(map[int64][]outcomes.JournalRow, len(part))
		each := func(in *store.OutcomeInputs) error {
			if !want[in.Patient.ID] {
				return nil // fresh, in the range of stale ones
			}
			po, err := outcomeOf(&defs.Definitions, in.Patient, in.Entries, in.Day1, courseWindows(in.Courses))
			computed[in.Patient.ID] = po
			journals[in.Patient.ID] = cohortRowsOf(in.Patient.ID, in.Entries)
			return err
		}
		// Dense stale IDs (the first fill) are read by ID range, the
		// fresh patients among them skipped; sparse ones by list.
		var err error
		if first, last := ids[0], ids[len(ids)-1]; len(ids) > 1 && last-first < store.OutcomeRange && last-first < 2*int64(len(ids)) {
			err = st.EachOutcomeInputsBetween(ctx, first, last, each)
		} else {
			err = st.EachOutcomeInputsOf(ctx, ids, each)
		}
		if err != nil {
			return err
		}
		list := make([]store.OutcomeSummary, len(part))
		for i, p := range part {
			sum, err := summaryOf(computed[p.PatientID])
			if err != nil {
				return err
			}
			sum.PatientID, sum.ClinicID, sum.Gen, sum.Definitions = p.PatientID, clinicID, p.Gen, stamp
			sum.Journal = journals[p.PatientID]
			list[i] = sum
		}
		if err := st.SaveOutcomes(ctx, list); err != nil {
			return err
		}
		if stored += len(part); done != nil {
			done(stored)
		}
	}
	return nil
}

// cohortRowsOf is the patient's study journal as CohortJournal gives it:
// the entries with a journal day ≥ 1, one row each, in day order.
func cohortRowsOf(patientID int64, entries []*clinic.JournalEntry) []outcomes.JournalRow {
	var out []outcomes.JournalRow
	key := patientKey(patientID)
	for _, e := range entries {
		if e.HasDay && e.Day >= 1 {
			out = append(out, outcomes.JournalRow{Patient: key, Day: e.Day, Scores: e.Scores})
		}
	}
	slices.SortFunc(out, func(a, b outcomes.JournalRow) int { return a.Day - b.Day })
	return out
}

// cachedReport is the last cohort report computed for a clinic of a store,
// with the version of the totals it was computed from.
type cachedReport struct {
	version int64
	report  *store.CohortReport
}

// cohortReports holds one cachedReport per store and clinic.
var cohortReports sync.Map

// cohortReport is the report of the actor's clinic's cohort from the
// totals of the summaries refreshed into st, computed again only when the
// totals changed since the last read (by this or another server
// instance: their version is the database's).
func cohortReport(ctx context.Context, st outcomeSummaries) (*store.CohortReport, error) {
	key := keyOf(ctx, st)
	have := int64(-1)
	var cached *cachedReport
	if v, ok := cohortReports.Load(key); ok {
		cached = v.(*cachedReport)
		have = cached.version
	}
	rep, err := st.CohortReport(ctx, have)
	if err != nil {
		return nil, err
	}
	if rep == nil {
		return cached.report, nil
	}
	cohortReports.Store(key, &cachedReport{version: rep.Version, report: rep})
	return rep, nil
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

// outcomeCache is a copy of the summaries of one clinic of a store, as of
// a version of them: the decoded outcome of each patient with one and
// their list in FindPatients order.
type outcomeCache struct {
	mu      sync.Mutex
	version int64 // −1 before the first read
	byID    map[int64]*patientOutcome
	list    []*patientOutcome
}

// outcomeCaches holds one outcomeCache per store and clinic.
var outcomeCaches sync.Map

// summarizedOutcomes are the outcomes of every patient of the actor's
// clinic who has a journal on the day axis, in FindPatients order, from the
// summaries refreshed into st, and the version of the summaries they are.
// The process keeps them decoded and reads only the summaries stored since
// (by this or another server instance): after one patient's journal entry,
// one row. The list returned is never changed afterwards.
func summarizedOutcomes(ctx context.Context, st outcomeSummaries) ([]*patientOutcome, int64, error) {
	key := keyOf(ctx, st)
	v, _ := outcomeCaches.LoadOrStore(key, &outcomeCache{version: -1, byID: map[int64]*patientOutcome{}})
	c := v.(*outcomeCache)
	c.mu.Lock()
	defer c.mu.Unlock()
	list, version, err := c.update(ctx, st)
	if errors.Is(err, errCopyLacks) {
		// Read it all again.
		c.version, c.byID, c.list = -1, map[int64]*patientOutcome{}, nil
		list, version, err = c.update(ctx, st)
	}
	return list, version, err
}

// errCopyLacks is a copy of the summaries that is not what the database
// holds.
var errCopyLacks = errors.New("the copy of the outcome summaries lacks a patient")

// update brings the copy up to date with the summaries stored since its
// version; c.mu is held.
func (c *outcomeCache) update(ctx context.Context, st outcomeSummaries) ([]*patientOutcome, int64, error) {
	changed := map[int64]*patientOutcome{}
	version, order, err := st.OutcomeSummariesSince(ctx, c.version, func(p *clinic.Patient, b []byte) error {
		if b == nil {
			changed[p.ID] = nil
			return nil
		}
		po, err := decodeOutcome(p, b)
		changed[p.ID] = po
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	if order == nil {
		return c.list, c.version, nil // nothing stored since
	}
	for id, po := range changed {
		if po == nil {
			delete(c.byID, id)
		} else {
			c.byID[id] = po
		}
	}
	list := make([]*patientOutcome, 0, len(order))
	for _, id := range order {
		po := c.byID[id]
		if po == nil {
			// Stored under the copy's version yet never read (by a
			// server that does not set saved_version).
			return nil, 0, fmt.Errorf("patient %d: %w", id, errCopyLacks)
		}
		list = append(list, po)
	}
	c.version, c.list = version, list
	return list, version, nil
}

// decodeBooster is a booster suggestion summaryOf stored.
func decodeBooster(patientID int64, b []byte) (outcomes.BoosterSuggestion, error) {
	var bs outcomes.BoosterSuggestion
	if err := json.Unmarshal(b, &bs); err != nil {
		return bs, fmt.Errorf("stored booster of patient %d: %w", patientID, err)
	}
	return bs, nil
}
