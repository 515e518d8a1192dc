package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

var updatePlanGolden = flag.Bool("update-plan", false, "rewrite the plan command's golden files")

// goldenPlan is one worked plan of issue 4: the command, its exit status,
// and the plan re-derived independently of internal/protocol.
type goldenPlan struct {
	file   string
	args   []string
	status int
	expect func(t *testing.T) planExpect
}

// planExpect is a plan computed by the test itself from the protocol's data
// file (read here with a plain YAML decoder) and the clinician's settings:
// a second, simpler calculation, not internal/protocol's code path.
type planExpect struct {
	weightKg float64
	bag      float64   // mg/mL of --bag; 0 without
	diluent  float64   // mL each session's amount is mixed in (source's practice); 0 without
	steps    []expStep // in order
}

type expStep struct {
	day, courseDay int
	date           string
	startH, durH   float64
	mgPerH         float64 // 0 for a bolus
	bolusMg        float64
	status         string // "" = not asserted
}

// protocolYAML reads a protocol data file as generic YAML.
func planYAML(t *testing.T, id string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "internal", "protocol", "data", id+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// at walks a YAML document by keys and indexes and returns the "value" of
// the field found there.
func yAt(t *testing.T, doc any, path ...any) string {
	t.Helper()
	cur := doc
	for _, p := range path {
		switch k := p.(type) {
		case string:
			cur = cur.(map[string]any)[k]
		case int:
			cur = cur.([]any)[k]
		}
	}
	m, ok := cur.(map[string]any)
	if !ok {
		t.Fatalf("%v: not a field: %v", path, cur)
	}
	return fmt.Sprint(m["value"])
}

var leadingNumber = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?`)

// num reads the number a value starts with: "0.35mg/kg/h" is 0.35.
func yNum(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(leadingNumber.FindString(s), 64)
	if err != nil {
		t.Fatalf("%q has no leading number", s)
	}
	return v
}

// weekdays returns the day offsets of n weekday sessions from a Monday.
func planWeekdays(n int) []int {
	var out []int
	for off := 0; len(out) < n; off++ {
		if wd := off % 7; wd < 5 { // 2026-01-05 is a Monday
			out = append(out, off)
		}
	}
	return out
}

func planDate(off int) string {
	return time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC).AddDate(0, 0, off).Format(time.DateOnly)
}

var goldenPlans = []goldenPlan{
	{
		// Goldberg 2005 at 71 kg, 80 mg in 500 mL, clinician's daily step of
		// 5 mg: 40 -> 80 mg over 4 h on 10 weekdays (10 -> 20 mg/h).
		file: "goldberg-2005-71kg.json",
		args: []string{"--protocol", "goldberg-2005", "--weight", "71kg", "--bag", "80mg/500mL", "--start", "2026-01-05",
			"--set", "daily-step=+5mg", "--set", "midazolam-route=IV"},
		expect: func(t *testing.T) planExpect {
			y := planYAML(t, "goldberg-2005")
			reg := []any{"regimens", 0}
			n := int(yNum(t, yAt(t, y, append(reg, "sessions")...)))
			hours := yNum(t, yAt(t, y, append(reg, "session_length")...))
			first := yNum(t, yAt(t, y, append(reg, "doses", 0, "dose")...))
			ceiling := yNum(t, yAt(t, y, append(reg, "doses", 0, "titration", "to")...))
			e := planExpect{weightKg: 71, bag: 80.0 / 500}
			for i, off := range planWeekdays(n) {
				amount := math.Min(first+5*float64(i), ceiling) // the clinician's +5mg
				e.steps = append(e.steps, expStep{day: i + 1, courseDay: off + 1, date: planDate(off), startH: 24 * float64(off), durH: hours, mgPerH: amount / hours, status: "ok"})
			}
			return e
		},
	},
	{
		// Schwartzman 2009 at 70 kg: 0.35 mg/kg/h = 24.5 mg/h, 98 mg per
		// 4-h session, 980 mg for 10 daily sessions; mixed in 100 mL as the
		// trial did, the pump runs at the trial's 25 mL/h.
		file: "schwartzman-2009-70kg.json",
		args: []string{"--protocol", "schwartzman-2009", "--weight", "70kg", "--start", "2026-01-05",
			"--set", "clonidine-dose=0.1mg", "--set", "clonidine-route=PO", "--set", "midazolam-dose=2mg", "--set", "midazolam-route=IV"},
		expect: func(t *testing.T) planExpect {
			y := planYAML(t, "schwartzman-2009")
			reg := []any{"regimens", 0}
			n := int(yNum(t, yAt(t, y, append(reg, "sessions")...)))
			hours := yNum(t, yAt(t, y, append(reg, "session_length")...))
			rate := yNum(t, yAt(t, y, append(reg, "doses", 0, "dose")...)) * 70
			rate = math.Min(rate, yNum(t, yAt(t, y, append(reg, "doses", 0, "max_rate")...)))
			e := planExpect{weightKg: 70, diluent: yNum(t, yAt(t, y, append(reg, "doses", 0, "diluent_volume")...))}
			for i := 0; i < n; i++ {
				e.steps = append(e.steps, expStep{day: i + 1, courseDay: i + 1, date: planDate(i), startH: 24 * float64(i), durH: hours, mgPerH: rate, status: "ok"})
			}
			return e
		},
	},
	{
		// Dahan 2011 at 85 kg: 5 -> 20 mg/h/70 kg scaled by 85/70, raised
		// by the clinician's 5 mg/h/70 kg every 24 h over 100 h.
		file: "dahan-2011-85kg.json",
		args: []string{"--protocol", "dahan-2011", "--weight", "85kg", "--setting", "inpatient", "--start", "2026-01-05",
			"--set", "titration-interval=24h", "--set", "titration-step=+5mg/h/70kg"},
		expect: func(t *testing.T) planExpect {
			y := planYAML(t, "dahan-2011")
			reg := []any{"regimens", 0}
			length := yNum(t, yAt(t, y, append(reg, "length")...))
			first := yNum(t, yAt(t, y, append(reg, "doses", 0, "dose")...))
			ceiling := yNum(t, yAt(t, y, append(reg, "doses", 0, "titration", "to")...))
			e := planExpect{weightKg: 85}
			for k := 0; float64(k)*24 < length; k++ {
				per70 := math.Min(first+5*float64(k), ceiling)
				e.steps = append(e.steps, expStep{day: k + 1, courseDay: k + 1, date: planDate(k), startH: 24 * float64(k),
					durH: math.Min(24, length-24*float64(k)), mgPerH: per70 * 85 / 70, status: "ok"})
			}
			return e
		},
	},
	{
		// Kiefer 2008 at 70 kg in the ICU: 1 mg/kg induction bolus, then
		// 3 -> 7 mg/kg/h rising evenly each day over 5 days: within the ICU limits.
		file:   "kiefer-2008-anesthetic-70kg-icu.json",
		args:   []string{"--protocol", "kiefer-2008-anesthetic", "--weight", "70kg", "--start", "2026-01-05", "--set", "induction-bolus=1mg/kg", "--set", "daily-step=linear"},
		expect: kieferExpect("ok"),
	},
	{
		// The same plan as an outpatient: refused (hard limit, exit 4).
		file:   "kiefer-2008-anesthetic-70kg-outpatient.json",
		args:   []string{"--protocol", "kiefer-2008-anesthetic", "--weight", "70kg", "--setting", "outpatient", "--start", "2026-01-05", "--set", "induction-bolus=1mg/kg", "--set", "daily-step=linear"},
		status: exitHardLimit,
		expect: kieferExpect("hard_limit"),
	},
	{
		// Patil 2012 at 60 kg: 0.5 mg/kg = 30 mg over 30 min (60 mg/h).
		// Ondansetron 4 mg is this test's clinician's choice: no seed gives a dose.
		file:   "patil-2012-60kg-30min.json",
		args:   patilArgs("30min"),
		expect: patilExpect(30.0 / 60),
	},
	{
		// Patil 2012 at 60 kg over 45 min (40 mg/h).
		file:   "patil-2012-60kg-45min.json",
		args:   patilArgs("45min"),
		expect: patilExpect(45.0 / 60),
	},
}

func kieferExpect(status string) func(t *testing.T) planExpect {
	return func(t *testing.T) planExpect {
		y := planYAML(t, "kiefer-2008-anesthetic")
		reg := []any{"regimens", 0}
		days := int(yNum(t, yAt(t, y, append(reg, "length")...))) // "5d"
		first := yNum(t, yAt(t, y, append(reg, "doses", 1, "dose")...))
		ceiling := yNum(t, yAt(t, y, append(reg, "doses", 1, "titration", "to")...))
		e := planExpect{weightKg: 70}
		e.steps = append(e.steps, expStep{day: 1, courseDay: 1, date: planDate(0), bolusMg: 1 * 70, status: status}) // --set induction-bolus=1mg/kg
		for k := 0; k < days; k++ {
			perKg := first + (ceiling-first)*float64(k)/float64(days-1)
			e.steps = append(e.steps, expStep{day: k + 1, courseDay: k + 1, date: planDate(k), startH: 24 * float64(k), durH: 24, mgPerH: perKg * 70, status: status})
		}
		return e
	}
}

func patilArgs(d string) []string {
	return []string{"--protocol", "patil-2012", "--weight", "60kg", "--start", "2026-01-05", "--set", "infusions=1", "--set", "infusion-duration=" + d,
		"--set", "midazolam-dose=2mg", "--set", "midazolam-route=IV", "--set", "ondansetron-dose=4mg", "--set", "ondansetron-route=IV"}
}

func patilExpect(hours float64) func(t *testing.T) planExpect {
	return func(t *testing.T) planExpect {
		y := planYAML(t, "patil-2012")
		mgPerKg := yNum(t, yAt(t, y, "regimens", 0, "doses", 0, "dose"))
		return planExpect{weightKg: 60, steps: []expStep{{day: 1, courseDay: 1, date: planDate(0), durH: hours, mgPerH: mgPerKg * 60 / hours}}}
	}
}

// near compares with a relative tolerance of 1e-9 (the JSON prints 12
// significant digits).
func planNear(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b)) || math.Abs(a-b) < 1e-12
}

func planHours(h float64) string {
	m := int64(math.Round(h * 60))
	switch {
	case m == 0:
		return "0h"
	case m%60 == 0:
		return fmt.Sprintf("%dh", m/60)
	case m < 60:
		return fmt.Sprintf("%dmin", m)
	}
	return fmt.Sprintf("%dh%dmin", m/60, m%60)
}

// verifyPlan checks every number of a plan document against the expected
// plan, and fails on any numeric field it does not know how to check.
func verifyPlan(t *testing.T, doc map[string]any, e planExpect) {
	t.Helper()
	checkNum := func(where string, got any, want float64) {
		t.Helper()
		g, ok := got.(float64)
		if !ok || !planNear(g, want) {
			t.Errorf("%s = %v, want %v", where, got, want)
		}
	}
	checkNum("patient.weight_kg", doc["patient"].(map[string]any)["weight_kg"], e.weightKg)
	if e.bag > 0 {
		bag := doc["bag"].(map[string]any)
		checkNum("bag.mg_per_ml", bag["mg_per_ml"], e.bag)
		checkNum("bag.amount_mg", bag["amount_mg"], e.bag*bag["volume_ml"].(float64))
	} else if doc["bag"] != nil {
		t.Errorf("bag = %v, want null", doc["bag"])
	}
	days := doc["days"].([]any)
	i := 0
	course := 0.0
	for _, dv := range days {
		d := dv.(map[string]any)
		session := 0.0
		steps := d["steps"].([]any)
		var stepsDay []expStep
		for range steps {
			if i >= len(e.steps) {
				t.Fatalf("more steps than expected (%d)", len(e.steps))
			}
			stepsDay = append(stepsDay, e.steps[i])
			i++
		}
		for j, sv := range steps {
			s := sv.(map[string]any)
			x := stepsDay[j]
			where := fmt.Sprintf("day %v step %d", d["day"], j+1)
			checkNum(where+" day", d["day"], float64(x.day))
			checkNum(where+" course_day", d["course_day"], float64(x.courseDay))
			if d["date"] != x.date {
				t.Errorf("%s date = %v, want %s", where, d["date"], x.date)
			}
			checkNum(where+" start_h", s["start_h"], x.startH)
			if s["start"] != planHours(x.startH) {
				t.Errorf("%s start = %v, want %s", where, s["start"], planHours(x.startH))
			}
			checkNum(where+" session_offset_min", s["session_offset_min"], 60*(x.startH-24*float64(x.courseDay-1)))
			amount := x.bolusMg
			verified := map[string]bool{"start_h": true, "session_offset_min": true, "duration_min": true, "amount_mg": true, "amount_mg_per_kg": true}
			if x.bolusMg > 0 {
				checkNum(where+" duration_min", s["duration_min"], 0)
				if s["kind"] != "bolus" {
					t.Errorf("%s kind = %v, want bolus", where, s["kind"])
				}
			} else {
				amount = x.mgPerH * x.durH
				checkNum(where+" duration_min", s["duration_min"], x.durH*60)
				checkNum(where+" mg_per_h", s["mg_per_h"], x.mgPerH)
				checkNum(where+" mg_per_kg_per_h", s["mg_per_kg_per_h"], x.mgPerH/e.weightKg)
				verified["mg_per_h"], verified["mg_per_kg_per_h"] = true, true
				switch {
				case e.bag > 0:
					checkNum(where+" ml_per_h", s["ml_per_h"], x.mgPerH/e.bag)
					verified["ml_per_h"] = true
				case e.diluent > 0:
					// The day's amount in the source's volume, run over the session.
					checkNum(where+" ml_per_h", s["ml_per_h"], e.diluent/x.durH)
					verified["ml_per_h"] = true
				}
			}
			checkNum(where+" amount_mg", s["amount_mg"], amount)
			checkNum(where+" amount_mg_per_kg", s["amount_mg_per_kg"], amount/e.weightKg)
			if x.status != "" && s["status"] != x.status {
				t.Errorf("%s status = %v, want %s", where, s["status"], x.status)
			}
			for k, v := range s {
				if _, isNum := v.(float64); isNum && !verified[k] {
					t.Errorf("%s: numeric field %q is not re-derived by this test", where, k)
				}
			}
			session += amount
		}
		checkNum(fmt.Sprintf("day %v session_mg", d["day"]), d["session_mg"], session)
		if e.bag > 0 {
			checkNum(fmt.Sprintf("day %v bag_volume_ml", d["day"]), d["bag_volume_ml"], session/e.bag)
		}
		if e.diluent > 0 {
			dil := d["diluent"].(map[string]any)
			checkNum("diluent.amount_mg", dil["amount_mg"], session)
			checkNum("diluent.volume_ml", dil["volume_ml"], e.diluent)
		}
		course += session
	}
	if i != len(e.steps) {
		t.Errorf("%d steps, want %d", i, len(e.steps))
	}
	checkNum("course_mg", doc["course_mg"], course)
}

func TestGoldenPlans(t *testing.T) {
	for _, g := range goldenPlans {
		t.Run(g.file, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, "", append([]string{"plan", "--json"}, g.args...)...)
			if code != g.status {
				t.Fatalf("status %d, want %d; stderr %s", code, g.status, stderr)
			}
			path := filepath.Join("testdata", "plans", g.file)
			if *updatePlanGolden {
				if err := os.WriteFile(path, []byte(stdout), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./cmd/ketatrack -run GoldenPlans -update-plan)", err)
			}
			if stdout != string(want) {
				t.Errorf("%s differs from the golden file; diff with -update-plan and git diff", path)
			}
			var doc map[string]any
			if err := json.Unmarshal(want, &doc); err != nil {
				t.Fatal(err)
			}
			verifyPlan(t, doc, g.expect(t))
		})
	}
}

// The headline numbers of issue 4, asserted directly from the goldens.
func TestGoldenPlanHeadlines(t *testing.T) {
	read := func(name string) map[string]any {
		data, err := os.ReadFile(filepath.Join("testdata", "plans", name))
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		return doc
	}
	step := func(doc map[string]any, day, i int) map[string]any {
		return doc["days"].([]any)[day].(map[string]any)["steps"].([]any)[i].(map[string]any)
	}
	// Schwartzman at 70 kg: 24.5 mg/h, 98 mg/session, 980 mg/course (issue 4).
	s := read("schwartzman-2009-70kg.json")
	if step(s, 0, 0)["mg_per_h"] != 24.5 || s["days"].([]any)[0].(map[string]any)["session_mg"] != 98.0 || s["course_mg"] != 980.0 {
		t.Errorf("schwartzman: %v mg/h, %v mg/session, %v mg/course", step(s, 0, 0)["mg_per_h"], s["days"].([]any)[0].(map[string]any)["session_mg"], s["course_mg"])
	}
	if step(s, 0, 0)["ml_per_h"] != 25.0 { // 001 Table 1: "4 h (25 ml/h)"
		t.Errorf("schwartzman pump rate %v, want the trial's 25 mL/h", step(s, 0, 0)["ml_per_h"])
	}
	// Goldberg: 10 -> 20 mg/h on weekdays; 80 mg/500 mL at 20 mg/h is 125 mL/h (003: 80 mg in 500 mL over 4 h).
	g := read("goldberg-2005-71kg.json")
	if step(g, 0, 0)["mg_per_h"] != 10.0 || step(g, 9, 0)["mg_per_h"] != 20.0 || step(g, 9, 0)["ml_per_h"] != 125.0 {
		t.Errorf("goldberg first/last: %v, %v mg/h, %v mL/h", step(g, 0, 0)["mg_per_h"], step(g, 9, 0)["mg_per_h"], step(g, 9, 0)["ml_per_h"])
	}
	if d := g["days"].([]any)[5].(map[string]any)["date"]; d != "2026-01-12" {
		t.Errorf("goldberg session 6 on %v, want Monday 2026-01-12 (no weekends, 003)", d)
	}
	// Kiefer at 70 kg: 7 mg/kg/h = 490 mg/h on day 5.
	k := read("kiefer-2008-anesthetic-70kg-icu.json")
	if step(k, 4, 0)["mg_per_h"] != 490.0 || k["status"] != "ok" {
		t.Errorf("kiefer ICU day 5: %v mg/h, status %v", step(k, 4, 0)["mg_per_h"], k["status"])
	}
	if o := read("kiefer-2008-anesthetic-70kg-outpatient.json"); o["status"] != "hard_limit" {
		t.Errorf("kiefer outpatient status %v, want hard_limit", o["status"])
	}
	// Patil at 60 kg: 30 mg over 30 min (60 mg/h) and over 45 min (40 mg/h).
	for name, rate := range map[string]float64{"patil-2012-60kg-30min.json": 60, "patil-2012-60kg-45min.json": 40} {
		p := read(name)
		if step(p, 0, 0)["mg_per_h"] != rate || step(p, 0, 0)["amount_mg"] != 30.0 {
			t.Errorf("%s: %v mg/h, %v mg", name, step(p, 0, 0)["mg_per_h"], step(p, 0, 0)["amount_mg"])
		}
	}
}

// The readable plan of Goldberg 2005, as a golden text file.
func TestGoldenPlanText(t *testing.T) {
	code, stdout, stderr := runCmd(t, "", append([]string{"plan"}, goldenPlans[0].args...)...)
	if code != exitOK {
		t.Fatalf("status %d: %s", code, stderr)
	}
	path := filepath.Join("testdata", "plans", "goldberg-2005-71kg.txt")
	if *updatePlanGolden {
		if err := os.WriteFile(path, []byte(stdout), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal([]byte(stdout), want) {
		t.Errorf("%s differs; run with -update-plan and git diff", path)
	}
}

func TestPlanBadInput(t *testing.T) {
	base := []string{"plan", "--protocol", "goldberg-2005", "--weight", "71kg", "--set", "daily-step=+5mg", "--set", "midazolam-route=IV"}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no protocol", []string{"plan", "--weight", "70kg"}, "--protocol is required"},
		{"unknown protocol", []string{"plan", "--protocol", "nobody-1999", "--weight", "70kg"}, `--protocol: unknown protocol "nobody-1999"`},
		{"no weight", []string{"plan", "--protocol", "goldberg-2005"}, "--weight is required"},
		{"weight without unit", []string{"plan", "--protocol", "goldberg-2005", "--weight", "70"}, "--weight"},
		{"negative weight", []string{"plan", "--protocol", "goldberg-2005", "--weight", "-70kg"}, "--weight"},
		{"bad bag", append(base, "--bag", "80mg"), "--bag"},
		{"bad start", append(base, "--start", "05/01/2026"), "--start"},
		{"weekend start", append(base, "--start", "2026-01-03"), "--start: 2026-01-03 is a Saturday"},
		{"bad setting", append(base, "--setting", "home"), "--setting"},
		{"set without =", append(base, "--set", "daily-step"), "--set daily-step: expected KEY=VALUE"},
		{"unknown key", append(base, "--set", "colour=red"), `--set colour: goldberg-2005 has no unspecified detail "colour"`},
		{"bad step", []string{"plan", "--protocol", "goldberg-2005", "--weight", "71kg", "--set", "daily-step=fast", "--set", "midazolam-route=IV"}, "--set daily-step"},
		{"step in wrong unit", []string{"plan", "--protocol", "goldberg-2005", "--weight", "71kg", "--set", "daily-step=+5mg/kg", "--set", "midazolam-route=IV"}, "--set daily-step: increment 5mg/kg is not in the unit"},
		{"bad route", []string{"plan", "--protocol", "goldberg-2005", "--weight", "71kg", "--set", "daily-step=+5mg", "--set", "midazolam-route=intravenous"}, "--set midazolam-route"},
		{"missing details", []string{"plan", "--protocol", "goldberg-2005", "--weight", "71kg"}, "--set: goldberg-2005 leaves 2 detail(s) to the clinician: daily-step"},
		{"conflicting set", append(base, "--set", "daily-step=+10mg"), "--set daily-step: given twice"},
		{"positional", []string{"plan", "goldberg-2005"}, "unexpected argument"},
		{"bad protocols dir", append(base, "--protocols-dir", "/nonexistent/dir"), "--protocols-dir"},
		{"bad list length", []string{"plan", "--protocol", "sigtermans-2010", "--weight", "70kg", "--setting", "inpatient", "--set", "pulse-doses=0.02mg/kg,0.15mg/kg"}, "--set pulse-doses: 0.02mg/kg,0.15mg/kg is a list of 2 doses but sigtermans-2010 has 7 pulses: give linear, an increment +Nmg/kg, none (the first dose at every pulse) or a list of 7 doses"},
		// A plain amount for a titration key: the key, the forms a step
		// takes and the literature's choices (goldberg-2005.yaml daily-step).
		{"amount for a step", []string{"plan", "--protocol", "goldberg-2005", "--weight", "71kg", "--bag", "80mg/500mL", "--set", "daily-step=10mg", "--set", "midazolam-route=IV"},
			"--set daily-step: 10mg is one dose but goldberg-2005 has 10 sessions: give linear, an increment +Nmg, none (the first dose at every session) or a list of 10 doses separated by commas; daily-step (How does the 4-hour amount rise"},
		{"amount for a step: choices", []string{"plan", "--protocol", "goldberg-2005", "--weight", "71kg", "--set", "daily-step=10mg", "--set", "midazolam-route=IV"},
			`Choices: linear, +5mg, +10mg); run "ketatrack protocols show goldberg-2005" for the choices' sources`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, "", tt.args...)
			if code != exitBadInput {
				t.Errorf("status %d, want %d (stderr %q)", code, exitBadInput, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr %q does not name %q", stderr, tt.want)
			}
			if strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
				t.Errorf("stderr is more than one line: %q", stderr)
			}
			if stdout != "" {
				t.Errorf("stdout not empty on bad input: %q", stdout)
			}
		})
	}
}

