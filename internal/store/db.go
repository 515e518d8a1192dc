package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/ketatrack/ketatrack/internal/clinic"
)

// DB is ketatrack's storage on SQLite or PostgreSQL. It implements the
// service interfaces of internal/clinic (and of the domain packages that
// later add records); every method checks the actor's rights from the
// context and writes its audit entries in the same transaction as its change.
type DB struct {
	loc   Location
	write *sql.DB // SQLite: one connection; PostgreSQL: the pool
	read  *sql.DB // SQLite: read-only connections; PostgreSQL: the same pool

	// Now returns the current time; tests replace it.
	Now func() time.Time

	// Zone is the clinic's time zone, which decides calendar days ("today"
	// for the journal and for stock expiry); nil means time.Local. The
	// server sets it to the web server's Location so both agree.
	Zone *time.Location

	// SQLite only: write transactions are queued to one goroutine that
	// commits them in groups (see groupCommit).
	writes chan *writeRequest
	stop   chan struct{}
	wg     sync.WaitGroup

	// stmts caches prepared read statements by query text (SQLite only:
	// pgx caches prepared statements per connection itself).
	stmts sync.Map

	// charts caches the committed events of the sessions being charted
	// (chartCache).
	charts chartCache

	// planDays caches the days of signed plan versions for the dashboard
	// (session_list.go).
	planDays planDayCache
}

// Open connects to the database loc names (see ParseLocation) and checks that
// it answers. It does not migrate: call Migrate.
func Open(ctx context.Context, dbURL string) (*DB, error) {
	loc, err := ParseLocation(dbURL)
	if err != nil {
		return nil, err
	}
	write, read, err := openPools(loc)
	if err != nil {
		return nil, err
	}
	db := &DB{loc: loc, write: write, read: read, Now: time.Now}
	if loc.Engine == SQLite {
		db.writes = make(chan *writeRequest, groupCommitMax)
		db.stop = make(chan struct{})
		db.wg.Go(db.groupCommit)
	}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Engine returns the database engine.
func (db *DB) Engine() Engine { return db.loc.Engine }

// Location returns where the database is.
func (db *DB) Location() Location { return db.loc }

// readStmt returns the prepared statement for q on the read pool, preparing
// it once. Parsing and planning a query costs SQLite about as much as running
// a small one, so the hot reads (session lookup, patient pages) reuse theirs.
// Queries built from a filter have a few shapes only, so the cache stays small.
func (db *DB) readStmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if s, ok := db.stmts.Load(q); ok {
		return s.(*sql.Stmt), nil
	}
	s, err := db.read.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if prev, loaded := db.stmts.LoadOrStore(q, s); loaded {
		s.Close()
		return prev.(*sql.Stmt), nil
	}
	return s, nil
}

// query runs a read query on the read pool (through the statement cache on
// SQLite).
func (db *DB) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if db.loc.Engine != SQLite {
		return db.read.QueryContext(ctx, q, args...)
	}
	s, err := db.readStmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// row is a one-row result of queryRow.
type row struct {
	row *sql.Row
	err error
}

// Scan copies the row's columns into dest, or returns the query's error.
func (r row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	return r.row.Scan(dest...)
}

// queryRow runs a one-row read query on the read pool (see query).
func (db *DB) queryRow(ctx context.Context, q string, args ...any) row {
	if db.loc.Engine != SQLite {
		return row{row: db.read.QueryRowContext(ctx, q, args...)}
	}
	s, err := db.readStmt(ctx, q)
	if err != nil {
		return row{err: err}
	}
	return row{row: s.QueryRowContext(ctx, args...)}
}

