package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateDoseGolden = flag.Bool("update-dose", false, "rewrite the dose command's golden files")

// doseJSON runs dose --json and decodes the one document it prints.
func doseJSON(t *testing.T, args ...string) (int, map[string]any, string) {
	t.Helper()
	code, stdout, stderr := runCmd(t, "", append([]string{"dose", "--json"}, args...)...)
	var doc map[string]any
	if code == exitBadInput {
		if stdout != "" {
			t.Errorf("bad input printed on stdout: %q", stdout)
		}
		return code, nil, stderr
	}
	dec := json.NewDecoder(strings.NewReader(stdout))
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
	}
	if dec.More() {
		t.Fatalf("more than one JSON document on stdout:\n%s", stdout)
	}
	return code, doc, stderr
}

func closeTo(v any, want float64) bool {
	f, ok := v.(float64)
	return ok && math.Abs(f-want) <= 1e-12*math.Abs(want)
}

// The seed cases of issue 3, through the command.
func TestDoseSeedCases(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		status string
		want   map[string]float64 // keys that must be present, with values
		absent []string           // keys that must be omitted
	}{
		// Schwartzman 2009 (001): 0.35 mg/kg/h × 70 kg = 24.5 mg/h;
		// 0.35 × 1000 / 60 = 5.8333… mcg/kg/min.
		{"schwartzman", []string{"--rate", "0.35mg/kg/h", "--weight", "70kg"}, exitOK, "ok",
			map[string]float64{"mg_per_h": 24.5, "mg_per_kg_per_h": 0.35, "mcg_per_kg_per_min": 35.0 / 6}, []string{"ml_per_h"}},
		// Goldberg 2005 (003): 80 mg over 4 h = 20 mg/h, in 500 mL = 125 mL/h.
		{"goldberg", []string{"--rate", "80mg/4h", "--concentration", "80mg/500mL"}, exitOK, "ok",
			map[string]float64{"mg_per_h": 20, "ml_per_h": 125}, []string{"mg_per_kg_per_h", "mcg_per_kg_per_min"}},
		// Sigtermans 2009 (001): 22.2 mg/h/70 kg = 0.317142857… mg/kg/h.
		{"sigtermans", []string{"--rate", "22.2mg/h/70kg", "--weight", "70kg", "--drug", "s-ketamine", "--setting", "inpatient"}, exitOK, "ok",
			map[string]float64{"mg_per_h": 22.2, "mg_per_kg_per_h": 0.31714285714285714}, []string{"ml_per_h"}},
		// Kiefer 2008 (001): 7 mg/kg/h × 70 kg = 490 mg/h: ok in the ICU ...
		{"kiefer icu", []string{"--rate", "7mg/kg/h", "--weight", "70kg", "--setting", "icu"}, exitOK, "ok",
			map[string]float64{"mg_per_h": 490, "mg_per_kg_per_h": 7}, nil},
		// ... refused as outpatient (the default setting).
		{"kiefer outpatient", []string{"--rate", "7mg/kg/h", "--weight", "70kg"}, exitHardLimit, "hard_limit",
			map[string]float64{"mg_per_h": 490, "mg_per_kg_per_h": 7}, nil},
		// Dworkin 2021 (000): 360 mg over 4 h = 90 mg/h, over the outpatient
		// soft max of 80 mg/h (CLINICAL.md).
		{"soft limit", []string{"--rate", "360mg/4h"}, exitSoftLimit, "soft_limit",
			map[string]float64{"mg_per_h": 90}, nil},
		{"soft limit acknowledged", []string{"--rate", "360mg/4h", "--acknowledge", "tolerated 320mg/4h"}, exitOK, "soft_limit",
			map[string]float64{"mg_per_h": 90}, nil},
		{"hard limit acknowledged", []string{"--rate", "7mg/kg/h", "--weight", "70kg", "--acknowledge", "sure"}, exitHardLimit, "hard_limit",
			nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, doc, stderr := doseJSON(t, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %q", code, tt.code, stderr)
			}
			if doc["status"] != tt.status {
				t.Errorf("status %v, want %s", doc["status"], tt.status)
			}
			for k, v := range tt.want {
				if !closeTo(doc[k], v) {
					t.Errorf("%s = %v, want %v", k, doc[k], v)
				}
			}
			for _, k := range tt.absent {
				if _, ok := doc[k]; ok {
					t.Errorf("%s present, want omitted", k)
				}
			}
			if _, ok := doc["input"].(string); !ok {
				t.Error("no input")
			}
			if msgs, ok := doc["messages"].([]any); !ok || len(msgs) == 0 {
				t.Error("no messages")
			}
			lim, ok := doc["limit"].(map[string]any)
			if !ok {
				t.Fatal("no limit")
			}
			for _, k := range []string{"soft_max", "hard_max", "unit", "care_area", "source"} {
				if _, ok := lim[k]; !ok {
					t.Errorf("limit.%s missing", k)
				}
			}
			if code == exitSoftLimit || code == exitHardLimit {
				if strings.Count(stderr, "\n") != 1 {
					t.Errorf("stderr is not one line: %q", stderr)
				}
			}
		})
	}
}

