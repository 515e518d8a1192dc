package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/infusion"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
	"github.com/ketatrack/ketatrack/internal/web"
)

// Concurrency through the real handler (issue 12 item 4): two nurses
// charting one session, two clinicians signing one plan version, an edit
// or a new version racing a signature. Every race starts its requests at
// one barrier; each test counts acknowledged writes, winners and 409s and
// checks them against what is stored. No timing is asserted.

// raceIterations is how many races of each kind a test runs per engine.
const raceIterations = 12

// reply is one HTTP answer, read in a goroutine (no t.Fatal there).
type reply struct {
	status int
	body   string
	loc    string // the Location header, unescaped
	err    error
}

// send is ts.do for goroutines: it returns what happened instead of
// failing the test.
func (ts *testServer) send(c *http.Client, method, path, contentType, body string) reply {
	req, err := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
	if err != nil {
		return reply{err: err}
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.Do(req)
	if err != nil {
		return reply{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	loc, _ := url.QueryUnescape(resp.Header.Get("Location"))
	return reply{status: resp.StatusCode, body: string(b), loc: loc, err: err}
}

// apiErr is the error of a JSON reply ("" fields when there is none).
func (r reply) apiErr() (code, field, msg string) {
	var e struct {
		Error struct{ Code, Field, Message string } `json:"error"`
	}
	_ = json.Unmarshal([]byte(r.body), &e)
	return e.Error.Code, e.Error.Field, e.Error.Message
}

// race runs the requests at once, released together by one barrier, and
// returns their replies in order.
func race(fns ...func() reply) []reply {
	out := make([]reply, len(fns))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i] = fn()
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// staffClient adds a user of the demo clinic with role and name and
// returns a client logged in as them.
func (ts *testServer) staffClient(t *testing.T, role clinic.Role, login, name string) *http.Client {
	t.Helper()
	pw, err := clinic.GeneratePassword()
	if err != nil {
		t.Fatal(err)
	}
	u := &clinic.User{ClinicID: ts.demo.Clinic.ID, Login: login, Name: name, Role: role}
	if err := ts.db.CreateUser(sysCtx(), u, pw); err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if resp := ts.do(t, c, "POST", "/login", "application/x-www-form-urlencoded",
		url.Values{"login": {login}, "password": {pw}}.Encode()); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login as %s: status %d", login, resp.StatusCode)
	}
	return c
}

// secondInstance is a second server on ts's database, as a second
// instance behind a load balancer: its own store.DB (own pools, and on
// SQLite its own writer, serialised with the first by the file's lock) and
// its own handler, on the same clock. Logins are stored sessions, so a
// client logged in on ts is logged in here too.
func (ts *testServer) secondInstance(t *testing.T) *testServer {
	t.Helper()
	loc := ts.db.Location()
	dbURL := loc.URL
	if loc.Engine == store.SQLite {
		dbURL = "sqlite:" + loc.Path
	}
	db, err := store.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.Now, db.Zone = ts.clock.Now, ts.db.Zone
	srv, err := web.New(web.Config{Auth: db, Clinics: db, Patients: db, Users: db, Audit: db, Ready: db.Ping,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: ts.clock.Now, Location: ts.db.Zone})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &testServer{Server: hs, db: db, web: srv, demo: ts.demo, other: ts.other, clock: ts.clock}
}

// raceFigures are the counts a race test reports (and the notes quote).
type raceFigures struct {
	races, acknowledged, conflicts int
	// outcome counts who won, by a name of the test's choosing.
	outcome map[string]int
}

func (f *raceFigures) won(what string) {
	if f.outcome == nil {
		f.outcome = map[string]int{}
	}
	f.outcome[what]++
}

func (f raceFigures) log(t *testing.T, what string) {
	t.Logf("%s: %s: %d races, %d writes acknowledged, %d refused with 409; outcomes %v", t.Name(), what, f.races, f.acknowledged, f.conflicts, f.outcome)
}

// Two nurses, Sam Rivera (the demo's) and Jo Lee, chart one running
// session at once, each on the chart as they both loaded it (the same
// seq), through the API and the charting form. Per iteration:
//
//   - both chart vitals: both kept (observations stand on their own);
//   - both change the rate: exactly one is charted, the other gets 409
//     naming the rate change, its time and its nurse;
//   - one changes the rate while the other charts vitals: the vitals are
//     always kept; the rate change is charted only if it came first,
//     otherwise 409 naming the vitals.
//
// Afterwards every acknowledged event is on the chart exactly once, the
// nurses' events equal the acknowledged count, the seqs run 1..n without a
// gap, and the audit log holds one row per event.
func TestConcurrentChartingSameSession(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ts := newTestServer(t, db.Engine())
		p := ts.demo.Patients[4]
		sid, sam, jo, t0 := twoNurses(t, ts, p)
		ts2 := ts.secondInstance(t) // Jo charts through a second server on the same database
		servers := []*testServer{ts, ts2}
		samLogin, _ := ts.password(clinic.RoleNurse)
		names := map[string]string{samLogin: "Sam Rivera, RN", "jo.lee": "Jo Lee, RN"}
		at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
		rfc := func(min int) string { return at(min).Format(time.RFC3339) }

		// note makes every request's event recognisable on the chart.
		note := func(i int, who, kind string) string { return fmt.Sprintf("race %d %s %s", i, who, kind) }
		// Vitals within the rules' limits (baseline HR 70: +20 % is 84 /min,
		// Goldberg 003_55ad5919aae10607.txt; SpO2 97 % ≥ 93 %), so no alert
		// events join the race.
		vitalsJSON := func(seq, min int, n string) string {
			return fmt.Sprintf(`{"kind":"vitals","seq":%d,"at":%q,"note":%q,"vitals":{"hr_per_min":72,"sbp_mmhg":120,"dbp_mmhg":75,"spo2_pct":97}}`, seq, rfc(min), n)
		}
		// Rates at or below the plan's 10 mg/h (Goldberg day 1, 40 mg over
		// 4 h), so no rate-above-plan alert either.
		rateJSON := func(seq, min int, mgh, n string) string {
			return fmt.Sprintf(`{"kind":"rate-change","seq":%d,"at":%q,"note":%q,"rate_change":{"entered":%q,"reason":"titration"}}`, seq, rfc(min), n, mgh)
		}
		rateForm := func(seq, min int, mgh, n string) url.Values {
			return url.Values{"kind": {"rate-change"}, "seq": {strconv.Itoa(seq)}, "at": {rfc(min)}, "note": {n},
				"rate_change.entered": {mgh}, "rate_change.reason": {"titration"}}
		}
		events := fmt.Sprintf("/api/v1/sessions/%d/events", sid)
		formPath := fmt.Sprintf("/sessions/%d/events", sid)
		acked := map[string]bool{} // notes of the events acknowledged
		var fig raceFigures
		winners := 0
		nurses := []struct {
			c     *http.Client
			login string
		}{{sam, samLogin}, {jo, "jo.lee"}}
		for i := range raceIterations {
			min := 20 + 2*i
			// 1. Both chart vitals on the same view: both kept.
			seq := len(ts.chart(t, sam, sid).State.Events) + 1
			r := race(
				func() reply {
					return ts.send(sam, "POST", events, "application/json", vitalsJSON(seq, min, note(i, "sam", "vitals")))
				},
				func() reply {
					return ts2.send(jo, "POST", events, "application/json", vitalsJSON(seq, min, note(i, "jo", "vitals")))
				},
			)
			fig.races++
			for k, who := range []string{"sam", "jo"} {
				if r[k].err != nil || r[k].status != http.StatusCreated {
					t.Fatalf("iteration %d: %s's vitals: %d %v %s", i, who, r[k].status, r[k].err, r[k].body)
				}
				fig.acknowledged++
				acked[note(i, who, "vitals")] = true
			}

			// 2. Both change the rate on the same view: one wins. The
			// nurse at index i%2 uses the charting form, the other the API.
			seq = len(ts.chart(t, sam, sid).State.Events) + 1
			// Both enter the planned rate (10 mg/h is the outpatient soft
			// minimum of internal/druglib/default.yaml: lower needs an override).
			rates := [2]string{"10mg/h", "10mg/h"}
			who := [2]string{"sam", "jo"}
			post := func(k int) reply {
				n := note(i, who[k], "rate")
				if k == i%2 {
					return servers[k].send(nurses[k].c, "POST", formPath, "application/x-www-form-urlencoded", rateForm(seq, min+1, rates[k], n).Encode())
				}
				return servers[k].send(nurses[k].c, "POST", events, "application/json", rateJSON(seq, min+1, rates[k], n))
			}
			r = race(func() reply { return post(0) }, func() reply { return post(1) })
			fig.races++
			won := -1
			for k := range 2 {
				if r[k].err != nil {
					t.Fatal(r[k].err)
				}
				switch r[k].status {
				case http.StatusCreated, http.StatusSeeOther:
					if won >= 0 {
						t.Fatalf("iteration %d: both rate changes on the same view were charted", i)
					}
					won = k
				}
			}
			if won < 0 {
				t.Fatalf("iteration %d: no rate change charted: %d %s / %d %s", i, r[0].status, r[0].body, r[1].status, firstError(r[1].body))
			}
			winners++
			fig.won("rate/rate: " + who[won] + " first")
			fig.acknowledged++
			acked[note(i, who[won], "rate")] = true
			lose := 1 - won
			fig.conflicts++
			// The loser's message names the winner's rate change, its time and nurse.
			wantParts := []string{"rate-change to " + strings.TrimSuffix(rates[won], "mg/h") + " mg/h charted at " + at(min+1).In(time.Local).Format("15:04"),
				"by " + names[nurses[won].login], "since you loaded this page", "your rate-change was not charted"}
			var msg string
			if r[lose].status != http.StatusConflict {
				t.Fatalf("iteration %d: the losing rate change: status %d, want 409: %s", i, r[lose].status, firstError(r[lose].body))
			}
			if lose == i%2 { // the form: the page again, the message on it
				if !strings.Contains(r[lose].body, `<p class="form-error" role="alert">`) {
					t.Errorf("iteration %d: the refused form's page shows no error box", i)
				}
				msg = firstError(r[lose].body) // the error box's text
			} else {
				code, field, m := r[lose].apiErr()
				if code != "conflict" || field != "seq" {
					t.Errorf("iteration %d: API 409 code %q field %q, want conflict on seq", i, code, field)
				}
				msg = m
			}
			for _, w := range wantParts {
				if !strings.Contains(msg, w) {
					t.Errorf("iteration %d: the loser's 409 lacks %q: %s", i, w, firstError(msg))
				}
			}

			// 3. A rate change races vitals on the same view: the vitals
			// are kept; the rate change only if it was first.
			seq = len(ts.chart(t, sam, sid).State.Events) + 1
			rn, vn := note(i, "sam", "rate2"), note(i, "jo", "vitals2")
			r = race(
				func() reply {
					return ts.send(sam, "POST", events, "application/json", rateJSON(seq, min+1, rates[i%2], rn))
				},
				func() reply { return ts2.send(jo, "POST", events, "application/json", vitalsJSON(seq, min+1, vn)) },
			)
			fig.races++
			if r[1].err != nil || r[1].status != http.StatusCreated {
				t.Fatalf("iteration %d: vitals racing a rate change: %d %v %s", i, r[1].status, r[1].err, r[1].body)
			}
			fig.acknowledged++
			acked[vn] = true
			switch r[0].status {
			case http.StatusCreated:
				fig.won("rate/vitals: both charted")
				fig.acknowledged++
				acked[rn] = true
			case http.StatusConflict:
				fig.won("rate/vitals: rate refused")
				fig.conflicts++
				_, field, m := r[0].apiErr()
				want := "vitals charted at " + at(min+1).In(time.Local).Format("15:04") + " by Jo Lee, RN since you loaded this page"
				if field != "seq" || !strings.Contains(m, want) {
					t.Errorf("iteration %d: rate change after vitals: field %q message %q, want seq and %q", i, field, m, want)
				}
			default:
				t.Fatalf("iteration %d: rate change racing vitals: %d %s", i, r[0].status, r[0].body)
			}
		}

		// The stored chart.
		ch := ts.chart(t, sam, sid)
		seen := map[string]int{}
		charted := 0
		for k, e := range ch.State.Events {
			if e.Seq != k+1 {
				t.Fatalf("event %d has seq %d: the seqs are not contiguous", k+1, e.Seq)
			}
			if strings.HasPrefix(e.Note, "race ") {
				seen[e.Note]++
				charted++
			}
			if e.Kind == infusion.KindAlert {
				t.Errorf("an alert was raised (%s): the race's values were chosen to raise none", e.Alert.Message)
			}
		}
		for n := range acked {
			if seen[n] != 1 {
				t.Errorf("acknowledged %q is on the chart %d times, want 1", n, seen[n])
			}
		}
		if charted != fig.acknowledged || len(acked) != fig.acknowledged {
			t.Errorf("%d race events charted, %d acknowledged (%d distinct): a write was lost or made up", charted, fig.acknowledged, len(acked))
		}
		// One audit row per event (store.appendDraft audits each).
		var audit struct {
			Entries []clinic.AuditEntry `json:"entries"`
		}
		decode(t, ts.do(t, ts.client(t, clinic.RoleAdmin), "GET", fmt.Sprintf("/api/v1/audit?patient_id=%d&limit=1000", p.ID), "", ""), &audit)
		rows := 0
		for _, e := range audit.Entries {
			if e.Entity == "infusion_event" && e.EntityID == sid {
				rows++
			}
		}
		if rows != len(ch.State.Events) {
			t.Errorf("%d audit rows of the session's events, %d events", rows, len(ch.State.Events))
		}
		if winners != raceIterations {
			t.Errorf("%d rate-change races with one winner, want %d", winners, raceIterations)
		}
		fig.log(t, "two nurses, one session")
	})
}

