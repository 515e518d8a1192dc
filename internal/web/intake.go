package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/crps"
	"github.com/ketatrack/ketatrack/internal/opioid"
	"github.com/ketatrack/ketatrack/internal/screening"
	"github.com/ketatrack/ketatrack/internal/units"
)

// Intake pages and API (issue 7): demographics live on the patient page;
// the intake adds weight and height (with history), the CRPS presentation,
// current medications with opioids in MME/day, and prior treatments. The
// page and the API both parse a clinic.IntakeForm and call the same
// service, so they report the same errors by the same field names: the
// form's inputs are named with the API's JSON paths.

// workupFormFromRequest reads a posted form: every value by name (the first
// one), and the raw multi-values for checkboxes.
func workupFormFromRequest(r *http.Request) (*form, url.Values, error) {
	f := newForm()
	if err := parseForm(r); err != nil {
		return f, nil, err
	}
	for k, v := range r.PostForm {
		if len(v) > 0 {
			f.Values[k] = strings.TrimSpace(v[0])
		}
	}
	return f, r.PostForm, nil
}

// renameField maps an error's field from the API path to the form input
// that holds it (list indexes of the API differ from the page's rows).
func renameField(err error, rename func(string) string) error {
	if ce, ok := err.(*clinic.Error); ok && ce.Field != "" {
		if nf := rename(ce.Field); nf != ce.Field {
			return &clinic.Error{Code: ce.Code, Field: nf, Message: ce.Message}
		}
	}
	return err
}

// setWorkupErr records err on the form: on its field, and (so that it is
// announced and never missed) as the form's summary too.
func setWorkupErr(f *form, err error) {
	f.setErr(err)
	if f.Error == "" {
		f.Error = "Not saved: " + clinic.ErrorMessage(err) + ". Correct the field marked below; nothing was recorded."
	}
}

// clientError reports whether err is the user's to fix (the form is shown
// again with it) rather than a failure to show as an error page.
func clientError(err error) bool {
	c := clinic.ErrorCode(err)
	return c == clinic.EINVALID || c == clinic.ECONFLICT || c == clinic.EFORBIDDEN
}

// medicationRows is how many empty medication rows the intake form offers
// beyond those filled; "More rows" adds more without saving.
const medicationRows = 3

// intakeFormFromValues builds the API's IntakeForm from the page's inputs.
// The second result maps the API's prior_treatments[k] to the page row.
func intakeFormFromValues(f *form, raw url.Values, rows int) (clinic.IntakeForm, []string, error) {
	in := clinic.IntakeForm{
		Weight: f.Get("weight"), Height: f.Get("height"), MeasuredAt: f.Get("measured_at"), Notes: f.Get("notes"),
		Presentation: crps.Presentation{
			IncitingEvent:      crps.IncitingEvent(f.Get("presentation.inciting_event")),
			IncitingEventOther: f.Get("presentation.inciting_event_other"),
			OtherSites:         f.Get("presentation.other_sites"),
			Onset:              f.Get("presentation.onset"),
			AffectedLimbs:      []crps.Limb{},
		},
	}
	for _, l := range raw["presentation.affected_limbs"] {
		in.Presentation.AffectedLimbs = append(in.Presentation.AffectedLimbs, crps.Limb(l))
		f.Values["presentation.affected_limbs."+l] = "on"
	}
	var medRow []int
	for i := range rows {
		p := fmt.Sprintf("medications[%d].", i)
		name, dose, op := f.Get(p+"name"), f.Get(p+"dose"), f.Get(p+"opioid.opioid")
		each, times, patch, route := f.Get(p+"opioid.dose_each"), f.Get(p+"opioid.times_per_day"), f.Get(p+"opioid.patch_rate"), f.Get(p+"opioid.route")
		if name == "" && dose == "" && op == "" && each == "" && times == "" && patch == "" {
			continue
		}
		m := clinic.MedicationForm{Name: name, Dose: dose}
		switch {
		case op != "":
			o := &clinic.OpioidForm{Opioid: opioid.Opioid(op), Route: opioid.Route(route), DoseEach: each, PatchRate: patch}
			if times != "" {
				n, err := strconv.Atoi(times)
				if err != nil || n < 0 {
					return in, nil, clinic.Invalid(p+"opioid.times_per_day", "%q is not a whole number of times a day", times)
				}
				o.TimesPerDay = n
			}
			m.Opioid = o
		case each != "" || times != "" || patch != "":
			return in, nil, clinic.Invalid(p+"opioid.opioid", "choose the opioid this dose is of, or write another drug's dose under \"Dose as written\"")
		}
		in.Medications = append(in.Medications, m)
		medRow = append(medRow, i)
	}
	var priorRow []string
	for _, it := range priorRowsOf() {
		relief := f.Get("prior." + it.key + ".relief")
		desc := f.Get("prior." + it.key + ".description")
		if relief == "" && desc == "" {
			continue
		}
		in.PriorTreatments = append(in.PriorTreatments, crps.PriorTreatment{Treatment: it.id, Description: desc, Relief: crps.Relief(relief)})
		priorRow = append(priorRow, it.key)
	}
	// The error mapping: medications[k] → medications[row], prior_treatments[k] → prior.KEY.
	mapping := make([]string, 0, len(medRow)+len(priorRow))
	for k, row := range medRow {
		mapping = append(mapping, fmt.Sprintf("medications[%d]=medications[%d]", k, row))
	}
	for k, key := range priorRow {
		mapping = append(mapping, fmt.Sprintf("prior_treatments[%d]=prior.%s", k, key))
	}
	return in, mapping, nil
}

