package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/csvsafe"
	"github.com/ketatrack/ketatrack/internal/stock"
	"github.com/ketatrack/ketatrack/internal/units"
)

// The controlled-substance record (issue 15) in the browser and the API:
// stock received by lot, the lots with their book stock, physical counts
// and disposals, the reconciliation with its discrepancies, and the log an
// inspector reads (page, CSV, printable). Bag preparation and waste are on
// the charting page (stock_bag.go). Every call goes through stock.Service,
// which checks the rights, parses the input with the field at fault named,
// and appends ledger rows with their audit entries; nothing is ever changed.

// stockService is the store as stock.Service.
func (s *Server) stockService() (stock.Service, error) {
	st, ok := s.Patients.(stock.Service)
	if !ok {
		return nil, clinic.Errorf(clinic.EINTERNAL, "the patient service %T keeps no controlled-substance record", s.Patients)
	}
	return st, nil
}

// stockData is the stock page: the lots and the receive form.
type stockData struct {
	views
	Lots      []*stock.Lot
	Today     clinic.Date
	CanHandle bool
	ShowAll   bool
}

// Strengths are the usual ketamine strengths, offered on the receive form.
func (stockData) Strengths() []string { return []string{"50mg/mL", "100mg/mL", "10mg/mL"} }

// Expired reports whether l is past its expiry today.
func (d stockData) Expired(l *stock.Lot) bool { return l.Expired(d.Today) }

// Vials is a lot's book stock in vials (a fraction for an opened one).
func (d stockData) Vials(l *stock.Lot) string { return d.Num(l.OnHandML / l.VialML) }

func (s *Server) stockPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderStock(w, r, http.StatusOK, newForm())
}

func (s *Server) renderStock(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	svc, err := s.stockService()
	if err != nil {
		return err
	}
	all := r.URL.Query().Get("all") == "1"
	lots, err := svc.FindLots(r.Context(), stock.LotFilter{InStock: !all})
	if err != nil {
		return err
	}
	a := actor(r)
	d := stockData{views: s.views(), Lots: lots, Today: s.today(), CanHandle: stock.CanHandle(a, a.ClinicID), ShowAll: all}
	if f.Get("drug") == "" {
		f.Values["drug"] = "racemic"
	}
	s.render(w, r, status, "stock", &page{Title: "Controlled-substance stock", Data: d, Form: f})
	return nil
}

// receiptFromForm reads the receive form.
func receiptFromForm(f *form) stock.ReceiptInput {
	return stock.ReceiptInput{Product: f.Get("product"), Drug: f.Get("drug"), Strength: f.Get("strength"), VialVolume: f.Get("vial_volume"),
		Lot: f.Get("lot"), Expiry: f.Get("expiry"), Vials: f.Get("vials"), Supplier: f.Get("supplier"), Reference: f.Get("reference")}
}

func (s *Server) stockReceive(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.stockService()
	if err != nil {
		return err
	}
	f, err := formValues(r)
	if err != nil {
		return err
	}
	l, e, err := svc.ReceiveStock(r.Context(), receiptFromForm(f))
	if err != nil {
		if !showErr(f, err) {
			return err
		}
		return s.renderStock(w, r, ErrorStatus(err), f)
	}
	msg := fmt.Sprintf("Received %d vials of lot %s (%s mL, entry #%d).", e.Vials, l.LotNumber, units.FormatNumber(e.LotML, 6), e.ID)
	http.Redirect(w, r, "/stock?flash="+url.QueryEscape(msg), http.StatusSeeOther)
	return nil
}

// reconcileData is the reconciliation page.
type reconcileData struct {
	views
	*stock.Reconciliation
	Today     clinic.Date
	CanHandle bool
	// NextPage is the cursor of the page of bags after this one ("" on the
	// last); Paged is set on a page after the first.
	NextPage string
	Paged    bool
}

// reconcileBags is how many bags a page of the reconciliation lists (the
// API's default; its ?limit goes up to reconcileBagsMax).
const (
	reconcileBags    = 100
	reconcileBagsMax = 1000
)

// reconcileOf reads the reconciliation page ?after=CURSOR&limit=N asks for
// (def bags when no limit is given) and the cursor of the next page.
func (s *Server) reconcileOf(r *http.Request, def int) (*stock.Reconciliation, string, error) {
	svc, err := s.stockService()
	if err != nil {
		return nil, "", err
	}
	f := stock.ReconcileFilter{}
	after, err := afterCursor[idKey](r)
	if err != nil {
		return nil, "", err
	}
	if after != nil {
		f.After = after.ID
	}
	if f.Limit, err = pageLimit(r, def, reconcileBagsMax); err != nil {
		return nil, "", err
	}
	rec, err := svc.Reconcile(r.Context(), s.Now(), f)
	if err != nil {
		return nil, "", err
	}
	var next *idKey
	if rec.Next != 0 {
		next = &idKey{ID: rec.Next}
	}
	return rec, encodeCursor(next), nil
}