// planVersion is the part of a PlanVersion the signing tests read.
type planVersion struct {
	Version       int               `json:"version"`
	Status        clinic.PlanStatus `json:"status"`
	Revision      int               `json:"revision"`
	SignedByName  string            `json:"signed_by_name"`
	UpdatedByName string            `json:"updated_by_name"`
	Input         clinic.PlanInput  `json:"input"`
}

// Two clinicians, Dr. Nadia Okafor (the demo's) and Dr. Priya Raman, work
// on the same plan at once, on both engines, through the API and the
// course page's forms. Per iteration, on a fresh course whose version 1 is
// a draft (revision 1, 71 kg):
//
//   - both sign version 1: exactly one signature; the other gets 409
//     naming who signed and when; the version is signed once, by the
//     winner, with its input unchanged, and audited once;
//   - Okafor edits the draft (72 kg, revision 1) while Raman signs it
//     (revision 1): either the edit is saved (revision 2, 72 kg, unsigned)
//     and the signature refused naming Okafor's edit, or the signature
//     holds (71 kg, signed) and the edit is refused naming it: never a
//     signed version changed, never a lost edit;
//   - Okafor makes a new version (based on 1, 73 kg) while Raman signs
//     version 1: version 1 stays as signed (71 kg) if signed, and version
//     2, if saved, follows it; a refusal names the other's write.
func TestConcurrentPlanSigning(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ts := newTestServer(t, db.Engine())
		okafor := ts.client(t, clinic.RoleClinician)
		raman := ts.staffClient(t, clinic.RoleClinician, "priya.raman", "Dr. Priya Raman")
		ts2 := ts.secondInstance(t) // Raman works through a second server on the same database
		servers := []*testServer{ts, ts2}
		docs := []*http.Client{okafor, raman}
		names := []string{"Dr. Nadia Okafor", "Dr. Priya Raman"}
		today := clinic.DateOf(ts.now()).String()
		p := ts.demo.Patients[6]
		input := func(kg string, extra string) string {
			return fmt.Sprintf(`{"protocol_id":"goldberg-2005","weight":%q,"start_date":%q,"settings":{"daily-step":"+5mg","midazolam-route":"IV"}%s}`, kg, today, extra)
		}
		newCourse := func() int64 {
			t.Helper()
			resp := ts.do(t, okafor, "POST", "/api/v1/courses", "application/json", fmt.Sprintf(`{"patient_id":%d,%s`, p.ID, input("71kg", "")[1:]))
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("create course: %d %s", resp.StatusCode, body(resp))
			}
			var c struct{ ID int64 }
			decode(t, resp, &c)
			return c.ID
		}
		version := func(id int64, n int) planVersion {
			t.Helper()
			resp := ts.do(t, okafor, "GET", fmt.Sprintf("/api/v1/courses/%d/versions/%d", id, n), "", "")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET version %d: %d", n, resp.StatusCode)
			}
			var v planVersion
			decode(t, resp, &v)
			return v
		}
		versions := func(id int64) int {
			t.Helper()
			var c struct{ Versions []planVersion }
			decode(t, ts.do(t, okafor, "GET", fmt.Sprintf("/api/v1/courses/%d", id), "", ""), &c)
			return len(c.Versions)
		}
		signAudits := func() int {
			t.Helper()
			var audit struct {
				Entries []clinic.AuditEntry `json:"entries"`
			}
			decode(t, ts.do(t, ts.client(t, clinic.RoleAdmin), "GET", fmt.Sprintf("/api/v1/audit?patient_id=%d&limit=1000", p.ID), "", ""), &audit)
			n := 0
			for _, e := range audit.Entries {
				if e.Action == clinic.ActionSign && e.Entity == "plan_version" {
					n++
				}
			}
			return n
		}
		stamp := ts.now().In(time.Local).Format("2006-01-02 15:04 MST")
		var signFig, editFig, reviseFig raceFigures
		signedBefore := signAudits()
		signs := 0 // signatures acknowledged, in all three races
		for i := range raceIterations {
			// 1. Both sign version 1. The clinician at index i%2 posts the
			// course page's sign form, the other the API.
			id := newCourse()
			sign := func(k int) reply {
				path := fmt.Sprintf("/courses/%d/versions/1/sign", id)
				if k == i%2 {
					return servers[k].send(docs[k], "POST", path, "application/x-www-form-urlencoded", url.Values{"revision": {"1"}}.Encode())
				}
				return servers[k].send(docs[k], "POST", "/api/v1"+path, "application/json", `{"revision":1}`)
			}
			r := race(func() reply { return sign(0) }, func() reply { return sign(1) })
			signFig.races++
			won := -1
			var lostMsg string
			for k := range 2 {
				if r[k].err != nil {
					t.Fatal(r[k].err)
				}
				ok := r[k].status == http.StatusOK
				if k == i%2 { // the form: 303 to the course page, or the page again with 409 and why
					switch ok = r[k].status == http.StatusSeeOther; {
					case ok && strings.Contains(r[k].loc, "Not signed"):
						t.Fatalf("iteration %d: sign form redirected with a refusal: %s", i, r[k].loc)
					case !ok && r[k].status != http.StatusConflict:
						t.Fatalf("iteration %d: sign form: %d %s", i, r[k].status, firstError(r[k].body))
					case !ok:
						lostMsg = signError(r[k].body)
					}
				} else if !ok {
					code, field, m := r[k].apiErr()
					if r[k].status != http.StatusConflict || code != "conflict" || field != "version" {
						t.Errorf("iteration %d: the losing API signature: %d %q %q, want 409 conflict on version", i, r[k].status, code, field)
					}
					lostMsg = m
				}
				if ok {
					if won >= 0 {
						t.Fatalf("iteration %d: both signatures succeeded", i)
					}
					won = k
				}
			}
			if won < 0 {
				t.Fatalf("iteration %d: no signature succeeded: %+v", i, r)
			}
			signFig.acknowledged++
			signFig.conflicts++
			signFig.won(names[won])
			signs++
			if want := "Version 1 was signed by " + names[won] + " on " + stamp; !strings.Contains(lostMsg, want) {
				t.Errorf("iteration %d: the loser's message %q lacks %q", i, lostMsg, want)
			}
			if v := version(id, 1); v.Status != clinic.PlanSigned || v.SignedByName != names[won] || v.Input.Weight != "71kg" || v.Revision != 1 {
				t.Errorf("iteration %d: stored %+v, want signed by %s, 71kg, revision 1", i, v, names[won])
			}

			// 2. An edit of the draft races its signature.
			id = newCourse()
			r = race(
				func() reply {
					return ts.send(okafor, "PUT", fmt.Sprintf("/api/v1/courses/%d/versions/1", id), "application/json", input("72kg", `,"revision":1`))
				},
				func() reply {
					return ts2.send(raman, "POST", fmt.Sprintf("/api/v1/courses/%d/versions/1/sign", id), "application/json", `{"revision":1}`)
				},
			)
			editFig.races++
			v := version(id, 1)
			switch {
			case r[0].status == http.StatusOK && r[1].status == http.StatusConflict:
				editFig.won("edit first")
				editFig.acknowledged++
				editFig.conflicts++
				_, field, m := r[1].apiErr()
				want := "Draft version 1 was changed by Dr. Nadia Okafor at " + stamp + " (revision 2; you loaded revision 1)"
				if field != "revision" || !strings.Contains(m, want) {
					t.Errorf("iteration %d: signature after the edit: %q %q, want revision and %q", i, field, m, want)
				}
				if v.Status != clinic.PlanDraft || v.Revision != 2 || v.Input.Weight != "72kg" || v.UpdatedByName != names[0] {
					t.Errorf("iteration %d: the edit won but version 1 is %+v", i, v)
				}
			case r[1].status == http.StatusOK && r[0].status == http.StatusConflict:
				signs++
				editFig.won("signature first")
				editFig.acknowledged++
				editFig.conflicts++
				_, field, m := r[0].apiErr()
				want := "Version 1 was signed by Dr. Priya Raman on " + stamp + "; it cannot be changed"
				if field != "version" || !strings.Contains(m, want) {
					t.Errorf("iteration %d: edit after the signature: %q %q, want version and %q", i, field, m, want)
				}
				if v.Status != clinic.PlanSigned || v.Revision != 1 || v.Input.Weight != "71kg" || v.SignedByName != names[1] {
					t.Errorf("iteration %d: the signature won but version 1 is %+v", i, v)
				}
			default:
				t.Fatalf("iteration %d: edit %d %s, sign %d %s: want exactly one 200 and one 409", i, r[0].status, r[0].body, r[1].status, r[1].body)
			}

			// 3. A new version races the signature of version 1.
			id = newCourse()
			r = race(
				func() reply {
					return ts.send(okafor, "POST", fmt.Sprintf("/api/v1/courses/%d/versions", id), "application/json",
						input("73kg", `,"based_on":1,"reason":"weight re-measured"`))
				},
				func() reply {
					return ts2.send(raman, "POST", fmt.Sprintf("/api/v1/courses/%d/versions/1/sign", id), "application/json", `{"revision":1}`)
				},
			)
			reviseFig.races++
			v1, n := version(id, 1), versions(id)
			if v1.Input.Weight != "71kg" || v1.Revision != 1 {
				t.Errorf("iteration %d: version 1 changed: %+v", i, v1)
			}
			switch r[0].status {
			case http.StatusCreated:
				reviseFig.acknowledged++
				if v2 := version(id, 2); n != 2 || v2.Input.Weight != "73kg" || v2.Status != clinic.PlanDraft {
					t.Errorf("iteration %d: the new version was acknowledged but the course has %d versions, version 2 %+v", i, n, v2)
				}
			case http.StatusConflict:
				reviseFig.conflicts++
				if n != 1 {
					t.Errorf("iteration %d: the new version was refused but the course has %d versions", i, n)
				}
			default:
				t.Fatalf("iteration %d: new version: %d %s", i, r[0].status, r[0].body)
			}
			switch r[1].status {
			case http.StatusOK:
				signs++
				reviseFig.acknowledged++
				if v1.Status != clinic.PlanSigned || v1.SignedByName != names[1] {
					t.Errorf("iteration %d: the signature was acknowledged but version 1 is %+v", i, v1)
				}
			case http.StatusConflict:
				reviseFig.conflicts++
				_, field, m := r[1].apiErr()
				want := "Version 1 is not the latest: version 2 was saved by Dr. Nadia Okafor at " + stamp
				if v1.Status != clinic.PlanDraft || field != "version" || !strings.Contains(m, want) {
					t.Errorf("iteration %d: refused signature: version 1 %+v, field %q message %q, want %q", i, v1, field, m, want)
				}
			default:
				t.Fatalf("iteration %d: signature: %d %s", i, r[1].status, r[1].body)
			}
			reviseFig.won(fmt.Sprintf("new version %d, signature %d", r[0].status, r[1].status))
			if r[0].status == http.StatusConflict && r[1].status == http.StatusConflict {
				t.Errorf("iteration %d: both the new version and the signature were refused", i)
			}
		}
		// Every acknowledged signature is audited once, and only those.
		if got := signAudits() - signedBefore; got != signs {
			t.Errorf("%d signature audit rows, %d signatures acknowledged", got, signs)
		}
		signFig.log(t, "two clinicians sign one version")
		editFig.log(t, "an edit races the signature")
		reviseFig.log(t, "a new version races the signature")
	})
}

