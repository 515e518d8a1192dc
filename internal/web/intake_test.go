package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/crps"
	"github.com/ketatrack/ketatrack/internal/screening"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// HTTP tests of intake, CRPS diagnosis and screening (issue 7), through the
// real handler on both engines: pages and API over the same store.

const form = "application/x-www-form-urlencoded"

type apiErr struct {
	Error struct{ Code, Message, Field string } `json:"error"`
}

// wantAPIError checks a 4xx JSON error naming field.
func wantAPIError(t *testing.T, resp *http.Response, status int, field string) {
	t.Helper()
	var e apiErr
	decode(t, resp, &e)
	if resp.StatusCode != status || e.Error.Field != field {
		t.Errorf("status %d field %q (%s), want %d on %q", resp.StatusCode, e.Error.Field, e.Error.Message, status, field)
	}
}

// wantPage checks an HTML answer's status and that it contains every text.
func wantPage(t *testing.T, resp *http.Response, status int, texts ...string) string {
	t.Helper()
	b := body(resp)
	if resp.StatusCode != status {
		t.Errorf("status %d, want %d", resp.StatusCode, status)
	}
	for _, s := range texts {
		if !strings.Contains(b, s) {
			t.Errorf("page lacks %q", s)
		}
	}
	return b
}

func mustStatus(t *testing.T, resp *http.Response, status int) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, status, body(resp))
	}
}

