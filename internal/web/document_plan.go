package web

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/infusion"
)

// planDoc is the infusion-room plan: one plan version with its signatures,
// the day-by-day doses from the plan engine (stored with the version, never
// recomputed here), the premedication, monitoring, the sessions' alert and
// discharge rules, and the protocol with its citations.
type planDoc struct {
	planView
	Course   *clinic.Course
	Version  *clinic.PlanVersion
	Versions int
	Signed   bool
	// Current is the version sessions are given by (nil if none signed).
	Current   *clinic.PlanVersion
	Citations []string
	Summary   string
	Rules     []docRule
	// ProtocolRules are the protocol file's own rules, as its source gives
	// them.
	ProtocolRules []docRule
	Premeds       []clinic.PlanMedication
	Note          string // the protocol's premedication note
	// RulesEvery is the sessions' vitals interval.
	RulesEvery time.Duration
}

// docRule is one alert or stop rule with its source.
type docRule struct {
	When, Then, Source string
}

// BagOf is the bag a day is given from, as a label, or "".
func (d planDoc) BagOf(day clinic.PlanDay) string {
	if c, ok := d.Plan.SessionBag(&day); ok {
		return c.String()
	}
	return ""
}

// DayMinutes is the day's infusion time in minutes (the end of its last
// step).
func (d planDoc) DayMinutes(day clinic.PlanDay) float64 {
	m := 0.0
	for _, s := range day.Steps {
		m = max(m, s.OffsetMin+s.DurationMin)
	}
	return m
}

// sessionRuleTexts are the rules of package infusion that the sessions of a
// plan are charted under, in words, with the sources given on
// infusion.Rules.
func sessionRuleTexts(r infusion.Rules) []docRule {
	var out []docRule
	out = append(out, docRule{fmt.Sprintf("SpO₂ below %v %%", float64(r.DesaturationBelow)),
		"alert: tell the physician; acknowledge with the action taken",
		"Goldberg 2005, desaturation = SpO₂ < 93 % (003_55ad5919aae10607.txt)"})
	out = append(out, docRule{fmt.Sprintf("heart rate %d %% or more above this session's baseline", r.TachycardiaRisePct),
		"alert: tell the physician; acknowledge with the action taken",
		"Goldberg 2005, a 20 % increase over baseline heart rate (003_55ad5919aae10607.txt)"})
	if r.BPRisePct > 0 {
		out = append(out, docRule{fmt.Sprintf("systolic pressure %d %% or more above this session's baseline", r.BPRisePct),
			"alert: tell the physician; acknowledge with the action taken",
			"ketatrack default mirroring Goldberg's 20 % heart-rate rule, the band of the modified Aldrete score and PADSS (internal/infusion/rules.go); set per plan"})
	}
	if r.SystolicAbove > 0 || r.DiastolicAbove > 0 {
		out = append(out, docRule{fmt.Sprintf("blood pressure above %v/%v mmHg", float64(r.SystolicAbove), float64(r.DiastolicAbove)),
			"alert: tell the physician; acknowledge with the action taken",
			"hypertensive-urgency cut-offs, StatPearls “Hypertensive Urgency” (arbitrarily derived, as it notes)"})
	}
	out = append(out, docRule{"a rate above the plan's rate for the step",
		"alert; every rate is checked against the drug library (soft limit needs a reason, hard limit refused)",
		"internal/dosing, internal/druglib (shared/CLINICAL.md default limits)"})
	out = append(out, docRule{"discharge",
		"only when stopped, vitals charted after the stop, modified Aldrete ≥ 9 and modified PADSS ≥ 9, a responsible adult present, and no alert left unacknowledged",
		"Aldrete 1995; Chung 1995, Marshall & Chung 1999 (internal/infusion/discharge.go)"})
	return out
}

