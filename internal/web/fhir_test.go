package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/fhir"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

type fhirBundle struct {
	ResourceType string `json:"resourceType"`
	Type         string `json:"type"`
	Total        int    `json:"total"`
	Link         []struct {
		Relation string `json:"relation"`
		URL      string `json:"url"`
	} `json:"link"`
	Entry []struct {
		FullURL  string         `json:"fullUrl"`
		Resource map[string]any `json:"resource"`
	} `json:"entry"`
}

func fhirGet(t *testing.T, ts *testServer, c *http.Client, path string, status int) *http.Response {
	t.Helper()
	resp := ts.do(t, c, "GET", path, "", "")
	if resp.StatusCode != status {
		t.Fatalf("GET %s: status %d, want %d: %.300s", path, resp.StatusCode, status, body(resp))
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/fhir+json") {
		t.Errorf("GET %s: Content-Type %q, want application/fhir+json", path, ct)
	}
	return resp
}

// Every /fhir route is in the CapabilityStatement and every resource type
// the statement names is served: FHIR is described by GET /fhir/metadata
// (not openapi.json, which describes /api/), kept in step like the API's
// description is by TestOpenAPIDescribesEveryRoute.
func TestFHIRCapabilityDescribesEveryRoute(t *testing.T) {
	ts := newTestServer(t, store.SQLite)
	var cs fhir.CapabilityStatement
	decode(t, fhirGet(t, ts, ts.client(t, ""), "/fhir/metadata", 200), &cs)
	if cs.FHIRVersion != "4.0.1" || len(cs.Rest) != 1 {
		t.Fatalf("CapabilityStatement: %+v", cs)
	}
	described := map[string]fhir.CapabilityResource{}
	for _, r := range cs.Rest[0].Resource {
		described[r.Type] = r
	}
	has := func(typ, code string) bool {
		return slices.ContainsFunc(described[typ].Interaction, func(i fhir.CapabilityInteraction) bool { return i.Code == code })
	}
	var fhirRoutes []string
	for _, rt := range ts.web.Routes() {
		if _, path, _ := strings.Cut(rt, " "); strings.HasPrefix(path, "/fhir/") {
			fhirRoutes = append(fhirRoutes, path)
		}
	}
	for _, path := range fhirRoutes {
		switch path {
		case "/fhir/metadata":
		case "/fhir/Patient":
			if !has("Patient", "search-type") {
				t.Errorf("%s not described", path)
			}
		case "/fhir/Patient/{id}":
			if !has("Patient", "read") {
				t.Errorf("%s not described", path)
			}
		case "/fhir/Patient/{id}/$everything":
			if len(described["Patient"].Operation) == 0 || described["Patient"].Operation[0].Name != "everything" {
				t.Errorf("%s not described", path)
			}
		case "/fhir/Questionnaire/{id}":
			if !has("Questionnaire", "read") {
				t.Errorf("%s not described", path)
			}
		case "/fhir/{type}":
			for _, typ := range fhir.SearchTypes {
				if !has(typ, "search-type") {
					t.Errorf("search of %s not described", typ)
				}
			}
		case "/fhir/{type}/{id}":
			for _, typ := range fhir.SearchTypes {
				if !has(typ, "read") {
					t.Errorf("read of %s not described", typ)
				}
			}
		default:
			t.Errorf("route %s is not described in the CapabilityStatement", path)
		}
	}
	for typ := range described {
		if typ != "Patient" && typ != "Questionnaire" && !slices.Contains(fhir.SearchTypes, typ) {
			t.Errorf("the CapabilityStatement describes %s, which no route serves", typ)
		}
	}
}

