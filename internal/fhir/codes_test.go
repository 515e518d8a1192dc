package fhir_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ketatrack/ketatrack/internal/fhir"
	"github.com/ketatrack/ketatrack/internal/store"
)

// Every code in the table has a system, a code, a display and the place it
// was read; local codes are in ketatrack's own systems only.
func TestEveryCodeHasASource(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range fhir.Codes() {
		key := c.System + "|" + c.Code
		if seen[key] {
			t.Errorf("%s listed twice", key)
		}
		seen[key] = true
		if c.System == "" || c.Code == "" || c.Display == "" || c.Source == "" {
			t.Errorf("incomplete code %+v", c)
		}
		if !strings.HasPrefix(c.System, "http://") && !strings.HasPrefix(c.System, fhir.LocalSystem) {
			t.Errorf("%s: system is neither a standard URI nor ketatrack's", key)
		}
	}
}

// Every coding the demo export writes is in the code table, or is one of
// ketatrack's local codes, or a CRPS code from internal/crps: no code
// appears in an export that the table does not cite.
func TestExportedCodesAreInTheTable(t *testing.T) {
	db, _ := demoClinic(t, store.SQLite)
	known := map[string]bool{}
	for _, c := range fhir.Codes() {
		known[c.System+"|"+c.Code] = true
	}
	var walk func(v any)
	missing := map[string]bool{}
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			sys, _ := x["system"].(string)
			code, _ := x["code"].(string)
			if sys != "" && code != "" && sys != fhir.UCUM && !strings.HasPrefix(sys, fhir.LocalSystem) && !known[sys+"|"+code] {
				missing[sys+"|"+code] = true
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
	for _, rs := range exportAll(t, db) {
		for _, r := range rs {
			raw, _ := json.Marshal(r)
			var v any
			_ = json.Unmarshal(raw, &v)
			walk(v)
		}
	}
	for k := range missing {
		t.Errorf("exported code %s is not in the code table", k)
	}
}
