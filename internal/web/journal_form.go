package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/opioid"
	"github.com/ketatrack/ketatrack/internal/outcomes"
	"github.com/ketatrack/ketatrack/internal/units"
)

// The journal form: one field per journal value, named after its CSV column
// (pain_now …), plus sleep_hours, phq9_1 … phq9_9, phq9_difficulty, note and
// opioid lines opioid_N, name_N, route_N, dose_N, times_N, patch_N.

// journalOpioidLines is how many opioid lines the form offers.
const journalOpioidLines = 4

// scaleOption is one answer of a rating scale.
type scaleOption struct {
	Value int
	Label string // the anchor words, where the source gives them
}

// journalQuestion is one rating question of the form.
type journalQuestion struct {
	Name     string
	Question string
	Hint     string
	Options  []scaleOption // nil for a number input
	Max      int
}

// The questions, worded after Goldberg's journal (seed
// 003_55ad5919aae10607.txt, Methods): "rate the intensity of their pain
// using a verbal analog pain scale of 0-10 (0 = no pain, 10 = worst pain
// possible) and the affective component of their pain using a verbal scale
// of 0-4 (0 = none, 1 = mild, 2 = moderate, 3 = severe)". The paper gives no
// word for 4 on that scale, so 4 carries none here. Burning, aching and
// punishing pain are scored 0–4 (their reported means, e.g. punishing 1.61 ±
// 1.22, are on that scale). For movement the paper says only "a 10-point
// scale" and reports a fall from 6.4 to 4.4 as "significant improvement", so
// the question asks for difficulty, lower being better.
func journalQuestions() []journalQuestion {
	ten := func(lo, hi string) []scaleOption {
		o := make([]scaleOption, 11)
		for i := range o {
			o[i].Value = i
		}
		o[0].Label, o[10].Label = lo, hi
		return o
	}
	pain := func() []scaleOption { return ten("no pain", "worst pain possible") }
	four := func() []scaleOption {
		return []scaleOption{{0, "none"}, {1, "mild"}, {2, "moderate"}, {3, "severe"}, {4, ""}}
	}
	return []journalQuestion{
		{Name: "pain_now", Question: "How strong is your pain now?", Options: pain(), Max: 10},
		{Name: "pain_worst", Question: "Your worst pain in the past day", Options: pain(), Max: 10},
		{Name: "pain_least", Question: "Your least pain in the past day", Options: pain(), Max: 10},
		{Name: "pain_24h", Question: "Your pain overall over the past 24 hours", Options: pain(), Max: 10},
		{Name: "affective", Question: "How much does the pain upset or distress you?", Options: four(), Max: 4},
		{Name: "burning", Question: "Burning pain", Options: four(), Max: 4},
		{Name: "aching", Question: "Aching pain", Options: four(), Max: 4},
		{Name: "punishing", Question: "Punishing pain", Options: four(), Max: 4},
		{Name: "movement", Question: "How hard is it to start moving the affected limb?",
			Hint: "lower is better", Options: ten("no difficulty", "cannot start moving it"), Max: 10},
		{Name: "relief_pct", Question: "Overall pain relief since treatment began, in percent (0–100)", Max: 100},
	}
}

// opioidLine is one opioid line of the form, for the template.
type opioidLine struct {
	N                                       int
	Opioid, Name, Route, Dose, Times, Patch string
	Err                                     string
}

// journalFormView is what the journal form template shows.
type journalFormView struct {
	Questions []journalQuestion
	Opioids   []opioidLine
	Choices   []opioid.Opioid
	ShowPHQ9  bool
	PHQ9Items [9]string
	PHQ9Ans   [4]string
	PHQ9Diff  [4]string
	PHQ9Stem  string
	PHQ9DiffQ string
}

func newJournalFormView(f *form, showPHQ9 bool) journalFormView {
	v := journalFormView{Questions: journalQuestions(), Choices: opioid.Opioids, ShowPHQ9: showPHQ9,
		PHQ9Items: clinic.PHQ9Items, PHQ9Ans: clinic.PHQ9Answers, PHQ9Diff: clinic.PHQ9Difficulties,
		PHQ9Stem: clinic.PHQ9Stem, PHQ9DiffQ: clinic.PHQ9DifficultyQuestion}
	for n := range journalOpioidLines {
		k := strconv.Itoa(n)
		l := opioidLine{N: n, Opioid: f.Get("opioid_" + k), Name: f.Get("name_" + k), Route: f.Get("route_" + k),
			Dose: f.Get("dose_" + k), Times: f.Get("times_" + k), Patch: f.Get("patch_" + k)}
		for _, fld := range []string{"opioid_", "name_", "route_", "dose_", "times_", "patch_"} {
			if e := f.Err(fld + k); e != "" {
				l.Err = e
			}
		}
		v.Opioids = append(v.Opioids, l)
	}
	return v
}

// journalFormValues fills a form from an entry (to change today's entry).
func journalFormValues(e *clinic.JournalEntry) *form {
	f := newForm()
	if e == nil {
		return f
	}
	for _, m := range outcomes.Measures() {
		f.Values[m.Column()] = e.Scores[m].String()
	}
	f.Values["sleep_hours"] = e.SleepHours.String()
	if e.PHQ9 != nil {
		for i, v := range e.PHQ9.Items {
			f.Values[fmt.Sprintf("phq9_%d", i+1)] = strconv.Itoa(v)
		}
		if e.PHQ9.Difficulty != nil {
			f.Values["phq9_difficulty"] = strconv.Itoa(*e.PHQ9.Difficulty)
		}
	}
	for n, o := range e.Opioids {
		if n >= journalOpioidLines {
			break
		}
		k := strconv.Itoa(n)
		f.Values["opioid_"+k], f.Values["name_"+k], f.Values["route_"+k] = string(o.Opioid), o.Name, string(o.Route)
		if o.DoseEach != nil {
			f.Values["dose_"+k] = o.DoseEach.String()
		}
		if o.TimesPerDay > 0 {
			f.Values["times_"+k] = strconv.Itoa(o.TimesPerDay)
		}
		if o.PatchRate != nil {
			f.Values["patch_"+k] = o.PatchRate.String()
		}
	}
	f.Values["note"] = e.Note
	return f
}

