package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sync"

	"github.com/ketatrack/ketatrack/internal/infusion"
)

// chartCache keeps, per session, the decoded events of its chart as
// committed, so that charting an event reads only the rows stored since
// (usually none) instead of the whole chart: a session's chart is
// append-only (migration 0002's triggers refuse UPDATE and DELETE, and
// (session_id, seq) is unique), so the first n events committed are the
// same for ever.
//
// Only committed events enter it: those read on the read pool (never
// inside a write transaction, whose SQLite group commit may see another
// request's savepoint that is later rolled back, nor inside a DB.Batch) and
// those appended by a write transaction once its COMMIT succeeded. Before a
// cached chart of n events is used, the stored row n is read with the rows
// after it and must carry the cached last event's JSON text byte for byte;
// otherwise (another database restored under the server, say) the chart is
// read whole again. So a cached chart gives exactly the events the rows
// give. The cache holds its own copies (Event.Clone) and never hands them
// out: infusion.Replay copies every event it applies.
type chartCache struct {
	mu      sync.Mutex
	m       map[int64]*cachedChart
	events  int    // events held in all
	clock   uint64 // use counter for the eviction of the least recently used
	maxEvts int    // bound on events; 0 means chartCacheEvents
}

// cachedChart is one session's committed events and the JSON text of the
// last of them as stored.
type cachedChart struct {
	events []infusion.Event
	last   string
	used   uint64
}

// chartCacheEvents bounds the events the cache holds (some tens of MB):
// the charts of the sessions being charted at once in a clinic group.
const chartCacheEvents = 1 << 16

// get returns the cached events of session id (nil if none) and the JSON
// text of the last one. The slice is the cache's and must not be changed
// or appended to in place (slices.Clip).
func (c *chartCache) get(id int64) ([]infusion.Event, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if !ok {
		return nil, ""
	}
	c.clock++
	e.used = c.clock
	return slices.Clip(e.events), e.last
}

// put caches evs (committed, owned by the cache from now on) as session
// id's chart, unless a longer one is cached already.
func (c *chartCache) put(id int64, evs []infusion.Event, last string) {
	if len(evs) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	max := c.maxEvts
	if max == 0 {
		max = chartCacheEvents
	}
	if len(evs) > max/4 {
		return // a chart this long is read from the rows
	}
	if c.m == nil {
		c.m = map[int64]*cachedChart{}
	}
	if old, ok := c.m[id]; ok {
		if len(old.events) >= len(evs) {
			return
		}
		c.events -= len(old.events)
		delete(c.m, id)
	}
	for c.events+len(evs) > max {
		c.evictOldest()
	}
	c.clock++
	c.m[id] = &cachedChart{events: evs, last: last, used: c.clock}
	c.events += len(evs)
}

// extend appends appended (committed after exactly n events) to session
// id's cached chart if it has n events; otherwise it leaves the cache as it
// is. The events are copied.
func (c *chartCache) extend(id int64, n int, appended []infusion.Event, last string) {
	if len(appended) == 0 {
		return
	}
	c.mu.Lock()
	old, ok := c.m[id]
	if !ok || len(old.events) != n {
		c.mu.Unlock()
		return
	}
	base := old.events
	c.mu.Unlock()
	evs := make([]infusion.Event, 0, len(base)+len(appended))
	evs = append(evs, base...)
	for _, e := range appended {
		evs = append(evs, e.Clone())
	}
	c.put(id, evs, last)
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
	c.events -= len(c.m[oldest].events)
	delete(c.m, oldest)
}

// chartEvents returns session id's stored events in order through the
// cache: the cached chart and the rows stored after it, or every row. With
// committed (q reads committed rows only: the read pool) the result is
// cached. It returns the JSON text of the last event too.
func (db *DB) chartEvents(ctx context.Context, q queryer, id int64, committed bool) ([]infusion.Event, error) {
	cached, last := db.charts.get(id)
	if n := len(cached); n > 0 {
		evs, lastRaw, ok, err := db.eventsAfter(ctx, q, id, cached, last)
		if err != nil {
			return nil, err
		}
		if ok {
			if committed && len(evs) > n {
				db.charts.put(id, evs, lastRaw)
			}
			return evs, nil
		}
	}
	evs, lastRaw, err := db.readEvents(ctx, q, id)
	if err != nil {
		return nil, err
	}
	if committed {
		db.charts.put(id, evs, lastRaw)
	}
	return evs, nil
}

// eventsAfter reads the rows of session id from seq len(cached) on; ok is
// false when row len(cached) is not the cached last event (last, its JSON
// text). The events returned are cached's followed by the rows after
// (decoded, the caller's own), and the JSON text of the last.
func (db *DB) eventsAfter(ctx context.Context, q queryer, id int64, cached []infusion.Event, last string) ([]infusion.Event, string, bool, error) {
	n := len(cached)
	rows, err := q.QueryContext(ctx, `SELECT seq, event_json FROM infusion_events WHERE session_id = $1 AND seq >= $2 ORDER BY seq`, id, n)
	if err != nil {
		return nil, "", false, fmt.Errorf("session %d events: %w", id, err)
	}
	defer rows.Close()
	evs := cached
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
		if seq == n {
			if string(raw) != last {
				return nil, "", false, nil
			}
			want++
			continue
		}
		e, err := decodedEvents.decode(raw)
		if err != nil {
			return nil, "", false, fmt.Errorf("session %d event %d: %w", id, seq, err)
		}
		evs = append(evs, e) // cached is clipped: the first append copies it
		lastRaw = string(raw)
		want++
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

// committed extends the cached chart of session id by the events a write
// transaction appended after its first n events (raws: their JSON text, as
// stored), once its COMMIT succeeded; in a DB.Batch, not committed yet, it
// does nothing.
func (db *DB) committed(ctx context.Context, id int64, n int, appended []infusion.Event, raws []string) {
	if db.batchOf(ctx) != nil || len(appended) == 0 || len(raws) != len(appended) {
		return
	}
	db.charts.extend(id, n, appended, raws[len(raws)-1])
}
