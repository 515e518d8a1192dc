package outcomes

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/ketatrack/ketatrack/internal/csvsafe"
)

// The journal CSV (shared/PRODUCT.md, "Journal CSV"): a header, then one row
// per patient per journal day, e.g.
//
//	patient_id,day,pain_now,pain_worst,pain_least,pain_24h,affective,burning,aching,punishing,movement,relief_pct
//	P01,1,8,9,6,8,2,3,2,2,7,0
//
// Reading is strict, since a misread journal changes a cohort's statistics:
//   - the header names patient_id, day and any of the measure columns, each
//     once, in any order; an unknown or repeated name is an error (the
//     contract's order is what WriteJournalCSV writes);
//   - an empty cell is a missing value; a value is a plain decimal with at
//     most two decimals within its measure's scale;
//   - day is a whole number from 1 to MaxDay; one row per patient and day;
//   - a UTF-8 byte-order mark before the header (as spreadsheet programs
//     write) is accepted and skipped; CRLF line ends are accepted; spaces
//     around a cell are ignored; blank lines are skipped (encoding/csv).
//
// Every error names the line, and the column where there is one.

// JournalHeader is the journal CSV header in the contract's column order.
func JournalHeader() []string {
	h := []string{"patient_id", "day"}
	for _, m := range Measures() {
		h = append(h, m.Column())
	}
	return h
}

// ParseError is a problem at a line (and column) of a CSV file.
type ParseError struct {
	Line   int    // 1-based line number
	Column int    // 1-based column (field) number; 0 when the whole line is at fault
	Field  string // the column's header name, when known
	Err    error  // what is wrong
}

// Error reads "line 5, column 3 (pain_now): …".
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

// utf8BOM is the byte-order mark some spreadsheet programs put first.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// newCSVReader returns a csv.Reader over r with a leading UTF-8 BOM removed.
func newCSVReader(r io.Reader) (*csv.Reader, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	head, err := br.Peek(len(utf8BOM))
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read: %w", err)
	}
	if bytes.Equal(head, utf8BOM) {
		if _, err := br.Discard(len(utf8BOM)); err != nil {
			return nil, fmt.Errorf("read: %w", err)
		}
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1 // checked here, to name the line and the counts
	cr.ReuseRecord = true
	return cr, nil
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

// ReadJournalCSV reads a journal CSV (see JournalHeader and the rules above)
// into rows, in file order. Measures without a column are Missing in every
// row. The error, if any, is a *ParseError naming line and column.
func ReadJournalCSV(r io.Reader) ([]JournalRow, error) {
	cr, err := newCSVReader(r)
	if err != nil {
		return nil, err
	}
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &ParseError{Line: 1, Err: fmt.Errorf("empty file: expected the header %s", strings.Join(JournalHeader(), ","))}
	}
	if err != nil {
		return nil, csvError(err)
	}
	header = slices.Clone(header) // ReuseRecord: the next Read overwrites the slice
	headerLine, _ := cr.FieldPos(0)
	cols, err := journalColumns(header, headerLine)
	if err != nil {
		return nil, err
	}
	var (
		rows     []JournalRow
		lines    []int32 // line of each row, to name the first of two duplicates
		patients = map[string]int{}
		days     [][]uint64 // per patient, a bit per day seen
		names    []string   // interned patient identifiers
		last     int        // index of the previous row's patient
	)
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
		row := JournalRow{}
		for i := range row.Scores {
			row.Scores[i] = Missing
		}
		p := -1
		for i, text := range rec {
			text = strings.TrimSpace(text)
			switch c := cols[i]; c {
			case colPatient:
				// WriteJournalCSV neutralised formula characters
				// (csvsafe.Cell); read the identifier back as it was.
				text = csvsafe.Uncell(text)
				if text == "" {
					return nil, &ParseError{Line: line, Column: i + 1, Field: header[i], Err: errors.New("empty patient identifier")}
				}
				if len(names) > 0 && text == names[last] {
					p = last // the same patient as the row before: skip the map
					break
				}
				idx, ok := patients[text]
				if !ok {
					idx = len(names)
					text = strings.Clone(text) // do not pin the record's buffer
					patients[text] = idx
					names = append(names, text)
					days = append(days, nil)
				}
				p = idx
				last = idx
			case colDay:
				d, err := parseDay(text)
				if err != nil {
					return nil, &ParseError{Line: line, Column: i + 1, Field: header[i], Err: err}
				}
				row.Day = d
			default:
				s, err := ParseScore(Measure(c), text)
				if err != nil {
					return nil, &ParseError{Line: line, Column: i + 1, Field: header[i], Err: err}
				}
				row.Scores[c] = s
			}
		}
		row.Patient = names[p]
		w, bit := row.Day/64, uint64(1)<<(row.Day%64)
		for len(days[p]) <= w {
			days[p] = append(days[p], 0)
		}
		if days[p][w]&bit != 0 {
			first := 0
			for i := range rows {
				if rows[i].Day == row.Day && rows[i].Patient == row.Patient {
					first = int(lines[i])
					break
				}
			}
			return nil, &ParseError{Line: line, Err: fmt.Errorf("patient %q has a second row for day %d (the first is on line %d)", row.Patient, row.Day, first)}
		}
		days[p][w] |= bit
		rows = append(rows, row)
		lines = append(lines, int32(line))
	}
	return rows, nil
}

