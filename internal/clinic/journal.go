package clinic

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ketatrack/ketatrack/internal/opioid"
	"github.com/ketatrack/ketatrack/internal/outcomes"
)

// JournalSource says how a journal entry was entered, and so which of its
// date and its journal day is the one entered (the other follows from the
// patient's day 1).
type JournalSource string

// Journal sources.
const (
	// JournalByPatient: the patient wrote it in the portal (dated).
	JournalByPatient JournalSource = "patient"
	// JournalByStaff: staff wrote it for the patient (dated).
	JournalByStaff JournalSource = "staff"
	// JournalImported: imported from a study journal CSV (by journal day).
	JournalImported JournalSource = "import"
)

// JournalEntry is one patient's daily journal entry: the measures of
// Goldberg's study journal (Goldberg et al., Pain Physician 2005, seed
// 003_55ad5919aae10607.txt, held as internal/outcomes scores), plus hours
// slept, the PHQ-9 every two weeks, the opioids taken that day with their
// MME, and free text.
//
// An entry can be changed only on its own day; each change keeps the
// previous version (FindJournalVersions) and is audited.
type JournalEntry struct {
	ID        int64 `json:"id"`
	ClinicID  int64 `json:"clinic_id"`
	PatientID int64 `json:"patient_id"`
	// Date is the calendar day the entry is for; zero for an entry imported
	// by journal day before the patient's day 1 was set.
	Date Date `json:"date"`
	// Day is the journal day (1 = first infusion day); HasDay is false
	// until the patient's day 1 is set.
	Day    int           `json:"-"`
	HasDay bool          `json:"-"`
	Source JournalSource `json:"source"`
	// Version counts the saves of the entry, from 1.
	Version int `json:"version"`
	// Scores are the study journal's values by outcomes.Measure; Missing
	// where not answered.
	Scores [outcomes.NumMeasures]outcomes.Score `json:"-"`
	// SleepHours is the hours slept the night before; Missing if not given.
	SleepHours Centi `json:"-"`
	// PHQ9 is the PHQ-9, when answered with this entry.
	PHQ9 *PHQ9 `json:"phq9"`
	// Opioids are the opioid doses taken that day; MME is their total
	// MME/day computed by internal/opioid with the table named in it
	// (filled when the entry is read or saved).
	Opioids []opioid.Regimen `json:"opioids"`
	MME     *opioid.Summary  `json:"mme"`
	// Note is the patient's free text.
	Note          string    `json:"note"`
	CreatedBy     int64     `json:"created_by,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedBy     int64     `json:"updated_by,omitempty"`
	UpdatedByName string    `json:"updated_by_name"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// NewJournalEntry returns an entry with every value missing.
func NewJournalEntry(patientID int64, d Date) *JournalEntry {
	e := &JournalEntry{PatientID: patientID, Date: d, SleepHours: MissingCenti, Opioids: []opioid.Regimen{}}
	for i := range e.Scores {
		e.Scores[i] = outcomes.Missing
	}
	return e
}

// MaxJournalNote is the longest free text of an entry, in characters.
const MaxJournalNote = 4000

// MaxJournalOpioids is the most opioid lines one entry may hold.
const MaxJournalOpioids = 12

// Validate checks the entry's values and names the first field at fault
// (the measure's CSV column, "sleep_hours", "phq9.items[3]", "opioids[0].dose_each", "note").
func (e *JournalEntry) Validate() error {
	if e.PatientID == 0 {
		return Invalid("patient_id", "is required")
	}
	if e.Date.IsZero() && !e.HasDay {
		return Invalid("date", "a date (YYYY-MM-DD) is required")
	}
	if e.HasDay && (e.Day < 1-outcomes.MaxDay || e.Day > outcomes.MaxDay) {
		return Invalid("day", "%d is outside ±%d", e.Day, outcomes.MaxDay)
	}
	for i, s := range e.Scores {
		m := outcomes.Measure(i)
		if s != outcomes.Missing && (s < 0 || s > m.Max()) {
			return Invalid(m.Column(), "%s is outside 0–%s", s, m.Max())
		}
	}
	if e.SleepHours != MissingCenti && (e.SleepHours < 0 || e.SleepHours > 2400) {
		return Invalid("sleep_hours", "%s is outside 0–24 hours", e.SleepHours)
	}
	if e.PHQ9 != nil {
		if err := e.PHQ9.Validate(); err != nil {
			return err
		}
	}
	if len(e.Opioids) > MaxJournalOpioids {
		return Invalid("opioids", "at most %d opioid lines per day", MaxJournalOpioids)
	}
	if _, err := e.ComputeMME(); err != nil {
		return err
	}
	if !utf8.ValidString(e.Note) {
		return Invalid("note", "is not valid UTF-8 text")
	}
	if n := utf8.RuneCountInString(e.Note); n > MaxJournalNote {
		return Invalid("note", "has %d characters; at most %d are allowed", n, MaxJournalNote)
	}
	if strings.ContainsFunc(e.Note, func(r rune) bool { return (r < 0x20 && r != '\n' && r != '\r' && r != '\t') || r == 0x7f }) {
		return Invalid("note", "must not contain control characters")
	}
	if e.Empty() {
		return Invalid("pain_now", "the entry is empty: answer at least one question")
	}
	return nil
}

// Empty reports whether the entry holds no answer at all.
func (e *JournalEntry) Empty() bool {
	for _, s := range e.Scores {
		if s != outcomes.Missing {
			return false
		}
	}
	return e.SleepHours == MissingCenti && e.PHQ9 == nil && len(e.Opioids) == 0 && strings.TrimSpace(e.Note) == ""
}

// ComputeMME converts the opioids taken with the CDC 2022 table
// (opioid.DefaultTable), sets e.MME and returns it. An invalid opioid line
// is an EINVALID error naming it, e.g. "opioids[1].dose_each".
func (e *JournalEntry) ComputeMME() (*opioid.Summary, error) {
	s, err := opioid.Summarize(e.Opioids, opioid.DefaultTable)
	if err != nil {
		if fe, ok := err.(*opioid.FieldError); ok {
			return nil, Invalid(strings.Replace(fe.Field, "regimens", "opioids", 1), "%s", fe.Message)
		}
		return nil, Invalid("opioids", "%v", err)
	}
	e.MME = &s
	return &s, nil
}

// Row returns the entry as a study journal row for patient (an identifier
// of the caller's choosing); ok is false when the journal day is unknown or
// before day 1, where the study journal has no row.
func (e *JournalEntry) Row(patient string) (outcomes.JournalRow, bool) {
	if !e.HasDay || e.Day < 1 {
		return outcomes.JournalRow{}, false
	}
	return outcomes.JournalRow{Patient: patient, Day: e.Day, Scores: e.Scores}, true
}

// Score returns the value of measure m.
func (e *JournalEntry) Score(m outcomes.Measure) outcomes.Score { return e.Scores[m] }

// EditableOn reports whether the entry may still be changed on today: only
// an entry for today, written by the patient or staff (not imported).
func (e *JournalEntry) EditableOn(today Date) bool {
	return e.Source != JournalImported && !e.Date.IsZero() && e.Date == today
}

// MarshalJSON writes the entry with its scores as flat fields named after
// the journal CSV columns ("pain_now": 7.5), null when missing, and its day.
func (e JournalEntry) MarshalJSON() ([]byte, error) {
	type plain JournalEntry
	base, err := json.Marshal(plain(e))
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Write(base[:len(base)-1])
	if e.HasDay {
		fmt.Fprintf(&b, `,"day":%d`, e.Day)
	} else {
		b.WriteString(`,"day":null`)
	}
	for _, m := range outcomes.Measures() {
		fmt.Fprintf(&b, `,%q:%s`, m.Column(), scoreJSON(e.Scores[m]))
	}
	fmt.Fprintf(&b, `,"sleep_hours":%s}`, e.SleepHours.json())
	return b.Bytes(), nil
}

// UnmarshalJSON reads what MarshalJSON writes (the version history keeps
// entries in this form).
func (e *JournalEntry) UnmarshalJSON(b []byte) error {
	type plain JournalEntry
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	var flat map[string]json.RawMessage
	if err := json.Unmarshal(b, &flat); err != nil {
		return err
	}
	*e = JournalEntry(p)
	e.HasDay, e.Day = false, 0
	if v, ok := flat["day"]; ok && string(v) != "null" {
		if err := json.Unmarshal(v, &e.Day); err != nil {
			return fmt.Errorf("day: %w", err)
		}
		e.HasDay = true
	}
	for _, m := range outcomes.Measures() {
		e.Scores[m] = outcomes.Missing
		if v, ok := flat[m.Column()]; ok && string(v) != "null" {
			s, err := outcomes.ParseScore(m, string(v))
			if err != nil {
				return fmt.Errorf("%s: %w", m.Column(), err)
			}
			e.Scores[m] = s
		}
	}
	e.SleepHours = MissingCenti
	if v, ok := flat["sleep_hours"]; ok && string(v) != "null" {
		h, err := ParseCenti(string(v), 2400)
		if err != nil {
			return fmt.Errorf("sleep_hours: %w", err)
		}
		e.SleepHours = h
	}
	return nil
}

func scoreJSON(s outcomes.Score) string {
	if s == outcomes.Missing {
		return "null"
	}
	return s.String()
}

// JournalInput is what a patient (or staff for them) sends to save a day's
// journal entry through the API: the measures by CSV column as numbers (or
// null), sleep_hours, phq9, opioids and note. Unknown fields are refused.
type JournalInput struct {
	Date       Date                    `json:"date"`
	Values     map[string]*json.Number `json:"-"`
	SleepHours *json.Number            `json:"sleep_hours"`
	PHQ9       *PHQ9                   `json:"phq9"`
	Opioids    []opioid.Regimen        `json:"opioids"`
	Note       string                  `json:"note"`
}

// UnmarshalJSON reads a JournalInput, refusing unknown fields and numbers
// with more than two decimals.
func (in *JournalInput) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return Invalid("body", "is not a JSON object")
	}
	in.Values = map[string]*json.Number{}
	for k, v := range raw {
		var err error
		switch k {
		case "date":
			err = json.Unmarshal(v, &in.Date)
		case "sleep_hours":
			err = decodeNumber(v, &in.SleepHours)
		case "phq9":
			err = json.Unmarshal(v, &in.PHQ9)
		case "opioids":
			err = json.Unmarshal(v, &in.Opioids)
		case "note":
			err = json.Unmarshal(v, &in.Note)
		default:
			if _, merr := outcomes.ParseMeasure(k); merr != nil {
				return Invalid(k, "is not a journal field")
			}
			var n *json.Number
			err = decodeNumber(v, &n)
			in.Values[k] = n
		}
		if err != nil {
			if _, ok := err.(*Error); ok {
				return err
			}
			return Invalid(k, "%v", err)
		}
	}
	return nil
}

