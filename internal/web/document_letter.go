package web

import (
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strings"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/document"
	"github.com/ketatrack/ketatrack/internal/infusion"
	"github.com/ketatrack/ketatrack/internal/outcomes"
)

// letterDoc is the letter to the referring doctor after (or during) a
// course: the CRPS diagnosis as recorded (Budapest verdicts, subtype,
// severity score, affected limbs), the course given session by session
// with the mg from the chart, the patient's pain trajectory from the
// journal as an inline SVG (no script: it prints and goes into the PDF as
// drawn), and a signature block.
type letterDoc struct {
	views
	Course    *clinic.Course
	Plan      *clinic.Plan
	Signed    *clinic.PlanVersion
	Diagnosis *clinic.Diagnosis
	Limbs     []string
	Sessions  []letterSession
	// GivenMg is the course's ketamine by the charts; Done the sessions
	// stopped.
	GivenMg     float64
	Done        int
	First, Last clinic.Date
	SideEffects []string
	Alerts      int
	// Chart is the trajectory SVG (our own drawing, internal/pk/plot), or
	// ChartNote why there is none.
	Chart     template.HTML
	ChartNote string
	Pain      []letterPain
	Signer    string
	Clinic    string
}

// letterSession is one session of the course.
type letterSession struct {
	ID          int64
	Day         int
	Date        clinic.Date
	Phase       infusion.Phase
	GivenMg     float64
	PlannedMg   float64
	StopReason  infusion.StopReason
	SideEffects int
	Alerts      int
}

// letterPain is the pain-now rating on a journal day, for the sentence
// under the chart.
type letterPain struct {
	Label string
	Day   int
	Date  clinic.Date
	Value float64
}

// courseLetterDoc loads the letter for course {id}.
func (s *Server) courseLetterDoc(r *http.Request) (*docPage, clinic.DocumentPrint, error) {
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
	d, err := s.newDocPage(r, clinic.DocLetter, p)
	if err != nil {
		return nil, rec, err
	}
	b := letterDoc{views: d.views, Course: c, Signed: c.Current(), Clinic: d.Clinic}
	if b.Signed != nil {
		b.Plan = b.Signed.Plan
	} else if l := c.Latest(); l != nil {
		b.Plan = l.Plan
	}
	if sum, err := s.Workup.WorkupSummary(r.Context(), p.ID); err == nil {
		b.Diagnosis = sum.Diagnosis
		if sum.Intake != nil {
			for _, l := range sum.Intake.Presentation.AffectedLimbs {
				b.Limbs = append(b.Limbs, l.Label())
			}
			if o := sum.Intake.Presentation.OtherSites; o != "" {
				b.Limbs = append(b.Limbs, o)
			}
		}
	} else if clinic.ErrorCode(err) != clinic.ENOTFOUND {
		return nil, rec, err
	}
	sessions, err := svc.FindSessions(r.Context(), clinic.SessionFilter{CourseID: c.ID, WithState: true, Limit: 1000})
	if err != nil {
		return nil, rec, err
	}
	sort.Slice(sessions, func(i, j int) bool {
		if sessions[i].SessionDate != sessions[j].SessionDate {
			return sessions[i].SessionDate.Before(sessions[j].SessionDate)
		}
		return sessions[i].ID < sessions[j].ID
	})
	effects := map[string]int{}
	var infusionDates []clinic.Date
	for _, ss := range sessions {
		if ss.State == nil || ss.State.StartedAt.IsZero() {
			continue // opened, never started: nothing given
		}
		st := *ss.State
		at := d.PrintedAt
		if st.Phase == infusion.PhaseStopped && !st.StoppedAt.IsZero() {
			at = st.StoppedAt
			b.Done++
		}
		sum := st.Summary(at)
		ls := letterSession{ID: ss.ID, Day: ss.Day, Date: ss.SessionDate, Phase: st.Phase, GivenMg: float64(sum.CumulativeDoseMg),
			PlannedMg: float64(sum.PlannedTotalMg), StopReason: st.StopReason, SideEffects: len(st.SideEffects), Alerts: len(st.Alerts)}
		for _, se := range st.SideEffects {
			name := string(se.SideEffect.Effect)
			if se.SideEffect.Other != "" {
				name = se.SideEffect.Other
			}
			effects[fmt.Sprintf("%s (grade %d)", name, se.SideEffect.Severity)]++
		}
		b.Alerts += len(st.Alerts)
		b.GivenMg += ls.GivenMg
		b.Sessions = append(b.Sessions, ls)
		infusionDates = append(infusionDates, ss.SessionDate)
		if b.First.IsZero() {
			b.First = ss.SessionDate
		}
		b.Last = ss.SessionDate
	}
	for k, n := range effects {
		if n > 1 {
			k = fmt.Sprintf("%s × %d", k, n)
		}
		b.SideEffects = append(b.SideEffects, k)
	}
	sort.Strings(b.SideEffects)
	if err := s.letterTrajectory(r, p, infusionDates, &b); err != nil {
		return nil, rec, err
	}
	if a := actor(r); a != nil && a.Role == clinic.RoleClinician {
		b.Signer = d.PrintedBy
	} else if b.Signed != nil {
		b.Signer = b.Signed.SignedByName
	}
	d.Subject = fmt.Sprintf("%s · course %d", c.Title, c.ID)
	if p.ReferringDoctor == "" {
		d.Banner = "NO REFERRING DOCTOR RECORDED — add one on the patient's details before sending"
	}
	d.Body = b
	d.Self = fmt.Sprintf("/courses/%d/letter/print", c.ID)
	d.PDF = fmt.Sprintf("/courses/%d/letter.pdf", c.ID)
	d.Back = fmt.Sprintf("/courses/%d", c.ID)
	rec = clinic.DocumentPrint{Entity: "course", EntityID: c.ID}
	if b.Signed != nil {
		rec.Version = b.Signed.Version
	}
	return d, rec, nil
}

