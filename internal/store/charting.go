package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/infusion"
)

// Infusion sessions and their charts (migration 0002). Each charted event is
// one row of infusion_events, appended in the same transaction as its audit
// entry; the chart is rebuilt by replaying the rows through infusion.Replay,
// and every new event goes through infusion.Record with the dose engine
// (infusion.DoseEngine) before it is stored.

// DoseEngine checks every programme and rate change; tests may replace it.
var chartDoseEngine infusion.RateChecker = infusion.DoseEngine{}

const sessionColumns = `s.id, s.clinic_id, s.patient_id, s.course_id, s.plan_version_id, v.version, s.day, s.attempt,
	s.planned_date, s.session_date, s.order_json, s.rules_json, s.opened_by_name, s.opened_at, s.phase, s.event_count, s.open_alerts`

const sessionFrom = ` FROM infusion_sessions s JOIN plan_versions v ON v.id = s.plan_version_id`

// sessionRow is a session as stored, with the order and rules it replays under.
type sessionRow struct {
	*clinic.InfusionSession
	order infusion.Order
	rules infusion.Rules
}

func scanSession(row interface{ Scan(...any) error }) (*sessionRow, error) {
	s := &sessionRow{InfusionSession: &clinic.InfusionSession{}}
	var planned, date sql.NullTime
	var order, rules, phase string
	if err := row.Scan(&s.ID, &s.ClinicID, &s.PatientID, &s.CourseID, &s.PlanVersionID, &s.PlanVersion, &s.Day, &s.Attempt,
		&planned, &date, &order, &rules, &s.OpenedByName, &s.OpenedAt, &phase, &s.EventCount, &s.OpenAlerts); err != nil {
		return nil, err
	}
	s.PlannedDate, s.SessionDate, s.Phase = dateOf(planned), dateOf(date), infusion.Phase(phase)
	if err := json.Unmarshal([]byte(order), &s.order); err != nil {
		return nil, fmt.Errorf("session %d order: %w", s.ID, err)
	}
	if err := json.Unmarshal([]byte(rules), &s.rules); err != nil {
		return nil, fmt.Errorf("session %d rules: %w", s.ID, err)
	}
	return s, nil
}

// replay rebuilds the session's chart from its stored events, through the
// chart cache (chartState), which charts read on the read pool fill.
func (db *DB) replay(ctx context.Context, q queryer, s *sessionRow) (infusion.State, error) {
	return db.chartState(ctx, q, s, db.readsCommitted(q))
}