// mapFields returns a rename function for renameField from "api=page"
// prefix pairs.
func mapFields(pairs []string) func(string) string {
	return func(field string) string {
		for _, p := range pairs {
			api, page, _ := strings.Cut(p, "=")
			if field == api || strings.HasPrefix(field, api+".") {
				return page + strings.TrimPrefix(field, api)
			}
		}
		return field
	}
}

// priorRow is one row of the prior-treatment checklist on the page: the
// Goldberg list, plus two free "other" rows.
type priorRow struct {
	key   string // the input name's part: the item ID, or other1/other2
	id    string // the crps.PriorTreatments ID
	label string
	group string
}

func priorRowsOf() []priorRow {
	var out []priorRow
	for _, it := range crps.PriorTreatments {
		if it.ID == "other" {
			continue
		}
		out = append(out, priorRow{key: it.ID, id: it.ID, label: it.Label, group: it.Group})
	}
	return append(out, priorRow{key: "other1", id: "other", label: "other (describe)", group: "other"},
		priorRow{key: "other2", id: "other", label: "other (describe)", group: "other"})
}

// intakeValues fills the form with the latest intake, for a new version.
func intakeValues(it *clinic.Intake) (*form, int) {
	f := newForm()
	if it == nil {
		return f, medicationRows
	}
	p := it.Presentation
	f.Values["presentation.inciting_event"] = string(p.IncitingEvent)
	f.Values["presentation.inciting_event_other"] = p.IncitingEventOther
	f.Values["presentation.other_sites"] = p.OtherSites
	f.Values["presentation.onset"] = p.Onset
	for _, l := range p.AffectedLimbs {
		f.Values["presentation.affected_limbs."+string(l)] = "on"
	}
	for i, m := range it.Medications {
		k := fmt.Sprintf("medications[%d].", i)
		f.Values[k+"name"], f.Values[k+"dose"] = m.Name, m.Dose
		if o := m.Opioid; o != nil {
			f.Values[k+"opioid.opioid"], f.Values[k+"opioid.route"] = string(o.Opioid), string(o.Route)
			if o.DoseEach != nil {
				f.Values[k+"opioid.dose_each"] = o.DoseEach.String()
			}
			if o.TimesPerDay > 0 {
				f.Values[k+"opioid.times_per_day"] = strconv.Itoa(o.TimesPerDay)
			}
			if o.PatchRate != nil {
				f.Values[k+"opioid.patch_rate"] = o.PatchRate.String()
			}
		}
	}
	others := 0
	for _, t := range it.PriorTreatments {
		key := t.Treatment
		if key == "other" {
			others++
			if others > 2 {
				continue
			}
			key = "other" + strconv.Itoa(others)
		}
		f.Values["prior."+key+".relief"] = string(t.Relief)
		f.Values["prior."+key+".description"] = t.Description
	}
	f.Values["notes"] = it.Notes
	return f, len(it.Medications) + medicationRows
}