// Close closes the connection pools.
func (db *DB) Close() error {
	if db.stop != nil {
		close(db.stop)
		db.wg.Wait()
		db.stop = nil
	}
	db.stmts.Range(func(k, v any) bool {
		v.(*sql.Stmt).Close()
		db.stmts.Delete(k)
		return true
	})
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Ping checks that the database answers (the readiness probe).
func (db *DB) Ping(ctx context.Context) error {
	if err := db.write.PingContext(ctx); err != nil {
		return fmt.Errorf("database %s: %w", db.loc.Engine, err)
	}
	if db.read != db.write {
		if err := db.read.PingContext(ctx); err != nil {
			return fmt.Errorf("database %s (readers): %w", db.loc.Engine, err)
		}
	}
	return nil
}

// now returns the current time in UTC at microsecond precision, the finest
// both engines keep.
func (db *DB) now() time.Time { return db.Now().UTC().Truncate(time.Microsecond) }

// Today is the clinic's calendar date now (Now in Zone).
func (db *DB) Today() clinic.Date { return clinic.DateOf(db.Now().In(db.zone())) }

// zone is Zone, or time.Local when it is unset.
func (db *DB) zone() *time.Location {
	if db.Zone == nil {
		return time.Local
	}
	return db.Zone
}

// Tx is a write transaction carrying the actor and one timestamp for
// everything it writes. Store methods that change data run inside
// DB.update, write their rows through Tx, and call Tx.audit for each change.
type Tx struct {
	*sql.Tx
	ctx   context.Context
	actor *clinic.Actor
	now   time.Time
	zone  *time.Location // the clinic's time zone (DB.Zone)
	db    *DB            // for the prepared write statements (Tx.execPrepared)
	batch *batch         // the DB.Batch this write belongs to, if any
}

// update runs fn in a write transaction with the actor of ctx, committing if
// fn returns nil and rolling back otherwise. The actor may be nil only for
// the login path, which audits anonymous attempts.
//
// On SQLite the transaction may share its COMMIT with others (groupCommit);
// fn's changes are rolled back alone if it fails, and update returns only
// after the COMMIT that makes them durable.
func (db *DB) update(ctx context.Context, fn func(tx *Tx) error) error {
	if b := db.batchOf(ctx); b != nil {
		return b.run(ctx, fn)
	}
	if db.writes != nil {
		req := &writeRequest{ctx: ctx, fn: fn, done: make(chan error, 1)}
		select {
		case db.writes <- req:
		case <-db.stop:
			return errors.New("database closed")
		case <-ctx.Done():
			return ctx.Err()
		}
		// Wait for the commit even if ctx ends meanwhile: once queued, the
		// outcome must be known before answering.
		return <-req.done
	}
	sqlTx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{Tx: sqlTx, ctx: context.WithoutCancel(ctx), actor: clinic.ActorFrom(ctx), now: db.now(), zone: db.zone(), db: db}
	if err := fn(tx); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// groupCommitMax bounds how many write transactions share one COMMIT.
const groupCommitMax = 64

type writeRequest struct {
	ctx  context.Context
	fn   func(*Tx) error
	done chan error
}

// groupCommit is SQLite's single writer. SQLite allows one writer at a time
// and, with synchronous=FULL, each COMMIT waits for an fsync of the WAL (about
// 1.5 ms on this project's machines), which would cap writes at some hundreds
// per second. So the writer takes every write request waiting in the queue,
// runs each inside its own SAVEPOINT of one transaction — a failing request
// is rolled back to its savepoint without touching the others — and commits
// them together with one fsync. Every request is answered only after that
// COMMIT: an acknowledged write is durable, as before.
func (db *DB) groupCommit() {
	for {
		var batch []*writeRequest
		select {
		case <-db.stop:
			return
		case r := <-db.writes:
			batch = append(batch, r)
		}
	fill:
		for len(batch) < groupCommitMax {
			select {
			case r := <-db.writes:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		db.commitBatch(batch)
	}
}

func (db *DB) commitBatch(batch []*writeRequest) {
	ctx := context.Background()
	sqlTx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		for _, r := range batch {
			r.done <- fmt.Errorf("begin: %w", err)
		}
		return
	}
	results := make([]error, len(batch))
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
		results[i] = db.runSavepoint(sqlTx, r)
	}
	if err := sqlTx.Commit(); err != nil {
		for i, r := range batch {
			if results[i] == nil {
				results[i] = fmt.Errorf("commit: %w", err)
			}
			r.done <- results[i]
		}
		return
	}
	for i, r := range batch {
		r.done <- results[i]
	}
}

// runSavepoint runs one request's fn inside a savepoint of sqlTx.
func (db *DB) runSavepoint(sqlTx *sql.Tx, r *writeRequest) (err error) {
	ctx := context.Background()
	if _, err := sqlTx.ExecContext(ctx, "SAVEPOINT w"); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in write transaction: %v", p)
		}
		if err != nil {
			if _, rerr := sqlTx.ExecContext(ctx, "ROLLBACK TO w"); rerr != nil {
				err = errors.Join(err, fmt.Errorf("rollback to savepoint: %w", rerr))
			}
		}
		if _, rerr := sqlTx.ExecContext(ctx, "RELEASE w"); rerr != nil {
			err = errors.Join(err, fmt.Errorf("release savepoint: %w", rerr))
		}
	}()
	return r.fn(&Tx{Tx: sqlTx, ctx: context.WithoutCancel(r.ctx), actor: clinic.ActorFrom(r.ctx), now: db.now(), zone: db.zone(), db: db})
}

