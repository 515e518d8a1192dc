package crps

import (
	"fmt"
	"strings"
	"time"
)

// IncitingEvent is what preceded the CRPS.
type IncitingEvent string

// The inciting events ketatrack records (seed 002_099d9c08962d48c0.txt lists
// the first four as the primary causes in "a recent analysis").
const (
	Fracture     IncitingEvent = "fracture"
	BluntTrauma  IncitingEvent = "blunt_trauma"
	Surgery      IncitingEvent = "surgery"
	CarpalTunnel IncitingEvent = "carpal_tunnel"
	OtherEvent   IncitingEvent = "other"
)

// IncitingEventInfo describes an inciting event for a pick list.
type IncitingEventInfo struct {
	// Event is the stored value.
	Event IncitingEvent `json:"event"`
	// Label is shown to the clinician.
	Label string `json:"label"`
	// SharePercent is the share of CRPS cases with this cause in the analysis
	// seed 002 quotes; 0 where the seed gives none.
	SharePercent int `json:"share_percent"`
	// Source cites the share.
	Source string `json:"source"`
}

// IncitingEvents lists the events in the order seed 002 gives them.
var IncitingEvents = []IncitingEventInfo{
	{Event: Fracture, Label: "fracture", SharePercent: 42, Source: "seed 002_099d9c08962d48c0.txt: \"42% fractures\""},
	{Event: BluntTrauma, Label: "blunt traumatic injury (not a fracture)", SharePercent: 21, Source: "seed 002_099d9c08962d48c0.txt: \"21% blunt traumatic injuries excluding fractures\""},
	{Event: Surgery, Label: "surgery", SharePercent: 12, Source: "seed 002_099d9c08962d48c0.txt: \"12% surgery\""},
	{Event: CarpalTunnel, Label: "carpal tunnel syndrome", SharePercent: 7, Source: "seed 002_099d9c08962d48c0.txt: \"7% carpal tunnel syndrome\""},
	{Event: OtherEvent, Label: "other (describe)", SharePercent: 0, Source: "seed 002_099d9c08962d48c0.txt gives no share for other causes"},
}

// Limb is an affected limb.
type Limb string

// The limbs. CRPS "can occur anywhere in the body but it's common in the arms,
// hands, legs, and feet" (seed 002_099d9c08962d48c0.txt); a site that is not
// a limb goes in Presentation.OtherSites.
const (
	LeftUpper  Limb = "left_upper"
	RightUpper Limb = "right_upper"
	LeftLower  Limb = "left_lower"
	RightLower Limb = "right_lower"
)

// Limbs lists the limbs in display order.
var Limbs = []Limb{LeftUpper, RightUpper, LeftLower, RightLower}

// Label returns the limb as shown to staff.
func (l Limb) Label() string {
	switch l {
	case LeftUpper:
		return "left upper limb"
	case RightUpper:
		return "right upper limb"
	case LeftLower:
		return "left lower limb"
	case RightLower:
		return "right lower limb"
	}
	return string(l)
}

// DateLayout is how dates are written in records (ISO 8601 calendar date).
const DateLayout = "2006-01-02"

// Presentation is where and after what the CRPS began.
type Presentation struct {
	// IncitingEvent is what preceded the CRPS.
	IncitingEvent IncitingEvent `json:"inciting_event"`
	// IncitingEventOther describes the event when IncitingEvent is "other".
	IncitingEventOther string `json:"inciting_event_other,omitempty"`
	// AffectedLimbs lists the limbs affected; at least one limb or OtherSites.
	AffectedLimbs []Limb `json:"affected_limbs"`
	// OtherSites describes affected sites that are not limbs.
	OtherSites string `json:"other_sites,omitempty"`
	// Onset is the date symptoms began, YYYY-MM-DD, or empty when unknown.
	Onset string `json:"onset,omitempty"`
}

// Validate checks the presentation.
func (p Presentation) Validate() error {
	known := false
	for _, e := range IncitingEvents {
		if e.Event == p.IncitingEvent {
			known = true
		}
	}
	if !known {
		return fieldErr("inciting_event", fmt.Sprintf("%q is not an inciting event: want fracture, blunt_trauma, surgery, carpal_tunnel or other", p.IncitingEvent))
	}
	if p.IncitingEvent == OtherEvent && strings.TrimSpace(p.IncitingEventOther) == "" {
		return fieldErr("inciting_event_other", "describe the inciting event when it is \"other\"")
	}
	if p.IncitingEvent != OtherEvent && p.IncitingEventOther != "" {
		return fieldErr("inciting_event_other", "only for an inciting event of \"other\"")
	}
	seen := map[Limb]bool{}
	for i, l := range p.AffectedLimbs {
		f := fmt.Sprintf("affected_limbs[%d]", i)
		switch l {
		case LeftUpper, RightUpper, LeftLower, RightLower:
		default:
			return fieldErr(f, fmt.Sprintf("%q is not a limb: want left_upper, right_upper, left_lower or right_lower", l))
		}
		if seen[l] {
			return fieldErr(f, fmt.Sprintf("%q is listed twice", l))
		}
		seen[l] = true
	}
	if len(p.AffectedLimbs) == 0 && strings.TrimSpace(p.OtherSites) == "" {
		return fieldErr("affected_limbs", "record at least one affected limb or describe the other sites")
	}
	if p.Onset != "" {
		if _, err := time.Parse(DateLayout, p.Onset); err != nil {
			return fieldErr("onset", fmt.Sprintf("%q is not a date: want YYYY-MM-DD", p.Onset))
		}
	}
	return nil
}
