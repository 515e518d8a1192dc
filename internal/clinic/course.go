package clinic

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ketatrack/ketatrack/internal/protocol"
	"github.com/ketatrack/ketatrack/internal/units"
)

// Audit actions of courses and plans.
const (
	// ActionSign is a clinician signing a plan version.
	ActionSign = "sign"
)

// PlanStatus is where a plan version stands.
type PlanStatus string

// Plan version statuses. A draft may be edited; a signed version never
// changes again: a change makes a new version.
const (
	PlanDraft  PlanStatus = "draft"
	PlanSigned PlanStatus = "signed"
)

// Course is a treatment course of one patient: a protocol given over days
// or weeks, with every version of its plan.
type Course struct {
	ID        int64     `json:"id"`
	ClinicID  int64     `json:"clinic_id"`
	PatientID int64     `json:"patient_id"`
	Title     string    `json:"title"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Versions are the plan versions, oldest first (filled by
	// FindCourseByID; FindCourses leaves only the latest and the signed one).
	Versions []*PlanVersion `json:"versions"`
}

// Latest returns the newest plan version (nil if none).
func (c *Course) Latest() *PlanVersion {
	if len(c.Versions) == 0 {
		return nil
	}
	return c.Versions[len(c.Versions)-1]
}

// Current returns the newest signed plan version: the one sessions are
// given by (nil while no version is signed).
func (c *Course) Current() *PlanVersion {
	for i := len(c.Versions) - 1; i >= 0; i-- {
		if c.Versions[i].Status == PlanSigned {
			return c.Versions[i]
		}
	}
	return nil
}

// Version returns version n (nil if there is none).
func (c *Course) Version(n int) *PlanVersion {
	for _, v := range c.Versions {
		if v.Version == n {
			return v
		}
	}
	return nil
}

// PlanVersion is one version of a course's plan: what the clinician entered
// and the plan made of it at the time, with who made and who signed it.
type PlanVersion struct {
	ID       int64      `json:"id"`
	CourseID int64      `json:"course_id"`
	Version  int        `json:"version"`
	Status   PlanStatus `json:"status"`
	// Reason says why this version was made (required for a version after a
	// signed one).
	Reason        string    `json:"reason"`
	Input         PlanInput `json:"input"`
	Plan          *Plan     `json:"plan"`
	CreatedBy     int64     `json:"created_by,omitempty"`
	CreatedByName string    `json:"created_by_name"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
	// Revision counts the saves of this version: 1 when made, +1 by every
	// edit of the draft. An edit or signature names the revision its form
	// showed, so one made on a stale view is refused (ECONFLICT) instead of
	// overwriting, or signing, a change its author never saw.
	Revision int `json:"revision"`
	// UpdatedByName is who saved the last edit ("" before any edit).
	UpdatedByName string    `json:"updated_by_name,omitempty"`
	SignedBy      int64     `json:"signed_by,omitempty"`
	SignedByName  string    `json:"signed_by_name,omitempty"`
	SignedAt      time.Time `json:"signed_at,omitzero"`
}

// PlanInput is what a clinician enters to make a plan: the protocol, the
// details the source leaves unspecified, the patient's current weight, the
// bag, the start date and the care area. Quantities are text with their
// units ("71kg", "40mg/500mL"), parsed strictly by internal/units.
type PlanInput struct {
	ProtocolID string `json:"protocol_id"`
	// Weight is the patient's current weight, "71kg" or "156lb".
	Weight string `json:"weight"`
	// Bag is the amount in the volume the pharmacy prepares, "80mg/500mL";
	// empty to use the volume the source mixed each session's dose in (as
	// Goldberg's 40–80 mg in 500 mL) or to give no mL/h.
	Bag       string `json:"bag,omitempty"`
	StartDate Date   `json:"start_date"`
	// CareArea is outpatient, inpatient or icu; empty takes the protocol's.
	CareArea string `json:"care_area,omitempty"`
	// Settings fill the protocol's unspecified details, by key.
	Settings map[string]string `json:"settings,omitempty"`
	// Acknowledgement is the clinician's reason for going over a soft limit
	// of the drug library.
	Acknowledgement string `json:"acknowledgement,omitempty"`
	// BPRisePct is the blood-pressure alert threshold of the sessions: a
	// systolic rise of this percentage over the session's baseline raises an
	// alert. Nil takes infusion.DefaultRules (20 %, sourced there).
	BPRisePct *int `json:"bp_rise_pct,omitempty"`
}

