package store

import "github.com/ketatrack/ketatrack/internal/infusion"

// CachedChart exposes the chart cache's events of session id to the
// store_test package (nil when not cached).
func (db *DB) CachedChart(id int64) []infusion.Event {
	st, _, _ := db.charts.get(id)
	return st.Events
}

// ForgeCachedChart replaces the cached chart of session id by the replay
// of evs on the session's stored chart's order and rules, whose last
// event's stored JSON text is given as last: a cache that no longer
// matches the rows (the database restored under the server, say).
func (db *DB) ForgeCachedChart(id int64, evs []infusion.Event, last string) error {
	st, _, _ := db.charts.get(id)
	forged, err := infusion.Replay(st.Order, st.Rules, evs)
	if err != nil {
		return err
	}
	db.charts.mu.Lock()
	if old, ok := db.charts.m[id]; ok {
		db.charts.events -= len(old.state.Events)
		delete(db.charts.m, id)
	}
	db.charts.mu.Unlock()
	db.charts.put(id, forged, last)
	return nil
}
