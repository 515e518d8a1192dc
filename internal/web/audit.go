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
	NextID    int64 // BeforeID of the next (older) page; 0 if none
}

const auditPerPage = 50

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
	lim, err := queryInt(r, "limit")
	if err != nil {
		return f, err
	}
	f.Limit = lim
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
	d := auditData{Entries: entries, PatientID: f.PatientID, Entity: f.Entity, Action: f.Action}
	if len(entries) == auditPerPage {
		d.NextID = entries[len(entries)-1].ID
	}
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
	writeJSON(w, http.StatusOK, map[string]any{"entries": entries})
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
