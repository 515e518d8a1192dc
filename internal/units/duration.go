package units

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Duration is a length of time as written: "4h", "30min", "90s", or a
// compound of whole units in decreasing order, "4h30min". It is a float
// number of hours at heart (Hours), so that rates in mg/h divide cleanly;
// time.Duration's nanosecond integer is not used because an infusion
// schedule is arithmetic on hours.
type Duration struct {
	v float64 // in u; in seconds when u is hms
	u Unit
}

// hms marks a compound duration (4h30min) stored in whole seconds.
const hms Unit = "hms"

// Hours returns a duration of v hours.
func Hours(v float64) Duration { return Duration{v, H} }

// Minutes returns a duration of v minutes.
func Minutes(v float64) Duration { return Duration{v, Min} }

// Seconds returns a duration of v seconds.
func Seconds(v float64) Duration { return Duration{v, S} }

// FromTime converts a time.Duration.
func FromTime(d time.Duration) Duration { return Seconds(d.Seconds()) }

// Seconds returns the duration in seconds.
func (d Duration) Seconds() float64 {
	switch d.u {
	case H:
		return d.v * 3600
	case Min:
		return d.v * 60
	}
	return d.v
}

// Hours returns the duration in hours.
func (d Duration) Hours() float64 {
	switch d.u {
	case H:
		return d.v
	case Min:
		return d.v / 60
	}
	return d.v / 3600
}

// Minutes returns the duration in minutes.
func (d Duration) Minutes() float64 {
	switch d.u {
	case H:
		return d.v * 60
	case Min:
		return d.v
	}
	return d.v / 60
}

// Time converts to a time.Duration, rounded to the nanosecond.
func (d Duration) Time() time.Duration {
	return time.Duration(math.Round(d.Seconds() * 1e9))
}

// IsZero reports whether the duration is zero.
func (d Duration) IsZero() bool { return d.v == 0 }

// Add returns d + o in seconds.
func (d Duration) Add(o Duration) Duration { return Seconds(d.Seconds() + o.Seconds()) }

// Unit returns the unit the duration was written in; a compound such as
// 4h30min reports s, the unit it is held in.
func (d Duration) Unit() Unit {
	if d.u == "" || d.u == hms {
		return S
	}
	return d.u
}

// String prints the duration exactly as stored: "4h", "30min", "4h30min".
func (d Duration) String() string {
	if d.u != hms {
		return formatExact(d.v) + string(d.Unit())
	}
	s := int64(d.v)
	var b strings.Builder
	if h := s / 3600; h > 0 {
		b.WriteString(strconv.FormatInt(h, 10) + "h")
	}
	if m := s % 3600 / 60; m > 0 {
		b.WriteString(strconv.FormatInt(m, 10) + "min")
	}
	if sec := s % 60; sec > 0 || b.Len() == 0 {
		b.WriteString(strconv.FormatInt(sec, 10) + "s")
	}
	return b.String()
}

// Format prints the duration to sig significant digits in hours, minutes or
// seconds, whichever it was written in, for reading only.
func (d Duration) Format(sig int) string {
	if d.u == hms {
		return d.String()
	}
	return formatSig(d.v, sig) + " " + string(d.Unit())
}

// MarshalText prints the duration as String does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses a duration as ParseDuration does.
func (d *Duration) UnmarshalText(b []byte) error {
	x, err := ParseDuration("", string(b))
	if err != nil {
		return err
	}
	*d = x
	return nil
}

var durationAccepted = []string{"h (also hr)", "min", "s", "whole-unit compounds such as 4h30min"}

// ParseDuration parses "4h", "30min", "90s", "0.5h" or a compound of whole
// numbers in decreasing units, "4h30min" or "1h15min30s" (each part after
// the first below 60). Zero is accepted (a start time of 0h).
func ParseDuration(field, text string) (Duration, error) {
	d, reason := scanDuration(strings.TrimSpace(text))
	if reason != "" {
		return Duration{}, &ParseError{field, text, reason, durationAccepted}
	}
	return d, nil
}

// scanDuration parses a whole text as a duration.
func scanDuration(s string) (Duration, string) {
	type part struct {
		n number
		u Unit
	}
	var parts []part
	rest := s
	for {
		n, r, reason := scanNumber(rest)
		if reason != "" {
			if len(parts) > 0 && strings.HasPrefix(reason, "does not start") {
				reason = "unexpected text after the duration"
			}
			return Duration{}, reason
		}
		r = strings.TrimLeft(r, " ")
		i := 0
		for i < len(r) && !isDigit(r[i]) && r[i] != ' ' {
			i++
		}
		word := strings.ToLower(r[:i])
		if word == "" {
			return Duration{}, "a number without a unit is ambiguous"
		}
		tu, ok := timeUnits[word]
		if !ok {
			if strings.Contains(word, "/") {
				return Duration{}, "a duration has one unit, not a ratio"
			}
			return Duration{}, unknownUnit(word)
		}
		parts = append(parts, part{n, tu.unit})
		rest = strings.TrimLeft(r[i:], " ")
		if rest == "" {
			break
		}
	}
	if len(parts) == 1 {
		return Duration{parts[0].n.value, parts[0].u}, ""
	}
	var total float64
	for i, p := range parts {
		if strings.Contains(p.n.text, ".") {
			return Duration{}, "a compound duration takes whole numbers: write 4h30min, or 4.5h alone"
		}
		if i > 0 {
			if timeUnits[string(p.u)].s >= timeUnits[string(parts[i-1].u)].s {
				return Duration{}, "units of a compound duration must decrease: h, then min, then s"
			}
			if p.n.value >= 60 {
				return Duration{}, "a part after the first must be below 60"
			}
		}
		total += p.n.value * timeUnits[string(p.u)].s
	}
	return compound(total), ""
}

// compound returns whole seconds as a compound duration, or as a single
// unit when only one part is non-zero (4h0min is 4h), so that printing and
// parsing again gives the same value.
func compound(total float64) Duration {
	s := int64(total)
	h, m, sec := s/3600, s%3600/60, s%60
	switch {
	case m == 0 && sec == 0:
		if h == 0 {
			return Duration{0, S}
		}
		return Duration{float64(h), H}
	case h == 0 && sec == 0:
		return Duration{float64(m), Min}
	case h == 0 && m == 0:
		return Duration{float64(sec), S}
	}
	return Duration{total, hms}
}
