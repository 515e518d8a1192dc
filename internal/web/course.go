package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/protocol"
)

// Treatment courses: a clinician chooses a protocol for a patient, fills the
// details its source leaves unspecified, and gets the plan from
// clinic.MakePlan (internal/protocol with the dose engine's checks); the
// plan is saved as a draft version, signed, and changed only by new
// versions. Pages and the JSON API call the same clinic.CourseService.

// planInputFromForm reads a plan input from a course form.
func planInputFromForm(f *form) (clinic.PlanInput, error) {
	in := clinic.PlanInput{ProtocolID: f.Get("protocol_id"), Weight: f.Get("weight"), Bag: f.Get("bag"),
		CareArea: f.Get("care_area"), Acknowledgement: f.Get("acknowledgement"), Settings: map[string]string{}}
	// Only the chosen protocol's details count: the form may still carry
	// those of a protocol chosen before.
	var p *protocol.Protocol
	if lib, err := clinic.Protocols(); err == nil {
		p, _ = lib.Lookup(in.ProtocolID)
	}
	for k, v := range f.Values {
		if key, ok := strings.CutPrefix(k, "settings."); ok && v != "" {
			if p == nil {
				in.Settings[key] = v
			} else if _, known := p.UnspecifiedKey(key); known {
				in.Settings[key] = v
			}
		}
	}
	if v := f.Get("start_date"); v != "" {
		d, err := clinic.ParseDate(v)
		if err != nil {
			return in, clinic.Invalid("start_date", "%v", err)
		}
		in.StartDate = d
	}
	if v := f.Get("bp_rise_pct"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return in, clinic.Invalid("bp_rise_pct", "%q is not a whole percentage", v)
		}
		in.BPRisePct = &n
	}
	return in, nil
}

// planInputValues fills a form from a stored input.
func planInputValues(in clinic.PlanInput) *form {
	f := newForm()
	f.Values["protocol_id"], f.Values["weight"], f.Values["bag"] = in.ProtocolID, in.Weight, in.Bag
	f.Values["start_date"], f.Values["care_area"], f.Values["acknowledgement"] = in.StartDate.String(), in.CareArea, in.Acknowledgement
	if in.BPRisePct != nil {
		f.Values["bp_rise_pct"] = strconv.Itoa(*in.BPRisePct)
	}
	for k, v := range in.Settings {
		f.Values["settings."+k] = v
	}
	return f
}

// detailView is one unspecified detail of a protocol on the form.
type detailView struct {
	protocol.Unspecified
	Name  string // the form field, settings.KEY
	Value string
	Err   string
}

// courseFormData is the course form: new course, new version, or a draft
// being edited.
type courseFormData struct {
	views
	Patient   *clinic.Patient
	Course    *clinic.Course // nil for a new course
	Version   int            // the draft edited; 0 otherwise
	Action    string         // where the form posts
	Protocols []*protocol.Protocol
	Protocol  *protocol.Protocol // chosen; nil before a choice
	Details   []detailView
	// CareAreaGiven is the protocol's stated care area ("" when its source
	// leaves it unspecified: the clinician must choose).
	CareAreaGiven string
	NeedReason    bool
	Preview       *clinic.Plan
	Default       clinicDefaults
	// WeightNote says where the weight filled in came from.
	WeightNote string
}

// currentWeights finds a patient's current weight (clinic.IntakeService).
type currentWeights interface {
	CurrentWeight(ctx context.Context, patientID int64) (*clinic.WeightRecord, error)
}

// clinicDefaults are values shown as hints on the form.
type clinicDefaults struct {
	BPRisePct int
}

func (d courseFormData) Heading() string {
	switch {
	case d.Course == nil:
		return "New treatment course"
	case d.Version > 0:
		return fmt.Sprintf("Edit draft version %d", d.Version)
	}
	return "New plan version"
}

