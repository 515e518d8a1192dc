package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/outcomes"
)

// The incrementally maintained summary of each patient's outcomes
// (migration 0012, issue 16). Every write of a patient's outcome inputs —
// the patient, the journal entries and day 1 (through writeSeries), the
// courses and their plan versions — raises the patient's gen in its own
// transaction (bumpOutcomeGen). A reader lists the stale rows
// (StaleOutcomes), computes those patients' outcomes from their inputs read
// set-based (EachOutcomeInputsOf) and stores them (SaveOutcomes), which
// writes a row only over one computed from older inputs or definitions.
// The store keeps the computed outcome opaque: internal/web computes and
// encodes it.

// bumpOutcomeGen marks the patient's outcome summary stale: one more change
// of its inputs, committed with tx.
func bumpOutcomeGen(tx *Tx, clinicID, patientID int64) error {
	if _, err := tx.ExecContext(tx.ctx, `INSERT INTO patient_outcomes (patient_id, clinic_id, gen) VALUES ($1, $2, 1)
		ON CONFLICT (patient_id) DO UPDATE SET gen = patient_outcomes.gen + 1`, patientID, clinicID); err != nil {
		return fmt.Errorf("outcome generation of patient %d: %w", patientID, err)
	}
	return nil
}

// OutcomeDefinitionsStamp names the definitions an outcome summary was
// computed under: the clinic's definitions version and a hash of their
// content with the computation's format (so that a change of the defaults
// or of the computation makes every row stale too).
type OutcomeDefinitionsStamp struct {
	Version int
	Hash    string
}

// OutcomeStamp is a patient whose summary is stale, with the generation of
// its inputs read before them.
type OutcomeStamp struct {
	PatientID int64
	Gen       int64
}

// OutcomeSummary is one patient's computed outcome.
type OutcomeSummary struct {
	PatientID int64
	ClinicID  int64
	// Gen is the generation of the inputs it was computed from (an
	// OutcomeStamp's, read before the inputs).
	Gen         int64
	Definitions OutcomeDefinitionsStamp
	// HasOutcome is false for a patient without a journal on the day axis;
	// the other fields are then empty.
	HasOutcome bool
	// Relapsed says the latest relief period ended in relapse, on RelapseOn
	// after ReliefDays, following a course of Protocol.
	Relapsed   bool
	RelapseOn  clinic.Date
	ReliefDays int
	Protocol   string
	// BoosterDue is the date of a suggested booster; Booster the
	// suggestion and Outcome the whole outcome, encoded by the caller.
	BoosterDue clinic.Date
	Booster    []byte
	Outcome    []byte
	// Journal is the patient's study journal (the rows of CohortJournal,
	// journal day ≥ 1, one a day) the outcome was computed from: its part
	// of the clinic's cohort report.
	Journal []outcomes.JournalRow
}

// summaryClinic is the clinic whose summaries the actor reads: its own
// (the summaries are the cohort's, for the clinic's staff).
func summaryClinic(ctx context.Context) (int64, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return 0, err
	}
	if a.ClinicID == 0 || !(a.System || clinic.CanListPatients(a)) {
		return 0, clinic.Errorf(clinic.EFORBIDDEN, "The outcomes of the clinic's patients are for its staff.")
	}
	return a.ClinicID, nil
}

