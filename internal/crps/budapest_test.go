package crps

import (
	"errors"
	"strings"
	"testing"
)

// Items used to build test assessments: one per category and kind, plus a
// second sensory sign to check that a category counts once.
const (
	symSensory = "symptom.allodynia"
	symHyperes = "symptom.hyperesthesia"
	symVaso    = "symptom.skin_colour_changes"
	symSudo    = "symptom.oedema"
	symMotor   = "symptom.decreased_range_of_motion"
	sgnSensory = "sign.hyperalgesia_pinprick"
	sgnSens2   = "sign.allodynia_light_touch"
	sgnVaso    = "sign.temperature_asymmetry"
	sgnSudo    = "sign.sweating_asymmetry"
	sgnMotor   = "sign.tremor"
)

func TestEvaluateBudapest(t *testing.T) {
	// Every expected outcome is derived by hand from the criteria as
	// published (Harden 2007; Goebel 2021 Table 1): clinical = A pain, B
	// symptoms in ≥ 3 of 4 categories, C signs in ≥ 2 of 4, D no better
	// explanation; research = the same with symptoms in all 4 categories.
	all4 := []string{symSensory, symVaso, symSudo, symMotor}
	cases := []struct {
		name               string
		a                  Assessment
		clinical, research Outcome
		symCats, signCats  int
	}{
		{"all four symptom and sign categories", Assessment{Yes, all4, []string{sgnSensory, sgnVaso, sgnSudo, sgnMotor}, No}, Met, Met, 4, 4},
		{"symptoms in exactly 3 categories, signs in 2: clinical only", Assessment{Yes, []string{symSensory, symVaso, symMotor}, []string{sgnSensory, sgnVaso}, No}, Met, NotMet, 3, 2},
		{"symptoms in exactly 4 categories, signs in 2: both", Assessment{Yes, all4, []string{sgnSudo, sgnMotor}, No}, Met, Met, 4, 2},
		{"symptoms in 3 categories, signs in 1: neither", Assessment{Yes, []string{symSensory, symVaso, symMotor}, []string{sgnSensory}, No}, NotMet, NotMet, 3, 1},
		{"symptoms in 4 categories, signs in 1: neither", Assessment{Yes, all4, []string{sgnVaso}, No}, NotMet, NotMet, 4, 1},
		{"symptoms in 2 categories, signs in 4: neither", Assessment{Yes, []string{symSensory, symVaso}, []string{sgnSensory, sgnVaso, sgnSudo, sgnMotor}, No}, NotMet, NotMet, 2, 4},
		{"two sensory signs count as one category", Assessment{Yes, all4, []string{sgnSensory, sgnSens2}, No}, NotMet, NotMet, 4, 1},
		{"many symptoms in 2 categories count as 2", Assessment{Yes, []string{symSensory, symHyperes, "symptom.hyperalgesia", symVaso, "symptom.skin_colour_asymmetry"}, []string{sgnSensory, sgnVaso}, No}, NotMet, NotMet, 2, 2},
		{"reported hyperesthesia alone makes the sensory symptom category (Valencia)", Assessment{Yes, []string{symHyperes, symSudo, symMotor}, []string{sgnSudo, sgnMotor}, No}, Met, NotMet, 3, 2},
		{"pain not disproportionate", Assessment{No, all4, []string{sgnSensory, sgnVaso}, No}, NotMet, NotMet, 4, 2},
		{"disproportionate pain not recorded, rest met", Assessment{Unrecorded, all4, []string{sgnSensory, sgnVaso}, No}, Undetermined, Undetermined, 4, 2},
		{"disproportionate pain not recorded, signs in 1: not met anyway", Assessment{Unrecorded, all4, []string{sgnVaso}, No}, NotMet, NotMet, 4, 1},
		{"another diagnosis better explains", Assessment{Yes, all4, []string{sgnSensory, sgnVaso, sgnSudo, sgnMotor}, Yes}, NotMet, NotMet, 4, 4},
		{"better explanation not recorded", Assessment{Yes, all4, []string{sgnSensory, sgnVaso}, Unrecorded}, Undetermined, Undetermined, 4, 2},
		{"better explanation not recorded, symptoms in 3: research decided", Assessment{Yes, []string{symSensory, symVaso, symMotor}, []string{sgnSensory, sgnVaso}, Unrecorded}, Undetermined, NotMet, 3, 2},
		{"nothing recorded", Assessment{}, NotMet, NotMet, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev, err := Evaluate(c.a)
			if err != nil {
				t.Fatal(err)
			}
			if len(ev.SymptomCategories) != c.symCats || len(ev.SignCategories) != c.signCats {
				t.Errorf("categories: symptoms %v signs %v, want %d and %d", ev.SymptomCategories, ev.SignCategories, c.symCats, c.signCats)
			}
			if ev.Clinical.Outcome != c.clinical {
				t.Errorf("clinical = %s, want %s (%s)", ev.Clinical.Outcome, c.clinical, ev.Clinical.Rule)
			}
			if ev.Research.Outcome != c.research {
				t.Errorf("research = %s, want %s (%s)", ev.Research.Outcome, c.research, ev.Research.Rule)
			}
			if !strings.HasSuffix(ev.Clinical.Rule, string(Clinical)+" criteria "+verdictWord(c.clinical)) {
				t.Errorf("clinical rule %q does not end with the verdict %s", ev.Clinical.Rule, c.clinical)
			}
			if ev.Clinical.Source == "" || ev.Research.Source == "" {
				t.Error("a result without a source")
			}
		})
	}
}

