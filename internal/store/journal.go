package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/opioid"
	"github.com/ketatrack/ketatrack/internal/outcomes"
)

// The journal (clinic.JournalService) on both engines. A journal entry's
// row holds its current version; the versions it replaced are in
// journal_entry_versions; each patient's entries on the journal-day axis
// are also packed into journal_series (series.go), rewritten in the same
// transaction as every change.

// scoreColumns are the journal_entries columns of the study journal's
// measures, in outcomes.Measures order (named after the CSV columns).
var scoreColumns = func() string {
	var cols []string
	for _, m := range outcomes.Measures() {
		cols = append(cols, m.Column())
	}
	return strings.Join(cols, ", ")
}()

const journalEntryColumns = `id, clinic_id, patient_id, entry_date, day, source, version, sleep_hours, phq9_items,
	phq9_difficulty, opioids_json, mme_table, note, created_by, created_at, updated_by, updated_by_name, updated_at`

// scanner is one row of a result.
type scanner interface{ Scan(...any) error }

// oneRow runs a one-row query: DB.readOne outside a transaction, Tx.one
// inside one.
type oneRow func(q string, args ...any) scanner

// readOne reads through the read pool (and SQLite's statement cache).
func (db *DB) readOne(ctx context.Context) oneRow {
	return func(q string, args ...any) scanner { return db.queryRow(ctx, q, args...) }
}

// one reads inside the transaction.
func (tx *Tx) one() oneRow {
	return func(q string, args ...any) scanner { return tx.QueryRowContext(tx.ctx, q, args...) }
}

func scanJournalEntry(row scanner) (*clinic.JournalEntry, error) {
	e := clinic.NewJournalEntry(0, clinic.Date{})
	var (
		date                    sql.NullTime
		day, sleep, difficulty  sql.NullInt64
		phq, opioidsJSON, table sql.NullString
		createdBy, updatedBy    sql.NullInt64
		scores                  [outcomes.NumMeasures]sql.NullInt64
		source                  string
	)
	dest := []any{&e.ID, &e.ClinicID, &e.PatientID, &date, &day, &source, &e.Version, &sleep, &phq, &difficulty,
		&opioidsJSON, &table, &e.Note, &createdBy, &e.CreatedAt, &updatedBy, &e.UpdatedByName, &e.UpdatedAt}
	for i := range scores {
		dest = append(dest, &scores[i])
	}
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	e.Date, e.Source = dateOf(date), clinic.JournalSource(source)
	e.Day, e.HasDay = int(day.Int64), day.Valid
	e.CreatedBy, e.UpdatedBy = createdBy.Int64, updatedBy.Int64
	for i, s := range scores {
		if s.Valid {
			e.Scores[i] = outcomes.Score(s.Int64)
		}
	}
	if sleep.Valid {
		e.SleepHours = clinic.Centi(sleep.Int64)
	}
	if phq.Valid && phq.String != "" {
		q, err := clinic.ParsePHQ9Items(phq.String)
		if err != nil {
			return nil, fmt.Errorf("journal entry %d: %w", e.ID, err)
		}
		if difficulty.Valid {
			d := int(difficulty.Int64)
			q.Difficulty = &d
		}
		e.PHQ9 = &q
	}
	if err := json.Unmarshal([]byte(opioidsJSON.String), &e.Opioids); err != nil {
		return nil, fmt.Errorf("journal entry %d opioids: %w", e.ID, err)
	}
	// The MME is recomputed by internal/opioid with the table the entry was
	// saved under, so that every figure shown names its table.
	t := opioid.Table(table.String)
	if t == "" {
		t = opioid.DefaultTable
	}
	s, err := opioid.Summarize(e.Opioids, t)
	if err != nil {
		return nil, fmt.Errorf("journal entry %d MME: %w", e.ID, err)
	}
	e.MME = &s
	return e, nil
}

const selectJournalEntry = `SELECT ` + journalEntryColumns + `, ` + "%s" + ` FROM journal_entries`