func decodeNumber(v json.RawMessage, out **json.Number) error {
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return fmt.Errorf("is not a number")
	}
	switch t := x.(type) {
	case nil:
		*out = nil
	case json.Number:
		*out = &t
	default:
		return fmt.Errorf("must be a number or null")
	}
	return nil
}

// Entry converts the input into an entry for patientID, parsing every value
// strictly (the measure's scale, at most two decimals).
func (in *JournalInput) Entry(patientID int64) (*JournalEntry, error) {
	e := NewJournalEntry(patientID, in.Date)
	for k, v := range in.Values {
		m, _ := outcomes.ParseMeasure(k)
		if v == nil {
			continue
		}
		s, err := outcomes.ParseScore(m, v.String())
		if err != nil {
			return nil, Invalid(k, "%v", err)
		}
		e.Scores[m] = s
	}
	if in.SleepHours != nil {
		h, err := ParseCenti(in.SleepHours.String(), 2400)
		if err != nil {
			return nil, Invalid("sleep_hours", "%v (hours, 0–24)", err)
		}
		e.SleepHours = h
	}
	e.PHQ9 = in.PHQ9
	if in.Opioids != nil {
		e.Opioids = in.Opioids
	}
	e.Note = in.Note
	return e, nil
}

// JournalVersion is an earlier version of a journal entry, kept when the
// entry was changed.
type JournalVersion struct {
	EntryID  int64         `json:"entry_id"`
	Version  int           `json:"version"`
	Entry    *JournalEntry `json:"entry"`
	Replaced time.Time     `json:"replaced_at"`
	// ReplacedBy is the user who saved the next version.
	ReplacedBy int64 `json:"replaced_by,omitempty"`
}

