package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/stock"
)

// Batches: many writes in one transaction, for bulk loads (`ketatrack demo
// --scale`). Inside DB.Batch every store method that writes runs its
// write transaction's function — the same checks, rows and audit entries
// as alone — inside the batch's one transaction, with the clock read at
// each write as before, so a batch stores exactly what the same calls
// would store one by one; it only commits once (one fsync on SQLite, one
// round of WAL on PostgreSQL) instead of once per write.
//
// What differs, so that a batch is only for the command-line operator's
// loads and never for requests:
//   - it is all or nothing: the first write that fails aborts the batch
//     (later writes are refused and Batch returns that error), where calls
//     one by one would keep the writes before it;
//   - the checks some methods make on the read pool before their write
//     transaction (RecordEvent's draft, PrepareBag's and WasteBag's early
//     refusals) are left to the same checks inside the transaction, since
//     the read pool cannot see the batch's uncommitted rows; a method that
//     reads a record on the read pool before writing (CreateCourse reads the
//     patient) needs that record committed by an earlier batch;
//   - the audit entries are inserted many at a time, in their order (the
//     same rows and IDs);
//   - a witness's login and password are checked once per batch (the
//     argon2 verification costs tens of milliseconds, once per bag and per
//     waste otherwise); a successful check writes nothing, so the rows are
//     the same.

type batchKey struct{}

// bulkKey marks a context inside DB.BulkLoad.
type bulkKey struct{}

// bulk is the state of one DB.BulkLoad that its batches share.
type bulk struct {
	db *DB
	// witnesses are the witness credentials verified so far in the load
	// (see batchWitness), kept from one batch to the next.
	witnesses map[stock.Credentials]*stock.Witness
}

// bulkCacheKiB is SQLite's page cache of a bulk load's write connection
// (PRAGMA cache_size in KiB when negative): the indexes a bulk load writes
// at places spread over the whole index (audit_by_login is by login,
// action and time, and the generated records' times are spread over five
// years) stay in memory from one batch to the next, instead of being read
// back for nearly every row once they outgrow a batch's 64 MiB (at 10,000
// patients audit_by_login alone holds some 160 MB). Memory is taken only
// as pages are read.
const bulkCacheKiB = 1 << 20

// BulkLoad runs fn, a bulk load of the command-line operator (`ketatrack
// demo --scale`) made of Batch calls, with what a bulk load into a new
// database may trade for speed and a request never may:
//   - the batches in fn share one cache of verified witness credentials:
//     a witness's password is checked once per load instead of once per
//     batch (argon2, tens of milliseconds each; with a witness per
//     clinician and a batch per hundred patients the checks grew with the
//     square of the clinic's size);
//   - on SQLite, synchronous=OFF on the write connection while fn runs:
//     a commit no longer waits for the WAL to reach the disk, so an OS
//     crash or a power loss during the load may lose or corrupt what the
//     load wrote (an application crash loses nothing committed). The
//     database is a new one (the demo refuses one that holds data), so the
//     remedy is to run the load again. When fn returns, synchronous is FULL
//     again and the WAL is checkpointed into the database file and
//     truncated under FULL, so that what the load wrote is on disk when
//     BulkLoad returns;
//   - on SQLite, a page cache of bulkCacheKiB for the write connection;
//   - on PostgreSQL, each batch commits with synchronous_commit off: the
//     commit does not wait for its WAL to be flushed, so a crash may lose
//     the batches committed last (never corrupt the database).
//
// Everything else — every write's checks, rows, audit entries, foreign
// keys, constraints, triggers — is as in Batch.
func (db *DB) BulkLoad(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	if a := clinic.ActorFrom(ctx); a == nil || !a.System {
		return clinic.Errorf(clinic.EFORBIDDEN, "Only the command-line operator may run a bulk load.")
	}
	if db.bulkOf(ctx) != nil {
		return fn(ctx)
	}
	if db.loc.Engine == SQLite {
		if _, err := db.write.ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size = -%d", bulkCacheKiB)); err != nil {
			return fmt.Errorf("bulk load: %w", err)
		}
		if _, err := db.write.ExecContext(ctx, "PRAGMA synchronous = OFF"); err != nil {
			return fmt.Errorf("bulk load: %w", err)
		}
		defer func() {
			// Back to the connection's settings (sqlitePragmas), then
			// the load's pages into the database file, synced.
			ctx := context.WithoutCancel(ctx)
			_, serr := db.write.ExecContext(ctx, "PRAGMA synchronous = FULL")
			if serr == nil {
				_, serr = db.write.ExecContext(ctx, "PRAGMA cache_size = -65536")
			}
			if serr == nil {
				_, serr = db.write.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
			}
			if serr != nil && err == nil {
				err = fmt.Errorf("bulk load: %w", serr)
			}
		}()
	}
	b := &bulk{db: db, witnesses: map[stock.Credentials]*stock.Witness{}}
	return fn(context.WithValue(ctx, bulkKey{}, b))
}