// journalFromForm reads the submitted form into an entry for patientID on
// day. The form keeps what was typed; the error names the field.
func journalFromForm(r *http.Request, patientID int64, day clinic.Date) (*clinic.JournalEntry, *form, error) {
	f := newForm()
	if err := parseForm(r); err != nil {
		return nil, f, err
	}
	for k, v := range r.PostForm {
		if len(v) > 0 {
			f.Values[k] = strings.TrimSpace(v[0])
		}
	}
	e := clinic.NewJournalEntry(patientID, day)
	for _, m := range outcomes.Measures() {
		s, err := outcomes.ParseScore(m, f.Get(m.Column()))
		if err != nil {
			return nil, f, clinic.Invalid(m.Column(), "%v", err)
		}
		e.Scores[m] = s
	}
	h, err := clinic.ParseCenti(f.Get("sleep_hours"), 2400)
	if err != nil {
		return nil, f, clinic.Invalid("sleep_hours", "%v (hours slept, 0–24, e.g. 6.5)", err)
	}
	e.SleepHours = h
	if q, err := phq9FromForm(f); err != nil {
		return nil, f, err
	} else {
		e.PHQ9 = q
	}
	for n := range journalOpioidLines {
		reg, ok, err := opioidFromForm(f, strconv.Itoa(n))
		if err != nil {
			return nil, f, err
		}
		if ok {
			e.Opioids = append(e.Opioids, reg)
		}
	}
	e.Note = strings.ReplaceAll(r.PostForm.Get("note"), "\r\n", "\n")
	e.Note = strings.TrimSpace(e.Note)
	f.Values["note"] = e.Note
	return e, f, nil
}

// phq9FromForm reads the PHQ-9: nil when no item is answered, an error
// naming the first unanswered item when only some are.
func phq9FromForm(f *form) (*clinic.PHQ9, error) {
	var q clinic.PHQ9
	answered := 0
	for i := range q.Items {
		if f.Get(fmt.Sprintf("phq9_%d", i+1)) != "" {
			answered++
		}
	}
	if answered == 0 {
		if f.Get("phq9_difficulty") != "" {
			return nil, clinic.Invalid("phq9_1", "answer the nine questions too, or none of them")
		}
		return nil, nil
	}
	for i := range q.Items {
		name := fmt.Sprintf("phq9_%d", i+1)
		v, err := strconv.Atoi(f.Get(name))
		if err != nil {
			return nil, clinic.Invalid(name, "answer every question of the PHQ-9 (or none today)")
		}
		q.Items[i] = v
	}
	if d := f.Get("phq9_difficulty"); d != "" {
		v, err := strconv.Atoi(d)
		if err != nil {
			return nil, clinic.Invalid("phq9_difficulty", "choose one answer")
		}
		q.Difficulty = &v
	}
	return &q, q.Validate()
}

// opioidFromForm reads opioid line k; ok is false for an empty line.
func opioidFromForm(f *form, k string) (opioid.Regimen, bool, error) {
	name := f.Get("opioid_" + k)
	if name == "" {
		for _, fld := range []string{"dose_", "times_", "patch_", "name_"} {
			if f.Get(fld+k) != "" {
				return opioid.Regimen{}, false, clinic.Invalid("opioid_"+k, "choose the opioid for this line")
			}
		}
		return opioid.Regimen{}, false, nil
	}
	reg := opioid.Regimen{Opioid: opioid.Opioid(name), Name: f.Get("name_" + k), Route: opioid.Route(f.Get("route_" + k))}
	if reg.Route == "" {
		reg.Route = opioid.Oral
	}
	if d := f.Get("dose_" + k); d != "" {
		m, err := units.ParseMass("dose_"+k, d)
		if err != nil {
			return reg, false, clinic.Invalid("dose_"+k, "%v", err)
		}
		reg.DoseEach = &m
	}
	if t := f.Get("times_" + k); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 1 || n > 48 {
			return reg, false, clinic.Invalid("times_"+k, "how many times today, a whole number from 1")
		}
		reg.TimesPerDay = n
	}
	if p := f.Get("patch_" + k); p != "" {
		rate, err := units.ParseDoseRate("patch_"+k, p)
		if err != nil {
			return reg, false, clinic.Invalid("patch_"+k, "%v", err)
		}
		reg.PatchRate = &rate
	}
	if err := reg.Validate(); err != nil {
		if fe, ok := err.(*opioid.FieldError); ok {
			field := map[string]string{"opioid": "opioid_", "name": "name_", "route": "route_", "dose_each": "dose_",
				"times_per_day": "times_", "patch_rate": "patch_"}[fe.Field]
			if field == "" {
				field = "opioid_"
			}
			return reg, false, clinic.Invalid(field+k, "%s", fe.Message)
		}
		return reg, false, clinic.Invalid("opioid_"+k, "%v", err)
	}
	return reg, true, nil
}