// Golden JSON documents, byte for byte (regenerate with -update-dose and
// review the diff).
func TestDoseGolden(t *testing.T) {
	tests := []struct {
		file string
		args []string
	}{
		{"dose-goldberg.json", []string{"--rate", "80mg/4h", "--concentration", "80mg/500mL"}},
		{"dose-schwartzman.json", []string{"--rate", "0.35mg/kg/h", "--weight", "70kg", "--concentration", "1mg/mL"}},
		{"dose-kiefer-outpatient.json", []string{"--rate", "7mg/kg/h", "--weight", "70kg"}},
		{"dose-mcg-as-mg.json", []string{"--rate", "5mg/kg/min", "--weight", "70kg"}},
	}
	for _, tt := range tests {
		_, stdout, _ := runCmd(t, "", append([]string{"dose", "--json"}, tt.args...)...)
		path := filepath.Join("testdata", tt.file)
		if *updateDoseGolden {
			if err := os.WriteFile(path, []byte(stdout), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal([]byte(stdout), want) {
			t.Errorf("%s differs:\ngot:\n%s\nwant:\n%s", tt.file, stdout, want)
		}
	}
}

func TestDoseBadInput(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "--rate is required"},
		{[]string{"--rate", "0.35"}, `--rate "0.35": a number without a unit is ambiguous`},
		{[]string{"--rate", "0.35mg/kg/h"}, "a weight is needed (give --weight)"},
		{[]string{"--rate", "125mL/h"}, "a concentration is needed"},
		{[]string{"--rate", "0.35mg/kg/h", "--weight", "70"}, `--weight "70"`},
		{[]string{"--rate", "20mg/h", "--concentration", "80mg"}, `--concentration "80mg"`},
		{[]string{"--rate", "20mg/h", "--setting", "ward"}, `--setting "ward": unknown care area`},
		{[]string{"--rate", "20mg/h", "--drug", "ketamine"}, `--drug "ketamine": unknown drug`},
		{[]string{"--rate", "20mg/h", "extra"}, `unexpected argument "extra"`},
		{[]string{"--rate", "20mg/h", "--bolus", "1mg/kg"}, "give one, not both"},
		{[]string{"--rate", "0mg/h"}, "zero"},
		{[]string{"--rate", "NaNmg/h"}, "not a finite number"},
		{[]string{"--rate", "490mg/h", "--setting", "icu"}, "a weight is needed"},
		{[]string{"--rate", "20mg/h", "--druglib", "../../internal/druglib/testdata/bad-soft-above-hard.yaml"}, "--druglib: ../../internal/druglib/testdata/bad-soft-above-hard.yaml: entry 1"},
		{[]string{"--rate", "20mg/h", "--druglib", "testdata/no-such-file.yaml"}, "--druglib"},
		{[]string{"--rate", "20mg/h", "--weight"}, "flag needs an argument"},
	}
	for _, tt := range tests {
		code, stdout, stderr := runCmd(t, "", append([]string{"dose"}, tt.args...)...)
		if code != exitBadInput {
			t.Errorf("%v: exit %d, want %d (stderr %q)", tt.args, code, exitBadInput, stderr)
		}
		if stdout != "" || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: stdout %q stderr %q, want %q", tt.args, stdout, stderr, tt.want)
		}
		if !strings.Contains(tt.want, "flag needs") && strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: stderr is not one line: %q", tt.args, stderr)
		}
	}
}

func TestDoseClinicLibrary(t *testing.T) {
	// good-minimal.yaml: outpatient racemic soft max 40 mg/h, hard max 100.
	lib := "../../internal/druglib/testdata/good-minimal.yaml"
	code, doc, _ := doseJSON(t, "--rate", "50mg/h", "--druglib", lib)
	if code != exitSoftLimit || doc["status"] != "soft_limit" {
		t.Errorf("exit %d %v", code, doc)
	}
	lim := doc["limit"].(map[string]any)
	if lim["soft_max"] != 40.0 || !strings.Contains(lim["source"].(string), "clinic policy") {
		t.Errorf("limit %v", lim)
	}
	// The clinic's file has no inpatient entry: the dose cannot be checked.
	code, _, stderr := runCmd(t, "", "dose", "--rate", "50mg/h", "--setting", "inpatient", "--druglib", lib)
	if code != exitBadInput || !strings.Contains(stderr, "no entry for racemic in inpatient") {
		t.Errorf("exit %d %q", code, stderr)
	}
}

func TestDoseText(t *testing.T) {
	code, stdout, _ := runCmd(t, "", "dose", "--rate", "80mg/4h", "--concentration", "80mg/500mL")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"mg/h         20\n", "mL/h         125\n", "mg/kg/h      - (needs --weight)", "status       ok", "6 significant digits"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("text output lacks %q:\n%s", want, stdout)
		}
	}
	code, stdout, _ = runCmd(t, "", "dose", "--bolus", "3.5mg/kg", "--weight", "70kg")
	if code != exitHardLimit || !strings.Contains(stdout, "mg           245\n") || !strings.Contains(stdout, "ten-fold") {
		t.Errorf("bolus: exit %d\n%s", code, stdout)
	}
}