// Validate checks the fields that need no protocol; the plan's expansion
// checks the rest. Errors name the JSON field.
func (in *PlanInput) Validate() error {
	if strings.TrimSpace(in.ProtocolID) == "" {
		return Invalid("protocol_id", "choose a protocol")
	}
	if strings.TrimSpace(in.Weight) == "" {
		return Invalid("weight", "the patient's current weight with its unit is required, e.g. 71kg or 156lb")
	}
	if _, err := units.ParseBodyWeight("", in.Weight); err != nil {
		return Invalid("weight", "%v", err)
	}
	if in.Bag != "" {
		if err := checkBag(in.Bag); err != nil {
			return err
		}
	}
	if in.StartDate.IsZero() {
		return Invalid("start_date", "the date of the first treatment day is required (YYYY-MM-DD)")
	}
	if in.BPRisePct != nil && (*in.BPRisePct < 1 || *in.BPRisePct > 100) {
		return Invalid("bp_rise_pct", "must be a whole percentage from 1 to 100, got %d", *in.BPRisePct)
	}
	if err := checkText("acknowledgement", in.Acknowledgement, 0, 1000); err != nil {
		return err
	}
	for k, v := range in.Settings {
		if err := checkText("settings."+k, v, 0, 200); err != nil {
			return err
		}
	}
	return nil
}

// checkBag parses a bag label: an amount in a volume, never a bare
// concentration (the chart needs the volume for what is left in the bag).
func checkBag(s string) error {
	c, err := units.ParseConcentration("", s)
	if err != nil {
		return Invalid("bag", "%v", err)
	}
	if _, _, ok := c.Amount(); !ok {
		return Invalid("bag", "%q is a concentration: write the bag as an amount in a volume, e.g. 80mg/500mL", s)
	}
	return nil
}

// Plan is a plan as stored with its version: the output of
// protocol.Expand copied into a form that does not change when the
// protocol package's types do. Numbers are unrounded (mg, mg/h, mL/h).
type Plan struct {
	ProtocolID    string `json:"protocol_id"`
	ProtocolTitle string `json:"protocol_title"`
	Regimen       string `json:"regimen"`
	Drug          string `json:"drug"`
	CareArea      string `json:"care_area"`
	// Weight is the weight the plan was computed for, as written.
	Weight   string  `json:"weight"`
	WeightKg float64 `json:"weight_kg"`
	// Bag is the bag the plan was computed for, as written ("" for none).
	Bag       string    `json:"bag,omitempty"`
	StartDate Date      `json:"start_date"`
	Days      []PlanDay `json:"days"`
	CourseMg  float64   `json:"course_mg"`
	// Status is the worst step's: ok or soft_limit (a plan over a hard limit
	// is never stored).
	Status       string            `json:"status"`
	Acknowledged string            `json:"acknowledged,omitempty"`
	Filled       map[string]string `json:"unspecified_filled"`
	Monitoring   []PlanMonitor     `json:"monitoring,omitempty"`
	Warnings     []string          `json:"warnings,omitempty"`
	Sources      []string          `json:"sources,omitempty"`
}

// PlanDay is one treatment day of a plan.
type PlanDay struct {
	Day       int        `json:"day"`
	CourseDay int        `json:"course_day"`
	Date      Date       `json:"date"`
	Steps     []PlanStep `json:"steps"`
	SessionMg float64    `json:"session_mg"`
	// VolumeML is the volume of the plan's bag the day needs (0 without).
	VolumeML float64 `json:"volume_ml,omitempty"`
	// DiluentMg and DiluentML are the source's own mixing when no bag was
	// given: the day's amount in the source's volume (Goldberg: 40 mg in
	// 500 mL on day 1).
	DiluentMg     float64          `json:"diluent_mg,omitempty"`
	DiluentML     float64          `json:"diluent_ml,omitempty"`
	Premedication []PlanMedication `json:"premedication,omitempty"`
}

// PlanStep is one dose of a day: an infusion at a constant rate, or a bolus.
type PlanStep struct {
	Name  string `json:"name"`
	Bolus bool   `json:"bolus,omitempty"`
	// OffsetMin is the start in minutes from the start of the session.
	OffsetMin   float64  `json:"start_min"`
	DurationMin float64  `json:"duration_min"`
	MgPerH      float64  `json:"mg_per_h"`
	MgPerKgPerH float64  `json:"mg_per_kg_per_h"`
	MLPerH      *float64 `json:"ml_per_h,omitempty"`
	AmountMg    float64  `json:"amount_mg"`
	Dose        string   `json:"dose"`
	Source      string   `json:"source,omitempty"`
	Status      string   `json:"status"`
	Messages    []string `json:"messages,omitempty"`
}

