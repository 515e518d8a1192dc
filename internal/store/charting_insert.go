package store

import (
	"context"
	"strings"
	"sync"
)

// Multi-row INSERTs of a fixed set of shapes. A statement of n rows is
// parsed once per DB (SQLite: prepared on the write connection by
// prepareWrites; PostgreSQL: pgx caches a prepared statement per
// connection and SQL text), so a list of rows is cut into chunks of the
// sizes of insertShapes, largest first: 100 rows are INSERTs of 64, 16, 16
// and 4 rows, instead of one statement of 100 rows parsed for this call
// (a fifth of the INSERT's time on SQLite).
var insertShapes = []int{256, 64, 16, 4, 1}

// Heads of the INSERTs of the charting rows, up to VALUES, and their
// number of columns.
const (
	insertEventHead = `INSERT INTO infusion_events (session_id, seq, kind, at, by_user_id, by_login, event_json, recorded_at) VALUES `
	insertEventCols = 8
	auditCols       = 11
)

// rowsSQLs memoizes rowsSQL.
var rowsSQLs sync.Map

// rowsSQL is the INSERT of head with n rows of cols values for engine:
// anonymous parameters on SQLite (see Tx.insertRows), numbered ones on
// PostgreSQL.
func rowsSQL(engine Engine, head string, n, cols int) string {
	type key struct {
		engine     Engine
		head       string
		rows, cols int
	}
	k := key{engine, head, n, cols}
	if q, ok := rowsSQLs.Load(k); ok {
		return q.(string)
	}
	var b strings.Builder
	b.WriteString(head)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		if engine == SQLite {
			b.WriteString("(?" + strings.Repeat(", ?", cols-1) + ")")
		} else {
			b.WriteString("(" + paramList(i*cols+1, cols) + ")")
		}
	}
	q, _ := rowsSQLs.LoadOrStore(k, b.String())
	return q.(string)
}

// prepareChartInserts prepares the INSERTs of insertChartRows on SQLite's
// write connection (once per DB; see prepareWrites).
func (db *DB) prepareChartInserts(ctx context.Context) {
	if db.loc.Engine != SQLite {
		return
	}
	qs := make([]string, 0, 2*len(insertShapes))
	for _, n := range insertShapes {
		qs = append(qs, rowsSQL(SQLite, insertEventHead, n, insertEventCols), rowsSQL(SQLite, auditInsertHead, n, auditCols))
	}
	db.prepareWrites(ctx, qs...)
}

// insertChartRows inserts rows (each cols values, the columns of head) in
// order, in chunks of insertShapes.
func (tx *Tx) insertChartRows(ctx context.Context, head string, cols int, rows [][]any) error {
	args := make([]any, 0, insertShapes[0]*cols)
	for len(rows) > 0 {
		n := insertShapes[len(insertShapes)-1]
		for _, s := range insertShapes {
			if s <= len(rows) {
				n = s
				break
			}
		}
		args = args[:0]
		for _, r := range rows[:n] {
			args = append(args, r...)
		}
		if _, err := tx.execPrepared(ctx, tx.db, rowsSQL(tx.db.loc.Engine, head, n, cols), args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}
