package clinic

import (
	"context"
	"encoding/json"
	"time"
)

// Audit actions. A later record type uses these for its own changes and may
// add actions of its own (e.g. "sign", "acknowledge") as constants here.
const (
	ActionCreate      = "create"
	ActionUpdate      = "update"
	ActionDelete      = "delete"
	ActionLogin       = "login"
	ActionLoginFailed = "login.failed"
	ActionLogout      = "logout"
)

// AuditEntry is one line of the append-only audit log: who did what to which
// record, when, and the record before and after (JSON). The store writes it
// in the same transaction as the change it records, and no API updates or
// deletes it (the database refuses that too, by trigger).
type AuditEntry struct {
	ID         int64           `json:"id"`
	At         time.Time       `json:"at"`
	ClinicID   int64           `json:"clinic_id,omitempty"`
	ActorID    int64           `json:"actor_id,omitempty"`
	ActorLogin string          `json:"actor_login"`
	Action     string          `json:"action"`
	Entity     string          `json:"entity"`
	EntityID   int64           `json:"entity_id,omitempty"`
	PatientID  int64           `json:"patient_id,omitempty"`
	Before     json.RawMessage `json:"before,omitempty"`
	After      json.RawMessage `json:"after,omitempty"`
	RemoteAddr string          `json:"remote_addr,omitempty"`
}

// AuditFilter selects audit entries, newest first.
type AuditFilter struct {
	PatientID int64  // 0 for all
	Entity    string // "" for all
	Action    string // "" for all
	// BeforeID pages backwards: only entries with ID < BeforeID (0: from the newest).
	BeforeID int64
	Limit    int // 0 means 100; at most 1000
}

// AuditService reads the audit log; there is deliberately no method to
// change it. Writing happens inside the store, beside each change.
type AuditService interface {
	// FindAuditEntries returns entries of the actor's clinic (CanReadAudit),
	// newest first.
	FindAuditEntries(ctx context.Context, f AuditFilter) ([]*AuditEntry, error)
}
