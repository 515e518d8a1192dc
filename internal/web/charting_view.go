package web

import (
	"fmt"

	"github.com/ketatrack/ketatrack/internal/infusion"
)

// Choices offered by the charting forms. The values are package
// infusion's; the labels are the wording of the sources cited there.

type option struct {
	Value string
	Label string
}

// SideEffects are the side effects Goldberg watched for
// (003_55ad5919aae10607.txt), nausea and "other" (infusion.SideEffectKind).
func (sessionData) SideEffects() []option {
	return []option{
		{string(infusion.SEHypertension), "hypertension"}, {string(infusion.SETachycardia), "tachycardia"},
		{string(infusion.SEDysphoria), "dysphoria"}, {string(infusion.SEHallucinations), "hallucinations"},
		{string(infusion.SEVividDreams), "vivid dreams"}, {string(infusion.SEHeadache), "headache"},
		{string(infusion.SENausea), "nausea"}, {string(infusion.SERestlessness), "restlessness"},
		{string(infusion.SEOther), "other (describe)"},
	}
}

// Severities are the CTCAE v5.0 general grades 1–4 (infusion.Severity).
func (sessionData) Severities() []option {
	return []option{
		{"1", "1 mild: intervention not indicated"},
		{"2", "2 moderate: minimal, local or non-invasive intervention"},
		{"3", "3 severe or medically significant"},
		{"4", "4 life-threatening: urgent intervention"},
	}
}

// StopReasons are infusion.StopReason's values.
func (sessionData) StopReasons() []option {
	return []option{
		{string(infusion.StopCompleted), "completed as planned"}, {string(infusion.StopSideEffect), "side effect"},
		{string(infusion.StopPatientWish), "patient's request"}, {string(infusion.StopClinicianCall), "clinician's decision"},
		{string(infusion.StopOther), "other (write a note)"},
	}
}

// Routes are infusion.Route's values.
func (sessionData) Routes() []string {
	return []string{string(infusion.RoutePO), string(infusion.RouteIV), string(infusion.RouteIM), string(infusion.RouteSC),
		string(infusion.RouteSL), string(infusion.RouteIN)}
}

// RASSLevels are the Richmond Agitation–Sedation Scale's levels (Sessler CN
// et al., Am J Respir Crit Care Med 2002;166:1338–44, Table 1).
func (sessionData) RASSLevels() []option {
	labels := map[int]string{4: "combative", 3: "very agitated", 2: "agitated", 1: "restless", 0: "alert and calm",
		-1: "drowsy", -2: "light sedation", -3: "moderate sedation", -4: "deep sedation", -5: "unarousable"}
	var out []option
	for v := infusion.RASSMax; v >= infusion.RASSMin; v-- {
		out = append(out, option{fmt.Sprintf("%d", v), fmt.Sprintf("%+d %s", v, labels[v])})
	}
	return out
}

// dischargeItem is one item of the nurse's discharge assessment.
type dischargeItem struct {
	Name    string // form field
	Label   string
	Score   string // the score it belongs to
	Options []option
}

// DischargeItems are the items of infusion.DischargeAssessment with the
// wording documented there (Aldrete 1995; Chung 1995, Marshall & Chung
// 1999).
func (sessionData) DischargeItems() []dischargeItem {
	return []dischargeItem{
		{"discharge.aldrete_activity", "Activity", "Aldrete", []option{{"2", "moves four extremities voluntarily or on command"}, {"1", "moves two extremities"}, {"0", "none"}}},
		{"discharge.aldrete_respiration", "Respiration", "Aldrete", []option{{"2", "breathes deeply and coughs freely"}, {"1", "dyspnoea or shallow, limited breathing"}, {"0", "apnoeic"}}},
		{"discharge.aldrete_consciousness", "Consciousness", "Aldrete", []option{{"2", "fully awake"}, {"1", "arousable on calling"}, {"0", "not responding"}}},
		{"discharge.padss_ambulation", "Ambulation", "PADSS", []option{{"2", "steady gait without dizziness, or as before the infusion"}, {"1", "walks with assistance"}, {"0", "unable to walk, or dizzy"}}},
		{"discharge.padss_nausea_vomiting", "Nausea and vomiting", "PADSS", []option{{"2", "minimal"}, {"1", "moderate"}, {"0", "severe"}}},
		{"discharge.padss_pain", "Pain, against the patient's usual pain", "PADSS", []option{{"2", "minimal"}, {"1", "moderate"}, {"0", "severe"}}},
		{"discharge.padss_bleeding", "Bleeding at the cannula site", "PADSS", []option{{"2", "minimal"}, {"1", "moderate"}, {"0", "severe"}}},
	}
}

// inputView is one input of a charting form. Several forms on the page
// share field names ("at", "note"), so IDs carry the form's name, and a
// refused form's values and errors show in that form only.
type inputView struct {
	ID, Name, Label, Type, Value, Err, Inputmode string
	Required                                     bool
}

// formFor returns the submitted form when formID is the one that failed.
func (d sessionData) formFor(formID string) *form {
	if d.form == nil || (d.Failed != "" && d.Failed != formID) {
		return newForm()
	}
	return d.form
}

// In builds an input of form formID; def is shown when nothing was typed.
func (d sessionData) In(formID, name, label, typ, def string, required bool) inputView {
	f := d.formFor(formID)
	v := f.Get(name)
	if v == "" {
		v = def
	}
	in := inputView{ID: formID + "-" + name, Name: name, Label: label, Type: typ, Value: v, Err: f.Err(name), Required: required}
	return in
}

// Num is an input for a whole number typed on a tablet's number pad.
func (in inputView) Num() inputView {
	in.Inputmode = "numeric"
	return in
}

// Decimal is an input for a decimal number (SpO2).
func (in inputView) Decimal() inputView {
	in.Inputmode = "decimal"
	return in
}

// Value returns the submitted value of name in form formID.
func (d sessionData) Value(formID, name string) string { return d.formFor(formID).Get(name) }

// Err returns the error of name in form formID.
func (d sessionData) Err(formID, name string) string { return d.formFor(formID).Err(name) }

// vitalsView is the vitals inputs of a form: prefix is "vitals" or
// "check_in.baseline".
type vitalsView struct {
	HR, SBP, DBP, SpO2, RR, CADSS inputView
	RASS                          inputView
	OnOxygen                      inputView
	RASSLevels                    []option
}

// Vitals builds the vitals inputs of form formID.
func (d sessionData) Vitals(formID, prefix string) vitalsView {
	in := func(name, label string, req bool) inputView {
		return d.In(formID, prefix+"."+name, label, "text", "", req)
	}
	return vitalsView{
		HR:         in("hr_per_min", "Heart rate /min", true).Num(),
		SBP:        in("sbp_mmhg", "Systolic mmHg", true).Num(),
		DBP:        in("dbp_mmhg", "Diastolic mmHg", true).Num(),
		SpO2:       in("spo2_pct", "SpO2 %", true).Decimal(),
		RR:         in("rr_per_min", "Resp. rate /min (optional)", false).Num(),
		CADSS:      in("cadss", "CADSS 0–92, dissociation (optional)", false).Num(),
		RASS:       in("rass", "RASS (sedation)", false),
		OnOxygen:   in("on_oxygen", "On supplemental oxygen", false),
		RASSLevels: d.RASSLevels(),
	}
}
