package web

import (
	"encoding/json"
	"errors"
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

// ErrorStatus returns the HTTP status for err.
func ErrorStatus(err error) int {
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
	code := clinic.ErrorCode(err)
	status := ErrorStatus(err)
	if code == clinic.EINTERNAL {
		s.logger.LogAttrs(r.Context(), slog.LevelError, "request failed",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("error", err.Error()))
	}
	if isFHIR(r) {
		failFHIR(w, err)
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

// maxJSONBody bounds request bodies of the API.
const maxJSONBody = 1 << 20

// decodeJSON reads one JSON object into v, refusing unknown fields and
// trailing data, with the JSON field at fault named in the error.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSONBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
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
