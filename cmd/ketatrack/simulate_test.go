package main

import (
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var updatePKGolden = flag.Bool("update-pk-golden", false, "rewrite the simulate/models golden files")

// pkTestdata holds the regimen files and golden outputs of the pk commands.
const pkTestdata = "../../internal/pk/testdata"

func pkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join(pkTestdata, "cli", name)
	if *updatePKGolden {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/ketatrack -run Golden -update-pk-golden)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file; diff it with -update-pk-golden and git diff", name)
	}
}

// Golden outputs. The numbers were produced by this engine, whose accuracy
// the internal/pk tests check against closed forms, RK45 and R deSolve
// (bench/population.sh); these files catch unintended changes.
func TestSimulateGolden(t *testing.T) {
	reg := filepath.Join(pkTestdata, "schwartzman-2days.json")
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"fanta-otto-s.csv", []string{"simulate", "--model", "fanta-otto-s", "--weight", "70kg", "--regimen", reg, "--until", "48h", "--step", "1h", "--csv"}},
		{"dahan-population.csv", []string{"simulate", "--model", "dahan-2011-relief", "--weight", "70kg", "--regimen", reg, "--until", "36h", "--step", "2h", "--population", "200", "--seed", "7", "--csv"}},
		{"fanta-otto-s.json", []string{"simulate", "--model", "fanta-otto-s", "--weight", "70kg", "--regimen", reg, "--until", "12h", "--step", "3h", "--threshold", "100ng/mL", "--json"}},
		{"models-show-herd.json", []string{"models", "show", "herd-2007", "--weight", "30kg", "--json"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, "", tc.args...)
			if code != exitOK {
				t.Fatalf("status %d: %s", code, stderr)
			}
			pkGolden(t, tc.name, stdout)
		})
	}
}