// coursePlanDoc loads the plan document of course {id}: ?version=n, else
// the version sessions are given by (the newest signed), else the latest
// draft, printed as not signed.
func (s *Server) coursePlanDoc(r *http.Request) (*docPage, clinic.DocumentPrint, error) {
	var rec clinic.DocumentPrint
	svc, id, err := s.treatmentRecord(r)
	if err != nil {
		return nil, rec, err
	}
	c, err := svc.FindCourseByID(r.Context(), id)
	if err != nil {
		return nil, rec, err
	}
	p, err := s.Patients.FindPatientByID(r.Context(), c.PatientID)
	if err != nil {
		return nil, rec, err
	}
	d, err := s.newDocPage(r, clinic.DocPlan, p)
	if err != nil {
		return nil, rec, err
	}
	v := c.Current()
	if q := r.URL.Query().Get("version"); q != "" {
		n, err := strconv.Atoi(q)
		if err != nil || c.Version(n) == nil {
			return nil, rec, clinic.Invalid("version", "course %d has no plan version %q (versions 1–%d)", c.ID, q, len(c.Versions))
		}
		v = c.Version(n)
	}
	if v == nil {
		v = c.Latest()
	}
	if v == nil || v.Plan == nil {
		return nil, rec, clinic.Errorf(clinic.ENOTFOUND, "Course %d has no plan yet.", c.ID)
	}
	pd := planDoc{planView: d.WithPlan(v.Plan), Course: c, Version: v, Versions: len(c.Versions),
		Signed: v.Status == clinic.PlanSigned, Current: c.Current()}
	if lib, err := clinic.Protocols(); err == nil {
		if proto, ok := lib.Lookup(v.Plan.ProtocolID); ok {
			pd.Summary = proto.Summary
			for _, rule := range proto.Rules {
				then := "alert: tell the physician"
				switch rule.Action {
				case "stop":
					then = "stop the infusion"
				case "warn":
					then = "warning shown with the plan"
				}
				pd.ProtocolRules = append(pd.ProtocolRules, docRule{
					When: fmt.Sprintf("%s %s %s (%s)", rule.Measure, rule.Op, rule.Threshold.Value, rule.Text), Then: then, Source: rule.Threshold.Source})
			}
			pd.Note = proto.PremedicationNote
			keys := make([]string, 0, len(proto.References))
			for k := range proto.References {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				ref := proto.References[k]
				cite := ref.Citation
				if ref.Seed != "" {
					cite += " [seed " + ref.Seed + "]"
				}
				pd.Citations = append(pd.Citations, cite)
			}
		}
	}
	rules := clinic.SessionRules(v.Input)
	pd.Rules, pd.RulesEvery = sessionRuleTexts(rules), rules.VitalsEvery
	seen := map[string]bool{}
	for _, day := range v.Plan.Days {
		for _, m := range day.Premedication {
			k := m.Drug + "|" + m.Dose + "|" + m.PatientDose + "|" + m.Route
			if !seen[k] {
				seen[k] = true
				pd.Premeds = append(pd.Premeds, m)
			}
		}
	}
	d.Subject = fmt.Sprintf("%s · plan version %d of %d", c.Title, v.Version, len(c.Versions))
	if !pd.Signed {
		d.Banner = fmt.Sprintf("NOT SIGNED — plan version %d is a draft: do not infuse from this sheet", v.Version)
	} else if cur := c.Current(); cur != nil && cur.Version != v.Version {
		d.Banner = fmt.Sprintf("SUPERSEDED — version %d is the signed plan in force", cur.Version)
	}
	d.Body = pd
	d.Self = fmt.Sprintf("/courses/%d/plan/print", c.ID)
	d.PDF = fmt.Sprintf("/courses/%d/plan.pdf", c.ID)
	d.Back = fmt.Sprintf("/courses/%d", c.ID)
	if actor(r).Role == clinic.RolePatient {
		d.Back = "/me"
	}
	rec = clinic.DocumentPrint{Entity: "course", EntityID: c.ID, Version: v.Version}
	return d, rec, nil
}

func (s *Server) planPrintPage(w http.ResponseWriter, r *http.Request) error {
	d, rec, err := s.coursePlanDoc(r)
	if err != nil {
		return err
	}
	return s.serveDoc(w, r, "doc_plan", d, rec, false)
}

func (s *Server) planPDF(w http.ResponseWriter, r *http.Request) error {
	d, rec, err := s.coursePlanDoc(r)
	if err != nil {
		return err
	}
	return s.serveDoc(w, r, "doc_plan", d, rec, true)
}