// bulkOf returns the bulk load of db that ctx is in, if any.
func (db *DB) bulkOf(ctx context.Context) *bulk {
	if b, ok := ctx.Value(bulkKey{}).(*bulk); ok && b.db == db {
		return b
	}
	return nil
}

// batch is the open transaction of DB.Batch.
type batch struct {
	db        *DB
	tx        *sql.Tx
	conn      *sql.Conn // PostgreSQL: the connection tx runs on
	err       error     // the first write's failure: the batch is aborted
	witnesses map[stock.Credentials]*stock.Witness
	// stmts are the statements the batch ran, prepared on its
	// transaction (SQLite only: parsing a statement costs SQLite about
	// as much as running a small one, and pgx caches its own).
	stmts map[string]*sql.Stmt
	// charts are the charts of the sessions the batch charted, as its
	// transaction stored them (chartState and committed use them instead
	// of the DB's cache of committed charts): the next write of a session
	// in the batch — more events, its bag's preparation or waste — reads
	// only the rows stored after them instead of replaying the chart.
	charts chartCache
	// audits are audit entries (auditArgs) not yet inserted: they go in
	// auditInsertRows at a time, in order, before the commit. Nothing in a
	// write transaction reads the audit log back.
	audits [][]any
}

// auditInsertRows is how many audit entries one INSERT of a batch stores.
const auditInsertRows = 128

// audit queues one audit entry, inserting the queue when full.
func (b *batch) audit(tx *Tx, args []any) error {
	b.audits = append(b.audits, args)
	if len(b.audits) < auditInsertRows {
		return nil
	}
	return b.flushAudits(tx)
}

// flushAudits inserts the queued audit entries.
func (b *batch) flushAudits(tx *Tx) error {
	if len(b.audits) == 0 {
		return nil
	}
	if err := tx.insertRows(auditInsertHead, b.audits); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	b.audits = b.audits[:0]
	return nil
}

// insertRows inserts rows (each the same number of values, in the columns
// of head, which ends in VALUES) with one multi-row INSERT.
func (tx *Tx) insertRows(head string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	n := len(rows[0])
	var q strings.Builder
	q.WriteString(head)
	args := make([]any, 0, n*len(rows))
	// On SQLite each value binds to an anonymous question-mark
	// parameter: numbered parameters ($1, $2 …) are looked up by name, and for
	// thousands of them the lookups cost more than the insert itself.
	sqliteRow := "(?" + strings.Repeat(", ?", n-1) + ")"
	for i, r := range rows {
		if i > 0 {
			q.WriteString(", ")
		}
		if tx.db.loc.Engine == SQLite {
			q.WriteString(sqliteRow)
		} else {
			q.WriteString("(" + paramList(len(args)+1, n) + ")")
		}
		args = append(args, r...)
	}
	_, err := tx.ExecContext(tx.ctx, q.String(), args...)
	return err
}

// batchStmtMax bounds the batch's statement cache: queries built from
// lists (IN (…)) have a few shapes in a bulk load, but not a fixed number.
const batchStmtMax = 512

// stmt returns q prepared on the batch's transaction, or nil outside a
// batch, on PostgreSQL, or when it cannot be prepared (the caller runs it
// unprepared, which reports the error).
func (b *batch) stmt(q string) *sql.Stmt {
	if b == nil || b.stmts == nil {
		return nil
	}
	if s, ok := b.stmts[q]; ok {
		return s
	}
	if len(b.stmts) >= batchStmtMax {
		return nil
	}
	s, err := b.tx.PrepareContext(context.Background(), q)
	if err != nil {
		return nil
	}
	b.stmts[q] = s
	return s
}

// batchWriteSQL are the statements most writes of a bulk load run, prepared
// on SQLite's write connection before a batch takes it.
var batchWriteSQL = []string{auditInsertSQL, insertEventSQL, updateSessionSQL, maxSeqSQL, insertJournalSQL}

