package store

import "github.com/ketatrack/ketatrack/internal/infusion"

// CachedChart exposes the chart cache's events of session id to the
// store_test package (nil when not cached).
func (db *DB) CachedChart(id int64) []infusion.Event {
	evs, _ := db.charts.get(id)
	return evs
}

// ForgeCachedChart replaces the cached chart of session id by evs, whose
// last event's stored JSON text is given as last: a cache that no longer
// matches the rows (the database restored under the server, say).
func (db *DB) ForgeCachedChart(id int64, evs []infusion.Event, last string) {
	db.charts.mu.Lock()
	if old, ok := db.charts.m[id]; ok {
		db.charts.events -= len(old.events)
		delete(db.charts.m, id)
	}
	db.charts.mu.Unlock()
	db.charts.put(id, evs, last)
}
