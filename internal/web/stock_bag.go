package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/stock"
	"github.com/ketatrack/ketatrack/internal/units"
)

// The bag preparation at check-in and the waste at the end of the session,
// on the charting page: the logged-in nurse or clinician prepares, a second
// one witnesses by typing their own login and password on the same form.
// A refused form re-shows the charting page with the field at fault;
// nothing is stored.

// bagView is one prepared bag on the charting page.
type bagView struct {
	*stock.Preparation
	GivenMg     float64
	RemainingMg float64
	// InUse: the bag is still on the pump (not wastable yet).
	InUse bool
}

// Emptied reports whether the infusion emptied the bag: done (off the
// pump), not wasted, less left by the chart than a syringe measures
// (stock.Preparation.Accounted). The store settles such a
// bag when its use ends; there is nothing to waste.
func (b bagView) Emptied() bool {
	return !b.Wasted() && !b.InUse && b.Accounted(b.RemainingMg)
}

// RemainingML is the bag's remainder by the chart in mL of the bag.
func (b bagView) RemainingML() float64 { return b.RemainingMg / b.MgPerML() }

// RemainingMLText is RemainingML written for the waste form ("62.5mL").
func (b bagView) RemainingMLText() string {
	ml := b.RemainingML()
	if ml < 0 {
		ml = 0
	}
	return strconv.FormatFloat(ml, 'f', -1, 64) + "mL"
}

// stockPanel is the charting page's controlled-substance part.
type stockPanel struct {
	Bags []bagView
	// Lots usable today for the session's drug, with stock.
	Lots []*stock.Lot
	// Consent is the course's newest consent (nil for none).
	Consent *clinic.Consent
	// Missing is the bag number the pump is programmed with but that
	// has no preparation yet (0 for none).
	Missing int
	// NextBag is the number of the next bag to prepare and ProgrammedBag
	// the pump's bag for it ("" when not programmed yet).
	NextBag       int
	ProgrammedBag string
	// lotNumbers names every lot of the clinic (the bags' draws may be of
	// lots now empty or expired).
	lotNumbers map[int64]string
}

// loadStockPanel fills d.Stock (errors other than rights are returned).
func (s *Server) loadStockPanel(r *http.Request, d *sessionData) error {
	svc, err := s.stockService()
	if err != nil {
		return err
	}
	if cs, ok := s.Patients.(clinic.ConsentService); ok {
		list, err := cs.FindConsents(r.Context(), d.Session.CourseID)
		if err != nil {
			return err
		}
		if len(list) > 0 {
			d.Stock.Consent = list[0]
		}
	}
	preps, err := svc.FindPreparations(r.Context(), d.Session.ID)
	if err != nil {
		return err
	}
	st := *d.Session.State
	for _, p := range preps {
		given := float64(st.BagGivenMg(p.BagNumber-1, d.now))
		b := bagView{Preparation: p, GivenMg: given, RemainingMg: p.Remaining(given)}
		b.InUse = st.Phase != "stopped" && p.BagNumber-1 >= len(st.Bags)-1
		d.Stock.Bags = append(d.Stock.Bags, b)
	}
	d.Stock.NextBag = len(preps) + 1
	if len(st.Bags) >= d.Stock.NextBag {
		hb := st.Bags[d.Stock.NextBag-1].Bag
		d.Stock.ProgrammedBag = units.FormatNumber(float64(hb.AmountMg), 6) + "mg/" + units.FormatNumber(float64(hb.VolumeML), 6) + "mL"
		d.Stock.Missing = d.Stock.NextBag
	}
	if len(preps) == 0 && !d.CanChart {
		return nil
	}
	lots, err := svc.FindLots(r.Context(), stock.LotFilter{})
	if err != nil {
		return err
	}
	today := s.today()
	d.Stock.lotNumbers = map[int64]string{}
	for _, l := range lots {
		d.Stock.lotNumbers[l.ID] = l.LotNumber
		if d.CanChart && stock.CanHandle(actor(r), d.Session.ClinicID) && l.OnHandML > 0 && !l.Expired(today) && l.Drug == st.Order.Drug {
			d.Stock.Lots = append(d.Stock.Lots, l)
		}
	}
	return nil
}

// preparationFromForm reads the bag preparation form: up to three draws.
func preparationFromForm(f *form) (stock.PreparationInput, error) {
	in := stock.PreparationInput{MgAdded: f.Get("mg_added"), Diluent: f.Get("diluent"), FinalVolume: f.Get("final_volume"),
		Witness: witnessFromForm(f), Note: f.Get("note")}
	for i := 0; i < 3; i++ {
		lot, vol := f.Get(fmt.Sprintf("draws[%d].lot_id", i)), f.Get(fmt.Sprintf("draws[%d].volume", i))
		if lot == "" && vol == "" {
			continue
		}
		id, err := strconv.ParseInt(lot, 10, 64)
		if err != nil {
			return in, clinic.Invalid(fmt.Sprintf("draws[%d].lot_id", len(in.Draws)), "choose the lot drawn from")
		}
		in.Draws = append(in.Draws, stock.DrawInput{Lot: id, Volume: vol})
	}
	return in, nil
}

