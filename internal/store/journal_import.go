package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/outcomes"
)

// ImportJournal implements clinic.JournalService. Every row goes in one
// transaction; before writing, every row is checked against the entries
// the patients already have, so that a clash names its file line. Rows are
// written with COPY on PostgreSQL and with one prepared INSERT executed per
// row on SQLite. Each patient's import is audited (rows, first and last
// journal day).
func (db *DB) ImportJournal(ctx context.Context, in []clinic.JournalImportRow) (*clinic.JournalImport, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	res := &clinic.JournalImport{}
	run := db.updateOnConn
	if db.loc.Engine == SQLite {
		// SQLite needs no COPY: the import is one more write request of
		// the single writer (db.update).
		run = func(ctx context.Context, fn func(*Tx, *sql.Conn) error) error {
			return db.update(ctx, func(tx *Tx) error { return fn(tx, nil) })
		}
	}
	err = run(ctx, func(tx *Tx, conn *sql.Conn) error {
		// The patients, their clinics, rights and day 1.
		type patientInfo struct {
			clinicID        int64
			day1            clinic.Date
			rows            []int // indices into in
			existing        bool
			firstDay, lastD int
		}
		patients := map[int64]*patientInfo{}
		var order []int64
		for i := range in {
			r := &in[i]
			if err := r.Row.Validate(); err != nil {
				return &clinic.ImportRowError{Line: r.Line, Column: 1, Field: "row", Err: err}
			}
			p, ok := patients[r.PatientID]
			if !ok {
				clinicID, err := patientClinic(tx.one(), a, r.PatientID)
				if err != nil {
					return &clinic.ImportRowError{Line: r.Line, Column: 1, Field: "patient_id", Err: err}
				}
				if !clinic.CanWritePatientRecord(a, clinicID, r.PatientID) {
					return &clinic.ImportRowError{Line: r.Line, Column: 1, Field: "patient_id",
						Err: clinic.Errorf(clinic.EFORBIDDEN, "you may not write this patient's journal")}
				}
				day1, err := journalDay1(tx.one(), r.PatientID)
				if err != nil {
					return err
				}
				p = &patientInfo{clinicID: clinicID, day1: day1, firstDay: r.Row.Day, lastD: r.Row.Day}
				patients[r.PatientID] = p
				order = append(order, r.PatientID)
			}
			p.rows = append(p.rows, i)
			p.firstDay, p.lastD = min(p.firstDay, r.Row.Day), max(p.lastD, r.Row.Day)
		}
		// Clashes with entries already there (and within the file: the
		// CSV reader already refuses two rows for one patient and day, but
		// two identifiers may name the same patient).
		for _, pid := range order {
			p := patients[pid]
			taken := map[int]string{}
			days, err := tx.QueryContext(ctx, `SELECT day, entry_date FROM journal_entries WHERE patient_id = $1 AND day IS NOT NULL`, pid)
			if err != nil {
				return fmt.Errorf("import journal: %w", err)
			}
			for days.Next() {
				var d int
				var date sql.NullTime
				if err := days.Scan(&d, &date); err != nil {
					days.Close()
					return fmt.Errorf("import journal: %w", err)
				}
				taken[d] = "an entry already in the journal"
				p.existing = true
			}
			days.Close()
			if err := days.Err(); err != nil {
				return fmt.Errorf("import journal: %w", err)
			}
			if !p.existing {
				var n int
				if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM journal_entries WHERE patient_id = $1`, pid).Scan(&n); err != nil {
					return fmt.Errorf("import journal: %w", err)
				}
				p.existing = n > 0
			}
			for _, i := range p.rows {
				r := &in[i]
				if what, ok := taken[r.Row.Day]; ok {
					return &clinic.ImportRowError{Line: r.Line, Column: 2, Field: "day",
						Err: clinic.Errorf(clinic.ECONFLICT, "patient %s already has journal day %d (%s)", r.Row.Patient, r.Row.Day, what)}
				}
				taken[r.Row.Day] = fmt.Sprintf("line %d", r.Line)
			}
		}
		if err := db.insertImportRows(tx, conn, in, func(pid int64) (int64, clinic.Date) {
			p := patients[pid]
			return p.clinicID, p.day1
		}); err != nil {
			return err
		}
		for _, pid := range order {
			p := patients[pid]
			type importJSON struct {
				Rows     int `json:"rows"`
				FirstDay int `json:"first_day"`
				LastDay  int `json:"last_day"`
			}
			if err := tx.audit(clinic.AuditEntry{ClinicID: p.clinicID, Action: "import", Entity: "journal",
				EntityID: pid, PatientID: pid}, nil, importJSON{len(p.rows), p.firstDay, p.lastD}); err != nil {
				return err
			}
			// A patient new to the journal: pack the imported rows as they
			// are; otherwise merge with what is there by reading it back.
			if p.existing {
				if err := refreshSeries(tx, p.clinicID, pid); err != nil {
					return err
				}
				continue
			}
			rows := make([]outcomes.JournalRow, len(p.rows))
			for k, i := range p.rows {
				rows[k] = in[i].Row
			}
			if err := writeSeries(tx, p.clinicID, pid, rows); err != nil {
				return err
			}
		}
		res.Rows, res.Patients = len(in), len(order)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// importColumns are the columns an imported row fills.
var importColumns = append([]string{"clinic_id", "patient_id", "entry_date", "day", "source", "version",
	"created_by", "created_at", "updated_by", "updated_by_name", "updated_at"}, strings.Split(scoreColumns, ", ")...)

// importValues returns an imported row's values in importColumns order.
func importValues(tx *Tx, r *clinic.JournalImportRow, clinicID int64, day1 clinic.Date, by any, name string) []any {
	var date any
	if !day1.IsZero() {
		date = day1.AddDays(r.Row.Day - 1).Time()
	}
	v := []any{clinicID, r.PatientID, date, int64(r.Row.Day), string(clinic.JournalImported), int64(1),
		by, tx.now, by, name, tx.now}
	return append(v, scoreArgs(&r.Row.Scores)...)
}

func (db *DB) insertImportRows(tx *Tx, conn *sql.Conn, in []clinic.JournalImportRow, info func(int64) (int64, clinic.Date)) error {
	var by any
	name := tx.actor.Login
	if !tx.actor.System {
		by, name = tx.actor.UserID, tx.actor.Name
	}
	if db.loc.Engine == Postgres {
		return copyImportRows(tx, conn, in, info, by, name)
	}
	// SQLite: one prepared single-row INSERT executed for every row, all in
	// the one transaction. Measured (bench/cohort, 60,000 rows): 0.78 s, and
	// multi-row INSERTs slower — 1.2 s with 16 rows per statement, 9.6 s with
	// 128 — because modernc.org/sqlite looks every parameter up by name, a
	// cost that grows with the statement's parameter count.
	st, err := tx.PrepareContext(tx.ctx, `INSERT INTO journal_entries (`+strings.Join(importColumns, ", ")+`) VALUES (`+
		paramList(1, len(importColumns))+`)`)
	if err != nil {
		return fmt.Errorf("import journal: %w", err)
	}
	defer st.Close()
	for i := range in {
		clinicID, day1 := info(in[i].PatientID)
		vals := importValues(tx, &in[i], clinicID, day1, by, name)
		if !day1.IsZero() {
			vals[2] = dateArg(day1.AddDays(in[i].Row.Day - 1))
		}
		if _, err := st.ExecContext(tx.ctx, vals...); err != nil {
			return fmt.Errorf("import journal, line %d: %w", in[i].Line, err)
		}
	}
	return nil
}

// copyImportRows writes the rows with PostgreSQL's COPY through the pgx
// connection under the transaction.
func copyImportRows(tx *Tx, conn *sql.Conn, in []clinic.JournalImportRow, info func(int64) (int64, clinic.Date), by any, name string) error {
	pc, err := pgxConn(conn)
	if err != nil {
		return err
	}
	i := 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i == len(in) {
			return nil, nil
		}
		clinicID, day1 := info(in[i].PatientID)
		v := importValues(tx, &in[i], clinicID, day1, by, name)
		i++
		return v, nil
	})
	if _, err := pc.CopyFrom(tx.ctx, pgx.Identifier{"journal_entries"}, importColumns, src); err != nil {
		return fmt.Errorf("import journal (COPY): %w", err)
	}
	return nil
}

// pgxConn returns the pgx connection under conn. It stays valid while
// conn is held; the transaction begun on conn runs on it, so what is
// written through it (COPY) is part of the transaction.
func pgxConn(conn *sql.Conn) (*pgx.Conn, error) {
	var pc *pgx.Conn
	err := conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("import journal: driver connection is %T, not pgx", dc)
		}
		pc = c.Conn()
		return nil
	})
	return pc, err
}

// updateOnConn is DB.update (PostgreSQL) on a connection of its own, which fn also
// receives: for work that needs the driver's connection inside the
// transaction (PostgreSQL COPY).
func (db *DB) updateOnConn(ctx context.Context, fn func(tx *Tx, conn *sql.Conn) error) error {
	if b := db.batchOf(ctx); b != nil {
		if b.conn == nil {
			return errBatchConn
		}
		return b.run(ctx, func(tx *Tx) error { return fn(tx, b.conn) })
	}
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer conn.Close()
	sqlTx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{Tx: sqlTx, ctx: context.WithoutCancel(ctx), actor: clinic.ActorFrom(ctx), now: db.now(), zone: db.zone(), db: db}
	if err := fn(tx, conn); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// ClinicIDs returns the IDs of every clinic (the command-line operator
// only), for commands that must choose one.
func (db *DB) ClinicIDs(ctx context.Context) ([]int64, error) {
	if a := clinic.ActorFrom(ctx); a == nil || !a.System {
		return nil, clinic.Errorf(clinic.EFORBIDDEN, "Only the command-line operator may list clinics.")
	}
	rows, err := db.query(ctx, `SELECT id FROM clinics ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list clinics: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list clinics: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// PatientIDsByMRN maps medical record numbers to the IDs of the patients of
// clinicID who hold them; an MRN no patient holds is absent from the map.
// Staff of the clinic and the command-line operator may ask.
func (db *DB) PatientIDsByMRN(ctx context.Context, clinicID int64, mrns []string) (map[string]int64, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if !a.System && !(a.Role.IsStaff() && a.ClinicID == clinicID) {
		return nil, clinic.Errorf(clinic.EFORBIDDEN, "You may not look up this clinic's patients.")
	}
	out := map[string]int64{}
	const chunk = 500
	for start := 0; start < len(mrns); start += chunk {
		part := mrns[start:min(start+chunk, len(mrns))]
		args := []any{clinicID}
		for _, m := range part {
			args = append(args, m)
		}
		rows, err := db.query(ctx, `SELECT mrn, id FROM patients WHERE clinic_id = $1 AND mrn IN (`+paramList(2, len(part))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("find patients by MRN: %w", err)
		}
		for rows.Next() {
			var mrn string
			var id int64
			if err := rows.Scan(&mrn, &id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("find patients by MRN: %w", err)
			}
			out[mrn] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("find patients by MRN: %w", err)
		}
	}
	return out, nil
}

// LoadJournalEntries stores complete, dated journal entries of past days
// in one transaction (the command-line operator only): a journal kept in
// another system, or the demo clinic's. Each entry is validated as a new
// one would be; its journal day follows from the patient's day 1; its
// source is import, so it is never changed afterwards. Each patient's load
// is audited (entries, first and last date). The rows go in
// journalInsertRows at a time, so the entries' IDs are left unset.
func (db *DB) LoadJournalEntries(ctx context.Context, entries []*clinic.JournalEntry) (*clinic.JournalImport, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if !a.System {
		return nil, clinic.Errorf(clinic.EFORBIDDEN, "Only the command-line operator may load past journal entries.")
	}
	res := &clinic.JournalImport{}
	run := db.updateOnConn // PostgreSQL: the rows go in with COPY (writeJournalRows)
	if db.loc.Engine == SQLite {
		run = func(ctx context.Context, fn func(*Tx, *sql.Conn) error) error {
			return db.update(ctx, func(tx *Tx) error { return fn(tx, nil) })
		}
	}
	err = run(ctx, func(tx *Tx, conn *sql.Conn) error {
		type patientInfo struct {
			clinicID    int64
			day1        clinic.Date
			n           int
			first, last clinic.Date
			// stored says the patient had entries before the load; if
			// not, the series is packed from rows (the loaded entries'
			// study journal rows) without reading them back.
			stored bool
			rows   []outcomes.JournalRow
		}
		patients := map[int64]*patientInfo{}
		var order []int64
		// The dates each patient has (stored, or earlier in entries), so
		// that a second entry of a day is refused naming it before the
		// rows go in several at a time (insertJournalRows).
		taken := map[journalKey]bool{}
		// First, in order, each new patient's clinic, day 1 and stored
		// dates (reads in the transaction) and each entry's keys; an
		// entry this refuses (failAt) is reported once the entries before
		// it have been checked in full, as one pass would.
		failAt, failErr := len(entries), error(nil)
		for i, e := range entries {
			p, ok := patients[e.PatientID]
			if !ok {
				clinicID, err := patientClinic(tx.one(), a, e.PatientID)
				if err != nil {
					failAt, failErr = i, fmt.Errorf("entry %d: %w", i, err)
					break
				}
				day1, err := journalDay1(tx.one(), e.PatientID)
				if err != nil {
					failAt, failErr = i, err
					break
				}
				stored, err := journalDates(tx, e.PatientID, taken)
				if err != nil {
					failAt, failErr = i, err
					break
				}
				p = &patientInfo{clinicID: clinicID, day1: day1, first: e.Date, last: e.Date, stored: stored}
				patients[e.PatientID] = p
				order = append(order, e.PatientID)
			}
			if e.Date.IsZero() {
				failAt, failErr = i, clinic.Invalid("date", "entry %d has no date", i)
				break
			}
			e.ClinicID, e.Source, e.Version = p.clinicID, clinic.JournalImported, 1
			e.HasDay, e.Day = !p.day1.IsZero(), 0
			if e.HasDay {
				e.Day = e.Date.DaysSince(p.day1) + 1
			}
			e.CreatedAt, e.UpdatedAt, e.UpdatedByName = tx.now, tx.now, a.Login
		}
		// Then each entry validated and turned into its row's values on
		// another goroutine (prepareJournalRows), while this one checks
		// them in order and inserts them: on two cores the one's work
		// hides behind the other's.
		chunks, stop := prepareJournalRows(entries[:failAt])
		defer stop()
		// next returns the next entry and its row's values, checked in
		// order, or nil after the last.
		var cur journalRowsChunk
		pos := 0
		next := func() (*clinic.JournalEntry, []any, error) {
			for pos == len(cur.args) {
				c, ok := <-chunks
				if !ok {
					return nil, nil, nil
				}
				cur, pos = c, 0
			}
			k := pos
			pos++
			i := cur.from + k
			e := entries[i]
			if err := cur.errs[k]; err != nil {
				return nil, nil, err
			}
			if key := (journalKey{e.PatientID, e.Date}); taken[key] {
				return nil, nil, clinic.Errorf(clinic.ECONFLICT, "entry %d: the patient already has an entry for %s", i, e.Date)
			} else {
				taken[key] = true
			}
			p := patients[e.PatientID]
			p.n++
			if r, ok := e.Row(""); ok && !p.stored {
				p.rows = append(p.rows, r)
			}
			if e.Date.Before(p.first) {
				p.first = e.Date
			}
			if e.Date.After(p.last) {
				p.last = e.Date
			}
			return e, cur.args[k], nil
		}
		if err := writeJournalRows(tx, conn, next); err != nil {
			return err
		}
		if failErr != nil {
			return failErr
		}
		for _, pid := range order {
			p := patients[pid]
			type loadJSON struct {
				Entries int         `json:"entries"`
				First   clinic.Date `json:"first_date"`
				Last    clinic.Date `json:"last_date"`
			}
			if err := tx.audit(clinic.AuditEntry{ClinicID: p.clinicID, Action: "import", Entity: "journal", EntityID: pid, PatientID: pid},
				nil, loadJSON{p.n, p.first, p.last}); err != nil {
				return err
			}
			if p.stored {
				if err := refreshSeries(tx, p.clinicID, pid); err != nil {
					return err
				}
				continue
			}
			// The series is patientRows of what was just written: the
			// rows of day ≥ 1 (packSeries orders them by day).
			for k := range p.rows {
				p.rows[k].Patient = strconv.FormatInt(pid, 10)
			}
			if err := writeSeries(tx, p.clinicID, pid, p.rows); err != nil {
				return err
			}
		}
		res.Rows, res.Patients = len(entries), len(order)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// journalLoadColumns are the columns of insertJournalHead, in its order.
var journalLoadColumns = strings.Split(`clinic_id, patient_id, entry_date, day, source, version, `+journalValueColumns+
	`, created_by, created_at, updated_by, updated_by_name, updated_at, `+scoreColumns, ", ")

// writeJournalRows writes the rows next returns (journalEntryArgs of each
// entry) until it returns none: on SQLite (conn nil) journalInsertRows at a
// time (insertJournalRows), on PostgreSQL with one COPY on conn, the
// connection of tx.
func writeJournalRows(tx *Tx, conn *sql.Conn, next func() (*clinic.JournalEntry, []any, error)) error {
	if conn == nil {
		var pending [][]any
		for {
			_, args, err := next()
			if err != nil {
				return err
			}
			if args == nil {
				break
			}
			if pending = append(pending, args); len(pending) == journalInsertRows {
				if err := insertJournalRows(tx, pending); err != nil {
					return err
				}
				pending = pending[:0]
			}
		}
		return insertJournalRows(tx, pending)
	}
	pc, err := pgxConn(conn)
	if err != nil {
		return err
	}
	var refused error // next's error, returned as it is
	src := pgx.CopyFromFunc(func() ([]any, error) {
		e, args, err := next()
		if err != nil {
			refused = err
			return nil, err
		}
		if args != nil {
			// COPY's binary DATE takes a time, not the text INSERT sends.
			args[2] = e.Date.Time()
		}
		return args, nil
	})
	if _, err := pc.CopyFrom(tx.ctx, pgx.Identifier{"journal_entries"}, journalLoadColumns, src); err != nil {
		if refused != nil {
			return refused
		}
		if isUniqueViolation(err) {
			return clinic.Errorf(clinic.ECONFLICT, "A journal entry of one of these days was stored meanwhile; load again.")
		}
		return fmt.Errorf("load journal entries (COPY): %w", err)
	}
	return nil
}

// journalRowsChunk is prepareJournalRows's work on the entries from
// from: each entry's insertJournalRows values, or why it is refused.
type journalRowsChunk struct {
	from int
	args [][]any
	errs []error
}

// prepareJournalRows validates the entries (their keys set) and computes
// their rows' values on a goroutine of its own, sending them in order,
// journalInsertRows at a time, on chunks (closed at the end). stop ends the
// goroutine early and waits for it, so that the entries are no longer
// touched once it returns; it must be called.
func prepareJournalRows(entries []*clinic.JournalEntry) (chunks <-chan journalRowsChunk, stop func()) {
	out := make(chan journalRowsChunk, 4)
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(out)
		for from := 0; from < len(entries); from += journalInsertRows {
			part := entries[from:min(from+journalInsertRows, len(entries))]
			c := journalRowsChunk{from: from, args: make([][]any, len(part)), errs: make([]error, len(part))}
			for k, e := range part {
				// Validate also computes the entry's MME (e.MME).
				if err := e.Validate(); err != nil {
					c.errs[k] = fmt.Errorf("entry %d (%s): %w", from+k, e.Date, err)
					continue
				}
				c.args[k], c.errs[k] = journalEntryArgs(e)
			}
			select {
			case out <- c:
			case <-quit:
				return
			}
		}
	})
	var once sync.Once
	return out, func() {
		once.Do(func() { close(quit) })
		wg.Wait()
	}
}

// journalKey is a patient's journal day by date.
type journalKey struct {
	patientID int64
	date      clinic.Date
}

// journalDates adds the dates of the patient's stored entries to taken
// and reports whether there were any.
func journalDates(tx *Tx, patientID int64, taken map[journalKey]bool) (bool, error) {
	rows, err := tx.QueryContext(tx.ctx, `SELECT entry_date FROM journal_entries WHERE patient_id = $1`, patientID)
	if err != nil {
		return false, fmt.Errorf("journal dates: %w", err)
	}
	defer rows.Close()
	stored := false
	for rows.Next() {
		var d sql.NullTime
		if err := rows.Scan(&d); err != nil {
			return false, fmt.Errorf("journal dates: %w", err)
		}
		taken[journalKey{patientID, dateOf(d)}] = true
		stored = true
	}
	return stored, rows.Err()
}

// journalInsertRows is how many journal entries one INSERT stores: with
// the 30-odd columns of an entry, some 2,000 parameters (SQLite allows
// 32,766, PostgreSQL 65,535). Parsing and running one statement per row
// costs SQLite more than the row itself.
const journalInsertRows = 64

// insertJournalRows inserts the rows (journalEntryArgs) with one
// multi-row INSERT.
func insertJournalRows(tx *Tx, rows [][]any) error {
	if err := tx.insertRows(insertJournalHead, rows); err != nil {
		if isUniqueViolation(err) {
			return clinic.Errorf(clinic.ECONFLICT, "A journal entry of one of these days was stored meanwhile; load again.")
		}
		return fmt.Errorf("load journal entries: %w", err)
	}
	return nil
}
