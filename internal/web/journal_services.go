package web

import (
	"net/http"
	"strconv"

	"github.com/ketatrack/ketatrack/internal/clinic"
)

// journalServices are what the journal, measure, outcome-definition and
// analytics pages need. internal/store's DB implements them beside
// clinic.PatientService, so the server finds them on Config.Patients and
// Config needs no field for them; a Config whose patient service lacks them
// gets an internal error on these pages only.
type journalServices interface {
	clinic.JournalService
	clinic.MeasureService
	clinic.OutcomeService
}

func (s *Server) journals() (journalServices, error) {
	j, ok := s.Patients.(journalServices)
	if !ok {
		return nil, clinic.Errorf(clinic.EINTERNAL, "the patient service %T keeps no journal", s.Patients)
	}
	return j, nil
}

// patientJournals reads the patient ID from the path (a malformed one is
// ENOTFOUND) and returns it with the journal services.
func (s *Server) patientJournals(r *http.Request) (int64, journalServices, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	js, err := s.journals()
	if err != nil {
		return 0, nil, err
	}
	return id, js, nil
}

// journalPatient is patientJournals followed by reading the patient, for
// the handlers that show or export the patient's own records.
func (s *Server) journalPatient(r *http.Request) (*clinic.Patient, journalServices, error) {
	id, js, err := s.patientJournals(r)
	if err != nil {
		return nil, nil, err
	}
	p, err := s.Patients.FindPatientByID(r.Context(), id)
	if err != nil {
		return nil, nil, err
	}
	return p, js, nil
}

// courseServices are the treatment courses and infusion sessions (issue 7),
// used here only to read: upcoming sessions for the portal's reminders,
// infusion days on charts, and each course's protocol and day 1 for relief
// by protocol. Nil when the store does not offer them.
func (s *Server) courseServices() (clinic.CourseService, clinic.ChartingService) {
	c, _ := s.Patients.(clinic.CourseService)
	ch, _ := s.Patients.(clinic.ChartingService)
	return c, ch
}

// journalToday is the journal's today (clinic.JournalToday) by the server's
// clock.
func (s *Server) journalToday() clinic.Date { return clinic.JournalToday(s.Now(), s.Location) }

// pathInt64 reads a positive integer path parameter; a malformed one is
// ENOTFOUND, like an ID that does not exist.
func pathInt64(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, clinic.Errorf(clinic.ENOTFOUND, "No such record.")
	}
	return id, nil
}
