package web

import (
	"bytes"
	"net/http"
	"slices"
	"strconv"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/outcomes"
)

// The patient journal: the patient's portal (their own journal, reminders
// and charts) and the same pages for staff on a patient's record.

// journalHome sends a patient to their journal and staff to the patients.
func (s *Server) journalHome(w http.ResponseWriter, r *http.Request) error {
	if a := actor(r); a.Role == clinic.RolePatient && a.PatientID != 0 {
		http.Redirect(w, r, journalPath(a.PatientID), http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/patients", http.StatusSeeOther)
	return nil
}

func journalPath(patientID int64) string {
	return "/patients/" + strconv.FormatInt(patientID, 10) + "/journal"
}

// upcomingSession is a planned infusion day still ahead.
type upcomingSession struct {
	Date   clinic.Date
	Day    int
	Course string
}

// journalPageData is the journal page: reminders, charts and the entries.
type journalPageData struct {
	Patient *clinic.Patient
	// Own: the patient is looking at their own journal.
	Own        bool
	Staff      bool
	Today      clinic.Date
	TodayEntry *clinic.JournalEntry
	// PHQ9Due: no PHQ-9 in the last PHQ9Interval days; PHQ9Next is when
	// the next one falls due otherwise.
	PHQ9Due  bool
	PHQ9Last clinic.Date
	PHQ9Next clinic.Date
	// SelfHarm is the latest PHQ-9 of the last two weeks with item 9 above
	// "not at all".
	SelfHarm *clinic.JournalEntry
	Upcoming []upcomingSession
	Day1     clinic.Date
	// Day1Hint is the first signed course's day 1, offered to staff.
	Day1Hint clinic.Date
	Courses  []courseWindow
	Entries  []*clinic.JournalEntry // newest first
	Charts   []chartSpec
}

func (s *Server) journalPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.loadJournalPage(r)
	if err != nil {
		return err
	}
	title := "Journal of " + d.Patient.FullName()
	if d.Own {
		title = "My journal"
	}
	s.render(w, r, http.StatusOK, "journal_page", &page{Title: title, Data: d, Form: newForm()})
	return nil
}

func (s *Server) loadJournalPage(r *http.Request) (*journalPageData, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return s.journalPageFor(r, id)
}

// journalPageFor loads the journal page of patient id.
func (s *Server) journalPageFor(r *http.Request, id int64) (*journalPageData, error) {
	js, err := s.journals()
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	p, err := s.Patients.FindPatientByID(ctx, id)
	if err != nil {
		return nil, err
	}
	a := actor(r)
	d := &journalPageData{Patient: p, Own: a.Role == clinic.RolePatient && a.PatientID == p.ID, Staff: a.Role.IsStaff(), Today: s.journalToday()}
	entries, err := js.FindJournalEntries(ctx, clinic.JournalFilter{PatientID: id})
	if err != nil {
		return nil, err
	}
	if d.Day1, err = js.JournalDay1(ctx, id); err != nil {
		return nil, err
	}
	windows, held := s.patientCourses(ctx, id)
	d.Courses = windows
	if len(windows) > 0 {
		d.Day1Hint = windows[0].Day1
	}
	for _, w := range windows {
		for i, day := range w.Planned {
			if !day.Before(d.Today) && !slices.Contains(held, day) {
				d.Upcoming = append(d.Upcoming, upcomingSession{Date: day, Day: i + 1, Course: w.Title})
			}
		}
	}
	slices.SortFunc(d.Upcoming, func(a, b upcomingSession) int { return a.Date.DaysSince(b.Date) })
	d.Upcoming = d.Upcoming[:min(len(d.Upcoming), 5)]
	for _, e := range entries {
		if e.Date == d.Today {
			d.TodayEntry = e
		}
		if e.PHQ9 != nil && !e.Date.IsZero() && e.Date != d.Today {
			d.PHQ9Last = e.Date
		}
		if e.PHQ9 != nil && e.PHQ9.SelfHarm() && !e.Date.IsZero() && d.Today.DaysSince(e.Date) < clinic.PHQ9Interval {
			d.SelfHarm = e
		}
	}
	todayHasPHQ9 := d.TodayEntry != nil && d.TodayEntry.PHQ9 != nil
	d.PHQ9Due = !todayHasPHQ9 && (d.PHQ9Last.IsZero() || d.Today.DaysSince(d.PHQ9Last) >= clinic.PHQ9Interval)
	if todayHasPHQ9 {
		d.PHQ9Next = d.Today.AddDays(clinic.PHQ9Interval)
	} else if !d.PHQ9Due {
		d.PHQ9Next = d.PHQ9Last.AddDays(clinic.PHQ9Interval)
	}
	var infusions []clinic.Date
	for _, w := range windows {
		for _, day := range w.Planned {
			if !day.After(d.Today) {
				infusions = append(infusions, day)
			}
		}
	}
	infusions = append(infusions, held...)
	d.Charts = journalCharts(entries, infusions)
	d.Entries = slices.Clone(entries)
	slices.Reverse(d.Entries)
	return d, nil
}

// journalReminder is the patient's reminder card on the home page, loaded
// by htmx (home.html): today's entry, the PHQ-9 and the next session.
// Staff get nothing (204).
func (s *Server) journalReminder(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	if a.Role != clinic.RolePatient || a.PatientID == 0 {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	d, err := s.journalPageFor(r, a.PatientID)
	if err != nil {
		return err
	}
	s.renderPartial(w, r, "journal_reminder", "journal_reminder", &page{Title: "Reminders", Data: d})
	return nil
}

// journalFormData is the form page of today's entry.
type journalFormData struct {
	Patient *clinic.Patient
	Own     bool
	Today   clinic.Date
	Entry   *clinic.JournalEntry // today's entry as saved, if any
	View    journalFormView
}

func (s *Server) journalFormPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.loadJournalPage(r)
	if err != nil {
		return err
	}
	f := journalFormValues(d.TodayEntry)
	show := d.PHQ9Due || (d.TodayEntry != nil && d.TodayEntry.PHQ9 != nil) || r.URL.Query().Get("phq9") == "1"
	fd := journalFormData{Patient: d.Patient, Own: d.Own, Today: d.Today, Entry: d.TodayEntry, View: newJournalFormView(f, show)}
	s.render(w, r, http.StatusOK, "journal_form", &page{Title: "Today's journal entry", Form: f, Data: fd})
	return nil
}

func (s *Server) journalSave(w http.ResponseWriter, r *http.Request) error {
	p, js, err := s.journalPatient(r)
	if err != nil {
		return err
	}
	id := p.ID
	day := s.journalToday()
	e, f, err := journalFromForm(r, id, day)
	if err == nil {
		err = js.SaveJournalEntry(r.Context(), e)
	}
	if err != nil {
		if c := clinic.ErrorCode(err); c != clinic.EINVALID && c != clinic.ECONFLICT {
			return err
		}
		f.setErr(err)
		a := actor(r)
		show := r.PostForm.Get("phq9_shown") == "1"
		fd := journalFormData{Patient: p, Own: a.Role == clinic.RolePatient && a.PatientID == id, Today: day, View: newJournalFormView(f, show)}
		s.render(w, r, ErrorStatus(err), "journal_form", &page{Title: "Today's journal entry", Form: f, Data: fd})
		return nil
	}
	msg := "Today's entry is saved. You can change it until midnight."
	if e.Version > 1 {
		msg = "Today's entry is updated; the earlier version is kept."
	}
	http.Redirect(w, r, journalPath(id)+"?flash="+urlQueryEscape(msg), http.StatusSeeOther)
	return nil
}

// journalEntryData is one entry with its earlier versions.
type journalEntryData struct {
	Patient  *clinic.Patient
	Entry    *clinic.JournalEntry
	Versions []*clinic.JournalVersion
	Measures []outcomes.Measure
	Editable bool
	PHQ9     [9]string
	PHQ9Ans  [4]string
}

func (s *Server) journalEntryPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	eid, err := pathInt64(r, "entry")
	if err != nil {
		return err
	}
	js, err := s.journals()
	if err != nil {
		return err
	}
	p, err := s.Patients.FindPatientByID(r.Context(), id)
	if err != nil {
		return err
	}
	e, err := js.FindJournalEntryByID(r.Context(), eid)
	if err != nil {
		return err
	}
	if e.PatientID != p.ID {
		return clinic.Errorf(clinic.ENOTFOUND, "No such journal entry.")
	}
	vs, err := js.FindJournalVersions(r.Context(), eid)
	if err != nil {
		return err
	}
	slices.Reverse(vs)
	d := journalEntryData{Patient: p, Entry: e, Versions: vs, Measures: outcomes.Measures(), Editable: e.EditableOn(s.journalToday()),
		PHQ9: clinic.PHQ9Items, PHQ9Ans: clinic.PHQ9Answers}
	title := "Journal entry"
	if !e.Date.IsZero() {
		title += " of " + e.Date.String()
	}
	s.render(w, r, http.StatusOK, "journal_entry", &page{Title: title, Data: d})
	return nil
}