// twoNurses opens day 1 of a signed Goldberg course of p and has Sam
// Rivera (the demo's nurse) check the patient in at t0 (three hours ago),
// programme 10 mg/h of 40 mg/500 mL at t0+5 min and start at t0+10 min;
// it returns the session, Sam's client, the client of a second nurse, Jo
// Lee, and t0.
func twoNurses(t *testing.T, ts *testServer, p *clinic.Patient) (int64, *http.Client, *http.Client, time.Time) {
	t.Helper()
	courseID := signedCourse(t, ts, p, clinic.DateOf(ts.now()))
	sam := ts.client(t, clinic.RoleNurse)
	jo := ts.staffClient(t, clinic.RoleNurse, "jo.lee", "Jo Lee, RN")
	sid := located(t, ts.form(t, sam, fmt.Sprintf("/courses/%d/sessions", courseID), url.Values{"day": {"1"}}), "/sessions/")
	t0 := ts.now().Add(-3 * time.Hour).Truncate(time.Minute)
	rfc := func(min int) string { return t0.Add(time.Duration(min) * time.Minute).Format(time.RFC3339) }
	setup := func(v url.Values) {
		t.Helper()
		v.Set("seq", strconv.Itoa(len(ts.chart(t, sam, sid).State.Events)+1))
		if resp := ts.form(t, sam, fmt.Sprintf("/sessions/%d/events", sid), v); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d %s", v.Get("kind"), resp.StatusCode, firstError(body(resp)))
		}
	}
	setup(url.Values{"kind": {"check-in"}, "at": {rfc(0)}, "check_in.weight": {"71kg"},
		"check_in.baseline.hr_per_min": {"70"}, "check_in.baseline.sbp_mmhg": {"120"}, "check_in.baseline.dbp_mmhg": {"75"},
		"check_in.baseline.spo2_pct": {"98"}})
	setup(url.Values{"kind": {"programme"}, "at": {rfc(5)}, "programme.drug": {"racemic"}, "programme.bag": {"40mg/500mL"},
		"programme.entered": {"10mg/h"}, "programme.double_check.drug": {"racemic"}, "programme.double_check.concentration": {"40mg/500mL"}})
	storetest.PrepareBag(t, ts.db, sid, "40mg/500mL")
	setup(url.Values{"kind": {"start"}, "at": {rfc(10)}})
	return sid, sam, jo, t0
}

