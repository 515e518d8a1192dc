package crps

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func TestClassify(t *testing.T) {
	met := Assessment{Yes, []string{symSensory, symVaso, symSudo, symMotor}, []string{sgnSensory, sgnVaso}, No}
	partial := Assessment{Yes, []string{symSensory, symVaso}, []string{sgnSensory}, No}
	nothing := Assessment{No, nil, nil, No}
	explained := Assessment{Yes, []string{symSensory, symVaso}, []string{sgnSensory}, Yes}
	unknownOther := Assessment{Yes, []string{symSensory, symVaso}, []string{sgnSensory}, Unrecorded}
	// Expected subtypes follow the definitions cited in subtype.go: I/II by
	// nerve injury when the clinical criteria are met (IASP 1994, Harden
	// 2007); remission when previously met and features remain (Goebel 2021);
	// NOS when never documented and the former IASP criteria are met (Harden
	// 2010, restricted by Goebel 2021).
	cases := []struct {
		name string
		a    Assessment
		h    History
		want Type
	}{
		{"met, no nerve injury", met, History{NerveInjuryConfirmed: No}, TypeI},
		{"met, nerve injury", met, History{NerveInjuryConfirmed: Yes}, TypeII},
		{"met, nerve injury not recorded", met, History{}, TypeUndetermined},
		{"previously met, some features remain", partial, History{PreviouslyMetBudapest: Yes, NerveInjuryConfirmed: No}, TypeRemission},
		{"previously met, nothing remains", nothing, History{PreviouslyMetBudapest: Yes}, TypeNone},
		{"previously met, better explanation not recorded", unknownOther, History{PreviouslyMetBudapest: Yes}, TypeUndetermined},
		{"never met, former IASP met", partial, History{PreviouslyMetBudapest: No, MetFormerIASPCriteria: Yes}, TypeNOS},
		{"never met, former IASP not met", partial, History{PreviouslyMetBudapest: No, MetFormerIASPCriteria: No}, TypeNone},
		{"never met, former IASP not recorded", partial, History{PreviouslyMetBudapest: No}, TypeUndetermined},
		{"history not recorded", partial, History{}, TypeUndetermined},
		{"another diagnosis explains", explained, History{PreviouslyMetBudapest: Yes, MetFormerIASPCriteria: Yes}, TypeNone},
		{"clinical criteria undetermined", Assessment{Unrecorded, met.Symptoms, met.Signs, No}, History{NerveInjuryConfirmed: No}, TypeUndetermined},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev, err := Evaluate(c.a)
			if err != nil {
				t.Fatal(err)
			}
			cl, err := Classify(c.a, ev, c.h)
			if err != nil {
				t.Fatal(err)
			}
			if cl.Type != c.want {
				t.Errorf("type %s, want %s (%s)", cl.Type, c.want, cl.Rule)
			}
			if cl.Rule == "" || cl.Source == "" {
				t.Error("classification without rule or source")
			}
		})
	}
}

func TestCodesFor(t *testing.T) {
	if got := CodesFor(TypeI); len(got) != 1 || got[0].Code != "734947007" {
		t.Errorf("type I codes %v", got)
	}
	for _, ty := range []Type{TypeII, TypeNOS, TypeRemission} {
		if got := CodesFor(ty); len(got) != 1 || got[0].Code != "128200000" {
			t.Errorf("%s codes %v", ty, got)
		}
	}
	for _, ty := range []Type{TypeNone, TypeUndetermined} {
		if got := CodesFor(ty); len(got) != 0 {
			t.Errorf("%s codes %v, want none", ty, got)
		}
	}
}

func TestPresentationValidate(t *testing.T) {
	ok := Presentation{IncitingEvent: Fracture, AffectedLimbs: []Limb{RightUpper}, Onset: "2024-03-01"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		p     Presentation
		field string
	}{
		{"unknown event", Presentation{IncitingEvent: "sprain", AffectedLimbs: []Limb{LeftLower}}, "inciting_event"},
		{"other without text", Presentation{IncitingEvent: OtherEvent, AffectedLimbs: []Limb{LeftLower}}, "inciting_event_other"},
		{"text without other", Presentation{IncitingEvent: Surgery, IncitingEventOther: "x", AffectedLimbs: []Limb{LeftLower}}, "inciting_event_other"},
		{"no site", Presentation{IncitingEvent: Surgery}, "affected_limbs"},
		{"unknown limb", Presentation{IncitingEvent: Surgery, AffectedLimbs: []Limb{"tail"}}, "affected_limbs[0]"},
		{"duplicate limb", Presentation{IncitingEvent: Surgery, AffectedLimbs: []Limb{LeftLower, LeftLower}}, "affected_limbs[1]"},
		{"bad onset", Presentation{IncitingEvent: Surgery, AffectedLimbs: []Limb{LeftLower}, Onset: "01/03/2024"}, "onset"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var fe *FieldError
			if err := c.p.Validate(); !errors.As(err, &fe) || fe.Field != c.field {
				t.Fatalf("err = %v, want a field error on %q", err, c.field)
			}
		})
	}
	// A non-limb site alone is enough.
	if err := (Presentation{IncitingEvent: OtherEvent, IncitingEventOther: "insect bite", OtherSites: "face"}).Validate(); err != nil {
		t.Fatal(err)
	}
	// The seed's shares add up to 82 % (42 + 21 + 12 + 7; seed 002).
	sum := 0
	for _, e := range IncitingEvents {
		sum += e.SharePercent
		if e.Source == "" {
			t.Errorf("%s without source", e.Event)
		}
	}
	if sum != 82 {
		t.Errorf("shares sum to %d, want 82", sum)
	}
}

func TestDiagnoseRecordRoundTrip(t *testing.T) {
	// A record survives JSON (as the store keeps it) and diagnoses the same.
	items := map[string]ItemState{}
	for _, it := range SeverityForms[CSS16].Items {
		items[it.ID] = Present
	}
	items["sign.sweating_asymmetry"] = Absent
	r := Record{
		Presentation: Presentation{IncitingEvent: CarpalTunnel, AffectedLimbs: []Limb{LeftUpper}},
		Assessment:   Assessment{Yes, []string{symSensory, symVaso, symSudo, symMotor}, []string{sgnSensory, sgnVaso}, No},
		History:      History{NerveInjuryConfirmed: Yes},
		Severity:     &SeverityInput{Version: CSS16, Items: items},
	}
	d1, err := Diagnose(r)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Record
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	d2, err := Diagnose(back)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(d1, d2) {
		t.Errorf("diagnosis changed after a JSON round trip:\n%+v\n%+v", d1, d2)
	}
	if d1.Classification.Type != TypeII || d1.Severity == nil || d1.Severity.Score != 15 || d1.Severity.Version != CSS16 {
		t.Errorf("diagnosis %+v", d1)
	}
	// A bad nested field is named with its full path.
	r.Severity.Items["sign.allodynia"] = "maybe"
	var fe *FieldError
	if _, err := Diagnose(r); !errors.As(err, &fe) || fe.Field != "severity.items.sign.allodynia" {
		t.Errorf("err = %v", err)
	}
}