// intakePageData is what intake_page.html shows.
type intakePageData struct {
	Patient  *clinic.Patient
	Intakes  []*clinic.Intake // newest first
	Weights  []*clinic.WeightRecord
	Heights  []*clinic.HeightRecord
	CanWrite bool
	Rows     int // medication rows on the form
	Now      string
}

// Current returns the latest intake, or nil.
func (d intakePageData) Current() *clinic.Intake {
	if len(d.Intakes) == 0 {
		return nil
	}
	return d.Intakes[0]
}

// MedRows lists the medication row indexes of the form.
func (d intakePageData) MedRows() []int {
	out := make([]int, d.Rows)
	for i := range out {
		out[i] = i
	}
	return out
}

// PriorRows lists the prior-treatment rows of the form.
func (d intakePageData) PriorRows() []priorRow { return priorRowsOf() }

// Key, ID, Label and Group expose a prior row to the template.
func (p priorRow) Key() string   { return p.key }
func (p priorRow) Label() string { return p.label }

func (s *Server) loadIntakePage(r *http.Request, id int64) (*intakePageData, error) {
	p, err := s.Patients.FindPatientByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	d := &intakePageData{Patient: p, CanWrite: clinic.CanWritePatientRecord(actor(r), p.ClinicID, p.ID),
		Now: s.Now().In(s.Location).Format("2006-01-02T15:04")}
	if d.Intakes, err = s.Workup.FindIntakes(r.Context(), id); err != nil {
		return nil, err
	}
	if d.Weights, err = s.Workup.FindWeights(r.Context(), id); err != nil {
		return nil, err
	}
	if d.Heights, err = s.Workup.FindHeights(r.Context(), id); err != nil {
		return nil, err
	}
	return d, nil
}

func (s *Server) intakePage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	d, err := s.loadIntakePage(r, id)
	if err != nil {
		return err
	}
	f, rows := intakeValues(d.Current())
	d.Rows = rows
	s.render(w, r, http.StatusOK, "intake_page", &page{Title: "Intake · " + d.Patient.FullName(), Data: d, Form: f})
	return nil
}

func (s *Server) intakeSubmit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	d, err := s.loadIntakePage(r, id)
	if err != nil {
		return err
	}
	f, raw, err := workupFormFromRequest(r)
	rows, _ := strconv.Atoi(f.Get("rows"))
	rows = min(max(rows, medicationRows), 50)
	d.Rows = rows
	if err == nil && f.Get("action") == "more_rows" {
		d.Rows = rows + medicationRows
		s.render(w, r, http.StatusOK, "intake_page", &page{Title: "Intake · " + d.Patient.FullName(), Data: d, Form: f})
		return nil
	}
	var mapping []string
	if err == nil {
		var in clinic.IntakeForm
		in, mapping, err = intakeFormFromValues(f, raw, rows)
		if err == nil {
			var parsed clinic.IntakeInput
			parsed, err = in.Parse(s.Location, s.Now())
			if err == nil {
				_, err = s.Workup.SaveIntake(r.Context(), id, parsed)
			}
		}
	}
	if err != nil {
		if !clientError(err) {
			return err
		}
		setWorkupErr(f, renameField(err, mapFields(mapping)))
		s.render(w, r, ErrorStatus(err), "intake_page", &page{Title: "Intake · " + d.Patient.FullName(), Data: d, Form: f})
		return nil
	}
	http.Redirect(w, r, "/patients/"+strconv.FormatInt(id, 10)+"/intake?flash=Intake+saved.", http.StatusSeeOther)
	return nil
}

