package clinic

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ketatrack/ketatrack/internal/infusion"
	"github.com/ketatrack/ketatrack/internal/units"
)

// InfusionSession is one infusion session of a course: the order for one
// planned day, the rules it is charted under, and the chart rebuilt from its
// stored events by infusion.Replay.
type InfusionSession struct {
	ID            int64 `json:"id"`
	ClinicID      int64 `json:"clinic_id"`
	PatientID     int64 `json:"patient_id"`
	CourseID      int64 `json:"course_id"`
	PlanVersionID int64 `json:"plan_version_id"`
	PlanVersion   int   `json:"plan_version"`
	// Day is the plan's treatment day; Attempt counts sessions opened for
	// the same day (a stopped session cannot restart, so a repeat is a new
	// session).
	Day          int       `json:"day"`
	Attempt      int       `json:"attempt"`
	PlannedDate  Date      `json:"planned_date"`
	SessionDate  Date      `json:"session_date"`
	OpenedByName string    `json:"opened_by_name"`
	OpenedAt     time.Time `json:"opened_at"`
	// Phase, EventCount and OpenAlerts are derived from the events.
	Phase      infusion.Phase `json:"phase"`
	EventCount int            `json:"event_count"`
	OpenAlerts int            `json:"open_alerts"`
	// State is the chart replayed from the events (nil in lists).
	State *infusion.State `json:"state,omitempty"`
}

// Chart returns the session's state, or an error if it was not loaded.
func (s *InfusionSession) Chart() (infusion.State, error) {
	if s.State == nil {
		return infusion.State{}, errors.New("session chart not loaded")
	}
	return *s.State, nil
}

// SessionFilter selects sessions of the actor's clinic.
type SessionFilter struct {
	Date      Date  // zero for any date
	CourseID  int64 // 0 for any course
	PatientID int64 // 0 for any patient
	// WithOpenAlerts selects only sessions with an unacknowledged alert.
	WithOpenAlerts bool
	// WithState replays each session's events into State.
	WithState bool
	// After pages on (keyset, issue 16): only sessions after this one in
	// the list's order (newest session date first, then highest ID); nil
	// starts at the newest.
	After *SessionKey
	Limit int // 0 means 200; at most 1000
}

// SessionKey is a session's place in the order of FindSessions: its date,
// then its ID (which makes it unique).
type SessionKey struct {
	Date Date  `json:"date"`
	ID   int64 `json:"id"`
}

// Key returns s's place in the order of FindSessions.
func (s *InfusionSession) Key() SessionKey { return SessionKey{Date: s.SessionDate, ID: s.ID} }

// CanChart reports whether a may chart a session of clinicID: the clinic's
// nurses and clinicians, who give and supervise infusions. An administrator
// reads charts but does not write them.
func CanChart(a *Actor, clinicID int64) bool {
	if a == nil {
		return false
	}
	if a.System {
		return true
	}
	return a.ClinicID == clinicID && (a.Role == RoleNurse || a.Role == RoleClinician)
}

// ChartingService runs infusion sessions. Every method checks rights; every
// event is one stored row, appended in the same transaction as its audit
// entry and never changed.
type ChartingService interface {
	// OpenSession opens a session on date `on` for treatment day `day` of
	// the course's signed plan (the newest signed version). ECONFLICT while
	// a session of that day is not yet stopped, or when no version is signed.
	OpenSession(ctx context.Context, courseID int64, day int, on Date) (*InfusionSession, error)
	// FindSessionByID returns the session with its chart replayed.
	FindSessionByID(ctx context.Context, id int64) (*InfusionSession, error)
	// FindSessions returns the sessions matching f, newest first.
	FindSessions(ctx context.Context, f SessionFilter) ([]*InfusionSession, error)
	// RecordEvent charts e on the session as the actor (e.By is set to the
	// actor's login; a zero e.At is now). It replays the stored events,
	// records e with infusion.Record and the dose engine, and appends the
	// event and any alert it raised. Errors are *Error with the field at
	// fault (ChartError); nothing is stored on error.
	RecordEvent(ctx context.Context, sessionID int64, e infusion.Event) (*InfusionSession, []infusion.Event, error)
	// RecordEvents charts evs in order as RecordEvent charts each, in one
	// transaction: all of them or none. A refusal is RecordEvent's error
	// with its field prefixed by the event's index (ItemError "events").
	RecordEvents(ctx context.Context, sessionID int64, evs []infusion.Event) (*InfusionSession, []infusion.Event, error)
	// Dashboard returns the clinic's day at date as it stands at now (staff
	// only).
	Dashboard(ctx context.Context, date Date, now time.Time) (*Dashboard, error)
}

// ChartError turns an error of package infusion into an *Error: bad input,
// a failed double check, a rate over a hard limit, and a rate over a soft
// limit without a reason are EINVALID naming the field to fix (for a soft
// limit, the override's reason); an event that does not fit the chart is
// ECONFLICT. Other errors are returned unchanged.
func ChartError(err error) error {
	var e *infusion.Error
	if !errors.As(err, &e) {
		return err
	}
	switch e.Code {
	case infusion.ECONFLICT:
		return &Error{Code: ECONFLICT, Field: e.Field, Message: e.Message}
	case infusion.ESOFTLIMIT:
		field := strings.TrimSuffix(e.Field, ".entered") + ".override.reason"
		return &Error{Code: EINVALID, Field: field, Message: e.Message}
	case infusion.EHARDLIMIT:
		return &Error{Code: EINVALID, Field: e.Field, Message: e.Message}
	case infusion.EMISMATCH:
		return &Error{Code: EINVALID, Field: e.Field, Message: "double check failed: " + e.Message}
	}
	return &Error{Code: EINVALID, Field: e.Field, Message: e.Message}
}