func journalSelect(where string) string {
	return fmt.Sprintf(selectJournalEntry, scoreColumns) + " " + where
}

// patientClinic returns the clinic of patientID after checking that the
// actor may read the patient's records (ENOTFOUND otherwise, so that a
// patient cannot learn that another's record exists).
func patientClinic(one oneRow, a *clinic.Actor, patientID int64) (int64, error) {
	var clinicID int64
	err := one(`SELECT clinic_id FROM patients WHERE id = $1`, patientID).Scan(&clinicID)
	if err != nil {
		return 0, notFound(err, "find patient", "No such patient.")
	}
	if !clinic.CanReadPatientRecord(a, clinicID, patientID) {
		return 0, clinic.Errorf(clinic.ENOTFOUND, "No such patient.")
	}
	return clinicID, nil
}

// FindJournalEntries implements clinic.JournalService.
func (db *DB) FindJournalEntries(ctx context.Context, f clinic.JournalFilter) ([]*clinic.JournalEntry, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := patientClinic(db.readOne(ctx), a, f.PatientID); err != nil {
		return nil, err
	}
	where := []string{"patient_id = $1"}
	args := []any{f.PatientID}
	if !f.From.IsZero() {
		args = append(args, dateArg(f.From))
		where = append(where, fmt.Sprintf("entry_date >= $%d", len(args)))
	}
	if !f.To.IsZero() {
		args = append(args, dateArg(f.To))
		where = append(where, fmt.Sprintf("entry_date <= $%d", len(args)))
	}
	args = append(args, limit(f.Limit, 5000, 5000))
	q := journalSelect(`WHERE ` + strings.Join(where, " AND ") +
		fmt.Sprintf(` ORDER BY entry_date IS NULL, entry_date, day, id LIMIT $%d`, len(args)))
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("find journal entries: %w", err)
	}
	defer rows.Close()
	var out []*clinic.JournalEntry
	for rows.Next() {
		e, err := scanJournalEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("find journal entries: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// FindJournalEntryByID implements clinic.JournalService.
func (db *DB) FindJournalEntryByID(ctx context.Context, id int64) (*clinic.JournalEntry, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	e, err := scanJournalEntry(db.queryRow(ctx, journalSelect(`WHERE id = $1`), id))
	if err != nil {
		return nil, notFound(err, "find journal entry", "No such journal entry.")
	}
	if !clinic.CanReadPatientRecord(a, e.ClinicID, e.PatientID) {
		return nil, clinic.Errorf(clinic.ENOTFOUND, "No such journal entry.")
	}
	return e, nil
}

// FindJournalEntryByDate implements clinic.JournalService.
func (db *DB) FindJournalEntryByDate(ctx context.Context, patientID int64, d clinic.Date) (*clinic.JournalEntry, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := patientClinic(db.readOne(ctx), a, patientID); err != nil {
		return nil, err
	}
	e, err := scanJournalEntry(db.queryRow(ctx, journalSelect(`WHERE patient_id = $1 AND entry_date = $2`), patientID, dateArg(d)))
	if err != nil {
		return nil, notFound(err, "find journal entry", "No journal entry for "+d.String()+".")
	}
	return e, nil
}

// SaveJournalEntry implements clinic.JournalService.
func (db *DB) SaveJournalEntry(ctx context.Context, e *clinic.JournalEntry) error {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		clinicID, err := patientClinic(tx.one(), a, e.PatientID)
		if err != nil {
			return err
		}
		if !clinic.CanWriteOwnJournal(a, clinicID, e.PatientID) {
			return clinic.Errorf(clinic.EFORBIDDEN, "You may not write this patient's journal.")
		}
		if err := tx.lockJournal(db, e.PatientID); err != nil {
			return err
		}
		today := clinic.JournalToday(tx.now, tx.zone)
		if e.Date != today {
			return clinic.Invalid("date", "only today's entry (%s) can be written or changed; the entries of other days are kept as they were", today)
		}
		e.ClinicID, e.HasDay, e.Day = clinicID, false, 0
		if _, err := e.ComputeMME(); err != nil {
			return err
		}
		if err := e.Validate(); err != nil {
			return err
		}
		day1, err := journalDay1(tx.one(), e.PatientID)
		if err != nil {
			return err
		}
		if !day1.IsZero() {
			e.Day, e.HasDay = e.Date.DaysSince(day1)+1, true
		}
		old, err := scanJournalEntry(tx.QueryRowContext(ctx, journalSelect(`WHERE patient_id = $1 AND entry_date = $2`), e.PatientID, dateArg(e.Date)))
		switch {
		case err == sql.ErrNoRows:
			old = nil
		case err != nil:
			return fmt.Errorf("save journal entry: %w", err)
		}
		e.UpdatedBy, e.UpdatedByName, e.UpdatedAt = journalUserID(a), a.Name, tx.now
		if e.UpdatedByName == "" {
			e.UpdatedByName = a.Login
		}
		if old == nil {
			e.Source = clinic.JournalByStaff
			if a.Role == clinic.RolePatient {
				e.Source = clinic.JournalByPatient
			}
			e.Version, e.CreatedBy, e.CreatedAt = 1, e.UpdatedBy, tx.now
			if err := insertJournalEntry(tx, e); err != nil {
				return err
			}
			if err := tx.audit(clinic.AuditEntry{ClinicID: clinicID, Action: clinic.ActionCreate, Entity: "journal_entry",
				EntityID: e.ID, PatientID: e.PatientID}, nil, e); err != nil {
				return err
			}
		} else {
			if old.Source == clinic.JournalImported {
				return clinic.Errorf(clinic.ECONFLICT, "The journal entry of %s was imported from a study journal and cannot be changed here.", e.Date)
			}
			e.ID, e.Source, e.CreatedBy, e.CreatedAt, e.Version = old.ID, old.Source, old.CreatedBy, old.CreatedAt, old.Version+1
			snapshot, err := json.Marshal(old)
			if err != nil {
				return fmt.Errorf("journal version: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO journal_entry_versions (entry_id, patient_id, version, entry_json, replaced_by, replaced_at)
				VALUES ($1, $2, $3, $4, $5, $6)`, old.ID, old.PatientID, old.Version, string(snapshot), nullInt(e.UpdatedBy), tx.now); err != nil {
				return fmt.Errorf("journal version: %w", err)
			}
			if err := updateJournalEntry(tx, e); err != nil {
				return err
			}
			if err := tx.audit(clinic.AuditEntry{ClinicID: clinicID, Action: clinic.ActionUpdate, Entity: "journal_entry",
				EntityID: e.ID, PatientID: e.PatientID}, old, e); err != nil {
				return err
			}
		}
		return refreshSeries(tx, clinicID, e.PatientID)
	})
}

// lockJournal takes the row lock of the patient for the rest of tx
// (PostgreSQL; SQLite's writer is single), so that saves of one patient's
// journal from any number of requests and server instances run one after
// another, each reading the entry (and its version number) the one before
// committed. Without it two saves of today's entry read the same version
// and the second fails on journal_entry_versions' unique (entry_id,
// version) with a 500 (found by bench/load on PostgreSQL).
func (tx *Tx) lockJournal(db *DB, patientID int64) error {
	if db.loc.Engine != Postgres {
		return nil
	}
	var got int64
	err := tx.QueryRowContext(tx.ctx, `SELECT id FROM patients WHERE id = $1 FOR UPDATE`, patientID).Scan(&got)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("lock journal of patient %d: %w", patientID, err)
	}
	return nil
}

// journalUserID is the user ID of a for created_by columns (0, stored NULL,
// for the command-line operator).
func journalUserID(a *clinic.Actor) int64 {
	if a.System {
		return 0
	}
	return a.UserID
}

// journalValues returns the column values of e after the key columns, in
// the order of journalValueColumns.
const journalValueColumns = `sleep_hours, phq9_items, phq9_difficulty, opioids_json, mme_per_day, mme_table, mme_complete, note`

func journalValues(e *clinic.JournalEntry) ([]any, error) {
	var sleep, phq, difficulty, mme any
	if e.SleepHours != clinic.MissingCenti {
		sleep = int64(e.SleepHours)
	}
	if e.PHQ9 != nil {
		phq = e.PHQ9.String()
		if e.PHQ9.Difficulty != nil {
			difficulty = int64(*e.PHQ9.Difficulty)
		}
	}
	oj := "[]" // what json.Marshal writes for no opioids
	if len(e.Opioids) > 0 {
		b, err := json.Marshal(e.Opioids)
		if err != nil {
			return nil, fmt.Errorf("journal opioids: %w", err)
		}
		oj = string(b)
	}
	table, complete := string(opioid.DefaultTable), true
	if e.MME != nil {
		table, complete = string(e.MME.Table), e.MME.Complete
		if len(e.MME.Figures) > 0 {
			mme = e.MME.TotalMMEPerDay
		}
	}
	return []any{sleep, phq, difficulty, oj, mme, table, complete, e.Note}, nil
}

func scoreArgs(s *[outcomes.NumMeasures]outcomes.Score) []any {
	return appendScoreArgs(make([]any, 0, len(s)), s)
}

// appendScoreArgs appends the scores' column values to args.
func appendScoreArgs(args []any, s *[outcomes.NumMeasures]outcomes.Score) []any {
	for _, v := range s {
		if v != outcomes.Missing {
			args = append(args, int64(v))
		} else {
			args = append(args, nil)
		}
	}
	return args
}

// journalEntryArgCount is the number of insertJournalSQL's arguments.
var journalEntryArgCount = 6 + len(strings.Split(journalValueColumns, ", ")) + 5 + outcomes.NumMeasures

// insertJournalSQL inserts one journal entry (insertJournalEntry's
// arguments: 6 keys, the values, 5 stamps, the scores).
var insertJournalSQL = insertJournalHead + `(` +
	paramList(1, 6+len(strings.Split(journalValueColumns, ", "))+5+len(strings.Split(scoreColumns, ", "))) + `) RETURNING id`

// insertJournalHead is insertJournalSQL up to its VALUES.
var insertJournalHead = `INSERT INTO journal_entries (clinic_id, patient_id, entry_date, day, source, version, ` + journalValueColumns +
	`, created_by, created_at, updated_by, updated_by_name, updated_at, ` + scoreColumns + `) VALUES `

// journalEntryArgs are e's values in insertJournalSQL's order.
func journalEntryArgs(e *clinic.JournalEntry) ([]any, error) {
	vals, err := journalValues(e)
	if err != nil {
		return nil, err
	}
	var day any
	if e.HasDay {
		day = e.Day
	}
	args := make([]any, 0, journalEntryArgCount)
	args = append(args, e.ClinicID, e.PatientID, dateArg(e.Date), day, string(e.Source), e.Version)
	args = append(args, vals...)
	args = append(args, nullInt(e.CreatedBy), e.CreatedAt, nullInt(e.UpdatedBy), e.UpdatedByName, e.UpdatedAt)
	return appendScoreArgs(args, &e.Scores), nil
}

func insertJournalEntry(tx *Tx, e *clinic.JournalEntry) error {
	args, err := journalEntryArgs(e)
	if err != nil {
		return err
	}
	if err := tx.queryRowPrepared(tx.ctx, tx.db, insertJournalSQL, args...).Scan(&e.ID); err != nil {
		if isUniqueViolation(err) {
			return clinic.Errorf(clinic.ECONFLICT, "The patient already has a journal entry for journal day %d (imported).", e.Day)
		}
		return fmt.Errorf("create journal entry: %w", err)
	}
	return nil
}

func updateJournalEntry(tx *Tx, e *clinic.JournalEntry) error {
	vals, err := journalValues(e)
	if err != nil {
		return err
	}
	var day any
	if e.HasDay {
		day = e.Day
	}
	sets := []string{"day", "version"}
	args := []any{day, e.Version}
	sets = append(sets, strings.Split(journalValueColumns, ", ")...)
	args = append(args, vals...)
	sets = append(sets, "updated_by", "updated_by_name", "updated_at")
	args = append(args, nullInt(e.UpdatedBy), e.UpdatedByName, e.UpdatedAt)
	sets = append(sets, strings.Split(scoreColumns, ", ")...)
	args = append(args, scoreArgs(&e.Scores)...)
	var b strings.Builder
	for i, c := range sets {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s = $%d", c, i+1)
	}
	args = append(args, e.ID)
	if _, err := tx.ExecContext(tx.ctx, `UPDATE journal_entries SET `+b.String()+fmt.Sprintf(` WHERE id = $%d`, len(args)), args...); err != nil {
		return fmt.Errorf("update journal entry: %w", err)
	}
	return nil
}

// paramList returns "$from, …, $(from+n−1)".
func paramList(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", from+i)
	}
	return b.String()
}

// FindJournalVersions implements clinic.JournalService.
func (db *DB) FindJournalVersions(ctx context.Context, entryID int64) ([]*clinic.JournalVersion, error) {
	if _, err := db.FindJournalEntryByID(ctx, entryID); err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, `SELECT version, entry_json, replaced_by, replaced_at FROM journal_entry_versions
		WHERE entry_id = $1 ORDER BY version`, entryID)
	if err != nil {
		return nil, fmt.Errorf("find journal versions: %w", err)
	}
	defer rows.Close()
	var out []*clinic.JournalVersion
	for rows.Next() {
		v := &clinic.JournalVersion{EntryID: entryID}
		var js string
		var by sql.NullInt64
		if err := rows.Scan(&v.Version, &js, &by, &v.Replaced); err != nil {
			return nil, fmt.Errorf("find journal versions: %w", err)
		}
		v.ReplacedBy = by.Int64
		v.Entry = &clinic.JournalEntry{}
		if err := json.Unmarshal([]byte(js), v.Entry); err != nil {
			return nil, fmt.Errorf("journal version %d of entry %d: %w", v.Version, entryID, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// journalDay1 returns the patient's day 1 (zero when not set).
func journalDay1(one oneRow, patientID int64) (clinic.Date, error) {
	var d sql.NullTime
	err := one(`SELECT day1 FROM journal_day1 WHERE patient_id = $1`, patientID).Scan(&d)
	if err != nil && err != sql.ErrNoRows {
		return clinic.Date{}, fmt.Errorf("journal day 1: %w", err)
	}
	return dateOf(d), nil
}

// JournalDay1 implements clinic.JournalService.
func (db *DB) JournalDay1(ctx context.Context, patientID int64) (clinic.Date, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return clinic.Date{}, err
	}
	if _, err := patientClinic(db.readOne(ctx), a, patientID); err != nil {
		return clinic.Date{}, err
	}
	return journalDay1(db.readOne(ctx), patientID)
}

// SetJournalDay1 implements clinic.JournalService. Entered values stay as
// they were entered: a dated entry keeps its date and gets a new journal
// day; an imported entry keeps its journal day and gets a new date. Two
// entries landing on the same day refuse the change (ECONFLICT).
func (db *DB) SetJournalDay1(ctx context.Context, patientID int64, day1 clinic.Date) error {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return err
	}
	if day1.IsZero() || day1.Year < 1900 {
		return clinic.Invalid("day1", "the date of the first infusion day (YYYY-MM-DD) is required")
	}
	return db.update(ctx, func(tx *Tx) error {
		clinicID, err := patientClinic(tx.one(), a, patientID)
		if err != nil {
			return err
		}
		if !clinic.CanWritePatientRecord(a, clinicID, patientID) {
			return clinic.Errorf(clinic.EFORBIDDEN, "Only the clinic's staff may set the journal's day 1.")
		}
		if err := tx.lockJournal(db, patientID); err != nil {
			return err
		}
		before, err := journalDay1(tx.one(), patientID)
		if err != nil {
			return err
		}
		if before == day1 {
			return nil
		}
		if before.IsZero() {
			_, err = tx.ExecContext(ctx, `INSERT INTO journal_day1 (patient_id, clinic_id, day1, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5)`,
				patientID, clinicID, dateArg(day1), nullInt(journalUserID(a)), tx.now)
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE journal_day1 SET day1 = $1, updated_by = $2, updated_at = $3 WHERE patient_id = $4`,
				dateArg(day1), nullInt(journalUserID(a)), tx.now, patientID)
		}
		if err != nil {
			return fmt.Errorf("set journal day 1: %w", err)
		}
		if err := renumberJournal(tx, patientID, day1); err != nil {
			return err
		}
		type day1JSON struct {
			Day1 clinic.Date `json:"day1"`
		}
		var old any
		if !before.IsZero() {
			old = day1JSON{before}
		}
		if err := tx.audit(clinic.AuditEntry{ClinicID: clinicID, Action: clinic.ActionUpdate, Entity: "journal_day1",
			EntityID: patientID, PatientID: patientID}, old, day1JSON{day1}); err != nil {
			return err
		}
		return refreshSeries(tx, clinicID, patientID)
	})
}

// renumberJournal recomputes the patient's journal days (dated entries) and
// dates (imported entries) from day1. The derived column is cleared first,
// so that a shift never collides with a row not yet renumbered.
func renumberJournal(tx *Tx, patientID int64, day1 clinic.Date) error {
	ctx := tx.ctx
	rows, err := tx.QueryContext(ctx, `SELECT id, entry_date, day, source FROM journal_entries WHERE patient_id = $1`, patientID)
	if err != nil {
		return fmt.Errorf("renumber journal: %w", err)
	}
	type entry struct {
		id     int64
		date   clinic.Date
		day    int
		source string
	}
	var list []entry
	for rows.Next() {
		var e entry
		var d sql.NullTime
		var day sql.NullInt64
		if err := rows.Scan(&e.id, &d, &day, &e.source); err != nil {
			rows.Close()
			return fmt.Errorf("renumber journal: %w", err)
		}
		e.date, e.day = dateOf(d), int(day.Int64)
		list = append(list, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("renumber journal: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE journal_entries SET day = NULL WHERE patient_id = $1 AND source <> 'import'`, patientID); err != nil {
		return fmt.Errorf("renumber journal: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE journal_entries SET entry_date = NULL WHERE patient_id = $1 AND source = 'import'`, patientID); err != nil {
		return fmt.Errorf("renumber journal: %w", err)
	}
	for _, e := range list {
		if e.source == string(clinic.JournalImported) {
			d := day1.AddDays(e.day - 1)
			if _, err := tx.ExecContext(ctx, `UPDATE journal_entries SET entry_date = $1 WHERE id = $2`, dateArg(d), e.id); err != nil {
				if isUniqueViolation(err) {
					return clinic.Errorf(clinic.ECONFLICT, "With day 1 on %s, imported journal day %d falls on %s, which already has an entry.", day1, e.day, d)
				}
				return fmt.Errorf("renumber journal: %w", err)
			}
			continue
		}
		day := e.date.DaysSince(day1) + 1
		if _, err := tx.ExecContext(ctx, `UPDATE journal_entries SET day = $1 WHERE id = $2`, day, e.id); err != nil {
			if isUniqueViolation(err) {
				return clinic.Errorf(clinic.ECONFLICT, "With day 1 on %s, the entry of %s is journal day %d, which an imported entry already holds.", day1, e.date, day)
			}
			return fmt.Errorf("renumber journal: %w", err)
		}
	}
	return nil
}
