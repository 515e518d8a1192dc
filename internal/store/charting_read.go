package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"sync"

	"github.com/ketatrack/ketatrack/internal/infusion"
)

// readQueryer runs queries on the read pool through the statement cache
// (db.query), for the functions that take a queryer.
type readQueryer struct{ db *DB }

// QueryContext runs q on the read pool.
func (r readQueryer) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return r.db.query(ctx, q, args...)
}

// QueryRowContext runs a one-row q on the read pool; if q cannot be prepared
// it runs unprepared, so that the error is reported by Scan.
func (r readQueryer) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if r.db.loc.Engine == SQLite {
		if s, err := r.db.readStmt(ctx, q); err == nil {
			return s.QueryRowContext(ctx, args...)
		}
	}
	return r.db.read.QueryRowContext(ctx, q, args...)
}

// eventDecoder memoizes the decoding of stored infusion events by their
// exact JSON text. Decoding is a pure function of the text, so a chart
// replayed from the rows read now is the same as if every row were decoded
// again; it only saves RecordEvent from decoding a whole chart for every
// vitals row (about a fifth of its CPU time). Every caller gets its own
// copy (Event.Clone), so no caller can change the memo or another's chart.
type eventDecoder struct {
	mu sync.Mutex
	m  map[string]infusion.Event
}

// eventDecoderMax bounds the memo: when full it starts afresh. 16,384
// events are about 500 charts of 32 events, some MB of memory.
const eventDecoderMax = 1 << 14

// decodedEvents is the memo of events: decoding does not depend on the
// database, so all DBs share it.
var decodedEvents = &eventDecoder{m: map[string]infusion.Event{}}

// decode returns the event whose JSON text is raw.
func (d *eventDecoder) decode(raw []byte) (infusion.Event, error) {
	d.mu.Lock()
	e, ok := d.m[string(raw)]
	d.mu.Unlock()
	if ok {
		return e.Clone(), nil
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		return infusion.Event{}, err
	}
	d.mu.Lock()
	if len(d.m) >= eventDecoderMax {
		clear(d.m)
	}
	d.m[string(raw)] = e
	d.mu.Unlock()
	return e.Clone(), nil
}

// The statements of RecordEvent's write transaction, prepared once on the
// SQLite write connection (see writeStmt).
const (
	maxSeqSQL      = `SELECT COALESCE(MAX(seq), 0) FROM infusion_events WHERE session_id = $1`
	insertEventSQL = `INSERT INTO infusion_events (session_id, seq, kind, at, by_user_id, by_login, event_json, recorded_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`
	updateSessionSQL = `UPDATE infusion_sessions SET phase = $1, event_count = $2, open_alerts = $3, last_event_at = $4
		WHERE id = $5`
)

// prepareWrites prepares qs on SQLite's write connection unless done before.
// It must run outside db.update: the write pool's one connection is held by
// the transaction, so it waits for the writer to finish its batch (once per
// statement and DB). On PostgreSQL pgx caches prepared statements itself.
func (db *DB) prepareWrites(ctx context.Context, qs ...string) {
	if db.loc.Engine != SQLite || db.batchOf(ctx) != nil {
		// In a batch the write connection is the batch's: what it runs
		// most was prepared before it began (batchWriteSQL).
		return
	}
	for _, q := range qs {
		key := writeStmtKey + q
		if _, ok := db.stmts.Load(key); ok {
			continue
		}
		s, err := db.write.PrepareContext(ctx, q)
		if err != nil {
			// Run unprepared; the statement reports the error if it persists.
			continue
		}
		if _, loaded := db.stmts.LoadOrStore(key, s); loaded {
			s.Close()
		}
	}
}

// writeStmtKey prefixes the statement cache's keys of write statements, so
// that they are told from the read pool's.
const writeStmtKey = "write:"

// stmt returns q as a statement of tx: the one prepareWrites prepared on the
// write connection when there is one (database/sql reuses it on the
// transaction's connection), else nil.
func (tx *Tx) stmt(db *DB, q string) *sql.Stmt {
	if db == nil {
		return nil
	}
	s, ok := db.stmts.Load(writeStmtKey + q)
	if !ok {
		return nil
	}
	return tx.Tx.StmtContext(context.WithoutCancel(tx.ctx), s.(*sql.Stmt))
}

// execPrepared runs q in tx through its prepared statement if any.
func (tx *Tx) execPrepared(ctx context.Context, db *DB, q string, args ...any) (sql.Result, error) {
	if s := tx.stmt(db, q); s != nil {
		return s.ExecContext(context.WithoutCancel(ctx), args...)
	}
	return tx.ExecContext(ctx, q, args...)
}

// queryRowPrepared runs the one-row q in tx through its prepared statement
// if any.
func (tx *Tx) queryRowPrepared(ctx context.Context, db *DB, q string, args ...any) *sql.Row {
	if s := tx.stmt(db, q); s != nil {
		return s.QueryRowContext(context.WithoutCancel(ctx), args...)
	}
	return tx.QueryRowContext(ctx, q, args...)
}