// RefreshURL is where the form goes (GET, with its values) to show another
// protocol's details.
func (d courseFormData) RefreshURL() string {
	switch {
	case d.Course == nil:
		return fmt.Sprintf("/patients/%d/courses/new", d.Patient.ID)
	case d.Version > 0:
		return fmt.Sprintf("/courses/%d/versions/%d/edit", d.Course.ID, d.Version)
	}
	return fmt.Sprintf("/courses/%d/revise", d.Course.ID)
}

// CareAreas are the drug library's care areas.
func (courseFormData) CareAreas() []string { return []string{"outpatient", "inpatient", "icu"} }

// withQuery overlays the query's values on f: the form sent to itself by
// GET to show another protocol keeps what was typed.
func withQuery(r *http.Request, f *form) *form {
	for k, v := range r.URL.Query() {
		if len(v) > 0 && k != "flash" {
			f.Values[k] = strings.TrimSpace(v[0])
		}
	}
	return f
}

// careAreaKeys are the unspecified keys a protocol uses for its care area;
// the form's care-area choice fills them.
func careAreaKeys(p *protocol.Protocol) []string {
	var keys []string
	if k := p.CareArea.Unspecified; k != "" {
		keys = append(keys, k)
	}
	for _, r := range p.Regimens {
		if k := r.CareArea.Unspecified; k != "" && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// courseForm builds the form's data for protocol id (may be "").
func (s *Server) courseForm(f *form, d courseFormData) (courseFormData, error) {
	lib, err := clinic.Protocols()
	if err != nil {
		return d, err
	}
	d.views = s.views()
	d.Protocols = lib.Protocols()
	d.Default.BPRisePct = clinic.SessionRules(clinic.PlanInput{}).BPRisePct
	if id := f.Get("protocol_id"); id != "" {
		p, ok := lib.Lookup(id)
		if !ok {
			f.Errors["protocol_id"] = fmt.Sprintf("there is no protocol %q in the library", id)
			return d, nil
		}
		d.Protocol = p
		if p.CareArea.Given() {
			d.CareAreaGiven = p.CareArea.Value
		}
		skip := careAreaKeys(p)
		for _, u := range p.Unspecified {
			if slices.Contains(skip, u.Key) {
				continue
			}
			name := "settings." + u.Key
			d.Details = append(d.Details, detailView{Unspecified: u, Name: name, Value: f.Get(name), Err: f.Err(name)})
		}
	}
	return d, nil
}

func (s *Server) renderCourseForm(w http.ResponseWriter, r *http.Request, status int, f *form, d courseFormData) error {
	d, err := s.courseForm(f, d)
	if err != nil {
		return err
	}
	title := d.Heading()
	if d.Patient != nil {
		title += " · " + d.Patient.FullName()
	}
	s.render(w, r, status, "course_form", &page{Title: title, Form: f, Data: d})
	return nil
}

// coursesPerPage is the length of a page of the courses list.
const coursesPerPage = 50

// coursePage reads the page of courses f asks for after the ?after cursor,
// f.Limit of them: the courses and the cursor of the next page ("" on the
// last).
func (s *Server) coursePageOf(r *http.Request, svc clinic.CourseService, f clinic.CourseFilter) ([]*clinic.Course, string, error) {
	after, err := afterCursor[idKey](r)
	if err != nil {
		return nil, "", err
	}
	if after != nil {
		f.BeforeID = after.ID
	}
	n := f.Limit
	f.Limit = n + 1
	list, err := svc.FindCourses(r.Context(), f)
	if err != nil {
		return nil, "", err
	}
	list, next := cutPage(list, n, func(c *clinic.Course) idKey { return idKey{ID: c.ID} })
	return list, encodeCursor(next), nil
}

// coursesPage lists the clinic's courses, newest first, coursesPerPage a
// page (?after=CURSOR from the Next page link), with their patients read
// in one query.
func (s *Server) coursesPage(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.treatment()
	if err != nil {
		return err
	}
	list, next, err := s.coursePageOf(r, svc, clinic.CourseFilter{Limit: coursesPerPage})
	if err != nil {
		return err
	}
	d := coursesData{views: s.views(), Courses: list, Patients: map[int64]*clinic.Patient{}, CanPlan: clinic.CanPlanCourse(actor(r), actor(r).ClinicID),
		First: r.URL.Query().Get("after") == "", Next: next}
	var ids []int64
	for _, c := range list {
		if _, ok := d.Patients[c.PatientID]; !ok {
			d.Patients[c.PatientID] = nil
			ids = append(ids, c.PatientID)
		}
	}
	if len(ids) > 0 {
		ps, _, err := s.Patients.FindPatients(r.Context(), clinic.PatientFilter{IDs: ids, Limit: len(ids)})
		if err != nil {
			return err
		}
		for _, p := range ps {
			d.Patients[p.ID] = p
		}
	}
	for id, p := range d.Patients {
		if p == nil {
			return fmt.Errorf("courses page: patient %d of a listed course not found", id)
		}
	}
	s.render(w, r, http.StatusOK, "course_list", &page{Title: "Treatment courses", Data: d})
	return nil
}

type coursesData struct {
	views
	Courses  []*clinic.Course
	Patients map[int64]*clinic.Patient
	// Patient1 is the one patient listed (nil for the clinic's list).
	Patient1 *clinic.Patient
	CanPlan  bool
	// First is true on the first page of the clinic's list; Next is the
	// cursor of the next page ("" on the last).
	First bool
	Next  string
}

// Patient returns the patient of a course.
func (d coursesData) Patient(c *clinic.Course) *clinic.Patient { return d.Patients[c.PatientID] }

// patientCoursesPage lists one patient's courses: a page, or for htmx the
// list alone (the patient record loads it).
func (s *Server) patientCoursesPage(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.treatment()
	if err != nil {
		return err
	}
	p, err := s.pathPatient(r)
	if err != nil {
		return err
	}
	list, err := svc.FindCourses(r.Context(), clinic.CourseFilter{PatientID: p.ID, Limit: 200})
	if err != nil {
		return err
	}
	d := coursesData{views: s.views(), Courses: list, Patients: map[int64]*clinic.Patient{p.ID: p}, Patient1: p,
		CanPlan: clinic.CanPlanCourse(actor(r), p.ClinicID)}
	pg := &page{Title: "Treatment courses · " + p.FullName(), Data: d}
	if isHTMX(r) {
		s.renderPartial(w, r, "course_list", "course_table", pg)
		return nil
	}
	s.render(w, r, http.StatusOK, "course_list", pg)
	return nil
}

// courseNewPage shows the form for a new course of patient {id}.
func (s *Server) courseNewPage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.pathPatient(r)
	if err != nil {
		return err
	}
	f := newForm()
	f.Values["start_date"] = s.today().String()
	d := courseFormData{Patient: p, Action: fmt.Sprintf("/patients/%d/courses", p.ID)}
	// The patient's current weight from the intake's history, when the
	// store keeps one (internal/clinic.IntakeService).
	if cw, ok := s.Patients.(currentWeights); ok {
		if wr, err := cw.CurrentWeight(r.Context(), p.ID); err == nil {
			f.Values["weight"] = wr.Weight.String()
			d.WeightNote = fmt.Sprintf("from the record: %s, measured %s", wr.Display(), s.views().Stamp(wr.MeasuredAt))
		} else if clinic.ErrorCode(err) != clinic.ENOTFOUND {
			return err
		}
	}
	withQuery(r, f)
	return s.renderCourseForm(w, r, http.StatusOK, f, d)
}

// previewOrSave either shows the plan the input gives (preview) or calls
// save; on a user error the form is shown again with the field marked.
func (s *Server) previewOrSave(w http.ResponseWriter, r *http.Request, f *form, d courseFormData, save func(clinic.PlanInput) (string, error)) error {
	in, err := planInputFromForm(f)
	if err == nil && f.Get("preview") != "" {
		var plan *clinic.Plan
		if plan, err = clinic.MakePlan(in); err == nil {
			d.Preview = plan
			return s.renderCourseForm(w, r, http.StatusOK, f, d)
		}
	}
	var to string
	if err == nil {
		to, err = save(in)
	}
	if err != nil {
		if !showErr(f, err) {
			return err
		}
		return s.renderCourseForm(w, r, ErrorStatus(err), f, d)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// courseCreate saves a new course with its first (draft) version.
func (s *Server) courseCreate(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.treatment()
	if err != nil {
		return err
	}
	p, err := s.pathPatient(r)
	if err != nil {
		return err
	}
	f, err := formValues(r)
	if err != nil {
		return err
	}
	d := courseFormData{Patient: p, Action: fmt.Sprintf("/patients/%d/courses", p.ID)}
	return s.previewOrSave(w, r, f, d, func(in clinic.PlanInput) (string, error) {
		c, err := svc.CreateCourse(r.Context(), p.ID, f.Get("title"), in)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("/courses/%d?flash=%s", c.ID, url.QueryEscape("Draft plan saved. Review it and sign it.")), nil
	})
}

// courseAndPatient loads course {id} and its patient.
func (s *Server) courseAndPatient(r *http.Request) (*clinic.Course, *clinic.Patient, error) {
	svc, id, err := s.treatmentRecord(r)
	if err != nil {
		return nil, nil, err
	}
	c, err := svc.FindCourseByID(r.Context(), id)
	if err != nil {
		return nil, nil, err
	}
	p, err := s.Patients.FindPatientByID(r.Context(), c.PatientID)
	if err != nil {
		return nil, nil, err
	}
	return c, p, nil
}

// courseReviseForm shows the form for a new version, filled from the latest.
func (s *Server) courseReviseForm(w http.ResponseWriter, r *http.Request) error {
	c, p, err := s.courseAndPatient(r)
	if err != nil {
		return err
	}
	f := planInputValues(c.Latest().Input)
	// The version the form is filled from: saving it refuses (409) if
	// another version was saved meanwhile, whose changes this form lacks.
	f.Values["based_on"] = strconv.Itoa(c.Latest().Version)
	withQuery(r, f)
	return s.renderCourseForm(w, r, http.StatusOK, f, courseFormData{Patient: p, Course: c,
		Action: fmt.Sprintf("/courses/%d/versions", c.ID), NeedReason: c.Current() != nil})
}

// courseRevise saves a new version.
func (s *Server) courseRevise(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.treatment()
	if err != nil {
		return err
	}
	c, p, err := s.courseAndPatient(r)
	if err != nil {
		return err
	}
	f, err := formValues(r)
	if err != nil {
		return err
	}
	d := courseFormData{Patient: p, Course: c, Action: fmt.Sprintf("/courses/%d/versions", c.ID), NeedReason: c.Current() != nil}
	return s.previewOrSave(w, r, f, d, func(in clinic.PlanInput) (string, error) {
		basedOn, err := formInt(f, "based_on")
		if err != nil {
			return "", err
		}
		v, err := svc.ReviseCourse(r.Context(), c.ID, in, f.Get("reason"), basedOn)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("/courses/%d?version=%d&flash=%s", c.ID, v.Version, url.QueryEscape(fmt.Sprintf("Version %d saved as a draft.", v.Version))), nil
	})
}

// courseEditForm shows the form to edit draft version {n}. A signed
// version has no edit form: the page says why and offers a new version.
func (s *Server) courseEditForm(w http.ResponseWriter, r *http.Request) error {
	c, p, err := s.courseAndPatient(r)
	if err != nil {
		return err
	}
	n, err := pathInt(r, "n")
	if err != nil {
		return err
	}
	v := c.Version(n)
	if v == nil {
		return clinic.Errorf(clinic.ENOTFOUND, "This course has no plan version %d.", n)
	}
	f := planInputValues(v.Input)
	f.Values["reason"] = v.Reason
	// The revision the form shows: saving refuses (409) an edit made on a
	// draft someone else saved meanwhile.
	f.Values["revision"] = strconv.Itoa(v.Revision)
	f.Values["based_on"] = strconv.Itoa(c.Latest().Version)
	withQuery(r, f)
	d := courseFormData{Patient: p, Course: c, Version: n, Action: fmt.Sprintf("/courses/%d/versions/%d", c.ID, n), NeedReason: c.Current() != nil}
	status := http.StatusOK
	if v.Status == clinic.PlanSigned {
		f.Error = fmt.Sprintf("Version %d was signed by %s and cannot be changed. Saving this form makes a new version; version %d stays as it is.", n, v.SignedByName, n)
		d.Version, d.Action, d.NeedReason = 0, fmt.Sprintf("/courses/%d/versions", c.ID), true
	}
	return s.renderCourseForm(w, r, status, f, d)
}

// courseUpdateDraft saves changes to draft version {n}; a signed version is
// refused with the reason on the page and nothing changed.
func (s *Server) courseUpdateDraft(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.treatment()
	if err != nil {
		return err
	}
	c, p, err := s.courseAndPatient(r)
	if err != nil {
		return err
	}
	n, err := pathInt(r, "n")
	if err != nil {
		return err
	}
	f, err := formValues(r)
	if err != nil {
		return err
	}
	d := courseFormData{Patient: p, Course: c, Version: n, Action: fmt.Sprintf("/courses/%d/versions/%d", c.ID, n), NeedReason: c.Current() != nil}
	return s.previewOrSave(w, r, f, d, func(in clinic.PlanInput) (string, error) {
		rev, err := formInt(f, "revision")
		if err != nil {
			return "", err
		}
		v, err := svc.UpdateDraft(r.Context(), c.ID, n, in, f.Get("reason"), rev)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("/courses/%d?version=%d&flash=%s", c.ID, v.Version, url.QueryEscape(fmt.Sprintf("Draft version %d saved.", v.Version))), nil
	})
}

// courseSign signs version {n}.
func (s *Server) courseSign(w http.ResponseWriter, r *http.Request) error {
	svc, id, n, err := s.treatmentVersion(r)
	if err != nil {
		return err
	}
	f, err := formValues(r)
	if err != nil {
		return err
	}
	rev, err := formInt(f, "revision")
	if err != nil {
		return err
	}
	if _, err := svc.SignPlan(r.Context(), id, n, rev); err != nil {
		if clinic.ErrorCode(err) == clinic.ECONFLICT {
			// The course page as it now stands, with why the signature was
			// refused (who signed or changed the version, and when) at its top.
			msg := strings.TrimPrefix(clinic.ErrorMessage(err), clinic.ErrorField(err)+": ")
			return s.renderCoursePageWith(w, r, http.StatusConflict, newForm(), "Not signed: "+msg)
		}
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/courses/%d?flash=%s", id, url.QueryEscape(fmt.Sprintf("Version %d signed. Sessions follow this plan.", n))), http.StatusSeeOther)
	return nil
}

// calendarDay is one treatment day of the signed plan with its sessions.
type calendarDay struct {
	clinic.PlanDay
	Sessions []*clinic.InfusionSession
	// Open is the session of the day in progress (not stopped), if any.
	Open *clinic.InfusionSession
}

type courseData struct {
	views
	Course   *clinic.Course
	Patient  *clinic.Patient
	Shown    *clinic.PlanVersion
	Current  *clinic.PlanVersion
	Latest   *clinic.PlanVersion
	Calendar []calendarDay
	CanPlan  bool
	CanSign  bool
	CanChart bool
	Consent  courseConsent
	// SignError is why a signature posted from this page was refused.
	SignError string
	// Prediction is the shown version's predicted concentrations.
	Prediction predictionPanel
}

// coursePage shows a course: the signed plan's calendar, the version shown
// (?version=N; default the latest) and the history of versions.
func (s *Server) coursePage(w http.ResponseWriter, r *http.Request) error {
	return s.renderCoursePage(w, r, http.StatusOK, newForm())
}

// renderCoursePage shows the course page with f, a refused consent or
// withdrawal form (its values and errors), at status.
func (s *Server) renderCoursePage(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	return s.renderCoursePageWith(w, r, status, f, "")
}

// renderCoursePageWith is renderCoursePage with signErr, a refused
// signature's reason, shown at the top of the page.
func (s *Server) renderCoursePageWith(w http.ResponseWriter, r *http.Request, status int, f *form, signErr string) error {
	svc, err := s.treatment()
	if err != nil {
		return err
	}
	c, p, err := s.courseAndPatient(r)
	if err != nil {
		return err
	}
	a := actor(r)
	d := courseData{views: s.views(), Course: c, Patient: p, Current: c.Current(), Latest: c.Latest(), Shown: c.Latest(),
		CanPlan: clinic.CanPlanCourse(a, c.ClinicID), CanSign: clinic.CanSignPlan(a, c.ClinicID), CanChart: clinic.CanChart(a, c.ClinicID),
		SignError: signErr}
	if v := r.URL.Query().Get("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || c.Version(n) == nil {
			return clinic.Errorf(clinic.ENOTFOUND, "This course has no plan version %s.", v)
		}
		d.Shown = c.Version(n)
	}
	sessions, err := svc.FindSessions(r.Context(), clinic.SessionFilter{CourseID: c.ID})
	if err != nil {
		return err
	}
	if d.Current != nil {
		for _, pd := range d.Current.Plan.Days {
			cd := calendarDay{PlanDay: pd}
			for i := len(sessions) - 1; i >= 0; i-- {
				if ss := sessions[i]; ss.Day == pd.Day {
					cd.Sessions = append(cd.Sessions, ss)
					if ss.Phase != "stopped" {
						cd.Open = ss
					}
				}
			}
			d.Calendar = append(d.Calendar, cd)
		}
	}
	if d.Consent, err = s.loadCourseConsent(r, c.ID, c.ClinicID); err != nil {
		return err
	}
	if d.Prediction, err = s.coursePanel(r, c, d.Shown, p); err != nil {
		return err
	}
	s.render(w, r, status, "course", &page{Title: c.Title + " · " + p.FullName(), Data: d, Form: f})
	return nil
}

// sessionOpen opens the session of the posted day and goes to its chart.
func (s *Server) sessionOpen(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := s.treatmentRecord(r)
	if err != nil {
		return err
	}
	f, err := formValues(r)
	if err != nil {
		return err
	}
	day, err := strconv.Atoi(f.Get("day"))
	if err != nil {
		return clinic.Invalid("day", "%q is not a treatment day number", f.Get("day"))
	}
	ss, err := svc.OpenSession(r.Context(), id, day, s.today())
	if err != nil {
		if clinic.ErrorCode(err) == clinic.ECONFLICT || clinic.ErrorCode(err) == clinic.EINVALID {
			http.Redirect(w, r, fmt.Sprintf("/courses/%d?flash=%s", id, url.QueryEscape(clinic.ErrorMessage(err))), http.StatusSeeOther)
			return nil
		}
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/sessions/%d", ss.ID), http.StatusSeeOther)
	return nil
}

// The JSON API over the same service.

// apiCourseInput creates a course: the patient, an optional title and the
// plan input (its fields at the top level, as PlanInput names them).
type apiCourseInput struct {
	PatientID int64  `json:"patient_id"`
	Title     string `json:"title"`
	clinic.PlanInput
}

// apiVersionInput is a new or changed plan version.
type apiVersionInput struct {
	Reason string `json:"reason"`
	// BasedOn (a new version) is the latest version the client read;
	// Revision (an edit of the draft) the draft's revision it read. Either,
	// when given, makes a write on a stale view a 409 naming what changed.
	BasedOn  int `json:"based_on,omitempty"`
	Revision int `json:"revision,omitempty"`
	clinic.PlanInput
}

// apiSignInput is the optional body of a signature: the revision of the
// draft the clinician read (0 or absent: the draft as it is stored).
type apiSignInput struct {
	Revision int `json:"revision,omitempty"`
}

// formInt reads an optional whole-number field of f (0 when empty).
func formInt(f *form, field string) (int, error) {
	v := f.Get(field)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, clinic.Invalid(field, "%q is not a version or revision number", v)
	}
	return n, nil
}

type apiCourseList struct {
	Courses []*clinic.Course `json:"courses"`
	// Next is the cursor of the next page (?after=NEXT); absent on the last.
	Next string `json:"next,omitempty"`
}

// apiCourses lists courses newest first, ?limit (default and most 200: one
// row more than the page must fit under FindCourses' 500) a page,
// ?after=NEXT for the next.
func (s *Server) apiCourses(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.treatment()
	if err != nil {
		return err
	}
	pid, err := queryInt(r, "patient_id")
	if err != nil {
		return err
	}
	n, err := pageLimit(r, 200, 200)
	if err != nil {
		return err
	}
	list, next, err := s.coursePageOf(r, svc, clinic.CourseFilter{PatientID: int64(pid), Limit: n})
	if err != nil {
		return err
	}
	if list == nil {
		list = []*clinic.Course{}
	}
	writeJSON(w, http.StatusOK, apiCourseList{Courses: list, Next: next})
	return nil
}

func (s *Server) apiCreateCourse(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.treatment()
	if err != nil {
		return err
	}
	var in apiCourseInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.PatientID <= 0 {
		return clinic.Invalid("patient_id", "is required")
	}
	c, err := svc.CreateCourse(r.Context(), in.PatientID, in.Title, in.PlanInput)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/courses/%d", c.ID))
	writeJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Server) apiCourse(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := s.treatmentRecord(r)
	if err != nil {
		return err
	}
	c, err := svc.FindCourseByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) apiReviseCourse(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := s.treatmentRecord(r)
	if err != nil {
		return err
	}
	var in apiVersionInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	v, err := svc.ReviseCourse(r.Context(), id, in.PlanInput, in.Reason, in.BasedOn)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/courses/%d/versions/%d", id, v.Version))
	writeJSON(w, http.StatusCreated, v)
	return nil
}

func (s *Server) apiCourseVersion(w http.ResponseWriter, r *http.Request) error {
	svc, id, n, err := s.treatmentVersion(r)
	if err != nil {
		return err
	}
	c, err := svc.FindCourseByID(r.Context(), id)
	if err != nil {
		return err
	}
	v := c.Version(n)
	if v == nil {
		return clinic.Errorf(clinic.ENOTFOUND, "This course has no plan version %d.", n)
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) apiUpdateDraft(w http.ResponseWriter, r *http.Request) error {
	svc, id, n, err := s.treatmentVersion(r)
	if err != nil {
		return err
	}
	var in apiVersionInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	v, err := svc.UpdateDraft(r.Context(), id, n, in.PlanInput, in.Reason, in.Revision)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) apiSignPlan(w http.ResponseWriter, r *http.Request) error {
	svc, id, n, err := s.treatmentVersion(r)
	if err != nil {
		return err
	}
	var in apiSignInput
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &in); err != nil {
			return err
		}
	}
	v, err := svc.SignPlan(r.Context(), id, n, in.Revision)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}
