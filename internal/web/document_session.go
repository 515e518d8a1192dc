package web

import (
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/infusion"
	"github.com/ketatrack/ketatrack/internal/stock"
)

// sessionDoc is the record of one infusion session: the order, everything
// charted (check-in, pump segments and rate changes, vitals, alerts with
// their acknowledgement, side effects, medications, the discharge
// assessment), the ketamine given by the chart's exact integration, and the
// controlled-substance record of its bags (lots drawn, preparer and
// witness, waste and its witness). Read through the same services as the
// charting page; nothing is recomputed that the chart does not say.
type sessionDoc struct {
	sessionData
	// AsOf is the instant the figures are read at: the stop for a stopped
	// session, else the time of printing (the record is then in progress).
	AsOf      time.Time
	Finished  bool
	Vitals    []docVitals
	Segments  []docSegment
	Bags      []docBag
	StockNote string // why the bags are not shown, if they are not
	// GivenMg is the session's ketamine by the chart, over all bags.
	GivenMg float64
}

// docVitals is one row of the vitals table (the baseline first).
type docVitals struct {
	At       time.Time
	By       string
	Baseline bool
	V        infusion.Vitals
}

// docSegment is one interval the pump ran at one rate.
type docSegment struct {
	From, To time.Time
	Rate     infusion.Rate
	Bag      int // 1-based
	Minutes  time.Duration
}

// docBag is one bag: its preparation (nil if none was recorded) and what
// the chart gave from it.
type docBag struct {
	Number  int
	Hung    infusion.HungBag
	Prep    *stock.Preparation
	Lots    map[int64]*stock.Lot
	GivenMg float64
}

// Lot names the lot of a draw.
func (b docBag) Lot(id int64) string {
	if l, ok := b.Lots[id]; ok {
		return l.Label()
	}
	return fmt.Sprintf("lot %d", id)
}

// WasteML is the volume of a waste entry at the bag's concentration.
func (b docBag) WasteML(e stock.Entry) float64 {
	if b.Prep == nil || b.Prep.FinalVolumeML == 0 {
		return 0
	}
	return -e.BagMg / b.Prep.MgPerML()
}

// Remaining is what the bag holds by the book: added − given − wasted ±
// corrections.
func (b docBag) Remaining() float64 {
	if b.Prep == nil {
		return 0
	}
	return b.Prep.Remaining(b.GivenMg)
}

// NothingLeft reports whether the bag, not wasted, has nothing left by the
// chart: once the session has stopped, emptied by the infusion, with
// nothing to waste (bagView.Emptied).
func (b docBag) NothingLeft() bool {
	return b.Prep != nil && !b.Prep.Wasted() && b.Prep.Accounted(b.Remaining())
}

// Signed prints a score such as RASS with its sign ("+0", "-2"), or an em
// dash when none was charted.
func (sessionDoc) Signed(p *int) string {
	if p == nil {
		return "—"
	}
	return fmt.Sprintf("%+d", *p)
}

// Neg is -x, for the ledger's signed amounts.
func (sessionDoc) Neg(x float64) float64 { return -x }

// docStock returns the controlled-substance service, if the store keeps
// one.
func (s *Server) docStock() (stock.Service, bool) {
	st, ok := s.Patients.(stock.Service)
	return st, ok
}