// $everything: staff of the clinic get the whole record; the patient gets
// their own and nobody else's; another clinic's staff get 404; every
// answer is an audited export; errors are OperationOutcomes.
func TestFHIREverythingRights(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ts := newTestServer(t, db.Engine())
		own := ts.demo.Users[clinic.RolePatient].PatientID
		other := ts.demo.Patients[1]
		clinician := ts.client(t, clinic.RoleClinician)

		var b fhirBundle
		decode(t, fhirGet(t, ts, clinician, fmt.Sprintf("/fhir/Patient/%d/$everything", other.ID), 200), &b)
		if b.ResourceType != "Bundle" || b.Type != "searchset" || b.Total != len(b.Entry) || b.Total < 100 {
			t.Fatalf("bundle: type %s/%s, total %d, %d entries", b.ResourceType, b.Type, b.Total, len(b.Entry))
		}
		types := map[string]int{}
		for _, e := range b.Entry {
			types[e.Resource["resourceType"].(string)]++
			if !strings.HasPrefix(e.FullURL, ts.URL+"/fhir/") {
				t.Errorf("fullUrl %s is not on this server", e.FullURL)
			}
			if subj, ok := e.Resource["subject"].(map[string]any); ok && subj["reference"] != fmt.Sprintf("Patient/%d", other.ID) {
				t.Errorf("%v/%v has subject %v", e.Resource["resourceType"], e.Resource["id"], subj)
			}
		}
		for _, want := range []string{"Patient", "Condition", "MedicationRequest", "MedicationAdministration", "Observation", "Provenance"} {
			if types[want] == 0 {
				t.Errorf("$everything of %s has no %s (%v)", other.MRN, want, types)
			}
		}

		// The patient: their own record, without the audit trail they may
		// not read; another patient's is 404 with an OperationOutcome.
		pat := ts.client(t, clinic.RolePatient)
		var mine fhirBundle
		decode(t, fhirGet(t, ts, pat, fmt.Sprintf("/fhir/Patient/%d/$everything", own), 200), &mine)
		for _, e := range mine.Entry {
			if e.Resource["resourceType"] == "Provenance" {
				t.Errorf("a patient got Provenance from the audit log")
			}
		}
		for _, p := range []*clinic.Patient{other, ts.other} {
			for _, path := range []string{fmt.Sprintf("/fhir/Patient/%d/$everything", p.ID), fmt.Sprintf("/fhir/Patient/%d", p.ID),
				fmt.Sprintf("/fhir/Observation?patient=%d", p.ID)} {
				resp := fhirGet(t, ts, pat, path, 404)
				var oo fhir.OperationOutcome
				decode(t, resp, &oo)
				if oo.ResourceType != "OperationOutcome" || len(oo.Issue) != 1 || oo.Issue[0].Code != "not-found" {
					t.Errorf("GET %s: %+v", path, oo)
				}
				if strings.Contains(body(resp), p.FamilyName) {
					t.Errorf("GET %s shows the other patient", path)
				}
			}
		}
		// Staff of the clinic cannot reach another clinic's patient.
		fhirGet(t, ts, clinician, fmt.Sprintf("/fhir/Patient/%d/$everything", ts.other.ID), 404)

		// Every answer was audited as an export, with what it handed out.
		es, err := ts.db.FindAuditEntries(sysCtx(), clinic.AuditFilter{Action: clinic.ActionExport, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var forOther, forOwn int
		for _, e := range es {
			var ex clinic.Export
			if err := json.Unmarshal(e.After, &ex); err != nil {
				t.Fatal(err)
			}
			switch {
			case e.PatientID == other.ID && ex.Operation == "Patient/$everything" && e.ActorLogin == "clinician":
				forOther++
				if ex.Resources["Observation"] != types["Observation"] {
					t.Errorf("audited %d Observations, handed out %d", ex.Resources["Observation"], types["Observation"])
				}
			case e.PatientID == own && e.ActorLogin == "patient":
				forOwn++
			case e.PatientID == ts.other.ID:
				t.Errorf("a refused export was audited as an export: %+v", e)
			}
		}
		if forOther != 1 || forOwn != 1 {
			t.Errorf("export audit entries: %d for the clinician's, %d for the patient's; want 1 and 1", forOther, forOwn)
		}
	})
}