// ExecContext runs a statement of the transaction. Once a write transaction
// has begun it runs to its end even if the request's context is cancelled:
// an interrupted statement would make SQLite roll back the whole
// transaction, other requests' savepoints included.
func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := tx.batch.stmt(query); s != nil {
		return s.ExecContext(context.WithoutCancel(ctx), args...)
	}
	return tx.Tx.ExecContext(context.WithoutCancel(ctx), query, args...)
}

// QueryContext runs a query in the transaction (see ExecContext).
func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := tx.batch.stmt(query); s != nil {
		return s.QueryContext(context.WithoutCancel(ctx), args...)
	}
	return tx.Tx.QueryContext(context.WithoutCancel(ctx), query, args...)
}

// QueryRowContext runs a one-row query in the transaction (see ExecContext).
func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s := tx.batch.stmt(query); s != nil {
		return s.QueryRowContext(context.WithoutCancel(ctx), args...)
	}
	return tx.Tx.QueryRowContext(context.WithoutCancel(ctx), query, args...)
}

// errTxManaged is returned by Commit and Rollback: DB.update ends the
// transaction, never the function it runs.
var errTxManaged = errors.New("store: a write transaction is committed or rolled back by DB.update, not by its function")

// Commit refuses: DB.update commits.
func (tx *Tx) Commit() error { return errTxManaged }

// Rollback refuses: return an error from the function given to DB.update.
func (tx *Tx) Rollback() error { return errTxManaged }

// audit appends e to the audit log inside tx, filling in the time and,
// unless already set, the actor and their address. before and after are the
// record as JSON (nil for none): the record before the change and after it.
func (tx *Tx) audit(e clinic.AuditEntry, before, after any) error {
	b, err := jsonOrNil(before)
	if err != nil {
		return err
	}
	a, err := jsonOrNil(after)
	if err != nil {
		return err
	}
	return tx.auditJSON(e, b, a)
}

// auditInsertSQL appends one audit entry.
const auditInsertSQL = auditInsertHead + `($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`

// auditInsertHead is auditInsertSQL up to its VALUES.
const auditInsertHead = `INSERT INTO audit_log
		(at, clinic_id, actor_id, actor_login, action, entity, entity_id, patient_id, before_json, after_json, remote_addr)
		VALUES `

// auditJSON is audit with before and after already encoded as JSON.
func (tx *Tx) auditJSON(e clinic.AuditEntry, b, a sql.NullString) error {
	args := tx.auditArgs(e, b, a)
	var err error
	if tx.batch != nil {
		err = tx.batch.audit(tx, args)
	} else {
		_, err = tx.execPrepared(tx.ctx, tx.db, auditInsertSQL, args...)
	}
	if err != nil {
		return fmt.Errorf("audit %s %s: %w", e.Action, e.Entity, err)
	}
	return nil
}

