package web

import (
	"bytes"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/csvsafe"
)

// Functional measures on the patient's record: recorded by staff, read by
// staff and the patient.

// measureKindView is one kind of measure with its results, for the page.
type measureKindView struct {
	Kind     clinic.MeasureKind
	Measures []*clinic.FunctionalMeasure
}

type measurePageData struct {
	Patient  *clinic.Patient
	Staff    bool
	Kinds    []measureKindView
	Charts   []chartSpec
	AllKinds []clinic.MeasureKind
	Today    clinic.Date
}

func (s *Server) measuresPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderMeasures(w, r, http.StatusOK, newForm())
}

func (s *Server) renderMeasures(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	p, js, err := s.journalPatient(r)
	if err != nil {
		return err
	}
	id := p.ID
	list, err := js.FindMeasures(r.Context(), id)
	if err != nil {
		return err
	}
	d := measurePageData{Patient: p, Staff: actor(r).Role.IsStaff(), AllKinds: clinic.MeasureKinds, Today: s.journalToday()}
	for _, k := range clinic.MeasureKinds {
		v := measureKindView{Kind: k}
		for _, m := range list {
			if m.Kind == k {
				v.Measures = append(v.Measures, m)
			}
		}
		d.Kinds = append(d.Kinds, v)
	}
	d.Charts = measureCharts(list)
	if f.Get("measured_on") == "" {
		f.Values["measured_on"] = d.Today.String()
	}
	s.render(w, r, status, "measure_page", &page{Title: "Functional measures of " + p.FullName(), Data: d, Form: f})
	return nil
}

// measureCharts draws each kind over time (entries in error left out); a
// 2-minute walk is drawn in metres, converted exactly from feet, because
// one axis needs one unit (the table keeps the unit entered); a range of
// motion gets one line per site.
func measureCharts(list []*clinic.FunctionalMeasure) []chartSpec {
	var out []chartSpec
	for _, k := range clinic.MeasureKinds {
		var ms []*clinic.FunctionalMeasure
		for _, m := range list {
			if m.Kind == k && !m.InError {
				ms = append(ms, m)
			}
		}
		if len(ms) == 0 {
			continue
		}
		var x []float64
		index := map[clinic.Date]int{}
		for _, m := range ms {
			if _, ok := index[m.MeasuredOn]; !ok {
				index[m.MeasuredOn] = len(x)
				x = append(x, dateX(m.MeasuredOn))
			}
		}
		series := map[string]*chartSeries{}
		var order []string
		for _, m := range ms {
			label := k.Label()
			v := m.Number()
			switch k {
			case clinic.MeasureWalk2Min:
				v, _ = m.Metres()
				label = "2-minute walk (m)"
			case clinic.MeasureROM:
				label = m.Site
			}
			s, ok := series[label]
			if !ok {
				s = &chartSeries{Label: label, Values: make([]*float64, len(x))}
				series[label] = s
				order = append(order, label)
			}
			s.Values[index[m.MeasuredOn]] = num(v)
		}
		c := chartSpec{ID: "measure-" + string(k), Title: k.Label(), XLabel: "Date", XTime: true, X: x, YMin: num(0)}
		switch k {
		case clinic.MeasureTUG:
			c.YLabel, c.Title = "seconds", "Timed Up and Go (seconds; lower is better)"
		case clinic.MeasureWalk2Min:
			c.YLabel, c.Title = "metres", "2-minute walk distance (metres; feet converted at 0.3048 m)"
		case clinic.MeasureLCI:
			c.YLabel, c.YMax, c.Title = "of 56", num(56), "Locomotor Capabilities Index (LCI-5, of 56)"
		case clinic.MeasureROM:
			c.YLabel, c.Title = "degrees", "Range of motion (degrees)"
		}
		for _, l := range order {
			c.Series = append(c.Series, *series[l])
		}
		out = append(out, c)
	}
	return out
}

// measureFromForm reads the recording form.
func measureFromForm(r *http.Request, patientID int64) (*clinic.FunctionalMeasure, *form, error) {
	f := newForm()
	if err := parseForm(r); err != nil {
		return nil, f, err
	}
	for _, k := range []string{"kind", "measured_on", "value", "unit", "site", "aid", "note"} {
		f.Values[k] = strings.TrimSpace(r.PostForm.Get(k))
	}
	m := &clinic.FunctionalMeasure{PatientID: patientID, Kind: clinic.MeasureKind(f.Get("kind")), Value: f.Get("value"),
		Unit: f.Get("unit"), Site: f.Get("site"), Aid: f.Get("aid"), Note: f.Get("note")}
	if len(m.Kind.Units()) == 1 && m.Unit == "" {
		m.Unit = m.Kind.Units()[0] // s, /56 and deg have one unit only
	}
	if f.Get("measured_on") != "" {
		d, err := clinic.ParseDate(f.Get("measured_on"))
		if err != nil {
			return nil, f, clinic.Invalid("measured_on", "%v", err)
		}
		m.MeasuredOn = d
	}
	return m, f, nil
}

