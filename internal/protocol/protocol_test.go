package protocol

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// row is a protocol's source row: shared/CLINICAL.md "Protocols in the
// seeds", as checked against the seed it cites. "?" means the source leaves
// the detail unspecified (the file must mark it so); "" means not
// applicable.
type row struct {
	id, drug, area   string
	kind             string // sessions | continuous
	sessions, length string // count / session length, or continuous length
	calendar         string
	dose, to         string // first dose and titration ceiling
	premeds          []string
}

// The 18 rows, typed from CLINICAL.md and the seeds (file named per row).
var rows = []row{
	// 003 Methods: 40 mg over 4 h day 1 -> 80 mg, 10 days excluding weekends; clonidine 0.1 mg PO, midazolam 2-4 mg.
	{"goldberg-2005", "racemic", "outpatient", "sessions", "10", "4h", "weekdays", "40mg", "80mg", []string{"clonidine", "midazolam"}},
	// 001 Table 1: 0.35 mg/kg/h, 4 h (25 ml/h) daily for 10 days; clonidine (dose not in 001).
	{"schwartzman-2009", "racemic", "outpatient", "sessions", "10", "4h", "consecutive", "0.35mg/kg/h", "", []string{"clonidine", "midazolam"}},
	// 001 Table 1: S-ketamine tailored 0.07-0.43 mg/kg/h over 4.2 days; start unspecified.
	{"sigtermans-2009", "s-ketamine", "?", "continuous", "", "4.2d", "", "?", "0.43mg/kg/h", nil},
	// 001 Discussion: 100 h, 5 -> 20 mg/h/70 kg.
	{"dahan-2011", "s-ketamine", "?", "continuous", "", "100h", "", "5mg/h/70kg", "20mg/h/70kg", nil},
	// 001 Table 1: 1.5 mg/kg/h, 4-hour infusion over 10 days.
	{"puchalski-2016", "racemic", "?", "sessions", "10", "4h", "consecutive", "1.5mg/kg/h", "", nil},
	// 001 Table 1: seven 5-min infusions at 20-min intervals, 0.02 -> 0.15 mg/kg (S-ketamine).
	{"sigtermans-2010", "s-ketamine", "?", "sessions", "1", "125min", "consecutive", "0.02mg/kg", "0.15mg/kg", nil},
	// 001: ideal 15-25 mg/h (a range: the rate is unspecified); mean 4.7 days.
	{"correll-2004", "racemic", "inpatient", "continuous", "", "?", "", "?", "", nil},
	// 001 Table 1: 60 mg/h titrated to 200 mg/h on day 4; 4 days lower limb.
	{"kirkpatrick-2020", "racemic", "?", "sessions", "4", "?", "consecutive", "60mg/h", "200mg/h", nil},
	// 001 Table 1: 0.9 mg/kg/h, 4.5 days.
	{"goebel-2015", "racemic", "?", "continuous", "", "4.5d", "", "0.9mg/kg/h", "", nil},
	// 001: 0.5 mg/kg over 30-45 min, every 3-4 weeks; midazolam, ondansetron.
	{"patil-2012", "racemic", "outpatient", "sessions", "?", "?", "interval", "0.5mg/kg", "", []string{"midazolam", "ondansetron"}},
	// 001 Discussion: ICU; bolus 1-1.5 mg/kg (unspecified within); 3 -> 7 mg/kg/h over 5 days; midazolam, vecuronium.
	{"kiefer-2008-anesthetic", "racemic", "icu", "continuous", "", "5d", "", "3mg/kg/h", "7mg/kg/h", []string{"midazolam", "vecuronium"}},
	// 001 Table 1: 3-7 mg/kg/h for 5 days (start within the range unspecified).
	{"koffler-2007", "racemic", "icu", "continuous", "", "5d", "", "?", "7mg/kg/h", nil},
	// 001: S-ketamine 50 -> 500 mg/day over 10 days.
	{"kiefer-2008-s-pilot", "s-ketamine", "?", "continuous", "", "10d", "", "50mg/day", "500mg/day", nil},
	// 001: 10 -> 40 mg/h, 5 days inpatient.
	{"goldberg-2010", "racemic", "inpatient", "continuous", "", "5d", "", "10mg/h", "40mg/h", nil},
	// 001: outpatient paediatric, 0.1-0.3 mg/kg/h (unspecified within), 4-8 h/day (unspecified within) x 3 days.
	{"sheehy-2015", "racemic", "outpatient", "sessions", "3", "?", "consecutive", "?", "", nil},
	// 000: 320 mg over 4 h; 10 infusions over one year (first regimen).
	{"dworkin-2021-case", "racemic", "outpatient", "sessions", "10", "4h", "interval", "320mg", "", nil},
	// 004: 7 mg/kg/h, 5-day coma; dexmedetomidine, midazolam, fentanyl.
	{"rasmussen-2013-coma", "racemic", "icu", "continuous", "", "5d", "", "7mg/kg/h", "", []string{"dexmedetomidine", "midazolam", "fentanyl"}},
	// 002: up to 4 h per infusion; dose, number and schedule not given.
	{"innerbloom-4h", "racemic", "outpatient", "sessions", "?", "?", "?", "?", "", nil},
}