// The CSV follows the contract (shared/PRODUCT.md): header, one row per
// grid time from 0 to --until inclusive, the value just after a bolus at
// its time.
func TestSimulateCSVContract(t *testing.T) {
	reg := filepath.Join(pkTestdata, "schwartzman-2days.json")
	code, stdout, stderr := runCmd(t, "", "simulate", "--model", "fanta-otto-s", "--weight", "70kg", "--regimen", reg, "--until", "31h", "--step", "30min", "--csv")
	if code != exitOK {
		t.Fatalf("status %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if lines[0] != "time_h,ketamine_ng_mL,norketamine_ng_mL" {
		t.Errorf("header %q", lines[0])
	}
	if len(lines) != 1+63 { // 0, 0.5, …, 31 h
		t.Errorf("%d rows, want 63", len(lines)-1)
	}
	row := func(i int) []float64 {
		var vs []float64
		for _, f := range strings.Split(lines[1+i], ",") {
			v, _ := strconv.ParseFloat(f, 64)
			vs = append(vs, v)
		}
		return vs
	}
	// the 7 mg bolus at 30 h (0.1 mg/kg × 70 kg) into V1 = 133 L adds
	// 1000·7/133 = 52.63 ng/mL at once (Otto 2021 Table 3): compare with
	// the same regimen without the bolus
	noBolus := filepath.Join(t.TempDir(), "r.json")
	os.WriteFile(noBolus, []byte(`{"drug": "s-ketamine", "doses": [{"start": "0h", "duration": "4h", "rate": "0.35mg/kg/h"}, {"start": "24h", "duration": "4h", "rate": "0.35mg/kg/h"}]}`), 0o644)
	_, out2, _ := runCmd(t, "", "simulate", "--model", "fanta-otto-s", "--weight", "70kg", "--regimen", noBolus, "--until", "31h", "--step", "30min", "--csv")
	at := row(60)
	other, _ := strconv.ParseFloat(strings.Split(strings.Split(out2, "\n")[61], ",")[1], 64)
	if at[0] != 30 || math.Abs((at[1]-other)-1000*7.0/133) > 1e-5 {
		t.Errorf("at 30 h: %v vs %v without the bolus; want a jump of %v ng/mL", at[1], other, 1000*7.0/133)
	}
	if row(62)[0] != 31 {
		t.Errorf("last row %v, want 31 h", row(62))
	}
}

func TestSimulateJSONContract(t *testing.T) {
	reg := filepath.Join(pkTestdata, "schwartzman-2days.json")
	code, stdout, stderr := runCmd(t, "", "simulate", "--model", "fanta-otto-s", "--weight", "70kg", "--regimen", reg, "--until", "24h", "--population", "100", "--seed", "3", "--json")
	if code != exitOK {
		t.Fatalf("status %d: %s", code, stderr)
	}
	var doc struct {
		Model    string                          `json:"model"`
		WeightKg float64                         `json:"weight_kg"`
		Times    []float64                       `json:"times_h"`
		Outputs  map[string]map[string][]float64 `json:"outputs"`
		Summary  map[string]map[string]float64   `json:"summary"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Model != "fanta-otto-s" || doc.WeightKg != 70 || len(doc.Times) != 289 {
		t.Errorf("model %q weight %v times %d", doc.Model, doc.WeightKg, len(doc.Times))
	}
	for _, name := range []string{"ketamine_ng_mL", "norketamine_ng_mL"} {
		b := doc.Outputs[name]
		if len(b["p5"]) != 289 || len(b["p50"]) != 289 || len(b["p95"]) != 289 {
			t.Fatalf("%s: band lengths %d %d %d", name, len(b["p5"]), len(b["p50"]), len(b["p95"]))
		}
		for i := range b["p50"] {
			if !(b["p5"][i] <= b["p50"][i] && b["p50"][i] <= b["p95"][i]) {
				t.Fatalf("%s at %v h: p5 %v p50 %v p95 %v out of order", name, doc.Times[i], b["p5"][i], b["p50"][i], b["p95"][i])
			}
		}
		if _, ok := doc.Summary[name]["cmax"]; !ok {
			t.Errorf("%s: no summary", name)
		}
	}
}

// Bad input: exit 2 and one line on stderr naming the field.
func TestSimulateBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := filepath.Join(pkTestdata, "schwartzman-2days.json")
	racemic := filepath.Join(pkTestdata, "schwartzman-racemic.yaml")
	for _, tc := range []struct {
		name  string
		args  []string
		field string
	}{
		{"no model", []string{"--weight", "70kg", "--regimen", good}, "--model"},
		{"unknown model", []string{"--model", "propofol-marsh", "--weight", "70kg", "--regimen", good}, "--model"},
		{"no weight", []string{"--model", "fanta-otto-s", "--regimen", good}, "--weight"},
		{"negative weight", []string{"--model", "fanta-otto-s", "--weight", "-70kg", "--regimen", good}, "--weight"},
		{"unitless weight", []string{"--model", "fanta-otto-s", "--weight", "70", "--regimen", good}, "--weight"},
		{"absurd weight", []string{"--model", "fanta-otto-s", "--weight", "700kg", "--regimen", good}, "--weight"},
		{"grams for kg", []string{"--model", "fanta-otto-s", "--weight", "70g", "--regimen", good}, "--weight"},
		{"no regimen", []string{"--model", "fanta-otto-s", "--weight", "70kg"}, "--regimen"},
		{"missing file", []string{"--model", "fanta-otto-s", "--weight", "70kg", "--regimen", filepath.Join(dir, "nope.json")}, "--regimen"},
		{"unitless rate", []string{"--model", "fanta-otto-s", "--weight", "70kg", "--regimen", filepath.Join(pkTestdata, "bad-unitless.json")}, "doses[0].rate"},
		{"bad yaml", []string{"--model", "fanta-otto-s", "--weight", "70kg", "--regimen", write("b.yaml", "drug: s-ketamine\ndoses:\n  - {start: 0h, bolus: 5 mg/kg/h}\n")}, "doses[0].bolus"},
		{"drug mismatch", []string{"--model", "fanta-otto-s", "--weight", "70kg", "--regimen", racemic}, "drug"},
		{"bad step", []string{"--model", "fanta-otto-s", "--weight", "70kg", "--regimen", good, "--step", "5"}, "--step"},
		{"zero until", []string{"--model", "fanta-otto-s", "--weight", "70kg", "--regimen", good, "--until", "0h"}, "--until"},
		{"bad threshold", []string{"--model", "fanta-otto-s", "--weight", "70kg", "--regimen", good, "--threshold", "100"}, "--threshold"},
		{"population without IIV", []string{"--model", "hijazi-2003", "--weight", "70kg", "--regimen", racemic, "--population", "10"}, "--population"},
		{"negative population", []string{"--model", "fanta-otto-s", "--weight", "70kg", "--regimen", good, "--population", "-3"}, "--population"},
		{"seed alone", []string{"--model", "fanta-otto-s", "--weight", "70kg", "--regimen", good, "--seed", "4"}, "--seed"},
		{"json and csv", []string{"--model", "fanta-otto-s", "--weight", "70kg", "--regimen", good, "--json", "--csv"}, "--json"},
		{"protocol details unfilled", []string{"--model", "kamp-2020-racemic", "--weight", "70kg", "--protocol", "goldberg-2005"}, "--set"},
		{"unknown protocol", []string{"--model", "kamp-2020-racemic", "--weight", "70kg", "--protocol", "nope-1999"}, "--protocol"},
		{"protocol drug mismatch", []string{"--model", "fanta-otto-s", "--weight", "70kg", "--protocol", "goldberg-2005", "--set", "daily-step=linear", "--set", "midazolam-route=IV"}, "drug"},
		{"regimen and protocol", []string{"--model", "fanta-otto-s", "--weight", "70kg", "--protocol", "goldberg-2005", "--regimen", good}, "--regimen"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, "", append([]string{"simulate"}, tc.args...)...)
			if code != exitBadInput {
				t.Errorf("status %d, want %d (stderr %q)", code, exitBadInput, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout not empty: %q", stdout)
			}
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if len(lines) != 1 || !strings.Contains(stderr, tc.field) {
				t.Errorf("stderr %q: want one line naming %s", stderr, tc.field)
			}
		})
	}
}

// --protocol expands the protocol library's plan (package protocol) and
// simulates its doses: Goldberg 2005 gives 40 mg over 4 h on day 1
// (seed 003_55ad5919aae10607.txt), so the first 4 h run at 10 mg/h.
func TestSimulateProtocol(t *testing.T) {
	code, stdout, stderr := runCmd(t, "", "simulate", "--model", "kamp-2020-racemic", "--weight", "70kg", "--protocol", "goldberg-2005",
		"--set", "daily-step=linear", "--set", "midazolam-route=IV", "--until", "4h", "--step", "4h", "--csv")
	if code != exitOK {
		t.Fatalf("status %d: %s", code, stderr)
	}
	// one compartment, V 252 L, CL 79 L/h (Kamp 2020 abstract): at 4 h of
	// 10 mg/h, C = 1000·R/CL·(1 − e^{−CL/V·4}) ng/mL
	want := 1000 * 10 / 79.0 * -math.Expm1(-79.0/252*4)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	got, _ := strconv.ParseFloat(strings.Split(lines[2], ",")[1], 64)
	if math.Abs(got-want) > 1e-6*want {
		t.Errorf("ketamine at 4 h = %v, want %v", got, want)
	}
}

func TestSimulateSVG(t *testing.T) {
	out := filepath.Join(t.TempDir(), "plot.svg")
	reg := filepath.Join(pkTestdata, "schwartzman-2days.json")
	code, _, stderr := runCmd(t, "", "simulate", "--model", "dahan-2011-relief", "--weight", "70kg", "--regimen", reg, "--until", "72h", "--population", "100", "--svg", out, "--csv")
	if code != exitOK {
		t.Fatalf("status %d: %s", code, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	svg := string(b)
	for _, want := range []string{"<svg", "Plasma concentrations", "5th–95th percentile", "pain relief", "MODEL NOT VALIDATED", "</svg>"} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	if !strings.Contains(stderr, "not validated") {
		t.Errorf("no warning about the unvalidated model on stderr: %q", stderr)
	}
}

func TestModelsCommand(t *testing.T) {
	code, stdout, _ := runCmd(t, "", "models", "--json")
	if code != exitOK {
		t.Fatalf("status %d", code)
	}
	var list struct {
		Models []struct {
			ID        string `json:"id"`
			Validated bool   `json:"validated"`
		} `json:"models"`
	}
	if err := json.Unmarshal([]byte(stdout), &list); err != nil || len(list.Models) < 3 {
		t.Fatalf("models --json: %v, %d models", err, len(list.Models))
	}
	code, stdout, stderr := runCmd(t, "", "models", "show", "fanta-otto-s", "--weight", "70kg", "--json")
	if code != exitOK {
		t.Fatalf("show: %d %s", code, stderr)
	}
	var doc struct {
		States     []string                  `json:"states"`
		Matrix     [][]float64               `json:"matrix_per_h"`
		DoseState  string                    `json:"dose_state"`
		Outputs    map[string]map[string]any `json:"outputs"`
		Parameters map[string]map[string]any `json:"parameters"`
		WeightKg   float64                   `json:"weight_kg"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Matrix) != len(doc.States) || doc.DoseState != "ketamine_central" || doc.WeightKg != 70 {
		t.Errorf("matrix %d×?, states %d, dose %q", len(doc.Matrix), len(doc.States), doc.DoseState)
	}
	// V1 of S-ketamine at 70 kg is 133 L (Fanta 2015 via Otto 2021 Table 3)
	if v := doc.Outputs["ketamine_ng_mL"]["volume_L"]; v != 133.0 {
		t.Errorf("ketamine volume %v, want 133", v)
	}
	for name, p := range doc.Parameters {
		if p["source"] == "" || p["unit"] == nil || p["value"] == nil {
			t.Errorf("parameter %s lacks value, unit or source: %v", name, p)
		}
	}
	for _, tc := range [][]string{
		{"models", "show", "nope", "--weight", "70kg"},
		{"models", "show", "fanta-otto-s"},
		{"models", "show", "fanta-otto-s", "--weight", "0kg"},
		{"models", "show"},
		{"models", "list"},
	} {
		if code, _, stderr := runCmd(t, "", tc...); code != exitBadInput || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%v: status %d stderr %q", tc, code, stderr)
		}
	}
}