// weightSubmit records a weight measured on its own (e.g. before a course).
func (s *Server) weightSubmit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	d, err := s.loadIntakePage(r, id)
	if err != nil {
		return err
	}
	f, _, err := workupFormFromRequest(r)
	if err == nil {
		_, err = s.recordWeight(r, id, apiWeightInput{Weight: f.Get("weight.value"), MeasuredAt: f.Get("weight.measured_at"), Note: f.Get("weight.note")})
		err = renameField(err, mapFields([]string{"weight=weight.value", "measured_at=weight.measured_at", "note=weight.note"}))
	}
	if err != nil {
		if !clientError(err) {
			return err
		}
		setWorkupErr(f, err)
		fi, rows := intakeValues(d.Current())
		for k, v := range f.Values {
			fi.Values[k] = v
		}
		fi.Errors, fi.Error = f.Errors, f.Error
		d.Rows = rows
		s.render(w, r, ErrorStatus(err), "intake_page", &page{Title: "Intake · " + d.Patient.FullName(), Data: d, Form: fi})
		return nil
	}
	http.Redirect(w, r, "/patients/"+strconv.FormatInt(id, 10)+"/intake?flash=Weight+recorded.#weights", http.StatusSeeOther)
	return nil
}

// The JSON API.

// apiWeightInput is a weight (or height) measurement as the API takes it.
type apiWeightInput struct {
	Weight     string `json:"weight"`
	MeasuredAt string `json:"measured_at,omitempty"`
	Note       string `json:"note,omitempty"`
}

type apiHeightInput struct {
	Height     string `json:"height"`
	MeasuredAt string `json:"measured_at,omitempty"`
	Note       string `json:"note,omitempty"`
}

func (s *Server) recordWeight(r *http.Request, id int64, in apiWeightInput) (*clinic.WeightRecord, error) {
	if strings.TrimSpace(in.Weight) == "" {
		return nil, clinic.Invalid("weight", "is required, with its unit (e.g. 70kg or 154lb)")
	}
	wt, err := units.ParseBodyWeight("weight", strings.TrimSpace(in.Weight))
	if err != nil {
		pe := err.(*units.ParseError)
		return nil, clinic.Invalid("weight", "%q: %s (accepted: %s)", pe.Input, pe.Reason, strings.Join(pe.Accepted, ", "))
	}
	at, err := clinic.ParseTime("measured_at", in.MeasuredAt, s.Location, s.Now())
	if err != nil {
		return nil, err
	}
	return s.Workup.RecordWeight(r.Context(), id, wt, clinic.Measurement{MeasuredAt: at, Note: strings.TrimSpace(in.Note)})
}

func (s *Server) apiWeights(w http.ResponseWriter, r *http.Request) error {
	return writePatientList(w, r, "weights", s.Workup.FindWeights)
}

func (s *Server) apiRecordWeight(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in apiWeightInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	rec, err := s.recordWeight(r, id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, rec)
	return nil
}

func (s *Server) apiHeights(w http.ResponseWriter, r *http.Request) error {
	return writePatientList(w, r, "heights", s.Workup.FindHeights)
}

func (s *Server) apiRecordHeight(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in apiHeightInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	h, err := clinic.ParseBodyHeight("height", in.Height)
	if err != nil {
		return err
	}
	at, err := clinic.ParseTime("measured_at", in.MeasuredAt, s.Location, s.Now())
	if err != nil {
		return err
	}
	rec, err := s.Workup.RecordHeight(r.Context(), id, h, clinic.Measurement{MeasuredAt: at, Note: strings.TrimSpace(in.Note)})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, rec)
	return nil
}

func (s *Server) apiIntakes(w http.ResponseWriter, r *http.Request) error {
	return writePatientList(w, r, "intakes", s.Workup.FindIntakes)
}

func (s *Server) apiSaveIntake(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in clinic.IntakeForm
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	parsed, err := in.Parse(s.Location, s.Now())
	if err != nil {
		return err
	}
	it, err := s.Workup.SaveIntake(r.Context(), id, parsed)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, it)
	return nil
}

func (s *Server) apiWorkup(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	sum, err := s.Workup.WorkupSummary(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sum)
	return nil
}

// workupReference is the reference data the forms are built from, for API
// clients: every list carries its sources.
type workupReference struct {
	IncitingEvents  []crps.IncitingEventInfo                   `json:"inciting_events"`
	Limbs           []crps.Limb                                `json:"limbs"`
	PriorTreatments []crps.PriorTreatmentItem                  `json:"prior_treatments"`
	Budapest        []crps.Item                                `json:"budapest_checklist"`
	SeverityForms   map[crps.SeverityVersion]crps.SeverityForm `json:"severity_forms"`
	Opioids         []opioid.Opioid                            `json:"opioids"`
	MMETables       map[opioid.Table]opioid.TableInfo          `json:"mme_tables"`
	Conditions      []screening.Condition                      `json:"screening_conditions"`
	VitalLimits     []screening.PlausibleRange                 `json:"vital_sign_validity_limits"`
}

