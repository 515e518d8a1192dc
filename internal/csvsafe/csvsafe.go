// Package csvsafe writes CSV that a spreadsheet opens as data, never as a
// formula (CSV or "formula" injection).
//
// The rule is OWASP's (https://owasp.org/www-community/attacks/CSV_Injection):
// a cell whose first character is one of
//
//	=  +  -  @  TAB (0x09)  CR (0x0D)
//
// is prefixed with a single quote ('), which Excel, LibreOffice Calc and
// Google Sheets show as text and do not evaluate. Quoting and embedded
// quotes, commas and line breaks are encoding/csv's business.
//
// One exception keeps numbers numbers: a cell that is a plain decimal
// number — an optional sign, digits with at most one decimal point, an
// optional exponent, and nothing else (so "-2.5", "+3", "-1e-3", but not
// "-2+3", "-1,5" or "-Inf") — is left as it is. Such a cell is a number
// literal to every spreadsheet and cannot start a formula; quoting it
// would turn a measured -2.5 into the text "'-2.5" and break analysis.
//
// Every CSV this program writes goes through Writer (or Cell), so that a
// patient name, a note or a supplier typed as =HYPERLINK(...) comes out
// as '=HYPERLINK(...).
package csvsafe

import (
	"encoding/csv"
	"io"
)

// Cell returns s neutralised: with a leading ' when s starts with one of
// = + - @ TAB CR and is not a plain decimal number; s itself otherwise.
// A text that already starts with ' in front of such a character (a
// patient literally called '+A) gets one more ', so that Uncell gives back
// exactly what was written: Uncell(Cell(s)) == s for every s.
func Cell(s string) string {
	if needsPrefix(s) {
		return "'" + s
	}
	return s
}

// Uncell reverses Cell for a reader of the CSVs this program writes: a
// leading ' is dropped when what follows is a text Cell would have
// prefixed; any other text, a lone ' or 'hello included, is returned as it
// is.
func Uncell(s string) string {
	if len(s) > 1 && s[0] == '\'' && needsPrefix(s[1:]) {
		return s[1:]
	}
	return s
}

// needsPrefix reports whether Cell prefixes s: a formula character first
// (OWASP CSV injection), or a ' in front of a text that needs it.
func needsPrefix(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '@', '\t', '\r':
		return true
	case '+', '-':
		return !isDecimal(s)
	case '\'':
		return needsPrefix(s[1:])
	}
	return false
}

func isDecimal(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}

// Writer is a csv.Writer that neutralises every cell with Cell.
type Writer struct {
	cw  *csv.Writer
	rec []string
}

// NewWriter returns a Writer writing to w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{cw: csv.NewWriter(w)}
}

// Write writes one record, each cell neutralised; record is not modified.
func (w *Writer) Write(record []string) error {
	w.rec = w.rec[:0]
	for _, c := range record {
		w.rec = append(w.rec, Cell(c))
	}
	return w.cw.Write(w.rec)
}

// Flush writes any buffered data to the underlying io.Writer.
func (w *Writer) Flush() { w.cw.Flush() }

// Error reports any error of an earlier Write or Flush.
func (w *Writer) Error() error { return w.cw.Error() }