// SessionOrder builds the infusion order of plan day `day`: drug, care area,
// the bag (the plan's, or the source's own mixing of the day's amount) and
// the rate profile. A day whose steps cannot be given as whole minutes gets
// no profile (no rate-above-plan alert is then possible) rather than a
// rounded one.
func SessionOrder(p *Plan, day int, sessionRef, patientRef, planRef string) (infusion.Order, error) {
	d := p.Day(day)
	if d == nil {
		return infusion.Order{}, Invalid("day", "the plan has no treatment day %d (days 1–%d)", day, len(p.Days))
	}
	o := infusion.Order{SessionID: sessionRef, PatientID: patientRef, Drug: infusion.Drug(p.Drug),
		CareArea: infusion.CareArea(p.CareArea), PlanRef: planRef}
	if bag, ok := p.SessionBag(d); ok {
		o.Bag = &bag
	}
	if minutes, rates, ok := d.InfusionSteps(); ok {
		for i := range minutes {
			o.Steps = append(o.Steps, infusion.Step{Minutes: minutes[i], RateMgPerH: infusion.MgPerHour(rates[i])})
		}
	}
	if err := o.Validate(); err != nil {
		return infusion.Order{}, fmt.Errorf("order of day %d: %w", day, err)
	}
	return o, nil
}

// SessionRules returns the alert rules of a course's sessions: the sourced
// defaults of package infusion with the clinician's blood-pressure threshold.
func SessionRules(in PlanInput) infusion.Rules {
	r := infusion.DefaultRules()
	if in.BPRisePct != nil {
		r.BPRisePct = *in.BPRisePct
	}
	return r
}

// Dashboard is the clinic's day at a glance.
type Dashboard struct {
	Date Date      `json:"date"`
	Now  time.Time `json:"now"`
	// Today are the sessions of the day: opened ones and planned days of
	// signed plans not yet opened.
	Today []DashboardSession `json:"today"`
	// VitalsDue are the sessions whose vitals are due within
	// DueSoon or overdue, most overdue first.
	VitalsDue []DashboardSession `json:"vitals_due"`
	// OpenAlerts are the unacknowledged alerts of every session.
	OpenAlerts []DashboardAlert `json:"open_alerts"`
}

// DueSoon is how far ahead the dashboard lists vitals as due: a display
// choice of ketatrack's, not a clinical interval (the interval itself, 15 min,
// is Goldberg's NIBP schedule, 003_55ad5919aae10607.txt, in internal/infusion).
const DueSoon = 5 * time.Minute

// DashboardSession is one row of the dashboard: a session (SessionID 0 for a
// planned day not yet opened) and what it stands at now.
type DashboardSession struct {
	SessionID   int64             `json:"session_id,omitempty"`
	CourseID    int64             `json:"course_id"`
	PatientID   int64             `json:"patient_id"`
	PatientName string            `json:"patient_name"`
	MRN         string            `json:"mrn"`
	Day         int               `json:"day"`
	Days        int               `json:"days"`
	Phase       infusion.Phase    `json:"phase"`
	PlannedMg   float64           `json:"planned_mg"`
	Summary     *infusion.Summary `json:"summary,omitempty"`
}

// DashboardAlert is an open alert with its session and patient.
type DashboardAlert struct {
	SessionID   int64                `json:"session_id"`
	PatientID   int64                `json:"patient_id"`
	PatientName string               `json:"patient_name"`
	MRN         string               `json:"mrn"`
	Alert       infusion.AlertRecord `json:"alert"`
}

// parseVitalInt reads a whole-number vital sign typed into a form; the unit
// is the field's own (/min, mmHg). A unit typed with it is refused rather
// than stripped, so "120/80" in the systolic box is never read as 120.
func parseVitalInt(field, s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, Invalid(field, "is required")
	}
	n := 0
	for i, r := range s {
		if r < '0' || r > '9' {
			return 0, Invalid(field, "%q is not a whole number (character %d)", s, i+1)
		}
		n = n*10 + int(r-'0')
		if n > 100000 {
			return 0, Invalid(field, "%q is far too large", s)
		}
	}
	return n, nil
}

// parsePercent reads a percentage such as an SpO2: digits with at most one
// decimal point, optionally followed by "%". Signs, exponents, NaN and
// decimal commas are refused.
func parsePercent(field, s string) (float64, error) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	if s == "" {
		return 0, Invalid(field, "is required")
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	ok := whole != "" && len(s) <= 12 && !(hasDot && frac == "")
	for _, r := range whole + frac {
		ok = ok && r >= '0' && r <= '9'
	}
	if !ok {
		return 0, Invalid(field, "%q is not a number (write e.g. 97 or 97.5)", s)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, Invalid(field, "%q is not a number (write e.g. 97 or 97.5)", s)
	}
	return v, nil
}

// unitField wraps a units.ParseError (which names the input and the
// accepted units) as an EINVALID error on field.
func unitField(field string, err error) error {
	return Invalid(field, "%v", err)
}

// quantityRequired is the message for an empty quantity field.
func quantityRequired(field, example string) error {
	return Invalid(field, "is required, with its unit (e.g. %s)", example)
}

// parseRate parses a rate as typed ("10mg/h", "125mL/h", "0.14mg/kg/h").
func parseRate(field, s string) (units.DoseRate, error) {
	if strings.TrimSpace(s) == "" {
		return units.DoseRate{}, quantityRequired(field, "10mg/h or 125mL/h")
	}
	r, err := units.ParseDoseRate("", s)
	if err != nil {
		return units.DoseRate{}, unitField(field, err)
	}
	return r, nil
}