// letterTrajectory draws the patient's pain ratings by journal day with the
// infusion days marked, and picks the first and latest pain-now ratings.
func (s *Server) letterTrajectory(r *http.Request, p *clinic.Patient, infusions []clinic.Date, b *letterDoc) error {
	js, err := s.journals()
	if err != nil {
		return err
	}
	entries, err := js.FindJournalEntries(r.Context(), clinic.JournalFilter{PatientID: p.ID})
	if err != nil {
		return err
	}
	day1, err := js.JournalDay1(r.Context(), p.ID)
	if err != nil && clinic.ErrorCode(err) != clinic.ENOTFOUND {
		return err
	}
	var days []*clinic.JournalEntry
	for _, e := range entries {
		if e.HasDay {
			days = append(days, e)
		}
	}
	sort.Slice(days, func(i, j int) bool { return days[i].Day < days[j].Day })
	if len(days) < 2 {
		b.ChartNote = fmt.Sprintf("The patient's journal has %d dated entr%s: no trajectory to draw.", len(days), map[bool]string{true: "y", false: "ies"}[len(days) == 1])
		return nil
	}
	t := document.Trajectory{Title: "Pain by journal day", Subtitle: p.FullName() + " · journal day 1 = " + day1.String(),
		Footnote: "From the patient's daily journal (0 = no pain, 10 = worst pain possible). Dashed lines: infusion days."}
	// Short legend names (the legend is narrow): the journal's questions
	// are on the journal page.
	ms := []outcomes.Measure{outcomes.PainNow, outcomes.Pain24h, outcomes.Movement}
	series := []document.TrajectorySeries{{Name: "pain now"}, {Name: "pain over 24 h"}, {Name: "movement difficulty"}}
	if !day1.IsZero() {
		for _, d := range infusions {
			t.InfusionDays = append(t.InfusionDays, float64(d.DaysSince(day1)+1))
		}
	}
	// The x axis spans the journal and the infusion days: an infusion day
	// without a journal entry is a day with no rating (a gap), not off the
	// chart.
	byDay := map[int]*clinic.JournalEntry{}
	var xs []int
	for _, e := range days {
		byDay[e.Day] = e
		xs = append(xs, e.Day)
	}
	for _, d := range t.InfusionDays {
		if _, ok := byDay[int(d)]; !ok {
			byDay[int(d)] = nil
			xs = append(xs, int(d))
		}
	}
	sort.Ints(xs)
	for _, x := range xs {
		t.Days = append(t.Days, float64(x))
		for k, m := range ms {
			var v *float64
			if e := byDay[x]; e != nil {
				v = scoreValue(e.Scores[m])
			}
			series[k].Values = append(series[k].Values, v)
		}
	}
	for _, sr := range series {
		for _, v := range sr.Values {
			if v != nil {
				t.Series = append(t.Series, sr)
				break
			}
		}
	}
	svg, err := document.TrajectorySVG(t)
	if err != nil {
		b.ChartNote = err.Error()
		return nil
	}
	b.Chart = template.HTML(svg) // drawn by internal/pk/plot from numbers; no input text but labels it escapes
	var first, before, last *clinic.JournalEntry
	for _, e := range days {
		if e.Scores[outcomes.PainNow] == outcomes.Missing {
			continue
		}
		if first == nil {
			first = e
		}
		if e.Day < 1 {
			before = e
		}
		last = e
	}
	add := func(label string, e *clinic.JournalEntry) {
		if e != nil {
			b.Pain = append(b.Pain, letterPain{Label: label, Day: e.Day, Date: e.Date, Value: e.Scores[outcomes.PainNow].Float()})
		}
	}
	if before != nil {
		add("last before the first infusion", before)
	} else {
		add("first entry", first)
	}
	if last != first && last != before {
		add("latest entry", last)
	}
	return nil
}

// LimbList joins the affected limbs.
func (b letterDoc) LimbList() string { return strings.Join(b.Limbs, ", ") }

// Dear is the salutation.
func (b letterDoc) Dear(p *clinic.Patient) string {
	if p.ReferringDoctor == "" {
		return "Dear colleague,"
	}
	return "Dear " + p.ReferringDoctor + ","
}

func (s *Server) letterPrintPage(w http.ResponseWriter, r *http.Request) error {
	d, rec, err := s.courseLetterDoc(r)
	if err != nil {
		return err
	}
	return s.serveDoc(w, r, "doc_letter", d, rec, false)
}

func (s *Server) letterPDF(w http.ResponseWriter, r *http.Request) error {
	d, rec, err := s.courseLetterDoc(r)
	if err != nil {
		return err
	}
	return s.serveDoc(w, r, "doc_letter", d, rec, true)
}
