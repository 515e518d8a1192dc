package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/outcomes"
)

// journal_series packs each patient's study journal (the entries with a
// journal day ≥ 1) into one row, so that a cohort report reads one row per
// patient instead of one per day: 10,000 patients × 600 days are 10,000
// rows, not 6 million (bench/cohort measures the difference). It is a
// projection of journal_entries, rewritten in the same transaction as every
// change to a patient's entries, and RebuildJournalSeries rebuilds it.
//
// Layout of packed: one 24-byte record per journal day, in day order:
// the day as a little-endian uint32, then the ten scores of
// outcomes.Measures as little-endian int16 hundredths, −1 for a missing
// value.
const seriesRecord = 4 + 2*outcomes.NumMeasures

// packSeries packs rows (one patient's, at most one per day) in day order.
func packSeries(rows []outcomes.JournalRow) []byte {
	rows = slices.Clone(rows)
	slices.SortFunc(rows, func(a, b outcomes.JournalRow) int { return a.Day - b.Day })
	b := make([]byte, 0, len(rows)*seriesRecord)
	for i := range rows {
		b = binary.LittleEndian.AppendUint32(b, uint32(rows[i].Day))
		for _, s := range rows[i].Scores {
			b = binary.LittleEndian.AppendUint16(b, uint16(s))
		}
	}
	return b
}

// unpackSeries appends the rows packed in b to out, with patient as their
// patient identifier.
func unpackSeries(out []outcomes.JournalRow, patient string, b []byte) ([]outcomes.JournalRow, error) {
	if len(b)%seriesRecord != 0 {
		return nil, fmt.Errorf("journal series of patient %s: %d bytes is not a whole number of records", patient, len(b))
	}
	for off := 0; off < len(b); off += seriesRecord {
		r := outcomes.JournalRow{Patient: patient, Day: int(binary.LittleEndian.Uint32(b[off:]))}
		for m := range r.Scores {
			r.Scores[m] = outcomes.Score(int16(binary.LittleEndian.Uint16(b[off+4+2*m:])))
		}
		out = append(out, r)
	}
	return out, nil
}

// patientRows reads the patient's study journal rows (day ≥ 1) from
// journal_entries.
func patientRows(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, patientID int64) ([]outcomes.JournalRow, error) {
	rows, err := q.QueryContext(ctx, `SELECT day, `+scoreColumns+` FROM journal_entries WHERE patient_id = $1 AND day >= 1 ORDER BY day`, patientID)
	if err != nil {
		return nil, fmt.Errorf("journal rows: %w", err)
	}
	defer rows.Close()
	var out []outcomes.JournalRow
	var scores [outcomes.NumMeasures]sql.NullInt64
	dest := make([]any, 1+len(scores))
	for i := range scores {
		dest[1+i] = &scores[i]
	}
	id := strconv.FormatInt(patientID, 10)
	for rows.Next() {
		r := outcomes.JournalRow{Patient: id}
		dest[0] = &r.Day
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("journal rows: %w", err)
		}
		for i, s := range scores {
			r.Scores[i] = outcomes.Missing
			if s.Valid {
				r.Scores[i] = outcomes.Score(s.Int64)
			}
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// refreshSeries rewrites the patient's packed series from journal_entries.
func refreshSeries(tx *Tx, clinicID, patientID int64) error {
	rows, err := patientRows(tx.ctx, tx, patientID)
	if err != nil {
		return err
	}
	return writeSeries(tx, clinicID, patientID, rows)
}

// writeSeries stores rows as the patient's packed series. Every change of
// a patient's journal entries or day 1 ends here, so it also marks the
// patient's outcome summary stale (bumpOutcomeGen).
func writeSeries(tx *Tx, clinicID, patientID int64, rows []outcomes.JournalRow) error {
	if err := bumpOutcomeGen(tx, clinicID, patientID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(tx.ctx, `DELETE FROM journal_series WHERE patient_id = $1`, patientID); err != nil {
		return fmt.Errorf("journal series: %w", err)
	}
	if len(rows) == 0 {
		return nil
	}
	if _, err := tx.ExecContext(tx.ctx, `INSERT INTO journal_series (patient_id, clinic_id, days, packed) VALUES ($1, $2, $3, $4)`,
		patientID, clinicID, len(rows), packSeries(rows)); err != nil {
		return fmt.Errorf("journal series: %w", err)
	}
	return nil
}

// RebuildJournalSeries rewrites every patient's packed series from
// journal_entries (the command-line operator only). The store keeps the
// series current itself; this repairs a database changed by other means.
func (db *DB) RebuildJournalSeries(ctx context.Context) error {
	if a := clinic.ActorFrom(ctx); a == nil || !a.System {
		return clinic.Errorf(clinic.EFORBIDDEN, "Only the command-line operator may rebuild the journal series.")
	}
	return db.update(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM journal_series`); err != nil {
			return fmt.Errorf("journal series: %w", err)
		}
		rows, err := tx.QueryContext(ctx, `SELECT DISTINCT patient_id, clinic_id FROM journal_entries`)
		if err != nil {
			return fmt.Errorf("journal series: %w", err)
		}
		var ids [][2]int64
		for rows.Next() {
			var p, c int64
			if err := rows.Scan(&p, &c); err != nil {
				rows.Close()
				return fmt.Errorf("journal series: %w", err)
			}
			ids = append(ids, [2]int64{p, c})
		}
		rows.Close()
		for _, pc := range ids {
			if err := refreshSeries(tx, pc[1], pc[0]); err != nil {
				return err
			}
		}
		return nil
	})
}

// CohortJournal implements clinic.JournalService: the study journal of the
// actor's clinic from the packed series, one read per patient.
func (db *DB) CohortJournal(ctx context.Context, f clinic.CohortFilter) (*clinic.CohortRows, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if !clinic.CanReadCohort(a, a.ClinicID) {
		return nil, clinic.Errorf(clinic.EFORBIDDEN, "The cohort journal is for the clinic's clinicians and administrators.")
	}
	where, args := "", []any{}
	if !a.System {
		args = append(args, a.ClinicID)
		where = "WHERE clinic_id = $1"
	}
	if f.PatientIDs != nil {
		if len(f.PatientIDs) == 0 {
			return &clinic.CohortRows{}, nil
		}
		ids := make([]string, len(f.PatientIDs))
		for i, id := range f.PatientIDs {
			ids[i] = strconv.FormatInt(id, 10) // integers: no injection possible
		}
		cond := "patient_id IN (" + strings.Join(ids, ",") + ")"
		if where == "" {
			where = "WHERE " + cond
		} else {
			where += " AND " + cond
		}
	}
	var total sql.NullInt64
	if err := db.queryRow(ctx, `SELECT sum(days) FROM journal_series `+where, args...).Scan(&total); err != nil {
		return nil, fmt.Errorf("cohort journal: %w", err)
	}
	out := make([]outcomes.JournalRow, 0, total.Int64)
	rows, err := db.query(ctx, `SELECT patient_id, packed FROM journal_series `+where+` ORDER BY patient_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("cohort journal: %w", err)
	}
	defer rows.Close()
	var packed sql.RawBytes
	var id int64
	for rows.Next() {
		if err := rows.Scan(&id, &packed); err != nil {
			return nil, fmt.Errorf("cohort journal: %w", err)
		}
		if out, err = unpackSeries(out, strconv.FormatInt(id, 10), packed); err != nil {
			return nil, err
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cohort journal: %w", err)
	}
	return &clinic.CohortRows{Rows: out}, nil
}
