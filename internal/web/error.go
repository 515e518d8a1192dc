package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/ketatrack/ketatrack/internal/clinic"
)

// codeStatus maps each clinic error code to its HTTP status: the one place
// where domain errors become HTTP (after WTF Dial's http/http.go).
var codeStatus = map[string]int{
	clinic.EINVALID:      http.StatusBadRequest,
	clinic.ENOTFOUND:     http.StatusNotFound,
	clinic.EUNAUTHORIZED: http.StatusUnauthorized,
	clinic.EFORBIDDEN:    http.StatusForbidden,
	clinic.ECONFLICT:     http.StatusConflict,
	clinic.ERATELIMIT:    http.StatusTooManyRequests,
	clinic.EINTERNAL:     http.StatusInternalServerError,
	clinic.EUNAVAILABLE:  http.StatusServiceUnavailable,
}

// ErrorStatus returns the HTTP status for err: 413 for a request body over
// its limit (*http.MaxBytesError in the chain), else its code's status.
func ErrorStatus(err error) int {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge
	}
	if s, ok := codeStatus[clinic.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// apiError is the JSON body of every API error.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field,omitempty"`
	} `json:"error"`
}

// fail writes err as the response: JSON under /api/, an HTML page
// otherwise. Internal errors are logged with their detail and shown as a
// generic message.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := ErrorStatus(err)
	if mbe := bodyTooLarge(r, err); mbe != nil {
		err, status = tooLargeMessage(mbe.Limit), http.StatusRequestEntityTooLarge
	}
	code := clinic.ErrorCode(err)
	if code == clinic.EINTERNAL {
		s.logger.LogAttrs(r.Context(), slog.LevelError, "request failed",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("error", err.Error()))
	}
	if isFHIR(r) {
		failFHIR(w, status, err)
		return
	}
	if isAPI(r) {
		var body apiError
		body.Error.Code, body.Error.Message, body.Error.Field = code, clinic.ErrorMessage(err), clinic.ErrorField(err)
		writeJSON(w, status, body)
		return
	}
	if code == clinic.EUNAUTHORIZED && r.Method == http.MethodGet {
		login := "/login?next=" + url.QueryEscape(r.URL.RequestURI())
		if isHTMX(r) {
			// A fragment request after the session ended: send the whole
			// page to the login form rather than swap it into a fragment.
			if cu, err := url.Parse(r.Header.Get("HX-Current-URL")); err == nil && cu.Path != "" {
				login = "/login?next=" + url.QueryEscape(cu.RequestURI())
			}
			w.Header().Set("HX-Redirect", login)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		http.Redirect(w, r, login, http.StatusSeeOther)
		return
	}
	s.render(w, r, status, "error", &page{Title: http.StatusText(status), Data: errorPage{
		Status: status, Message: clinic.ErrorMessage(err),
	}})
}

type errorPage struct {
	Status  int
	Message string
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// bodyTooLarge returns the *http.MaxBytesError of err's chain, or of the
// reading of r's body (limitBodies) when a handler made another error of
// it; nil when the body was within its limit.
func bodyTooLarge(r *http.Request, err error) *http.MaxBytesError {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return mbe
	}
	if lb, ok := r.Body.(*limitedBody); ok {
		return lb.over
	}
	return nil
}

// errBodyTooLarge is the error of a request body over its limit. It
// carries no *clinic.Error, so that no handler takes it for a field of its
// form to correct: it reaches fail, which answers 413 naming the limit.
func errBodyTooLarge(mbe *http.MaxBytesError) error {
	return fmt.Errorf("request body: %w", mbe)
}

// tooLargeMessage is what the user is told of a body over limit bytes.
func tooLargeMessage(limit int64) *clinic.Error {
	return clinic.Invalid("body", "is larger than the limit of %d bytes (%d MiB)", limit, limit>>20)
}

// parseForm is r.ParseForm with its error for the user: the body over its
// limit (413, errBodyTooLarge) or a form that cannot be read.
func parseForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		if mbe := bodyTooLarge(r, err); mbe != nil {
			return errBodyTooLarge(mbe)
		}
		return clinic.Invalid("form", "cannot be read")
	}
	return nil
}

// decodeJSON reads one JSON object into v, refusing unknown fields and
// trailing data, with the JSON field at fault named in the error. The body
// is already capped at maxRequestBody (limitBodies).
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if mbe := bodyTooLarge(r, err); mbe != nil {
			return errBodyTooLarge(mbe)
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return clinic.Invalid(te.Field, "has the wrong type (%s expected)", te.Type)
		}
		return clinic.Invalid("body", "is not valid JSON: %v", err)
	}
	if dec.More() {
		return clinic.Invalid("body", "holds more than one JSON value")
	}
	return nil
}