// verdictWord is the end of a rule for an outcome.
func verdictWord(o Outcome) string {
	switch o {
	case Met:
		return "met"
	case NotMet:
		return "not met"
	}
	return "undetermined until every answer is recorded"
}

func TestBudapestRuleText(t *testing.T) {
	// The explanation the brief asks for, word for word: the deciding counts
	// with the categories named, then the verdict.
	ev, err := Evaluate(Assessment{Yes, []string{symSensory, symVaso, symMotor}, []string{sgnSensory}, No})
	if err != nil {
		t.Fatal(err)
	}
	want := "continuing pain disproportionate to any inciting event: yes; " +
		"symptoms in 3 of 4 categories (sensory, vasomotor, motor/trophic) ≥ 3; " +
		"signs in 1 of 4 categories (sensory) < 2; " +
		"no other diagnosis better explains the signs and symptoms: yes: clinical criteria not met"
	if ev.Clinical.Rule != want {
		t.Errorf("rule\n got %q\nwant %q", ev.Clinical.Rule, want)
	}
	wantResearch := "symptoms in 3 of 4 categories (sensory, vasomotor, motor/trophic) < 4"
	if !strings.Contains(ev.Research.Rule, wantResearch) {
		t.Errorf("research rule %q lacks %q", ev.Research.Rule, wantResearch)
	}
	// The failing criteria are marked on the result.
	got := ""
	for _, c := range ev.Clinical.Criteria {
		if c.Outcome == NotMet {
			got += c.ID
		}
	}
	if got != "C" {
		t.Errorf("criteria not met = %q, want C", got)
	}
}

func TestAssessmentValidate(t *testing.T) {
	cases := []struct {
		name  string
		a     Assessment
		field string
	}{
		{"unknown item", Assessment{Symptoms: []string{"symptom.itching"}}, "symptoms[0]"},
		{"sign listed as symptom", Assessment{Symptoms: []string{symSensory, sgnVaso}}, "symptoms[1]"},
		{"symptom listed as sign", Assessment{Signs: []string{symSensory}}, "signs[0]"},
		{"duplicate", Assessment{Signs: []string{sgnVaso, sgnVaso}}, "signs[1]"},
		{"bad answer", Assessment{DisproportionatePain: "maybe"}, "disproportionate_pain"},
		{"bad other-diagnosis answer", Assessment{OtherDiagnosisExplains: "Y"}, "other_diagnosis_explains"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Evaluate(c.a)
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want a *FieldError", err)
			}
			if fe.Field != "assessment."+c.field {
				t.Errorf("field = %q, want %q (%v)", fe.Field, "assessment."+c.field, err)
			}
		})
	}
}