// Column kinds of the journal header: measures are 0..NumMeasures−1.
const (
	colPatient = -1
	colDay     = -2
)

// journalColumns maps each header field to its column kind.
func journalColumns(header []string, line int) ([]int, error) {
	cols := make([]int, len(header))
	seen := map[string]int{}
	for i, name := range header {
		name = strings.TrimSpace(name)
		if j, dup := seen[name]; dup {
			return nil, &ParseError{Line: line, Column: i + 1, Field: name, Err: fmt.Errorf("column %q appears twice (also column %d)", name, j+1)}
		}
		seen[name] = i
		switch name {
		case "patient_id":
			cols[i] = colPatient
		case "day":
			cols[i] = colDay
		default:
			m, err := ParseMeasure(name)
			if err != nil {
				return nil, &ParseError{Line: line, Column: i + 1, Field: name, Err: fmt.Errorf("unknown column (the header is %s)", strings.Join(JournalHeader(), ","))}
			}
			cols[i] = int(m)
		}
	}
	for _, need := range []string{"patient_id", "day"} {
		if _, ok := seen[need]; !ok {
			return nil, &ParseError{Line: line, Err: fmt.Errorf("header lacks the %s column (the header is %s)", need, strings.Join(JournalHeader(), ","))}
		}
	}
	return cols, nil
}

// parseDay reads a journal day: a whole number from 1 to MaxDay.
func parseDay(text string) (int, error) {
	if text == "" {
		return 0, errors.New("empty; a day number from 1 is required")
	}
	for _, c := range []byte(text) {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%q is not a whole day number", text)
		}
	}
	d, err := strconv.Atoi(text)
	if err != nil || d < 1 || d > MaxDay {
		return 0, fmt.Errorf("%q is outside 1–%d", text, MaxDay)
	}
	return d, nil
}

// WriteJournalCSV writes rows as a journal CSV with the full header in the
// contract's order; missing values are empty cells.
func WriteJournalCSV(w io.Writer, rows []JournalRow) error {
	jw, err := NewJournalCSVWriter(w)
	if err != nil {
		return err
	}
	if err := jw.Write(rows); err != nil {
		return err
	}
	return jw.Flush()
}

// JournalCSVWriter writes a journal CSV a part at a time (WriteJournalCSV's
// format), so that a clinic's whole journal streams in constant memory.
type JournalCSVWriter struct {
	cw  *csvsafe.Writer
	rec []string
}

// NewJournalCSVWriter writes the header to w and returns the writer of the
// rows.
func NewJournalCSVWriter(w io.Writer) (*JournalCSVWriter, error) {
	jw := &JournalCSVWriter{cw: csvsafe.NewWriter(w), rec: make([]string, 2+NumMeasures)}
	if err := jw.cw.Write(JournalHeader()); err != nil {
		return nil, fmt.Errorf("write journal: %w", err)
	}
	return jw, nil
}

// Write writes rows (buffered: Flush sends them).
func (jw *JournalCSVWriter) Write(rows []JournalRow) error {
	rec := jw.rec
	for i := range rows {
		r := &rows[i]
		rec[0] = r.Patient
		rec[1] = strconv.Itoa(r.Day)
		for m, s := range r.Scores {
			rec[2+m] = s.String()
		}
		if err := jw.cw.Write(rec); err != nil {
			return fmt.Errorf("write journal: %w", err)
		}
	}
	return nil
}

// Flush sends the rows written and returns the first error of any write.
func (jw *JournalCSVWriter) Flush() error {
	jw.cw.Flush()
	if err := jw.cw.Error(); err != nil {
		return fmt.Errorf("write journal: %w", err)
	}
	return nil
}