// renderSessionFailure re-shows the charting page with the refused form
// (kind names the form that opens).
func (s *Server) renderSessionFailure(w http.ResponseWriter, r *http.Request, f *form, kind string, err error) error {
	forgetPassword(f)
	if !showErr(f, err) {
		return err
	}
	d, verr := s.sessionView(r)
	if verr != nil {
		return verr
	}
	d.Failed, d.form = kind, f
	s.render(w, r, ErrorStatus(err), "charting_session", &page{Title: fmt.Sprintf("Day %d · %s", d.Session.Day, d.Patient.FullName()), Data: d, Form: f})
	return nil
}

func (s *Server) preparationSubmit(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.stockService()
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	f, err := formValues(r)
	if err != nil {
		return err
	}
	in, err := preparationFromForm(f)
	var p *stock.Preparation
	if err == nil {
		p, err = svc.PrepareBag(r.Context(), id, in)
	}
	if err != nil {
		return s.renderSessionFailure(w, r, f, "preparation", err)
	}
	msg := fmt.Sprintf("Bag %d prepared: %s mg in %s mL, by %s, witnessed by %s.", p.BagNumber, units.FormatNumber(p.MgAdded, 6),
		units.FormatNumber(p.FinalVolumeML, 6), p.PreparedByName, p.WitnessName)
	http.Redirect(w, r, fmt.Sprintf("/sessions/%d?flash=%s#bags-h", id, url.QueryEscape(msg)), http.StatusSeeOther)
	return nil
}

// wasteSubmit records the waste of bag preparation {id}; the form also
// carries the session to return to.
func (s *Server) wasteSubmit(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.stockService()
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	f, err := formValues(r)
	if err != nil {
		return err
	}
	e, err := svc.WasteBag(r.Context(), id, stock.WasteInput{Amount: f.Get("amount"), Reason: f.Get("reason"), Witness: witnessFromForm(f)})
	if err != nil {
		sid, perr := strconv.ParseInt(f.Get("session_id"), 10, 64)
		if perr != nil || sid <= 0 {
			return err
		}
		r.SetPathValue("id", strconv.FormatInt(sid, 10))
		f.Values["preparation_id"] = strconv.FormatInt(id, 10)
		return s.renderSessionFailure(w, r, f, "waste", err)
	}
	msg := fmt.Sprintf("Waste recorded: %s mg (entry #%d), witnessed by %s.", units.FormatNumber(-e.BagMg, 6), e.ID, e.WitnessName)
	http.Redirect(w, r, fmt.Sprintf("/sessions/%d?flash=%s#bags-h", e.SessionID, url.QueryEscape(msg)), http.StatusSeeOther)
	return nil
}

// The JSON API.

type apiLotList struct {
	Lots []*stock.Lot `json:"lots"`
}

func (s *Server) apiLots(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.stockService()
	if err != nil {
		return err
	}
	lots, err := svc.FindLots(r.Context(), stock.LotFilter{InStock: r.URL.Query().Get("in_stock") == "true"})
	if err != nil {
		return err
	}
	if lots == nil {
		lots = []*stock.Lot{}
	}
	writeJSON(w, http.StatusOK, apiLotList{Lots: lots})
	return nil
}

func (s *Server) apiLot(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.stockService()
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	l, err := svc.FindLotByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, l)
	return nil
}

type apiReceipt struct {
	Lot   *stock.Lot   `json:"lot"`
	Entry *stock.Entry `json:"entry"`
}

func (s *Server) apiReceive(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.stockService()
	if err != nil {
		return err
	}
	var in stock.ReceiptInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	l, e, err := svc.ReceiveStock(r.Context(), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/stock/lots/%d", l.ID))
	writeJSON(w, http.StatusCreated, apiReceipt{Lot: l, Entry: e})
	return nil
}

func (s *Server) apiAdjust(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.stockService()
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in stock.AdjustInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	e, err := svc.AdjustStock(r.Context(), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, e)
	return nil
}

func (s *Server) apiCorrect(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.stockService()
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in stock.CorrectionInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	e, err := svc.Correct(r.Context(), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, e)
	return nil
}

type apiPreparationList struct {
	Preparations []*stock.Preparation `json:"preparations"`
}

func (s *Server) apiPreparations(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.stockService()
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	list, err := svc.FindPreparations(r.Context(), id)
	if err != nil {
		return err
	}
	if list == nil {
		list = []*stock.Preparation{}
	}
	writeJSON(w, http.StatusOK, apiPreparationList{Preparations: list})
	return nil
}

func (s *Server) apiPrepare(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.stockService()
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in stock.PreparationInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	p, err := svc.PrepareBag(r.Context(), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, p)
	return nil
}

func (s *Server) apiWaste(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.stockService()
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in stock.WasteInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	e, err := svc.WasteBag(r.Context(), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, e)
	return nil
}

// apiReconciliation is a page of the reconciliation: the lots, ?limit bags
// (reconcileBags by default) after ?after, and the cursor of the next page.
type apiReconciliation struct {
	*stock.Reconciliation
	Next string `json:"next,omitempty"`
}

func (s *Server) apiReconcile(w http.ResponseWriter, r *http.Request) error {
	rec, next, err := s.reconcileOf(r, reconcileBags)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, apiReconciliation{Reconciliation: rec, Next: next})
	return nil
}

