package web_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/outcomes"
	"github.com/ketatrack/ketatrack/internal/store"
)

func jform(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v.Encode()
}

const jformType = "application/x-www-form-urlencoded"

// A patient writes and changes today's entry in the portal; bad input is
// shown on the form with what was typed; another patient's journal is 404.
func TestJournalPortal(t *testing.T) {
	ts := newTestServer(t, store.SQLite)
	me := ts.demo.Patients[0]
	pat := ts.client(t, clinic.RolePatient)

	resp := ts.do(t, pat, "GET", "/journal", "", "")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != fmt.Sprintf("/patients/%d/journal", me.ID) {
		t.Fatalf("/journal: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if rec := body(ts.do(t, pat, "GET", fmt.Sprintf("/patients/%d", me.ID), "", "")); !strings.Contains(rec, fmt.Sprintf(`href="/patients/%d/journal"`, me.ID)) {
		t.Errorf("the patient's record does not link to the journal")
	}
	page := body(ts.do(t, pat, "GET", fmt.Sprintf("/patients/%d/journal", me.ID), "", ""))
	for _, want := range []string{"My journal", "Not written yet", "Upcoming sessions", `data-chart=`} {
		if !strings.Contains(page, want) {
			t.Errorf("journal page lacks %q", want)
		}
	}
	path := fmt.Sprintf("/patients/%d/journal/today", me.ID)
	if resp := ts.do(t, pat, "GET", path, "", ""); resp.StatusCode != 200 || !strings.Contains(body(resp), `name="pain_worst"`) {
		t.Fatalf("form: %d", resp.StatusCode)
	}
	// Out of range: the form comes back with the error and the input kept.
	resp = ts.do(t, pat, "POST", path, jformType, jform("pain_now", "3", "relief_pct", "140", "note", "typed text"))
	b := body(resp)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(b, "out of range 0–100") || !strings.Contains(b, "typed text") {
		t.Fatalf("bad relief: %d %s", resp.StatusCode, b)
	}
	// A dose without its unit names the opioid line's dose field.
	resp = ts.do(t, pat, "POST", path, jformType, jform("pain_now", "3", "opioid_0", "oxycodone", "route_0", "oral", "dose_0", "5", "times_0", "2"))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body(resp), "f-dose_0") {
		t.Fatalf("dose without unit: %d", resp.StatusCode)
	}
	resp = ts.do(t, pat, "POST", path, jformType, jform("pain_now", "3", "pain_worst", "6", "pain_24h", "4", "sleep_hours", "6.5",
		"opioid_0", "oxycodone", "route_0", "oral", "dose_0", "5mg", "times_0", "3", "note", "Better today."))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %s", resp.StatusCode, body(resp))
	}
	js := ts.db
	e, err := js.FindJournalEntryByDate(sysCtx(), me.ID, ts.db.Today())
	if err != nil {
		t.Fatal(err)
	}
	// Oxycodone 5 mg × 3 = 15 mg/day × 1.5 (CDC 2022 factor) = 22.5 MME/day.
	if e.Scores[outcomes.PainNow] != 300 || e.Source != clinic.JournalByPatient || e.MME.TotalMMEPerDay != 22.5 {
		t.Errorf("saved %+v MME %v", e.Scores, e.MME.TotalMMEPerDay)
	}
	// Changed the same day: version 2, version 1 kept.
	resp = ts.do(t, pat, "POST", path, jformType, jform("pain_now", "2"))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("change: %d", resp.StatusCode)
	}
	entry := body(ts.do(t, pat, "GET", fmt.Sprintf("/patients/%d/journal/%d", me.ID, e.ID), "", ""))
	if !strings.Contains(entry, "Version 1, replaced") || !strings.Contains(entry, "Better today.") {
		t.Errorf("entry page lacks version 1")
	}
	// Another patient's journal and entries: 404.
	other := ts.demo.Patients[1]
	for _, p := range []string{fmt.Sprintf("/patients/%d/journal", other.ID), fmt.Sprintf("/patients/%d/journal/today", other.ID),
		fmt.Sprintf("/patients/%d/journal", ts.other.ID), fmt.Sprintf("/patients/%d/measures", other.ID)} {
		if resp := ts.do(t, pat, "GET", p, "", ""); resp.StatusCode != http.StatusNotFound {
			t.Errorf("patient GET %s: %d", p, resp.StatusCode)
		}
	}
	if resp := ts.do(t, pat, "POST", fmt.Sprintf("/patients/%d/journal/today", other.ID), jformType, jform("pain_now", "1")); resp.StatusCode != http.StatusNotFound {
		t.Errorf("patient writes another's journal: %d", resp.StatusCode)
	}
	// The home page's reminder card (htmx) and the measures export.
	if r := body(ts.do(t, pat, "GET", "/journal/reminder", "", "")); !strings.Contains(r, "Today's journal entry is written") {
		t.Errorf("reminder after writing: %q", r)
	}
	if resp := ts.do(t, ts.client(t, clinic.RoleNurse), "GET", "/journal/reminder", "", ""); resp.StatusCode != http.StatusNoContent {
		t.Errorf("staff reminder: %d", resp.StatusCode)
	}
	if resp := ts.do(t, pat, "GET", fmt.Sprintf("/patients/%d/measures.csv", me.ID), "", ""); resp.StatusCode != 200 || !strings.HasPrefix(body(resp), "mrn,measured_on,kind") {
		t.Errorf("measures.csv: %d", resp.StatusCode)
	}
	if resp := ts.do(t, pat, "GET", fmt.Sprintf("/patients/%d/outcomes.csv", me.ID), "", ""); resp.StatusCode != http.StatusForbidden {
		t.Errorf("patient outcomes.csv: %d", resp.StatusCode)
	}
	// The patient's CSV export is the journal CSV of shared/PRODUCT.md.
	recs, err := csv.NewReader(strings.NewReader(body(ts.do(t, pat, "GET", fmt.Sprintf("/patients/%d/journal.csv", me.ID), "", "")))).ReadAll()
	if err != nil || strings.Join(recs[0], ",") != strings.Join(outcomes.JournalHeader(), ",") || len(recs) < 10 {
		t.Errorf("journal.csv: %v %d rows", err, len(recs))
	}
}