// sessionRecordDoc loads the record of session {id}.
func (s *Server) sessionRecordDoc(r *http.Request) (*docPage, clinic.DocumentPrint, error) {
	var rec clinic.DocumentPrint
	svc, id, err := s.treatmentRecord(r)
	if err != nil {
		return nil, rec, err
	}
	ss, err := svc.FindSessionByID(r.Context(), id)
	if err != nil {
		return nil, rec, err
	}
	sd, err := s.sessionViewOf(r, ss)
	if err != nil {
		return nil, rec, err
	}
	d, err := s.newDocPage(r, clinic.DocSession, sd.Patient)
	if err != nil {
		return nil, rec, err
	}
	st := *ss.State
	b := sessionDoc{sessionData: sd, AsOf: d.PrintedAt, Finished: st.Phase == infusion.PhaseStopped}
	if b.Finished {
		b.AsOf = st.StoppedAt
		if b.AsOf.IsZero() {
			b.AsOf = d.PrintedAt
		}
	}
	b.Summary = st.Summary(b.AsOf)
	b.GivenMg = float64(b.Summary.CumulativeDoseMg)
	if st.CheckIn != nil {
		b.Vitals = append(b.Vitals, docVitals{At: st.CheckIn.BaselineAt, By: "check-in", Baseline: true, V: st.CheckIn.Baseline})
	}
	for _, v := range st.Vitals {
		b.Vitals = append(b.Vitals, docVitals{At: v.At, By: v.By, V: v.Vitals})
	}
	sort.SliceStable(b.Vitals, func(i, j int) bool { return b.Vitals[i].At.Before(b.Vitals[j].At) })
	for _, g := range st.Segments {
		to := g.To
		if to.IsZero() {
			to = b.AsOf
		}
		b.Segments = append(b.Segments, docSegment{From: g.From, To: g.To, Rate: g.Rate, Bag: g.Bag + 1, Minutes: to.Sub(g.From)})
	}
	var preps []*stock.Preparation
	lots := map[int64]*stock.Lot{}
	if sv, ok := s.docStock(); ok {
		if preps, err = sv.FindPreparations(r.Context(), ss.ID); err != nil {
			return nil, rec, err
		}
		ls, err := sv.FindLots(r.Context(), stock.LotFilter{})
		if err != nil {
			return nil, rec, err
		}
		for _, l := range ls {
			lots[l.ID] = l
		}
	} else {
		b.StockNote = "This server keeps no controlled-substance record."
	}
	for i, h := range st.Bags {
		bag := docBag{Number: i + 1, Hung: h, Lots: lots, GivenMg: float64(st.BagGivenMg(i, b.AsOf))}
		for _, p := range preps {
			if p.BagNumber == i+1 {
				bag.Prep = p
			}
		}
		b.Bags = append(b.Bags, bag)
	}
	// A bag prepared but never hung is on the record too.
	for _, p := range preps {
		if p.BagNumber > len(st.Bags) {
			b.Bags = append(b.Bags, docBag{Number: p.BagNumber, Prep: p, Lots: lots})
		}
	}
	d.Subject = fmt.Sprintf("%s · day %d", sd.Course.Title, ss.Day)
	if sd.Plan != nil {
		d.Subject += fmt.Sprintf(" of %d", len(sd.Plan.Days))
	}
	d.Subject += fmt.Sprintf(" · session %d · %s · plan version %d", ss.ID, ss.SessionDate, ss.PlanVersion)
	if !b.Finished {
		d.Banner = fmt.Sprintf("IN PROGRESS — the session is %s: this record stands as at %s", ss.Phase, d.Stamp(d.PrintedAt))
	} else if n := len(st.OpenAlerts()); n > 0 {
		d.Banner = fmt.Sprintf("%d ALERT(S) NOT ACKNOWLEDGED", n)
	}
	d.Body = b
	d.Self = fmt.Sprintf("/sessions/%d/print", ss.ID)
	d.PDF = fmt.Sprintf("/sessions/%d/record.pdf", ss.ID)
	d.Back = fmt.Sprintf("/sessions/%d", ss.ID)
	rec = clinic.DocumentPrint{Entity: "infusion_session", EntityID: ss.ID}
	return d, rec, nil
}

func (s *Server) sessionPrintPage(w http.ResponseWriter, r *http.Request) error {
	d, rec, err := s.sessionRecordDoc(r)
	if err != nil {
		return err
	}
	return s.serveDoc(w, r, "doc_session", d, rec, false)
}

func (s *Server) sessionPDF(w http.ResponseWriter, r *http.Request) error {
	d, rec, err := s.sessionRecordDoc(r)
	if err != nil {
		return err
	}
	return s.serveDoc(w, r, "doc_session", d, rec, true)
}
