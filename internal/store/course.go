package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
)

// Treatment courses and their plan versions (migration 0002). A plan
// version holds the clinician's input and the plan clinic.MakePlan made of
// it; a signed version is never updated (the database refuses it too).

const courseColumns = `id, clinic_id, patient_id, title, created_at, updated_at`

func scanCourse(row interface{ Scan(...any) error }) (*clinic.Course, error) {
	c := &clinic.Course{}
	if err := row.Scan(&c.ID, &c.ClinicID, &c.PatientID, &c.Title, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return nil, err
	}
	return c, nil
}

const planVersionColumns = `id, course_id, version, status, reason, input_json, plan_json,
	created_by, created_by_name, created_at, updated_at, revision, updated_by_name, signed_by, signed_by_name, signed_at`

func scanPlanVersion(row interface{ Scan(...any) error }) (*clinic.PlanVersion, error) {
	return scanPlanVersionWith(row, decodePlanJSON)
}

// decodePlanJSON decodes a plan version's input_json and plan_json.
func decodePlanJSON(input, plan string) (clinic.PlanInput, *clinic.Plan, error) {
	var in clinic.PlanInput
	if err := json.Unmarshal([]byte(input), &in); err != nil {
		return in, nil, fmt.Errorf("input: %w", err)
	}
	p := &clinic.Plan{}
	if err := json.Unmarshal([]byte(plan), p); err != nil {
		return in, nil, fmt.Errorf("plan: %w", err)
	}
	return in, p, nil
}

// scanPlanVersionWith is scanPlanVersion with the decoding of the input
// and plan JSON given.
func scanPlanVersionWith(row interface{ Scan(...any) error }, decode func(input, plan string) (clinic.PlanInput, *clinic.Plan, error)) (*clinic.PlanVersion, error) {
	v := &clinic.PlanVersion{}
	var status, input, plan string
	var createdBy, signedBy sql.NullInt64
	var signedAt sql.NullTime
	if err := row.Scan(&v.ID, &v.CourseID, &v.Version, &status, &v.Reason, &input, &plan,
		&createdBy, &v.CreatedByName, &v.CreatedAt, &v.UpdatedAt, &v.Revision, &v.UpdatedByName, &signedBy, &v.SignedByName, &signedAt); err != nil {
		return nil, err
	}
	v.Status, v.CreatedBy, v.SignedBy = clinic.PlanStatus(status), createdBy.Int64, signedBy.Int64
	// Instants are kept in UTC, as the store writes them (DB.now): pgx
	// returns timestamptz in time.Local, which would make a version read
	// back differ from the one signed in the machine's zone.
	v.CreatedAt, v.UpdatedAt = v.CreatedAt.UTC(), v.UpdatedAt.UTC()
	if signedAt.Valid {
		v.SignedAt = signedAt.Time.UTC()
	}
	in, p, err := decode(input, plan)
	if err != nil {
		return nil, fmt.Errorf("plan version %d %w", v.ID, err)
	}
	v.Input, v.Plan = in, p
	return v, nil
}

// signedPlanMemo memoizes the decoding of signed plan versions' JSON by
// their exact text, for OpenSession: a course's ten sessions are opened
// on the one version signed (migration 0002's triggers refuse to change
// it), and decoding its plan was most of opening a session. Decoding is a
// pure function of the text, so the memo serves every DB. The input and
// plan it returns are shared by every caller and must only be read.
type signedPlanMemo struct {
	mu sync.Mutex
	m  map[[2]string]decodedPlan
}

// decodedPlan is one decoded version's input and plan.
type decodedPlan struct {
	input clinic.PlanInput
	plan  *clinic.Plan
}

// signedPlanMemoMax bounds the memo (plans of some 7 kB of JSON: some tens
// of MB at most); when full it starts afresh.
const signedPlanMemoMax = 2048

// signedPlans is the memo of OpenSession's versions.
var signedPlans = &signedPlanMemo{m: map[[2]string]decodedPlan{}}

