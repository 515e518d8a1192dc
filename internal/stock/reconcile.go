package stock

import (
	"fmt"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"math"
	"time"
)

// Reconciliation is the clinic's stock and bags as they stand: stock on
// hand = received − drawn − disposed ± corrections, per lot; every bag's
// drawn − given − wasted ± corrections; and the discrepancies to resolve.
// The lots are all there; the bags still to account for are a page of
// them (ReconcileFilter), with the clinic's totals.
type Reconciliation struct {
	Now  time.Time    `json:"now"`
	Lots []LotBalance `json:"lots"`
	Bags []BagBalance `json:"bags"`
	// Flags are the lots' discrepancies and those of the page's bags.
	Flags []Discrepancy `json:"flags"`
	// BagsToAccount is how many of the clinic's bags are still to
	// account for (in use, not wasted after the stop, or unbalanced) and
	// BagsFlagged how many of them are flagged, over every page.
	BagsToAccount int `json:"bags_to_account"`
	BagsFlagged   int `json:"bags_flagged"`
	// Next is the After of the next page of bags; 0 on the last (the
	// API sends it as an opaque cursor).
	Next int64 `json:"-"`
}

// LotFlags is how many of Flags are the lots' (they come first).
func (r *Reconciliation) LotFlags() int {
	n := 0
	for _, f := range r.Flags {
		if f.PreparationID == 0 {
			n++
		}
	}
	return n
}

// ReconcileFilter selects the page of bags a reconciliation lists: those
// still to account for with a preparation ID above After, in ID order,
// Limit of them (0: every one). A clinic that never wastes its empty bags
// has tens of thousands of flagged bags after five years (issue 16).
type ReconcileFilter struct {
	After int64
	Limit int
	// Flagged leaves out the bags in use (never flagged): the dashboard
	// lists discrepancies only.
	Flagged bool
}

// LotBalance is one lot's book.
type LotBalance struct {
	Lot         *Lot    `json:"lot"`
	ReceivedML  float64 `json:"received_ml"`
	DrawnML     float64 `json:"drawn_ml"`
	DisposedML  float64 `json:"disposed_ml"`
	CorrectedML float64 `json:"corrected_ml"`
	OnHandML    float64 `json:"on_hand_ml"`
	OnHandMg    float64 `json:"on_hand_mg"`
	// LastCount is the lot's newest physical count, if any, and
	// CountDiffML what it differed from the book then, after the
	// corrections that name it.
	LastCount   *Entry  `json:"last_count,omitempty"`
	CountDiffML float64 `json:"count_diff_ml"`
}

// BagBalance is one bag's account. BalanceMg is drawn − given − wasted +
// corrections (signed): what is still in the bag, 0 once fully accounted for.
type BagBalance struct {
	Preparation *Preparation `json:"preparation"`
	PatientName string       `json:"patient_name"`
	MRN         string       `json:"mrn"`
	// Finished is set once the session has stopped (no more can be given).
	Finished    bool    `json:"finished"`
	DrawnMg     float64 `json:"drawn_mg"`
	GivenMg     float64 `json:"given_mg"`
	WastedMg    float64 `json:"wasted_mg"`
	CorrectedMg float64 `json:"corrected_mg"`
	BalanceMg   float64 `json:"balance_mg"`
}

// DiscrepancyKind names what is wrong.
type DiscrepancyKind string

// The discrepancies reconciliation flags.
const (
	// FlagNotWasted: the session has stopped and the bag's end (its waste,
	// 0 mL for an empty bag) was never recorded.
	FlagNotWasted DiscrepancyKind = "bag-not-wasted"
	// FlagBagBalance: a finished, wasted bag whose drawn − given − wasted ≠ 0.
	FlagBagBalance DiscrepancyKind = "bag-balance"
	// FlagCount: the last physical count differs from the book.
	FlagCount DiscrepancyKind = "count-differs"
	// FlagNegative: a lot's book stock is below zero.
	FlagNegative DiscrepancyKind = "negative-stock"
	// FlagExpiredOnHand: an expired lot still has stock (dispose of it,
	// witnessed).
	FlagExpiredOnHand DiscrepancyKind = "expired-on-hand"
)

// Discrepancy is one flag for the dashboard and the reconciliation page.
type Discrepancy struct {
	Kind          DiscrepancyKind `json:"kind"`
	Message       string          `json:"message"`
	LotID         int64           `json:"lot_id,omitempty"`
	PreparationID int64           `json:"preparation_id,omitempty"`
	SessionID     int64           `json:"session_id,omitempty"`
	PatientID     int64           `json:"patient_id,omitempty"`
	EntryID       int64           `json:"entry_id,omitempty"`
}