// OpenSession implements clinic.ChartingService.
func (db *DB) OpenSession(ctx context.Context, courseID int64, day int, on clinic.Date) (*clinic.InfusionSession, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if on.IsZero() {
		return nil, clinic.Invalid("date", "the session's date is required")
	}
	var out *clinic.InfusionSession
	err = db.update(ctx, func(tx *Tx) error {
		c, v, err := db.courseToOpen(ctx, tx, a, courseID)
		if err != nil {
			return err
		}
		if !clinic.CanChart(a, c.ClinicID) {
			return clinic.Errorf(clinic.EFORBIDDEN, "Only the clinic's nurses and clinicians may open an infusion session.")
		}
		if v == nil {
			return &clinic.Error{Code: clinic.ECONFLICT, Field: "day", Message: "The course has no signed plan yet: a clinician must sign it before sessions can be given."}
		}
		d := v.Plan.Day(day)
		if d == nil {
			return clinic.Invalid("day", "the signed plan (version %d) has no treatment day %d (days 1–%d)", v.Version, day, len(v.Plan.Days))
		}
		attempt := 1
		rows, err := tx.QueryContext(ctx, `SELECT id, attempt, phase FROM infusion_sessions WHERE course_id = $1 AND day = $2 ORDER BY attempt`, courseID, day)
		if err != nil {
			return fmt.Errorf("open session: %w", err)
		}
		var openID int64
		for rows.Next() {
			var id int64
			var n int
			var phase string
			if err := rows.Scan(&id, &n, &phase); err != nil {
				rows.Close()
				return fmt.Errorf("open session: %w", err)
			}
			attempt = n + 1
			if infusion.Phase(phase) != infusion.PhaseStopped {
				openID = id
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("open session: %w", err)
		}
		if openID != 0 {
			return &clinic.Error{Code: clinic.ECONFLICT, Field: "day", Message: fmt.Sprintf("Day %d already has a session in progress (session %d): chart it there.", day, openID)}
		}
		ref := fmt.Sprintf("course %d day %d", courseID, day)
		if attempt > 1 {
			ref += fmt.Sprintf(" attempt %d", attempt)
		}
		order, err := clinic.SessionOrder(v.Plan, day, ref, fmt.Sprintf("patient %d", c.PatientID), fmt.Sprintf("course %d plan version %d", c.ID, v.Version))
		if err != nil {
			return err
		}
		rules := clinic.SessionRules(v.Input)
		st, err := infusion.NewSession(order, rules)
		if err != nil {
			return fmt.Errorf("open session: %w", err)
		}
		oj, err := json.Marshal(order)
		if err != nil {
			return err
		}
		rj, err := json.Marshal(rules)
		if err != nil {
			return err
		}
		s := &clinic.InfusionSession{ClinicID: c.ClinicID, PatientID: c.PatientID, CourseID: c.ID, PlanVersionID: v.ID,
			PlanVersion: v.Version, Day: day, Attempt: attempt, PlannedDate: d.Date, SessionDate: on,
			OpenedByName: actorName(a), OpenedAt: tx.now, Phase: st.Phase, State: &st}
		err = tx.QueryRowContext(ctx, `INSERT INTO infusion_sessions (clinic_id, patient_id, course_id, plan_version_id, day, attempt,
			planned_date, session_date, order_json, rules_json, opened_by, opened_by_name, opened_at, phase)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
			s.ClinicID, s.PatientID, s.CourseID, s.PlanVersionID, day, attempt, dateArg(s.PlannedDate), dateArg(on),
			string(oj), string(rj), nullInt(actorUserID(a)), s.OpenedByName, s.OpenedAt, string(s.Phase)).Scan(&s.ID)
		if err != nil {
			return conflict(err, "open session", "day", fmt.Sprintf("A session of day %d was opened at the same time; reload.", day))
		}
		out = s
		return tx.audit(clinic.AuditEntry{ClinicID: s.ClinicID, Action: clinic.ActionCreate, Entity: "infusion_session",
			EntityID: s.ID, PatientID: s.PatientID}, nil, struct {
			*clinic.InfusionSession
			Order infusion.Order `json:"order"`
			Rules infusion.Rules `json:"rules"`
		}{&clinic.InfusionSession{ID: s.ID, ClinicID: s.ClinicID, PatientID: s.PatientID, CourseID: s.CourseID,
			PlanVersionID: s.PlanVersionID, PlanVersion: s.PlanVersion, Day: day, Attempt: attempt, PlannedDate: s.PlannedDate,
			SessionDate: on, OpenedByName: s.OpenedByName, OpenedAt: s.OpenedAt, Phase: s.Phase}, order, rules})
	})
	return out, err
}

// sessionForRead loads a session (locked for update inside a PostgreSQL
// transaction when lock is set) and checks the actor may read it.
func (db *DB) sessionForRead(ctx context.Context, q queryer, a *clinic.Actor, id int64, lock bool) (*sessionRow, error) {
	query := `SELECT ` + sessionColumns + sessionFrom + ` WHERE s.id = $1`
	if lock && db.loc.Engine == Postgres {
		// Two nurses charting the same session queue here instead of both
		// replaying the same chart; SQLite's single writer already does.
		query += ` FOR UPDATE OF s`
	}
	s, err := scanSession(q.QueryRowContext(ctx, query, id))
	if err != nil {
		return nil, notFound(err, "find session", "No such infusion session.")
	}
	if !clinic.CanReadPatientRecord(a, s.ClinicID, s.PatientID) {
		return nil, clinic.Errorf(clinic.ENOTFOUND, "No such infusion session.")
	}
	return s, nil
}

// FindSessionByID implements clinic.ChartingService.
func (db *DB) FindSessionByID(ctx context.Context, id int64) (*clinic.InfusionSession, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	s, err := db.sessionForRead(ctx, db.read, a, id, false)
	if err != nil {
		return nil, err
	}
	st, err := db.replay(ctx, db.read, s)
	if err != nil {
		return nil, err
	}
	s.State = &st
	return s.InfusionSession, nil
}

// FindSessions implements clinic.ChartingService.
func (db *DB) FindSessions(ctx context.Context, f clinic.SessionFilter) ([]*clinic.InfusionSession, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var w where
	if !w.actorScope(a, "s.") {
		return nil, clinic.Errorf(clinic.EFORBIDDEN, "You may not list sessions.")
	}
	if !f.Date.IsZero() {
		w.add("s.session_date = " + w.arg(dateArg(f.Date)))
	}
	if f.CourseID != 0 {
		w.add("s.course_id = " + w.arg(f.CourseID))
	}
	if f.PatientID != 0 {
		w.add("s.patient_id = " + w.arg(f.PatientID))
	}
	if f.WithOpenAlerts {
		w.add("s.open_alerts > 0")
	}
	if k := f.After; k != nil {
		w.add("(s.session_date, s.id) < (" + w.arg(dateArg(k.Date)) + ", " + w.arg(k.ID) + ")")
	}
	q := `SELECT ` + sessionColumns + sessionFrom + w.sql() +
		` ORDER BY s.session_date DESC, s.id DESC LIMIT ` + w.arg(limit(f.Limit, 200, 1000))
	rows, err := db.read.QueryContext(ctx, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("find sessions: %w", err)
	}
	var list []*sessionRow
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("find sessions: %w", err)
		}
		list = append(list, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find sessions: %w", err)
	}
	if f.WithState {
		if err := db.replayAll(ctx, db.read, list); err != nil {
			return nil, err
		}
	}
	out := make([]*clinic.InfusionSession, 0, len(list))
	for _, s := range list {
		out = append(out, s.InfusionSession)
	}
	return out, nil
}

// RecordEvent implements clinic.ChartingService.
//
// The work is done twice over only when two nurses chart the same session at
// once. First, outside the write transaction, on the read pool: the session
// is read and the actor's rights checked, its stored events replayed, the new
// event recorded through the dose engine and encoded (recordDraft). Then the
// write transaction checks that the session still has exactly the events that
// were replayed — they are append-only: triggers of migration 0002 refuse
// UPDATE and DELETE, and (session_id, seq) is unique — and appends. If an
// event was charted meanwhile, or the draft failed, the transaction replays
// and records again under its lock, and its answer is the one returned. So
// the single SQLite writer (and a PostgreSQL row lock) is held only for the
// inserts, while replays of different sessions run in parallel.
func (db *DB) RecordEvent(ctx context.Context, sessionID int64, e infusion.Event) (*clinic.InfusionSession, []infusion.Event, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, nil, err
	}
	e.By = a.Login
	db.prepareWrites(ctx, maxSeqSQL, insertEventSQL, updateSessionSQL, auditInsertSQL)
	var d *eventDraft
	if db.batchOf(ctx) == nil {
		// In a batch the read pool does not see the batch's rows: the
		// transaction replays and records (recordLocked).
		d, err = db.recordDraft(ctx, a, sessionID, e, db.now())
		var chartErr *chartDraftError
		switch {
		case errors.As(err, &chartErr):
			d = nil // decided again inside the transaction
		case err != nil:
			return nil, nil, err
		}
	}
	var out *clinic.InfusionSession
	var appended []infusion.Event
	err = db.update(ctx, func(tx *Tx) error {
		if d != nil {
			fresh, err := db.draftFresh(ctx, tx, d)
			if err != nil {
				return err
			}
			if !fresh {
				d = nil
			}
		}
		if d == nil {
			var err error
			if d, err = db.recordLocked(ctx, tx, a, sessionID, e); err != nil {
				return err
			}
		}
		if err := db.gateEvent(ctx, tx, d); err != nil {
			return err
		}
		if err := db.appendDraft(ctx, tx, a, d); err != nil {
			return err
		}
		out, appended = d.s.InfusionSession, d.res.Appended
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	db.committed(ctx, d.s.ID, d.replayed, d.res.State, d.raw[len(d.raw)-1])
	return out, appended, nil
}

// RecordEvents charts evs on the session in order, as RecordEvent charts
// each of them one after another at one instant, in one write transaction:
// all of them or (at the first refusal) none. The session is read and its
// chart replayed once, and each event is recorded on the chart the previous
// ones made, through the same checks, gate (consent, bag) and rows with
// their audit entries. It returns the session as charted and every event
// appended (alerts included). For a monitor's or a gateway's batch of
// vitals, a chart entered after the fact and bulk loads.
//
// As in RecordEvent, the replay and the recording are done first on the
// read pool (recordDrafts), and the write transaction only checks that no
// event was charted meanwhile and appends; otherwise (or in a DB.Batch,
// whose rows the read pool cannot see) it replays and records under its
// lock, and its answer is the one returned.
//
// A refusal names the event by its index in evs: an *clinic.Error whose
// Field is "events[i]" followed by the field of the event at fault
// ("events[17].vitals.spo2_pct"), with the code RecordEvent would give.
func (db *DB) RecordEvents(ctx context.Context, sessionID int64, evs []infusion.Event) (*clinic.InfusionSession, []infusion.Event, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, nil, err
	}
	if len(evs) == 0 {
		return nil, nil, clinic.Invalid("events", "no event to chart")
	}
	evs = slices.Clone(evs)
	for i := range evs {
		evs[i].By = a.Login
	}
	db.prepareWrites(ctx, maxSeqSQL, insertEventSQL, updateSessionSQL, auditInsertSQL)
	db.prepareChartInserts(ctx)
	var drafts []*eventDraft
	if db.batchOf(ctx) == nil {
		drafts, err = db.recordDrafts(ctx, a, sessionID, evs, db.now())
		var chartErr *chartDraftError
		switch {
		case errors.As(err, &chartErr):
			drafts = nil // decided again inside the transaction
		case err != nil:
			return nil, nil, err
		}
	}
	var out *clinic.InfusionSession
	var appended []infusion.Event
	var base int             // the events the appended ones follow
	var final infusion.State // the chart after them
	var lastRaw string       // the JSON text of the last one
	err = db.update(ctx, func(tx *Tx) error {
		ds := drafts
		if ds != nil {
			fresh, err := db.draftFresh(ctx, tx, ds[0])
			if err != nil {
				return err
			}
			if !fresh {
				ds = nil
			}
		}
		if ds == nil {
			s, st, err := db.chartLocked(ctx, tx, a, sessionID)
			if err != nil {
				return err
			}
			var i int
			if ds, i, err = draftEach(s, st, evs, tx.now, false); err != nil {
				// The refusal as RecordEvent gives it (a stale view's
				// 409 naming what was charted since, …): the events
				// before it charted again one by one, then it.
				for j, e := range evs[:i+1] {
					d, err := db.chartOn(ctx, tx, s, st, e)
					if err != nil {
						return clinic.ItemError("events", j, err)
					}
					st = d.res.State
				}
				return clinic.ItemError("events", i, clinic.ChartError(err))
			}
		}
		appended = appended[:0]
		for i, d := range ds {
			// The gate reads the consent and the bag preparations, never
			// the events: every event is gated before the rows are
			// inserted.
			if err := db.gateEvent(ctx, tx, d); err != nil {
				return clinic.ItemError("events", i, err)
			}
			appended = append(appended, d.res.Appended...)
		}
		// The rows and audit entries of all the events, in order, a few
		// multi-row INSERTs; the summary columns are written once, after
		// the last event: the same row as after each.
		if err := db.insertDrafts(ctx, tx, a, ds); err != nil {
			return err
		}
		last := ds[len(ds)-1]
		if err := db.updateSummary(ctx, tx, last); err != nil {
			return err
		}
		out = last.s.InfusionSession
		base, final, lastRaw = ds[0].replayed, last.res.State, last.raw[len(last.raw)-1]
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	db.committed(ctx, sessionID, base, final, lastRaw)
	return out, appended, nil
}

// recordDrafts is recordDraft for a list of events (draftEach). A refusal
// is a *chartDraftError.
func (db *DB) recordDrafts(ctx context.Context, a *clinic.Actor, sessionID int64, evs []infusion.Event, now time.Time) ([]*eventDraft, error) {
	s, st, err := db.chartForDraft(ctx, a, sessionID)
	if err != nil {
		return nil, err
	}
	ds, _, err := draftEach(s, st, evs, now, true)
	if err != nil {
		return nil, &chartDraftError{err}
	}
	return ds, nil
}

// draftEach records evs one after another on st at now, each on the chart
// the previous ones made, with one infusion.Recorder: one copy of the chart
// for the list instead of one per event (infusion.Record), which made a
// batch cost its length times the chart's. A draft keeps the chart after
// its event only where gateEvent reads it (gateReadsChart) and for the
// last event (the summary columns). On a refusal it returns the index of
// the event refused and infusion's error. With owned, st is the caller's
// to give (it does not use it again): the Recorder charts on it without a
// copy.
func draftEach(s *sessionRow, st infusion.State, evs []infusion.Event, now time.Time, owned bool) ([]*eventDraft, int, error) {
	rec := infusion.NewRecorder(st, now, chartDoseEngine)
	if owned {
		rec = infusion.NewRecorderOn(st, now, chartDoseEngine)
	}
	replayed := len(st.Events)
	ds := make([]*eventDraft, 0, len(evs))
	for i, e := range evs {
		if e.At.IsZero() {
			e.At = now
		}
		appended, err := rec.Record(e)
		if err != nil {
			return nil, i, err
		}
		d := &eventDraft{s: s, replayed: replayed, res: infusion.Result{Appended: appended}}
		switch {
		case i == len(evs)-1:
			d.res.State = rec.Final()
		case gateReadsChart(e.Kind):
			d.res.State = rec.State()
		}
		if err := d.encode(); err != nil {
			return nil, i, err
		}
		replayed += len(appended)
		ds = append(ds, d)
	}
	return ds, 0, nil
}

// eventDraft is a charted event ready to append: the session as read, the
// number of stored events it was replayed from, the result of
// infusion.Record and the JSON of each appended event.
type eventDraft struct {
	s        *sessionRow
	replayed int
	res      infusion.Result
	raw      []string
}

// chartDraftError is a refusal of infusion.Record on a chart read outside
// the write transaction, which a newer chart might not repeat.
type chartDraftError struct{ err error }

func (e *chartDraftError) Error() string { return e.err.Error() }

// recordDraft reads the session on the read pool and charts e on its replay
// at now. Rights errors are final (a session's clinic and patient never
// change); a refusal by infusion.Record is a *chartDraftError.
func (db *DB) recordDraft(ctx context.Context, a *clinic.Actor, sessionID int64, e infusion.Event, now time.Time) (*eventDraft, error) {
	s, st, err := db.chartForDraft(ctx, a, sessionID)
	if err != nil {
		return nil, err
	}
	d, err := draftOn(s, st, e, now)
	if err != nil {
		return nil, &chartDraftError{err}
	}
	return d, nil
}

// chartForDraft reads the session on the read pool and replays its chart,
// for an actor who may chart it.
func (db *DB) chartForDraft(ctx context.Context, a *clinic.Actor, sessionID int64) (*sessionRow, infusion.State, error) {
	s, err := db.sessionForRead(ctx, readQueryer{db}, a, sessionID, false)
	if err != nil {
		return nil, infusion.State{}, err
	}
	if !clinic.CanChart(a, s.ClinicID) {
		return nil, infusion.State{}, clinic.Errorf(clinic.EFORBIDDEN, "Only the clinic's nurses and clinicians may chart an infusion session.")
	}
	st, err := db.replay(ctx, readQueryer{db}, s)
	if err != nil {
		return nil, infusion.State{}, err
	}
	return s, st, nil
}

// recordLocked reads, replays and charts inside the write transaction (the
// session row locked on PostgreSQL).
func (db *DB) recordLocked(ctx context.Context, tx *Tx, a *clinic.Actor, sessionID int64, e infusion.Event) (*eventDraft, error) {
	s, st, err := db.chartLocked(ctx, tx, a, sessionID)
	if err != nil {
		return nil, err
	}
	return db.chartOn(ctx, tx, s, st, e)
}

// chartLocked reads the session (locked on PostgreSQL) and replays its
// chart inside the write transaction, for an actor who may chart it.
func (db *DB) chartLocked(ctx context.Context, tx *Tx, a *clinic.Actor, sessionID int64) (*sessionRow, infusion.State, error) {
	s, err := db.sessionForRead(ctx, tx, a, sessionID, true)
	if err != nil {
		return nil, infusion.State{}, err
	}
	if !clinic.CanChart(a, s.ClinicID) {
		return nil, infusion.State{}, clinic.Errorf(clinic.EFORBIDDEN, "Only the clinic's nurses and clinicians may chart an infusion session.")
	}
	st, err := db.replay(ctx, tx, s)
	if err != nil {
		return nil, infusion.State{}, err
	}
	return s, st, nil
}

// chartOn charts e on the session's chart st inside the write transaction,
// turning a refusal into the answer RecordEvent gives.
func (db *DB) chartOn(ctx context.Context, tx *Tx, s *sessionRow, st infusion.State, e infusion.Event) (*eventDraft, error) {
	d, err := draftOn(s, st, e, tx.now)
	var stale *infusion.StaleError
	if errors.As(err, &stale) {
		return nil, db.staleConflict(ctx, tx, stale)
	}
	if err != nil {
		if e.Acknowledge != nil && infusion.ErrorField(err) == "acknowledge.alert_seq" {
			if err := ackedConflict(ctx, tx, st, e.Acknowledge.AlertSeq); err != nil {
				return nil, err
			}
		}
		return nil, clinic.ChartError(err)
	}
	return d, nil
}

// ackedConflict is the 409 of a second acknowledgement of alert seq (two
// nurses answering one alert), naming who acknowledged it first, when and
// what they did; nil when the alert is not acknowledged (another refusal).
func ackedConflict(ctx context.Context, tx *Tx, st infusion.State, seq int) error {
	for _, a := range st.Alerts {
		if a.Seq != seq || a.Ack == nil {
			continue
		}
		names, err := userNames(ctx, tx, []string{a.Ack.By})
		if err != nil {
			return err
		}
		return &clinic.Error{Code: clinic.ECONFLICT, Field: "acknowledge.alert_seq", Message: fmt.Sprintf(
			"alert %d was already acknowledged by %s at %s (event %d: %s) since you loaded this page; your acknowledgement was not charted.",
			seq, names[a.Ack.By], a.Ack.At.In(tx.zone).Format("15:04"), a.Ack.Seq, a.Ack.Action)}
	}
	return nil
}

// userNames maps logins to the users' names (a login without a user, or
// with an empty name, maps to itself).
func userNames(ctx context.Context, tx *Tx, logins []string) (map[string]string, error) {
	names := map[string]string{}
	var ph []string
	var args []any
	for _, login := range logins {
		if _, dup := names[login]; dup {
			continue
		}
		names[login] = login
		args = append(args, login)
		ph = append(ph, fmt.Sprintf("$%d", len(args)))
	}
	if len(args) == 0 {
		return names, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT login, name FROM users WHERE login IN (`+strings.Join(ph, ", ")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("user names: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var login, name string
		if err := rows.Scan(&login, &name); err != nil {
			return nil, fmt.Errorf("user names: %w", err)
		}
		if name != "" {
			names[login] = name
		}
	}
	return names, rows.Err()
}

// staleMax bounds how many of the events charted meanwhile a refusal lists.
const staleMax = 4

// staleConflict is the 409 of an event refused for a stale view
// (infusion.Kind.StaleViewSafe): what was charted since the nurse loaded
// the chart, when (clinic time) and by whom (the users' names), so that
// they know what to check before charting again.
func (db *DB) staleConflict(ctx context.Context, tx *Tx, se *infusion.StaleError) error {
	var logins []string
	for _, ev := range se.Since {
		if ev.By != "" && ev.By != infusion.SystemUser {
			logins = append(logins, ev.By)
		}
	}
	names, err := userNames(ctx, tx, logins)
	if err != nil {
		return fmt.Errorf("chart event: %w", err)
	}
	var parts []string
	for i, ev := range se.Since {
		if i == staleMax {
			parts = append(parts, fmt.Sprintf("%d more", len(se.Since)-staleMax))
			break
		}
		parts = append(parts, staleEventText(ev, names[ev.By], tx.zone))
	}
	return &clinic.Error{Code: clinic.ECONFLICT, Field: "seq", Message: fmt.Sprintf(
		"%s since you loaded this page (you saw %d events); your %s was not charted: reload and check before charting.",
		strings.Join(parts, "; "), se.Seen, se.Kind)}
}

// staleEventText is one event of a stale-view refusal: "vitals charted at
// 10:15 by Sam Rivera, RN", "rate-change to 6 mg/h charted at …", "alert
// raised at 10:15: SpO2 below 93 %".
func staleEventText(ev infusion.Event, by string, zone *time.Location) string {
	at := ev.At.In(zone).Format("15:04")
	if ev.Alert != nil {
		return fmt.Sprintf("alert raised at %s: %s", at, ev.Alert.Message)
	}
	what := string(ev.Kind)
	switch {
	case ev.RateChange != nil:
		what += fmt.Sprintf(" to %s mg/h", strconv.FormatFloat(float64(ev.RateChange.Rate.MgPerH), 'f', -1, 64))
	case ev.Programme != nil:
		what += fmt.Sprintf(" at %s mg/h", strconv.FormatFloat(float64(ev.Programme.Rate.MgPerH), 'f', -1, 64))
	case ev.Stop != nil:
		what += fmt.Sprintf(" (%s)", ev.Stop.Reason)
	case ev.Acknowledge != nil:
		what += fmt.Sprintf(" of alert %d", ev.Acknowledge.AlertSeq)
	}
	return fmt.Sprintf("%s charted at %s by %s", what, at, by)
}

// draftOn records e on the replayed state st at now and encodes the events
// to append.
func draftOn(s *sessionRow, st infusion.State, e infusion.Event, now time.Time) (*eventDraft, error) {
	if e.At.IsZero() {
		e.At = now
	}
	res, err := infusion.Record(st, e, now, chartDoseEngine)
	if err != nil {
		return nil, err
	}
	d := &eventDraft{s: s, replayed: len(st.Events), res: res}
	if err := d.encode(); err != nil {
		return nil, err
	}
	return d, nil
}

// encode sets d.raw, the JSON of each appended event.
func (d *eventDraft) encode() error {
	for _, ev := range d.res.Appended {
		raw, err := json.Marshal(ev)
		if err != nil {
			return fmt.Errorf("event json: %w", err)
		}
		d.raw = append(d.raw, string(raw))
	}
	return nil
}

// draftFresh reports whether the session still has exactly the events d was
// replayed from, locking its row on PostgreSQL first (the count is read by a
// second statement, which in READ COMMITTED sees what was committed before
// the lock was granted).
func (db *DB) draftFresh(ctx context.Context, tx *Tx, d *eventDraft) (bool, error) {
	if db.loc.Engine == Postgres {
		var id int64
		if err := tx.QueryRowContext(ctx, `SELECT id FROM infusion_sessions WHERE id = $1 FOR UPDATE`, d.s.ID).Scan(&id); err != nil {
			return false, notFound(err, "chart event", "No such infusion session.")
		}
	}
	var n int
	if err := tx.queryRowPrepared(ctx, db, maxSeqSQL, d.s.ID).Scan(&n); err != nil {
		return false, fmt.Errorf("chart event: %w", err)
	}
	return n == d.replayed, nil
}

// appendEvents inserts d's events with their audit entries.
func (db *DB) appendEvents(ctx context.Context, tx *Tx, a *clinic.Actor, d *eventDraft) error {
	s := d.s
	for i, ev := range d.res.Appended {
		var by sql.NullInt64
		if ev.Kind != infusion.KindAlert {
			by = nullInt(actorUserID(a))
		}
		if _, err := tx.execPrepared(ctx, db, insertEventSQL, s.ID, ev.Seq, string(ev.Kind), ev.At.UTC(), by, ev.By, d.raw[i], tx.now); err != nil {
			return conflict(err, "chart event", "seq", "The chart changed meanwhile; reload it and chart again.")
		}
		if err := tx.auditJSON(clinic.AuditEntry{ClinicID: s.ClinicID, Action: eventAction(ev.Kind), Entity: "infusion_event",
			EntityID: s.ID, PatientID: s.PatientID}, sql.NullString{}, sql.NullString{String: d.raw[i], Valid: true}); err != nil {
			return err
		}
	}
	return nil
}

// insertDrafts inserts the events of ds and their audit entries, in order,
// as appendEvents does for each draft one after another, with multi-row
// INSERTs (insertChartRows; in a DB.Batch the audit entries join the
// batch's queue).
func (db *DB) insertDrafts(ctx context.Context, tx *Tx, a *clinic.Actor, ds []*eventDraft) error {
	var events, audits [][]any
	for _, d := range ds {
		s := d.s
		for i, ev := range d.res.Appended {
			var by sql.NullInt64
			if ev.Kind != infusion.KindAlert {
				by = nullInt(actorUserID(a))
			}
			events = append(events, []any{s.ID, ev.Seq, string(ev.Kind), ev.At.UTC(), by, ev.By, d.raw[i], tx.now})
			audits = append(audits, tx.auditArgs(clinic.AuditEntry{ClinicID: s.ClinicID, Action: eventAction(ev.Kind),
				Entity: "infusion_event", EntityID: s.ID, PatientID: s.PatientID}, sql.NullString{}, sql.NullString{String: d.raw[i], Valid: true}))
		}
	}
	if err := tx.insertChartRows(ctx, insertEventHead, insertEventCols, events); err != nil {
		return conflict(err, "chart event", "seq", "The chart changed meanwhile; reload it and chart again.")
	}
	if tx.batch != nil {
		for _, args := range audits {
			if err := tx.batch.audit(tx, args); err != nil {
				return fmt.Errorf("audit infusion_event: %w", err)
			}
		}
		return nil
	}
	if err := tx.insertChartRows(ctx, auditInsertHead, auditCols, audits); err != nil {
		return fmt.Errorf("audit infusion_event: %w", err)
	}
	return nil
}

// eventAction is the audit action of charting an event of kind k.
func eventAction(k infusion.Kind) string {
	switch k {
	case infusion.KindAlert:
		return "alert"
	case infusion.KindAcknowledge:
		return "acknowledge"
	}
	return clinic.ActionCreate
}

// appendDraft inserts d's events with their audit entries and updates the
// session's summary columns.
func (db *DB) appendDraft(ctx context.Context, tx *Tx, a *clinic.Actor, d *eventDraft) error {
	if err := db.appendEvents(ctx, tx, a, d); err != nil {
		return err
	}
	return db.updateSummary(ctx, tx, d)
}

// updateSummary rewrites the session's summary columns from d's chart.
func (db *DB) updateSummary(ctx context.Context, tx *Tx, d *eventDraft) error {
	s, n := d.s, d.res.State
	s.Phase, s.EventCount, s.OpenAlerts, s.State = n.Phase, len(n.Events), len(n.OpenAlerts()), &n
	if _, err := tx.execPrepared(ctx, db, updateSessionSQL, string(s.Phase), s.EventCount, s.OpenAlerts, tx.now, s.ID); err != nil {
		return fmt.Errorf("chart event: %w", err)
	}
	return nil
}

// patientNames returns the name and MRN of the patients by ID (rights are
// the caller's: the IDs come from records already checked).
func (db *DB) patientNames(ctx context.Context, ids []int64) (map[int64][2]string, error) {
	out := map[int64][2]string{}
	// Each patient once, idChunk to a query: the stock reconciliation asks
	// for the patient of every open bag, 35,000 at 10,000 patients, over
	// SQLite's 32,766 host parameters in one IN list.
	uniq := slices.Clone(ids)
	slices.Sort(uniq)
	uniq = slices.Compact(uniq)
	err := chunks(uniq, func(part []int64) error {
		in, args := inList(nil, part)
		rows, err := db.read.QueryContext(ctx, `SELECT id, given_name, family_name, mrn FROM patients WHERE id IN (`+in+`)`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var given, family, mrn string
			if err := rows.Scan(&id, &given, &family, &mrn); err != nil {
				return err
			}
			out[id] = [2]string{strings.TrimSpace(given + " " + family), mrn}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("patient names: %w", err)
	}
	return out, nil
}

// Dashboard implements clinic.ChartingService: the sessions of date (opened,
// and planned days of signed plans not yet opened), the vitals due within
// clinic.DueSoon or overdue at now, and every open alert of the clinic.
func (db *DB) Dashboard(ctx context.Context, date clinic.Date, now time.Time) (*clinic.Dashboard, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if !a.System && !a.Role.IsStaff() {
		return nil, clinic.Errorf(clinic.EFORBIDDEN, "The dashboard is for clinic staff.")
	}
	d := &clinic.Dashboard{Date: date, Now: now, Today: []clinic.DashboardSession{}, VitalsDue: []clinic.DashboardSession{},
		OpenAlerts: []clinic.DashboardAlert{}}
	today, err := db.FindSessions(ctx, clinic.SessionFilter{Date: date, WithState: true})
	if err != nil {
		return nil, err
	}
	alerting, err := db.FindSessions(ctx, clinic.SessionFilter{WithOpenAlerts: true, WithState: true})
	if err != nil {
		return nil, err
	}
	courses, err := db.dashboardPlans(ctx, a)
	if err != nil {
		return nil, err
	}
	ids := map[int64]bool{}
	for _, s := range append(append([]*clinic.InfusionSession{}, today...), alerting...) {
		ids[s.PatientID] = true
	}
	for _, c := range courses {
		ids[c.patientID] = true
	}
	var idList []int64
	for id := range ids {
		idList = append(idList, id)
	}
	names, err := db.patientNames(ctx, idList)
	if err != nil {
		return nil, err
	}
	days := map[int64]int{} // course → number of plan days
	opened := map[[2]int64]bool{}
	for _, c := range courses {
		days[c.courseID] = len(c.days)
	}
	row := func(s *clinic.InfusionSession) clinic.DashboardSession {
		sum := s.State.Summary(now)
		r := clinic.DashboardSession{SessionID: s.ID, CourseID: s.CourseID, PatientID: s.PatientID,
			PatientName: names[s.PatientID][0], MRN: names[s.PatientID][1], Day: s.Day, Days: days[s.CourseID],
			Phase: s.Phase, PlannedMg: float64(s.State.Order.PlannedTotal()), Summary: &sum}
		return r
	}
	for _, s := range today {
		r := row(s)
		d.Today = append(d.Today, r)
		opened[[2]int64{s.CourseID, int64(s.Day)}] = true
		if due := r.Summary.NextVitalsDue; !due.IsZero() && !due.After(now.Add(clinic.DueSoon)) {
			d.VitalsDue = append(d.VitalsDue, r)
		}
	}
	for _, c := range courses {
		for _, pd := range c.days {
			if pd.Date != date || opened[[2]int64{c.courseID, int64(pd.Day)}] {
				continue
			}
			d.Today = append(d.Today, clinic.DashboardSession{CourseID: c.courseID, PatientID: c.patientID,
				PatientName: names[c.patientID][0], MRN: names[c.patientID][1], Day: pd.Day, Days: len(c.days),
				PlannedMg: pd.SessionMg})
		}
	}
	sort.SliceStable(d.VitalsDue, func(i, j int) bool {
		return d.VitalsDue[i].Summary.NextVitalsDue.Before(d.VitalsDue[j].Summary.NextVitalsDue)
	})
	for _, s := range alerting {
		for _, al := range s.State.OpenAlerts() {
			d.OpenAlerts = append(d.OpenAlerts, clinic.DashboardAlert{SessionID: s.ID, PatientID: s.PatientID,
				PatientName: names[s.PatientID][0], MRN: names[s.PatientID][1], Alert: al})
		}
	}
	sort.SliceStable(d.OpenAlerts, func(i, j int) bool { return d.OpenAlerts[i].Alert.At.Before(d.OpenAlerts[j].Alert.At) })
	return d, nil
}