func jsonBody(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// budapestForm is the diagnosis page's form: symptoms in 3 of 4 categories
// and signs in 2 of 4 — Budapest clinical criteria met, research criteria
// (all 4 symptom categories) not met (Harden 2007, Pain Med 8:326).
func budapestForm() url.Values {
	v := url.Values{
		"assessment.disproportionate_pain":    {"yes"},
		"assessment.other_diagnosis_explains": {"no"},
		"assessment.symptoms":                 {"symptom.allodynia", "symptom.skin_colour_changes", "symptom.oedema"},
		"assessment.signs":                    {"sign.allodynia_light_touch", "sign.temperature_asymmetry"},
		"history.nerve_injury_confirmed":      {"no"},
	}
	for i, it := range crps.SeverityForms[crps.CSS16].Items {
		st := "absent"
		if i%2 == 0 {
			st = "present" // 8 of 16 items present
		}
		v.Set("severity.items."+it.ID, st)
	}
	return v
}

// screeningForm is the screening page's form with every condition and risk
// answered no and normal vitals taken 30 minutes before serverMonday, spo2
// as given.
func screeningForm(spo2 string) url.Values {
	v := url.Values{
		"cardiovascular_risk": {"no"}, "liver_risk": {"no"}, "repeated_infusions": {"no"}, "multi_day_continuous": {"no"},
		"vitals.measured_at":    {serverMonday.Add(-30 * time.Minute).Format("2006-01-02T15:04")},
		"vitals.heart_rate_bpm": {"76"}, "vitals.systolic_mmhg": {"122"}, "vitals.diastolic_mmhg": {"80"},
		"vitals.spo2_percent": {spo2}, "vitals.respiratory_rate_per_min": {"14"},
	}
	for _, c := range screening.Conditions {
		v.Set("conditions."+c.ID, "no")
	}
	return v
}

// A new patient goes through intake, diagnosis (Budapest clinical criteria
// met) and screening (cleared, with a clinician's decision); bad input is
// refused with the field named on the page and in the API, and nothing
// recorded is lost or altered.
func TestWorkupFlowHTTP(t *testing.T) {
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) {
			ts := newTestServer(t, e)
			nurse := ts.client(t, clinic.RoleNurse)
			doc := ts.client(t, clinic.RoleClinician)

			resp := ts.do(t, nurse, "POST", "/api/v1/patients", "application/json",
				`{"mrn":"W-1","given_name":"Wren","family_name":"Walker","birth_date":"1979-05-04","sex":"female"}`)
			mustStatus(t, resp, 201)
			var p clinic.Patient
			decode(t, resp, &p)
			base := fmt.Sprintf("/api/v1/patients/%d", p.ID)
			pageBase := fmt.Sprintf("/patients/%d", p.ID)

			// Intake: a weight without its unit is refused, on the page and in the API.
			intake := map[string]any{
				"weight": "70", "height": "168cm",
				"presentation": map[string]any{"inciting_event": "fracture", "affected_limbs": []string{"right_lower"}, "onset": "2025-02-01"},
				"medications": []map[string]any{
					{"name": "oxycodone IR", "opioid": map[string]any{"opioid": "oxycodone", "route": "oral", "dose_each": "5mg", "times_per_day": 4}},
					{"name": "duloxetine", "dose": "60 mg once a day"},
				},
				"prior_treatments": []map[string]any{{"treatment": "physical_therapy", "relief": "up_to_8_weeks"}, {"treatment": "nsaids", "relief": "none"}},
			}
			wantAPIError(t, ts.do(t, nurse, "POST", base+"/intakes", "application/json", jsonBody(t, intake)), 400, "weight")
			page := wantPage(t, ts.do(t, nurse, "POST", pageBase+"/intake", form, url.Values{
				"weight": {"70"}, "presentation.inciting_event": {"fracture"}, "presentation.affected_limbs": {"right_lower"},
				"rows": {"3"}, "medications[0].name": {"oxycodone IR"}, "medications[0].opioid.opioid": {"oxycodone"},
				"medications[0].opioid.route": {"oral"}, "medications[0].opioid.dose_each": {"5mg"}, "medications[0].opioid.times_per_day": {"4"},
			}.Encode()), 400, "a number without a unit is ambiguous", `value="70"`, `value="5mg"`)
			if !strings.Contains(page, `id="f-weight" name="weight" type="text" value="70" required autocomplete="off" aria-invalid="true"`) {
				t.Errorf("the weight input is not marked invalid")
			}
			// A dose without unit in a medication row is named by its row.
			wantAPIError(t, ts.do(t, nurse, "POST", base+"/intakes", "application/json",
				strings.Replace(strings.Replace(jsonBody(t, intake), `"5mg"`, `"5"`, 1), `"weight":"70"`, `"weight":"70kg"`, 1)), 400, "medications[0].opioid.dose_each")
			var sum clinic.WorkupSummary
			decode(t, ts.do(t, nurse, "GET", base+"/workup", "", ""), &sum)
			if sum.Intake != nil || sum.Weight != nil || sum.Height != nil {
				t.Fatalf("a refused intake left records: %+v", sum)
			}

			intake["weight"] = "154lb"
			resp = ts.do(t, nurse, "POST", base+"/intakes", "application/json", jsonBody(t, intake))
			mustStatus(t, resp, 201)
			var it clinic.Intake
			decode(t, resp, &it)
			// CDC 2022: oxycodone factor 1.5; 5 mg × 4/day = 20 mg/day → 30 MME/day.
			if it.MME.TotalMMEPerDay != 30 || it.MME.Table != "cdc-2022" || it.Weight == nil || it.Weight.Weight.String() != "154lb" {
				t.Errorf("intake %+v", it)
			}
			wantPage(t, ts.do(t, nurse, "GET", pageBase+"/intake", "", ""), 200, "30 MME/day", "CDC 2022 MME conversion factors",
				"154 lb (69.85 kg)", "right lower limb", "relief up to 8 weeks")

			// Diagnosis: nurses may not; an incomplete form is refused.
			mustStatus(t, ts.do(t, nurse, "POST", pageBase+"/diagnosis", form, budapestForm().Encode()), 403)
			inc := budapestForm()
			inc.Del("assessment.disproportionate_pain")
			wantPage(t, ts.do(t, doc, "POST", pageBase+"/diagnosis", form, inc.Encode()), 400,
				"not answered: is there continuing pain disproportionate", `value="symptom.oedema" checked`)
			wantAPIError(t, ts.do(t, doc, "POST", base+"/diagnoses", "application/json",
				`{"assessment":{"disproportionate_pain":"","other_diagnosis_explains":"no","symptoms":["symptom.allodynia"],"signs":[]}}`), 400,
				"assessment.disproportionate_pain")
			inc = budapestForm()
			inc.Del("severity.items.sign.allodynia")
			wantPage(t, ts.do(t, doc, "POST", pageBase+"/diagnosis", form, inc.Encode()), 400, "not answered: record present, absent or not_assessable")
			var dl struct{ Diagnoses []clinic.Diagnosis }
			decode(t, ts.do(t, doc, "GET", base+"/diagnoses", "", ""), &dl)
			if len(dl.Diagnoses) != 0 {
				t.Fatalf("refused evaluations stored: %d", len(dl.Diagnoses))
			}
			mustStatus(t, ts.do(t, doc, "POST", pageBase+"/diagnosis", form, budapestForm().Encode()), 303)
			decode(t, ts.do(t, doc, "GET", base+"/diagnoses", "", ""), &dl)
			if len(dl.Diagnoses) != 1 {
				t.Fatalf("%d evaluations", len(dl.Diagnoses))
			}
			res := dl.Diagnoses[0].Result
			if res.Evaluation.Clinical.Outcome != crps.Met || res.Evaluation.Research.Outcome != crps.NotMet ||
				res.Classification.Type != crps.TypeI || res.Severity == nil || res.Severity.Score != 8 {
				t.Errorf("diagnosis %+v", res)
			}
			wantPage(t, ts.do(t, doc, "GET", pageBase+"/diagnosis", "", ""), 200, "CRPS type I", "Budapest clinical criteria:",
				"symptoms in 3 of 4 categories (sensory, vasomotor, sudomotor/oedema) ≥ 3", "clinical criteria met", "research criteria not met",
				"CSS 8/16 (css-16)", "734947007")

			// Screening: SpO2 140 % is refused on the page and in the API.
			wantPage(t, ts.do(t, nurse, "POST", pageBase+"/screening", form, screeningForm("140").Encode()), 400,
				"140 % is impossible", `value="140"`)
			api := map[string]any{"conditions": map[string]string{}, "cardiovascular_risk": "no", "liver_risk": "no", "repeated_infusions": "no",
				"multi_day_continuous": "no", "vitals": map[string]any{"measured_at": ts.now().Add(-time.Hour).UTC().Format(time.RFC3339),
					"heart_rate_bpm": 76, "systolic_mmhg": 122, "diastolic_mmhg": 80, "spo2_percent": 140, "respiratory_rate_per_min": 14}}
			for _, c := range screening.Conditions {
				api["conditions"].(map[string]string)[c.ID] = "no"
			}
			wantAPIError(t, ts.do(t, nurse, "POST", base+"/screenings", "application/json", jsonBody(t, api)), 400, "vitals.spo2_percent")
			var sl struct{ Screenings []clinic.Screening }
			decode(t, ts.do(t, nurse, "GET", base+"/screenings", "", ""), &sl)
			if len(sl.Screenings) != 0 {
				t.Fatalf("a refused screening was stored")
			}
			mustStatus(t, ts.do(t, nurse, "POST", pageBase+"/screening", form, screeningForm("97").Encode()), 303)
			decode(t, ts.do(t, nurse, "GET", base+"/screenings", "", ""), &sl)
			if len(sl.Screenings) != 1 || sl.Screenings[0].Result.Status != screening.Cleared {
				t.Fatalf("screenings %+v", sl.Screenings)
			}
			sid := sl.Screenings[0].ID
			decision := url.Values{"decision.verdict": {"proceed"}, "decision.reason": {"No contraindication; vitals normal."}}.Encode()
			mustStatus(t, ts.do(t, nurse, "POST", fmt.Sprintf("%s/screening/%d/decision", pageBase, sid), form, decision), 403)
			wantAPIError(t, ts.do(t, doc, "POST", fmt.Sprintf("/api/v1/screenings/%d/decisions", sid), "application/json", `{"verdict":"proceed","reason":""}`), 400, "reason")
			mustStatus(t, ts.do(t, doc, "POST", fmt.Sprintf("%s/screening/%d/decision", pageBase, sid), form, decision), 303)
			var dec clinic.ScreeningDecision
			decode(t, ts.do(t, nurse, "GET", base+"/screening-decision", "", ""), &dec)
			if !dec.Current || !dec.Cleared() || dec.ClinicianName != "Dr. Nadia Okafor" || dec.Decision.Clinician != fmt.Sprint(ts.demo.Users[clinic.RoleClinician].ID) {
				t.Errorf("decision %+v", dec)
			}
			// The patient page shows the latest of each.
			wantPage(t, ts.do(t, nurse, "GET", pageBase, "", ""), 200, "Before a course", "154 lb (69.85 kg)", "CRPS type I",
				"proceed", "cleared", "No contraindication; vitals normal.", "signed by Dr. Nadia Okafor")

			// Every save is in the audit log.
			var audit struct {
				Entries []clinic.AuditEntry `json:"entries"`
			}
			decode(t, ts.do(t, doc, "GET", fmt.Sprintf("/api/v1/audit?patient_id=%d&limit=50", p.ID), "", ""), &audit)
			seen := map[string]bool{}
			for _, e := range audit.Entries {
				seen[e.Entity+"/"+e.Action] = true
			}
			for _, k := range []string{"intake/create", "weight/create", "height/create", "crps_diagnosis/create", "screening/create", "screening_decision/sign"} {
				if !seen[k] {
					t.Errorf("audit log lacks %s (has %v)", k, seen)
				}
			}

			// Rights: a patient reads only their own workup.
			pat := ts.client(t, clinic.RolePatient)
			own := ts.demo.Patients[0].ID
			for _, path := range []string{base + "/intakes", base + "/workup", base + "/weights", base + "/diagnoses", base + "/screenings", pageBase + "/intake", pageBase + "/screening"} {
				if r := ts.do(t, pat, "GET", path, "", ""); r.StatusCode != 404 {
					t.Errorf("patient GET %s: %d, want 404", path, r.StatusCode)
				}
			}
			mustStatus(t, ts.do(t, pat, "GET", fmt.Sprintf("/api/v1/patients/%d/intakes", own), "", ""), 200)
			mustStatus(t, ts.do(t, pat, "GET", fmt.Sprintf("/patients/%d/diagnosis", own), "", ""), 200)
			mustStatus(t, ts.do(t, pat, "POST", fmt.Sprintf("/api/v1/patients/%d/weights", own), "application/json", `{"weight":"60kg"}`), 403)
			// Staff of another clinic's patient: not found.
			mustStatus(t, ts.do(t, nurse, "GET", fmt.Sprintf("/api/v1/patients/%d/workup", ts.other.ID), "", ""), 404)
			mustStatus(t, ts.do(t, nurse, "POST", fmt.Sprintf("/api/v1/patients/%d/weights", ts.other.ID), "application/json", `{"weight":"60kg"}`), 404)
		})
	}
}