// decode is decodePlanJSON through the memo: the result must only be read.
func (m *signedPlanMemo) decode(input, plan string) (clinic.PlanInput, *clinic.Plan, error) {
	k := [2]string{input, plan}
	m.mu.Lock()
	d, ok := m.m[k]
	m.mu.Unlock()
	if ok {
		return d.input, d.plan, nil
	}
	in, p, err := decodePlanJSON(input, plan)
	if err != nil {
		return in, nil, err
	}
	m.mu.Lock()
	if len(m.m) >= signedPlanMemoMax {
		clear(m.m)
	}
	m.m[k] = decodedPlan{input: in, plan: p}
	m.mu.Unlock()
	return in, p, nil
}

// courseToOpen loads course id with only its newest signed version (nil
// when none is signed: the course's Current), decoded through signedPlans,
// and checks that the actor may read it (ENOTFOUND otherwise). The
// version's Input and Plan are shared and must only be read.
func (db *DB) courseToOpen(ctx context.Context, q queryer, a *clinic.Actor, id int64) (*clinic.Course, *clinic.PlanVersion, error) {
	c, err := readableCourse(ctx, q, a, id)
	if err != nil {
		return nil, nil, err
	}
	v, err := scanPlanVersionWith(q.QueryRowContext(ctx, `SELECT `+planVersionColumns+` FROM plan_versions
		WHERE course_id = $1 AND status = 'signed' ORDER BY version DESC LIMIT 1`, id), signedPlans.decode)
	if errors.Is(err, sql.ErrNoRows) {
		return c, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("plan versions: %w", err)
	}
	return c, v, nil
}

