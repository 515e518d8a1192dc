package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/infusion"
)

// Lists of sessions with their charts (issue 16: no query per session). A
// list of n sessions is read in one query and their events in one query per
// idChunk sessions, then replayed in Go, instead of two queries per session.

// idChunk is how many IDs one IN (…) list holds: under SQLite's default
// limit of 32,766 host parameters (SQLITE_MAX_VARIABLE_NUMBER since 3.32)
// and PostgreSQL's 65,535, and short enough for the statement cache.
const idChunk = 500

// inList returns "$k, $k+1, …" for ids, appended to args.
func inList(args []any, ids []int64) (string, []any) {
	ph := make([]string, len(ids))
	for i, id := range ids {
		args = append(args, id)
		ph[i] = fmt.Sprintf("$%d", len(args))
	}
	return strings.Join(ph, ", "), args
}

// chunks calls fn with ids idChunk at a time.
func chunks(ids []int64, fn func([]int64) error) error {
	for len(ids) > 0 {
		n := min(len(ids), idChunk)
		if err := fn(ids[:n]); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// replayAll sets the State of every session of list from its stored
// events, read idChunk sessions per query (ORDER BY session_id, seq: the
// primary key's order, see migration 0002's UNIQUE (session_id, seq)).
func (db *DB) replayAll(ctx context.Context, q queryer, list []*sessionRow) error {
	byID := make(map[int64]*sessionRow, len(list))
	ids := make([]int64, 0, len(list))
	for _, s := range list {
		if _, ok := byID[s.ID]; !ok {
			byID[s.ID] = s
			ids = append(ids, s.ID)
		}
	}
	evs := make(map[int64][]infusion.Event, len(ids))
	err := chunks(ids, func(part []int64) error {
		in, args := inList(nil, part)
		rows, err := q.QueryContext(ctx, `SELECT session_id, seq, event_json FROM infusion_events
			WHERE session_id IN (`+in+`) ORDER BY session_id, seq`, args...)
		if err != nil {
			return fmt.Errorf("session events: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var sid int64
			var seq int
			var raw []byte
			if err := rows.Scan(&sid, &seq, &raw); err != nil {
				return fmt.Errorf("session events: %w", err)
			}
			e, err := decodedEvents.decode(raw)
			if err != nil {
				return fmt.Errorf("session %d event %d: %w", sid, seq, err)
			}
			evs[sid] = append(evs[sid], e)
		}
		return rows.Err()
	})
	if err != nil {
		return err
	}
	for _, s := range list {
		if s.State != nil {
			continue
		}
		st, err := infusion.Replay(s.order, s.rules, evs[s.ID])
		if err != nil {
			return fmt.Errorf("session %d: the stored chart does not replay: %w", s.ID, err)
		}
		s.State = &st
	}
	return nil
}

// sessionsByID reads the sessions of ids (each once) that a may read, with
// their charts; a session a may not read is ENOTFOUND, as sessionForRead.
func (db *DB) sessionsByID(ctx context.Context, q queryer, a *clinic.Actor, ids []int64) (map[int64]*sessionRow, error) {
	out := map[int64]*sessionRow{}
	var list []*sessionRow
	err := chunks(ids, func(part []int64) error {
		in, args := inList(nil, part)
		rows, err := q.QueryContext(ctx, `SELECT `+sessionColumns+sessionFrom+` WHERE s.id IN (`+in+`)`, args...)
		if err != nil {
			return fmt.Errorf("find sessions: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			s, err := scanSession(rows)
			if err != nil {
				return fmt.Errorf("find sessions: %w", err)
			}
			if !clinic.CanReadPatientRecord(a, s.ClinicID, s.PatientID) {
				return clinic.Errorf(clinic.ENOTFOUND, "No such infusion session.")
			}
			if _, ok := out[s.ID]; !ok {
				out[s.ID] = s
				list = append(list, s)
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if out[id] == nil {
			return nil, clinic.Errorf(clinic.ENOTFOUND, "No such infusion session.")
		}
	}
	return out, db.replayAll(ctx, q, list)
}

// dashboardPlan is what the dashboard needs of a course's signed plan: its
// days' numbers, dates and amounts.
type dashboardPlan struct {
	courseID, patientID int64
	days                []clinic.PlanDay // Day, Date and SessionMg only
}

// dashboardPlans returns the signed plans in force (Course.Current: the
// highest signed version) of the dashboardCourses newest courses a may
// list that have one, with only the days of each plan: the dashboard reads
// them on every 30-second refresh. A signed version never changes
// (migration 0002's triggers refuse it), so its days are decoded once per
// process (planDays) and only the versions not seen yet are read: decoding
// 500 plans' JSON was 59 % of the dashboard's time (issue 16).
func (db *DB) dashboardPlans(ctx context.Context, a *clinic.Actor) ([]dashboardPlan, error) {
	var w where
	if !w.actorScope(a, "c.") {
		return nil, clinic.Errorf(clinic.EFORBIDDEN, "You may not list courses.")
	}
	w.add(`v.id = (SELECT x.id FROM plan_versions x WHERE x.course_id = c.id AND x.status = 'signed' ORDER BY x.version DESC LIMIT 1)`)
	rows, err := db.query(ctx, `SELECT c.id, c.patient_id, v.id FROM courses c JOIN plan_versions v ON v.course_id = c.id`+
		w.sql()+` ORDER BY c.id DESC LIMIT `+w.arg(dashboardCourses), w.args...)
	if err != nil {
		return nil, fmt.Errorf("dashboard plans: %w", err)
	}
	var out []dashboardPlan
	var versions []int64
	for rows.Next() {
		var p dashboardPlan
		var version int64
		if err := rows.Scan(&p.courseID, &p.patientID, &version); err != nil {
			rows.Close()
			return nil, fmt.Errorf("dashboard plans: %w", err)
		}
		out = append(out, p)
		versions = append(versions, version)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("dashboard plans: %w", err)
	}
	days, err := db.planDays.get(versions, func(missing []int64) (map[int64][]clinic.PlanDay, error) {
		return db.readPlanDays(ctx, missing)
	})
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].days = days[versions[i]]
	}
	return out, nil
}

// readPlanDays reads and decodes the days of the plan versions ids.
func (db *DB) readPlanDays(ctx context.Context, ids []int64) (map[int64][]clinic.PlanDay, error) {
	out := make(map[int64][]clinic.PlanDay, len(ids))
	err := chunks(ids, func(part []int64) error {
		in, args := inList(nil, part)
		return db.eachRow(ctx, `SELECT id, plan_json FROM plan_versions WHERE id IN (`+in+`)`, args, func(rows *sql.Rows) error {
			var id int64
			var raw []byte
			if err := rows.Scan(&id, &raw); err != nil {
				return err
			}
			var plan struct {
				Days []struct {
					Day       int         `json:"day"`
					Date      clinic.Date `json:"date"`
					SessionMg float64     `json:"session_mg"`
				} `json:"days"`
			}
			if err := json.Unmarshal(raw, &plan); err != nil {
				return fmt.Errorf("plan version %d: %w", id, err)
			}
			days := make([]clinic.PlanDay, len(plan.Days))
			for i, d := range plan.Days {
				days[i] = clinic.PlanDay{Day: d.Day, Date: d.Date, SessionMg: d.SessionMg}
			}
			out[id] = days
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("dashboard plans: %w", err)
	}
	return out, nil
}

// planDayCache holds the days of signed plan versions by version ID (they
// never change). It keeps at most planDayCacheMax versions, and starts
// again empty when full: the dashboard reads the same 500 newest courses'
// versions refresh after refresh.
type planDayCache struct {
	mu   sync.Mutex
	days map[int64][]clinic.PlanDay
}

const planDayCacheMax = 4 * dashboardCourses

// get returns the days of every version of ids, reading those it lacks
// with read.
func (c *planDayCache) get(ids []int64, read func([]int64) (map[int64][]clinic.PlanDay, error)) (map[int64][]clinic.PlanDay, error) {
	out := make(map[int64][]clinic.PlanDay, len(ids))
	var missing []int64
	c.mu.Lock()
	for _, id := range ids {
		if d, ok := c.days[id]; ok {
			out[id] = d
		} else {
			missing = append(missing, id)
		}
	}
	c.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	got, err := read(missing)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.days == nil || len(c.days)+len(got) > planDayCacheMax {
		c.days = make(map[int64][]clinic.PlanDay, len(got))
	}
	for id, d := range got {
		c.days[id], out[id] = d, d
	}
	return out, nil
}

// dashboardCourses is how many of the newest courses with a signed plan the
// dashboard looks through for the day's planned sessions (a course's days
// span weeks, and a clinic starts far fewer than 500 courses in that time).
const dashboardCourses = 500
