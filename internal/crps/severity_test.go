package crps

import (
	"encoding/json"
	"errors"
	"os"
	"testing"
)

// TestSeverityScorePublished recomputes the seven CRPS Severity Scores
// published in J Pain Res 2023;16:1915 Table 4 from the item-by-item findings
// printed in the same table (testdata/css16_jpainres2023_table4.json).
func TestSeverityScorePublished(t *testing.T) {
	raw, err := os.ReadFile("testdata/css16_jpainres2023_table4.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Patients []struct {
			Patient   int                  `json:"patient"`
			Published int                  `json:"published_score"`
			Items     map[string]ItemState `json:"items"`
		} `json:"patients"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Patients) != 7 {
		t.Fatalf("%d patients in the golden file, want the table's 7", len(doc.Patients))
	}
	for _, p := range doc.Patients {
		s, err := ScoreSeverity(SeverityInput{Version: CSS16, Items: p.Items})
		if err != nil {
			t.Fatalf("patient %d: %v", p.Patient, err)
		}
		if s.Score != p.Published {
			t.Errorf("patient %d: score %d, published %d", p.Patient, s.Score, p.Published)
		}
		if s.Version != CSS16 || s.Max != 16 || s.Source == "" {
			t.Errorf("patient %d: version %q max %d source %q", p.Patient, s.Version, s.Max, s.Source)
		}
		if s.SymptomsPresent+s.SignsPresent != s.Score {
			t.Errorf("patient %d: %d symptoms + %d signs != %d", p.Patient, s.SymptomsPresent, s.SignsPresent, s.Score)
		}
	}
	// Patient 3 (bilateral amputation): motor items not assessable, listed.
	s, _ := ScoreSeverity(SeverityInput{Version: CSS16, Items: doc.Patients[2].Items})
	if len(s.NotAssessable) != 2 {
		t.Errorf("patient 3 not assessable = %v, want the two motor items", s.NotAssessable)
	}
	if got := s.String(); got != "CSS 10/16 (css-16)" {
		t.Errorf("String() = %q", got)
	}
}

func TestSeverityInputValidate(t *testing.T) {
	full := func() map[string]ItemState {
		m := map[string]ItemState{}
		for _, it := range SeverityForms[CSS16].Items {
			m[it.ID] = Absent
		}
		return m
	}
	missing := full()
	delete(missing, "sign.allodynia")
	extra := full()
	extra["sign.itch"] = Present
	bad := full()
	bad["symptom.oedema"] = "yes"
	cases := []struct {
		name  string
		in    SeverityInput
		field string
	}{
		{"17-item form not offered", SeverityInput{Version: "css-17", Items: full()}, "version"},
		{"no version", SeverityInput{Items: full()}, "version"},
		{"item not answered", SeverityInput{Version: CSS16, Items: missing}, "items.sign.allodynia"},
		{"unknown item", SeverityInput{Version: CSS16, Items: extra}, "items.sign.itch"},
		{"bad state", SeverityInput{Version: CSS16, Items: bad}, "items.symptom.oedema"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ScoreSeverity(c.in)
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != c.field {
				t.Fatalf("err = %v, want a field error on %q", err, c.field)
			}
		})
	}
	// All absent scores 0 of 16; all present 16 (the form's range, 0–16).
	s, err := ScoreSeverity(SeverityInput{Version: CSS16, Items: full()})
	if err != nil || s.Score != 0 {
		t.Fatalf("all absent: %v %v", s, err)
	}
	all := full()
	for k := range all {
		all[k] = Present
	}
	s, err = ScoreSeverity(SeverityInput{Version: CSS16, Items: all})
	if err != nil || s.Score != 16 || s.SymptomsPresent != 8 || s.SignsPresent != 8 {
		t.Fatalf("all present: %+v %v", s, err)
	}
}
