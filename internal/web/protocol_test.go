package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/protocol"
	"github.com/ketatrack/ketatrack/internal/store"
)

// libraryRoutes are the pages and API routes of the protocol and evidence
// library, with an ID that exists.
var libraryRoutes = []string{
	"/protocols", "/protocols/goldberg-2005", "/evidence", "/evidence/schwartzman-2009",
	"/api/v1/protocols", "/api/v1/protocols/goldberg-2005", "/api/v1/evidence", "/api/v1/evidence/schwartzman-2009",
}

// Staff read the library; a patient is refused (403), an anonymous caller
// is sent to log in (pages) or told to (API, 401).
func TestLibraryRights(t *testing.T) {
	ts := newTestServer(t, store.SQLite)
	for _, c := range []struct {
		role clinic.Role
		page int
		api  int
	}{
		{clinic.RoleClinician, 200, 200},
		{clinic.RoleNurse, 200, 200},
		{clinic.RoleAdmin, 200, 200},
		{clinic.RolePatient, 403, 403},
		{"", http.StatusSeeOther, 401},
	} {
		cl := ts.client(t, c.role)
		for _, path := range libraryRoutes {
			want := c.page
			if strings.HasPrefix(path, "/api/") {
				want = c.api
			}
			if resp := ts.do(t, cl, "GET", path, "", ""); resp.StatusCode != want {
				t.Errorf("%q GET %s: %d, want %d", c.role, path, resp.StatusCode, want)
			}
		}
	}
}

// hrefRE and idRE find in-page links and anchors.
var (
	hrefRE = regexp.MustCompile(`href="#([^"]+)"`)
	idRE   = regexp.MustCompile(` id="([^"]+)"`)
)

