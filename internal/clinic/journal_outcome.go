package clinic

import (
	"context"
	"time"

	"github.com/ketatrack/ketatrack/internal/outcomes"
)

// OutcomeDefinitions are a clinic's outcome definitions as stored: the
// definitions (internal/outcomes) and their version. Version 0 means the
// clinic uses outcomes.DefaultDefinitions unchanged.
type OutcomeDefinitions struct {
	ClinicID    int64                `json:"clinic_id"`
	Definitions outcomes.Definitions `json:"definitions"`
	Version     int                  `json:"version"`
	UpdatedBy   int64                `json:"updated_by,omitempty"`
	UpdatedAt   time.Time            `json:"updated_at,omitzero"`
}

// OutcomeService keeps each clinic's outcome definitions. Every staff
// member of the clinic may read them; its clinicians and admins may change
// them (CanEditOutcomeDefinitions), and each change is audited.
type OutcomeService interface {
	// FindOutcomeDefinitions returns the actor's clinic's definitions
	// (the defaults, version 0, until the clinic changes them).
	FindOutcomeDefinitions(ctx context.Context) (*OutcomeDefinitions, error)
	// SaveOutcomeDefinitions validates d and stores it as the clinic's next
	// version.
	SaveOutcomeDefinitions(ctx context.Context, d outcomes.Definitions) (*OutcomeDefinitions, error)
}

// CanEditOutcomeDefinitions reports whether a may change the outcome
// definitions of clinicID: its clinicians and admins.
func CanEditOutcomeDefinitions(a *Actor, clinicID int64) bool {
	return CanReadCohort(a, clinicID)
}
