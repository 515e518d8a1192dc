package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"github.com/ketatrack/ketatrack/internal/infusion"
)

// chartCache keeps, per session, its chart as committed (the
// infusion.State its stored events replay to), so that charting an event
// reads only the rows stored since (usually none) and applies them, instead
// of reading and replaying the whole chart: a session's chart is
// append-only (migration 0002's triggers refuse UPDATE and DELETE, and
// (session_id, seq) is unique), so the first n events committed are the
// same for ever, and so is the state they replay to (its order and rules
// are the session's, written once when it is opened).
//
// Only committed charts enter it: those replayed from rows read on the read
// pool (never inside a write transaction, whose SQLite group commit may see
// another request's savepoint that is later rolled back, nor inside a
// DB.Batch) and those a write transaction made once its COMMIT succeeded.
// Before a cached chart of n events is used, the stored row n is read with
// the rows after it and must carry the cached last event's JSON text byte
// for byte; otherwise (another database restored under the server, say)
// the chart is read whole again. So a cached chart is exactly the replay of
// the rows. The cache keeps its own copy (State.Clone) and hands out
// copies: appending to or setting the lists of a state handed out leaves
// the cache's as it was; the events' payloads are shared, as infusion
// shares them between the states Record takes and returns (never written
// once charted).
type chartCache struct {
	mu      sync.Mutex
	m       map[int64]*cachedChart
	events  int    // events held in all
	clock   uint64 // use counter for the eviction of the least recently used
	maxEvts int    // bound on events; 0 means chartCacheEvents
}

// cachedChart is one session's committed chart and the JSON text of its
// last event as stored.
type cachedChart struct {
	state infusion.State
	last  string
	used  uint64
}

// chartCacheEvents bounds the events the cache holds (some tens of MB):
// the charts of the sessions being charted at once in a clinic group.
const chartCacheEvents = 1 << 16

// get returns a copy of session id's cached chart and the JSON text of its
// last event; ok is false when none is cached.
func (c *chartCache) get(id int64) (st infusion.State, last string, ok bool) {
	c.mu.Lock()
	e, ok := c.m[id]
	if !ok {
		c.mu.Unlock()
		return infusion.State{}, "", false
	}
	c.clock++
	e.used = c.clock
	st, last = e.state, e.last
	c.mu.Unlock()
	// The cached state is never changed in place (put replaces it), so it
	// is copied outside the lock.
	return st.Clone(), last, true
}

// put caches a copy of st (committed) as session id's chart, unless a
// longer one is cached already; last is its last event's stored JSON.
func (c *chartCache) put(id int64, st infusion.State, last string) {
	n := len(st.Events)
	if n == 0 {
		return
	}
	max := c.maxEvts
	if max == 0 {
		max = chartCacheEvents
	}
	if n > max/4 {
		return // a chart this long is read from the rows
	}
	st = st.Clone()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[int64]*cachedChart{}
	}
	if old, ok := c.m[id]; ok {
		if len(old.state.Events) >= n {
			return
		}
		c.events -= len(old.state.Events)
		delete(c.m, id)
	}
	for c.events+n > max {
		c.evictOldest()
	}
	c.clock++
	c.m[id] = &cachedChart{state: st, last: last, used: c.clock}
	c.events += n
}

// extend caches st, the chart a write transaction committed by appending
// to exactly n events, if session id's cached chart has n events;
// otherwise it leaves the cache as it is (a chart it does not hold is read
// from the rows).
func (c *chartCache) extend(id int64, n int, st infusion.State, last string) {
	c.mu.Lock()
	old, ok := c.m[id]
	ok = ok && len(old.state.Events) == n
	c.mu.Unlock()
	if ok {
		c.put(id, st, last)
	}
}

// evictOldest drops the least recently used chart (c.mu held).
func (c *chartCache) evictOldest() {
	var oldest int64
	var used uint64
	first := true
	for id, e := range c.m {
		if first || e.used < used {
			oldest, used, first = id, e.used, false
		}
	}
	if first {
		c.events = 0
		return
	}
	c.events -= len(c.m[oldest].state.Events)
	delete(c.m, oldest)
}