// PlanMedication is a premedication or co-medication with this patient's dose.
type PlanMedication struct {
	Drug        string `json:"drug"`
	Role        string `json:"role"`
	Dose        string `json:"dose"`
	PatientDose string `json:"patient_dose,omitempty"`
	Route       string `json:"route"`
	When        string `json:"when,omitempty"`
	Purpose     string `json:"purpose,omitempty"`
	Source      string `json:"source,omitempty"`
}

// PlanMonitor is one thing watched and how often.
type PlanMonitor struct {
	What   string `json:"what"`
	Every  string `json:"every"`
	Source string `json:"source,omitempty"`
}

// Day returns plan day n (nil if there is none).
func (p *Plan) Day(n int) *PlanDay {
	for i := range p.Days {
		if p.Days[i].Day == n {
			return &p.Days[i]
		}
	}
	return nil
}

// Protocols is the protocol library plans are made from; the store uses
// protocol.Builtin unless a clinic's library is set here at start-up.
var Protocols = protocol.Builtin

// MakePlan expands in with internal/protocol (whose steps the dose engine
// checks) and returns the plan to store. A detail the protocol leaves
// unspecified and in does not fill, a bad quantity, a step over a hard
// limit, or a step over a soft limit without an acknowledgement is an
// EINVALID error naming the field to fix.
func MakePlan(in PlanInput) (*Plan, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	lib, err := Protocols()
	if err != nil {
		return nil, fmt.Errorf("protocol library: %w", err)
	}
	p, ok := lib.Lookup(in.ProtocolID)
	if !ok {
		return nil, Invalid("protocol_id", "there is no protocol %q in the library", in.ProtocolID)
	}
	w, _ := units.ParseBodyWeight("", in.Weight) // checked by Validate
	req := protocol.Request{Weight: w, CareArea: in.CareArea, Start: in.StartDate.Time(),
		Settings: map[string]string{}, Acknowledge: strings.TrimSpace(in.Acknowledgement)}
	for k, v := range in.Settings {
		if v = strings.TrimSpace(v); v != "" {
			req.Settings[k] = v
		}
	}
	if in.Bag != "" {
		c, _ := units.ParseConcentration("", in.Bag) // checked by Validate
		req.Bag = &c
	}
	pl, err := protocol.Expand(p, req)
	if err != nil {
		return nil, planError(err)
	}
	if err := planLimits(pl); err != nil {
		return nil, err
	}
	return snapshot(p, in, pl), nil
}

// planError turns protocol.Expand's errors into field errors of PlanInput.
func planError(err error) error {
	var miss *protocol.MissingError
	if errors.As(err, &miss) && len(miss.Missing) > 0 {
		var keys []string
		for _, m := range miss.Missing {
			keys = append(keys, m.Key)
		}
		m := miss.Missing[0]
		msg := m.Question
		var vals []string
		for _, c := range m.Choices {
			if c.Value != "" {
				vals = append(vals, c.Value)
			}
		}
		if len(vals) > 0 {
			msg += " Choices from the literature: " + strings.Join(vals, ", ") + "."
		}
		if len(keys) > 1 {
			msg += fmt.Sprintf(" (Also to fill: %s.)", strings.Join(keys[1:], ", "))
		}
		return Invalid("settings."+m.Key, "%s", msg)
	}
	var in *protocol.InputError
	if errors.As(err, &in) {
		return Invalid(inputField(in.Field), "%s", in.Reason)
	}
	return fmt.Errorf("plan: %w", err)
}

// inputField maps a protocol.InputError field (a flag of `ketatrack plan`)
// to the PlanInput field.
func inputField(f string) string {
	switch {
	case strings.HasPrefix(f, "--set "):
		return "settings." + strings.TrimPrefix(f, "--set ")
	case f == "--weight":
		return "weight"
	case f == "--bag":
		return "bag"
	case f == "--setting":
		return "care_area"
	case f == "--start":
		return "start_date"
	case f == "--acknowledge":
		return "acknowledgement"
	}
	return "plan"
}

// planLimits refuses a plan over a hard limit, and one over a soft limit
// without the clinician's reason (issue 7: "soft limits need acknowledgement
// with a reason, hard limits refused").
func planLimits(pl *protocol.Plan) error {
	switch pl.Status {
	case protocol.StatusHardLimit:
		d, s := firstStep(pl, protocol.StatusHardLimit)
		return Invalid("plan", "refused: day %d, %s (%s) is over a hard limit of the drug library, which cannot be overridden: %s",
			d.Day, s.Name, s.Dose, strings.Join(s.Messages, "; "))
	case protocol.StatusSoftLimit:
		if strings.TrimSpace(pl.Acknowledged) == "" {
			d, s := firstStep(pl, protocol.StatusSoftLimit)
			return Invalid("acknowledgement", "day %d, %s (%s) is over a soft limit of the drug library: give your reason to go ahead. %s",
				d.Day, s.Name, s.Dose, strings.Join(s.Messages, "; "))
		}
	}
	return nil
}