func (s *Server) journalDay1Set(w http.ResponseWriter, r *http.Request) error {
	id, js, err := s.patientJournals(r)
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	d, err := clinic.ParseDate(r.PostForm.Get("day1"))
	if err == nil {
		err = js.SetJournalDay1(r.Context(), id, d)
	} else {
		err = clinic.Invalid("day1", "%v", err)
	}
	if err != nil {
		if c := clinic.ErrorCode(err); c != clinic.EINVALID && c != clinic.ECONFLICT {
			return err
		}
		pd, lerr := s.loadJournalPage(r)
		if lerr != nil {
			return lerr
		}
		f := newForm()
		f.Values["day1"] = r.PostForm.Get("day1")
		f.setErr(err)
		s.render(w, r, ErrorStatus(err), "journal_page", &page{Title: "Journal of " + pd.Patient.FullName(), Data: pd, Form: f})
		return nil
	}
	http.Redirect(w, r, journalPath(id)+"?flash=Journal+day+1+set.", http.StatusSeeOther)
	return nil
}

// journalCSV exports the patient's study journal in the journal CSV of
// shared/PRODUCT.md (rows with a journal day), patient_id being the MRN.
func (s *Server) journalCSV(w http.ResponseWriter, r *http.Request) error {
	p, js, err := s.journalPatient(r)
	if err != nil {
		return err
	}
	id := p.ID
	entries, err := js.FindJournalEntries(r.Context(), clinic.JournalFilter{PatientID: id})
	if err != nil {
		return err
	}
	var rows []outcomes.JournalRow
	for _, e := range entries {
		if row, ok := e.Row(p.MRN); ok {
			rows = append(rows, row)
		}
	}
	slices.SortFunc(rows, func(a, b outcomes.JournalRow) int { return a.Day - b.Day })
	var b bytes.Buffer
	if err := outcomes.WriteJournalCSV(&b, rows); err != nil {
		return err
	}
	writeCSV(w, "journal-"+p.MRN+".csv", b.Bytes())
	return nil
}