func TestChecklistComplete(t *testing.T) {
	// Every category has at least one symptom and one sign, every item a
	// source, and IDs are unique and prefixed by their kind.
	have := map[Kind]map[Category]bool{Symptom: {}, Sign: {}}
	for _, it := range Checklist {
		if it.Source == "" || it.Label == "" {
			t.Errorf("%s lacks a source or label", it.ID)
		}
		if !strings.HasPrefix(it.ID, string(it.Kind)+".") {
			t.Errorf("%s is not prefixed with its kind %s", it.ID, it.Kind)
		}
		have[it.Kind][it.Category] = true
	}
	if len(checklistByID) != len(Checklist) {
		t.Error("duplicate checklist IDs")
	}
	for _, k := range []Kind{Symptom, Sign} {
		for _, c := range Categories {
			if !have[k][c] {
				t.Errorf("no %s in category %s", k, c)
			}
		}
	}
}

// FuzzEvaluate checks the criteria's invariants on arbitrary checklists:
// research met implies clinical met, met implies the thresholds and answers
// hold, and category counts agree with a direct count.
func FuzzEvaluate(f *testing.F) {
	f.Add(uint64(0), uint64(0), uint8(0), uint8(0))
	f.Add(uint64(1<<16-1), uint64(1<<18-1), uint8(1), uint8(2))
	f.Add(uint64(0b1000000001), uint64(0b11), uint8(1), uint8(2))
	f.Fuzz(func(t *testing.T, symMask, signMask uint64, pain, other uint8) {
		answers := []Answer{Unrecorded, Yes, No}
		a := Assessment{DisproportionatePain: answers[int(pain)%3], OtherDiagnosisExplains: answers[int(other)%3]}
		var syms, signs []Item
		for _, it := range Checklist {
			if it.Kind == Symptom {
				syms = append(syms, it)
			} else {
				signs = append(signs, it)
			}
		}
		count := func(items []Item, mask uint64) ([]string, int) {
			var ids []string
			cats := map[Category]bool{}
			for i, it := range items {
				if mask&(1<<uint(i)) != 0 {
					ids = append(ids, it.ID)
					cats[it.Category] = true
				}
			}
			return ids, len(cats)
		}
		var nSym, nSign int
		a.Symptoms, nSym = count(syms, symMask)
		a.Signs, nSign = count(signs, signMask)
		ev, err := Evaluate(a)
		if err != nil {
			t.Fatal(err)
		}
		if len(ev.SymptomCategories) != nSym || len(ev.SignCategories) != nSign {
			t.Fatalf("categories %d/%d, direct count %d/%d", len(ev.SymptomCategories), len(ev.SignCategories), nSym, nSign)
		}
		allYes := a.DisproportionatePain == Yes && a.OtherDiagnosisExplains == No
		wantClinical := allYes && nSym >= 3 && nSign >= 2
		if (ev.Clinical.Outcome == Met) != wantClinical {
			t.Fatalf("clinical %s with %d/%d categories and answers %q/%q", ev.Clinical.Outcome, nSym, nSign, a.DisproportionatePain, a.OtherDiagnosisExplains)
		}
		if ev.Research.Outcome == Met && ev.Clinical.Outcome != Met {
			t.Fatal("research met without clinical met")
		}
		if (ev.Research.Outcome == Met) != (wantClinical && nSym == 4) {
			t.Fatalf("research %s with %d symptom categories", ev.Research.Outcome, nSym)
		}
		failsOutright := nSym < 3 || nSign < 2 || a.DisproportionatePain == No || a.OtherDiagnosisExplains == Yes
		if failsOutright != (ev.Clinical.Outcome == NotMet) {
			t.Fatalf("clinical %s but fails outright = %v", ev.Clinical.Outcome, failsOutright)
		}
	})
}