// Expired reports whether l is past its expiry today.
func (d reconcileData) Expired(l *stock.Lot) bool { return l.Expired(d.Today) }

func (s *Server) reconcilePage(w http.ResponseWriter, r *http.Request) error {
	return s.renderReconcile(w, r, http.StatusOK, newForm())
}

func (s *Server) renderReconcile(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	rec, next, err := s.reconcileOf(r, reconcileBags)
	if err != nil {
		return err
	}
	a := actor(r)
	d := reconcileData{views: s.views(), Reconciliation: rec, Today: s.today(), CanHandle: stock.CanHandle(a, a.ClinicID),
		NextPage: next, Paged: r.URL.Query().Get("after") != ""}
	s.render(w, r, status, "stock_reconcile", &page{Title: "Stock reconciliation", Data: d, Form: f})
	return nil
}

// witnessFromForm reads the witness's login and password.
func witnessFromForm(f *form) stock.Credentials {
	return stock.Credentials{Login: f.Get("witness.login"), Password: f.Get("witness.password")}
}

// forgetPassword keeps a refused form from echoing the witness's password.
func forgetPassword(f *form) { delete(f.Values, "witness.password") }

// stockAdjust records a physical count or a disposal on the form's lot.
func (s *Server) stockAdjust(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.stockService()
	if err != nil {
		return err
	}
	f, err := formValues(r)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(f.Get("lot_id"), 10, 64)
	if err != nil || id <= 0 {
		return s.renderReconcile(w, r, http.StatusBadRequest, withErr(f, clinic.Invalid("lot_id", "choose the lot counted or disposed of")))
	}
	in := stock.AdjustInput{Kind: stock.Kind(f.Get("kind")), Volume: f.Get("volume"), Reason: f.Get("reason"), Witness: witnessFromForm(f)}
	e, err := svc.AdjustStock(r.Context(), id, in)
	if err != nil {
		forgetPassword(f)
		if !showErr(f, err) {
			return err
		}
		return s.renderReconcile(w, r, ErrorStatus(err), f)
	}
	msg := fmt.Sprintf("Recorded the %s (entry #%d), witnessed by %s.", e.Kind, e.ID, e.WitnessName)
	http.Redirect(w, r, "/stock/reconciliation?flash="+url.QueryEscape(msg), http.StatusSeeOther)
	return nil
}

// logFilterOf reads ?from, ?to (YYYY-MM-DD) and ?lot.
func logFilterOf(r *http.Request) (stock.LogFilter, error) {
	var f stock.LogFilter
	q := r.URL.Query()
	for _, p := range []struct {
		name string
		dst  *clinic.Date
	}{{"from", &f.From}, {"to", &f.To}} {
		if v := strings.TrimSpace(q.Get(p.name)); v != "" {
			d, err := clinic.ParseDate(v)
			if err != nil {
				return f, clinic.Invalid(p.name, "%q is not a date (YYYY-MM-DD)", v)
			}
			*p.dst = d
		}
	}
	if v := strings.TrimSpace(q.Get("lot")); v != "" && v != "0" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id < 0 {
			return f, clinic.Invalid("lot", "%q is not a lot", v)
		}
		f.LotID = id
	}
	return f, nil
}

// logData is the log page and its printable version.
type logData struct {
	views
	Filter stock.LogFilter
	Lots   []*stock.Lot
	Lot    *stock.Lot
	Rows   []stock.LogRow
	// Totals over the rows shown, by kind, in mg of ketamine.
	ReceivedMg, DrawnMg, WastedMg, DisposedMg, CorrectedMg float64
	Print                                                  bool
	Clinic                                                 string
	Error                                                  string
	// NextPage is the cursor of the log's next page on the page ("" on
	// the last, and on the printable log, which has every entry); Paged is
	// set on a page after the first.
	NextPage string
	Paged    bool
}

// logPageRows is how many entries a page of the log shows (the CSV and
// the printable log have every entry of the period). A variable so that
// tests can page through a small ledger (SetLogPageRows).
var logPageRows = 500

// errLogPageFull ends StockLog once a page has its rows and one more.
var errLogPageFull = errors.New("the log page is full")

// NextQuery is the query string of the next page (the filter and after).
func (d logData) NextQuery() template.URL {
	q := string(d.Query())
	if q == "" {
		return template.URL("?after=" + d.NextPage)
	}
	return template.URL(q + "&after=" + d.NextPage)
}

