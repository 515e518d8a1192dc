package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"

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
	retry := retrySeconds(err)
	if retry > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(retry))
	}
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
	if r.Method != http.MethodGet || isHTMX(r) {
		retry = 0 // reload only a whole page asked for by GET
	}
	s.render(w, r, status, "error", &page{Title: http.StatusText(status), Data: errorPage{
		Status: status, Message: clinic.ErrorMessage(err), Retry: retry,
	}})
}

type errorPage struct {
	Status  int
	Message string
	// Retry is the seconds after which the page reloads itself (0: never).
	Retry int
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

// maxJSONDepth bounds the nesting of a JSON body. The deepest request
// the API describes (openapi.json) nests 4 levels (a preparation: object,
// its draws array, a draw object, its witness object); 32 leaves room and
// refuses a 10,000-level body before it is decoded.
const maxJSONDepth = 32

// decodeJSON reads one JSON value into v, refusing nesting deeper than
// maxJSONDepth, a key twice in one object (RFC 8259 leaves it to the
// reader; taking the last would let two readers of one body disagree),
// unknown fields, NaN and Infinity (not JSON), numbers that do not fit
// their field and trailing data, with the JSON field at fault named in the
// error. The body is already capped at maxRequestBody (limitBodies).
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		if mbe := bodyTooLarge(r, err); mbe != nil {
			return errBodyTooLarge(mbe)
		}
		return clinic.Invalid("body", "cannot be read")
	}
	return decodeJSONBytes(body, v)
}

// decodeJSONBytes is decodeJSON of a body already read (or of one element
// of a list decoded as json.RawMessage, whose errors the caller prefixes
// with its index: clinic.ItemError).
func decodeJSONBytes(body []byte, v any) error {
	if err := checkJSONShape(body); err != nil {
		return err
	}
	return decodeShapedJSON(body, v)
}

// decodeShapedJSON is decodeJSONBytes of a body that passed checkJSONShape
// already: an element of a list whose whole body was checked (every object
// of the body, nested ones included, was checked for duplicate keys and
// depth), which a second check could not refuse.
func decodeShapedJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var ce *clinic.Error
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &ce):
			return ce
		case errors.As(err, &te) && jsonFieldPath(te.Field) != "":
			return clinic.Invalid(jsonFieldPath(te.Field), "has the wrong type or is out of range (%s expected, %s given)", te.Type, te.Value)
		case errors.As(err, &te):
			return clinic.Invalid("body", "must be a JSON object (%s given)", te.Value)
		}
		if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return clinic.Invalid(strings.Trim(name, `"`), "is not a field of this request")
		}
		if field := failingField(body, v); field != "" {
			return clinic.Invalid(field, "is not valid: %v", err)
		}
		return clinic.Invalid("body", "is not valid JSON: %v", err)
	}
	return nil
}

// jsonFieldPath is the JSON path of an UnmarshalTypeError's Field without
// the Go names of embedded structs (PlanInput.bp_rise_pct → bp_rise_pct):
// JSON names of this API are lower case, Go names upper case.
func jsonFieldPath(field string) string {
	var keep []string
	for _, part := range strings.Split(field, ".") {
		if part != "" && (part[0] < 'A' || part[0] > 'Z') {
			keep = append(keep, part)
		}
	}
	return strings.Join(keep, ".")
}

// failingField finds the top-level field of a JSON object body whose value
// alone fails to decode into a fresh value of v's type, for errors of a
// field's own UnmarshalJSON (a date), which encoding/json does not name;
// "" if the body is no object or no single field fails.
func failingField(body []byte, v any) string {
	var fields map[string]json.RawMessage
	t := reflect.TypeOf(v)
	if json.Unmarshal(body, &fields) != nil || t.Kind() != reflect.Pointer {
		return ""
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		one, err := json.Marshal(map[string]json.RawMessage{k: fields[k]})
		if err != nil {
			return ""
		}
		if json.Unmarshal(one, reflect.New(t.Elem()).Interface()) != nil {
			return k
		}
	}
	return ""
}

// jsonLevel is an object or array open in checkJSONShape.
type jsonLevel struct {
	object  bool
	path    string          // the dotted path of the level, "" at the top
	keys    map[string]bool // an object's keys so far
	last    string          // the path of an object's last key
	wantKey bool            // an object's next token is a key
}

// valueDone notes that a value ended in the level open last: an object
// then wants its next key.
func valueDone(stack []*jsonLevel) {
	if len(stack) > 0 && stack[len(stack)-1].object {
		stack[len(stack)-1].wantKey = true
	}
}

// checkJSONShape checks body is exactly one JSON value, nested no deeper
// than maxJSONDepth, with no key twice in an object; the error names the
// path of the repeated key.
func checkJSONShape(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // 1e400 is the field's decoder's to refuse, by name
	var stack []*jsonLevel
	values := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return clinic.Invalid("body", "is not valid JSON: %v", err)
		}
		var top *jsonLevel
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.wantKey {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				valueDone(stack)
				continue
			}
			key, _ := tok.(string)
			path := key
			if top.path != "" {
				path = top.path + "." + key
			}
			if top.keys[key] {
				return clinic.Invalid(path, "appears twice in one object")
			}
			top.keys[key] = true
			top.last, top.wantKey = path, false
			continue
		}
		if top == nil {
			values++
			if values > 1 {
				return clinic.Invalid("body", "holds more than one JSON value")
			}
		}
		d, ok := tok.(json.Delim)
		switch {
		case ok && (d == '{' || d == '['):
			if len(stack) >= maxJSONDepth {
				return clinic.Invalid("body", "nests deeper than %d levels", maxJSONDepth)
			}
			path := ""
			if top != nil {
				path = top.path
				if top.object {
					path = top.last
				}
			}
			stack = append(stack, &jsonLevel{object: d == '{', path: path, keys: map[string]bool{}, wantKey: d == '{'})
		case ok: // ']' (an object's '}' is met where a key is wanted)
			stack = stack[:len(stack)-1]
			valueDone(stack)
		default:
			valueDone(stack)
		}
	}
	if values == 0 {
		return clinic.Invalid("body", "is empty (a JSON object expected)")
	}
	return nil
}