// JournalFilter selects one patient's journal entries, oldest first.
type JournalFilter struct {
	PatientID int64
	// From and To bound the dates (inclusive); zero for no bound. Entries
	// without a date are included only when both are zero.
	From, To Date
	Limit    int // 0 means all (at most 5000)
}

// JournalImportRow is one row of a study journal CSV to import: the
// patient it belongs to and the row, with its line in the file for errors.
type JournalImportRow struct {
	Line      int
	PatientID int64
	Row       outcomes.JournalRow
}

// JournalImport is the result of an import: how many rows and patients.
type JournalImport struct {
	Rows     int `json:"rows"`
	Patients int `json:"patients"`
}

// ImportRowError is an import row the database refused (a day the patient
// already has), naming the file's line and column.
type ImportRowError struct {
	Line   int
	Column int
	Field  string
	Err    error
}

// Error reads "line 5, column 2 (day): …".
func (e *ImportRowError) Error() string {
	return fmt.Sprintf("line %d, column %d (%s): %v", e.Line, e.Column, e.Field, e.Err)
}

// Unwrap returns the underlying error.
func (e *ImportRowError) Unwrap() error { return e.Err }

// CohortFilter selects the patients of a cohort report in the actor's clinic.
type CohortFilter struct {
	// PatientIDs limits the cohort to these patients; nil for every
	// patient of the clinic with a journal.
	PatientIDs []int64
}