// Weights recorded on their own: the latest measured is current; a weight
// measured earlier but entered later stays in the history.
func TestWeightsAPI(t *testing.T) {
	ts := newTestServer(t, storetest.Engines[0])
	nurse := ts.client(t, clinic.RoleNurse)
	pid := ts.demo.Patients[10].ID // no weight in the demo data
	base := fmt.Sprintf("/api/v1/patients/%d/weights", pid)
	mustStatus(t, ts.do(t, nurse, "POST", base, "application/json", `{"weight":"68.4kg","measured_at":"2026-01-10T08:00:00Z"}`), 201)
	mustStatus(t, ts.do(t, nurse, "POST", base, "application/json", `{"weight":"69kg","measured_at":"2025-12-01T08:00:00Z","note":"from the GP letter"}`), 201)
	wantAPIError(t, ts.do(t, nurse, "POST", base, "application/json", `{"weight":"68.4"}`), 400, "weight")
	wantAPIError(t, ts.do(t, nurse, "POST", base, "application/json", `{"weight":"68.4 stone"}`), 400, "weight")
	wantAPIError(t, ts.do(t, nurse, "POST", base, "application/json", `{"weight":"68kg","measured_at":"10/01/2026"}`), 400, "measured_at")
	wantAPIError(t, ts.do(t, nurse, "POST", fmt.Sprintf("/api/v1/patients/%d/heights", pid), "application/json", `{"height":"170"}`), 400, "height")
	var l struct{ Weights []clinic.WeightRecord }
	decode(t, ts.do(t, nurse, "GET", base, "", ""), &l)
	if len(l.Weights) < 2 || l.Weights[0].Weight.String() != "68.4kg" {
		t.Errorf("weights %+v", l.Weights)
	}
	// The page form names the field too, and keeps what was typed.
	wantPage(t, ts.do(t, nurse, "POST", fmt.Sprintf("/patients/%d/weights", pid), form, url.Values{"weight.value": {"68,4kg"}}.Encode()), 400,
		"a decimal comma or digit separator is ambiguous", `value="68,4kg"`)
}

