package web

import (
	"net/http"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/stock"
)

// The clinic dashboard (staff): today's sessions, vitals due, open alerts,
// all from clinic.ChartingService.Dashboard.

type dashboardData struct {
	views
	*clinic.Dashboard
	// Relapses are the patients whose journal shows relapse (full page
	// only: the 30-second refresh leaves them out).
	// The dashboard shows the dashboardRelapses most recent; RelapsesTotal
	// is how many there are (/relapses lists them all).
	Relapses      []relapseRow
	RelapsesTotal int
	// RelapsesError says why they could not be shown.
	RelapsesError string
	// StockFlags are the controlled-substance reconciliation's
	// discrepancies (full page only); StockError says why not shown.
	StockFlags []stock.Discrepancy
	StockError string
	// StockMore is how many more discrepancies the reconciliation page
	// lists than the dashboard shows (dashboardFlags).
	StockMore int
}

// dashboardFlags is how many stock discrepancies the dashboard lists, the
// oldest first as Reconcile orders them; the reconciliation page has every
// one. A clinic years behind on wasting bags would otherwise get a
// dashboard of thousands of lines (issue 16).
const dashboardFlags = 20

// DueSoon is how far ahead vitals count as due.
func (dashboardData) DueSoon() time.Duration { return clinic.DueSoon }

// dashboardDate reads ?date=YYYY-MM-DD, default the clinic's today.
func (s *Server) dashboardDate(r *http.Request) (clinic.Date, error) {
	if v := r.URL.Query().Get("date"); v != "" {
		d, err := clinic.ParseDate(v)
		if err != nil {
			return clinic.Date{}, clinic.Invalid("date", "%v", err)
		}
		return d, nil
	}
	return s.today(), nil
}

// dashboard is the dashboard of the ?date asked for (dashboardDate), as of
// now; the treatment services are checked first, then the date.
func (s *Server) dashboard(r *http.Request) (*clinic.Dashboard, error) {
	svc, err := s.treatment()
	if err != nil {
		return nil, err
	}
	date, err := s.dashboardDate(r)
	if err != nil {
		return nil, err
	}
	return svc.Dashboard(r.Context(), date, s.Now())
}

func (s *Server) dashboardPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.dashboard(r)
	if err != nil {
		return err
	}
	data := dashboardData{views: s.views(), Dashboard: d}
	p := &page{Title: "Dashboard", Data: data}
	if r.URL.Query().Get("part") == "live" {
		s.renderPartial(w, r, "dashboard_page", "dashboard_live", p)
		return nil
	}
	if data.Relapses, _, data.RelapsesTotal, err = s.relapsePage(r.Context(), nil, dashboardRelapses); err != nil {
		if clinic.ErrorCode(err) == clinic.EINTERNAL {
			return err
		}
		data.RelapsesError = clinic.ErrorMessage(err)
	}
	if svc, err := s.stockService(); err != nil {
		data.StockError = clinic.ErrorMessage(err)
	} else if rec, err := svc.Reconcile(r.Context(), s.Now(), stock.ReconcileFilter{Limit: dashboardFlags, Flagged: true}); err != nil {
		if clinic.ErrorCode(err) == clinic.EINTERNAL {
			return err
		}
		data.StockError = clinic.ErrorMessage(err)
	} else {
		// The lots' flags, then the first flagged bags: the page read no
		// more of them than the dashboard shows; the rest are counted.
		data.StockFlags = rec.Flags[:min(len(rec.Flags), dashboardFlags)]
		data.StockMore = rec.LotFlags() + rec.BagsFlagged - len(data.StockFlags)
	}
	p.Data = data
	s.render(w, r, http.StatusOK, "dashboard_page", p)
	return nil
}

func (s *Server) apiDashboard(w http.ResponseWriter, r *http.Request) error {
	d, err := s.dashboard(r)
	if err != nil {
		return err
	}
	out := apiDashboard{Dashboard: d}
	if out.Relapses, _, out.RelapsesTotal, err = s.relapsePage(r.Context(), nil, dashboardRelapses); err != nil {
		// As on the page: the sessions and alerts without the relapses
		// (their summaries being computed), unless the server failed.
		if clinic.ErrorCode(err) == clinic.EINTERNAL {
			return err
		}
		out.Relapses, out.RelapsesError = []relapseRow{}, clinic.ErrorMessage(err)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// apiDashboard is the dashboard with the most recent patients whose journal
// shows relapse (dashboardRelapses of relapses_total; GET /api/v1/relapses
// pages through them all).
type apiDashboard struct {
	*clinic.Dashboard
	Relapses      []relapseRow `json:"relapses"`
	RelapsesTotal int          `json:"relapses_total"`
	// RelapsesError says why the relapses are missing (their summaries
	// being computed: analytics_fill.go).
	RelapsesError string `json:"relapses_error,omitempty"`
}
