package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/outcomes"
)

// The inputs of patients' outcomes read set-based, for the outcome
// summaries of the clinic's analytics and the dashboard's relapses (issue
// 16: no query per patient). Four queries per idChunk patients: the
// patients, their journal day 1, the signed plans of their courses, and one
// stream of their journal entries ordered by patient; the
// patient-by-patient readers (FindJournalEntries, JournalDay1, FindCourses)
// give the same values.

// OutcomeInputs is one patient's journal, journal day 1 and courses as the
// outcome analysis reads them.
type OutcomeInputs struct {
	Patient *clinic.Patient
	// Rank is the patient's place in FindPatients order (family name,
	// given name, ID, as the database collates them), from 0.
	Rank int
	// Entries are the patient's journal entries in FindJournalEntries order
	// (by date, undated last, then day and ID), with their dates, journal
	// days and scores only.
	Entries []*clinic.JournalEntry
	Day1    clinic.Date
	// Courses are the patient's courses in FindCourses order (newest
	// first), each with its current signed version only, whose plan holds
	// the protocol, start date and day dates only; a course without a
	// signed version has no versions.
	Courses []*clinic.Course
}

// signedPlan is the part of a plan version's plan_json the outcomes read.
type signedPlan struct {
	ProtocolID    string      `json:"protocol_id"`
	ProtocolTitle string      `json:"protocol_title"`
	StartDate     clinic.Date `json:"start_date"`
	Days          []struct {
		Date clinic.Date `json:"date"`
	} `json:"days"`
}

// EachOutcomeInputsOf calls fn, in patient ID order, with the inputs of
// each patient of ids (at most idChunk) in the actor's scope who has a
// journal entry; Rank is the place among them. The entries are read as one
// stream; fn's argument is valid only during the call.
func (db *DB) EachOutcomeInputsOf(ctx context.Context, ids []int64, fn func(*OutcomeInputs) error) error {
	if len(ids) == 0 {
		return nil
	}
	if len(ids) > idChunk {
		return fmt.Errorf("outcome inputs: %d patients, at most %d at once", len(ids), idChunk)
	}
	// The IN list padded to a power of two by repeating the last ID, so
	// that the statement cache holds a few shapes of it, not one per length.
	n := 1
	for n < len(ids) {
		n *= 2
	}
	padded := slices.Clone(ids)
	for len(padded) < min(n, idChunk) {
		padded = append(padded, ids[len(ids)-1])
	}
	return db.eachOutcomeInputs(ctx, func(w *where) {
		var list string
		list, w.args = inList(w.args, padded)
		w.add("id IN (" + list + ")")
	}, fn)
}

// OutcomeRange is the most patient IDs EachOutcomeInputsBetween reads at
// once.
const OutcomeRange = 2 * idChunk

// EachOutcomeInputsBetween is EachOutcomeInputsOf for the patients whose ID
// is from first to last (at most OutcomeRange IDs): the first fill of the
// summaries reads the clinic range by range, each query bounded by an ID
// range rather than a list of IDs.
func (db *DB) EachOutcomeInputsBetween(ctx context.Context, first, last int64, fn func(*OutcomeInputs) error) error {
	if last < first {
		return nil
	}
	if last-first >= OutcomeRange {
		return fmt.Errorf("outcome inputs: patients %d to %d, at most %d at once", first, last, OutcomeRange)
	}
	return db.eachOutcomeInputs(ctx, func(w *where) {
		w.add("id BETWEEN " + w.arg(first) + " AND " + w.arg(last))
	}, fn)
}

