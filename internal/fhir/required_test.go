package fhir_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// The FHIR JSON schema leaves most cardinalities to the profiles (only
// resourceType and a few elements are "required" in it). checkRequired adds
// the elements that R4 itself requires (min 1) for the resources ketatrack
// writes, and for vital-sign Observations the required elements of the US
// Core Vital Signs profile and its specific profiles (US Core STU7: status,
// category vital-signs, code, subject, effective[x], value[x] with value,
// unit, system http://unitsofmeasure.org and code; the profile's LOINC code
// and UCUM units; blood pressure as a panel with systolic and diastolic
// components in mm[Hg]; oxygen saturation coded 2708-6 and 59408-5).
func checkRequired(raw []byte) error {
	var r map[string]any
	if err := json.Unmarshal(raw, &r); err != nil {
		return err
	}
	typ, _ := r["resourceType"].(string)
	name := fmt.Sprintf("%s/%v", typ, r["id"])
	need := map[string][]string{
		"Patient":                  {"id", "identifier", "name", "gender", "birthDate"},
		"Observation":              {"id", "status", "code", "subject"},
		"Condition":                {"id", "subject", "code", "clinicalStatus", "verificationStatus"},
		"MedicationRequest":        {"id", "status", "intent", "subject", "medicationCodeableConcept"},
		"MedicationAdministration": {"id", "status", "subject"},
		"AdverseEvent":             {"id", "actuality", "subject"},
		"QuestionnaireResponse":    {"id", "status", "subject", "questionnaire"},
		"Questionnaire":            {"id", "status", "url"},
		"Provenance":               {"id", "target", "recorded", "agent"},
		"Encounter":                {"id", "status", "class", "subject"},
	}
	for _, el := range need[typ] {
		if _, ok := r[el]; !ok {
			return fmt.Errorf("%s: required element %s missing", name, el)
		}
	}
	switch typ {
	case "MedicationAdministration":
		if r["medicationCodeableConcept"] == nil && r["medicationReference"] == nil {
			return fmt.Errorf("%s: medication[x] missing", name)
		}
		if r["effectiveDateTime"] == nil && r["effectivePeriod"] == nil {
			return fmt.Errorf("%s: effective[x] missing", name)
		}
	case "Observation":
		if hasCategory(r, "vital-signs") {
			return checkVital(name, r)
		}
	}
	return nil
}

func hasCategory(r map[string]any, code string) bool {
	cats, _ := r["category"].([]any)
	for _, c := range cats {
		for _, cd := range codings(c) {
			if cd[0] == "http://terminology.hl7.org/CodeSystem/observation-category" && cd[1] == code {
				return true
			}
		}
	}
	return false
}

// codings returns [system, code] of each coding of a CodeableConcept.
func codings(cc any) [][2]string {
	m, _ := cc.(map[string]any)
	list, _ := m["coding"].([]any)
	var out [][2]string
	for _, c := range list {
		cm, _ := c.(map[string]any)
		s, _ := cm["system"].(string)
		k, _ := cm["code"].(string)
		out = append(out, [2]string{s, k})
	}
	return out
}

func loincCodes(cc any) []string {
	var out []string
	for _, c := range codings(cc) {
		if c[0] == "http://loinc.org" {
			out = append(out, c[1])
		}
	}
	return out
}

// checkQuantity checks a US Core vital-sign Quantity: value, unit, UCUM
// system and a code among units.
func checkQuantity(name string, q any, units ...string) error {
	m, ok := q.(map[string]any)
	if !ok {
		return fmt.Errorf("%s: valueQuantity missing", name)
	}
	if _, ok := m["value"].(float64); !ok {
		return fmt.Errorf("%s: valueQuantity.value missing", name)
	}
	if u, _ := m["unit"].(string); u == "" {
		return fmt.Errorf("%s: valueQuantity.unit missing", name)
	}
	if m["system"] != "http://unitsofmeasure.org" {
		return fmt.Errorf("%s: valueQuantity.system is %v, want UCUM", name, m["system"])
	}
	if code, _ := m["code"].(string); !slices.Contains(units, code) {
		return fmt.Errorf("%s: valueQuantity.code %q, want one of %s", name, code, strings.Join(units, " "))
	}
	return nil
}

func checkVital(name string, r map[string]any) error {
	if r["status"] == nil || r["effectiveDateTime"] == nil && r["effectivePeriod"] == nil {
		return fmt.Errorf("%s: US Core vital signs need status and effective[x]", name)
	}
	subj, _ := r["subject"].(map[string]any)
	if ref, _ := subj["reference"].(string); !strings.HasPrefix(ref, "Patient/") {
		return fmt.Errorf("%s: subject must reference a Patient, got %v", name, r["subject"])
	}
	codes := loincCodes(r["code"])
	has := func(c string) bool { return slices.Contains(codes, c) }
	switch {
	case has("8867-4"), has("9279-1"):
		return checkQuantity(name, r["valueQuantity"], "/min")
	case has("29463-7"):
		return checkQuantity(name, r["valueQuantity"], "kg", "g", "[lb_av]")
	case has("8302-2"):
		return checkQuantity(name, r["valueQuantity"], "cm", "[in_i]")
	case has("2708-6"):
		if !has("59408-5") {
			return fmt.Errorf("%s: pulse oximetry needs 2708-6 and 59408-5", name)
		}
		return checkQuantity(name, r["valueQuantity"], "%")
	case has("85354-9"):
		comps, _ := r["component"].([]any)
		found := map[string]bool{}
		for _, c := range comps {
			cm, _ := c.(map[string]any)
			for _, k := range loincCodes(cm["code"]) {
				if k == "8480-6" || k == "8462-4" {
					if err := checkQuantity(name+" component "+k, cm["valueQuantity"], "mm[Hg]"); err != nil {
						return err
					}
					found[k] = true
				}
			}
		}
		if !found["8480-6"] || !found["8462-4"] {
			return fmt.Errorf("%s: blood pressure needs systolic 8480-6 and diastolic 8462-4 components", name)
		}
		return nil
	}
	return fmt.Errorf("%s: vital-signs category with no US Core vital-sign code (%v)", name, codes)
}
