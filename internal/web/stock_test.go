package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/stock"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/web"
)

// stockCount is the number of lots (all, empty ones too) and ledger rows
// of the demo clinic, to show that a refused form stored nothing.
func stockCount(t *testing.T, ts *testServer) (lots, entries int) {
	t.Helper()
	ctx := ts.demo.As(context.Background(), clinic.RoleNurse)
	ls, err := ts.db.FindLots(ctx, stock.LotFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.db.StockLog(ctx, stock.LogFilter{}, func(stock.LogRow) error { entries++; return nil }); err != nil {
		t.Fatal(err)
	}
	return len(ls), entries
}

// demoLot is the demo's lot with number n.
func demoLot(t *testing.T, ts *testServer, n string) *stock.Lot {
	t.Helper()
	ls, err := ts.db.FindLots(ts.demo.As(context.Background(), clinic.RoleNurse), stock.LotFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		if l.LotNumber == n {
			return l
		}
	}
	t.Fatalf("no lot %s", n)
	return nil
}

// wantRefused checks a refused form: status, the field marked with its
// message, and nothing stored.
func wantRefused(t *testing.T, ts *testServer, resp *http.Response, status int, field, msg string, lots, entries int) {
	t.Helper()
	page := pageOf(resp)
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, status, firstError(page))
	}
	if !strings.Contains(page, `name="`+field+`"`) || !strings.Contains(page, msg) {
		t.Errorf("refusal does not name %s with %q: %s", field, msg, firstError(page))
	}
	if !strings.Contains(page, `aria-invalid="true"`) {
		t.Errorf("no field is marked invalid")
	}
	if l, e := stockCount(t, ts); l != lots || e != entries {
		t.Errorf("a refused form stored something: lots %d→%d, entries %d→%d", lots, l, entries, e)
	}
}

