package clinic

import (
	"fmt"
	"strconv"
	"strings"
)

// The PHQ-9, the depression module of the Patient Health Questionnaire
// (Kroenke K, Spitzer RL, Williams JBW. The PHQ-9: validity of a brief
// depression severity measure. J Gen Intern Med 2001;16:606–13). Each of the
// nine DSM-IV criteria is scored 0 ("not at all") to 3 ("nearly every day")
// over the last 2 weeks; the total is 0–27, and totals of 5, 10, 15 and 20
// mark mild, moderate, moderately severe and severe depression (Kroenke
// 2001, Abstract). A tenth question asks how difficult the problems have
// made work, home and getting along with people; it is not scored. The
// wording below is that of the PHQ-9 form (Pfizer, free to reproduce),
// checked against the items as listed in published reproductions.
//
// ketatrack asks the PHQ-9 every two weeks (PHQ9Interval), matching the
// questionnaire's own two-week recall period.

// PHQ9Interval is how often the journal asks the PHQ-9: its recall period.
const PHQ9Interval = 14 // days

// PHQ9Items are the nine questions, in order, after the stem "Over the last
// 2 weeks, how often have you been bothered by any of the following
// problems?".
var PHQ9Items = [9]string{
	"Little interest or pleasure in doing things",
	"Feeling down, depressed, or hopeless",
	"Trouble falling or staying asleep, or sleeping too much",
	"Feeling tired or having little energy",
	"Poor appetite or overeating",
	"Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
	"Trouble concentrating on things, such as reading the newspaper or watching television",
	"Moving or speaking so slowly that other people could have noticed? Or the opposite — being so fidgety or restless that you have been moving around a lot more than usual",
	"Thoughts that you would be better off dead or of hurting yourself in some way",
}

// PHQ9Stem introduces the nine items.
const PHQ9Stem = "Over the last 2 weeks, how often have you been bothered by any of the following problems?"

// PHQ9Answers are the item answers, by score 0–3.
var PHQ9Answers = [4]string{"Not at all", "Several days", "More than half the days", "Nearly every day"}

// PHQ9DifficultyQuestion is the tenth, unscored question.
const PHQ9DifficultyQuestion = "If you checked off any problems, how difficult have these problems made it for you to do your work, take care of things at home, or get along with other people?"

// PHQ9Difficulties are the answers to the difficulty question, by code 0–3.
var PHQ9Difficulties = [4]string{"Not difficult at all", "Somewhat difficult", "Very difficult", "Extremely difficult"}

// PHQ9 is one completed PHQ-9.
type PHQ9 struct {
	// Items are the nine answers, 0–3 each.
	Items [9]int `json:"items"`
	// Difficulty is the answer to the difficulty question (0–3), nil if
	// not answered.
	Difficulty *int `json:"difficulty"`
}

// Validate checks every answer.
func (q *PHQ9) Validate() error {
	for i, v := range q.Items {
		if v < 0 || v > 3 {
			return Invalid(fmt.Sprintf("phq9_%d", i+1), "answer 0–3 (%s … %s), got %d", PHQ9Answers[0], PHQ9Answers[3], v)
		}
	}
	if q.Difficulty != nil && (*q.Difficulty < 0 || *q.Difficulty > 3) {
		return Invalid("phq9_difficulty", "answer 0–3, got %d", *q.Difficulty)
	}
	return nil
}

// Total is the PHQ-9 score, the sum of the nine items (0–27).
func (q *PHQ9) Total() int {
	t := 0
	for _, v := range q.Items {
		t += v
	}
	return t
}

// Severity names the total's band (Kroenke 2001): 0–4 none or minimal,
// 5–9 mild, 10–14 moderate, 15–19 moderately severe, 20–27 severe.
func (q *PHQ9) Severity() string {
	switch t := q.Total(); {
	case t >= 20:
		return "severe"
	case t >= 15:
		return "moderately severe"
	case t >= 10:
		return "moderate"
	case t >= 5:
		return "mild"
	}
	return "none or minimal"
}

// SelfHarm reports whether item 9 (thoughts of being better off dead or of
// self-harm) was answered above "not at all": whatever the total, the
// clinic must see it and the patient must be told where to get help now.
func (q *PHQ9) SelfHarm() bool { return q.Items[8] > 0 }

// String writes the items as "0,1,2,…" (how the store keeps them).
func (q *PHQ9) String() string {
	parts := make([]string, len(q.Items))
	for i, v := range q.Items {
		parts[i] = strconv.Itoa(v)
	}
	return strings.Join(parts, ",")
}

// ParsePHQ9Items reads nine comma-separated answers written by String.
func ParsePHQ9Items(s string) (PHQ9, error) {
	var q PHQ9
	parts := strings.Split(s, ",")
	if len(parts) != len(q.Items) {
		return q, fmt.Errorf("PHQ-9: %d answers, want 9", len(parts))
	}
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil {
			return q, fmt.Errorf("PHQ-9 item %d: %q is not a number", i+1, p)
		}
		q.Items[i] = v
	}
	return q, q.Validate()
}