// StaleOutcomes returns the actor's clinic's patients whose summary was not
// computed from their latest inputs under the definitions d, in patient ID
// order. Its cost follows what changed, not the clinic's size (migrations
// 0018 and 0020): when the clinic's lowest and highest definitions stamps
// are both d's, only the rows whose inputs changed (stale) are read, from
// their partial index; otherwise (new definitions: every row is stale) the
// clinic's rows.
func (db *DB) StaleOutcomes(ctx context.Context, d OutcomeDefinitionsStamp) ([]OutcomeStamp, error) {
	clinicID, err := summaryClinic(ctx)
	if err != nil {
		return nil, err
	}
	current, err := db.allUnderDefinitions(ctx, clinicID, d)
	if err != nil {
		return nil, err
	}
	q, args := staleByGen, []any{clinicID}
	if !current {
		q, args = staleByGenOrDefinitions, append(args, d.Version, d.Hash)
	}
	var out []OutcomeStamp
	err = db.eachRow(ctx, q, args, func(rows *sql.Rows) error {
		var s OutcomeStamp
		err := rows.Scan(&s.PatientID, &s.Gen)
		out = append(out, s)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("stale outcomes: %w", err)
	}
	return out, nil
}

// The queries of StaleOutcomes: the rows whose inputs changed (through
// patient_outcomes_stale), and those or the rows under other definitions
// (the clinic's every row).
const (
	staleByGen              = `SELECT patient_id, gen FROM patient_outcomes WHERE clinic_id = $1 AND stale ORDER BY patient_id`
	staleByGenOrDefinitions = `SELECT patient_id, gen FROM patient_outcomes WHERE clinic_id = $1
		AND (stale OR definitions_version <> $2 OR definitions_hash <> $3) ORDER BY patient_id`
	// definitionsEnd is the clinic's lowest definitions stamp; with
	// " DESC" after each column, its highest.
	definitionsEnd = `SELECT definitions_version, definitions_hash FROM patient_outcomes WHERE clinic_id = $1
		ORDER BY definitions_version%[1]s, definitions_hash%[1]s LIMIT 1`
)

// allUnderDefinitions says whether every summary row of the clinic was
// computed under d: its lowest and highest (definitions_version,
// definitions_hash) are both d's, one row read at each end of
// patient_outcomes_definitions. A clinic without rows has none under other
// definitions.
func (db *DB) allUnderDefinitions(ctx context.Context, clinicID int64, d OutcomeDefinitionsStamp) (bool, error) {
	for _, dir := range []string{"", " DESC"} {
		var s OutcomeDefinitionsStamp
		err := db.queryRow(ctx, fmt.Sprintf(definitionsEnd, dir), clinicID).Scan(&s.Version, &s.Hash)
		if errors.Is(err, sql.ErrNoRows) {
			return true, nil
		}
		if err != nil {
			return false, fmt.Errorf("stale outcomes: %w", err)
		}
		if s != d {
			return false, nil
		}
	}
	return true, nil
}

// SaveOutcomes stores computed summaries of the actor's clinic, each only
// over a row computed under older definitions, or under the same ones from
// an older generation of inputs (or, at the same generation, under other
// definitions content): a summary computed from older inputs, by this or
// another server instance, never replaces a newer one. In the same
// transaction, the clinic's cohort totals (locked first) lose the journal
// rows each replaced row held and gain its summary's.
//
// A save of many summaries (the first fill, new definitions) changes what
// PostgreSQL's statistics say of the stale ones (migration 0020): most of
// them were stale, few are now. The planner reads StaleOutcomes' rows from
// their partial index only when its statistics say they are few, and serve
// refreshes them every few hours only; so after such a save the statistics
// of patient_outcomes are refreshed (ANALYZE, tens of milliseconds at
// N=10,000) after a save of analyzeThreshold summaries or more, instead of
// hours of sequential scans of the clinic's rows. A refresh after a journal
// entry saves one.
func (db *DB) SaveOutcomes(ctx context.Context, list []OutcomeSummary) error {
	clinicID, err := summaryClinic(ctx)
	if err != nil {
		return err
	}
	for _, s := range list {
		if s.ClinicID != clinicID {
			return fmt.Errorf("save outcome of patient %d: clinic %d is not the actor's %d", s.PatientID, s.ClinicID, clinicID)
		}
	}
	saved := 0
	for len(list) > 0 {
		part := list[:min(len(list), idChunk)]
		list = list[len(part):]
		// Encoded before the transaction: the writer waits for no
		// compression.
		enc := make([][]byte, len(part))
		ids := make([]int64, len(part))
		for i, s := range part {
			if enc[i], err = encodeCohortRows(s.Journal); err != nil {
				return fmt.Errorf("save outcome of patient %d: %w", s.PatientID, err)
			}
			ids[i] = s.PatientID
		}
		stored := 0 // summaries written by the transaction (as last tried)
		err := db.update(ctx, func(tx *Tx) error {
			stored = 0
			tot, err := lockCohortTotals(tx, clinicID)
			if err != nil {
				return err
			}
			version := tot.summaries + 1
			before, err := storedCohortRows(tx, ids)
			if err != nil {
				return err
			}
			st, err := tx.PrepareContext(tx.ctx, `INSERT INTO patient_outcomes (patient_id, clinic_id, gen, computed_gen,
				definitions_version, definitions_hash, has_outcome, relapsed, relapse_on, relief_days, protocol, booster_due,
				booster_json, outcome_json, cohort_rows, saved_version)
				VALUES ($1, $2, $3, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
				ON CONFLICT (patient_id) DO UPDATE SET computed_gen = excluded.computed_gen,
					definitions_version = excluded.definitions_version, definitions_hash = excluded.definitions_hash,
					has_outcome = excluded.has_outcome, relapsed = excluded.relapsed, relapse_on = excluded.relapse_on,
					relief_days = excluded.relief_days, protocol = excluded.protocol, booster_due = excluded.booster_due,
					booster_json = excluded.booster_json, outcome_json = excluded.outcome_json, cohort_rows = excluded.cohort_rows,
					saved_version = excluded.saved_version
				WHERE patient_outcomes.clinic_id = excluded.clinic_id
					AND (excluded.definitions_version > patient_outcomes.definitions_version
					OR (excluded.definitions_version = patient_outcomes.definitions_version
						AND (excluded.computed_gen > patient_outcomes.computed_gen
						OR (excluded.computed_gen = patient_outcomes.computed_gen
							AND excluded.definitions_hash <> patient_outcomes.definitions_hash))))
				RETURNING patient_id`)
			if err != nil {
				return fmt.Errorf("save outcomes: %w", err)
			}
			defer st.Close()
			var totals *outcomes.Totals // decoded at the first change of a journal
			for i, s := range part {
				var id int64
				err := st.QueryRowContext(tx.ctx, s.PatientID, s.ClinicID, s.Gen, s.Definitions.Version, s.Definitions.Hash,
					s.HasOutcome, s.Relapsed, dateArg(s.RelapseOn), s.ReliefDays, s.Protocol, dateArg(s.BoosterDue),
					nullBytes(s.Booster), nullBytes(s.Outcome), enc[i], version).Scan(&id)
				if err == sql.ErrNoRows {
					continue // the stored row is newer: kept, and its rows in the totals
				}
				if err != nil {
					return fmt.Errorf("save outcome of patient %d: %w", s.PatientID, err)
				}
				stored++
				if bytes.Equal(before[s.PatientID], enc[i]) {
					continue // the same journal rows (the encoding is deterministic)
				}
				old, err := decodeCohortRows(nil, s.PatientID, before[s.PatientID])
				if err != nil {
					return err
				}
				if totals == nil {
					if totals, err = outcomes.DecodeTotals(tot.totals); err != nil {
						return err
					}
				}
				totals.Add(s.PatientID, old, -1)
				totals.Add(s.PatientID, s.Journal, 1)
			}
			if stored == 0 {
				return nil
			}
			return saveCohortTotals(tx, clinicID, version, totals)
		})
		if err != nil {
			return err
		}
		saved += stored
	}
	if db.loc.Engine == Postgres && saved >= analyzeThreshold {
		if _, err := db.write.ExecContext(ctx, `ANALYZE patient_outcomes`); err != nil {
			return fmt.Errorf("save outcomes: statistics: %w", err)
		}
	}
	return nil
}

// analyzeThreshold is how many summaries a save stores at least for the
// statistics of patient_outcomes to be refreshed after it:
// autovacuum_analyze_threshold's default (50 rows), the fixed part of
// Optimize's threshold.
const analyzeThreshold = 50

// nullBytes is b as nullable text.
func nullBytes(b []byte) sql.NullString {
	return sql.NullString{String: string(b), Valid: b != nil}
}

// RelapseSummary is one row of the dashboard's relapse list.
type RelapseSummary struct {
	Patient    *clinic.Patient
	Protocol   string
	ReliefDays int
	RelapseOn  clinic.Date
	Booster    []byte
}

// prefixed is a column list with each column qualified by table alias t.
func prefixed(t, columns string) string {
	cs := strings.Split(columns, ", ")
	for i, c := range cs {
		cs[i] = t + "." + c
	}
	return strings.Join(cs, ", ")
}

// EachOutcomeSummary calls fn, in FindPatients order, with every patient of
// the actor's clinic who has an outcome and its encoded outcome (valid only
// during the call). The caller refreshes the stale rows first.
func (db *DB) EachOutcomeSummary(ctx context.Context, fn func(p *clinic.Patient, outcome []byte) error) error {
	clinicID, err := summaryClinic(ctx)
	if err != nil {
		return err
	}
	err = db.eachRow(ctx, `SELECT `+prefixed("p", patientColumns)+`, o.outcome_json
		FROM patient_outcomes o JOIN patients p ON p.id = o.patient_id
		WHERE o.clinic_id = $1 AND o.has_outcome = $2 ORDER BY p.family_name, p.given_name, p.id`,
		[]any{clinicID, true}, func(rows *sql.Rows) error {
			var outcome sql.RawBytes
			p, err := scanPatient(withExtra(rows, &outcome))
			if err != nil {
				return err
			}
			return fn(p, outcome)
		})
	if err != nil {
		return fmt.Errorf("outcome summaries: %w", err)
	}
	return nil
}

// OutcomeSummariesSince reads, in one snapshot, what changed in the
// summaries of the actor's clinic since the reader's copy of version since
// (−1: none): it calls fn with each summary stored after it — outcome nil
// for a patient without one any more — and returns the current version and,
// when anything changed, the IDs of the patients with an outcome in
// FindPatients order. The caller refreshes the stale rows first.
func (db *DB) OutcomeSummariesSince(ctx context.Context, since int64, fn func(p *clinic.Patient, outcome []byte) error) (int64, []int64, error) {
	clinicID, err := summaryClinic(ctx)
	if err != nil {
		return 0, nil, err
	}
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return 0, nil, fmt.Errorf("outcome summaries: %w", err)
	}
	defer func() { _ = tx.Rollback() }() // read-only: nothing to keep
	var version int64
	err = tx.QueryRowContext(ctx, `SELECT summaries_version FROM cohort_totals WHERE clinic_id = $1`, clinicID).Scan(&version)
	if err != nil && err != sql.ErrNoRows {
		return 0, nil, fmt.Errorf("outcome summaries: %w", err)
	}
	if version == since {
		return version, nil, nil
	}
	each := func(q string, args []any, fn func(*sql.Rows) error) error {
		rows, err := tx.QueryContext(ctx, q, args...)
		return scanEach(rows, err, fn)
	}
	err = each(`SELECT `+prefixed("p", patientColumns)+`, o.has_outcome, o.outcome_json
		FROM patient_outcomes o JOIN patients p ON p.id = o.patient_id
		WHERE o.clinic_id = $1 AND o.saved_version > $2`, []any{clinicID, since}, func(rows *sql.Rows) error {
		var has bool
		var outcome sql.RawBytes
		p, err := scanPatient(withExtra(rows, &has, &outcome))
		if err != nil {
			return err
		}
		if !has {
			outcome = nil
		}
		return fn(p, outcome)
	})
	if err != nil {
		return 0, nil, fmt.Errorf("outcome summaries: %w", err)
	}
	var order []int64
	err = each(`SELECT o.patient_id FROM patient_outcomes o JOIN patients p ON p.id = o.patient_id
		WHERE o.clinic_id = $1 AND o.has_outcome = $2 ORDER BY p.family_name, p.given_name, p.id`, []any{clinicID, true},
		func(rows *sql.Rows) error {
			var id int64
			err := rows.Scan(&id)
			order = append(order, id)
			return err
		})
	if err != nil {
		return 0, nil, fmt.Errorf("outcome summaries: %w", err)
	}
	if order == nil {
		order = []int64{}
	}
	return version, order, nil
}

// extraScan scans a row whose patient columns are followed by extra ones,
// for scanPatient.
type extraScan struct {
	row   interface{ Scan(...any) error }
	extra []any
}

// withExtra is row scanned with extra after the columns scanned into.
func withExtra(row interface{ Scan(...any) error }, extra ...any) extraScan {
	return extraScan{row, extra}
}

func (e extraScan) Scan(dest ...any) error { return e.row.Scan(append(dest, e.extra...)...) }
