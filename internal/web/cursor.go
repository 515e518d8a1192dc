package web

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/ketatrack/ketatrack/internal/clinic"
)

// Lists are paged by keyset (issue 16): a page ends with `next`, an opaque
// cursor holding the sort key of its last row, and the client asks for the
// page after it with ?after=CURSOR. The cursor is base64url (no padding) of
// the key's JSON; clients must not build or read it.

// encodeCursor returns key as a cursor; "" for a nil key (no next page).
func encodeCursor[K any](key *K) string {
	if key == nil {
		return ""
	}
	b, err := json.Marshal(key)
	if err != nil {
		// The keys are structs of strings and integers.
		panic("cursor: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// afterCursor reads the `after` query parameter into a key; nil when it is
// absent. A cursor that is not one of ours (not base64url of one JSON
// object with the key's fields, or a key whose valid method says no) is
// invalid on field "after".
func afterCursor[K any](r *http.Request) (*K, error) {
	v := r.URL.Query().Get("after")
	if v == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(v)
	var k K
	if err == nil {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err = dec.Decode(&k); err == nil && dec.Decode(&struct{}{}) != io.EOF {
			err = errors.New("data after the key")
		}
	}
	if v, ok := any(&k).(interface{ valid() bool }); err == nil && ok && !v.valid() {
		err = errors.New("not a key")
	}
	if err != nil {
		return nil, clinic.Invalid("after", "is not a cursor from the next of this list")
	}
	return &k, nil
}

// idKey is a row's place in a list ordered by ID, newest first (the audit
// log, the courses): the cursor of the page after it holds its ID.
type idKey struct {
	ID int64 `json:"id"`
}

func (k *idKey) valid() bool { return k.ID > 0 }

// sessionCursor is clinic.SessionKey as a cursor.
type sessionCursor clinic.SessionKey

func (k *sessionCursor) valid() bool { return k.ID > 0 && !k.Date.IsZero() }

// pageLimit reads ?limit: def when absent, at most max.
func pageLimit(r *http.Request, def, max int) (int, error) {
	n, err := queryInt(r, "limit")
	if err != nil {
		return 0, err
	}
	if n <= 0 {
		return def, nil
	}
	return min(n, max), nil
}

// cutPage trims list, read with a limit of n+1, to n rows and returns the
// key of its last row when there was one more (a next page), else nil.
func cutPage[T, K any](list []T, n int, key func(T) K) ([]T, *K) {
	if len(list) <= n {
		return list, nil
	}
	list = list[:n]
	k := key(list[n-1])
	return list, &k
}
