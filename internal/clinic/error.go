package clinic

import (
	"errors"
	"fmt"
)

// Error codes, after WTF Dial (benbjohnson/wtf, error.go). internal/web maps
// each to one HTTP status in one place; the command line maps them to exit
// statuses.
const (
	ECONFLICT     = "conflict"     // the action conflicts with existing data (a duplicate MRN or login)
	EINTERNAL     = "internal"     // a failure the user cannot fix; details are logged, never shown
	EINVALID      = "invalid"      // bad input; Field names the field at fault
	ENOTFOUND     = "not_found"    // no such record, or one the actor may not know exists
	EFORBIDDEN    = "forbidden"    // the actor is known but lacks the right
	EUNAUTHORIZED = "unauthorized" // not logged in, or wrong login or password
	ERATELIMIT    = "rate_limited" // too many attempts; try again later
	EUNAVAILABLE  = "unavailable"  // the server lacks what the request needs (no Chromium for a PDF); the message says what to do instead
)

// Error is a domain error with a code, a message fit to show the user, and
// the field at fault for EINVALID.
type Error struct {
	Code    string
	Message string
	Field   string
}

// Error returns the message, prefixed with the field when there is one.
func (e *Error) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

// Errorf returns an *Error with code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID *Error naming field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err: the *Error's message
// (with its field), or a generic text for internal errors, whose details must
// be logged but never shown.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Error()
	}
	return "Internal error."
}

// ErrorField returns the field named by the first *Error in err's chain.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// ItemError names item i of the list field `list` in err: the first *Error
// of err's chain with its field prefixed by "list[i]" ("events[17]" +
// "vitals.spo2_pct" = "events[17].vitals.spo2_pct"), its code and message
// kept; nil for nil, and any other error wrapped with the item's path.
func ItemError(list string, i int, err error) error {
	if err == nil {
		return nil
	}
	at := fmt.Sprintf("%s[%d]", list, i)
	var e *Error
	if !errors.As(err, &e) {
		return fmt.Errorf("%s: %w", at, err)
	}
	if e.Field != "" {
		at += "." + e.Field
	}
	return &Error{Code: e.Code, Field: at, Message: e.Message}
}
