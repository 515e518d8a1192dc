package web_test

import (
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/protocol"
	"github.com/ketatrack/ketatrack/internal/store"
)

// rowIDRE finds the entries' rows of the evidence list, in page order.
var rowIDRE = regexp.MustCompile(`<tr id="e-([^"]+)">`)

// The evidence list shows every entry, grouped by kind in Table 1's order
// or by design, or sorted by year or by n; an unknown order is a 400
// naming sort.
func TestEvidenceListPage(t *testing.T) {
	ts := newTestServer(t, store.SQLite)
	cl := ts.client(t, clinic.RoleClinician)
	lib, err := protocol.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	entries := lib.Evidence().Entries()
	rows := func(query string) (string, []string) {
		t.Helper()
		resp := ts.do(t, cl, "GET", "/evidence"+query, "", "")
		page := body(resp)
		if resp.StatusCode != 200 {
			t.Fatalf("/evidence%s: %d", query, resp.StatusCode)
		}
		var ids []string
		for _, m := range rowIDRE.FindAllStringSubmatch(page, -1) {
			ids = append(ids, m[1])
		}
		return page, ids
	}

	page, ids := rows("")
	var fileOrder []string
	for _, e := range entries {
		fileOrder = append(fileOrder, e.ID)
	}
	if !slices.Equal(ids, fileOrder) {
		t.Errorf("/evidence rows %v, want the file's order %v", ids, fileOrder)
	}
	// 001 Table 1: the first row is Sheehy et al. 2015, n = 63, 0.1 - 0.3 mg/kg/h.
	row := between(t, page, `<tr id="e-sheehy-2015">`, "</tr>")
	for _, want := range []string{"Sheehy et al. 2015", "Longitudinal, cohort", ">63<", "0.1 - 0.3 mg/kg/h", "1 month", `<a href="/protocols/sheehy-2015" class="protocol-link">sheehy-2015</a>`} {
		if !strings.Contains(row, want) {
			t.Errorf("sheehy-2015 row lacks %q: %s", want, row)
		}
	}
	if !strings.Contains(page, "Studies of the systematic review (001, Table 1)") || !strings.Contains(page, "Case reports, case series and other documents") {
		t.Error("/evidence is not grouped by kind")
	}
	// The sign ± and the review's citation, escaped as text.
	if !strings.Contains(page, "22.2 ± 2.0 mg/h/70 kg") || !strings.Contains(page, "Cureus 2021;13(10):e18910") {
		t.Error("/evidence lacks Sigtermans 2009's dose or the review's citation")
	}

	// By design: A to Z, one heading per design, then by year.
	page, ids = rows("?sort=design")
	headings := regexp.MustCompile(`<tr class="group-row"><th scope="colgroup" colspan="5">([^<]+)</th></tr>`).FindAllStringSubmatch(page, -1)
	var designs []string
	for _, e := range entries {
		if !slices.Contains(designs, e.Design) {
			designs = append(designs, e.Design)
		}
	}
	sort.Strings(designs)
	var got []string
	for _, h := range headings {
		got = append(got, h[1])
	}
	// Designs as printed; "Case report (conference abstract, ...)" sorts
	// after "Case report".
	if !slices.Equal(got, escapeAll(designs)) {
		t.Errorf("design groups %v, want %v", got, designs)
	}
	if len(ids) != len(entries) {
		t.Errorf("by design: %d rows, want %d", len(ids), len(entries))
	}
	// The three randomized trials in year order (001 Table 1): Schwartzman
	// 2009, Sigtermans 2009 (file order within a year), Dahan 2010.
	rct := between(t, page, ">Randomized control trial<", "</tbody>")
	if got := rowIDRE.FindAllStringSubmatch(rct, -1); len(got) != 3 || got[0][1] != "schwartzman-2009" || got[1][1] != "sigtermans-2009" || got[2][1] != "dahan-2011" {
		t.Errorf("randomized trials %v", got)
	}

	// By n: Kirkpatrick 2020 (114) first, then Sheehy 2015 (63), Dahan (60);
	// the clinic article (no n) last.
	_, ids = rows("?sort=n")
	if len(ids) < 3 || ids[0] != "kirkpatrick-2020" || ids[1] != "sheehy-2015" || ids[2] != "dahan-2011" || ids[len(ids)-1] != "innerbloom" {
		t.Errorf("by n: %v", ids)
	}
	// By year: Dworkin 2021 (case) first; Correll 2004 the oldest dated;
	// the undated clinic article last.
	_, ids = rows("?sort=year")
	if ids[0] != "dworkin-2021-case" || ids[len(ids)-2] != "correll-2004" || ids[len(ids)-1] != "innerbloom" {
		t.Errorf("by year: %v", ids)
	}

	resp := ts.do(t, cl, "GET", "/evidence?sort=%3Cb%3E", "", "")
	if page := body(resp); resp.StatusCode != 400 || !strings.Contains(page, "&#34;&lt;b&gt;&#34; is not an order of the evidence list") {
		t.Errorf("/evidence?sort=<b>: %d %s", resp.StatusCode, page)
	}
}

// escapeAll escapes what html/template escapes in the designs.
func escapeAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.NewReplacer("'", "&#39;", `"`, "&#34;").Replace(s)
	}
	return out
}

