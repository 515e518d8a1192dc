package infusion

import (
	"fmt"
	"time"
)

// nsPerHour converts a rate per hour times nanoseconds to an amount.
const nsPerHour = float64(time.Hour)

// ReminderKind names a reminder.
type ReminderKind string

// Reminders shown to the nurse.
const (
	ReminderVitalsDue     ReminderKind = "vitals-due"
	ReminderVitalsOverdue ReminderKind = "vitals-overdue"
	ReminderBagEmpty      ReminderKind = "bag-empty"
	ReminderPlanComplete  ReminderKind = "plan-complete"
	ReminderRateAbovePlan ReminderKind = "rate-above-plan"
)

// Reminder is something the nurse should do or look at now.
type Reminder struct {
	Kind    ReminderKind `json:"kind"`
	Message string       `json:"message"`
	Due     time.Time    `json:"due,omitzero"`
}

// Summary is the session as it stands at one instant, derived from the
// events alone. Durations are in nanoseconds in JSON (Go's encoding).
type Summary struct {
	Now   time.Time `json:"now"`
	Phase Phase     `json:"phase"`
	// Flowing is true while the pump runs and its bag is not empty.
	Flowing bool `json:"flowing"`
	// Rate is the rate the pump is set to, in mg/h and mL/h side by side.
	Rate            Rate      `json:"rate"`
	RateMgPerKgPerH float64   `json:"rate_mg_per_kg_per_h"`
	WeightKg        Kilograms `json:"weight_kg"`

	Bag       *Bag `json:"bag,omitempty"`
	BagNumber int  `json:"bag_number,omitempty"`
	// CumulativeDoseMg is the ketamine given so far over all bags.
	CumulativeDoseMg Milligrams `json:"cumulative_dose_mg"`
	// InfusedVolumeML and RemainingVolumeML are for the bag on the pump.
	InfusedVolumeML   Millilitres `json:"infused_volume_ml"`
	RemainingVolumeML Millilitres `json:"remaining_volume_ml"`
	TotalVolumeML     Millilitres `json:"total_volume_ml"`
	// BagEmpty is set once the bag on the pump has run dry; BagEmptyAt is
	// when it did, or when it will at the current rate while flowing.
	BagEmpty   bool      `json:"bag_empty"`
	BagEmptyAt time.Time `json:"bag_empty_at,omitzero"`

	StartedAt time.Time     `json:"started_at,omitzero"`
	StoppedAt time.Time     `json:"stopped_at,omitzero"`
	Elapsed   time.Duration `json:"elapsed_ns"`
	Running   time.Duration `json:"running_ns"`
	Paused    time.Duration `json:"paused_ns"`

	// PlanStep is the plan's current step (1-based; 0 when the order has no
	// steps), PlannedRate its rate.
	PlanStep       int        `json:"plan_step,omitempty"`
	PlannedRate    *MgPerHour `json:"planned_rate_mg_per_h,omitempty"`
	PlanComplete   bool       `json:"plan_complete"`
	PlannedTotalMg Milligrams `json:"planned_total_mg"`
	AbovePlan      bool       `json:"above_plan"`

	NextVitalsDue time.Time     `json:"next_vitals_due,omitzero"`
	VitalsOverdue bool          `json:"vitals_overdue"`
	OverdueBy     time.Duration `json:"overdue_by_ns,omitempty"`
	LastVitals    *VitalsRecord `json:"last_vitals,omitempty"`

	OpenAlerts []AlertRecord `json:"open_alerts,omitempty"`
	Reminders  []Reminder    `json:"reminders,omitempty"`
}

// bagUse is what one bag has given by an instant.
type bagUse struct {
	doseMg   float64
	volumeML float64
	empty    bool
	emptyAt  time.Time
}

// useOfBag integrates the segments of bag b up to now. Within a segment the
// rate is constant, so amount = rate × duration exactly; a bag gives no more
// than it holds: when the volume reaches the bag's volume the bag is empty
// (at the instant the volume ran out) and has given its whole amount.
func (s State) useOfBag(b int, now time.Time) bagUse {
	var u bagUse
	bag := s.Bags[b].Bag
	for _, g := range s.Segments {
		if g.Bag != b {
			continue
		}
		end := g.To
		if end.IsZero() || end.After(now) {
			end = now
		}
		if !end.After(g.From) {
			continue
		}
		ns := float64(end.Sub(g.From))
		ml := float64(g.Rate.MLPerH) * ns / nsPerHour
		if u.volumeML+ml >= float64(bag.VolumeML) {
			left := float64(bag.VolumeML) - u.volumeML
			u.emptyAt = g.From.Add(time.Duration(left / float64(g.Rate.MLPerH) * nsPerHour))
			u.doseMg, u.volumeML, u.empty = float64(bag.AmountMg), float64(bag.VolumeML), true
			return u
		}
		u.volumeML += ml
		u.doseMg += float64(g.Rate.MgPerH) * ns / nsPerHour
	}
	return u
}