// apiStockLog streams {"rows": [...]} row by row as StockLog reads them
// (the document writeJSON would write, without holding the ledger). An
// error after the first row ends the document unfinished, so that no
// client takes a cut log for the whole one; the error is logged.
func (s *Server) apiStockLog(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.stockService()
	if err != nil {
		return err
	}
	f, err := logFilterOf(r)
	if err != nil {
		return err
	}
	var enc *json.Encoder
	var row bytes.Buffer
	start := func() {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{"rows":[`)
		enc = json.NewEncoder(&row)
		enc.SetEscapeHTML(false)
	}
	err = svc.StockLog(r.Context(), f, func(lr stock.LogRow) error {
		sep := ","
		if enc == nil {
			start()
			sep = ""
		}
		row.Reset()
		row.WriteString(sep)
		if err := enc.Encode(lr); err != nil {
			return err
		}
		_, err := w.Write(bytes.TrimSuffix(row.Bytes(), []byte("\n")))
		return err
	})
	if err != nil {
		if enc == nil {
			return err
		}
		s.logger.Error("stock log json", "error", err)
		return nil
	}
	if enc == nil {
		start()
	}
	_, _ = io.WriteString(w, "]}\n")
	return nil
}

// Neg is -v, for entries stored as signed changes.
func (sessionData) Neg(v float64) float64 { return -v }

// LotNumbers names the lots of the bags' draws by ID.
func (d sessionData) LotNumbers() map[int64]string {
	m := map[int64]string{}
	for _, l := range d.Stock.Lots {
		m[l.ID] = l.LotNumber
	}
	for id, n := range d.Stock.lotNumbers {
		m[id] = n
	}
	return m
}

// WasteBag is the first bag whose remainder may be wasted now (nil for
// none; an emptied bag has none).
func (d sessionData) WasteBag() *bagView {
	for i := range d.Stock.Bags {
		if b := &d.Stock.Bags[i]; !b.Wasted() && !b.InUse && !b.Emptied() {
			return b
		}
	}
	return nil
}

// witnessInputs are the witness's login and password inputs of a form.
type witnessInputs struct{ Login, Password inputView }

// WitnessInputs are the witness inputs of form formID.
func (d sessionData) WitnessInputs(formID string) witnessInputs {
	return witnessInputs{Login: d.In(formID, "witness.login", "Witness login", "text", "", true),
		Password: d.In(formID, "witness.password", "Witness password", "password", "", true)}
}

// drawRow is one draw of the preparation form.
type drawRow struct {
	Lot    string
	Err    string
	Volume inputView
}

// DrawRows are the preparation form's three draws.
func (d sessionData) DrawRows() []drawRow {
	var out []drawRow
	for i := 0; i < 3; i++ {
		lf := fmt.Sprintf("draws[%d].lot_id", i)
		label := "Volume drawn, mL"
		if i > 0 {
			label = "Volume drawn, mL (further draw)"
		}
		out = append(out, drawRow{Lot: d.Value("preparation", lf), Err: d.Err("preparation", lf),
			Volume: d.In("preparation", fmt.Sprintf("draws[%d].volume", i), label, "text", "", i == 0)})
	}
	return out
}

// prepBag is the bag to prepare as the pump or the order has it (nil for none).
func (d sessionData) prepBag() (mg, ml float64, ok bool) {
	st := d.Session.State
	if n := d.Stock.NextBag; n >= 1 && len(st.Bags) >= n {
		b := st.Bags[n-1].Bag
		return float64(b.AmountMg), float64(b.VolumeML), true
	}
	if b := st.Order.Bag; b != nil && len(d.Stock.Bags) == 0 {
		if amount, volume, ok := b.Amount(); ok {
			return amount.Milligrams(), volume.Milliliters(), true
		}
	}
	return 0, 0, false
}

// PrepMg fills the preparation form's mg from the pump's or the order's bag.
func (d sessionData) PrepMg() string {
	if mg, _, ok := d.prepBag(); ok {
		return strconv.FormatFloat(mg, 'f', -1, 64) + "mg"
	}
	return ""
}

// PrepVolume fills the preparation form's final volume likewise.
func (d sessionData) PrepVolume() string {
	if _, ml, ok := d.prepBag(); ok {
		return strconv.FormatFloat(ml, 'f', -1, 64) + "mL"
	}
	return ""
}
