package web

import (
	"context"
	"slices"
	"strconv"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/outcomes"
)

// courseWindow is one treatment course as the journal and the analytics see
// it: its protocol, the calendar date of its day 1 and its planned infusion
// days, from the course's signed plan (issue 7's courses). A patient without
// a signed course gets one window from the journal's day 1, with no
// protocol recorded.
type courseWindow struct {
	CourseID      int64
	Title         string
	ProtocolID    string // "" when not recorded
	ProtocolTitle string
	Day1          clinic.Date
	Planned       []clinic.Date
}

// Protocol is the protocol's title, or a plain statement that none is
// recorded.
func (w courseWindow) Protocol() string {
	switch {
	case w.ProtocolTitle != "":
		return w.ProtocolTitle
	case w.ProtocolID != "":
		return w.ProtocolID
	}
	return "protocol not recorded"
}

// patientCourses returns the patient's signed courses in order of day 1,
// and the dates of the infusion sessions held. Errors of the course
// services (absent, or refusing the actor) leave both empty: the journal
// works without courses.
func (s *Server) patientCourses(ctx context.Context, patientID int64) ([]courseWindow, []clinic.Date) {
	courses, charting := s.courseServices()
	var windows []courseWindow
	if courses != nil {
		list, err := courses.FindCourses(ctx, clinic.CourseFilter{PatientID: patientID, Limit: 500})
		if err == nil {
			windows = courseWindows(list)
		}
	}
	var held []clinic.Date
	if charting != nil {
		sessions, err := charting.FindSessions(ctx, clinic.SessionFilter{PatientID: patientID, Limit: 1000})
		if err == nil {
			for _, ss := range sessions {
				held = append(held, ss.SessionDate)
			}
			slices.SortFunc(held, func(a, b clinic.Date) int { return a.DaysSince(b) })
			held = slices.Compact(held)
		}
	}
	return windows, held
}

// courseWindows are the windows of the signed courses, in order of day 1
// (courses as FindCourses lists them, newest first).
func courseWindows(list []*clinic.Course) []courseWindow {
	var windows []courseWindow
	for _, c := range list {
		v := c.Current()
		if v == nil || v.Plan == nil || len(v.Plan.Days) == 0 {
			continue
		}
		w := courseWindow{CourseID: c.ID, Title: c.Title, ProtocolID: v.Plan.ProtocolID, ProtocolTitle: v.Plan.ProtocolTitle,
			Day1: v.Plan.Days[0].Date}
		for _, d := range v.Plan.Days {
			w.Planned = append(w.Planned, d.Date)
			if d.Date.Before(w.Day1) {
				w.Day1 = d.Date
			}
		}
		if w.Day1.IsZero() {
			w.Day1 = v.Plan.StartDate
		}
		windows = append(windows, w)
	}
	slices.SortFunc(windows, func(a, b courseWindow) int { return a.Day1.DaysSince(b.Day1) })
	return windows
}

// courseRows is the journal of one course window: the patient's entries
// from the window's day 1 until the next window's, numbered from 1 on its
// day 1, as rows for internal/outcomes.
type courseRows struct {
	Window courseWindow
	Rows   []outcomes.JournalRow
}

// splitByCourse cuts a patient's journal into course windows. Entries
// before the first window's day 1 are left out (the baseline is the day-1
// entry, written before the first infusion); a journal day 1 earlier than
// every course opens a window of its own, protocol not recorded. Without windows, the journal's
// own day numbers make one window (protocol not recorded), so that an
// imported study journal is analysed as it was numbered.
func splitByCourse(patient string, entries []*clinic.JournalEntry, windows []courseWindow, day1 clinic.Date) []courseRows {
	// A journal day 1 before the first recorded course marks a course given
	// before (or outside) ketatrack's courses: its own window.
	if len(windows) > 0 && !day1.IsZero() && day1.Before(windows[0].Day1) {
		windows = append([]courseWindow{{Day1: day1}}, windows...)
	}
	if len(windows) == 0 {
		w := courseRows{Window: courseWindow{Day1: day1}}
		for _, e := range entries {
			if r, ok := e.Row(patient); ok {
				w.Rows = append(w.Rows, r)
			}
		}
		if len(w.Rows) == 0 {
			return nil
		}
		return []courseRows{w}
	}
	out := make([]courseRows, len(windows))
	for i, w := range windows {
		out[i].Window = w
	}
	for _, e := range entries {
		if e.Date.IsZero() {
			continue
		}
		k := -1
		for i, w := range windows {
			if !e.Date.Before(w.Day1) {
				k = i
			}
		}
		if k < 0 {
			continue
		}
		r := outcomes.JournalRow{Patient: patient, Day: e.Date.DaysSince(windows[k].Day1) + 1, Scores: e.Scores}
		out[k].Rows = append(out[k].Rows, r)
	}
	return out
}

// patientKey is how the analytics name a patient in outcomes rows.
func patientKey(id int64) string { return strconv.FormatInt(id, 10) }
