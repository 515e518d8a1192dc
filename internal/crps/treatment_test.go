package crps

import (
	"errors"
	"testing"
)

func TestPriorTreatments(t *testing.T) {
	list := []PriorTreatment{
		{Treatment: "physical_therapy", Relief: ReliefUpTo8Weeks},
		{Treatment: "opioids", Relief: ReliefNone},
		{Treatment: "superior_cervical_block", Relief: ReliefOver8Weeks},
		{Treatment: "other", Description: "mirror therapy", Relief: ReliefUnknown},
		{Treatment: "other", Description: "graded motor imagery", Relief: ReliefNone},
	}
	if err := ValidatePriorTreatments(list); err != nil {
		t.Fatal(err)
	}
	// Counted by hand from the list above.
	got := TallyRelief(list)
	want := ReliefTally{Tried: 5, None: 2, UpTo8Wk: 1, Over8Wk: 1, Unknown: 1}
	if got != want {
		t.Errorf("tally %+v, want %+v", got, want)
	}
	cases := []struct {
		name  string
		list  []PriorTreatment
		field string
	}{
		{"unknown therapy", []PriorTreatment{{Treatment: "acupuncture", Relief: ReliefNone}}, "prior_treatments[0].treatment"},
		{"other without description", []PriorTreatment{{Treatment: "other", Relief: ReliefNone}}, "prior_treatments[0].description"},
		{"no relief", []PriorTreatment{{Treatment: "nsaids"}}, "prior_treatments[0].relief"},
		{"relief as weeks", []PriorTreatment{{Treatment: "nsaids", Relief: "6 weeks"}}, "prior_treatments[0].relief"},
		{"twice", []PriorTreatment{{Treatment: "nsaids", Relief: ReliefNone}, {Treatment: "nsaids", Relief: ReliefUpTo8Weeks}}, "prior_treatments[1].treatment"},
		{"same other twice", []PriorTreatment{{Treatment: "other", Description: "TENS", Relief: ReliefNone}, {Treatment: "other", Description: "tens ", Relief: ReliefNone}}, "prior_treatments[1].treatment"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var fe *FieldError
			if err := ValidatePriorTreatments(c.list); !errors.As(err, &fe) || fe.Field != c.field {
				t.Fatalf("err = %v, want field %s", err, c.field)
			}
		})
	}
	for _, it := range PriorTreatments {
		if it.Source == "" || it.Label == "" || it.Group == "" {
			t.Errorf("%s incomplete", it.ID)
		}
	}
}
