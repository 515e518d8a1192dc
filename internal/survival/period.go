package survival

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/ketatrack/ketatrack/internal/csvsafe"
)

// DateLayout is the date format of the relief CSV (ISO 8601 calendar date).
const DateLayout = "2006-01-02"

// Period is one relief period of one patient: relief from Start until End,
// ended by relapse on End when Relapsed, otherwise still relieved on End
// (follow-up ended: censored). Dates are calendar days (UTC midnight).
type Period struct {
	Patient  string    // patient identifier
	Start    time.Time // first day of relief
	End      time.Time // day of relapse, or last day of follow-up
	Relapsed bool      // relief ended on End; false: censored on End
}

// Days is the length of the period, End − Start in whole days.
func (p Period) Days() int { return int(p.End.Sub(p.Start).Hours()) / 24 }

// Observation returns the period as a censored duration in days.
func (p Period) Observation() Observation {
	return Observation{Time: float64(p.Days()), Event: p.Relapsed}
}

// Observations converts periods for KaplanMeier.
func Observations(periods []Period) []Observation {
	o := make([]Observation, len(periods))
	for i, p := range periods {
		o[i] = p.Observation()
	}
	return o
}

// Validate checks the patient identifier and that End is not before Start.
func (p Period) Validate() error {
	if strings.TrimSpace(p.Patient) == "" {
		return errors.New("patient_id: empty")
	}
	if p.End.Before(p.Start) {
		return fmt.Errorf("end: %s is before start %s", p.End.Format(DateLayout), p.Start.Format(DateLayout))
	}
	return nil
}

// ParseError is a problem at a line (and column) of a relief CSV.
type ParseError struct {
	Line   int    // 1-based line number
	Column int    // 1-based column (field) number; 0 when the whole line is at fault
	Field  string // the column's header name, when known
	Err    error  // what is wrong
}

// Error reads "line 5, column 3 (end): …".
func (e *ParseError) Error() string {
	switch {
	case e.Column > 0 && e.Field != "":
		return fmt.Sprintf("line %d, column %d (%s): %v", e.Line, e.Column, e.Field, e.Err)
	case e.Column > 0:
		return fmt.Sprintf("line %d, column %d: %v", e.Line, e.Column, e.Err)
	}
	return fmt.Sprintf("line %d: %v", e.Line, e.Err)
}

// Unwrap returns the underlying error.
func (e *ParseError) Unwrap() error { return e.Err }

// ReliefHeader is the relief CSV header (shared/PRODUCT.md, "Relief CSV").
func ReliefHeader() []string { return []string{"patient_id", "start", "end", "relapsed"} }