// want compares a field with an expected value ("?" = unspecified).
func want(t *testing.T, id, name string, f Field, exp string) {
	t.Helper()
	switch {
	case exp == "" && !f.IsZero():
		t.Errorf("%s %s = %v, want absent", id, name, f)
	case exp == "?" && f.Unspecified == "":
		t.Errorf("%s %s = %v, want unspecified (the source does not give it)", id, name, f)
	case exp != "" && exp != "?" && f.Value != exp:
		t.Errorf("%s %s = %v, want %s", id, name, f, exp)
	}
}

func TestEverySeedProtocolMatchesItsSourceRow(t *testing.T) {
	lib, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if got := len(lib.Protocols()); got != len(rows) {
		t.Errorf("%d protocols, want %d (CLINICAL.md table)", got, len(rows))
	}
	for _, r := range rows {
		p, ok := lib.Lookup(r.id)
		if !ok {
			t.Errorf("protocol %s missing", r.id)
			continue
		}
		want(t, r.id, "drug", p.Drug, r.drug)
		want(t, r.id, "care_area", p.CareArea, r.area)
		reg := p.Regimens[0]
		if reg.Kind != r.kind {
			t.Errorf("%s kind = %s, want %s", r.id, reg.Kind, r.kind)
		}
		if r.kind == KindSessions {
			want(t, r.id, "sessions", reg.Sessions, r.sessions)
			want(t, r.id, "session_length", reg.SessionLength, r.length)
			want(t, r.id, "calendar", reg.Calendar, r.calendar)
		} else {
			want(t, r.id, "length", reg.Length, r.length)
		}
		d := reg.Doses[len(reg.Doses)-1] // the maintenance dose (Kiefer's bolus comes first)
		want(t, r.id, "dose", d.Dose, r.dose)
		if d.Titration != nil {
			want(t, r.id, "titration.to", d.Titration.To, r.to)
		} else if r.to != "" {
			t.Errorf("%s has no titration, want one to %s", r.id, r.to)
		}
		var drugs []string
		for _, m := range p.Premedication {
			drugs = append(drugs, m.Drug)
		}
		if !slices.Equal(drugs, r.premeds) {
			t.Errorf("%s premedication %v, want %v", r.id, drugs, r.premeds)
		}
		if len(r.premeds) == 0 && p.PremedicationNote == "" {
			t.Errorf("%s states no premedication and no note saying so", r.id)
		}
	}
}