// The stock pages show the demo's lots with their book stock, computed
// here from what the demo received and drew (internal/demo/stock.go):
// KH50-2611A 20 × 10 mL of 50 mg/mL, KH100-2608B 10 × 5 mL of 100 mg/mL.
func TestStockPages(t *testing.T) {
	ts := newTestServer(t, store.SQLite)
	nurse := ts.client(t, clinic.RoleNurse)
	for _, path := range []string{"/stock", "/stock?all=1", "/stock/reconciliation", "/stock/log", "/stock/log/print", "/consent-forms", "/dashboard"} {
		resp := ts.do(t, nurse, "GET", path, "", "")
		page := pageOf(resp)
		if resp.StatusCode != 200 {
			t.Errorf("GET %s: %d %s", path, resp.StatusCode, firstError(page))
			continue
		}
		if path != "/consent-forms" && path != "/dashboard" && !strings.Contains(page, "KH50-2611A") {
			t.Errorf("GET %s lacks the demo lot", path)
		}
	}
	// Book stock of KH100-2608B: 50 mL received, less what the demo's
	// bags drew (read from the ledger independently of the lot's sum).
	l := demoLot(t, ts, "KH100-2608B")
	var received, drawn float64
	if err := ts.db.StockLog(ts.demo.As(context.Background(), clinic.RoleNurse), stock.LogFilter{LotID: l.ID}, func(r stock.LogRow) error {
		if r.LotID == l.ID && r.Kind == stock.KindReceive {
			received += r.LotML
		}
		if r.LotID == l.ID && r.Kind == stock.KindDraw {
			drawn -= r.LotML
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if received != 50 || drawn <= 0 {
		t.Fatalf("KH100-2608B received %v drawn %v", received, drawn)
	}
	if diff := l.OnHandML - (received - drawn); diff > 1e-9 || diff < -1e-9 {
		t.Errorf("on hand %v, received − drawn = %v", l.OnHandML, received-drawn)
	}
	// The dashboard flags Hannah's day 2 bag, which the demo never wasted.
	if page := pageOf(ts.do(t, nurse, "GET", "/dashboard", "", "")); !strings.Contains(page, "bag-not-wasted") ||
		!strings.Contains(page, "was never wasted with a witness") {
		t.Error("the dashboard does not flag the unwasted bag")
	}
	// The CSV is the log: a header and one row per ledger entry.
	resp := ts.do(t, nurse, "GET", "/stock/log.csv", "", "")
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("csv: %d %s", resp.StatusCode, ct)
	}
	recs, err := csv.NewReader(strings.NewReader(body(resp))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	_, entries := stockCount(t, ts)
	if len(recs) != entries+1 || recs[0][0] != "entry" || recs[1][2] != "receive" {
		t.Errorf("csv has %d lines for %d entries: %v", len(recs), entries, recs[:2])
	}
	if resp := ts.do(t, nurse, "GET", "/stock/log?from=2026-13-01", "", ""); resp.StatusCode != 400 || !strings.Contains(pageOf(resp), "from: ") && !strings.Contains(pageOf(resp), "is not a date") {
		t.Errorf("bad period: %d", resp.StatusCode)
	}
	// A patient sees no stock.
	if resp := ts.do(t, ts.client(t, clinic.RolePatient), "GET", "/stock", "", ""); resp.StatusCode != http.StatusForbidden {
		t.Errorf("patient GET /stock: %d", resp.StatusCode)
	}
}

// Receiving stock: an expired lot is refused naming expiry, nothing stored;
// a good receipt adds the lot with its volume (vials × vial volume).
func TestStockReceive(t *testing.T) {
	ts := newTestServer(t, store.SQLite)
	nurse := ts.client(t, clinic.RoleNurse)
	lots, entries := stockCount(t, ts)
	today := clinic.DateOf(ts.now())
	v := url.Values{"product": {"Ketamine hydrochloride injection"}, "drug": {"racemic"}, "strength": {"100mg/mL"}, "vial_volume": {"5mL"},
		"lot": {"KX-EXPIRED"}, "expiry": {today.AddDays(-1).String()}, "vials": {"4"}, "supplier": {"Northbridge"}, "reference": {"INV-1"}}
	wantRefused(t, ts, ts.form(t, nurse, "/stock/receipts", v), 400, "expiry", "expired on "+today.AddDays(-1).String(), lots, entries)
	resp := ts.do(t, nurse, "POST", "/api/v1/stock/lots", "application/json",
		fmt.Sprintf(`{"product":"K","drug":"racemic","strength":"50mg/mL","vial_volume":"10mL","lot":"KX-2","expiry":%q,"vials":"2","supplier":"S","reference":"R"}`, today.AddDays(-30)))
	var e struct {
		Error struct{ Field, Message string }
	}
	decode(t, resp, &e)
	if resp.StatusCode != 400 || e.Error.Field != "expiry" {
		t.Errorf("API expired lot: %d %+v", resp.StatusCode, e)
	}
	v.Set("expiry", today.AddDays(365).String())
	v.Set("lot", "KX-NEW")
	if resp := ts.form(t, nurse, "/stock/receipts", v); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("receive: %d %s", resp.StatusCode, firstError(pageOf(resp)))
	}
	l := demoLot(t, ts, "KX-NEW")
	if l.OnHandML != 4*5 || l.OnHandMg != 4*5*100 {
		t.Errorf("received %v mL %v mg, want 20 mL 2000 mg", l.OnHandML, l.OnHandMg)
	}
	if page := pageOf(ts.do(t, nurse, "GET", "/stock", "", "")); !strings.Contains(page, "KX-NEW") {
		t.Error("the new lot is not listed")
	}
}

// A Goldberg day 1 (40 mg in 500 mL, 10 mg/h) charted through the pages,
// with the bag prepared and wasted on the charting page: a witness who is
// the preparer, a bag that differs from the pump's programme (mg or
// volume) and a waste of more than remains are refused naming the field,
// nothing stored; the good ones are stored with both names.
func TestHTTPBagPreparationAndWaste(t *testing.T) {
	ts := newTestServer(t, store.SQLite)
	p := ts.demo.Patients[3]
	courseID := signedCourse(t, ts, p, clinic.DateOf(ts.now()))
	nurse := ts.client(t, clinic.RoleNurse)
	sid := located(t, ts.form(t, nurse, fmt.Sprintf("/courses/%d/sessions", courseID), url.Values{"day": {"1"}}), "/sessions/")
	t0 := ts.now().Add(-5 * time.Hour).Truncate(time.Minute)
	at := func(min int) string { return t0.Add(time.Duration(min) * time.Minute).Format(time.RFC3339) }
	chart := func(v url.Values) {
		t.Helper()
		v.Set("seq", strconv.Itoa(len(ts.chart(t, nurse, sid).State.Events)+1))
		if resp := ts.form(t, nurse, fmt.Sprintf("/sessions/%d/events", sid), v); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d %s", v.Get("kind"), resp.StatusCode, firstError(pageOf(resp)))
		}
	}
	chart(url.Values{"kind": {"check-in"}, "at": {at(0)}, "check_in.weight": {"71kg"}, "check_in.baseline.hr_per_min": {"70"},
		"check_in.baseline.sbp_mmhg": {"120"}, "check_in.baseline.dbp_mmhg": {"75"}, "check_in.baseline.spo2_pct": {"98"}})
	chart(url.Values{"kind": {"programme"}, "at": {at(10)}, "programme.drug": {"racemic"}, "programme.bag": {"40mg/500mL"},
		"programme.entered": {"10mg/h"}, "programme.double_check.drug": {"racemic"}, "programme.double_check.concentration": {"40mg/500mL"}})

	lot := demoLot(t, ts, "KH50-2611A") // 50 mg/mL: 40 mg is 0.8 mL
	nurseLogin, nursePW := ts.password(clinic.RoleNurse)
	docLogin, docPW := ts.password(clinic.RoleClinician)
	prep := func(volume, mg, final, wl, wp string) url.Values {
		return url.Values{"draws[0].lot_id": {strconv.FormatInt(lot.ID, 10)}, "draws[0].volume": {volume}, "mg_added": {mg},
			"diluent": {"sodium chloride 0.9%"}, "final_volume": {final}, "witness.login": {wl}, "witness.password": {wp}}
	}
	path := fmt.Sprintf("/sessions/%d/preparations", sid)
	lots, entries := stockCount(t, ts)
	for _, c := range []struct {
		name      string
		v         url.Values
		field     string
		msg       string
		wantState int
	}{
		{"witness is the preparer", prep("0.8mL", "40mg", "500mL", nurseLogin, nursePW), "witness.login", "the witness must be a second person", 400},
		{"mg differs from the programme", prep("1mL", "50mg", "500mL", docLogin, docPW), "mg_added", "the bag holds 50 mg but the pump is programmed with 40 mg in 500 mL", 400},
		{"volume differs from the programme", prep("0.8mL", "40mg", "250mL", docLogin, docPW), "final_volume", "the bag's final volume is 250 mL but the pump is programmed with 40 mg in 500 mL", 400},
		{"mg not what the draws give", prep("0.8mL", "45mg", "500mL", docLogin, docPW), "mg_added", "45 mg entered, but the draws give 40 mg", 400},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp := ts.form(t, nurse, path, c.v)
			wantRefused(t, ts, resp, c.wantState, c.field, c.msg, lots, entries)
			if page := body(resp); strings.Contains(page, nursePW) || strings.Contains(page, docPW) {
				t.Error("the refused form echoes a password")
			}
		})
	}
	// The pump cannot start without the preparation.
	v := url.Values{"kind": {"start"}, "at": {at(15)}, "seq": {strconv.Itoa(len(ts.chart(t, nurse, sid).State.Events) + 1)}}
	if resp := ts.form(t, nurse, fmt.Sprintf("/sessions/%d/events", sid), v); resp.StatusCode != http.StatusConflict ||
		!strings.Contains(pageOf(resp), "has no recorded preparation") {
		t.Fatalf("start without a bag: %d", resp.StatusCode)
	}
	if resp := ts.form(t, nurse, path, prep("0.8mL", "40mg", "500mL", docLogin, docPW)); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("prepare: %d %s", resp.StatusCode, firstError(pageOf(resp)))
	}
	nurseName, docName := ts.demo.Users[clinic.RoleNurse].Name, ts.demo.Users[clinic.RoleClinician].Name
	page := pageOf(ts.do(t, nurse, "GET", fmt.Sprintf("/sessions/%d", sid), "", ""))
	for _, want := range []string{"Bag 1: 40 mg in 500 mL", "0.8 mL = 40 mg of lot", "KH50-2611A", "by <strong>" + nurseName + "</strong>, witnessed by <strong>" + docName + "</strong>"} {
		if !strings.Contains(page, want) {
			t.Errorf("charting page lacks %q", want)
		}
	}
	chart(url.Values{"kind": {"start"}, "at": {at(15)}})
	// Stopped after 2 h at 10 mg/h: 20 mg given, 20 mg = 250 mL remains.
	chart(url.Values{"kind": {"stop"}, "at": {at(135)}, "stop.reason": {"completed"}})
	preps, err := ts.db.FindPreparations(ts.demo.As(context.Background(), clinic.RoleNurse), sid)
	if err != nil || len(preps) != 1 {
		t.Fatalf("preparations %v %v", preps, err)
	}
	wpath := fmt.Sprintf("/preparations/%d/waste", preps[0].ID)
	lots, entries = stockCount(t, ts)
	waste := func(amount, wl, wp string) url.Values {
		return url.Values{"session_id": {strconv.FormatInt(sid, 10)}, "amount": {amount}, "witness.login": {wl}, "witness.password": {wp}}
	}
	wantRefused(t, ts, ts.form(t, nurse, wpath, waste("300mL", docLogin, docPW)), 400, "amount",
		"24 mg (300 mL) is more than the 20 mg (250 mL) that remains in bag 1 by the chart", lots, entries)
	wantRefused(t, ts, ts.form(t, nurse, wpath, waste("250mL", nurseLogin, nursePW)), 400, "witness.login", "the witness must be a second person", lots, entries)
	if resp := ts.form(t, nurse, wpath, waste("250mL", docLogin, docPW)); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("waste: %d %s", resp.StatusCode, firstError(pageOf(resp)))
	}
	rec, err := ts.db.Reconcile(ts.demo.As(context.Background(), clinic.RoleNurse), ts.now(), stock.ReconcileFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range rec.Bags {
		if b.Preparation.SessionID == sid {
			if b.DrawnMg != 40 || b.GivenMg < 20-1e-9 || b.GivenMg > 20+1e-9 || b.WastedMg < 20-1e-9 || b.WastedMg > 20+1e-9 {
				t.Errorf("bag balance %+v, want drawn 40 given 20 wasted 20", b)
			}
		}
	}
	for _, f := range rec.Flags {
		if f.SessionID == sid {
			t.Errorf("the wasted bag is flagged: %s", f.Message)
		}
	}
}