// auditArgs are the values of auditInsertSQL for e (see audit).
func (tx *Tx) auditArgs(e clinic.AuditEntry, b, a sql.NullString) []any {
	e.At = tx.now
	if tx.actor != nil {
		if e.ActorID == 0 && !tx.actor.System {
			e.ActorID = tx.actor.UserID
		}
		if e.ActorLogin == "" {
			e.ActorLogin = tx.actor.Login
		}
		if e.RemoteAddr == "" {
			e.RemoteAddr = tx.actor.RemoteAddr
		}
	}
	return []any{e.At, nullInt(e.ClinicID), nullInt(e.ActorID), e.ActorLogin, e.Action, e.Entity,
		nullInt(e.EntityID), nullInt(e.PatientID), b, a, e.RemoteAddr}
}

func jsonOrNil(v any) (sql.NullString, error) {
	if v == nil {
		return sql.NullString{}, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return sql.NullString{}, fmt.Errorf("audit json: %w", err)
	}
	return sql.NullString{String: string(b), Valid: true}, nil
}

// nullInt stores 0 as NULL (IDs start at 1).
func nullInt(v int64) sql.NullInt64 { return sql.NullInt64{Int64: v, Valid: v != 0} }

// dateArg is how a clinic.Date is written: text YYYY-MM-DD, which both
// engines read into a DATE column.
func dateArg(d clinic.Date) any {
	if d.IsZero() {
		return nil
	}
	return d.String()
}

// dateOf converts a scanned DATE (time.Time from both drivers) to a Date.
func dateOf(t sql.NullTime) clinic.Date {
	if !t.Valid {
		return clinic.Date{}
	}
	return clinic.DateOf(t.Time.UTC())
}

// notFound turns sql.ErrNoRows into ENOTFOUND with msg; other errors are
// wrapped with what.
func notFound(err error, what, msg string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return clinic.Errorf(clinic.ENOTFOUND, "%s", msg)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// conflict turns a unique violation into ECONFLICT on field with msg.
func conflict(err error, what, field, msg string) error {
	if isUniqueViolation(err) {
		return &clinic.Error{Code: clinic.ECONFLICT, Field: field, Message: msg}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// prefixRange returns the range [lo, hi) of the strings that start with
// prefix, in code point order (which is UTF-8 byte order): hi is prefix with
// its last code point replaced by the next one. bounded is false when there
// is no such hi (prefix is only U+10FFFF code points): every string ≥ lo then
// starts with prefix. A range, unlike LIKE 'prefix%', is an index range on
// both engines with any parameter, and has no wildcards to escape.
func prefixRange(prefix string) (lo, hi string, bounded bool) {
	r := []rune(prefix)
	for i := len(r) - 1; i >= 0; i-- {
		if r[i] == utf8.MaxRune {
			continue
		}
		next := r[i] + 1
		if next == 0xD800 { // surrogates are not code points of UTF-8 text
			next = 0xE000
		}
		return prefix, string(append(r[:i:i], next)), true
	}
	return prefix, "", false
}

// lower folds s as the engine's lower() does: ASCII letters only on SQLite,
// every cased letter on PostgreSQL (strings.ToLower stands for it), so that
// a search folded here meets the stored text folded there.
func (db *DB) lower(s string) string {
	if db.loc.Engine == Postgres {
		return strings.ToLower(s)
	}
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// binary returns expr for comparisons in code point order, the order of
// prefixRange: SQLite's default (BINARY) collation, PostgreSQL's "C". An
// index meant for such comparisons must be built on the same expression.
func (db *DB) binary(expr string) string {
	if db.loc.Engine == Postgres {
		return "(" + expr + ` COLLATE "C")`
	}
	return expr
}

// limit returns n bounded to [1, max], with def for 0.
func limit(n, def, max int) int {
	switch {
	case n <= 0:
		return def
	case n > max:
		return max
	}
	return n
}