// The library page lists every protocol with its drug, care area, dose and
// evidence; each protocol's page shows its values with units and sources,
// and every in-page link (a source's reference key, an unspecified key,
// a section) has its anchor on the page.
func TestProtocolPages(t *testing.T) {
	ts := newTestServer(t, store.SQLite)
	cl := ts.client(t, clinic.RoleNurse)
	lib, err := protocol.Builtin()
	if err != nil {
		t.Fatal(err)
	}

	// Quantities are spaced with a no-break space ("0.1\u00a0mg"); the
	// expectations below write a space.
	list := body(ts.do(t, cl, "GET", "/protocols", "", ""))
	if !strings.Contains(list, "0.35\u00a0mg/kg/h") {
		t.Error("/protocols does not keep Schwartzman's 0.35 mg/kg/h together")
	}
	list = strings.ReplaceAll(list, "\u00a0", " ")
	for _, p := range lib.Protocols() {
		if !strings.Contains(list, `<a href="/protocols/`+p.ID+`">`) {
			t.Errorf("/protocols does not link %s", p.ID)
		}
	}
	// Goldberg 2005's row, from goldberg-2005.yaml: 40 mg over the
	// 4-hour session rising to 80 mg, 10 weekday sessions, outpatient.
	row := between(t, list, `<tr id="p-goldberg-2005">`, `</tr>`)
	for _, want := range []string{"racemic", "outpatient", "infusion 40 mg over the session → 80 mg", "10 session(s) of 4 h, weekdays",
		`<a href="/evidence/goldberg-2005">Goldberg et al. 2005</a>`, "Prospective case series, open label, n = 40"} {
		if !strings.Contains(row, want) {
			t.Errorf("/protocols row of goldberg-2005 lacks %q:\n%s", want, row)
		}
	}
	if row := between(t, list, `<tr id="p-koffler-2007">`, `</tr>`); !strings.Contains(row, "ICU") {
		t.Errorf("koffler-2007 (icu) is not shown in the ICU: %s", row)
	}

	for _, p := range lib.Protocols() {
		resp := ts.do(t, cl, "GET", "/protocols/"+p.ID, "", "")
		page := body(resp)
		if resp.StatusCode != 200 {
			t.Errorf("/protocols/%s: %d", p.ID, resp.StatusCode)
			continue
		}
		ids := map[string]bool{}
		for _, m := range idRE.FindAllStringSubmatch(page, -1) {
			ids[m[1]] = true
		}
		for _, m := range hrefRE.FindAllStringSubmatch(page, -1) {
			if !ids[m[1]] {
				t.Errorf("/protocols/%s links #%s, which is not on the page", p.ID, m[1])
			}
		}
		for k := range p.References {
			if !ids["ref-"+k] {
				t.Errorf("/protocols/%s does not list reference %s", p.ID, k)
			}
		}
		for _, u := range p.Unspecified {
			if !ids["unspecified-"+u.Key] {
				t.Errorf("/protocols/%s does not explain unspecified %s", p.ID, u.Key)
			}
		}
		for _, id := range p.Evidence {
			if !strings.Contains(between(t, page, `<section id="studies">`, `</section>`), `<a href="/evidence/`+id+`">`) {
				t.Errorf("/protocols/%s does not link its study %s", p.ID, id)
			}
		}
	}

	// Goldberg 2005 as a clinician reads it; every expected value is in
	// goldberg-2005.yaml (from seed 003 Methods and Results).
	page := strings.ReplaceAll(body(ts.do(t, cl, "GET", "/protocols/goldberg-2005", "", "")), "\u00a0", " ")
	for _, want := range []string{
		"<h1>Goldberg 2005: 4-hour outpatient infusions on 10 weekdays, 40 → 80 mg</h1>",
		`<strong class="value">40 mg</strong>`, `<strong class="value">80 mg</strong>`, `<strong class="value">500 mL</strong>`,
		`<strong class="value">4 h</strong>`, `<strong class="value">weekdays</strong>`,
		// clonidine 0.1 mg PO; midazolam 2-4 mg, route unspecified.
		`<strong class="value">0.1 mg</strong>`, `<strong class="value">PO</strong>`, `<strong class="value">2 mg to 4 mg</strong>`,
		`<a href="#unspecified-midazolam-route"><code>midazolam-route</code></a>`,
		// Alerts: SpO2 < 93 %, heart rate 20 % over baseline; "<" escaped.
		`<strong class="value">SpO2 &lt; 93%</strong>`, `<strong class="value">heart-rate rise over the baseline ≥ 20%</strong>`,
		`<strong class="value">every 15 min</strong>`,
		`<a href="#ref-003" class="ref-key" title="Reference 003">003</a> Methods: &#39;clonidine 0.1 mg orally&#39;`,
		`<dt id="ref-NCT00579085">`, "seed document 003_55ad5919aae10607.txt",
		`<a href="/evidence/goldberg-2005">Goldberg et al. 2005</a>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("/protocols/goldberg-2005 lacks %q", want)
		}
	}
	// Two regimens: the page says the clinician chooses.
	if page := body(ts.do(t, cl, "GET", "/protocols/kirkpatrick-2020", "", "")); !strings.Contains(page, `id="regimen-lower-limb"`) ||
		!strings.Contains(page, `id="regimen-upper-limb"`) || !strings.Contains(page, `<a href="#unspecified-regimen">`) {
		t.Error("/protocols/kirkpatrick-2020 does not show both regimens and the choice between them")
	}
}

// between returns the text of s from the first start to the next end.
func between(t *testing.T, s, start, end string) string {
	t.Helper()
	i := strings.Index(s, start)
	if i < 0 {
		t.Fatalf("%q not found", start)
	}
	j := strings.Index(s[i:], end)
	if j < 0 {
		t.Fatalf("%q not found after %q", end, start)
	}
	return s[i : i+j+len(end)]
}

// Unknown IDs are 404s naming the ID, escaped on the page.
func TestLibraryUnknownID(t *testing.T) {
	ts := newTestServer(t, store.SQLite)
	cl := ts.client(t, clinic.RoleClinician)
	for _, c := range []struct{ path, msg string }{
		{"/api/v1/protocols/nope-2001", `There is no protocol "nope-2001" in the library.`},
		{"/api/v1/evidence/nope-2001", `There is no study or case "nope-2001" in the evidence library.`},
	} {
		resp := ts.do(t, cl, "GET", c.path, "", "")
		var e struct {
			Error struct{ Code, Message string }
		}
		decode(t, resp, &e)
		if resp.StatusCode != 404 || e.Error.Code != clinic.ENOTFOUND || e.Error.Message != c.msg {
			t.Errorf("GET %s: %d %+v, want 404 %q", c.path, resp.StatusCode, e, c.msg)
		}
	}
	for _, path := range []string{"/protocols/", "/evidence/"} {
		resp := ts.do(t, cl, "GET", path+"%3Cscript%3Ealert(1)%3C%2Fscript%3E", "", "")
		page := body(resp)
		if resp.StatusCode != 404 || strings.Contains(page, "<script>alert") ||
			!strings.Contains(page, "&#34;&lt;script&gt;alert(1)&lt;/script&gt;&#34;") {
			t.Errorf("GET %s<script>: %d, page does not name the ID escaped:\n%s", path, resp.StatusCode, page)
		}
	}
}

// A clinic's own protocol with markup in its text is shown escaped, marked
// as the clinic's, linked from the study it cites, and the API gives its
// file's name without the server's directory.
func TestClinicProtocolEscaped(t *testing.T) {
	data, err := os.ReadFile("../protocol/data/goldberg-2005.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(data), "id: goldberg-2005", "id: clinic-goldberg", 1)
	text = regexp.MustCompile(`(?m)^title: .*$`).ReplaceAllString(text, `title: "<script>alert(1)</script> & <b>bold</b>"`)
	text = strings.Replace(text, "setting: \"", "setting: \"<img src=x onerror=alert(2)> ", 1)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "clinic-goldberg.yaml"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	builtin, err := protocol.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	lib, err := builtin.AddDir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	saved := clinic.Protocols
	clinic.Protocols = func() (*protocol.Library, error) { return lib, nil }
	t.Cleanup(func() { clinic.Protocols = saved })

	ts := newTestServer(t, store.SQLite)
	cl := ts.client(t, clinic.RoleClinician)
	const escaped = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"
	for _, path := range []string{"/protocols", "/protocols/clinic-goldberg", "/evidence/goldberg-2005"} {
		page := body(ts.do(t, cl, "GET", path, "", ""))
		if strings.Contains(page, "<script>alert") || strings.Contains(page, "<b>bold") || strings.Contains(page, "<img src=x") {
			t.Errorf("%s shows the protocol's markup unescaped", path)
		}
		if !strings.Contains(page, escaped) {
			t.Errorf("%s does not show the title escaped", path)
		}
	}
	if page := body(ts.do(t, cl, "GET", "/protocols", "", "")); !strings.Contains(between(t, page, `<tr id="p-clinic-goldberg">`, "</tr>"), `<span class="badge">clinic's own</span>`) {
		t.Error("/protocols does not mark the clinic's protocol as its own")
	}
	var doc struct {
		Title   string `json:"title"`
		File    string `json:"file"`
		Builtin bool   `json:"builtin"`
	}
	decode(t, ts.do(t, cl, "GET", "/api/v1/protocols/clinic-goldberg", "", ""), &doc)
	if doc.Title != "<script>alert(1)</script> & <b>bold</b>" || doc.File != "clinic-goldberg.yaml" || doc.Builtin {
		t.Errorf("API: %+v", doc)
	}
	var ev struct {
		Protocols []string `json:"protocols"`
	}
	decode(t, ts.do(t, cl, "GET", "/api/v1/evidence/goldberg-2005", "", ""), &ev)
	if !slices.Equal(ev.Protocols, []string{"clinic-goldberg", "goldberg-2005"}) {
		t.Errorf("goldberg-2005 is cited by %v, want the clinic's protocol too", ev.Protocols)
	}
}