// CohortRows is a clinic's study journal, one row per patient per journal
// day from day 1, in patient order; Row.Patient is the patient's ID in
// decimal.
type CohortRows struct {
	Rows []outcomes.JournalRow
}

// JournalService keeps the patient journal. A patient reaches only their
// own journal (CanReadPatientRecord, CanWriteOwnJournal); staff only their
// clinic's patients'; the cohort only clinicians and admins
// (CanReadCohort).
type JournalService interface {
	// FindJournalEntries returns the entries f selects, oldest first.
	FindJournalEntries(ctx context.Context, f JournalFilter) ([]*JournalEntry, error)
	// FindJournalEntryByID returns one entry.
	FindJournalEntryByID(ctx context.Context, id int64) (*JournalEntry, error)
	// FindJournalEntryByDate returns the patient's entry for d, ENOTFOUND
	// if there is none.
	FindJournalEntryByDate(ctx context.Context, patientID int64, d Date) (*JournalEntry, error)
	// SaveJournalEntry records today's entry of e.PatientID: e.Date must be
	// today (JournalToday). The first save creates it; a later save the
	// same day keeps the previous version and replaces it. It fills e's ID,
	// version, journal day, MME and times.
	SaveJournalEntry(ctx context.Context, e *JournalEntry) error
	// FindJournalVersions returns the earlier versions of an entry, oldest
	// first.
	FindJournalVersions(ctx context.Context, entryID int64) ([]*JournalVersion, error)
	// JournalDay1 returns the date of the patient's journal day 1 (zero
	// when not set).
	JournalDay1(ctx context.Context, patientID int64) (Date, error)
	// SetJournalDay1 sets the date of the patient's journal day 1 (staff)
	// and renumbers the patient's entries.
	SetJournalDay1(ctx context.Context, patientID int64, day1 Date) error
	// ImportJournal stores study journal rows in one transaction: every
	// row or none. A row the database refuses is an *ImportRowError.
	ImportJournal(ctx context.Context, rows []JournalImportRow) (*JournalImport, error)
	// CohortJournal returns the study journal of the clinic's patients.
	CohortJournal(ctx context.Context, f CohortFilter) (*CohortRows, error)
}

// JournalToday is the calendar day at t in the clinic's time zone loc (the
// server's Location, which defaults to time.Local): the day whose journal
// entry may be written or changed. Never the UTC date: at 00:01 in
// Amsterdam UTC still says yesterday.
func JournalToday(t time.Time, loc *time.Location) Date { return DateOf(t.In(loc)) }

// CanReadCohort reports whether a may read the cohort journal and analytics
// of clinicID: its clinicians and admins (researchers).
func CanReadCohort(a *Actor, clinicID int64) bool {
	if a == nil {
		return false
	}
	return a.System || (a.ClinicID == clinicID && (a.Role == RoleClinician || a.Role == RoleAdmin))
}

// Centi is a non-negative decimal with at most two decimals, held exactly
// in hundredths (7.5 h is 750); MissingCenti when not given.
type Centi int32

// MissingCenti marks a value not given.
const MissingCenti Centi = -1

// ParseCenti reads a plain decimal with at most two decimals, at most max
// hundredths; "" is MissingCenti. Signs, exponents and commas are refused.
func ParseCenti(text string, max Centi) (Centi, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return MissingCenti, nil
	}
	whole, frac, ok := strings.Cut(text, ".")
	if whole == "" || len(whole) > 6 || (ok && (frac == "" || len(frac) > 2)) || !digits(whole) || !digits(frac) {
		return MissingCenti, fmt.Errorf("%q is not a number with at most two decimals", text)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	w, _ := strconv.Atoi(whole)
	f, _ := strconv.Atoi(frac)
	v := Centi(w*100 + f)
	if v > max {
		return MissingCenti, fmt.Errorf("%s is more than %s", v, max)
	}
	return v, nil
}

func digits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// String writes the shortest decimal ("7.5"), or "" when missing.
func (c Centi) String() string {
	if c == MissingCenti {
		return ""
	}
	return strconv.FormatFloat(float64(c)/100, 'f', -1, 64)
}

// Float returns the value (7.5 for 750).
func (c Centi) Float() float64 { return float64(c) / 100 }

func (c Centi) json() string {
	if c == MissingCenti {
		return "null"
	}
	return c.String()
}