// eachOutcomeInputs reads the inputs of the patients in the actor's scope
// that choose adds its condition on patients.id for.
func (db *DB) eachOutcomeInputs(ctx context.Context, choose func(*where), fn func(*OutcomeInputs) error) error {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return err
	}
	var w where
	if err := patientScope(a, &w); err != nil {
		return err
	}
	choose(&w)
	args := w.args
	// The same scope on the tables keyed by patient_id.
	scope := ` WHERE patient_id IN (SELECT id FROM patients` + w.sql() + `)`
	type ranked struct {
		p    *clinic.Patient
		rank int
	}
	patients := map[int64]ranked{}
	if err := db.eachRow(ctx, `SELECT `+patientColumns+` FROM patients`+w.sql()+` ORDER BY family_name, given_name, id`, args, func(rows *sql.Rows) error {
		p, err := scanPatient(rows)
		if err == nil {
			patients[p.ID] = ranked{p, len(patients)}
		}
		return err
	}); err != nil {
		return fmt.Errorf("outcome inputs: patients: %w", err)
	}
	day1 := map[int64]clinic.Date{}
	if err := db.eachRow(ctx, `SELECT patient_id, day1 FROM journal_day1`+scope, args, func(rows *sql.Rows) error {
		var id int64
		var d sql.NullTime
		err := rows.Scan(&id, &d)
		day1[id] = dateOf(d)
		return err
	}); err != nil {
		return fmt.Errorf("outcome inputs: day 1: %w", err)
	}
	courses := map[int64][]*clinic.Course{}
	byID := map[int64]*clinic.Course{}
	if err := db.eachRow(ctx, `SELECT `+courseColumns+` FROM courses`+scope+` ORDER BY patient_id, id DESC`, args, func(rows *sql.Rows) error {
		c, err := scanCourse(rows)
		if err == nil {
			courses[c.PatientID] = append(courses[c.PatientID], c)
			byID[c.ID] = c
		}
		return err
	}); err != nil {
		return fmt.Errorf("outcome inputs: courses: %w", err)
	}
	// The latest signed version of each course (clinic.Course.Current).
	if err := db.eachRow(ctx, `SELECT course_id, version, plan_json FROM plan_versions WHERE status = 'signed'
		AND course_id IN (SELECT id FROM courses`+scope+`) ORDER BY course_id, version`, args, func(rows *sql.Rows) error {
		v := &clinic.PlanVersion{Status: clinic.PlanSigned}
		var plan string
		if err := rows.Scan(&v.CourseID, &v.Version, &plan); err != nil {
			return err
		}
		var sp signedPlan
		if err := json.Unmarshal([]byte(plan), &sp); err != nil {
			return fmt.Errorf("plan of course %d version %d: %w", v.CourseID, v.Version, err)
		}
		v.Plan = &clinic.Plan{ProtocolID: sp.ProtocolID, ProtocolTitle: sp.ProtocolTitle, StartDate: sp.StartDate}
		for _, d := range sp.Days {
			v.Plan.Days = append(v.Plan.Days, clinic.PlanDay{Date: d.Date})
		}
		if c := byID[v.CourseID]; c != nil {
			c.Versions = []*clinic.PlanVersion{v}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("outcome inputs: plans: %w", err)
	}
	in := &OutcomeInputs{}
	flush := func() error {
		if in.Patient == nil || len(in.Entries) == 0 {
			return nil
		}
		sortJournalEntries(in.Entries)
		in.Day1, in.Courses = day1[in.Patient.ID], courses[in.Patient.ID]
		return fn(in)
	}
	// The date as text, parsed here, rather than the driver's time.Time.
	// Ordered by patient only (the index on patient_id and entry_date gives
	// it without a sort); each patient's entries are put in order in Go.
	err = db.eachRow(ctx, `SELECT id, patient_id, CAST(entry_date AS TEXT), day, `+packedScores+` FROM journal_entries`+scope+` ORDER BY patient_id`, args,
		func(rows *sql.Rows) error {
			e := clinic.NewJournalEntry(0, clinic.Date{})
			var date sql.NullString
			var day sql.NullInt64
			var scores sql.RawBytes
			if err := rows.Scan(&e.ID, &e.PatientID, &date, &day, &scores); err != nil {
				return err
			}
			if err := unpackScores(&e.Scores, scores); err != nil {
				return fmt.Errorf("journal entry %d: %w", e.ID, err)
			}
			if date.Valid {
				d, err := clinic.ParseDate(date.String)
				if err != nil {
					return fmt.Errorf("journal entry %d: %w", e.ID, err)
				}
				e.Date = d
			}
			e.Day, e.HasDay = int(day.Int64), day.Valid
			if in.Patient == nil || in.Patient.ID != e.PatientID {
				if err := flush(); err != nil {
					return err
				}
				r := patients[e.PatientID]
				in = &OutcomeInputs{Patient: r.p, Rank: r.rank}
			}
			in.Entries = append(in.Entries, e)
			return nil
		})
	if err != nil {
		return fmt.Errorf("outcome inputs: journal: %w", err)
	}
	return flush()
}

// packedScores is the scores of a journal entry as one text column, each
// score in hundredths followed by a space, -1 for a missing one: the
// SQLite driver's cost is per column, and one column instead of ten (with
// the date as text) took the stream of 617,000 entries from 3.1 to 2.6 s
// of CPU.
var packedScores = func() string {
	var parts []string
	for _, m := range outcomes.Measures() {
		parts = append(parts, "CAST(COALESCE("+m.Column()+", -1) AS TEXT) || ' '")
	}
	return strings.Join(parts, " || ")
}()

// unpackScores reads packedScores into scores.
func unpackScores(scores *[outcomes.NumMeasures]outcomes.Score, b []byte) error {
	m := 0
	v, neg, digits := 0, false, 0
	for _, c := range b {
		switch {
		case c == '-' && digits == 0:
			neg = true
		case c >= '0' && c <= '9':
			v, digits = v*10+int(c-'0'), digits+1
		case c == ' ' && digits > 0 && m < len(scores):
			scores[m] = outcomes.Score(v)
			if neg { // packedScores writes -1 for a missing score
				scores[m] = outcomes.Missing
			}
			m, v, neg, digits = m+1, 0, false, 0
		default:
			return fmt.Errorf("scores %q: unexpected %q", b, c)
		}
	}
	if m != len(scores) || digits != 0 {
		return fmt.Errorf("scores %q: %d of %d values", b, m, len(scores))
	}
	return nil
}

// sortJournalEntries puts one patient's entries in FindJournalEntries
// order: entry_date IS NULL, entry_date, day, id.
func sortJournalEntries(es []*clinic.JournalEntry) {
	key := func(e *clinic.JournalEntry) (bool, clinic.Date, int, bool, int64) {
		return e.Date.IsZero(), e.Date, e.Day, e.HasDay, e.ID
	}
	slices.SortFunc(es, func(a, b *clinic.JournalEntry) int {
		an, ad, ay, ah, ai := key(a)
		bn, bd, by, bh, bi := key(b)
		switch {
		case an != bn:
			if an {
				return 1
			}
			return -1
		case ad != bd:
			return ad.DaysSince(bd)
		case ah != bh:
			// NULL sorts first in SQLite and last in PostgreSQL; no two
			// entries of a patient share a date, so only undated ones get
			// here, and those always have a day.
			if ah {
				return 1
			}
			return -1
		case ay != by:
			return ay - by
		}
		return cmp.Compare(ai, bi)
	})
}

// eachRow runs q on the read pool and calls fn for each row.
func (db *DB) eachRow(ctx context.Context, q string, args []any, fn func(*sql.Rows) error) error {
	rows, err := db.query(ctx, q, args...)
	return scanEach(rows, err, fn)
}

// scanEach calls fn for each row of a query's answer (rows, err), closing
// rows: eachRow on the read pool, and on a transaction's connection.
func scanEach(rows *sql.Rows, err error, fn func(*sql.Rows) error) error {
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
