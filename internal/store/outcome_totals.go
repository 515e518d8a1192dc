package store

import (
	"bytes"
	"compress/flate"
	"context"
	"database/sql"
	"fmt"
	"io"
	"strconv"
	"sync"

	"github.com/ketatrack/ketatrack/internal/outcomes"
)

// The clinic's cohort report from totals kept up to date one patient at a
// time (migration 0014, issue 16). SaveOutcomes stores with each summary
// the patient's study journal rows it was computed from (cohort_rows,
// packed as journal_series packs them, deflated) and, in the same
// transaction, takes the rows stored before away from the clinic's
// cohort_totals and adds the new ones, so that the totals are always the
// sums of the rows stored. CohortReport reads the totals and the rows of
// the few patients Friedman's test needs whole.

// deflaters are flate writers for encodeCohortRows to reset (a new one
// allocates some 1 MB).
var deflaters sync.Pool

// encodeCohortRows is rows (one patient's, one a day) as cohort_rows
// stores them; nil for none.
func encodeCohortRows(rows []outcomes.JournalRow) ([]byte, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	var b bytes.Buffer
	w, _ := deflaters.Get().(*flate.Writer)
	if w == nil {
		var err error
		if w, err = flate.NewWriter(&b, flate.BestSpeed); err != nil {
			return nil, err
		}
	} else {
		w.Reset(&b)
	}
	defer deflaters.Put(w)
	if _, err := w.Write(packSeries(rows)); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// decodeCohortRows reads encodeCohortRows's encoding of patient's rows,
// appended to dst.
func decodeCohortRows(dst []outcomes.JournalRow, patientID int64, b []byte) ([]outcomes.JournalRow, error) {
	if len(b) == 0 {
		return dst, nil
	}
	packed, err := io.ReadAll(flate.NewReader(bytes.NewReader(b)))
	if err != nil {
		return nil, fmt.Errorf("cohort rows of patient %d: %w", patientID, err)
	}
	return unpackSeries(dst, strconv.FormatInt(patientID, 10), packed)
}

// lockedTotals is the clinic's cohort_totals row as lockCohortTotals read
// it: the encoded totals and the version of the summaries.
type lockedTotals struct {
	totals    []byte
	summaries int64
}

// lockCohortTotals reads the clinic's totals in tx, the row created first
// if missing and locked (FOR UPDATE on PostgreSQL; SQLite has one writer)
// so that concurrent refreshes of the clinic's summaries, on any server
// instance, change the totals one after another.
func lockCohortTotals(tx *Tx, clinicID int64) (lockedTotals, error) {
	var t lockedTotals
	empty := (&outcomes.Totals{}).Encode(nil)
	if _, err := tx.ExecContext(tx.ctx, `INSERT INTO cohort_totals (clinic_id, version, totals) VALUES ($1, 0, $2)
		ON CONFLICT (clinic_id) DO NOTHING`, clinicID, empty); err != nil {
		return t, fmt.Errorf("cohort totals: %w", err)
	}
	q := `SELECT totals, summaries_version FROM cohort_totals WHERE clinic_id = $1`
	if tx.db.loc.Engine == Postgres {
		q += ` FOR UPDATE`
	}
	if err := tx.QueryRowContext(tx.ctx, q, clinicID).Scan(&t.totals, &t.summaries); err != nil {
		return t, fmt.Errorf("cohort totals: %w", err)
	}
	return t, nil
}

// storedCohortRows reads the cohort_rows stored for ids (at most idChunk)
// in tx, by patient.
func storedCohortRows(tx *Tx, ids []int64) (map[int64][]byte, error) {
	list, args := inList(nil, ids)
	rows, err := tx.QueryContext(tx.ctx, `SELECT patient_id, cohort_rows FROM patient_outcomes WHERE patient_id IN (`+list+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("stored cohort rows: %w", err)
	}
	defer rows.Close()
	out := map[int64][]byte{}
	for rows.Next() {
		var id int64
		var b []byte
		if err := rows.Scan(&id, &b); err != nil {
			return nil, fmt.Errorf("stored cohort rows: %w", err)
		}
		out[id] = b
	}
	return out, rows.Err()
}

// saveCohortTotals stores the clinic's summaries version and, unless nil,
// t as its totals, one version on.
func saveCohortTotals(tx *Tx, clinicID, summaries int64, t *outcomes.Totals) error {
	var err error
	if t == nil {
		_, err = tx.ExecContext(tx.ctx, `UPDATE cohort_totals SET summaries_version = $1 WHERE clinic_id = $2`, summaries, clinicID)
	} else {
		_, err = tx.ExecContext(tx.ctx, `UPDATE cohort_totals SET summaries_version = $1, version = version + 1, totals = $2 WHERE clinic_id = $3`,
			summaries, t.Encode(nil), clinicID)
	}
	if err != nil {
		return fmt.Errorf("cohort totals: %w", err)
	}
	return nil
}

// CohortReport is the cohort report of the actor's clinic's study journal
// as the summaries stored hold it.
type CohortReport struct {
	// Version is the version of the totals it was computed from.
	Version int64
	Rows    int
	Report  outcomes.Report
}

// CohortReport returns the report of the actor's clinic's cohort from its
// totals and the stored rows of the patients Friedman's test needs whole,
// read in one snapshot; nil (and no error) when the totals are still at
// version have, the caller's copy. It is the report outcomes.Analyze gives
// for the clinic's CohortJournal when every summary is fresh: the caller
// refreshes the stale rows first.
func (db *DB) CohortReport(ctx context.Context, have int64) (*CohortReport, error) {
	clinicID, err := summaryClinic(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return nil, fmt.Errorf("cohort report: %w", err)
	}
	defer func() { _ = tx.Rollback() }() // read-only: nothing to keep
	out := &CohortReport{}
	var b []byte
	err = tx.QueryRowContext(ctx, `SELECT version, totals FROM cohort_totals WHERE clinic_id = $1`, clinicID).Scan(&out.Version, &b)
	if err != nil && err != sql.ErrNoRows {
		return nil, fmt.Errorf("cohort report: %w", err)
	}
	if out.Version == have {
		return nil, nil
	}
	t, err := outcomes.DecodeTotals(b)
	if err != nil {
		return nil, err
	}
	complete := map[int64][]outcomes.JournalRow{}
	for ids := t.Complete(); len(ids) > 0; {
		part := ids[:min(len(ids), idChunk)]
		ids = ids[len(part):]
		list, args := inList([]any{clinicID}, part)
		rows, err := tx.QueryContext(ctx, `SELECT patient_id, cohort_rows FROM patient_outcomes WHERE clinic_id = $1 AND patient_id IN (`+list+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("cohort report: %w", err)
		}
		for rows.Next() {
			var id int64
			var enc []byte
			if err = rows.Scan(&id, &enc); err != nil {
				break
			}
			if complete[id], err = decodeCohortRows(nil, id, enc); err != nil {
				break
			}
		}
		if err == nil {
			err = rows.Err()
		}
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("cohort report: %w", err)
		}
	}
	if out.Report, err = t.Report(complete); err != nil {
		return nil, err
	}
	out.Rows = int(t.Rows)
	return out, nil
}