func (s *Server) measureRecord(w http.ResponseWriter, r *http.Request) error {
	id, js, err := s.patientJournals(r)
	if err != nil {
		return err
	}
	m, f, err := measureFromForm(r, id)
	if err == nil {
		err = js.RecordMeasure(r.Context(), m)
	}
	if err != nil {
		if clinic.ErrorCode(err) != clinic.EINVALID {
			return err
		}
		f.setErr(err)
		if f.Error == "" {
			f.Error = "Not recorded: see the field marked in the form below."
		}
		return s.renderMeasures(w, r, ErrorStatus(err), f)
	}
	http.Redirect(w, r, "/patients/"+strconv.FormatInt(id, 10)+"/measures?flash="+urlQueryEscape(m.Kind.Label()+" recorded."), http.StatusSeeOther)
	return nil
}

func (s *Server) measureInError(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	mid, err := pathInt64(r, "mid")
	if err != nil {
		return err
	}
	js, err := s.journals()
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	list, err := js.FindMeasures(r.Context(), id)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(list, func(m *clinic.FunctionalMeasure) bool { return m.ID == mid }) {
		return clinic.Errorf(clinic.ENOTFOUND, "No such measure.")
	}
	_, err = js.MarkMeasureInError(r.Context(), mid, r.PostForm.Get("reason"))
	if err != nil {
		if c := clinic.ErrorCode(err); c != clinic.EINVALID && c != clinic.ECONFLICT {
			return err
		}
		f := newForm()
		f.Error = "Not marked in error: " + clinic.ErrorMessage(err)
		return s.renderMeasures(w, r, ErrorStatus(err), f)
	}
	http.Redirect(w, r, "/patients/"+strconv.FormatInt(id, 10)+"/measures?flash=Marked+entered+in+error.", http.StatusSeeOther)
	return nil
}

// The JSON API.

type apiMeasureList struct {
	PatientID int64                       `json:"patient_id"`
	Measures  []*clinic.FunctionalMeasure `json:"measures"`
}

func (s *Server) apiMeasures(w http.ResponseWriter, r *http.Request) error {
	id, js, err := s.patientJournals(r)
	if err != nil {
		return err
	}
	list, err := js.FindMeasures(r.Context(), id)
	if err != nil {
		return err
	}
	if list == nil {
		list = []*clinic.FunctionalMeasure{}
	}
	writeJSON(w, http.StatusOK, apiMeasureList{PatientID: id, Measures: list})
	return nil
}

// apiMeasureInput is what a client sends to record a measure.
type apiMeasureInput struct {
	Kind       clinic.MeasureKind `json:"kind"`
	MeasuredOn clinic.Date        `json:"measured_on"`
	Value      string             `json:"value"`
	Unit       string             `json:"unit"`
	Site       string             `json:"site"`
	Aid        string             `json:"aid"`
	Note       string             `json:"note"`
}

func (s *Server) apiRecordMeasure(w http.ResponseWriter, r *http.Request) error {
	id, js, err := s.patientJournals(r)
	if err != nil {
		return err
	}
	var in apiMeasureInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	m := &clinic.FunctionalMeasure{PatientID: id, Kind: in.Kind, MeasuredOn: in.MeasuredOn, Value: in.Value, Unit: in.Unit,
		Site: in.Site, Aid: in.Aid, Note: in.Note}
	if err := js.RecordMeasure(r.Context(), m); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/patients/"+strconv.FormatInt(id, 10)+"/measures")
	writeJSON(w, http.StatusCreated, m)
	return nil
}

type apiInErrorInput struct {
	Reason string `json:"reason"`
}

func (s *Server) apiMeasureInError(w http.ResponseWriter, r *http.Request) error {
	id, js, err := s.patientJournals(r)
	if err != nil {
		return err
	}
	var in apiInErrorInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	m, err := js.MarkMeasureInError(r.Context(), id, in.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

// measuresCSV exports the patient's functional measures, values and units
// as entered, entries in error included and marked.
func (s *Server) measuresCSV(w http.ResponseWriter, r *http.Request) error {
	p, js, err := s.journalPatient(r)
	if err != nil {
		return err
	}
	id := p.ID
	list, err := js.FindMeasures(r.Context(), id)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	cw := csvsafe.NewWriter(&b)
	_ = cw.Write([]string{"mrn", "measured_on", "kind", "value", "unit", "site", "aid", "note", "recorded_by", "recorded_at", "in_error", "in_error_reason"})
	for _, m := range list {
		_ = cw.Write([]string{p.MRN, m.MeasuredOn.String(), string(m.Kind), m.Value, m.Unit, m.Site, m.Aid, m.Note, m.RecordedByName,
			m.RecordedAt.UTC().Format(time.RFC3339), strconv.FormatBool(m.InError), m.InErrorReason})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	writeCSV(w, "measures-"+p.MRN+".csv", b.Bytes())
	return nil
}