// Summary derives the session's quantities at instant now: cumulative dose
// (exact integration of the piecewise-constant rates over the running
// intervals; paused time gives nothing), infused and remaining volume,
// current rate, elapsed, running and paused time, the plan's step, when
// vitals are next due, reminders and open alerts. It reads the chart as it
// stood at now: events dated after now are left out, so a past instant
// shows what the nurse saw then.
func (s State) Summary(now time.Time) Summary {
	s = s.asOf(now)
	sum := Summary{
		Now: now, Phase: s.Phase, Rate: s.Rate, WeightKg: s.Weight(),
		StartedAt: s.StartedAt, StoppedAt: s.StoppedAt,
		PlannedTotalMg: s.Order.PlannedTotal(),
		OpenAlerts:     s.OpenAlerts(),
	}
	if w := s.Weight(); w > 0 {
		sum.RateMgPerKgPerH = s.Rate.MgPerKgPerHour(w)
	}
	var dose, total float64
	for b := range s.Bags {
		u := s.useOfBag(b, now)
		dose += u.doseMg
		total += u.volumeML
		if b == len(s.Bags)-1 {
			bag := s.Bags[b].Bag
			sum.Bag, sum.BagNumber = &bag, b+1
			sum.InfusedVolumeML = Millilitres(u.volumeML)
			sum.RemainingVolumeML = bag.VolumeML - Millilitres(u.volumeML)
			sum.BagEmpty, sum.BagEmptyAt = u.empty, u.emptyAt
		}
	}
	sum.CumulativeDoseMg, sum.TotalVolumeML = Milligrams(dose), Millilitres(total)
	running := s.Phase == PhaseRunning && !now.Before(s.Segments[len(s.Segments)-1].From)
	sum.Flowing = running && !sum.BagEmpty
	if sum.Flowing {
		sum.BagEmptyAt = now.Add(time.Duration(float64(sum.RemainingVolumeML) / float64(s.Rate.MLPerH) * nsPerHour))
	}

	if !s.StartedAt.IsZero() && now.After(s.StartedAt) {
		end := now
		if !s.StoppedAt.IsZero() && s.StoppedAt.Before(now) {
			end = s.StoppedAt
		}
		sum.Elapsed = end.Sub(s.StartedAt)
		sum.Running = s.runningAt(now)
		sum.Paused = sum.Elapsed - sum.Running
	}

	if step, plan, done, ok := s.Order.PlannedRate(sum.Running); ok && !s.StartedAt.IsZero() {
		sum.PlanStep, sum.PlannedRate, sum.PlanComplete = step+1, &plan, done
		sum.AbovePlan = running && aboveRate(s.Rate.MgPerH, plan)
	}

	if last, ok := s.LastVitals(); ok {
		sum.LastVitals = &last
	}
	sum.NextVitalsDue = s.nextVitalsDue()
	if !sum.NextVitalsDue.IsZero() && now.After(sum.NextVitalsDue) {
		sum.VitalsOverdue, sum.OverdueBy = true, now.Sub(sum.NextVitalsDue)
	}
	sum.Reminders = sum.reminders()
	return sum
}

// nextVitalsDue is VitalsEvery after the later of the start and the last
// vitals while the infusion is in progress, AfterStopVitalsEvery after the
// later of the stop and the last vitals once stopped (when the clinic has
// set it), and zero otherwise.
func (s State) nextVitalsDue() time.Time {
	var anchor time.Time
	var every time.Duration
	switch s.Phase {
	case PhaseRunning, PhasePaused:
		anchor, every = s.StartedAt, s.Rules.VitalsEvery
	case PhaseStopped:
		anchor, every = s.StoppedAt, s.Rules.AfterStopVitalsEvery
	}
	if every <= 0 {
		return time.Time{}
	}
	if last, ok := s.LastVitals(); ok && last.At.After(anchor) {
		anchor = last.At
	}
	return anchor.Add(every)
}

func (sum Summary) reminders() []Reminder {
	var out []Reminder
	if !sum.NextVitalsDue.IsZero() {
		if sum.VitalsOverdue {
			out = append(out, Reminder{Kind: ReminderVitalsOverdue, Due: sum.NextVitalsDue,
				Message: fmt.Sprintf("Vitals overdue by %s (due %s)", sum.OverdueBy.Round(time.Second), sum.NextVitalsDue.Format("15:04"))})
		} else {
			out = append(out, Reminder{Kind: ReminderVitalsDue, Due: sum.NextVitalsDue,
				Message: fmt.Sprintf("Next vitals due at %s", sum.NextVitalsDue.Format("15:04"))})
		}
	}
	if sum.Phase == PhaseRunning && sum.BagEmpty {
		out = append(out, Reminder{Kind: ReminderBagEmpty, Due: sum.BagEmptyAt,
			Message: fmt.Sprintf("Bag %d ran empty at %s: chart the stop or hang a new bag", sum.BagNumber, sum.BagEmptyAt.Format("15:04"))})
	}
	if sum.Phase == PhaseRunning && sum.PlanComplete {
		out = append(out, Reminder{Kind: ReminderPlanComplete,
			Message: fmt.Sprintf("The plan's running time is over (%s mg planned, %s mg given): stop the infusion", shown(float64(sum.PlannedTotalMg)), shown(float64(sum.CumulativeDoseMg)))})
	}
	if sum.AbovePlan {
		out = append(out, Reminder{Kind: ReminderRateAbovePlan,
			Message: fmt.Sprintf("Pump rate %s mg/h is above the plan's %s mg/h for step %d", shown(float64(sum.Rate.MgPerH)), shown(float64(*sum.PlannedRate)), sum.PlanStep)})
	}
	return out
}

// BagGivenMg is the ketamine bag b (0-based, in the order the bags were
// hung) has given up to now, by the same exact integration as Summary; 0
// for a bag never hung.
func (s State) BagGivenMg(b int, now time.Time) Milligrams {
	if b < 0 || b >= len(s.Bags) {
		return 0
	}
	return Milligrams(s.useOfBag(b, now).doseMg)
}