// Query is the filter as a query string (for the CSV and print links).
func (d logData) Query() template.URL {
	v := url.Values{}
	if !d.Filter.From.IsZero() {
		v.Set("from", d.Filter.From.String())
	}
	if !d.Filter.To.IsZero() {
		v.Set("to", d.Filter.To.String())
	}
	if d.Filter.LotID != 0 {
		v.Set("lot", strconv.FormatInt(d.Filter.LotID, 10))
	}
	if len(v) == 0 {
		return ""
	}
	return template.URL("?" + v.Encode())
}

// Period names the period shown.
func (d logData) Period() string {
	switch {
	case d.Filter.From.IsZero() && d.Filter.To.IsZero():
		return "all entries"
	case d.Filter.From.IsZero():
		return "up to " + d.Filter.To.String()
	case d.Filter.To.IsZero():
		return "from " + d.Filter.From.String()
	}
	return d.Filter.From.String() + " to " + d.Filter.To.String()
}

// ML prints a volume with its unit ("" for none).
func (d logData) ML(v float64) string {
	if v == 0 {
		return ""
	}
	return units.FormatNumber(v, 6) + " mL"
}

// Mg prints an amount with its unit ("" for none).
func (d logData) Mg(v float64) string {
	if v == 0 {
		return ""
	}
	return units.FormatNumber(v, 6) + " mg"
}

// Detail is what a row says beyond its quantities.
func (d logData) Detail(r stock.LogRow) string { return logDetail(r) }

func logDetail(r stock.LogRow) string {
	var parts []string
	if r.Vials != 0 {
		parts = append(parts, fmt.Sprintf("%d vials", r.Vials))
	}
	if r.Supplier != "" {
		parts = append(parts, "from "+r.Supplier)
	}
	if r.Reference != "" {
		parts = append(parts, "ref. "+r.Reference)
	}
	if r.PatientMRN != "" {
		parts = append(parts, "MRN "+r.PatientMRN)
	}
	if r.SessionID != 0 {
		parts = append(parts, fmt.Sprintf("session %d", r.SessionID))
	}
	if r.BagNumber != 0 {
		parts = append(parts, fmt.Sprintf("bag %d", r.BagNumber))
	}
	if r.GivenMg != nil {
		parts = append(parts, "given by the chart "+units.FormatNumber(*r.GivenMg, 6)+" mg")
	}
	if r.BookML != nil && r.CountedML != nil {
		parts = append(parts, fmt.Sprintf("counted %s mL, book %s mL", units.FormatNumber(*r.CountedML, 6), units.FormatNumber(*r.BookML, 6)))
	}
	if r.CorrectsID != 0 {
		parts = append(parts, fmt.Sprintf("corrects #%d", r.CorrectsID))
	}
	for _, c := range r.CorrectedBy {
		parts = append(parts, fmt.Sprintf("corrected by #%d", c))
	}
	if r.Reason != "" {
		parts = append(parts, "reason: "+r.Reason)
	}
	return strings.Join(parts, "; ")
}

// LotLabel names a row's lot ("" for a bag-only entry).
func (d logData) LotLabel(r stock.LogRow) string {
	if r.Lot == nil {
		return ""
	}
	return r.Lot.LotNumber
}

func (s *Server) stockLog(r *http.Request, print bool) (logData, error) {
	svc, err := s.stockService()
	if err != nil {
		return logData{}, err
	}
	d := logData{views: s.views(), Print: print}
	if d.Filter, err = logFilterOf(r); err != nil {
		return d, err
	}
	if d.Lots, err = svc.FindLots(r.Context(), stock.LotFilter{}); err != nil {
		return d, err
	}
	for _, l := range d.Lots {
		if l.ID == d.Filter.LotID {
			d.Lot = l
		}
	}
	if d.Filter.LotID != 0 && d.Lot == nil {
		return d, clinic.Invalid("lot", "no lot %d in this clinic's stock", d.Filter.LotID)
	}
	if c, err := s.Clinics.FindClinicByID(r.Context(), actor(r).ClinicID); err == nil {
		d.Clinic = c.Name
	}
	if !print {
		after, err := afterCursor[idKey](r)
		if err != nil {
			return d, err
		}
		if after != nil {
			d.Filter.AfterID, d.Paged = after.ID, true
		}
	}
	err = svc.StockLog(r.Context(), d.Filter, func(row stock.LogRow) error {
		if !print && len(d.Rows) == logPageRows {
			d.NextPage = encodeCursor(&idKey{ID: d.Rows[len(d.Rows)-1].ID})
			return errLogPageFull
		}
		d.Rows = append(d.Rows, row)
		switch row.Kind {
		case stock.KindReceive:
			d.ReceivedMg += row.LotMg
		case stock.KindDraw:
			d.DrawnMg -= row.LotMg
		case stock.KindWaste:
			d.WastedMg -= row.BagMg
		case stock.KindDispose:
			d.DisposedMg -= row.LotMg
		case stock.KindCorrection:
			d.CorrectedMg += row.LotMg + row.BagMg
		}
		return nil
	})
	if errors.Is(err, errLogPageFull) {
		err = nil
	}
	return d, err
}