// Search by patient pages with _count and next links that lead through
// every match exactly once; unknown parameters and a missing patient are
// refused with an OperationOutcome naming the parameter.
func TestFHIRSearchPaging(t *testing.T) {
	ts := newTestServer(t, store.SQLite)
	nurse := ts.client(t, clinic.RoleNurse)
	p := ts.demo.Patients[1]
	var all fhirBundle
	decode(t, fhirGet(t, ts, nurse, fmt.Sprintf("/fhir/Observation?patient=%d&_count=1000", p.ID), 200), &all)
	if all.Total < 30 || len(all.Entry) != all.Total {
		t.Fatalf("observations: total %d, %d entries", all.Total, len(all.Entry))
	}
	seen := map[string]bool{}
	next := fmt.Sprintf("/fhir/Observation?patient=Patient/%d&_count=7", p.ID)
	pages := 0
	for next != "" {
		var page fhirBundle
		decode(t, fhirGet(t, ts, nurse, next, 200), &page)
		pages++
		if page.Total != all.Total || len(page.Entry) > 7 {
			t.Fatalf("page %d: total %d, %d entries", pages, page.Total, len(page.Entry))
		}
		for _, e := range page.Entry {
			if e.Resource["resourceType"] != "Observation" || seen[e.FullURL] {
				t.Errorf("page %d: %s again or not an Observation", pages, e.FullURL)
			}
			seen[e.FullURL] = true
		}
		next = ""
		for _, l := range page.Link {
			if l.Relation == "next" {
				u, err := url.Parse(l.URL)
				if err != nil {
					t.Fatal(err)
				}
				next = u.RequestURI()
			}
		}
	}
	if len(seen) != all.Total || pages != (all.Total+6)/7 {
		t.Errorf("paging saw %d of %d in %d pages", len(seen), all.Total, pages)
	}
	for path, field := range map[string]string{
		"/fhir/Observation": "patient",
		fmt.Sprintf("/fhir/Observation?patient=%d&code=x", p.ID):    "code",
		fmt.Sprintf("/fhir/Observation?patient=%d&_count=-1", p.ID): "_count",
	} {
		var oo fhir.OperationOutcome
		decode(t, fhirGet(t, ts, nurse, path, 400), &oo)
		if oo.Issue[0].Code != "invalid" || len(oo.Issue[0].Expression) != 1 || oo.Issue[0].Expression[0] != field {
			t.Errorf("GET %s: %+v, want invalid on %s", path, oo.Issue, field)
		}
	}
	fhirGet(t, ts, nurse, fmt.Sprintf("/fhir/Immunization?patient=%d", p.ID), 404)
	fhirGet(t, ts, ts.client(t, ""), fmt.Sprintf("/fhir/Patient/%d", p.ID), 401)

	// Finding a patient by MRN, with and without the identifier system.
	var found fhirBundle
	decode(t, fhirGet(t, ts, nurse, "/fhir/Patient?identifier="+url.QueryEscape(fhir.DefaultMRNSystem(p.ClinicID)+"|"+p.MRN), 200), &found)
	if found.Total != 1 || found.Entry[0].Resource["id"] != fmt.Sprint(p.ID) {
		t.Errorf("search by MRN: %+v", found)
	}
	decode(t, fhirGet(t, ts, nurse, "/fhir/Patient?identifier=urn:other|"+p.MRN, 200), &found)
	if found.Total != 0 {
		t.Errorf("an MRN of another system matched: %+v", found)
	}
	decode(t, fhirGet(t, ts, nurse, "/fhir/Patient?identifier="+ts.other.MRN, 200), &found)
	if found.Total != 0 {
		t.Errorf("another clinic's MRN matched: %+v", found)
	}
}

// Every reference in a $everything Bundle resolves on this server with a
// read of the resource it names (GET /fhir/{type}/{id}), and a patient
// cannot read another patient's resource by its id.
func TestFHIRReferencesResolve(t *testing.T) {
	ts := newTestServer(t, store.SQLite)
	clinician := ts.client(t, clinic.RoleClinician)
	p := ts.demo.Patients[1]
	var b fhirBundle
	decode(t, fhirGet(t, ts, clinician, fmt.Sprintf("/fhir/Patient/%d/$everything", p.ID), 200), &b)
	refs := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["reference"].(string); ok && !strings.HasPrefix(ref, "#") {
				refs[ref] = true
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	for _, e := range b.Entry {
		walk(e.Resource)
		refs[fmt.Sprintf("%s/%s", e.Resource["resourceType"], e.Resource["id"])] = true
	}
	if len(refs) < 100 {
		t.Fatalf("only %d references", len(refs))
	}
	for ref := range refs {
		var got map[string]any
		decode(t, fhirGet(t, ts, clinician, "/fhir/"+ref, 200), &got)
		if fmt.Sprintf("%s/%s", got["resourceType"], got["id"]) != ref {
			t.Errorf("GET /fhir/%s gave %s/%s", ref, got["resourceType"], got["id"])
		}
	}
	pat := ts.client(t, clinic.RolePatient)
	for ref := range refs {
		if strings.HasPrefix(ref, "Observation/") {
			fhirGet(t, ts, pat, "/fhir/"+ref, 404)
			break
		}
	}
	fhirGet(t, ts, clinician, "/fhir/Observation/not-an-id", 404)
	fhirGet(t, ts, clinician, fmt.Sprintf("/fhir/Observation/p%d-weight-999999", p.ID), 404)
}