// The check-in of a course without consent is refused with a message that
// says what to do; consent recorded on the course page lets it through;
// a withdrawal blocks the next session.
func TestHTTPCheckInNeedsConsent(t *testing.T) {
	ts := newTestServer(t, store.SQLite)
	p := ts.demo.Patients[3]
	doc := ts.client(t, clinic.RoleClinician)
	courseID := located(t, ts.form(t, doc, fmt.Sprintf("/patients/%d/courses", p.ID), goldbergForm(clinic.DateOf(ts.now()))), "/courses/")
	if resp := ts.form(t, doc, fmt.Sprintf("/courses/%d/versions/1/sign", courseID), url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign: %d", resp.StatusCode)
	}
	nurse := ts.client(t, clinic.RoleNurse)
	sid := located(t, ts.form(t, nurse, fmt.Sprintf("/courses/%d/sessions", courseID), url.Values{"day": {"1"}}), "/sessions/")
	if resp := ts.do(t, nurse, "GET", fmt.Sprintf("/courses/%d/consent", courseID), "", ""); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != fmt.Sprintf("/courses/%d#consent-h", courseID) {
		t.Errorf("the consent address the refusal names: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if page := pageOf(ts.do(t, nurse, "GET", fmt.Sprintf("/sessions/%d", sid), "", "")); !strings.Contains(page, "No consent recorded for this course") {
		t.Error("the charting page does not warn before check-in")
	}
	checkIn := url.Values{"kind": {"check-in"}, "seq": {"1"}, "check_in.weight": {"71kg"}, "check_in.baseline.hr_per_min": {"70"},
		"check_in.baseline.sbp_mmhg": {"120"}, "check_in.baseline.dbp_mmhg": {"75"}, "check_in.baseline.spo2_pct": {"98"}}
	resp := ts.form(t, nurse, fmt.Sprintf("/sessions/%d/events", sid), checkIn)
	page := pageOf(resp)
	want := fmt.Sprintf("Check-in refused: this course has no recorded consent. Record the patient's signature (in the portal, or at the desk) or a clinician's attestation under Consent on the course page (/courses/%d/consent) before the first session.", courseID)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(page, `class="form-error" role="alert">`+want) {
		t.Fatalf("check-in without consent: %d %s", resp.StatusCode, firstError(page))
	}
	if strings.Contains(page, "Please correct the field marked below") {
		t.Error("the refusal points to a field that is not on the form")
	}
	// A desk signature with a name that is not the patient's is refused.
	resp = ts.form(t, nurse, fmt.Sprintf("/courses/%d/consents", courseID), url.Values{"method": {"desk"}, "signed_name": {"Someone Else"}, "agreed": {"1"}})
	if resp.StatusCode != 400 || !strings.Contains(pageOf(resp), "is not the patient's name as registered") {
		t.Errorf("wrong signed name: %d %s", resp.StatusCode, firstError(pageOf(resp)))
	}
	resp = ts.form(t, nurse, fmt.Sprintf("/courses/%d/consents", courseID), url.Values{"method": {"desk"}, "signed_name": {p.FullName()}, "agreed": {"1"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("consent: %d %s", resp.StatusCode, firstError(pageOf(resp)))
	}
	if page := pageOf(ts.do(t, doc, "GET", fmt.Sprintf("/courses/%d", courseID), "", "")); !strings.Contains(page, "Consent recorded") ||
		!strings.Contains(page, "signed by the patient as “"+p.FullName()+"”") {
		t.Error("the course page does not show the consent")
	}
	if resp := ts.form(t, nurse, fmt.Sprintf("/sessions/%d/events", sid), checkIn); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("check-in with consent: %d %s", resp.StatusCode, firstError(pageOf(resp)))
	}
	var list struct {
		Consents []struct {
			ID     int64  `json:"id"`
			Method string `json:"method"`
		} `json:"consents"`
	}
	decode(t, ts.do(t, nurse, "GET", fmt.Sprintf("/api/v1/courses/%d/consents", courseID), "", ""), &list)
	if len(list.Consents) != 1 || list.Consents[0].Method != "desk" {
		t.Fatalf("consents %+v", list)
	}
	resp = ts.form(t, nurse, fmt.Sprintf("/consents/%d/withdrawal", list.Consents[0].ID), url.Values{"course_id": {strconv.FormatInt(courseID, 10)}, "reason": {"the patient phoned: no further sessions"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("withdrawal: %d %s", resp.StatusCode, firstError(pageOf(resp)))
	}
	if page := pageOf(ts.do(t, doc, "GET", fmt.Sprintf("/courses/%d", courseID), "", "")); !strings.Contains(page, "the last one was withdrawn") {
		t.Error("the course page does not show the withdrawal")
	}
}

// The new API routes answer with the shapes openapi.json gives them.
func TestOpenAPIStockSchemas(t *testing.T) {
	ts := newTestServer(t, store.SQLite)
	doc := loadOpenAPI(t, ts)
	nurse := ts.client(t, clinic.RoleNurse)
	s1 := hannahSession(t, ts, 1)
	c := hannahCourse(t, ts)
	l := demoLot(t, ts, "KH50-2611A")
	for _, c := range []struct{ path, schema string }{
		{"/api/v1/stock/lots", "LotList"},
		{fmt.Sprintf("/api/v1/stock/lots/%d", l.ID), "Lot"},
		{"/api/v1/stock/reconciliation", "Reconciliation"},
		{"/api/v1/stock/log", "StockLog"},
		{fmt.Sprintf("/api/v1/sessions/%d/preparations", s1.ID), "PreparationList"},
		{"/api/v1/consent-forms", "ConsentFormList"},
		{fmt.Sprintf("/api/v1/courses/%d/consents", c.ID), "ConsentList"},
	} {
		resp := ts.do(t, nurse, "GET", c.path, "", "")
		if resp.StatusCode != 200 {
			t.Errorf("GET %s: %d %s", c.path, resp.StatusCode, body(resp))
			continue
		}
		var v any
		decode(t, resp, &v)
		if err := validate(doc, schema{Ref: "#/components/schemas/" + c.schema}, v, "$"); err != nil {
			t.Errorf("GET %s: %v", c.path, err)
		}
	}
}

// TestStockLogAPIStreamed: GET /api/v1/stock/log, written row by row, is
// byte for byte the document writeJSON made of the rows collected first
// (the implementation before it streamed): whole log, a lot, an empty
// period; both engines.
func TestStockLogAPIStreamed(t *testing.T) {
	for _, e := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			ts := newTestServer(t, e)
			nurse := ts.client(t, clinic.RoleNurse)
			l := demoLot(t, ts, "KH100-2608B")
			for _, c := range []struct {
				query string
				f     stock.LogFilter
				min   int
			}{
				{"", stock.LogFilter{}, 3},
				{"?lot=" + strconv.FormatInt(l.ID, 10), stock.LogFilter{LotID: l.ID}, 2},
				{"?from=2099-01-01", stock.LogFilter{From: clinic.Date{Year: 2099, Month: 1, Day: 1}}, 0},
			} {
				doc := struct {
					Rows []stock.LogRow `json:"rows"`
				}{Rows: []stock.LogRow{}}
				if err := ts.db.StockLog(ts.demo.As(context.Background(), clinic.RoleNurse), c.f, func(r stock.LogRow) error {
					doc.Rows = append(doc.Rows, r)
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				if len(doc.Rows) < c.min {
					t.Fatalf("%q: %d rows, the test wants at least %d", c.query, len(doc.Rows), c.min)
				}
				var want bytes.Buffer
				enc := json.NewEncoder(&want)
				enc.SetEscapeHTML(false)
				if err := enc.Encode(doc); err != nil {
					t.Fatal(err)
				}
				resp := ts.do(t, nurse, "GET", "/api/v1/stock/log"+c.query, "", "")
				got := body(resp)
				if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json; charset=utf-8" {
					t.Fatalf("%q: %d %s", c.query, resp.StatusCode, resp.Header.Get("Content-Type"))
				}
				if got != want.String() {
					t.Errorf("%q: streamed\n%.300s\nwant\n%.300s", c.query, got, want.String())
				}
			}
		})
	}
}

// TestStockLogPaged: the HTML log in pages of 2 entries (Next links
// followed to the end) shows every entry of the whole log once, in the
// log's order, the totals of its own entries; both engines.
func TestStockLogPaged(t *testing.T) {
	defer web.SetLogPageRows(2)()
	for _, e := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			ts := newTestServer(t, e)
			nurse := ts.client(t, clinic.RoleNurse)
			var want []string
			if err := ts.db.StockLog(ts.demo.As(context.Background(), clinic.RoleNurse), stock.LogFilter{}, func(r stock.LogRow) error {
				want = append(want, strconv.FormatInt(r.ID, 10))
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if len(want) < 3 {
				t.Fatalf("%d log entries: the test wants at least 3 (two pages)", len(want))
			}
			row := regexp.MustCompile(`<tr>\s*<td>(\d+)</td>`)
			next := regexp.MustCompile(`href="(/stock/log\?after=[^"]+)" id="log-next"`)
			var got []string
			path := "/stock/log"
			for pages := 0; path != ""; pages++ {
				if pages > len(want) {
					t.Fatalf("more than %d pages", pages)
				}
				resp := ts.do(t, nurse, "GET", path, "", "")
				page := body(resp)
				if resp.StatusCode != 200 {
					t.Fatalf("GET %s: %d", path, resp.StatusCode)
				}
				ids := row.FindAllStringSubmatch(page, -1)
				if len(ids) > 2 {
					t.Fatalf("GET %s: %d entries on a page of 2", path, len(ids))
				}
				for _, m := range ids {
					got = append(got, m[1])
				}
				path = ""
				if m := next.FindStringSubmatch(page); m != nil {
					path = html.UnescapeString(m[1])
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("the pages show entries %v, the log %v", got, want)
			}
		})
	}
}

// TestHTTPBagEmptiedByInfusion: a bag of 40 mg in 500 mL run at 10 mg/h
// until after it ran dry (4 h 05 min) is settled by the stop, with no waste
// and no ledger entry: the charting page shows it "emptied by the infusion"
// and offers no waste form, the session record says there is nothing to
// waste, the reconciliation neither lists nor flags it.
func TestHTTPBagEmptiedByInfusion(t *testing.T) {
	ts := newTestServer(t, store.SQLite)
	p := ts.demo.Patients[3]
	courseID := signedCourse(t, ts, p, clinic.DateOf(ts.now()))
	nurse := ts.client(t, clinic.RoleNurse)
	sid := located(t, ts.form(t, nurse, fmt.Sprintf("/courses/%d/sessions", courseID), url.Values{"day": {"1"}}), "/sessions/")
	t0 := ts.now().Add(-5 * time.Hour).Truncate(time.Minute)
	at := func(min int) string { return t0.Add(time.Duration(min) * time.Minute).Format(time.RFC3339) }
	chart := func(v url.Values) {
		t.Helper()
		v.Set("seq", strconv.Itoa(len(ts.chart(t, nurse, sid).State.Events)+1))
		if resp := ts.form(t, nurse, fmt.Sprintf("/sessions/%d/events", sid), v); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d %s", v.Get("kind"), resp.StatusCode, firstError(pageOf(resp)))
		}
	}
	chart(url.Values{"kind": {"check-in"}, "at": {at(0)}, "check_in.weight": {"71kg"}, "check_in.baseline.hr_per_min": {"70"},
		"check_in.baseline.sbp_mmhg": {"120"}, "check_in.baseline.dbp_mmhg": {"75"}, "check_in.baseline.spo2_pct": {"98"}})
	chart(url.Values{"kind": {"programme"}, "at": {at(10)}, "programme.drug": {"racemic"}, "programme.bag": {"40mg/500mL"},
		"programme.entered": {"10mg/h"}, "programme.double_check.drug": {"racemic"}, "programme.double_check.concentration": {"40mg/500mL"}})
	lot := demoLot(t, ts, "KH50-2611A")
	docLogin, docPW := ts.password(clinic.RoleClinician)
	if resp := ts.form(t, nurse, fmt.Sprintf("/sessions/%d/preparations", sid), url.Values{"draws[0].lot_id": {strconv.FormatInt(lot.ID, 10)},
		"draws[0].volume": {"0.8mL"}, "mg_added": {"40mg"}, "diluent": {"sodium chloride 0.9%"}, "final_volume": {"500mL"},
		"witness.login": {docLogin}, "witness.password": {docPW}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("prepare: %d %s", resp.StatusCode, firstError(pageOf(resp)))
	}
	chart(url.Values{"kind": {"start"}, "at": {at(15)}})
	_, entries := stockCount(t, ts)
	// 40 mg at 10 mg/h: dry 4 h after the start (255 min); stopped at 260.
	chart(url.Values{"kind": {"stop"}, "at": {at(260)}, "stop.reason": {"completed"}})
	if _, after := stockCount(t, ts); after != entries {
		t.Errorf("the stop wrote %d ledger entries", after-entries)
	}
	page := pageOf(ts.do(t, nurse, "GET", fmt.Sprintf("/sessions/%d", sid), "", ""))
	if !strings.Contains(page, "emptied by the infusion") || strings.Contains(page, "Waste the remainder of bag") {
		t.Error("the charting page does not show the bag emptied, or offers to waste it")
	}
	if page := pageOf(ts.do(t, nurse, "GET", fmt.Sprintf("/sessions/%d/print", sid), "", "")); !strings.Contains(page, "Emptied by the infusion: nothing to waste.") ||
		strings.Contains(page, "The bag's waste has not been recorded") {
		t.Error("the session record does not say the bag was emptied")
	}
	rec, err := ts.db.Reconcile(ts.demo.As(context.Background(), clinic.RoleNurse), ts.now(), stock.ReconcileFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range rec.Bags {
		if b.Preparation.SessionID == sid {
			t.Errorf("the emptied bag is listed: %+v", b)
		}
	}
	for _, f := range rec.Flags {
		if f.SessionID == sid {
			t.Errorf("the emptied bag is flagged: %s", f.Message)
		}
	}
}
