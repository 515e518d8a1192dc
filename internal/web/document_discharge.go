package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/document"
	"github.com/ketatrack/ketatrack/internal/infusion"
)

// dischargeDoc is the patient's sheet after an infusion: what they were
// given today in plain words, the clinic's discharge instructions (each
// with its source, or marked as the clinic's own text; Config.Discharge),
// when to call, the next infusion day if one is planned (a booster is
// planned as a new course, so it shows here once signed) and the clinic's
// contact.
type dischargeDoc struct {
	views
	Course       *clinic.Course
	Session      *clinic.InfusionSession
	GivenMg      float64
	Running      time.Duration
	Instructions *document.Instructions
	// Next is the next planned infusion day after the session's date (any
	// signed course of the patient), NextTitle its course.
	Next      clinic.Date
	NextDay   int
	NextTitle string
	Contact   string
	Clinic    string
}

// courseDischargeDoc loads the discharge sheet of course {id}: ?session=n
// for a session of the course, else its latest session that has started.
func (s *Server) courseDischargeDoc(r *http.Request) (*docPage, clinic.DocumentPrint, error) {
	var rec clinic.DocumentPrint
	svc, id, err := s.treatmentRecord(r)
	if err != nil {
		return nil, rec, err
	}
	c, err := svc.FindCourseByID(r.Context(), id)
	if err != nil {
		return nil, rec, err
	}
	p, err := s.Patients.FindPatientByID(r.Context(), c.PatientID)
	if err != nil {
		return nil, rec, err
	}
	d, err := s.newDocPage(r, clinic.DocDischarge, p)
	if err != nil {
		return nil, rec, err
	}
	b := dischargeDoc{views: d.views, Course: c, Instructions: s.Discharge, Contact: s.ClinicContact, Clinic: d.Clinic}
	sessions, err := svc.FindSessions(r.Context(), clinic.SessionFilter{CourseID: c.ID, WithState: true, Limit: 1000})
	if err != nil {
		return nil, rec, err
	}
	if q := r.URL.Query().Get("session"); q != "" {
		for _, ss := range sessions {
			if fmt.Sprint(ss.ID) == q {
				b.Session = ss
			}
		}
		if b.Session == nil {
			return nil, rec, clinic.Invalid("session", "course %d has no session %q", c.ID, q)
		}
	} else {
		for _, ss := range sessions { // newest first
			if ss.State != nil && !ss.State.StartedAt.IsZero() {
				b.Session = ss
				break
			}
		}
	}
	from := d.ClinicToday()
	if b.Session != nil {
		st := *b.Session.State
		at := d.PrintedAt
		if st.Phase == infusion.PhaseStopped && !st.StoppedAt.IsZero() {
			at = st.StoppedAt
		}
		sum := st.Summary(at)
		b.GivenMg, b.Running = float64(sum.CumulativeDoseMg), sum.Running
		if b.Session.SessionDate.After(from) {
			from = b.Session.SessionDate
		}
	}
	courses, err := svc.FindCourses(r.Context(), clinic.CourseFilter{PatientID: p.ID})
	if err != nil {
		return nil, rec, err
	}
	for _, listed := range courses {
		full := listed
		if listed.ID != c.ID {
			if full, err = svc.FindCourseByID(r.Context(), listed.ID); err != nil {
				return nil, rec, err
			}
		} else {
			full = c
		}
		v := full.Current()
		if v == nil || v.Plan == nil {
			continue
		}
		for _, day := range v.Plan.Days {
			if !day.Date.IsZero() && day.Date.After(from) && (b.Next.IsZero() || day.Date.Before(b.Next)) {
				b.Next, b.NextDay, b.NextTitle = day.Date, day.Day, full.Title
			}
		}
	}
	d.Subject = "After your ketamine infusion"
	if b.Session != nil {
		d.Subject += " on " + b.Session.SessionDate.String()
	}
	d.Body = b
	d.Self = fmt.Sprintf("/courses/%d/discharge/print", c.ID)
	d.PDF = fmt.Sprintf("/courses/%d/discharge.pdf", c.ID)
	d.Back = fmt.Sprintf("/courses/%d", c.ID)
	if actor(r).Role == clinic.RolePatient {
		d.Back = "/me"
	}
	rec = clinic.DocumentPrint{Entity: "course", EntityID: c.ID}
	if b.Session != nil {
		rec.Entity, rec.EntityID = "infusion_session", b.Session.ID
	}
	return d, rec, nil
}

// Hours is a running time in plain words: "4 hours", "1 hour 5 minutes".
func (dischargeDoc) Hours(d time.Duration) string {
	m := int(d.Round(time.Minute) / time.Minute)
	h, m := m/60, m%60
	plural := func(n int, w string) string {
		if n == 1 {
			return fmt.Sprintf("1 %s", w)
		}
		return fmt.Sprintf("%d %ss", n, w)
	}
	switch {
	case h == 0:
		return plural(m, "minute")
	case m == 0:
		return plural(h, "hour")
	}
	return plural(h, "hour") + " " + plural(m, "minute")
}

func (s *Server) dischargePrintPage(w http.ResponseWriter, r *http.Request) error {
	d, rec, err := s.courseDischargeDoc(r)
	if err != nil {
		return err
	}
	return s.serveDoc(w, r, "doc_discharge", d, rec, false)
}

func (s *Server) dischargePDF(w http.ResponseWriter, r *http.Request) error {
	d, rec, err := s.courseDischargeDoc(r)
	if err != nil {
		return err
	}
	return s.serveDoc(w, r, "doc_discharge", d, rec, true)
}