func (s *Server) apiWorkupReference(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, workupReference{
		IncitingEvents: crps.IncitingEvents, Limbs: crps.Limbs, PriorTreatments: crps.PriorTreatments,
		Budapest: crps.Checklist, SeverityForms: crps.SeverityForms, Opioids: opioid.Opioids, MMETables: opioid.Tables,
		Conditions: screening.Conditions, VitalLimits: screening.PlausibleRanges,
	})
	return nil
}

// View helpers for intake_page.html.

// Events lists the inciting events with their shares and sources.
func (d intakePageData) Events() []crps.IncitingEventInfo { return crps.IncitingEvents }

// Limbs lists the limbs.
func (d intakePageData) Limbs() []crps.Limb { return crps.Limbs }

// Opioids lists the opioids the MME tables know (and "other").
func (d intakePageData) Opioids() []opioid.Opioid { return opioid.Opioids }

// Routes lists the opioid routes.
func (d intakePageData) Routes() []opioid.Route {
	return []opioid.Route{opioid.Oral, opioid.Transdermal, opioid.OtherRoute}
}

// Reliefs lists Goldberg's relief categories with their labels.
func (d intakePageData) Reliefs() [][2]string { return reliefOptions }

var reliefOptions = [][2]string{
	{string(crps.ReliefNone), "no relief"},
	{string(crps.ReliefUpTo8Weeks), "relief up to 8 weeks"},
	{string(crps.ReliefOver8Weeks), "relief over 8 weeks"},
	{string(crps.ReliefUnknown), "relief not known"},
}

// ReliefLabel names a relief category.
func (d intakePageData) ReliefLabel(r crps.Relief) string {
	for _, o := range reliefOptions {
		if o[0] == string(r) {
			return o[1]
		}
	}
	return string(r)
}

// EventLabel names an inciting event.
func (d intakePageData) EventLabel(e crps.IncitingEvent) string {
	for _, it := range crps.IncitingEvents {
		if it.Event == e {
			return it.Label
		}
	}
	return string(e)
}

// TreatmentLabel names a prior treatment.
func (d intakePageData) TreatmentLabel(id string) string {
	for _, it := range crps.PriorTreatments {
		if it.ID == id {
			return it.Label
		}
	}
	return id
}

// PriorSource cites the prior-treatment list.
func (d intakePageData) PriorSource() string { return crps.PriorTreatments[0].Source }

// Num prints a number exactly as stored (no rounding).
func (d intakePageData) Num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// Figure prints an MME figure with its table.
func (d intakePageData) Figure(f opioid.Figure) string { return f.String() }

// Key and Group of a prior row.
func (p priorRow) Group() string { return p.group }

// Tab names the workup page, for the tabs of workup_head.
func (d intakePageData) Tab() string { return "intake" }

// workupView is the patient page's summary of intake, diagnosis and
// screening (the "workup_summary" partial).
type workupView struct {
	ID      int64
	Summary *clinic.WorkupSummary
}

// workupView loads the summary for the patient page.
func (s *Server) workupView(r *http.Request, p *clinic.Patient) (*workupView, error) {
	sum, err := s.Workup.WorkupSummary(r.Context(), p.ID)
	if err != nil {
		return nil, err
	}
	return &workupView{ID: p.ID, Summary: sum}, nil
}

// MedMME returns the MME/day figure of medication i of an intake (opioids
// only): the figures are in the order of the opioid medications.
func (d intakePageData) MedMME(it *clinic.Intake, i int) string {
	k := 0
	for j, m := range it.Medications {
		if m.Opioid == nil {
			continue
		}
		if j == i && k < len(it.MME.Figures) {
			f := it.MME.Figures[k]
			if !f.Converted || f.MMEPerDay == nil {
				return "not converted: " + f.Note
			}
			return strconv.FormatFloat(*f.MMEPerDay, 'f', -1, 64) + " MME/day"
		}
		k++
	}
	return ""
}