// Both nurses acknowledge the same alert at once, each with the action they
// took: one acknowledgement is charted, the other is refused with 409
// naming the first nurse, the time and the action they charted (an alert
// is acknowledged once; infusion refuses a second). Each iteration raises a fresh desaturation alert (SpO2 90 % <
// 93 %, Goldberg 003_55ad5919aae10607.txt) with Sam's vitals.
func TestConcurrentAcknowledgement(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ts := newTestServer(t, db.Engine())
		sid, sam, jo, t0 := twoNurses(t, ts, ts.demo.Patients[4])
		ts2 := ts.secondInstance(t)
		events := fmt.Sprintf("/api/v1/sessions/%d/events", sid)
		var fig raceFigures
		for i := range raceIterations {
			at := t0.Add(time.Duration(20+i) * time.Minute).Format(time.RFC3339)
			resp := ts.do(t, sam, "POST", events, "application/json",
				fmt.Sprintf(`{"kind":"vitals","at":%q,"vitals":{"hr_per_min":72,"sbp_mmhg":120,"dbp_mmhg":75,"spo2_pct":90}}`, at))
			var res struct {
				Appended []infusion.Event `json:"appended"`
			}
			decode(t, resp, &res)
			if resp.StatusCode != http.StatusCreated || len(res.Appended) != 2 || res.Appended[1].Kind != infusion.KindAlert {
				t.Fatalf("iteration %d: low SpO2 vitals: %d, appended %+v, want the vitals and their alert", i, resp.StatusCode, res.Appended)
			}
			alert := res.Appended[1].Seq
			seq := alert + 1
			ack := func(srv *testServer, c *http.Client, action string) func() reply {
				return func() reply {
					return srv.send(c, "POST", events, "application/json", fmt.Sprintf(
						`{"kind":"acknowledge","seq":%d,"at":%q,"acknowledge":{"alert_seq":%d,"action":%q}}`, seq, at, alert, action))
				}
			}
			r := race(ack(ts, sam, "oxygen 2 L/min by nasal cannula"), ack(ts2, jo, "patient asked to breathe deeply; probe repositioned")) // the actions of want below
			fig.races++
			won := -1
			for k := range 2 {
				if r[k].err != nil {
					t.Fatal(r[k].err)
				}
				if r[k].status == http.StatusCreated {
					if won >= 0 {
						t.Fatalf("iteration %d: both acknowledgements charted", i)
					}
					won = k
				}
			}
			if won < 0 {
				t.Fatalf("iteration %d: no acknowledgement charted: %+v", i, r)
			}
			fig.acknowledged++
			fig.conflicts++
			winner := [2]string{"Sam Rivera, RN", "Jo Lee, RN"}[won]
			action := [2]string{"oxygen 2 L/min by nasal cannula", "patient asked to breathe deeply; probe repositioned"}[won]
			fig.won(winner)
			code, field, m := r[1-won].apiErr()
			if want := fmt.Sprintf("alert %d was already acknowledged by %s at %s (event %d: %s) since you loaded this page", alert, winner,
				t0.Add(time.Duration(20+i)*time.Minute).In(time.Local).Format("15:04"), seq, action); r[1-won].status != http.StatusConflict ||
				code != "conflict" || field != "acknowledge.alert_seq" || !strings.Contains(m, want) {
				t.Errorf("iteration %d: the second acknowledgement: %d %q %q %q, want 409 on acknowledge.alert_seq with %q", i, r[1-won].status, code, field, m, want)
			}
		}
		ch := ts.chart(t, sam, sid)
		acks := 0
		for k, e := range ch.State.Events {
			if e.Seq != k+1 {
				t.Fatalf("event %d has seq %d", k+1, e.Seq)
			}
			if e.Kind == infusion.KindAcknowledge {
				acks++
			}
		}
		if acks != fig.acknowledged || ch.OpenAlerts != 0 || len(ch.State.Alerts) != raceIterations {
			t.Errorf("%d acknowledgements stored, %d acknowledged; %d open alerts of %d", acks, fig.acknowledged, ch.OpenAlerts, len(ch.State.Alerts))
		}
		fig.log(t, "two nurses acknowledge one alert")
	})
}

