package outcomes

import (
	"errors"
	"fmt"
	"strconv"
)

// Score is one journal value in hundredths of its scale's unit: pain 7.5/10
// is 750, relief 43.61 % is 4361. Holding scores as exact integers keeps
// equal decimals equal (ties are exact) and lets statistics count them.
// Missing marks an empty cell.
type Score int16

// Missing is an empty journal cell.
const Missing Score = -1

// ScoreOf returns the score for a whole-number value, e.g. ScoreOf(7) = 700.
func ScoreOf(v int) Score { return Score(v * 100) }

// Present reports whether the cell holds a value.
func (s Score) Present() bool { return s >= 0 }

// Float returns the value in the scale's unit (7.5 for 750). It is the
// float64 nearest to the decimal, the same number R reads from the CSV.
func (s Score) Float() float64 { return float64(s) / 100 }

// String formats the score as the shortest decimal, or "" when missing.
func (s Score) String() string {
	if s == Missing {
		return ""
	}
	return strconv.FormatFloat(s.Float(), 'f', -1, 64)
}

// errScoreSyntax is returned for text that is not a plain decimal.
var errScoreSyntax = errors.New("not a number with at most two decimals (e.g. 7 or 7.5)")

// ParseScore reads a journal value for measure m: a plain decimal with at
// most two decimals ("7", "7.5", "43.61"), within the measure's scale. An
// empty string is Missing. Signs, exponents, commas and other notations are
// refused rather than guessed at.
func ParseScore(m Measure, text string) (Score, error) {
	if text == "" {
		return Missing, nil
	}
	var whole, frac, fracDigits int
	i := 0
	for ; i < len(text) && text[i] >= '0' && text[i] <= '9'; i++ {
		whole = whole*10 + int(text[i]-'0')
		if whole > 100000 {
			return Missing, fmt.Errorf("%q is out of range 0–%s", text, m.Max())
		}
	}
	if i == 0 {
		return Missing, fmt.Errorf("%q: %w", text, errScoreSyntax)
	}
	if i < len(text) {
		if text[i] != '.' || i+1 == len(text) {
			return Missing, fmt.Errorf("%q: %w", text, errScoreSyntax)
		}
		for i++; i < len(text); i++ {
			c := text[i]
			if c < '0' || c > '9' || fracDigits == 2 {
				return Missing, fmt.Errorf("%q: %w", text, errScoreSyntax)
			}
			frac = frac*10 + int(c-'0')
			fracDigits++
		}
		if fracDigits == 1 {
			frac *= 10
		}
	}
	v := whole*100 + frac
	if v > int(m.Max()) {
		return Missing, fmt.Errorf("%q is out of range 0–%s", text, m.Max())
	}
	return Score(v), nil
}
