package infusion

import "time"

// Delivery is an interval during which ketamine actually flowed at one
// constant rate: a pump segment cut where its bag ran dry and at the instant
// the chart is read.
type Delivery struct {
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	MgPerH MgPerHour `json:"mg_per_h"`
	// Bag is the bag's index in State.Bags.
	Bag int `json:"bag"`
}

// Delivered returns what the charted pump events gave up to instant now, in
// time order: each running segment (paused time gives nothing), an open
// segment cut at now, and every segment cut where its bag ran dry (the
// instant useOfBag finds, the same integration as the cumulative dose of
// Summary), so that Σ rate × duration over the deliveries is Summary's
// CumulativeDoseMg. Events dated after now are left out.
func (s State) Delivered(now time.Time) []Delivery {
	s = s.asOf(now)
	dry := make([]time.Time, len(s.Bags))
	for b := range s.Bags {
		if u := s.useOfBag(b, now); u.empty {
			dry[b] = u.emptyAt
		}
	}
	var out []Delivery
	for _, g := range s.Segments {
		end := g.To
		if end.IsZero() || end.After(now) {
			end = now
		}
		if g.Bag >= 0 && g.Bag < len(dry) && !dry[g.Bag].IsZero() && dry[g.Bag].Before(end) {
			end = dry[g.Bag]
		}
		if !end.After(g.From) || g.Rate.MgPerH <= 0 {
			continue
		}
		out = append(out, Delivery{From: g.From, To: end, MgPerH: g.Rate.MgPerH, Bag: g.Bag})
	}
	return out
}