// chartState returns session s's chart as stored, through the cache: the
// cached chart with the rows stored after it applied, or the replay of
// every row. With committed (q reads committed rows only: the read pool)
// the result is cached.
func (db *DB) chartState(ctx context.Context, q queryer, s *sessionRow, committed bool) (infusion.State, error) {
	cache := &db.charts
	if tx, ok := q.(*Tx); ok && tx.batch != nil {
		// In a DB.Batch, the batch's own cache (batch.charts): its
		// transaction's charts, which die with it.
		cache, committed = &tx.batch.charts, true
	}
	if st, last, ok := cache.get(s.ID); ok {
		evs, lastRaw, ok, err := db.eventsAfter(ctx, q, s.ID, len(st.Events), last)
		if err != nil {
			return infusion.State{}, err
		}
		if ok {
			if len(evs) == 0 {
				return st, nil
			}
			next, err := infusion.Continue(st, evs)
			if err != nil {
				return infusion.State{}, fmt.Errorf("session %d: the stored chart does not replay: %w", s.ID, err)
			}
			if committed {
				cache.put(s.ID, next, lastRaw)
			}
			return next, nil
		}
	}
	evs, lastRaw, err := db.readEvents(ctx, q, s.ID)
	if err != nil {
		return infusion.State{}, err
	}
	st, err := infusion.Replay(s.order, s.rules, evs)
	if err != nil {
		return infusion.State{}, fmt.Errorf("session %d: the stored chart does not replay: %w", s.ID, err)
	}
	if committed {
		cache.put(s.ID, st, lastRaw)
	}
	return st, nil
}

// eventsAfter reads the rows of session id from seq n on; ok is false
// when row n is not the cached last event (last, its JSON text). It
// returns the events after row n (decoded, the caller's own) and the JSON
// text of the last row.
func (db *DB) eventsAfter(ctx context.Context, q queryer, id int64, n int, last string) ([]infusion.Event, string, bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, event_json FROM infusion_events WHERE session_id = $1 AND seq >= $2 ORDER BY seq`, id, n)
	if err != nil {
		return nil, "", false, fmt.Errorf("session %d events: %w", id, err)
	}
	defer rows.Close()
	var evs []infusion.Event
	lastRaw := last
	want := n
	for rows.Next() {
		var seq int
		var raw sql.RawBytes
		if err := rows.Scan(&seq, &raw); err != nil {
			return nil, "", false, fmt.Errorf("session %d events: %w", id, err)
		}
		if seq != want {
			return nil, "", false, nil
		}
		want++
		if seq == n {
			if string(raw) != last {
				return nil, "", false, nil
			}
			continue
		}
		e, err := decodedEvents.decode(raw)
		if err != nil {
			return nil, "", false, fmt.Errorf("session %d event %d: %w", id, seq, err)
		}
		evs = append(evs, e)
		lastRaw = string(raw)
	}
	if err := rows.Err(); err != nil {
		return nil, "", false, fmt.Errorf("session %d events: %w", id, err)
	}
	if want == n {
		return nil, "", false, nil // row n is gone: not the chart cached
	}
	return evs, lastRaw, true, nil
}

// readEvents reads every stored event of session id in order, and the JSON
// text of the last.
func (db *DB) readEvents(ctx context.Context, q queryer, id int64) ([]infusion.Event, string, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, event_json FROM infusion_events WHERE session_id = $1 ORDER BY seq`, id)
	if err != nil {
		return nil, "", fmt.Errorf("session %d events: %w", id, err)
	}
	defer rows.Close()
	var out []infusion.Event
	var last string
	for rows.Next() {
		var seq int
		var raw sql.RawBytes
		if err := rows.Scan(&seq, &raw); err != nil {
			return nil, "", fmt.Errorf("session %d events: %w", id, err)
		}
		e, err := decodedEvents.decode(raw)
		if err != nil {
			return nil, "", fmt.Errorf("session %d event %d: %w", id, seq, err)
		}
		out = append(out, e)
		last = string(raw)
	}
	return out, last, rows.Err()
}

// readsCommitted reports whether q reads only committed rows: the read pool
// (readQueryer, or db.read itself), not a write transaction.
func (db *DB) readsCommitted(q queryer) bool {
	switch q := q.(type) {
	case readQueryer:
		return q.db == db
	case *sql.DB:
		return q == db.read
	}
	return false
}

// committed caches st, the chart a write transaction made by appending to
// the first n events of session id (last: the JSON text of its last event
// as stored), once its COMMIT succeeded; in a DB.Batch, not committed yet,
// in the batch's own cache instead (its later writes chart on it, and it
// dies with the batch).
func (db *DB) committed(ctx context.Context, id int64, n int, st infusion.State, last string) {
	if last == "" {
		return
	}
	if b := db.batchOf(ctx); b != nil {
		b.charts.put(id, st, last)
		return
	}
	db.charts.extend(id, n, st, last)
}