func firstStep(pl *protocol.Plan, st protocol.Status) (protocol.Day, protocol.Step) {
	for _, d := range pl.Days {
		for _, s := range d.Steps {
			if s.Status == st {
				return d, s
			}
		}
	}
	return protocol.Day{}, protocol.Step{}
}

// snapshot copies an expanded plan into the stored form.
func snapshot(p *protocol.Protocol, in PlanInput, pl *protocol.Plan) *Plan {
	out := &Plan{
		ProtocolID: p.ID, ProtocolTitle: p.Title, Regimen: pl.Regimen, Drug: pl.Drug, CareArea: pl.CareArea,
		Weight: pl.Weight.String(), WeightKg: pl.Weight.Kilograms(), StartDate: in.StartDate,
		CourseMg: pl.CourseMg, Status: pl.Status.String(), Acknowledged: pl.Acknowledged,
		Filled: map[string]string{}, Warnings: pl.Warnings, Sources: pl.Sources,
	}
	if pl.Bag != nil {
		out.Bag = pl.Bag.String()
	}
	for k, v := range pl.Filled {
		out.Filled[k] = v
	}
	for _, m := range pl.Monitoring {
		out.Monitoring = append(out.Monitoring, PlanMonitor{What: m.What, Every: m.Every, Source: m.Source})
	}
	for _, d := range pl.Days {
		pd := PlanDay{Day: d.Day, CourseDay: d.CourseDay, SessionMg: d.SessionMg, VolumeML: d.VolumeMl}
		if !d.Date.IsZero() {
			pd.Date = DateOf(d.Date)
		}
		if d.Diluent != nil {
			pd.DiluentMg, pd.DiluentML = d.Diluent.AmountMg, d.Diluent.VolumeMl
		}
		for _, s := range d.Steps {
			ps := PlanStep{Name: s.Name, Bolus: s.Bolus, OffsetMin: s.SessionOffsetH * 60, DurationMin: s.DurationH * 60,
				MgPerH: s.MgPerH, MgPerKgPerH: s.MgPerKgPerH, AmountMg: s.AmountMg, Dose: s.Dose, Source: s.Source,
				Status: s.Status.String(), Messages: s.Messages}
			if s.HasMl {
				ml := s.MlPerH
				ps.MLPerH = &ml
			}
			pd.Steps = append(pd.Steps, ps)
		}
		for _, m := range d.Premedication {
			pd.Premedication = append(pd.Premedication, PlanMedication{Drug: m.Drug, Role: m.Role, Dose: m.Dose,
				PatientDose: m.PatientDose, Route: m.Route, When: m.When, Purpose: m.Purpose, Source: m.Source})
		}
		out.Days = append(out.Days, pd)
	}
	return out
}

// SessionBag returns the bag a day's session is given from, as a label: the
// plan's bag, or the source's own mixing of the day's amount (Goldberg day
// 1: 40mg/500mL). ok is false when the plan gives neither, and when the
// day's amount is not a whole number of mg (a weight-based dose, such as
// Schwartzman's 0.35 mg/kg/h × 4 h in 100 mL): no pharmacy labels a bag
// 97.790436mg/100mL, so the session then takes the bag actually hung,
// checked against its label, rather than refuse every real label.
func (p *Plan) SessionBag(d *PlanDay) (units.Concentration, bool) {
	if p.Bag != "" {
		c, err := units.ParseConcentration("bag", p.Bag)
		return c, err == nil
	}
	if d.DiluentMg > 0 && d.DiluentML > 0 && d.DiluentMg == math.Trunc(d.DiluentMg) {
		c, err := units.Bag(units.Milligrams(d.DiluentMg), units.Milliliters(d.DiluentML))
		return c, err == nil
	}
	return units.Concentration{}, false
}

