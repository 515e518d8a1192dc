package units

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ParseError reports text that is not an acceptable quantity. Its message
// names the field, quotes the input, says why, and lists what is accepted.
type ParseError struct {
	Field    string   // the field being parsed, e.g. "--rate"; may be empty
	Input    string   // the text as given
	Reason   string   // why it was refused
	Accepted []string // the accepted units or forms
}

// Error returns e.g. `--rate "0.35": a number without a unit is ambiguous
// (accepted: mg/h, mg/kg/h, ...)`.
func (e *ParseError) Error() string {
	var b strings.Builder
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(" ")
	}
	b.WriteString(strconv.Quote(e.Input))
	b.WriteString(": ")
	b.WriteString(e.Reason)
	if len(e.Accepted) > 0 {
		b.WriteString(" (accepted: ")
		b.WriteString(strings.Join(e.Accepted, ", "))
		b.WriteString(")")
	}
	return b.String()
}

// Magnitude bounds of a non-zero number as written: a guard against overflow
// and underflow in conversions, not a clinical limit.
const (
	minMagnitude = 1e-9
	maxMagnitude = 1e12
)

// number is a non-negative decimal read from the start of a text.
type number struct {
	value float64
	text  string // the digits as written
}

// scanNumber reads a plain decimal number (digits, optionally a point and
// more digits) from the start of s and returns it with the rest of s. reason
// is non-empty when s does not start with an acceptable number.
func scanNumber(s string) (n number, rest string, reason string) {
	if s == "" {
		return number{}, "", "empty: a quantity needs a number and a unit"
	}
	switch s[0] {
	case '-':
		return number{}, "", "negative values are not accepted"
	case '+':
		return number{}, "", "write the number without a sign"
	case '.':
		return number{}, "", "a naked decimal point is error-prone (ISMP): write a leading zero, e.g. 0.5"
	}
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i == 0 {
		low := strings.ToLower(s)
		for _, w := range []string{"nan", "inf", "+inf", "infinity"} {
			if strings.HasPrefix(low, w) {
				return number{}, "", "not a finite number"
			}
		}
		return number{}, "", "does not start with a number"
	}
	if i < len(s) && s[i] == '.' {
		j := i + 1
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		if j == i+1 {
			return number{}, "", "a trailing decimal point is ambiguous: write 5 or 5.5, not 5."
		}
		i = j
	}
	if i < len(s) {
		switch {
		case s[i] == ',' || s[i] == '_' || s[i] == '\'':
			return number{}, "", "a decimal comma or digit separator is ambiguous: write 0.35 or 1000"
		case s[i] == '.':
			return number{}, "", "more than one decimal point"
		case (s[i] == 'e' || s[i] == 'E') && i+1 < len(s) && (isDigit(s[i+1]) || s[i+1] == '-' || s[i+1] == '+'):
			return number{}, "", "exponent notation is not accepted: write the number in full"
		case s[i] == 'x' || s[i] == 'X':
			if i == 1 && s[0] == '0' {
				return number{}, "", "hexadecimal numbers are not accepted"
			}
		}
	}
	text := s[:i]
	v, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return number{}, "", "the number is too large"
	}
	if v != 0 && (v < minMagnitude || v > maxMagnitude) {
		return number{}, "", fmt.Sprintf("the number is outside the accepted range %g to %g", minMagnitude, maxMagnitude)
	}
	return number{value: v, text: text}, s[i:], ""
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// splitUnit normalises a unit text for lookup: lower case, the micro sign
// and Greek mu as "u", spaces removed around "/", and returns its
// "/"-separated segments.
func splitUnit(u string) []string {
	u = strings.TrimSpace(u)
	u = strings.ReplaceAll(u, "\u00b5", "u") // micro sign
	u = strings.ReplaceAll(u, "\u03bc", "u") // Greek small mu
	u = strings.ToLower(u)
	parts := strings.Split(u, "/")
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
	}
	return parts
}

// errorProneUnit explains a unit spelling that must never be guessed.
func errorProneUnit(seg string) string {
	switch seg {
	case "cc":
		return "cc is error-prone (ISMP: mistaken for U or 00): write mL"
	case "m":
		return "m is ambiguous (minute or metre): write min"
	case "u", "iu":
		return "units (U, IU) do not measure ketamine: write mg"
	case "gr":
		return "gr is error-prone (grain or gram): write mg"
	}
	return ""
}

// formatExact prints v as the shortest decimal that parses back to v, never
// in exponent form and never with a trailing zero.
func formatExact(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// formatSig prints v rounded to sig significant digits (at least 1), in
// plain decimal form without trailing zeros, with a leading zero before a
// decimal point. The result is for reading only.
func formatSig(v float64, sig int) string {
	if sig < 1 {
		sig = 1
	}
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	// Round in exponent form, then reparse and print in plain form: the
	// shortest representation of the rounded value has no spurious digits.
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'e', sig-1, 64), 64)
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// nonZero checks that a parsed value is positive where zero has no meaning.
func nonZero(v float64, what string) string {
	if v == 0 {
		return "zero is not a valid " + what
	}
	return ""
}

// FormatNumber prints v rounded to sig significant digits in plain decimal
// form (no exponent, no trailing zero, a leading zero before a point), for
// reading only: the text is never parsed back into a computation.
func FormatNumber(v float64, sig int) string { return formatSig(v, sig) }