// BalanceTolerance is the largest |balance| in mg read as zero: the
// rounding of the chart's exact integration and of mL × mg/mL products, far
// below what a syringe or bag can be measured to.
const BalanceTolerance = 1e-6

// WasteResolutionML is the volume of a bag's remainder below which the
// account cannot tell it from what was recorded: one graduation of the 2 and
// 3 mL syringes a remainder is drawn up and read with, 0.1 mL (ISO 7886-1,
// sterile hypodermic syringes for single use, §9 graduated scale: 0.1 mL
// scale intervals at 2 and 3 mL; only the 1 mL tuberculin syringe is
// graduated in 0.01 mL). The chart gives an exact remainder (23.4567 mg);
// the nurse records the volume she reads (23.4 mL at 1 mg/mL), so a waste
// whose recorded volume differs from the chart's remainder by less than a
// graduation accounts for the bag, and a bag done with less than that left
// was emptied by the infusion: there is nothing a witness could measure.
// A difference of a graduation or more is flagged for reconciliation.
const WasteResolutionML = 0.1

// Accounted reports whether balanceMg (drawn − given − wasted ±
// corrections) leaves nothing of bag p to account for: within
// BalanceTolerance of zero, or less than WasteResolutionML of the bag. The
// store's settled (bag_accounts) is the same test in SQL (settleSQL).
func (p *Preparation) Accounted(balanceMg float64) bool {
	b := math.Abs(balanceMg)
	return b <= BalanceTolerance || b < WasteResolutionML*p.MgPerML()
}

// Flag computes the discrepancies of r's lots and bags on date today (in
// the clinic's zone loc) and sets r.Flags.
func (r *Reconciliation) Flag(today clinic.Date, loc *time.Location) {
	r.Flags = []Discrepancy{}
	for _, lb := range r.Lots {
		l := lb.Lot
		if l.Expired(today) && lb.OnHandML > BalanceTolerance {
			r.Flags = append(r.Flags, Discrepancy{Kind: FlagExpiredOnHand, LotID: l.ID,
				Message: fmt.Sprintf("Lot %s expired on %s and %s mL is still in the book: dispose of it with a witness", l.LotNumber, l.Expiry, num(lb.OnHandML))})
		}
		if lb.OnHandML < -BalanceTolerance {
			r.Flags = append(r.Flags, Discrepancy{Kind: FlagNegative, LotID: l.ID,
				Message: fmt.Sprintf("Lot %s: the book is below zero (%s mL): an entry is missing or wrong", l.LotNumber, num(lb.OnHandML))})
		}
		if lb.LastCount != nil && math.Abs(lb.CountDiffML) > BalanceTolerance {
			r.Flags = append(r.Flags, Discrepancy{Kind: FlagCount, LotID: l.ID, EntryID: lb.LastCount.ID,
				Message: fmt.Sprintf("Lot %s: counted %s mL on %s, the book said %s mL (difference %s mL): investigate and record a correction naming count #%d",
					l.LotNumber, num(*lb.LastCount.CountedML), lb.LastCount.At.In(loc).Format("2006-01-02 15:04"), num(*lb.LastCount.BookML), num(lb.CountDiffML), lb.LastCount.ID)})
		}
	}
	for _, bb := range r.Bags {
		p := bb.Preparation
		switch {
		case !bb.Finished:
		case !p.Wasted():
			r.Flags = append(r.Flags, Discrepancy{Kind: FlagNotWasted, PreparationID: p.ID, SessionID: p.SessionID, PatientID: p.PatientID,
				Message: fmt.Sprintf("%s (MRN %s), bag %d of session %d: the session has stopped and the bag's remainder (%s mg by the chart) was never wasted with a witness",
					bb.PatientName, bb.MRN, p.BagNumber, p.SessionID, num(bb.BalanceMg))})
		case !p.Accounted(bb.BalanceMg):
			r.Flags = append(r.Flags, Discrepancy{Kind: FlagBagBalance, PreparationID: p.ID, SessionID: p.SessionID, PatientID: p.PatientID,
				Message: fmt.Sprintf("%s (MRN %s), bag %d of session %d: drawn %s mg − given %s mg − wasted %s mg = %s mg unaccounted for",
					bb.PatientName, bb.MRN, p.BagNumber, p.SessionID, num(bb.DrawnMg), num(bb.GivenMg), num(bb.WastedMg), num(bb.BalanceMg))})
		}
	}
}