// InfusionSteps returns the day's infusion steps as the pump's rate profile
// in running order: minutes and mg/h. ok is false when a step does not last
// a whole number of minutes (the profile would have to be rounded, and a
// dose is never rounded silently) or the day holds no infusion: the session
// is then charted without a planned profile.
func (d *PlanDay) InfusionSteps() (minutes []int, mgPerH []float64, ok bool) {
	steps := make([]PlanStep, 0, len(d.Steps))
	for _, s := range d.Steps {
		if !s.Bolus {
			steps = append(steps, s)
		}
	}
	sort.SliceStable(steps, func(i, j int) bool { return steps[i].OffsetMin < steps[j].OffsetMin })
	for _, s := range steps {
		m := math.Round(s.DurationMin)
		if m < 1 || math.Abs(s.DurationMin-m) > 1e-6 {
			return nil, nil, false
		}
		minutes = append(minutes, int(m))
		mgPerH = append(mgPerH, s.MgPerH)
	}
	return minutes, mgPerH, len(minutes) > 0
}

// Validate checks a course's own fields.
func (c *Course) Validate() error {
	if err := checkText("title", c.Title, 1, 200); err != nil {
		return err
	}
	return nil
}

// CheckChangeReason checks the reason given for a new or changed plan
// version: required once a version of the course has been signed.
func (c *Course) CheckChangeReason(reason string) error {
	if err := checkText("reason", reason, 0, 1000); err != nil {
		return err
	}
	if c.Current() != nil && reason == "" {
		return Invalid("reason", "say why the signed plan is being changed")
	}
	return nil
}

// CourseTitle is the default title of a course of a plan: the protocol's
// title and the start date.
func CourseTitle(p *Plan) string {
	t := p.ProtocolTitle
	if utf8.RuneCountInString(t) > 150 {
		t = string([]rune(t)[:150]) + "…"
	}
	return fmt.Sprintf("%s, from %s", t, p.StartDate)
}

// CourseFilter selects courses of the actor's clinic.
type CourseFilter struct {
	PatientID int64 // 0 for every patient
	// BeforeID pages on (keyset, issue 16): only courses with a smaller ID,
	// i.e. older than the last one of the page before; 0 starts at the
	// newest.
	BeforeID int64
	Limit    int // 0 means 50; at most 500
}

// CanPlanCourse reports whether a may create a course or a plan version for
// a patient of clinicID: the clinic's clinicians ("chooses and adapts a
// protocol, signs plans", shared/PRODUCT.md).
func CanPlanCourse(a *Actor, clinicID int64) bool {
	return a != nil && (a.System || (a.Role == RoleClinician && a.ClinicID == clinicID))
}

// CanSignPlan reports whether a may sign a plan version: clinicians of the
// clinic only (issue 7: "the clinician signs it").
func CanSignPlan(a *Actor, clinicID int64) bool {
	return a != nil && !a.System && a.Role == RoleClinician && a.ClinicID == clinicID
}

// CourseService manages treatment courses and their plan versions. Every
// method checks the actor's rights and audits its changes in the same
// transaction. Reads follow CanReadPatientRecord (a patient reads their
// own courses).
type CourseService interface {
	// CreateCourse makes the plan of in and stores a new course of the
	// patient with it as draft version 1. title "" takes CourseTitle.
	CreateCourse(ctx context.Context, patientID int64, title string, in PlanInput) (*Course, error)
	// FindCourseByID returns the course with every plan version.
	FindCourseByID(ctx context.Context, id int64) (*Course, error)
	// FindCourses returns the courses the actor may see, newest first, each
	// with every plan version.
	FindCourses(ctx context.Context, f CourseFilter) ([]*Course, error)
	// ReviseCourse makes the plan of in and stores it as a new draft version
	// after the latest. reason is required once a version has been signed.
	// basedOn, when not 0, is the latest version the clinician's form was
	// filled from: if another version was saved since, the revision is
	// refused with ECONFLICT on field "based_on" naming it (their form
	// would silently drop that version's changes).
	ReviseCourse(ctx context.Context, courseID int64, in PlanInput, reason string, basedOn int) (*PlanVersion, error)
	// UpdateDraft replaces the input and plan of draft version n. A signed
	// version is refused with ECONFLICT on field "version": it is never
	// changed, a change makes a new version. rev, when not 0, is the
	// revision the form showed: a draft saved by someone else since is
	// refused with ECONFLICT on field "revision" naming who saved it.
	UpdateDraft(ctx context.Context, courseID int64, n int, in PlanInput, reason string, rev int) (*PlanVersion, error)
	// SignPlan signs draft version n, which must be the latest (CanSignPlan).
	// The plan is made again from its input first and must match, so that a
	// signature never covers a plan the libraries would no longer produce.
	// rev, when not 0, is the revision the clinician read: a signature never
	// covers an edit its signer did not see (ECONFLICT on field "revision").
	// Of two clinicians signing at once exactly one succeeds; the other gets
	// ECONFLICT naming who signed and when.
	SignPlan(ctx context.Context, courseID int64, n int, rev int) (*PlanVersion, error)
}