// queryer is what reads need: the read pool or a write transaction.
type queryer interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// loadVersions fills the plan versions of the courses, oldest first.
func loadVersions(ctx context.Context, q queryer, courses ...*clinic.Course) error {
	if len(courses) == 0 {
		return nil
	}
	byID := map[int64]*clinic.Course{}
	var ph []string
	var args []any
	for _, c := range courses {
		byID[c.ID] = c
		c.Versions = nil
		args = append(args, c.ID)
		ph = append(ph, fmt.Sprintf("$%d", len(args)))
	}
	rows, err := q.QueryContext(ctx, `SELECT `+planVersionColumns+` FROM plan_versions
		WHERE course_id IN (`+strings.Join(ph, ", ")+`) ORDER BY course_id, version`, args...)
	if err != nil {
		return fmt.Errorf("plan versions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scanPlanVersion(rows)
		if err != nil {
			return fmt.Errorf("plan versions: %w", err)
		}
		byID[v.CourseID].Versions = append(byID[v.CourseID].Versions, v)
	}
	return rows.Err()
}

// courseForRead loads course id with its versions and checks that the actor
// may read it (ENOTFOUND otherwise, as for a course that does not exist).
func (db *DB) courseForRead(ctx context.Context, q queryer, a *clinic.Actor, id int64) (*clinic.Course, error) {
	c, err := readableCourse(ctx, q, a, id)
	if err != nil {
		return nil, err
	}
	if err := loadVersions(ctx, q, c); err != nil {
		return nil, err
	}
	return c, nil
}

// readableCourse loads course id without its versions, ENOTFOUND when
// there is none or the actor may not read it.
func readableCourse(ctx context.Context, q queryer, a *clinic.Actor, id int64) (*clinic.Course, error) {
	c, err := scanCourse(q.QueryRowContext(ctx, `SELECT `+courseColumns+` FROM courses WHERE id = $1`, id))
	if err != nil {
		return nil, notFound(err, "find course", "No such treatment course.")
	}
	if !clinic.CanReadPatientRecord(a, c.ClinicID, c.PatientID) {
		return nil, clinic.Errorf(clinic.ENOTFOUND, "No such treatment course.")
	}
	return c, nil
}

// FindCourseByID implements clinic.CourseService.
func (db *DB) FindCourseByID(ctx context.Context, id int64) (*clinic.Course, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	return db.courseForRead(ctx, db.read, a, id)
}

// actorScope limits w to the rows a may list, for a table (or alias,
// prefix "s.") with patient_id and clinic_id columns: the system all, a
// patient their own, staff their clinic's. It reports false for anyone
// else, who may list nothing.
func (w *where) actorScope(a *clinic.Actor, prefix string) bool {
	switch {
	case a.System:
	case a.Role == clinic.RolePatient:
		w.add(prefix + "patient_id = " + w.arg(a.PatientID))
	case a.Role.IsStaff():
		w.add(prefix + "clinic_id = " + w.arg(a.ClinicID))
	default:
		return false
	}
	return true
}

// FindCourses implements clinic.CourseService.
func (db *DB) FindCourses(ctx context.Context, f clinic.CourseFilter) ([]*clinic.Course, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var w where
	if !w.actorScope(a, "") {
		return nil, clinic.Errorf(clinic.EFORBIDDEN, "You may not list courses.")
	}
	if f.PatientID != 0 {
		w.add("patient_id = " + w.arg(f.PatientID))
	}
	if f.BeforeID > 0 {
		w.add("id < " + w.arg(f.BeforeID))
	}
	q := `SELECT ` + courseColumns + ` FROM courses` + w.sql() +
		` ORDER BY id DESC LIMIT ` + w.arg(limit(f.Limit, 50, 500))
	rows, err := db.read.QueryContext(ctx, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("find courses: %w", err)
	}
	var out []*clinic.Course
	for rows.Next() {
		c, err := scanCourse(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("find courses: %w", err)
		}
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find courses: %w", err)
	}
	if err := loadVersions(ctx, db.read, out...); err != nil {
		return nil, err
	}
	return out, nil
}

// CreateCourse implements clinic.CourseService.
func (db *DB) CreateCourse(ctx context.Context, patientID int64, title string, in clinic.PlanInput) (*clinic.Course, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	p, err := db.FindPatientByID(ctx, patientID)
	if err != nil {
		return nil, err
	}
	if !clinic.CanPlanCourse(a, p.ClinicID) {
		return nil, clinic.Errorf(clinic.EFORBIDDEN, "Only a clinician of the clinic may plan a treatment course.")
	}
	plan, err := clinic.MakePlan(in)
	if err != nil {
		return nil, err
	}
	c := &clinic.Course{ClinicID: p.ClinicID, PatientID: p.ID, Title: strings.TrimSpace(title)}
	if c.Title == "" {
		c.Title = clinic.CourseTitle(plan)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	err = db.update(ctx, func(tx *Tx) error {
		c.CreatedAt, c.UpdatedAt = tx.now, tx.now
		if err := tx.QueryRowContext(ctx, `INSERT INTO courses (clinic_id, patient_id, title, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			c.ClinicID, c.PatientID, c.Title, nullInt(actorUserID(a)), c.CreatedAt, c.UpdatedAt).Scan(&c.ID); err != nil {
			return fmt.Errorf("create course: %w", err)
		}
		if err := tx.audit(clinic.AuditEntry{ClinicID: c.ClinicID, Action: clinic.ActionCreate, Entity: "course",
			EntityID: c.ID, PatientID: c.PatientID}, nil, c); err != nil {
			return err
		}
		v, err := tx.insertVersion(c, 1, in, plan, "")
		if err != nil {
			return err
		}
		c.Versions = []*clinic.PlanVersion{v}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

func actorUserID(a *clinic.Actor) int64 {
	if a == nil || a.System {
		return 0
	}
	return a.UserID
}

func actorName(a *clinic.Actor) string {
	if a.Name != "" {
		return a.Name
	}
	return a.Login
}

// insertVersion stores a new draft version of c and audits it.
func (tx *Tx) insertVersion(c *clinic.Course, n int, in clinic.PlanInput, plan *clinic.Plan, reason string) (*clinic.PlanVersion, error) {
	v := &clinic.PlanVersion{CourseID: c.ID, Version: n, Status: clinic.PlanDraft, Reason: reason, Input: in, Plan: plan,
		CreatedBy: actorUserID(tx.actor), CreatedByName: actorName(tx.actor), CreatedAt: tx.now, UpdatedAt: tx.now, Revision: 1}
	inJSON, planJSON, err := versionJSON(v)
	if err != nil {
		return nil, err
	}
	err = tx.QueryRowContext(tx.ctx, `INSERT INTO plan_versions
		(course_id, version, protocol_id, status, reason, input_json, plan_json, created_by, created_by_name, created_at, updated_at, revision)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
		c.ID, n, in.ProtocolID, string(v.Status), reason, inJSON, planJSON, nullInt(v.CreatedBy), v.CreatedByName,
		v.CreatedAt, v.UpdatedAt, v.Revision).Scan(&v.ID)
	if err != nil {
		return nil, conflict(err, "create plan version", "version", "Another version was saved at the same time; reload the course.")
	}
	if _, err := tx.ExecContext(tx.ctx, `UPDATE courses SET updated_at = $1 WHERE id = $2`, tx.now, c.ID); err != nil {
		return nil, fmt.Errorf("touch course: %w", err)
	}
	if err := bumpOutcomeGen(tx, c.ClinicID, c.PatientID); err != nil {
		return nil, err
	}
	return v, tx.audit(clinic.AuditEntry{ClinicID: c.ClinicID, Action: clinic.ActionCreate, Entity: "plan_version",
		EntityID: v.ID, PatientID: c.PatientID}, nil, v)
}

func versionJSON(v *clinic.PlanVersion) (string, string, error) {
	in, err := json.Marshal(v.Input)
	if err != nil {
		return "", "", fmt.Errorf("plan input: %w", err)
	}
	plan, err := json.Marshal(v.Plan)
	if err != nil {
		return "", "", fmt.Errorf("plan: %w", err)
	}
	return string(in), string(plan), nil
}

// Concurrency of plan versions (issue 12 item 4). Every write of a course's
// versions (a new version, an edit of the draft, a signature) first locks
// the course: on PostgreSQL its row FOR UPDATE, so that writes of one course
// from any number of server instances run one after another, each reading
// what the one before committed; SQLite has a single writer already
// (DB.update). Inside that order each write compares what the clinician's
// form showed (the latest version, the draft's revision) with what is
// stored and refuses a stale one with ECONFLICT naming who changed what and
// when. The UPDATEs are conditional as well (WHERE status = 'draft' AND
// revision = the one read) and their row count is checked, so a write that
// lost a race can never change, or sign, a row it did not read; the
// triggers of migration 0002 refuse any change of a signed row below that.

// lockCourse takes the course's row lock for the rest of tx (PostgreSQL;
// SQLite's writer is single). A missing course is left to courseForRead.
func (tx *Tx) lockCourse(db *DB, id int64) error {
	if db.loc.Engine != Postgres {
		return nil
	}
	var got int64
	err := tx.QueryRowContext(tx.ctx, `SELECT id FROM courses WHERE id = $1 FOR UPDATE`, id).Scan(&got)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("lock course %d: %w", id, err)
	}
	return nil
}

// stamp is an instant as the messages show it, in the clinic's zone.
func (tx *Tx) stamp(t time.Time) string {
	return t.In(tx.zone).Format("2006-01-02 15:04 MST")
}

// signedConflict is the refusal of a change to (or a second signature of)
// signed version v, naming who signed it and when.
func (tx *Tx) signedConflict(v *clinic.PlanVersion, what string) error {
	return &clinic.Error{Code: clinic.ECONFLICT, Field: "version", Message: fmt.Sprintf(
		"Version %d was signed by %s on %s; %s", v.Version, v.SignedByName, tx.stamp(v.SignedAt), what)}
}

// revisionConflict refuses a write made on revision rev of v when v has
// been saved since, naming who saved it and when.
func (tx *Tx) revisionConflict(v *clinic.PlanVersion, rev int, what string) error {
	by := v.UpdatedByName
	if by == "" {
		by = v.CreatedByName
	}
	return &clinic.Error{Code: clinic.ECONFLICT, Field: "revision", Message: fmt.Sprintf(
		"Draft version %d was changed by %s at %s (revision %d; you loaded revision %d) since you loaded this page; %s",
		v.Version, by, tx.stamp(v.UpdatedAt), v.Revision, rev, what)}
}

// courseForPlanning locks and loads the course inside tx and checks the
// clinician's right to plan it.
func (tx *Tx) courseForPlanning(db *DB, id int64) (*clinic.Course, error) {
	if err := tx.lockCourse(db, id); err != nil {
		return nil, err
	}
	c, err := db.courseForRead(tx.ctx, tx, tx.actor, id)
	if err != nil {
		return nil, err
	}
	if !clinic.CanPlanCourse(tx.actor, c.ClinicID) {
		return nil, clinic.Errorf(clinic.EFORBIDDEN, "Only a clinician of the clinic may change a treatment plan.")
	}
	return c, nil
}

// ReviseCourse implements clinic.CourseService.
func (db *DB) ReviseCourse(ctx context.Context, courseID int64, in clinic.PlanInput, reason string, basedOn int) (*clinic.PlanVersion, error) {
	if _, err := clinic.RequireActor(ctx); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	var out *clinic.PlanVersion
	err := db.update(ctx, func(tx *Tx) error {
		c, err := tx.courseForPlanning(db, courseID)
		if err != nil {
			return err
		}
		if l := c.Latest(); basedOn != 0 && l.Version != basedOn {
			what := fmt.Sprintf("saved by %s at %s", l.CreatedByName, tx.stamp(l.CreatedAt))
			if l.Status == clinic.PlanSigned {
				what += fmt.Sprintf(" and signed by %s at %s", l.SignedByName, tx.stamp(l.SignedAt))
			}
			return &clinic.Error{Code: clinic.ECONFLICT, Field: "based_on", Message: fmt.Sprintf(
				"Version %d was %s since you loaded version %d; nothing was saved: reload the course and make your change on version %d.",
				l.Version, what, basedOn, l.Version)}
		}
		if err := c.CheckChangeReason(reason); err != nil {
			return err
		}
		plan, err := clinic.MakePlan(in)
		if err != nil {
			return err
		}
		out, err = tx.insertVersion(c, c.Latest().Version+1, in, plan, reason)
		return err
	})
	return out, err
}

// UpdateDraft implements clinic.CourseService.
func (db *DB) UpdateDraft(ctx context.Context, courseID int64, n int, in clinic.PlanInput, reason string, rev int) (*clinic.PlanVersion, error) {
	if _, err := clinic.RequireActor(ctx); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	var out *clinic.PlanVersion
	err := db.update(ctx, func(tx *Tx) error {
		c, err := tx.courseForPlanning(db, courseID)
		if err != nil {
			return err
		}
		before := c.Version(n)
		switch {
		case before == nil:
			return clinic.Errorf(clinic.ENOTFOUND, "This course has no plan version %d.", n)
		case before.Status == clinic.PlanSigned:
			return tx.signedConflict(before, "it cannot be changed and your edit was not saved; make a new version instead (its history stays visible).")
		case before.Version != c.Latest().Version:
			return &clinic.Error{Code: clinic.ECONFLICT, Field: "version", Message: fmt.Sprintf(
				"Version %d is not the latest (%d); only the latest draft can be edited.", n, c.Latest().Version)}
		case rev != 0 && before.Revision != rev:
			return tx.revisionConflict(before, rev, "your edit was not saved: reload it and make your change again.")
		}
		if err := c.CheckChangeReason(reason); err != nil {
			return err
		}
		plan, err := clinic.MakePlan(in)
		if err != nil {
			return err
		}
		v := *before
		v.Input, v.Plan, v.Reason, v.UpdatedAt = in, plan, reason, tx.now
		v.Revision, v.UpdatedByName = before.Revision+1, actorName(tx.actor)
		inJSON, planJSON, err := versionJSON(&v)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE plan_versions SET protocol_id = $1, reason = $2, input_json = $3, plan_json = $4,
			updated_at = $5, revision = $6, updated_by_name = $7 WHERE id = $8 AND status = 'draft' AND revision = $9`,
			in.ProtocolID, reason, inJSON, planJSON, v.UpdatedAt, v.Revision, v.UpdatedByName, v.ID, before.Revision)
		if err != nil {
			return fmt.Errorf("update draft: %w", err)
		}
		if k, err := res.RowsAffected(); err != nil || k != 1 {
			return tx.lostRace(db, v.ID, before.Revision, "your edit was not saved", err)
		}
		out = &v
		return tx.audit(clinic.AuditEntry{ClinicID: c.ClinicID, Action: clinic.ActionUpdate, Entity: "plan_version",
			EntityID: v.ID, PatientID: c.PatientID}, before, v)
	})
	return out, err
}

// SignPlan implements clinic.CourseService.
func (db *DB) SignPlan(ctx context.Context, courseID int64, n int, rev int) (*clinic.PlanVersion, error) {
	a, err := clinic.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var out *clinic.PlanVersion
	err = db.update(ctx, func(tx *Tx) error {
		if err := tx.lockCourse(db, courseID); err != nil {
			return err
		}
		c, err := db.courseForRead(ctx, tx, a, courseID)
		if err != nil {
			return err
		}
		if !clinic.CanSignPlan(a, c.ClinicID) {
			return clinic.Errorf(clinic.EFORBIDDEN, "Only a clinician of the clinic may sign a treatment plan.")
		}
		before := c.Version(n)
		switch {
		case before == nil:
			return clinic.Errorf(clinic.ENOTFOUND, "This course has no plan version %d.", n)
		case before.Status == clinic.PlanSigned:
			return tx.signedConflict(before, "it is already signed and your signature was not added.")
		case before.Version != c.Latest().Version:
			l := c.Latest()
			return &clinic.Error{Code: clinic.ECONFLICT, Field: "version", Message: fmt.Sprintf(
				"Version %d is not the latest: version %d was saved by %s at %s; read and sign the latest version.",
				n, l.Version, l.CreatedByName, tx.stamp(l.CreatedAt))}
		case rev != 0 && before.Revision != rev:
			return tx.revisionConflict(before, rev, "it was not signed: read the plan again before signing.")
		}
		// The plan is made again: a signature covers only a plan the
		// protocol and drug libraries still produce from its input.
		again, err := clinic.MakePlan(before.Input)
		if err != nil {
			return &clinic.Error{Code: clinic.ECONFLICT, Field: "version", Message: "The plan can no longer be made from its input (" +
				clinic.ErrorMessage(err) + "); make a new version."}
		}
		if !samePlan(again, before.Plan) {
			return &clinic.Error{Code: clinic.ECONFLICT, Field: "version", Message: "The protocol or drug library changed since this draft was made and the plan would now differ; make a new version and review it."}
		}
		v := *before
		v.Status, v.SignedBy, v.SignedByName, v.SignedAt = clinic.PlanSigned, a.UserID, actorName(a), tx.now
		res, err := tx.ExecContext(ctx, `UPDATE plan_versions SET status = 'signed', signed_by = $1, signed_by_name = $2,
			signed_at = $3 WHERE id = $4 AND status = 'draft' AND revision = $5`, nullInt(v.SignedBy), v.SignedByName, v.SignedAt, v.ID, before.Revision)
		if err != nil {
			return fmt.Errorf("sign plan: %w", err)
		}
		if k, err := res.RowsAffected(); err != nil || k != 1 {
			return tx.lostRace(db, v.ID, before.Revision, "your signature was not added", err)
		}
		out = &v
		// A signed plan is a course window of the patient's outcomes.
		if err := bumpOutcomeGen(tx, c.ClinicID, c.PatientID); err != nil {
			return err
		}
		return tx.audit(clinic.AuditEntry{ClinicID: c.ClinicID, Action: clinic.ActionSign, Entity: "plan_version",
			EntityID: v.ID, PatientID: c.PatientID}, before, v)
	})
	return out, err
}

// lostRace is the refusal of a conditional UPDATE of plan version id that
// changed no row: the version was signed, or saved past revision rev, by a
// write that committed after this one read it. With the course locked
// (lockCourse) this cannot happen; it is kept so that no lock mistake can
// turn into a lost update.
func (tx *Tx) lostRace(db *DB, id int64, rev int, what string, err error) error {
	if err != nil {
		return fmt.Errorf("plan version %d: %w", id, err)
	}
	v, err := scanPlanVersion(tx.QueryRowContext(tx.ctx, `SELECT `+planVersionColumns+` FROM plan_versions WHERE id = $1`, id))
	if err != nil {
		return fmt.Errorf("plan version %d: %w", id, err)
	}
	if v.Status == clinic.PlanSigned {
		return tx.signedConflict(v, what+".")
	}
	return tx.revisionConflict(v, rev, what+".")
}

// samePlan compares what two plans give: days, steps, doses and status.
func samePlan(a, b *clinic.Plan) bool {
	ja, err1 := json.Marshal([]any{a.Days, a.CourseMg, a.Status, a.Drug, a.CareArea})
	jb, err2 := json.Marshal([]any{b.Days, b.CourseMg, b.Status, b.Drug, b.CareArea})
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb)
}
