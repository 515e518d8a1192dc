package web

import (
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/protocol"
	"github.com/ketatrack/ketatrack/internal/units"
)

// views holds the formatting helpers of the course, charting and dashboard
// pages, called from templates as methods of the page data ({{$.Data.Num
// .MgPerH}}). They format for reading only: the numbers shown come from the
// domain services, never from a computation here.
type views struct {
	loc *time.Location
	now time.Time
}

func (s *Server) views() views { return views{loc: s.Location, now: s.Now()} }

// numDigits is the significant digits shown for doses and volumes, as the
// dose engine's messages (internal/dosing).
const numDigits = 4

// Num prints a number (any float or integer type, such as the mg and mL/h
// types of package infusion) to 4 significant digits without trailing zeros,
// for reading only.
func (views) Num(v any) string {
	r := reflect.ValueOf(v)
	switch r.Kind() {
	case reflect.Float32, reflect.Float64:
		return units.FormatNumber(r.Float(), numDigits)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(r.Int(), 10)
	case reflect.Pointer:
		if r.IsNil() {
			return "—"
		}
		return views{}.Num(r.Elem().Interface())
	}
	return fmt.Sprint(v)
}

// NumPtr prints *v, or an em dash for nil.
func (v views) NumPtr(p *float64) string {
	if p == nil {
		return "—"
	}
	return v.Num(*p)
}

// Clock prints the time of day of t in the clinic's zone ("" for zero).
func (v views) Clock(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(v.loc).Format("15:04")
}

// ClockInput prints t as an HH:MM input value (now for zero).
func (v views) ClockInput(t time.Time) string {
	if t.IsZero() {
		t = v.now
	}
	return t.In(v.loc).Format("15:04")
}

// Stamp prints date and time in the clinic's zone.
func (v views) Stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(v.loc).Format("2006-01-02 15:04")
}

// Minutes prints a duration as "1 h 05 min" or "12 min".
func (views) Minutes(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	m := int(d.Round(time.Minute) / time.Minute)
	if m >= 60 {
		return fmt.Sprintf("%d h %02d min", m/60, m%60)
	}
	return fmt.Sprintf("%d min", m)
}

// Weekday names the day of the week of d.
func (views) Weekday(d clinic.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.Time().Weekday().String()[:3]
}

// ClinicToday is the clinic's date now.
func (v views) ClinicToday() clinic.Date { return clinic.DateOf(v.now.In(v.loc)) }

// today returns the clinic's date now.
func (s *Server) today() clinic.Date { return clinic.DateOf(s.Now().In(s.Location)) }

// pathInt reads a positive integer path parameter; a malformed one is
// ENOTFOUND, like a record that does not exist.
func pathInt(r *http.Request, name string) (int, error) {
	n, err := strconv.Atoi(r.PathValue(name))
	if err != nil || n <= 0 {
		return 0, clinic.Errorf(clinic.ENOTFOUND, "No such record.")
	}
	return n, nil
}

// formValues reads a posted form into a form with every value trimmed.
func formValues(r *http.Request) (*form, error) {
	f := newForm()
	if err := parseForm(r); err != nil {
		return f, err
	}
	for k, v := range r.PostForm {
		if len(v) > 0 {
			f.Values[k] = strings.TrimSpace(v[0])
		}
	}
	return f, nil
}

// showErr records err on the form when it is the user's to fix (EINVALID or
// ECONFLICT) and reports whether it did; other errors go to the guard.
func showErr(f *form, err error) bool {
	switch clinic.ErrorCode(err) {
	case clinic.EINVALID, clinic.ECONFLICT:
		f.setErr(err)
		switch field := clinic.ErrorField(err); field {
		case "", "consent", "preparation", "session", "seq", "revision", "based_on":
			// seq, revision and based_on are the hidden fields of
			// optimistic concurrency: their 409 names what changed.
			// Not a field of the form: the message is the form's error.
			f.Error = strings.TrimPrefix(clinic.ErrorMessage(err), field+": ")
		default:
			if f.Error == "" {
				f.Error = "Please correct the field marked below: " + strings.TrimPrefix(clinic.ErrorMessage(err), field+": ")
			}
		}
		return true
	}
	return false
}

// planView is a plan with the formatting helpers, for the plan partial.
type planView struct {
	views
	*clinic.Plan
}

// End is the minute a plan step ends, from the session's start.
func (planView) End(s clinic.PlanStep) float64 { return s.OffsetMin + s.DurationMin }

// DoseShown is a step's dose text for reading, its numbers to
// protocol.ShownDigits significant digits ("44.4444mg over 4h"); the exact
// text stays in s.Dose for the charting form.
func (planView) DoseShown(s clinic.PlanStep) string {
	return protocol.ShowDose(s.Dose, protocol.ShownDigits)
}

// WithPlan pairs p with the helpers for {{template "course_plan"}}.
func (v views) WithPlan(p *clinic.Plan) planView { return planView{v, p} }

// treatmentServices are the treatment courses and infusion charting
// (clinic.CourseService, clinic.ChartingService). internal/store's DB
// implements them beside clinic.PatientService, so the server finds them on
// Config.Patients, as the journal pages find theirs, and Config needs no
// field for them; a patient service without them gets an internal error on
// these pages only.
type treatmentServices interface {
	clinic.CourseService
	clinic.ChartingService
}

func (s *Server) treatment() (treatmentServices, error) {
	t, ok := s.Patients.(treatmentServices)
	if !ok {
		return nil, clinic.Errorf(clinic.EINTERNAL, "the patient service %T keeps no treatment courses", s.Patients)
	}
	return t, nil
}

// treatmentRecord is treatment() and then the {id} path parameter, checked
// in that order, for the handlers on one course or session.
func (s *Server) treatmentRecord(r *http.Request) (treatmentServices, int64, error) {
	svc, err := s.treatment()
	if err != nil {
		return nil, 0, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, 0, err
	}
	return svc, id, nil
}

// treatmentVersion is treatmentRecord and then the {n} path parameter (a
// plan version), checked in that order.
func (s *Server) treatmentVersion(r *http.Request) (treatmentServices, int64, int, error) {
	svc, id, err := s.treatmentRecord(r)
	if err != nil {
		return nil, 0, 0, err
	}
	n, err := pathInt(r, "n")
	if err != nil {
		return nil, 0, 0, err
	}
	return svc, id, n, nil
}