// The library's answers match the schemas openapi.json gives them.
func TestLibraryAPIMatchesOpenAPI(t *testing.T) {
	ts := newTestServer(t, store.SQLite)
	doc := loadOpenAPI(t, ts)
	cl := ts.client(t, clinic.RoleClinician)
	lib, err := protocol.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		path   string
		status int
		schema string
	}{
		{"/api/v1/protocols", 200, "ProtocolList"},
		{"/api/v1/evidence", 200, "EvidenceList"},
		{"/api/v1/evidence?sort=design", 200, "EvidenceList"},
		{"/api/v1/evidence?sort=weight", 400, "Error"},
		{"/api/v1/protocols/nope", 404, "Error"},
		{"/api/v1/evidence/nope", 404, "Error"},
	}
	for _, p := range lib.Protocols() {
		cases = append(cases, struct {
			path   string
			status int
			schema string
		}{"/api/v1/protocols/" + p.ID, 200, "Protocol"})
	}
	for _, e := range lib.Evidence().Entries() {
		cases = append(cases, struct {
			path   string
			status int
			schema string
		}{"/api/v1/evidence/" + e.ID, 200, "EvidenceItem"})
	}
	for _, c := range cases {
		resp := ts.do(t, cl, "GET", c.path, "", "")
		if resp.StatusCode != c.status {
			t.Errorf("GET %s: %d, want %d", c.path, resp.StatusCode, c.status)
			continue
		}
		var v any
		decode(t, resp, &v)
		if err := validate(doc, schema{Ref: "#/components/schemas/" + c.schema}, v, "$"); err != nil {
			t.Errorf("GET %s: %v", c.path, err)
		}
	}
	// The protocol as the API gives it is the protocol file as
	// `ketatrack protocols show ID --json` gives it (protocol's own JSON).
	var got, want map[string]any
	decode(t, ts.do(t, cl, "GET", "/api/v1/protocols/goldberg-2005", "", ""), &got)
	p, _ := lib.Lookup("goldberg-2005")
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	delete(got, "evidence_entries")
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(want)
	if string(gb) != string(wb) {
		t.Errorf("API protocol differs from the protocol's JSON:\n got %s\nwant %s", gb, wb)
	}
}