func (s *Server) stockLogPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.stockLog(r, false)
	if err != nil {
		if clinic.ErrorCode(err) != clinic.EINVALID {
			return err
		}
		d.Rows, d.Error = nil, clinic.ErrorMessage(err)
		s.render(w, r, http.StatusBadRequest, "stock_log", &page{Title: "Controlled-substance log", Data: d})
		return nil
	}
	s.render(w, r, http.StatusOK, "stock_log", &page{Title: "Controlled-substance log", Data: d})
	return nil
}

func (s *Server) stockLogPrint(w http.ResponseWriter, r *http.Request) error {
	d, err := s.stockLog(r, true)
	if err != nil {
		return err
	}
	s.renderTemplate(w, r, http.StatusOK, "stock_log", "stock_log_print", &page{Title: "Controlled-substance log", Data: d})
	return nil
}

// logCSVHeader is the CSV's first line.
var logCSVHeader = []string{"entry", "at", "kind", "lot", "product", "strength_mg_per_ml", "expiry", "lot_change_ml", "lot_change_mg",
	"lot_balance_ml", "lot_balance_mg", "bag_change_mg", "patient_mrn", "session", "bag", "given_mg", "vials", "supplier", "reference",
	"book_ml", "counted_ml", "corrects", "reason", "by", "witness", "recorded_at"}

// stockLogCSV streams the log as CSV, one row per ledger entry, flushed as
// it goes (a clinic's years of entries are never held in memory).
func (s *Server) stockLogCSV(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.stockService()
	if err != nil {
		return err
	}
	f, err := logFilterOf(r)
	if err != nil {
		return err
	}
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	opt := func(v *float64) string {
		if v == nil {
			return ""
		}
		return num(*v)
	}
	id := func(v int64) string {
		if v == 0 {
			return ""
		}
		return strconv.FormatInt(v, 10)
	}
	isoTime := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(s.Location).Format(time.RFC3339)
	}
	var cw *csvsafe.Writer
	n := 0
	err = svc.StockLog(r.Context(), f, func(row stock.LogRow) error {
		if cw == nil {
			csvDownload(w, "controlled-substance-log.csv")
			cw = csvsafe.NewWriter(w)
			if err := cw.Write(logCSVHeader); err != nil {
				return err
			}
		}
		var lot, product, strength, expiry, balML, balMg string
		if row.Lot != nil {
			lot, product, strength, expiry = row.Lot.LotNumber, row.Lot.Product, num(row.Lot.MgPerML()), row.Lot.Expiry.String()
			balML, balMg = num(row.BalanceML), num(row.BalanceMg)
		}
		vials := ""
		if row.Vials != 0 {
			vials = strconv.Itoa(row.Vials)
		}
		bag := ""
		if row.BagNumber != 0 {
			bag = strconv.Itoa(row.BagNumber)
		}
		rec := []string{strconv.FormatInt(row.ID, 10), isoTime(row.At), string(row.Kind), lot, product, strength, expiry,
			num(row.LotML), num(row.LotMg), balML, balMg, num(row.BagMg), row.PatientMRN, id(row.SessionID), bag, opt(row.GivenMg),
			vials, row.Supplier, row.Reference, opt(row.BookML), opt(row.CountedML), id(row.CorrectsID), row.Reason,
			row.ByName, row.WitnessName, isoTime(row.RecordedAt)}
		if err := cw.Write(rec); err != nil {
			return err
		}
		if n++; n%500 == 0 {
			cw.Flush()
		}
		return cw.Error()
	})
	if cw == nil {
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="controlled-substance-log.csv"`)
		cw = csvsafe.NewWriter(w)
		_ = cw.Write(logCSVHeader)
	} else if err != nil {
		// The header is sent: say so in the file rather than end it silently.
		s.logger.Error("stock log csv", "error", err)
		_ = cw.Write([]string{"ERROR: the log is incomplete: " + clinic.ErrorMessage(err)})
	}
	cw.Flush()
	return nil
}

// withErr records err on f (as a refused form shows it) and returns f.
func withErr(f *form, err error) *form {
	showErr(f, err)
	return f
}

// Printed is when the log is printed (the server clock).
func (d logData) Printed() time.Time { return d.now }
