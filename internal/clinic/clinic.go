package clinic

import (
	"context"
	"strings"
	"time"
)

// Clinic is one clinic of a group; its staff see only its patients.
type Clinic struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// Validate checks the clinic's fields.
func (c *Clinic) Validate() error {
	if strings.TrimSpace(c.Name) == "" {
		return Invalid("name", "a clinic needs a name")
	}
	if len(c.Name) > 200 {
		return Invalid("name", "at most 200 characters")
	}
	return nil
}

// ClinicService manages clinics.
type ClinicService interface {
	// CreateClinic stores c and sets its ID. Only the System actor may
	// create a clinic (at the command line or when loading demo data).
	CreateClinic(ctx context.Context, c *Clinic) error
	// FindClinicByID returns a clinic the actor belongs to (any, for System).
	FindClinicByID(ctx context.Context, id int64) (*Clinic, error)
}