// writeCSV sends a CSV download.
func writeCSV(w http.ResponseWriter, name string, body []byte) {
	csvDownload(w, name)
	_, _ = w.Write(body)
}

// csvDownload sets the headers of a CSV download named name, before its
// body is written (whole, or streamed).
func csvDownload(w http.ResponseWriter, name string) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+safeFilename(name)+`"`)
}

// safeFilename keeps letters, digits, dot, dash and underscore.
func safeFilename(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	return string(b)
}

// The JSON API over the same service.

type apiJournalList struct {
	PatientID int64                  `json:"patient_id"`
	Day1      clinic.Date            `json:"day1"`
	Entries   []*clinic.JournalEntry `json:"entries"`
}

func (s *Server) apiJournal(w http.ResponseWriter, r *http.Request) error {
	id, js, err := s.patientJournals(r)
	if err != nil {
		return err
	}
	entries, err := js.FindJournalEntries(r.Context(), clinic.JournalFilter{PatientID: id})
	if err != nil {
		return err
	}
	day1, err := js.JournalDay1(r.Context(), id)
	if err != nil {
		return err
	}
	if entries == nil {
		entries = []*clinic.JournalEntry{}
	}
	writeJSON(w, http.StatusOK, apiJournalList{PatientID: id, Day1: day1, Entries: entries})
	return nil
}

// apiJournalSave saves today's entry from a clinic.JournalInput; the
// status is 201 for a new entry, 200 for a changed one.
func (s *Server) apiJournalSave(w http.ResponseWriter, r *http.Request) error {
	id, js, err := s.patientJournals(r)
	if err != nil {
		return err
	}
	var in clinic.JournalInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.Date.IsZero() {
		in.Date = s.journalToday()
	}
	e, err := in.Entry(id)
	if err != nil {
		return err
	}
	if err := js.SaveJournalEntry(r.Context(), e); err != nil {
		return err
	}
	status := http.StatusOK
	if e.Version == 1 {
		status = http.StatusCreated
		w.Header().Set("Location", "/api/v1/patients/"+strconv.FormatInt(id, 10)+"/journal/"+strconv.FormatInt(e.ID, 10)+"/versions")
	}
	writeJSON(w, status, e)
	return nil
}

type apiJournalVersions struct {
	Entry    *clinic.JournalEntry     `json:"entry"`
	Versions []*clinic.JournalVersion `json:"versions"`
}

func (s *Server) apiJournalVersions(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	eid, err := pathInt64(r, "entry")
	if err != nil {
		return err
	}
	js, err := s.journals()
	if err != nil {
		return err
	}
	e, err := js.FindJournalEntryByID(r.Context(), eid)
	if err != nil {
		return err
	}
	if e.PatientID != id {
		return clinic.Errorf(clinic.ENOTFOUND, "No such journal entry.")
	}
	vs, err := js.FindJournalVersions(r.Context(), eid)
	if err != nil {
		return err
	}
	if vs == nil {
		vs = []*clinic.JournalVersion{}
	}
	writeJSON(w, http.StatusOK, apiJournalVersions{Entry: e, Versions: vs})
	return nil
}

type apiDay1 struct {
	Day1 clinic.Date `json:"day1"`
}

func (s *Server) apiJournalDay1(w http.ResponseWriter, r *http.Request) error {
	id, js, err := s.patientJournals(r)
	if err != nil {
		return err
	}
	var in apiDay1
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := js.SetJournalDay1(r.Context(), id, in.Day1); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, in)
	return nil
}

// SelfHarmAnswer is the answer given to PHQ-9 item 9 in SelfHarm.
func (d *journalPageData) SelfHarmAnswer() string {
	if d.SelfHarm == nil || d.SelfHarm.PHQ9 == nil {
		return ""
	}
	return clinic.PHQ9Answers[d.SelfHarm.PHQ9.Items[8]]
}
