package infusion

import (
	"errors"
	"fmt"
)

// Error codes. The first two use the same strings as the shared domain
// error codes (clinic.EINVALID, clinic.ECONFLICT) so that the web layer can
// map them to HTTP statuses in one place.
const (
	// EINVALID: impossible or malformed input; Field names the field.
	EINVALID = "invalid"
	// ECONFLICT: the event does not fit the session's state (a rate change
	// while stopped, a second check-in, an acknowledgement of an unknown alert).
	ECONFLICT = "conflict"
	// ESOFTLIMIT: the dose engine put the rate over a soft limit and the event
	// carries no override reason; recording it again with a reason is allowed.
	ESOFTLIMIT = "soft_limit"
	// EHARDLIMIT: the dose engine put the rate over a hard limit: refused.
	EHARDLIMIT = "hard_limit"
	// EMISMATCH: the double check (drug, concentration) disagrees with the
	// pump programme or the order: refused.
	EMISMATCH = "mismatch"
)

// Error is an error of this package: a code, the field at fault (a JSON
// path such as "vitals.spo2_pct") and a message fit to show the nurse.
type Error struct {
	Code    string `json:"code"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// Error returns the message prefixed with the field, when there is one.
func (e *Error) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

func errorf(code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

func invalid(field, format string, args ...any) *Error {
	return errorf(EINVALID, field, format, args...)
}

func conflict(field, format string, args ...any) *Error {
	return errorf(ECONFLICT, field, format, args...)
}

// prefixed returns err with its field prefixed by prefix ("check_in." +
// "weight_kg"); errors of other types are wrapped unchanged.
func prefixed(prefix string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		c := *e
		if c.Field == "" {
			c.Field = prefix
		} else {
			c.Field = prefix + "." + c.Field
		}
		return &c
	}
	return fmt.Errorf("%s: %w", prefix, err)
}

// ErrorCode returns the code of the first *Error in err's chain, or "" when
// there is none.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// ErrorField returns the field named by the first *Error in err's chain.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// StaleError refuses an event charted on a stale view of the chart: the
// client saw Seen events, and Since were charted after them (by another
// nurse, or alerts the rules raised). Kind is the event refused. Its code
// is ECONFLICT on field "seq"; a store names the authors and times (it
// knows the users and the clinic's zone).
type StaleError struct {
	Kind  Kind
	Seen  int
	Since []Event
}

func (e *StaleError) Error() string { return e.Unwrap().Error() }

// Unwrap is the refusal as an *Error (ECONFLICT on "seq"), for callers that
// need no names.
func (e *StaleError) Unwrap() error {
	return conflict("seq", "%d events were charted since event %d, which this %s was charted on: reload the chart and check before charting",
		len(e.Since), e.Seen, e.Kind)
}
