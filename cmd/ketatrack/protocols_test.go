package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestProtocolsList(t *testing.T) {
	code, stdout, stderr := runCmd(t, "", "protocols", "--json")
	if code != exitOK {
		t.Fatalf("status %d: %s", code, stderr)
	}
	var doc struct {
		Protocols []protocolSummary `json:"protocols"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	// The 18 rows of CLINICAL.md "Protocols in the seeds".
	if len(doc.Protocols) != 18 {
		t.Errorf("%d protocols, want 18", len(doc.Protocols))
	}
	byID := map[string]protocolSummary{}
	for _, p := range doc.Protocols {
		byID[p.ID] = p
	}
	g := byID["goldberg-2005"]
	if g.Drug != "racemic" || g.CareArea != "outpatient" || !strings.Contains(g.Dose, "40mg over the session -> 80mg") || !strings.Contains(g.Schedule, "weekdays") {
		t.Errorf("goldberg-2005 summary %+v", g)
	}
	if !strings.Contains(strings.Join(g.Unspecified, ","), "daily-step") {
		t.Errorf("goldberg-2005 unspecified %v lacks daily-step", g.Unspecified)
	}
	code, stdout, _ = runCmd(t, "", "protocols")
	if code != exitOK || !strings.Contains(stdout, "kiefer-2008-anesthetic") || !strings.Contains(stdout, "UNSPECIFIED") {
		t.Errorf("text list: status %d\n%s", code, stdout)
	}
}

func TestProtocolsShow(t *testing.T) {
	code, stdout, stderr := runCmd(t, "", "protocols", "show", "goldberg-2005")
	if code != exitOK {
		t.Fatalf("status %d: %s", code, stderr)
	}
	for _, want := range []string{
		"40mg   [003 Methods", "weekdays", "UNSPECIFIED (--set daily-step=...)", "clonidine", "0.1mg",
		"daily-step (titration step)", "+5mg", "003_55ad5919aae10607.txt", "goldberg-2005: Goldberg et al. 2005",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("show lacks %q", want)
		}
	}
	code, stdout, _ = runCmd(t, "", "protocols", "show", "schwartzman-2009", "--json")
	var doc map[string]any
	if code != exitOK || json.Unmarshal([]byte(stdout), &doc) != nil {
		t.Fatalf("status %d, output %.200s", code, stdout)
	}
	if doc["id"] != "schwartzman-2009" || doc["evidence_entries"] == nil || doc["unspecified"] == nil {
		t.Errorf("show --json lacks fields: %v", doc)
	}
	code, _, stderr = runCmd(t, "", "protocols", "show", "nobody-1999")
	if code != exitBadInput || !strings.Contains(stderr, `unknown protocol "nobody-1999"`) {
		t.Errorf("unknown ID: status %d, stderr %q", code, stderr)
	}
	code, _, stderr = runCmd(t, "", "protocols", "frobnicate")
	if code != exitBadInput || !strings.Contains(stderr, "unexpected argument") {
		t.Errorf("bad argument: status %d, stderr %q", code, stderr)
	}
}

func TestEvidence(t *testing.T) {
	code, stdout, stderr := runCmd(t, "", "evidence", "--json")
	if code != exitOK {
		t.Fatalf("status %d: %s", code, stderr)
	}
	var doc struct {
		Entries []struct {
			ID        string   `json:"id"`
			Kind      string   `json:"kind"`
			N         int      `json:"n"`
			Protocols []string `json:"protocols"`
		} `json:"entries"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	studies, patients := 0, 0
	linked := map[string][]string{}
	for _, e := range doc.Entries {
		if e.Kind == "study" {
			studies++
			patients += e.N
		}
		linked[e.ID] = e.Protocols
	}
	// 001: 14 studies, 455 patients.
	if studies != 14 || patients != 455 {
		t.Errorf("%d studies with %d patients, want 14 and 455", studies, patients)
	}
	if got := linked["schwartzman-2009"]; len(got) != 1 || got[0] != "schwartzman-2009" {
		t.Errorf("schwartzman-2009 linked from %v", got)
	}
	code, stdout, _ = runCmd(t, "", "evidence", "show", "kiefer-2008-anesthetic")
	if code != exitOK || !strings.Contains(stdout, "7 mg/kg/h") || !strings.Contains(stdout, "reference numbers are swapped") {
		t.Errorf("evidence show: status %d\n%s", code, stdout)
	}
	code, stdout, _ = runCmd(t, "", "evidence")
	if code != exitOK || !strings.Contains(stdout, "Case documents") || !strings.Contains(stdout, "rasmussen-2013-coma") {
		t.Errorf("evidence list: status %d\n%s", code, stdout)
	}
	code, _, stderr = runCmd(t, "", "evidence", "show", "nobody")
	if code != exitBadInput || !strings.Contains(stderr, "unknown evidence entry") {
		t.Errorf("unknown entry: status %d, %q", code, stderr)
	}
}