// hiddenValue is the value of the hidden input name on a page ("" if none).
func hiddenValue(page, name string) string {
	m := regexp.MustCompile(`<input type="hidden" name="` + regexp.QuoteMeta(name) + `" value="([^"]*)">`).FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return m[1]
}

// The course forms carry what they showed (the draft's revision, the
// latest version), so that a clinician saving or signing on a page loaded
// before a colleague's save gets the page back with a 409 naming that save,
// and nothing is stored. Sequential: the page loads are the "concurrency".
func TestStaleCourseForms(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ts := newTestServer(t, db.Engine())
		okafor := ts.client(t, clinic.RoleClinician)
		raman := ts.staffClient(t, clinic.RoleClinician, "priya.raman", "Dr. Priya Raman")
		today := clinic.DateOf(ts.now())
		stamp := ts.now().In(time.Local).Format("2006-01-02 15:04 MST")
		p := ts.demo.Patients[6]
		id := located(t, ts.form(t, okafor, fmt.Sprintf("/patients/%d/courses", p.ID), goldbergForm(today)), "/courses/")
		weight := func(n int) (string, int) {
			var v planVersion
			decode(t, ts.do(t, okafor, "GET", fmt.Sprintf("/api/v1/courses/%d/versions/%d", id, n), "", ""), &v)
			return v.Input.Weight, v.Revision
		}
		// Both open the edit form and the course page of draft 1.
		edit := fmt.Sprintf("/courses/%d/versions/1/edit", id)
		formOf := func(c *http.Client, path string, fields ...string) url.Values {
			t.Helper()
			page := body(ts.do(t, c, "GET", path, "", ""))
			f := goldbergForm(today)
			for _, name := range fields {
				v := hiddenValue(page, name)
				if v == "" {
					t.Fatalf("%s has no hidden %s", path, name)
				}
				f.Set(name, v)
			}
			return f
		}
		fo, fr := formOf(okafor, edit, "revision"), formOf(raman, edit, "revision")
		signR := formOf(raman, fmt.Sprintf("/courses/%d", id), "revision")
		if fo.Get("revision") != "1" || fr.Get("revision") != "1" || signR.Get("revision") != "1" {
			t.Fatalf("hidden revisions %q %q %q, want 1", fo.Get("revision"), fr.Get("revision"), signR.Get("revision"))
		}
		fo.Set("weight", "72kg")
		if resp := ts.form(t, okafor, fmt.Sprintf("/courses/%d/versions/1", id), fo); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("Okafor's edit: %d %s", resp.StatusCode, firstError(body(resp)))
		}
		// Raman's edit on revision 1: the form again, 409, naming Okafor's save.
		fr.Set("weight", "73kg")
		resp := ts.form(t, raman, fmt.Sprintf("/courses/%d/versions/1", id), fr)
		want := "Draft version 1 was changed by Dr. Nadia Okafor at " + stamp + " (revision 2; you loaded revision 1) since you loaded this page"
		if msg := firstError(body(resp)); resp.StatusCode != http.StatusConflict || !strings.Contains(msg, want) {
			t.Errorf("Raman's stale edit: %d %q, want 409 with %q", resp.StatusCode, msg, want)
		}
		// Raman's signature from the page showing revision 1: not signed;
		// the course page again, 409, with why at its top.
		resp = ts.form(t, raman, fmt.Sprintf("/courses/%d/versions/1/sign", id), url.Values{"revision": {"1"}})
		want = "Not signed: Draft version 1 was changed by Dr. Nadia Okafor at " + stamp + " (revision 2; you loaded revision 1)"
		if msg := signError(body(resp)); resp.StatusCode != http.StatusConflict || !strings.Contains(msg, want) {
			t.Errorf("Raman's stale signature: %d %q, want 409 with %q", resp.StatusCode, msg, want)
		}
		if w, rev := weight(1); w != "72kg" || rev != 2 {
			t.Errorf("version 1 holds %s revision %d, want Okafor's 72kg, revision 2", w, rev)
		}
		// Signed from a fresh page, then both open the form for a new version.
		signO := formOf(okafor, fmt.Sprintf("/courses/%d", id), "revision")
		if resp := ts.form(t, okafor, fmt.Sprintf("/courses/%d/versions/1/sign", id), url.Values{"revision": {signO.Get("revision")}}); resp.StatusCode != http.StatusSeeOther || strings.Contains(resp.Header.Get("Location"), "Not+signed") {
			t.Fatalf("sign: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		revise := fmt.Sprintf("/courses/%d/revise", id)
		ro, rr := formOf(okafor, revise, "based_on"), formOf(raman, revise, "based_on")
		ro.Set("reason", "weight re-measured")
		ro.Set("weight", "74kg")
		located(t, ts.form(t, okafor, fmt.Sprintf("/courses/%d/versions", id), ro), "/courses/")
		rr.Set("reason", "new bag size")
		rr.Set("weight", "75kg")
		resp = ts.form(t, raman, fmt.Sprintf("/courses/%d/versions", id), rr)
		want = "Version 2 was saved by Dr. Nadia Okafor at " + stamp + " since you loaded version 1; nothing was saved"
		if msg := firstError(body(resp)); resp.StatusCode != http.StatusConflict || !strings.Contains(msg, want) {
			t.Errorf("Raman's stale new version: %d %q, want 409 with %q", resp.StatusCode, msg, want)
		}
		var c struct{ Versions []planVersion }
		decode(t, ts.do(t, okafor, "GET", fmt.Sprintf("/api/v1/courses/%d", id), "", ""), &c)
		if len(c.Versions) != 2 || c.Versions[1].Input.Weight != "74kg" || c.Versions[0].Status != clinic.PlanSigned || c.Versions[0].Input.Weight != "72kg" {
			t.Errorf("versions %+v, want 1 signed at 72kg and Okafor's 2 at 74kg", c.Versions)
		}
	})
}

// signError is the refused signature's reason on a course page ("" if none).
func signError(page string) string {
	m := regexp.MustCompile(`(?s)<p class="form-error" role="alert" id="sign-error">(.*?)</p>`).FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}