func TestPlanSoftLimitNeedsAcknowledge(t *testing.T) {
	// Puchalski's 1.5 mg/kg/h is over the inpatient soft maximum of
	// 1.0 mg/kg/h (CLINICAL.md default limits).
	args := []string{"plan", "--protocol", "puchalski-2016", "--weight", "70kg", "--setting", "inpatient", "--json"}
	code, _, stderr := runCmd(t, "", args...)
	if code != exitSoftLimit || !strings.Contains(stderr, "--acknowledge") {
		t.Errorf("status %d, stderr %q; want %d asking for --acknowledge", code, stderr, exitSoftLimit)
	}
	code, stdout, _ := runCmd(t, "", append(args, "--acknowledge", "refractory CRPS, Puchalski protocol")...)
	if code != exitOK || !strings.Contains(stdout, `"acknowledged": "refractory CRPS, Puchalski protocol"`) {
		t.Errorf("acknowledged: status %d, output %.300s", code, stdout)
	}
}

func TestPlanBadProtocolFile(t *testing.T) {
	dir := t.TempDir()
	bad := "id: clinic-bad\ntitle: x\nreferences: {\"001\": {citation: c}}\nevidence: [schwartzman-2009]\ndrug: {value: racemic, source: \"001 x\"}\ncare_area: {value: outpatient, source: \"001 x\"}\nregimens:\n  - name: standard\n    kind: sessions\n    sessions: {value: 10, source: \"001 x\"}\n    calendar: {value: consecutive, source: \"001 x\"}\n    session_length: {value: 4h, source: \"001 x\"}\n    doses:\n      - {name: k, kind: infusion, dose: {value: \"0.35\", source: \"001 x\"}}\n"
	if err := os.WriteFile(filepath.Join(dir, "clinic-bad.yaml"), []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"plan", "--protocol", "goldberg-2005", "--weight", "70kg"}, {"protocols"}, {"evidence"}} {
		code, _, stderr := runCmd(t, "", append(args, "--protocols-dir", dir)...)
		if code != exitBadInput || !strings.Contains(stderr, "clinic-bad.yaml: regimens[0].doses[0].dose.value") || !strings.Contains(stderr, "without a unit") {
			t.Errorf("%v: status %d, stderr %q", args, code, stderr)
		}
	}
}