// One entry's page: citation, design, n, population, dose, schedule,
// follow-up, outcome, the source's discrepancies, and the protocols built
// from it.
func TestEvidenceEntryPage(t *testing.T) {
	ts := newTestServer(t, store.SQLite)
	cl := ts.client(t, clinic.RoleNurse)
	lib, err := protocol.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range lib.Evidence().Entries() {
		resp := ts.do(t, cl, "GET", "/evidence/"+e.ID, "", "")
		page := body(resp)
		if resp.StatusCode != 200 {
			t.Errorf("/evidence/%s: %d", e.ID, resp.StatusCode)
			continue
		}
		section := between(t, page, `<section id="protocols">`, "</section>")
		for _, p := range lib.CitedBy(e.ID) {
			if !strings.Contains(section, `<a href="/protocols/`+p.ID+`">`) {
				t.Errorf("/evidence/%s does not link %s", e.ID, p.ID)
			}
		}
	}
	// 001 Table 1, Sigtermans et al. [24] row: RCT, n = 48 females, and the
	// note that the trial randomised 60.
	page := body(ts.do(t, cl, "GET", "/evidence/sigtermans-2009", "", ""))
	for _, want := range []string{
		"<h1>Sigtermans et al. 2009</h1>",
		"Sigtermans MJ, van Hilten JJ, Bauer MC, Arbous SM, Marinus J, Sarton EY, Dahan A. Ketamine produces effective and long-term pain relief",
		"<dt>Design</dt><dd>Randomized control trial</dd>", "<dt>Patients</dt><dd>48 (females)</dd>",
		"<dt>Age (years)</dt><dd>45 (33 - 57)</dd>", "22.2 ± 2.0 mg/h/70 kg (0.07 mg/kg/hr - 0.43 mg/kg/hr)",
		"held for 4.2 days", "<dt>Follow-up</dt><dd>3 months</dd>", "the trial randomised 60, 48 of them women",
		"Chitneni A, Patil A", // read in the review
		`<a href="/protocols/sigtermans-2009"><strong>sigtermans-2009</strong></a>`, "s-ketamine",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("/evidence/sigtermans-2009 lacks %q", want)
		}
	}
	// A case document gives its outcome; it was read in its own
	// publication, which is not repeated under "Read in".
	page = body(ts.do(t, cl, "GET", "/evidence/goldberg-2005", "", ""))
	if !strings.Contains(page, "<dt>Outcome</dt><dd>Day 1 → day 10: pain 7.54 ± 1.93 → 5.44 ± 2.87") {
		t.Error("/evidence/goldberg-2005 lacks the outcome")
	}
	if strings.Count(page, "Multi-day low dose ketamine infusion for the treatment of complex regional pain syndrome") != 1 {
		t.Error("/evidence/goldberg-2005 repeats its citation")
	}
}

// The inverse relation as the API serves it, over the whole library: for
// every protocol, every entry it cites lists it; for every entry, every
// protocol it lists cites it; and both directions are the data's
// (protocol files' evidence lists).
func TestLibraryAPIInverseRelation(t *testing.T) {
	ts := newTestServer(t, store.SQLite)
	cl := ts.client(t, clinic.RoleClinician)
	lib, err := protocol.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Protocols []struct {
			ID       string `json:"id"`
			Evidence []struct {
				ID string `json:"id"`
			} `json:"evidence"`
		} `json:"protocols"`
	}
	decode(t, ts.do(t, cl, "GET", "/api/v1/protocols", "", ""), &list)
	var ev struct {
		Entries []struct {
			ID        string   `json:"id"`
			Protocols []string `json:"protocols"`
		} `json:"entries"`
	}
	decode(t, ts.do(t, cl, "GET", "/api/v1/evidence", "", ""), &ev)
	if len(list.Protocols) != len(lib.Protocols()) || len(ev.Entries) != len(lib.Evidence().Entries()) {
		t.Fatalf("%d protocols and %d entries served, the library has %d and %d",
			len(list.Protocols), len(ev.Entries), len(lib.Protocols()), len(lib.Evidence().Entries()))
	}
	cites := map[string][]string{} // protocol -> entries, as served by /protocols/{id}
	for _, s := range list.Protocols {
		var doc struct {
			Evidence []string `json:"evidence"`
			Entries  []struct {
				ID string `json:"id"`
			} `json:"evidence_entries"`
		}
		decode(t, ts.do(t, cl, "GET", "/api/v1/protocols/"+s.ID, "", ""), &doc)
		var fromList, fromEntries []string
		for _, e := range s.Evidence {
			fromList = append(fromList, e.ID)
		}
		for _, e := range doc.Entries {
			fromEntries = append(fromEntries, e.ID)
		}
		p, _ := lib.Lookup(s.ID)
		if !slices.Equal(doc.Evidence, p.Evidence) || !slices.Equal(fromList, p.Evidence) || !slices.Equal(fromEntries, p.Evidence) {
			t.Errorf("%s: served evidence %v / %v / %v, its file lists %v", s.ID, doc.Evidence, fromList, fromEntries, p.Evidence)
		}
		cites[s.ID] = doc.Evidence
	}
	listed := map[string][]string{} // entry -> protocols, as served by /evidence/{id}
	for _, e := range ev.Entries {
		var one struct {
			Protocols []string `json:"protocols"`
		}
		decode(t, ts.do(t, cl, "GET", "/api/v1/evidence/"+e.ID, "", ""), &one)
		if !slices.Equal(one.Protocols, e.Protocols) {
			t.Errorf("%s: /evidence/%s lists %v, /evidence %v", e.ID, e.ID, one.Protocols, e.Protocols)
		}
		listed[e.ID] = one.Protocols
	}
	for pid, ids := range cites {
		for _, id := range ids {
			if !slices.Contains(listed[id], pid) {
				t.Errorf("%s cites %s, which lists %v", pid, id, listed[id])
			}
		}
	}
	for id, pids := range listed {
		for _, pid := range pids {
			if !slices.Contains(cites[pid], id) {
				t.Errorf("%s lists %s, which cites %v", id, pid, cites[pid])
			}
		}
	}
}
