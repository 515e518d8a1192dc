package protocol

import (
	"fmt"

	"github.com/ketatrack/ketatrack/internal/dosing"
	"github.com/ketatrack/ketatrack/internal/druglib"
	"github.com/ketatrack/ketatrack/internal/units"
)

// Status is the drug library's verdict on one step, as `ketatrack dose`
// reports it.
type Status int

// Statuses, in increasing severity.
const (
	StatusOK        Status = iota // within limits
	StatusSoftLimit               // over a soft limit: needs an acknowledgement with a reason
	StatusHardLimit               // over a hard limit: refused
)

// String returns "ok", "soft_limit" or "hard_limit", as in `dose --json`.
func (s Status) String() string {
	switch s {
	case StatusSoftLimit:
		return "soft_limit"
	case StatusHardLimit:
		return "hard_limit"
	}
	return "ok"
}

// Check is the drug library's verdict on one dose with its explanations
// (including probable unit errors).
type Check struct {
	Status   Status
	Messages []string
}

// Checker checks ketamine doses against the drug library. Expand calls it
// for every step; the default (Request.Checker nil) is package dosing with
// the built-in drug library.
type Checker interface {
	// CheckRate checks a rate (mg/h, or an amount over a duration such as
	// 45mg/4h, which the drug library checks as its own dose form) for a
	// patient of the given weight in a care area. ack is the clinician's
	// reason for going over a soft limit ("" for none).
	CheckRate(drug, careArea string, rate units.DoseRate, weight units.BodyWeight, ack string) (Check, error)
	// CheckBolus checks a single dose given at once.
	CheckBolus(drug, careArea string, dose units.Dose, weight units.BodyWeight, ack string) (Check, error)
}

// DefaultChecker returns the checker of package dosing over the built-in
// drug library.
func DefaultChecker() (Checker, error) { return NewChecker(nil), nil }

// NewChecker returns a checker over lib (a clinic's drug library); nil uses
// the built-in one.
func NewChecker(lib *druglib.Library) Checker { return dosingChecker{lib: lib} }

// dosingChecker adapts package dosing to Checker.
type dosingChecker struct{ lib *druglib.Library }

func (c dosingChecker) CheckRate(drug, area string, rate units.DoseRate, w units.BodyWeight, ack string) (Check, error) {
	return c.check(dosing.Request{Drug: druglib.Drug(drug), CareArea: druglib.CareArea(area), Rate: &rate, Weight: &w, Acknowledgement: ack, Library: c.lib})
}

func (c dosingChecker) CheckBolus(drug, area string, dose units.Dose, w units.BodyWeight, ack string) (Check, error) {
	return c.check(dosing.Request{Drug: druglib.Drug(drug), CareArea: druglib.CareArea(area), Bolus: &dose, Weight: &w, Acknowledgement: ack, Library: c.lib})
}

func (c dosingChecker) check(req dosing.Request) (Check, error) {
	res, err := dosing.Check(req)
	if err != nil {
		return Check{}, err
	}
	out := Check{Messages: res.Messages}
	switch res.Status {
	case dosing.OK:
		out.Status = StatusOK
	case dosing.SoftLimit:
		out.Status = StatusSoftLimit
	case dosing.HardLimit:
		out.Status = StatusHardLimit
	default:
		return Check{}, fmt.Errorf("dosing: unknown status %q", res.Status)
	}
	return out, nil
}
