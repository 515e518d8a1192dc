package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/ketatrack/ketatrack/internal/clinic"
)

type auditData struct {
	Entries   []*clinic.AuditEntry
	PatientID int64
	Entity    string
	Action    string
	Next      string // cursor of the next (older) page; "" if none
}

const auditPerPage = 50

// auditNext returns the cursor of the page after entries when the page is
// full (the next page may then be empty), "" otherwise.
func auditNext(entries []*clinic.AuditEntry, limit int) string {
	if len(entries) == 0 || len(entries) < limit {
		return ""
	}
	return encodeCursor(&idKey{ID: entries[len(entries)-1].ID})
}

func auditFilter(r *http.Request) (clinic.AuditFilter, error) {
	q := r.URL.Query()
	f := clinic.AuditFilter{Entity: q.Get("entity"), Action: q.Get("action")}
	for name, dst := range map[string]*int64{"patient_id": &f.PatientID, "before_id": &f.BeforeID} {
		if v := q.Get(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return f, clinic.Invalid(name, "must be a record ID")
			}
			*dst = n
		}
	}
	// ?after=CURSOR (from next) pages as before_id does.
	after, err := afterCursor[idKey](r)
	if err != nil {
		return f, err
	}
	if after != nil {
		f.BeforeID = after.ID
	}
	lim, err := queryInt(r, "limit")
	if err != nil {
		return f, err
	}
	f.Limit = min(lim, 1000)
	if f.Limit == 0 {
		f.Limit = 100
	}
	return f, nil
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) error {
	f, err := auditFilter(r)
	if err != nil {
		return err
	}
	f.Limit = auditPerPage
	entries, err := s.Audit.FindAuditEntries(r.Context(), f)
	if err != nil {
		return err
	}
	d := auditData{Entries: entries, PatientID: f.PatientID, Entity: f.Entity, Action: f.Action, Next: auditNext(entries, auditPerPage)}
	s.render(w, r, http.StatusOK, "audit", &page{Title: "Audit log", Data: d})
	return nil
}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request) error {
	f, err := auditFilter(r)
	if err != nil {
		return err
	}
	entries, err := s.Audit.FindAuditEntries(r.Context(), f)
	if err != nil {
		return err
	}
	if entries == nil {
		entries = []*clinic.AuditEntry{}
	}
	out := map[string]any{"entries": entries}
	if next := auditNext(entries, f.Limit); next != "" {
		out["next"] = next
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// prettyJSON indents a JSON record for the audit page.
func prettyJSON(b json.RawMessage) string {
	if len(b) == 0 {
		return ""
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return string(b)
	}
	return out.String()
}