// TestSimulateTextFooter checks the reading aids of the text output: a weight
// given in pounds is shown to 6 significant digits (154 lb × 0.45359237 kg/lb,
// the exact international pound, = 69.8532 kg), and the row note names the
// grid step in the flag's units with a correct ordinal.
func TestSimulateTextFooter(t *testing.T) {
	code, out, errOut := runCmd(t, "", "simulate", "--model", "domino-1984", "--weight", "154lb",
		"--protocol", "goldberg-2005", "--set", "daily-step=linear", "--set", "midazolam-route=IV",
		"--until", "8h", "--step", "1h")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	for _, want := range []string{"Weight: 69.8532 kg ", "Every row of a 1 h grid shown;"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, c := range []struct {
		every int
		step  time.Duration
		want  string
	}{
		{1, 5 * time.Minute, "Every row of a 5 min grid shown"},
		{2, time.Hour, "Every 2nd row of a 1 h grid shown"},
		{3, 30 * time.Second, "Every 3rd row of a 30 s grid shown"},
		{11, time.Minute, "Every 11th row of a 1 min grid shown"},
		{21, 90 * time.Minute, "Every 21st row of a 90 min grid shown"},
		{112, 1500 * time.Millisecond, "Every 112th row of a 1.5s grid shown"},
	} {
		if got := rowsShown(c.every, c.step); got != c.want {
			t.Errorf("rowsShown(%d, %v) = %q, want %q", c.every, c.step, got, c.want)
		}
	}
}