// Protocol-specific details from the seeds that the row table cannot hold.
func TestSeedDetails(t *testing.T) {
	lib, _ := Builtin()
	get := func(id string) *Protocol { p, _ := lib.Lookup(id); return p }
	// Goldberg's daily steps are not given (CLINICAL.md: "daily steps unspecified").
	if s := get("goldberg-2005").Regimens[0].Doses[0].Titration.Step; s.Unspecified != "daily-step" {
		t.Errorf("goldberg-2005 step = %v, want unspecified daily-step", s)
	}
	// Goldberg 003: "Forty-80 mg of ketamine was mixed in 500 cc".
	if v := get("goldberg-2005").Regimens[0].Doses[0].DiluentVolume.Value; v != "500mL" {
		t.Errorf("goldberg-2005 diluent %s, want 500mL", v)
	}
	// Kiefer 001: bolus 1-1.5 mg/kg, then infusion; vecuronium 0.1 mg/kg.
	k := get("kiefer-2008-anesthetic")
	if k.Regimens[0].Doses[0].Kind != DoseBolus || k.Regimens[0].Doses[0].Range.Value != "1mg/kg to 1.5mg/kg" {
		t.Errorf("kiefer bolus = %+v", k.Regimens[0].Doses[0])
	}
	if k.Premedication[1].Dose.Value != "0.1mg/kg" || k.Premedication[0].Dose.Value != "2.5mg to 7.5mg" {
		t.Errorf("kiefer co-medication doses %v, %v", k.Premedication[0].Dose, k.Premedication[1].Dose)
	}
	// Rasmussen 004: dexmedetomidine 1.5 mcg/kg/h, midazolam 17 mg/h, fentanyl day 1 (dose not given).
	r := get("rasmussen-2013-coma")
	if r.Premedication[0].Dose.Value != "1.5mcg/kg/h" || r.Premedication[1].Dose.Value != "17mg/h" || r.Premedication[2].Dose.Unspecified == "" || r.Premedication[2].Days != "first" {
		t.Errorf("rasmussen co-medication %+v", r.Premedication)
	}
	// Sigtermans 2010: seven pulses of 5 min every 20 min.
	s := get("sigtermans-2010").Regimens[0].Doses[0]
	if s.Count.Value != "7" || s.Every.Value != "20min" || s.Duration.Value != "5min" {
		t.Errorf("sigtermans-2010 pulses %+v", s)
	}
	// Kirkpatrick: two regimens, 200 mg/h reached on day 4.
	kp := get("kirkpatrick-2020")
	if len(kp.Regimens) != 2 || kp.Regimens[0].Doses[0].Titration.Reach.Value != "4" {
		t.Errorf("kirkpatrick regimens %+v", kp.Regimens)
	}
	// Dworkin post-amputation: 320 then 360 mg over 4 h, 10 days apart.
	dw := get("dworkin-2021-case").Regimens[1]
	if dw.Interval.Value != "10d" || dw.Doses[0].Titration.Step.Value != "320mg,360mg" {
		t.Errorf("dworkin post-amputation %+v", dw)
	}
	// Schwartzman's cap, from the trial's abstract: not to exceed 25 mg/h.
	if v := get("schwartzman-2009").Regimens[0].Doses[0].MaxRate.Value; v != "25mg/h" {
		t.Errorf("schwartzman max rate %s", v)
	}
	// Correll: > 35 mg/h went with non-response (a warning rule).
	if rl := get("correll-2004").Rules; len(rl) != 1 || rl[0].Threshold.Value != "35mg/h" || rl[0].Op != ">" {
		t.Errorf("correll rules %+v", rl)
	}
	// Every protocol links to the evidence library.
	for _, p := range lib.Protocols() {
		for _, id := range p.Evidence {
			if _, ok := lib.Evidence().Lookup(id); !ok {
				t.Errorf("%s links to unknown evidence %s", p.ID, id)
			}
		}
	}
}

// Every built-in choice value must be acceptable as a --set value, and a
// plan must be possible from the choices alone (first choice of each key).
func TestEveryProtocolExpandsWithItsChoices(t *testing.T) {
	lib, _ := Builtin()
	for _, p := range lib.Protocols() {
		set := map[string]string{}
		for i := 0; i < 5; i++ {
			_, err := Expand(p, Request{Weight: mustWeight(t, "70kg"), Settings: set})
			var me *MissingError
			if !errors.As(err, &me) {
				if err != nil {
					t.Errorf("%s with %v: %v", p.ID, set, err)
				}
				break
			}
			for _, m := range me.Missing {
				v := ""
				for _, c := range m.Choices {
					if c.Value != "" {
						v = c.Value
						break
					}
				}
				if v == "" {
					v = fallback[m.Key]
				}
				if v == "" {
					t.Fatalf("%s: key %s has no choice and no test fallback", p.ID, m.Key)
				}
				set[m.Key] = v
			}
		}
	}
}

// fallback values for keys whose source offers no value (clinician's
// choices in a test, not data).
var fallback = map[string]string{
	"ondansetron-dose": "4mg",
	"fentanyl-dose":    "1mcg/kg/h",
	"interval":         "3wk",
	"days":             "5",
	"length":           "4.7d",
	"pulse-doses":      "linear",
	"daily-step":       "linear",
}

func TestMissingErrorListsChoices(t *testing.T) {
	lib, _ := Builtin()
	p, _ := lib.Lookup("goldberg-2005")
	_, err := Expand(p, Request{Weight: mustWeight(t, "71kg")})
	var me *MissingError
	if !errors.As(err, &me) {
		t.Fatalf("err = %v, want a MissingError", err)
	}
	msg := err.Error()
	for _, s := range []string{"daily-step", "midazolam-route", "linear", "+5mg", "IV"} {
		if !strings.Contains(msg, s) {
			t.Errorf("message lacks %q: %s", s, msg)
		}
	}
}
