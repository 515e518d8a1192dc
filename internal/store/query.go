package store

import (
	"strconv"
	"strings"
)

// where builds a WHERE clause from conditions with numbered parameters
// ($1, $2, … on both engines), so that a query assembled from a filter
// stays parameterised:
//
//	var w where
//	w.add("clinic_id = " + w.arg(a.ClinicID))
//	rows, err := db.query(ctx, "SELECT … FROM t"+w.sql()+" LIMIT "+w.arg(n), w.args...)
type where struct {
	conds []string
	args  []any
}

// arg adds v as the next parameter and returns its reference, "$N".
func (w *where) arg(v any) string {
	w.args = append(w.args, v)
	return "$" + strconv.Itoa(len(w.args))
}

// add adds a condition; all conditions must hold.
func (w *where) add(cond string) { w.conds = append(w.conds, cond) }

// sql returns " WHERE c1 AND c2 …", or "" without conditions.
func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}