// The workup API's responses match the schemas openapi.json gives them
// (demo patient 0 has an intake, an evaluation and a decided screening).
func TestOpenAPIWorkupSchemas(t *testing.T) {
	ts := newTestServer(t, storetest.Engines[0])
	doc := loadOpenAPI(t, ts)
	nurse := ts.client(t, clinic.RoleNurse)
	base := fmt.Sprintf("/api/v1/patients/%d", ts.demo.Patients[0].ID)
	cases := []struct {
		path, schema, list string
	}{
		{base + "/workup", "WorkupSummary", ""},
		{base + "/weights", "WeightRecord", "weights"},
		{base + "/heights", "HeightRecord", "heights"},
		{base + "/intakes", "Intake", "intakes"},
		{base + "/diagnoses", "Diagnosis", "diagnoses"},
		{base + "/screenings", "Screening", "screenings"},
		{base + "/screening-decision", "ScreeningDecision", ""},
		{"/api/v1/workup/reference", "WorkupReference", ""},
	}
	for _, c := range cases {
		resp := ts.do(t, nurse, "GET", c.path, "", "")
		mustStatus(t, resp, 200)
		var v any
		decode(t, resp, &v)
		if c.list == "" {
			if err := validate(doc, schema{Ref: "#/components/schemas/" + c.schema}, v, "$"); err != nil {
				t.Errorf("%s: %v", c.path, err)
			}
			continue
		}
		items, _ := v.(map[string]any)[c.list].([]any)
		if len(items) == 0 {
			t.Errorf("%s: no %s in the demo data", c.path, c.list)
		}
		for _, it := range items {
			if err := validate(doc, schema{Ref: "#/components/schemas/" + c.schema}, it, c.list+"[]"); err != nil {
				t.Errorf("%s: %v", c.path, err)
			}
		}
	}
	var v any
	decode(t, ts.do(t, nurse, "POST", base+"/weights", "application/json", `{"weight":"70"}`), &v)
	if err := validate(doc, schema{Ref: "#/components/schemas/Error"}, v, "$"); err != nil {
		t.Error(err)
	}
}