// TestPlanDoseShownToSixDigits checks that the DOSE column prints a computed
// dose to 6 significant digits, as the footer says, while --json keeps the
// exact dose (12 significant digits). Goldberg 003 linear from 40 mg to
// 80 mg over 10 sessions: session 2 is 40 + 40/9 = 44.4444444444... mg.
func TestPlanDoseShownToSixDigits(t *testing.T) {
	args := []string{"plan", "--protocol", "goldberg-2005", "--weight", "71kg", "--bag", "80mg/500mL", "--set", "daily-step=linear", "--set", "midazolam-route=IV"}
	code, stdout, stderr := runCmd(t, "", args...)
	if code != exitOK {
		t.Fatalf("status %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "  44.4444mg over 4h  ") || strings.Contains(stdout, "44.4444444444") {
		t.Errorf("DOSE column not to 6 significant digits:\n%s", stdout)
	}
	if !strings.Contains(stdout, "Figures are shown to 6 significant digits") {
		t.Errorf("footer gone:\n%s", stdout)
	}
	code, stdout, stderr = runCmd(t, "", append(args, "--json")...)
	if code != exitOK {
		t.Fatalf("status %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, `"dose": "44.4444444444mg over 4h"`) && !strings.Contains(stdout, `"dose":"44.4444444444mg over 4h"`) {
		t.Errorf("--json lost the exact dose:\n%s", stdout)
	}
}
