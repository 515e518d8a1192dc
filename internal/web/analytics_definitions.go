package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/outcomes"
)

// The clinic's outcome definitions (internal/outcomes.Definitions): read by
// staff, changed by clinicians and admins, every change audited.

type definitionsData struct {
	Current  *clinic.OutcomeDefinitions
	Defaults outcomes.Definitions
	CanEdit  bool
	Measures []outcomes.Measure
	// Rows are the criteria shown in the form (the current ones, then one
	// blank row to add a criterion).
	Rows []criterionRow
}

type criterionRow struct {
	Index    int
	ID       string
	Name     string
	Measures map[string]bool
	Pct      string
	Source   string
	New      bool
}

func definitionRows(d outcomes.Definitions) []criterionRow {
	var rows []criterionRow
	for i, c := range d.Responses {
		r := criterionRow{Index: i, ID: c.ID, Name: c.Name, Measures: map[string]bool{}, Pct: fullFloat(c.MinReductionPct), Source: c.Source}
		for _, m := range c.Measures {
			r.Measures[m.Column()] = true
		}
		rows = append(rows, r)
	}
	return append(rows, criterionRow{Index: len(rows), Measures: map[string]bool{}, New: true})
}

func definitionsForm(d outcomes.Definitions) *form {
	f := newForm()
	f.Values["baseline_day"] = strconv.Itoa(d.Baseline.Day)
	f.Values["baseline_source"] = d.Baseline.Source
	f.Values["relief_response"] = d.Relief.Response
	f.Values["relief_within_pct"] = fullFloat(d.Relief.RelapseWithinPct)
	f.Values["relief_days"] = strconv.Itoa(d.Relief.RelapseDays)
	f.Values["relief_source"] = d.Relief.Source
	f.Values["booster_lead_days"] = strconv.Itoa(d.Booster.LeadDays)
	f.Values["booster_source"] = d.Booster.Source
	return f
}

func (s *Server) definitionsPage(w http.ResponseWriter, r *http.Request) error {
	js, err := s.journals()
	if err != nil {
		return err
	}
	cur, err := js.FindOutcomeDefinitions(r.Context())
	if err != nil {
		return err
	}
	a := actor(r)
	d := definitionsData{Current: cur, Defaults: outcomes.DefaultDefinitions(), CanEdit: clinic.CanEditOutcomeDefinitions(a, a.ClinicID),
		Measures: outcomes.Measures(), Rows: definitionRows(cur.Definitions)}
	s.render(w, r, http.StatusOK, "analytics_definitions", &page{Title: "Outcome definitions", Data: d, Form: definitionsForm(cur.Definitions)})
	return nil
}

// definitionsFromForm reads the submitted definitions.
func definitionsFromForm(r *http.Request) (outcomes.Definitions, []criterionRow, *form, error) {
	var d outcomes.Definitions
	f := newForm()
	if err := parseForm(r); err != nil {
		return d, nil, f, err
	}
	for k, v := range r.PostForm {
		if len(v) > 0 && !strings.HasPrefix(k, "resp_") {
			f.Values[k] = strings.TrimSpace(v[0])
		}
	}
	atoi := func(field string) (int, error) {
		n, err := strconv.Atoi(f.Get(field))
		if err != nil {
			return 0, clinic.Invalid(field, "a whole number is required")
		}
		return n, nil
	}
	atof := func(field, text string) (float64, error) {
		x, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		if err != nil {
			return 0, clinic.Invalid(field, "a number is required")
		}
		return x, nil
	}
	var err error
	var rows []criterionRow
	n, _ := strconv.Atoi(r.PostForm.Get("resp_count"))
	for i := 0; i <= n && i < 50; i++ {
		p := fmt.Sprintf("resp_%d_", i)
		row := criterionRow{Index: i, ID: r.PostForm.Get(p + "id"), Name: strings.TrimSpace(r.PostForm.Get(p + "name")),
			Pct: r.PostForm.Get(p + "pct"), Source: strings.TrimSpace(r.PostForm.Get(p + "source")), Measures: map[string]bool{}, New: i == n}
		for _, m := range r.PostForm[p+"measures"] {
			row.Measures[m] = true
		}
		rows = append(rows, row)
		if row.New && row.Name == "" {
			continue // the blank row left blank
		}
		if r.PostForm.Get(p+"remove") == "1" {
			continue
		}
		c := outcomes.ResponseCriterion{ID: row.ID, Name: row.Name, Source: row.Source}
		if row.New {
			c.ID = fmt.Sprintf("clinic-%d", i+1)
		}
		if c.MinReductionPct, err = atof(p+"pct", row.Pct); err != nil {
			return d, rows, f, err
		}
		for _, m := range outcomes.Measures() {
			if row.Measures[m.Column()] {
				c.Measures = append(c.Measures, m)
			}
		}
		d.Responses = append(d.Responses, c)
	}
	if d.Baseline.Day, err = atoi("baseline_day"); err != nil {
		return d, rows, f, err
	}
	d.Baseline.Source = f.Get("baseline_source")
	d.Relief.Response = f.Get("relief_response")
	if d.Relief.RelapseWithinPct, err = atof("relief_within_pct", f.Get("relief_within_pct")); err != nil {
		return d, rows, f, err
	}
	if d.Relief.RelapseDays, err = atoi("relief_days"); err != nil {
		return d, rows, f, err
	}
	d.Relief.Source = f.Get("relief_source")
	if d.Booster.LeadDays, err = atoi("booster_lead_days"); err != nil {
		return d, rows, f, err
	}
	d.Booster.Source = f.Get("booster_source")
	return d, rows, f, nil
}

func (s *Server) definitionsSave(w http.ResponseWriter, r *http.Request) error {
	js, err := s.journals()
	if err != nil {
		return err
	}
	d, rows, f, err := definitionsFromForm(r)
	if err == nil {
		_, err = js.SaveOutcomeDefinitions(r.Context(), d)
	}
	if err != nil {
		if clinic.ErrorCode(err) != clinic.EINVALID {
			return err
		}
		f.setErr(err)
		if msg, ok := f.Errors["definitions"]; ok {
			f.Error = "Not saved: " + msg // the definitions as a whole (outcomes.Definitions.Validate)
		}
		cur, cerr := js.FindOutcomeDefinitions(r.Context())
		if cerr != nil {
			return cerr
		}
		if len(rows) == 0 {
			rows = definitionRows(cur.Definitions)
		}
		a := actor(r)
		data := definitionsData{Current: cur, Defaults: outcomes.DefaultDefinitions(), CanEdit: clinic.CanEditOutcomeDefinitions(a, a.ClinicID),
			Measures: outcomes.Measures(), Rows: rows}
		s.render(w, r, ErrorStatus(err), "analytics_definitions", &page{Title: "Outcome definitions", Data: data, Form: f})
		return nil
	}
	http.Redirect(w, r, "/outcome-definitions?flash=Outcome+definitions+saved.", http.StatusSeeOther)
	return nil
}

// The JSON API.

func (s *Server) apiDefinitions(w http.ResponseWriter, r *http.Request) error {
	js, err := s.journals()
	if err != nil {
		return err
	}
	cur, err := js.FindOutcomeDefinitions(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, cur)
	return nil
}

func (s *Server) apiSaveDefinitions(w http.ResponseWriter, r *http.Request) error {
	js, err := s.journals()
	if err != nil {
		return err
	}
	var d outcomes.Definitions
	if err := decodeJSON(w, r, &d); err != nil {
		return err
	}
	saved, err := js.SaveOutcomeDefinitions(r.Context(), d)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, saved)
	return nil
}
