package web_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/infusion"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
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
	return reply{status: resp.StatusCode, body: string(b), err: err}
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

// raceFigures are the counts a race test reports (and the notes quote).
type raceFigures struct {
	races, acknowledged, conflicts int
}

func (f raceFigures) log(t *testing.T, what string) {
	t.Logf("%s: %d races, %d writes acknowledged, %d refused with 409", what, f.races, f.acknowledged, f.conflicts)
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
		courseID := signedCourse(t, ts, p, clinic.DateOf(ts.now()))
		sam := ts.client(t, clinic.RoleNurse)
		samLogin, _ := ts.password(clinic.RoleNurse)
		jo := ts.staffClient(t, clinic.RoleNurse, "jo.lee", "Jo Lee, RN")
		names := map[string]string{samLogin: "Sam Rivera, RN", "jo.lee": "Jo Lee, RN"}
		sid := located(t, ts.form(t, sam, fmt.Sprintf("/courses/%d/sessions", courseID), url.Values{"day": {"1"}}), "/sessions/")
		t0 := ts.now().Add(-3 * time.Hour).Truncate(time.Minute)
		at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
		setup := func(v url.Values) {
			t.Helper()
			v.Set("seq", strconv.Itoa(len(ts.chart(t, sam, sid).State.Events)+1))
			if resp := ts.form(t, sam, fmt.Sprintf("/sessions/%d/events", sid), v); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("%s: %d %s", v.Get("kind"), resp.StatusCode, firstError(body(resp)))
			}
		}
		rfc := func(min int) string { return at(min).Format(time.RFC3339) }
		setup(url.Values{"kind": {"check-in"}, "at": {rfc(0)}, "check_in.weight": {"71kg"},
			"check_in.baseline.hr_per_min": {"70"}, "check_in.baseline.sbp_mmhg": {"120"}, "check_in.baseline.dbp_mmhg": {"75"},
			"check_in.baseline.spo2_pct": {"98"}})
		setup(url.Values{"kind": {"programme"}, "at": {rfc(5)}, "programme.drug": {"racemic"}, "programme.bag": {"40mg/500mL"},
			"programme.entered": {"10mg/h"}, "programme.double_check.drug": {"racemic"}, "programme.double_check.concentration": {"40mg/500mL"}})
		storetest.PrepareBag(t, ts.db, sid, "40mg/500mL")
		setup(url.Values{"kind": {"start"}, "at": {rfc(10)}})

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
					return ts.send(jo, "POST", events, "application/json", vitalsJSON(seq, min, note(i, "jo", "vitals")))
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
					return ts.send(nurses[k].c, "POST", formPath, "application/x-www-form-urlencoded", rateForm(seq, min+1, rates[k], n).Encode())
				}
				return ts.send(nurses[k].c, "POST", events, "application/json", rateJSON(seq, min+1, rates[k], n))
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
				func() reply { return ts.send(jo, "POST", events, "application/json", vitalsJSON(seq, min+1, vn)) },
			)
			fig.races++
			if r[1].err != nil || r[1].status != http.StatusCreated {
				t.Fatalf("iteration %d: vitals racing a rate change: %d %v %s", i, r[1].status, r[1].err, r[1].body)
			}
			fig.acknowledged++
			acked[vn] = true
			switch r[0].status {
			case http.StatusCreated:
				fig.acknowledged++
				acked[rn] = true
			case http.StatusConflict:
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