// ReadReliefCSV reads relief periods:
//
//	patient_id,start,end,relapsed
//	P01,2024-03-01,2024-04-19,1
//
// The header names the four columns, each once, in any order. Dates are
// YYYY-MM-DD; end may not precede start; relapsed is 1 (relief ended on end)
// or 0 (still relieved on end: censored). A patient may have several
// periods (several courses), but two of them may not overlap: one must end
// on or before the day the next starts. A UTF-8 byte-order mark before the
// header is skipped, CRLF line ends and spaces around cells are accepted,
// blank lines are skipped. Errors are *ParseError naming line and column.
func ReadReliefCSV(r io.Reader) ([]Period, error) {
	br := bufio.NewReader(r)
	if head, _ := br.Peek(3); bytes.Equal(head, []byte{0xEF, 0xBB, 0xBF}) {
		if _, err := br.Discard(3); err != nil {
			return nil, fmt.Errorf("read: %w", err)
		}
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &ParseError{Line: 1, Err: fmt.Errorf("empty file: expected the header %s", strings.Join(ReliefHeader(), ","))}
	}
	if err != nil {
		return nil, csvError(err)
	}
	header = slices.Clone(header)
	headerLine, _ := cr.FieldPos(0)
	col := map[string]int{}
	for i, name := range header {
		name = strings.TrimSpace(name)
		header[i] = name
		if !slices.Contains(ReliefHeader(), name) {
			return nil, &ParseError{Line: headerLine, Column: i + 1, Field: name, Err: fmt.Errorf("unknown column (the header is %s)", strings.Join(ReliefHeader(), ","))}
		}
		if j, dup := col[name]; dup {
			return nil, &ParseError{Line: headerLine, Column: i + 1, Field: name, Err: fmt.Errorf("column appears twice (also column %d)", j+1)}
		}
		col[name] = i
	}
	for _, need := range ReliefHeader() {
		if _, ok := col[need]; !ok {
			return nil, &ParseError{Line: headerLine, Err: fmt.Errorf("header lacks the %s column (the header is %s)", need, strings.Join(ReliefHeader(), ","))}
		}
	}
	var periods []Period
	var lines []int
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(header) {
			return nil, &ParseError{Line: line, Err: fmt.Errorf("%d fields, but the header has %d", len(rec), len(header))}
		}
		cell := func(name string) (string, int) {
			i := col[name]
			return strings.TrimSpace(rec[i]), i + 1
		}
		fail := func(name string, err error) error {
			_, c := cell(name)
			return &ParseError{Line: line, Column: c, Field: name, Err: err}
		}
		var p Period
		id, _ := cell("patient_id")
		// WriteReliefCSV neutralised formula characters (csvsafe.Cell).
		id = csvsafe.Uncell(id)
		if id == "" {
			return nil, fail("patient_id", errors.New("empty patient identifier"))
		}
		p.Patient = strings.Clone(id)
		for _, name := range []string{"start", "end"} {
			text, _ := cell(name)
			d, err := time.Parse(DateLayout, text)
			if err != nil {
				return nil, fail(name, fmt.Errorf("%q is not a date YYYY-MM-DD", text))
			}
			if name == "start" {
				p.Start = d
			} else {
				p.End = d
			}
		}
		if p.End.Before(p.Start) {
			return nil, fail("end", fmt.Errorf("%s is before start %s", p.End.Format(DateLayout), p.Start.Format(DateLayout)))
		}
		switch text, _ := cell("relapsed"); text {
		case "1":
			p.Relapsed = true
		case "0":
		default:
			return nil, fail("relapsed", fmt.Errorf("%q: expected 1 (relapsed on end) or 0 (still relieved: censored)", text))
		}
		periods = append(periods, p)
		lines = append(lines, line)
	}
	if err := checkOverlaps(periods, lines); err != nil {
		return nil, err
	}
	return periods, nil
}

// checkOverlaps rejects two periods of one patient that overlap.
func checkOverlaps(periods []Period, lines []int) error {
	idx := make([]int, len(periods))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		if c := strings.Compare(periods[a].Patient, periods[b].Patient); c != 0 {
			return c
		}
		return periods[a].Start.Compare(periods[b].Start)
	})
	for k := 1; k < len(idx); k++ {
		a, b := periods[idx[k-1]], periods[idx[k]]
		if a.Patient == b.Patient && b.Start.Before(a.End) || a.Patient == b.Patient && a.Start.Equal(b.Start) {
			first, second := lines[idx[k-1]], lines[idx[k]]
			if first > second {
				first, second = second, first
			}
			return &ParseError{Line: second, Err: fmt.Errorf("patient %q has relief periods that overlap (lines %d and %d): one must end on or before the day the next starts", b.Patient, first, second)}
		}
	}
	return nil
}

// csvError turns an error from encoding/csv (a stray quote, say) into a
// ParseError naming the line and the character position in it.
func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &ParseError{Line: pe.Line, Err: fmt.Errorf("character %d: %w", pe.Column, pe.Err)}
	}
	return fmt.Errorf("read: %w", err)
}

// WriteReliefCSV writes periods as a relief CSV.
func WriteReliefCSV(w io.Writer, periods []Period) error {
	cw := csvsafe.NewWriter(w)
	if err := cw.Write(ReliefHeader()); err != nil {
		return fmt.Errorf("write relief periods: %w", err)
	}
	for _, p := range periods {
		relapsed := "0"
		if p.Relapsed {
			relapsed = "1"
		}
		if err := cw.Write([]string{p.Patient, p.Start.Format(DateLayout), p.End.Format(DateLayout), relapsed}); err != nil {
			return fmt.Errorf("write relief periods: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write relief periods: %w", err)
	}
	return nil
}