// Batch runs fn with a context in which every write to db joins one
// transaction, committed when fn returns nil and rolled back otherwise (see
// above). A Batch inside a Batch of the same DB joins it. Nothing else may
// write to db meanwhile: on SQLite the batch holds the only write
// connection.
func (db *DB) Batch(ctx context.Context, fn func(ctx context.Context) error) error {
	if db.batchOf(ctx) != nil {
		return fn(ctx)
	}
	if _, err := clinic.RequireActor(ctx); err != nil {
		return err
	}
	db.prepareWrites(ctx, batchWriteSQL...)
	bl := db.bulkOf(ctx)
	if db.loc.Engine == SQLite && bl == nil {
		// A batch's pages stay in the cache until the commit instead of
		// spilling to the WAL one by one (64 MiB; the connection keeps it).
		if _, err := db.write.ExecContext(ctx, "PRAGMA cache_size = -65536"); err != nil {
			return fmt.Errorf("batch: %w", err)
		}
	}
	// On PostgreSQL the batch holds a connection of its own, so that
	// writes that need the driver's connection (COPY: LoadJournalEntries)
	// join the batch's transaction on it.
	var conn *sql.Conn
	var sqlTx *sql.Tx
	var err error
	if db.loc.Engine == Postgres {
		if conn, err = db.write.Conn(ctx); err != nil {
			return fmt.Errorf("batch: begin: %w", err)
		}
		defer conn.Close()
		sqlTx, err = conn.BeginTx(ctx, nil)
	} else {
		sqlTx, err = db.write.BeginTx(ctx, nil)
	}
	if err != nil {
		return fmt.Errorf("batch: begin: %w", err)
	}
	b := &batch{db: db, tx: sqlTx, conn: conn, witnesses: map[stock.Credentials]*stock.Witness{}}
	if bl != nil {
		b.witnesses = bl.witnesses
		if db.loc.Engine == Postgres {
			// PostgreSQL's form of BulkLoad's trade: the commit does not
			// wait for its WAL to be flushed. A crash may lose the last
			// batches committed, never corrupt the database.
			if _, err := sqlTx.ExecContext(ctx, "SET LOCAL synchronous_commit TO OFF"); err != nil {
				_ = sqlTx.Rollback()
				return fmt.Errorf("batch: %w", err)
			}
		}
	}
	if db.loc.Engine == SQLite {
		b.stmts = map[string]*sql.Stmt{}
	}
	defer func() {
		for _, s := range b.stmts {
			s.Close()
		}
	}()
	bctx := context.WithValue(ctx, batchKey{}, b)
	err = fn(bctx)
	if err == nil && b.err != nil {
		err = b.err
	}
	if err == nil {
		err = b.flushAudits(&Tx{Tx: sqlTx, ctx: context.WithoutCancel(bctx), db: db, batch: b})
	}
	if err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("batch: commit: %w", err)
	}
	return nil
}

// batchOf returns the batch of db that ctx is in, if any.
func (db *DB) batchOf(ctx context.Context) *batch {
	if b, ok := ctx.Value(batchKey{}).(*batch); ok && b.db == db {
		return b
	}
	return nil
}

// run runs one write's function in the batch's transaction.
func (b *batch) run(ctx context.Context, fn func(tx *Tx) error) error {
	if b.err != nil {
		return fmt.Errorf("batch aborted by an earlier write: %w", b.err)
	}
	db := b.db
	err := fn(&Tx{Tx: b.tx, ctx: context.WithoutCancel(ctx), actor: clinic.ActorFrom(ctx), now: db.now(), zone: db.zone(), db: db, batch: b})
	if err != nil {
		b.err = err
	}
	return err
}

// errBatchConn is returned by the few writes that need a connection of
// their own (COPY on PostgreSQL), which a batch cannot lend.
var errBatchConn = errors.New("store: this write runs on a connection of its own and cannot join a batch")

// batchWitness is verifyWitness once per batch and credentials.
func (db *DB) batchWitness(ctx context.Context, a *clinic.Actor, clinicID int64, c stock.Credentials) (*stock.Witness, error) {
	b := db.batchOf(ctx)
	if b == nil {
		return db.verifyWitness(ctx, a, clinicID, c)
	}
	if w, ok := b.witnesses[c]; ok {
		if err := stock.CheckWitness(a, w, clinicID); err != nil {
			return nil, err
		}
		return w, nil
	}
	w, err := db.verifyWitness(ctx, a, clinicID, c)
	if err != nil {
		return nil, err
	}
	b.witnesses[c] = w
	return w, nil
}