func TestJournalAPI(t *testing.T) {
	ts := newTestServer(t, store.Postgres)
	me := ts.demo.Patients[0]
	pat := ts.client(t, clinic.RolePatient)
	path := fmt.Sprintf("/api/v1/patients/%d/journal", me.ID)
	resp := ts.do(t, pat, "POST", path, "application/json", `{"pain_now": 4, "pain_worst": 7.5, "relief_pct": 43.61, "sleep_hours": 7,
		"phq9": {"items": [1,1,0,2,0,0,1,0,0], "difficulty": 1}, "opioids": [{"opioid": "hydrocodone", "route": "oral", "dose_each": "5mg", "times_per_day": 4}]}`)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, body(resp))
	}
	var got map[string]any
	decode(t, resp, &got)
	// Hydrocodone 5 mg four times a day: 20 MME/day (CDC 2022's worked example).
	if got["pain_worst"] != 7.5 || got["relief_pct"] != 43.61 || got["mme"].(map[string]any)["total_mme_per_day"] != 20.0 {
		t.Errorf("created %v", got)
	}
	resp = ts.do(t, pat, "POST", path, "application/json", `{"pain_now": 3}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("change: %d", resp.StatusCode)
	}
	for _, c := range []struct{ body, field string }{
		{`{"pain_now": 11}`, "pain_now"},
		{`{"pain_now": 7.123}`, "pain_now"},
		{`{"pain_now": "7"}`, "pain_now"},
		{`{"pain_nope": 7}`, "pain_nope"},
		{`{"date": "2001-01-01", "pain_now": 2}`, "date"},
		{`{"opioids": [{"opioid": "oxycodone", "route": "oral", "times_per_day": 2}]}`, "opioids[0].dose_each"},
	} {
		resp := ts.do(t, pat, "POST", path, "application/json", c.body)
		var e struct {
			Error struct{ Field string }
		}
		decode(t, resp, &e)
		if resp.StatusCode != http.StatusBadRequest || e.Error.Field != c.field {
			t.Errorf("%s: %d field %q, want 400 %q", c.body, resp.StatusCode, e.Error.Field, c.field)
		}
	}
	if resp := ts.do(t, pat, "GET", fmt.Sprintf("/api/v1/patients/%d/journal", ts.demo.Patients[1].ID), "", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another patient's journal: %d", resp.StatusCode)
	}
	var list struct {
		Entries []map[string]any
	}
	decode(t, ts.do(t, pat, "GET", path, "", ""), &list)
	if len(list.Entries) < 10 {
		t.Errorf("%d entries", len(list.Entries))
	}
}

// Staff record functional measures; clinicians see the analytics, export
// their tables and change the outcome definitions; nurses may not.
func TestMeasuresAnalyticsDefinitions(t *testing.T) {
	ts := newTestServer(t, store.SQLite)
	p := ts.demo.Patients[3]
	nurse := ts.client(t, clinic.RoleNurse)
	clin := ts.client(t, clinic.RoleClinician)
	mpath := fmt.Sprintf("/patients/%d/measures", p.ID)
	resp := ts.do(t, nurse, "POST", mpath, jformType, jform("kind", "walk_2min", "measured_on", "2026-01-05", "value", "292", "unit", "ft", "aid", "single-point cane"))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("record: %d %s", resp.StatusCode, body(resp))
	}
	resp = ts.do(t, nurse, "POST", mpath, jformType, jform("kind", "lci", "measured_on", "2026-01-05", "value", "57"))
	if b := body(resp); resp.StatusCode != http.StatusBadRequest || !strings.Contains(b, "whole number from 0 to 56") || !strings.Contains(b, `value="57"`) {
		t.Errorf("LCI 57: %d", resp.StatusCode)
	}
	if page := body(ts.do(t, nurse, "GET", mpath, "", "")); !strings.Contains(page, "292 ft") || !strings.Contains(page, "single-point cane") {
		t.Errorf("measures page lacks the walk as entered")
	}
	if resp := ts.do(t, nurse, "GET", "/analytics", "", ""); resp.StatusCode != http.StatusForbidden {
		t.Errorf("nurse analytics: %d", resp.StatusCode)
	}
	page := body(ts.do(t, clin, "GET", "/analytics", "", ""))
	for _, want := range []string{"Kruskal–Wallis", "Friedman", "Numbers at risk", "Booster suggestions", "Goldberg", "Schwartzman"} {
		if !strings.Contains(page, want) {
			t.Errorf("analytics page lacks %q", want)
		}
	}
	var rep outcomes.Report
	decode(t, ts.do(t, clin, "GET", "/api/v1/analytics/cohort", "", ""), &rep)
	if rep.Patients != len(ts.demo.Patients) {
		t.Errorf("cohort report: %d patients", rep.Patients)
	}
	for _, name := range []string{"cohort.csv", "tests.csv", "responders.csv", "criteria.csv", "survival.csv", "relief.csv", "boosters.csv", "journal.csv"} {
		resp := ts.do(t, clin, "GET", "/analytics/"+name, "", "")
		recs, err := csv.NewReader(strings.NewReader(body(resp))).ReadAll()
		if resp.StatusCode != 200 || err != nil || len(recs) < 2 {
			t.Errorf("%s: %d %v %d rows", name, resp.StatusCode, err, len(recs))
		}
	}
	if resp := ts.do(t, clin, "GET", fmt.Sprintf("/patients/%d/outcomes", p.ID), "", ""); resp.StatusCode != 200 || !strings.Contains(body(resp), "Booster suggestion") {
		t.Errorf("patient outcomes: %d", resp.StatusCode)
	}
	if resp := ts.do(t, clin, "GET", fmt.Sprintf("/patients/%d/outcomes.csv", p.ID), "", ""); resp.StatusCode != 200 || !strings.Contains(body(resp), ",relief,") {
		t.Errorf("outcomes.csv: %d %s", resp.StatusCode, body(resp))
	}
	// Outcome definitions: the nurse reads, the clinician changes.
	dpage := body(ts.do(t, clin, "GET", "/outcome-definitions", "", ""))
	if !strings.Contains(dpage, "IMMPACT") {
		t.Fatalf("definitions page")
	}
	v := url.Values{}
	for k, val := range map[string]string{"baseline_day": "1", "baseline_source": "Goldberg 2005", "relief_response": "immpact-30",
		"relief_within_pct": "10", "relief_days": "5", "relief_source": "clinic rule", "booster_lead_days": "7", "booster_source": "clinic rule",
		"resp_count": "1", "resp_0_id": "immpact-30", "resp_0_name": "IMMPACT moderate", "resp_0_pct": "30", "resp_0_source": "Dworkin 2008"} {
		v.Set(k, val)
	}
	v.Add("resp_0_measures", "pain_24h")
	if resp := ts.do(t, nurse, "POST", "/outcome-definitions", jformType, v.Encode()); resp.StatusCode != http.StatusForbidden {
		t.Errorf("nurse saves definitions: %d", resp.StatusCode)
	}
	if resp := ts.do(t, clin, "POST", "/outcome-definitions", jformType, v.Encode()); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("clinician saves definitions: %d %s", resp.StatusCode, body(resp))
	}
	var defs clinic.OutcomeDefinitions
	decode(t, ts.do(t, nurse, "GET", "/api/v1/outcome-definitions", "", ""), &defs)
	if defs.Version != 1 || defs.Definitions.Relief.RelapseDays != 5 || len(defs.Definitions.Responses) != 1 {
		t.Errorf("definitions after save: %+v", defs)
	}
	v.Set("relief_days", "0")
	if resp := ts.do(t, clin, "POST", "/outcome-definitions", jformType, v.Encode()); resp.StatusCode != http.StatusBadRequest ||
		!strings.Contains(body(resp), "relapse_days") {
		t.Errorf("relapse days 0: %d", resp.StatusCode)
	}
}

// The journal, measure and analytics answers match their schemas in
// openapi.json.
func TestJournalOpenAPISchemas(t *testing.T) {
	ts := newTestServer(t, store.SQLite)
	doc := loadOpenAPI(t, ts)
	me := ts.demo.Patients[0]
	pat := ts.client(t, clinic.RolePatient)
	clin := ts.client(t, clinic.RoleClinician)
	cases := []struct {
		c                  *http.Client
		method, path, body string
		status             int
		schema             string
	}{
		{pat, "POST", fmt.Sprintf("/api/v1/patients/%d/journal", me.ID), `{"pain_now": 4, "phq9": {"items": [0,1,0,1,0,0,0,0,0]}}`, 201, "JournalEntry"},
		{pat, "GET", fmt.Sprintf("/api/v1/patients/%d/journal", me.ID), "", 200, "JournalList"},
		{pat, "POST", fmt.Sprintf("/api/v1/patients/%d/journal", me.ID), `{"pain_now": "x"}`, 400, "Error"},
		{pat, "GET", fmt.Sprintf("/api/v1/patients/%d/measures", me.ID), "", 200, "MeasureList"},
		{clin, "POST", fmt.Sprintf("/api/v1/patients/%d/measures", me.ID), `{"kind":"tug","measured_on":"2026-01-02","value":"19","unit":"s"}`, 201, "FunctionalMeasure"},
		{clin, "PUT", fmt.Sprintf("/api/v1/patients/%d/journal/day1", me.ID), `{"day1":"nope"}`, 400, "Error"},
		{clin, "GET", "/api/v1/outcome-definitions", "", 200, "OutcomeDefinitions"},
		{clin, "GET", "/api/v1/analytics/cohort", "", 200, "CohortReport"},
		{clin, "GET", "/api/v1/analytics/survival", "", 200, "SurvivalDoc"},
		{clin, "GET", fmt.Sprintf("/api/v1/patients/%d/outcomes", me.ID), "", 200, "PatientOutcomes"},
		{pat, "GET", "/api/v1/analytics/cohort", "", 403, "Error"},
	}
	for _, c := range cases {
		resp := ts.do(t, c.c, c.method, c.path, "application/json", c.body)
		if resp.StatusCode != c.status {
			t.Errorf("%s %s: status %d, want %d: %s", c.method, c.path, resp.StatusCode, c.status, body(resp))
			continue
		}
		var v any
		decode(t, resp, &v)
		if err := validate(doc, schema{Ref: "#/components/schemas/" + c.schema}, v, "$"); err != nil {
			t.Errorf("%s %s: %v", c.method, c.path, err)
		}
	}
}