// CohortTotals returns the actor's clinic's totals as stored (for tests that
// check them against the sums of every patient's rows).
func (db *DB) CohortTotals(ctx context.Context) (*outcomes.Totals, error) {
	clinicID, err := summaryClinic(ctx)
	if err != nil {
		return nil, err
	}
	var b []byte
	err = db.queryRow(ctx, `SELECT totals FROM cohort_totals WHERE clinic_id = $1`, clinicID).Scan(&b)
	if err != nil && err != sql.ErrNoRows {
		return nil, fmt.Errorf("cohort totals: %w", err)
	}
	return outcomes.DecodeTotals(b)
}

// EachCohortJournal calls fn with each patient's study journal rows in the
// actor's clinic's summaries (those CohortJournal gives, in its order:
// patient ID), one patient at a time as they are read in one query, so
// that the clinic's whole journal (6 million rows at N=10,000) is never in
// memory. The caller refreshes the stale rows first.
func (db *DB) EachCohortJournal(ctx context.Context, fn func(rows []outcomes.JournalRow) error) error {
	clinicID, err := summaryClinic(ctx)
	if err != nil {
		return err
	}
	var buf []outcomes.JournalRow
	err = db.eachRow(ctx, `SELECT patient_id, cohort_rows FROM patient_outcomes WHERE clinic_id = $1 AND cohort_rows IS NOT NULL
		ORDER BY patient_id`, []any{clinicID}, func(rows *sql.Rows) error {
		var id int64
		var b sql.RawBytes
		if err := rows.Scan(&id, &b); err != nil {
			return err
		}
		if buf, err = decodeCohortRows(buf[:0], id, b); err != nil {
			return err
		}
		return fn(buf)
	})
	if err != nil {
		return fmt.Errorf("cohort journal: %w", err)
	}
	return nil
}
