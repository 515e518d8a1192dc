package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"html"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/csvsafe"
	"github.com/ketatrack/ketatrack/internal/store"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// hostileLoginTail is hostileTail for a field that refuses spaces and upper
// case (a login): the same attribute break-out, textarea close and script,
// the element an <svg/onload> (OWASP XSS filter evasion cheat sheet, "no
// spaces").
const hostileLoginTail = `"><svg/onload=alert(1)></textarea><script>alert(1)</script>`

// hostileProbe is one row of the hostile-input table of the forms: the
// field planted, the route it was posted to, the answer's status.
type hostileProbe struct {
	field, route string
	status, want int
	echo         bool // a form refused for another field: its answer re-shows the value, escaped
}

var (
	formInput    = regexp.MustCompile(`<input [^>]*>`)
	formAttr     = regexp.MustCompile(`([a-z][a-z-]*)(?:="([^"]*)")?`)
	formTextarea = regexp.MustCompile(`(?s)<textarea [^>]*name="([^"]*)"[^>]*>(.*?)</textarea>`)
	formSelect   = regexp.MustCompile(`(?s)<select [^>]*name="([^"]*)"[^>]*>(.*?)</select>`)
	formSelected = regexp.MustCompile(`<option value="([^"]*)" selected>`)
)

// formOnPage returns what a browser would submit from the form with the
// given id on page as it was served: text, hidden and number inputs,
// checked boxes and radios, textareas and selected options.
func formOnPage(t *testing.T, page, id string) url.Values {
	t.Helper()
	i := strings.Index(page, `id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no form %q on the page", id)
	}
	page = page[i:]
	page = page[:strings.Index(page, "</form>")]
	v := url.Values{}
	for _, in := range formInput.FindAllString(page, -1) {
		a := map[string]string{}
		for _, m := range formAttr.FindAllStringSubmatch(in[len("<input"):], -1) {
			a[m[1]] = html.UnescapeString(m[2])
		}
		_, checked := a["checked"]
		if a["name"] == "" || ((a["type"] == "checkbox" || a["type"] == "radio") && !checked) {
			continue
		}
		v.Add(a["name"], a["value"])
	}
	for _, m := range formTextarea.FindAllStringSubmatch(page, -1) {
		v.Add(m[1], html.UnescapeString(strings.TrimPrefix(m[2], "\n")))
	}
	for _, m := range formSelect.FindAllStringSubmatch(page, -1) {
		if s := formSelected.FindStringSubmatch(m[2]); s != nil {
			v.Add(m[1], html.UnescapeString(s[1]))
		}
	}
	return v
}

// squeeze drops every white-space character: a PDF's extracted text breaks
// a long value over lines where the page wraps it.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// pdfWellFormed checks a PDF with poppler's pdfinfo (skipped, or failed
// under KETATRACK_REQUIRE_BROWSER=1, without it): a %PDF- header, an %%EOF
// trailer, at least one page and no syntax error reported.
func pdfWellFormed(t *testing.T, pdf []byte) (pages int) {
	t.Helper()
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.Contains(pdf[max(len(pdf)-1024, 0):], []byte("%%EOF")) {
		t.Errorf("not a complete PDF: %.40q … %q", pdf, pdf[max(len(pdf)-40, 0):])
		return 0
	}
	bin, err := exec.LookPath("pdfinfo")
	if err != nil {
		storetest.SkipOrFail(t, "KETATRACK_REQUIRE_BROWSER", "no pdfinfo on PATH (Debian: apt-get install poppler-utils)")
	}
	f := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(f, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, f)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		t.Errorf("pdfinfo: %v %s", err, stderr.String())
	}
	for _, l := range strings.Split(stdout.String(), "\n") {
		if rest, ok := strings.CutPrefix(l, "Pages:"); ok {
			pages, _ = strconv.Atoi(strings.TrimSpace(rest))
		}
	}
	if pages < 1 {
		t.Errorf("pdfinfo reports %d pages:\n%s", pages, stdout.String())
	}
	return pages
}

// The free-text fields not planted by plantHostile (intake, diagnosis and
// screening notes and reasons, weight and height notes, the stock
// adjustment, correction and waste reasons, the preparation's note and
// diluent, a rate change's reason, the measure in-error reason, the
// outcome definitions' names and sources, a user's login, a patient's
// phone), each posted through its HTML form by the role that uses it (the
// height's note and the correction have no form: their JSON API), are
// stored and shown escaped on every page that shows them, print pages
// included; the PDFs made of those print pages are well-formed and carry
// the text literally; every CSV cell that would start a formula is quoted.
// On both engines.
func TestHostileFormsXSS(t *testing.T) {
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) { hostileForms(t, e) })
	}
}

// hostileForms is TestHostileFormsXSS on engine e.
func hostileForms(t *testing.T, e store.Engine) {
	ts := newTestServer(t, e)
	nurse, doc, admin := ts.client(t, clinic.RoleNurse), ts.client(t, clinic.RoleClinician), ts.client(t, clinic.RoleAdmin)
	nurseLogin, nursePW := ts.password(clinic.RoleNurse)
	docLogin, docPW := ts.password(clinic.RoleClinician)
	values := map[string]string{} // field → planted value
	v := func(field string, lead byte, max int) string {
		s := hostileValue(lead, field, max)
		values[field] = s
		return s
	}
	var probes []hostileProbe
	reflected := 0 // answers to the posts with markup unescaped
	post := func(c *http.Client, path string, form url.Values, want int, fields ...string) *http.Response {
		t.Helper()
		resp := ts.form(t, c, path, form)
		if resp.StatusCode != want {
			t.Errorf("POST %s (%s): status %d, want %d: %s", path, strings.Join(fields, ","), resp.StatusCode, want, firstError(body(resp)))
		}
		// A refused form comes back with what was typed and the message
		// naming it: escaped there too.
		if m := unescapedHostile.FindStringIndex(body(resp)); m != nil {
			reflected++
			t.Errorf("POST %s answers with unescaped markup: %q", path, body(resp)[max(m[0]-80, 0):min(m[1]+40, len(body(resp)))])
		}
		for _, f := range fields {
			probes = append(probes, hostileProbe{field: f, route: "POST " + path, status: resp.StatusCode, want: want})
		}
		return resp
	}
	postJSON := func(c *http.Client, path, js string, want int, fields ...string) *http.Response {
		t.Helper()
		resp := ts.do(t, c, "POST", path, "application/json", js)
		if resp.StatusCode != want {
			t.Errorf("POST %s (%s): status %d, want %d: %.300s", path, strings.Join(fields, ","), resp.StatusCode, want, body(resp))
		}
		for _, f := range fields {
			probes = append(probes, hostileProbe{field: f, route: "POST " + path + " (JSON: no form)", status: resp.StatusCode, want: want})
		}
		return resp
	}
	// echo posts a form that is refused for another field (want its
	// status): the answer re-shows the hostile values typed, escaped.
	echo := func(c *http.Client, path string, form url.Values, want int, fields ...string) {
		t.Helper()
		resp := ts.form(t, c, path, form)
		page := body(resp)
		if resp.StatusCode != want {
			t.Errorf("POST %s (refused, %s): status %d, want %d: %s", path, strings.Join(fields, ","), resp.StatusCode, want, firstError(page))
		}
		if m := unescapedHostile.FindStringIndex(page); m != nil {
			reflected++
			t.Errorf("POST %s (refused) answers with unescaped markup: %q", path, page[max(m[0]-80, 0):min(m[1]+40, len(page))])
		}
		for _, f := range fields {
			if !shownEscaped(page, f) {
				reflected++
				t.Errorf("POST %s (refused) does not re-show %s escaped", path, f)
			}
			probes = append(probes, hostileProbe{field: f, route: "POST " + path + " (refused: re-shown)", status: resp.StatusCode, want: want, echo: true})
		}
	}
	today := clinic.DateOf(ts.now())

	// A user whose login is hostile, created and given a password by the
	// administrator, logs in through the login form and records a weight.
	login := "=user_login" + hostileLoginTail
	values["user_login"] = login
	const loginPW = "hostile login nurse 42"
	echo(admin, "/users", url.Values{"login": {login}, "name": {"Hostile Login Nurse"}, "role": {"nurse"}, "password": {"short"}}, http.StatusBadRequest, "user_login")
	post(admin, "/users", url.Values{"login": {login}, "name": {"Hostile Login Nurse"}, "role": {"nurse"}, "password": {loginPW}}, http.StatusSeeOther, "user_login")
	jar, _ := cookiejar.New(nil)
	hostileNurse := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	echo(hostileNurse, "/login", url.Values{"login": {login}, "password": {"not the password"}, "next": {"/"}}, http.StatusUnauthorized, "user_login")
	post(hostileNurse, "/login", url.Values{"login": {login}, "password": {loginPW}, "next": {"/"}}, http.StatusSeeOther, "user_login")

	// A new patient through the patient form, with a hostile phone.
	// The e-mail address must parse (net/mail); a quoted local part may
	// still carry the markup, so the tag ends in the backslash before its
	// quote.
	email := `"email\"><img src=x onerror=alert(1)>"@example.org`
	values[`email\`] = email
	echo(nurse, "/patients", url.Values{"given_name": {"Wren"}, "family_name": {"Walker"}, "mrn": {"W-HOSTILE"}, "birth_date": {"04/05/1979"},
		"sex": {"female"}, "phone": {v("phone", '+', 40)}}, http.StatusBadRequest, "phone")
	resp := post(nurse, "/patients", url.Values{"given_name": {"Wren"}, "family_name": {"Walker"}, "mrn": {"W-HOSTILE"}, "birth_date": {"1979-05-04"},
		"sex": {"female"}, "phone": {v("phone", '+', 40)}, "email": {email}}, http.StatusSeeOther, "phone", `email\`)
	np := located(t, resp, "/patients/")
	pp := fmt.Sprintf("/patients/%d", np)

	// Weight (the hostile-login nurse), height (JSON), intake, diagnosis, screening and its decision.
	post(hostileNurse, pp+"/weights", url.Values{"weight.value": {"70kg"}, "weight.note": {v("weight_note", '-', 500)}}, http.StatusSeeOther, "weight_note")
	postJSON(nurse, "/api/v1"+pp+"/heights", jsonBody(t, map[string]string{"height": "168cm", "note": v("height_note", '@', 500)}), http.StatusCreated, "height_note")
	echo(nurse, pp+"/weights", url.Values{"weight.value": {"70"}, "weight.note": {values["weight_note"]}}, http.StatusBadRequest, "weight_note")
	intake := url.Values{"weight": {"70"}, "height": {"168cm"}, "rows": {"3"},
		"presentation.inciting_event": {"other"}, "presentation.inciting_event_other": {v("inciting_event_other", '=', 200)},
		"presentation.affected_limbs": {"right_lower"}, "presentation.other_sites": {v("other_sites", '+', 200)},
		"medications[0].name": {v("medication_name", '-', 100)}, "medications[0].dose": {v("medication_dose", '@', 200)},
		"prior.physical_therapy.relief": {"none"}, "prior.physical_therapy.description": {v("prior_description", '=', 200)},
		"notes": {v("intake_notes", '+', 4000)}}
	intakeFields := []string{"inciting_event_other", "other_sites", "medication_name", "medication_dose", "prior_description", "intake_notes"}
	echo(nurse, pp+"/intake", intake, http.StatusBadRequest, intakeFields...) // 70 without its unit
	intake.Set("weight", "70kg")
	post(nurse, pp+"/intake", intake, http.StatusSeeOther, intakeFields...)
	dx := budapestForm()
	dx.Set("notes", v("diagnosis_notes", '-', 4000))
	dx.Del("assessment.disproportionate_pain")
	echo(doc, pp+"/diagnosis", dx, http.StatusBadRequest, "diagnosis_notes") // a question not answered
	dx.Set("assessment.disproportionate_pain", "yes")
	post(doc, pp+"/diagnosis", dx, http.StatusSeeOther, "diagnosis_notes")
	sc := screeningForm("140")
	sc.Set("tests.ecg.status", "ordered")
	sc.Set("tests.ecg.note", v("screening_test_note", '@', 500))
	echo(nurse, pp+"/screening", sc, http.StatusBadRequest, "screening_test_note") // SpO2 140 %
	sc.Set("vitals.spo2_percent", "97")
	post(nurse, pp+"/screening", sc, http.StatusSeeOther, "screening_test_note")
	var sl struct{ Screenings []clinic.Screening }
	decode(t, ts.do(t, nurse, "GET", "/api/v1"+pp+"/screenings", "", ""), &sl)
	if len(sl.Screenings) != 1 {
		t.Fatalf("%d screenings of the new patient, want 1", len(sl.Screenings))
	}
	decision := url.Values{"decision.reason": {v("decision_reason", '=', 1000)}}
	echo(doc, fmt.Sprintf("%s/screening/%d/decision", pp, sl.Screenings[0].ID), decision, http.StatusBadRequest, "decision_reason") // no verdict
	decision.Set("decision.verdict", "proceed")
	post(doc, fmt.Sprintf("%s/screening/%d/decision", pp, sl.Screenings[0].ID), decision, http.StatusSeeOther, "decision_reason")

	// A screening with a finding to override (cardiovascular risk without
	// an ECG), decided with the override's hostile reason.
	op := fmt.Sprintf("/patients/%d", ts.demo.Patients[6].ID)
	sc = screeningForm("97")
	sc.Set("cardiovascular_risk", "yes")
	post(nurse, op+"/screening", sc, http.StatusSeeOther)
	decode(t, ts.do(t, nurse, "GET", "/api/v1"+op+"/screenings", "", ""), &sl)
	if len(sl.Screenings) == 0 || len(sl.Screenings[0].Result.NeedsOverride) == 0 {
		t.Fatalf("screenings of %s: %+v, want one with a finding to override", op, sl.Screenings)
	}
	osc := sl.Screenings[0]
	for _, x := range sl.Screenings {
		if x.ID > osc.ID {
			osc = x
		}
	}
	fid := osc.Result.NeedsOverride[0].ID
	post(doc, fmt.Sprintf("%s/screening/%d/decision", op, osc.ID), url.Values{"decision.verdict": {"proceed"}, "decision.reason": {"ECG ordered for the morning."},
		"decision.override_on." + fid: {"1"}, "decision.override." + fid: {v("override_finding_reason", '-', 1000)}}, http.StatusSeeOther, "override_finding_reason")

	// A measure recorded and marked in error.
	post(nurse, pp+"/measures", url.Values{"kind": {"rom"}, "measured_on": {today.String()}, "value": {"30"}, "unit": {"deg"}, "site": {"right ankle dorsiflexion"}}, http.StatusSeeOther)
	var ml struct{ Measures []clinic.FunctionalMeasure }
	decode(t, ts.do(t, nurse, "GET", "/api/v1"+pp+"/measures", "", ""), &ml)
	if len(ml.Measures) != 1 {
		t.Fatalf("%d measures of the new patient, want 1", len(ml.Measures))
	}
	post(nurse, fmt.Sprintf("%s/measures/%d/in-error", pp, ml.Measures[0].ID), url.Values{"reason": {v("measure_in_error_reason", '+', 500)}}, http.StatusSeeOther, "measure_in_error_reason")

	// A course for the new patient, planned and signed through the pages:
	// its printed plan, letter and discharge show the patient's workup.
	ncid := signedCourse(t, ts, &clinic.Patient{ID: np}, today)

	// A course planned through the course form with a hostile title and a
	// hostile value of a protocol's unspecified detail (a route is free
	// text to the plan engine), then signed.
	cf := goldbergForm(today)
	cf.Set("title", v("form_course_title", '+', 200))
	cf.Set("settings.midazolam-route", v("setting_value", '-', 200))
	post(doc, fmt.Sprintf("/patients/%d/courses", ts.demo.Patients[5].ID), cf, http.StatusBadRequest, "setting_value") // not a route: refused
	cf.Set("settings.midazolam-route", "IV")
	fcid := located(t, post(doc, fmt.Sprintf("/patients/%d/courses", ts.demo.Patients[5].ID), cf, http.StatusSeeOther, "form_course_title"), "/courses/")
	post(doc, fmt.Sprintf("/courses/%d/versions/1/sign", fcid), url.Values{}, http.StatusSeeOther)

	// Stock: a disposal with a hostile reason, corrected (JSON) with one.
	lot := demoLot(t, ts, "KH50-2611A")
	echo(nurse, "/stock/adjustments", url.Values{"lot_id": {strconv.FormatInt(lot.ID, 10)}, "kind": {"dispose"}, "volume": {"1mL"},
		"reason": {v("adjustment_reason", '-', 2000)}, "witness.login": {nurseLogin}, "witness.password": {nursePW}}, http.StatusBadRequest, "adjustment_reason") // the nurse as her own witness
	resp = post(nurse, "/stock/adjustments", url.Values{"lot_id": {strconv.FormatInt(lot.ID, 10)}, "kind": {"dispose"}, "volume": {"1mL"},
		"reason": {v("adjustment_reason", '-', 2000)}, "witness.login": {docLogin}, "witness.password": {docPW}}, http.StatusSeeOther, "adjustment_reason")
	loc, _ := url.QueryUnescape(resp.Header.Get("Location"))
	var entryID int64
	if _, err := fmt.Sscanf(loc[strings.Index(loc, "entry #")+len("entry #"):], "%d", &entryID); err != nil {
		t.Fatalf("no entry in %q: %v", loc, err)
	}
	postJSON(doc, fmt.Sprintf("/api/v1/stock/entries/%d/corrections", entryID), jsonBody(t, map[string]any{"change": "+1mL",
		"reason": v("correction_reason", '@', 2000), "witness": map[string]string{"login": nurseLogin, "password": nursePW}}), http.StatusCreated, "correction_reason")

	// A Goldberg day 1 (40 mg in 500 mL at 10 mg/h) through the pages:
	// planned and signed, consent signed at the desk, the session opened,
	// checked in with a hostile premedication, programmed with a hostile
	// double-checker; the bag prepared with a hostile diluent and note;
	// programmed and started over the soft limit (90 mg/h > 80 mg/h
	// outpatient, TestHTTPChartingValidation) for a hostile override reason,
	// down to 10 mg/h after a minute; over it again for another and back
	// for a hostile reason; a hostile medication; a tachycardia alert (84
	// /min, +20 % over the baseline of 70) acknowledged with a hostile
	// action; stopped, and less wasted than remains for a hostile reason.
	g := ts.demo.Patients[3]
	gcid := signedCourse(t, ts, g, today)
	gp := fmt.Sprintf("/courses/%d", gcid)
	post(nurse, gp+"/consents", url.Values{"method": {"desk"}, "signed_name": {g.FullName()}, "agreed": {"1"}}, http.StatusSeeOther)
	sid := located(t, post(nurse, gp+"/sessions", url.Values{"day": {"1"}}, http.StatusSeeOther), "/sessions/")
	t0 := ts.now().Add(-5 * time.Hour).Truncate(time.Minute)
	at := func(min int) string { return t0.Add(time.Duration(min) * time.Minute).Format(time.RFC3339) }
	sp := fmt.Sprintf("/sessions/%d", sid)
	chart := func(form url.Values, fields ...string) {
		t.Helper()
		form.Set("seq", strconv.Itoa(len(ts.chart(t, nurse, sid).State.Events)+1))
		post(nurse, sp+"/events", form, http.StatusSeeOther, fields...)
	}
	chart(url.Values{"kind": {"check-in"}, "at": {at(0)}, "check_in.weight": {"71kg"}, "check_in.baseline.hr_per_min": {"70"},
		"check_in.baseline.sbp_mmhg": {"120"}, "check_in.baseline.dbp_mmhg": {"75"}, "check_in.baseline.spo2_pct": {"98"},
		"check_in.premedication[0].drug": {v("premedication_drug", '=', 100)}, "check_in.premedication[0].dose": {"2mg"},
		"check_in.premedication[0].route": {"IV"}, "check_in.premedication[0].at": {at(0)}}, "premedication_drug")
	chart(url.Values{"kind": {"programme"}, "at": {at(5)}, "programme.drug": {"racemic"}, "programme.bag": {"40mg/500mL"}, "programme.entered": {"90mg/h"},
		"programme.override.reason": {v("programme_override_reason", '@', 500)},
		"programme.double_check.by": {v("double_check_by", '+', 200)}, "programme.double_check.drug": {"racemic"},
		"programme.double_check.concentration": {"40mg/500mL"}}, "programme_override_reason", "double_check_by")
	echo(nurse, sp+"/preparations", url.Values{"draws[0].lot_id": {strconv.FormatInt(lot.ID, 10)}, "draws[0].volume": {"0.8mL"}, "mg_added": {"40mg"},
		"diluent": {v("diluent", '=', 200)}, "final_volume": {"500mL"}, "note": {v("preparation_note", '+', 2000)},
		"witness.login": {nurseLogin}, "witness.password": {nursePW}}, http.StatusBadRequest, "diluent", "preparation_note")
	post(nurse, sp+"/preparations", url.Values{"draws[0].lot_id": {strconv.FormatInt(lot.ID, 10)}, "draws[0].volume": {"0.8mL"}, "mg_added": {"40mg"},
		"diluent": {v("diluent", '=', 200)}, "final_volume": {"500mL"}, "note": {v("preparation_note", '+', 2000)},
		"witness.login": {docLogin}, "witness.password": {docPW}}, http.StatusSeeOther, "diluent", "preparation_note")
	chart(url.Values{"kind": {"start"}, "at": {at(15)}})
	chart(url.Values{"kind": {"rate-change"}, "at": {at(16)}, "rate_change.entered": {"10mg/h"}})
	chart(url.Values{"kind": {"rate-change"}, "at": {at(60)}, "rate_change.entered": {"90mg/h"},
		"rate_change.override.reason": {v("override_reason", '-', 500)}}, "override_reason")
	chart(url.Values{"kind": {"rate-change"}, "at": {at(62)}, "rate_change.entered": {"10mg/h"}, "rate_change.reason": {v("rate_change_reason", '-', 500)}}, "rate_change_reason")
	chart(url.Values{"kind": {"medication"}, "medication.drug": {v("medication_drug", '@', 100)}, "medication.dose": {"4mg"},
		"medication.route": {"IV"}, "medication.at": {t0.Add(70 * time.Minute).Format("15:04")}}, "medication_drug")
	chart(url.Values{"kind": {"vitals"}, "at": {at(90)}, "vitals.hr_per_min": {"84"}, "vitals.sbp_mmhg": {"120"}, "vitals.dbp_mmhg": {"75"},
		"vitals.spo2_pct": {"97"}, "vitals.rr_per_min": {"14"}, "vitals.rass": {"0"}})
	alerts := ts.chart(t, nurse, sid).State.Alerts
	if len(alerts) == 0 {
		t.Fatal("no alert after a heart rate of 84 /min over a baseline of 70")
	}
	for i, a := range alerts {
		ack := url.Values{"kind": {"acknowledge"}, "at": {at(95 + i)}, "acknowledge.alert_seq": {strconv.Itoa(a.Seq)}, "acknowledge.action": {"observed"}}
		if i == 0 {
			ack.Set("acknowledge.action", v("acknowledge_action", '=', 500))
			chart(ack, "acknowledge_action")
			continue
		}
		chart(ack)
	}
	chart(url.Values{"kind": {"stop"}, "at": {at(135)}, "stop.reason": {"completed"}})
	// A consent withdrawn through the course page's form.
	var consents struct {
		Consents []struct {
			ID int64 `json:"id"`
		} `json:"consents"`
	}
	decode(t, ts.do(t, nurse, "GET", fmt.Sprintf("/api/v1/courses/%d/consents", gcid), "", ""), &consents)
	if len(consents.Consents) == 0 { // signedCourse's and the desk signature
		t.Fatalf("consents of course %d: %+v", gcid, consents)
	}
	post(nurse, fmt.Sprintf("/consents/%d/withdrawal", consents.Consents[0].ID), url.Values{"course_id": {strconv.FormatInt(gcid, 10)},
		"reason": {v("form_withdrawal_reason", '+', 1000)}}, http.StatusSeeOther, "form_withdrawal_reason")
	preps, err := ts.db.FindPreparations(ts.demo.As(context.Background(), clinic.RoleNurse), sid)
	if err != nil || len(preps) != 1 {
		t.Fatalf("preparations %v %v", preps, err)
	}
	echo(nurse, fmt.Sprintf("/preparations/%d/waste", preps[0].ID), url.Values{"session_id": {strconv.FormatInt(sid, 10)}, "amount": {"100mL"},
		"reason": {v("waste_reason", '@', 2000)}, "witness.login": {nurseLogin}, "witness.password": {nursePW}}, http.StatusBadRequest, "waste_reason")
	post(nurse, fmt.Sprintf("/preparations/%d/waste", preps[0].ID), url.Values{"session_id": {strconv.FormatInt(sid, 10)}, "amount": {"100mL"},
		"reason": {v("waste_reason", '@', 2000)}, "witness.login": {docLogin}, "witness.password": {docPW}}, http.StatusSeeOther, "waste_reason")

	// The outcome definitions: a criterion renamed, one added, the sources.
	defs := formOnPage(t, body(ts.do(t, doc, "GET", "/outcome-definitions", "", "")), "definitions-form")
	n, _ := strconv.Atoi(defs.Get("resp_count"))
	defs.Set("resp_0_name", v("criterion_name", '=', 200))
	defs.Set("resp_0_source", v("criterion_source", '+', 1000))
	p := fmt.Sprintf("resp_%d_", n)
	defs.Set(p+"name", v("added_name", '-', 200))
	defs.Set(p+"pct", "40")
	defs.Set(p+"measures", "pain_now")
	defs.Set(p+"source", v("added_source", '@', 1000))
	defs.Set("baseline_source", v("baseline_source", '=', 1000))
	defs.Set("relief_source", v("relief_source", '+', 1000))
	defs.Set("booster_source", v("booster_source", '-', 1000))
	defs.Set(p+"pct", "forty")
	echo(doc, "/outcome-definitions", defs, http.StatusBadRequest, "criterion_name", "criterion_source", "added_name", "added_source",
		"baseline_source", "relief_source", "booster_source")
	defs.Set(p+"pct", "40")
	post(doc, "/outcome-definitions", defs, http.StatusSeeOther, "criterion_name", "criterion_source", "added_name", "added_source",
		"baseline_source", "relief_source", "booster_source")

	// The patient's own journal entry through the portal form: a note and
	// the name of an "other" opioid line (what a patient types is read by
	// the staff). Refused once for a relief of 140 %.
	me := ts.demo.Patients[0]
	patient := ts.client(t, clinic.RolePatient)
	jp := fmt.Sprintf("/patients/%d/journal", me.ID)
	entry := url.Values{"pain_now": {"3"}, "relief_pct": {"140"}, "note": {v("portal_note", '=', 1000)},
		"opioid_0": {"other"}, "route_0": {"oral"}, "dose_0": {"5mg"}, "times_0": {"1"}, "name_0": {v("portal_opioid_name", '+', 100)}}
	echo(patient, jp+"/today", entry, http.StatusBadRequest, "portal_note", "portal_opioid_name")
	entry.Del("relief_pct")
	post(patient, jp+"/today", entry, http.StatusSeeOther, "portal_note", "portal_opioid_name")
	je, err := ts.db.FindJournalEntryByDate(sysCtx(), me.ID, ts.db.Today())
	if err != nil {
		t.Fatalf("the portal entry: %v", err)
	}

	// Every page that could show one of them.
	cp := fmt.Sprintf("/courses/%d", ncid)
	p3 := fmt.Sprintf("/patients/%d", ts.demo.Patients[3].ID)
	pages := []struct {
		path   string
		client *http.Client
		pdf    string // the PDF made of this print page
	}{
		{"/", doc, ""}, {"/", hostileNurse, ""}, {"/account", hostileNurse, ""}, {"/patients", doc, ""}, {"/patients?q=Wren", doc, ""},
		{pp, doc, ""}, {pp + "/edit", doc, ""}, {pp + "/intake", doc, ""}, {pp + "/diagnosis", doc, ""}, {pp + "/screening", doc, ""},
		{pp + "/measures", doc, ""}, {pp + "/outcomes", doc, ""}, {pp + "/journal", doc, ""}, {pp + "/courses", doc, ""},
		{"/courses", doc, ""}, {cp, doc, ""}, {fmt.Sprintf("/courses/%d", fcid), doc, ""},
		{fmt.Sprintf("/courses/%d/plan/print", fcid), doc, fmt.Sprintf("/courses/%d/plan.pdf", fcid)}, {cp + "/plan/print", doc, cp + "/plan.pdf"}, {cp + "/letter/print", doc, cp + "/letter.pdf"},
		{cp + "/discharge/print", doc, cp + "/discharge.pdf"}, {gp, doc, ""}, {gp + "/discharge/print", doc, gp + "/discharge.pdf"},
		{sp, nurse, ""}, {sp + "/print", nurse, sp + "/record.pdf"}, {p3, doc, ""}, {p3 + "/outcomes", doc, ""},
		{"/stock", nurse, ""}, {"/stock/reconciliation", nurse, ""}, {"/stock/log", nurse, ""}, {"/stock/log/print", nurse, ""},
		{jp, doc, ""}, {fmt.Sprintf("%s/%d", jp, je.ID), doc, ""}, {jp, patient, ""}, {fmt.Sprintf("%s/%d", jp, je.ID), patient, ""},
		{fmt.Sprintf("/patients/%d", me.ID), doc, ""}, {op, doc, ""}, {op + "/screening", doc, ""}, {"/dashboard", doc, ""}, {"/analytics", doc, ""}, {"/outcome-definitions", doc, ""}, {"/audit", doc, ""}, {"/users", admin, ""},
	}
	shownOn := map[string][]string{} // field → pages showing it
	pdfFields := map[string][]string{}
	// Failures of the table: pages with markup unescaped, CSV cells not
	// neutral, PDF fields not literal, probes not stored.
	var unescapedPages, badCells, pdfMissing int
	for _, pg := range pages {
		t.Run("page"+strings.ReplaceAll(pg.path, "/", "_"), func(t *testing.T) {
			resp := ts.do(t, pg.client, "GET", pg.path, "", "")
			page := body(resp)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %.300s", resp.StatusCode, page)
			}
			escaped := true
			for _, m := range unescapedHostile.FindAllStringIndex(page, -1) {
				if escaped {
					unescapedPages++
				}
				escaped = false
				t.Errorf("unescaped markup at %d: %q", m[0], page[max(m[0]-80, 0):min(m[1]+40, len(page))])
			}
			var shown []string
			for field := range values {
				if shownEscaped(page, field) {
					shown = append(shown, field)
					shownOn[field] = append(shownOn[field], pg.path)
				}
			}
			sort.Strings(shown)
			if pg.pdf != "" {
				pdfFields[pg.pdf] = shown
			}
			logHostile(t, "stored XSS "+strings.Join(shown, ","), "GET "+pg.path, resp.StatusCode, len(shown) > 0, fmt.Sprintf("escaped=%v", escaped))
		})
	}

	// Stored but on no page: the API's JSON (application/json with nosniff
	// and the CSP default-src 'none', so never rendered as HTML) is the
	// only reader, and carries the value as written.
	inAPI := map[string][]string{}
	for field, path := range map[string]string{"height_note": "/api/v1" + pp + "/heights"} {
		resp := ts.do(t, doc, "GET", path, "", "")
		js := body(resp)
		ok := resp.StatusCode == http.StatusOK && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") &&
			resp.Header.Get("X-Content-Type-Options") == "nosniff" && strings.Contains(js, strings.ReplaceAll(values[field], `"`, `\"`))
		if !ok {
			t.Errorf("GET %s: %d %s %s: %s not there as JSON: %.300s", path, resp.StatusCode, resp.Header.Get("Content-Type"),
				resp.Header.Get("X-Content-Type-Options"), field, js)
		} else {
			inAPI[field] = append(inAPI[field], path)
		}
		logHostile(t, "api "+field, "GET "+path, resp.StatusCode, ok, "application/json + nosniff, the value as written")
	}

	// The CSV exports: no cell starts a formula; which fields each carries.
	inCSV := map[string][]string{}
	csvs := []string{"/stock/log.csv", jp + ".csv", pp + "/journal.csv", pp + "/measures.csv", pp + "/outcomes.csv", p3 + "/outcomes.csv"}
	for _, tb := range []string{"cohort", "tests", "responders", "criteria", "survival", "relief", "boosters", "journal"} {
		csvs = append(csvs, "/analytics/"+tb+".csv")
	}
	for _, path := range csvs {
		t.Run("csv"+strings.ReplaceAll(path, "/", "_"), func(t *testing.T) {
			resp := ts.do(t, doc, "GET", path, "", "")
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Fatalf("status %d %s %s: %.200s", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("X-Content-Type-Options"), body(resp))
			}
			cr := csv.NewReader(strings.NewReader(body(resp)))
			cr.FieldsPerRecord = -1
			recs, err := cr.ReadAll()
			if err != nil {
				t.Fatalf("read csv: %v", err)
			}
			cells := map[string]bool{}
			for i, rec := range recs {
				for j, c := range rec {
					cells[c] = true
					if formulaLead(c) || c != csvsafe.Cell(csvsafe.Uncell(c)) {
						badCells++
						t.Errorf("line %d cell %d is not neutral: %q", i+1, j+1, c)
					}
				}
			}
			var found []string
			for field, val := range values {
				if cells["'"+val] {
					found = append(found, field)
					inCSV[field] = append(inCSV[field], path)
				} else if cells[val] {
					badCells++
					t.Errorf("%s is in a cell unquoted: %q", field, val)
				}
			}
			sort.Strings(found)
			logHostile(t, "csv "+strings.Join(found, ","), "GET "+path, resp.StatusCode, len(found) > 0, "formula cells quoted")
		})
	}
	for _, want := range []struct{ field, csv string }{
		{"adjustment_reason", "/stock/log.csv"}, {"correction_reason", "/stock/log.csv"}, {"waste_reason", "/stock/log.csv"},
		{"measure_in_error_reason", pp + "/measures.csv"},
	} {
		if !slices.Contains(inCSV[want.field], want.csv) {
			t.Errorf("%s has no quoted cell in %s (found in %v)", want.field, want.csv, inCSV[want.field])
		}
	}

	// The PDFs of the print pages: well-formed, each field the print page
	// shows there literally (the markup is text, not elements).
	pdfRows := 0
	t.Run("pdf", func(t *testing.T) {
		requireChromium(t)
		for _, pg := range pages {
			if pg.pdf == "" {
				continue
			}
			resp := ts.do(t, pg.client, "GET", pg.pdf, "", "")
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" {
				t.Errorf("GET %s: %d %s %.200s", pg.pdf, resp.StatusCode, resp.Header.Get("Content-Type"), body(resp))
				continue
			}
			pdf := []byte(body(resp))
			pages := pdfWellFormed(t, pdf)
			text := squeeze(pdfTextAs(t, pdf, "-raw"))
			var missing []string
			for _, field := range pdfFields[pg.pdf] {
				if !strings.Contains(text, squeeze(values[field])) {
					missing = append(missing, field)
				}
			}
			pdfMissing += len(missing)
			if len(missing) > 0 {
				t.Errorf("GET %s: the text lacks %v literally", pg.pdf, missing)
			}
			pdfRows++
			logHostile(t, "pdf "+strings.Join(pdfFields[pg.pdf], ","), "GET "+pg.pdf, resp.StatusCode, true,
				fmt.Sprintf("%d pages, well-formed, %d/%d fields literal", pages, len(pdfFields[pg.pdf])-len(missing), len(pdfFields[pg.pdf])))
		}
	})

	// The table: one row per field and route posted, whether it is stored
	// (shown on a page or in a CSV), where it is shown.
	unstored := 0
	sort.SliceStable(probes, func(i, j int) bool { return probes[i].field < probes[j].field })
	for _, pr := range probes {
		stored := len(shownOn[pr.field]) > 0 || len(inCSV[pr.field]) > 0 || len(inAPI[pr.field]) > 0
		// A value the field's validation refuses (want 4xx) must be stored
		// nowhere; an echo row's value is stored by its own successful post.
		ok := pr.status == pr.want && (pr.echo || stored == (pr.want < 400))
		if !ok {
			unstored++
			t.Errorf("%s via %s: status %d (want %d), stored=%v (want %v)", pr.field, pr.route, pr.status, pr.want, stored, pr.want < 400)
		}
		logHostile(t, pr.field, pr.route, pr.status, stored, fmt.Sprintf("pages=%d csv=%d api=%d %v", len(shownOn[pr.field]), len(inCSV[pr.field]), len(inAPI[pr.field]), shownOn[pr.field]))
	}
	t.Logf("HOSTILE SUMMARY | %d rows (%d fields posted) | %d pages, %d CSV, %d PDF read | failures: %d (%d rows wrong status or storage, %d answers to posts unescaped, %d pages unescaped, %d CSV cells not neutral, %d PDF fields not literal)",
		len(probes), len(values), len(pages), len(csvs), pdfRows, unstored+reflected+unescapedPages+badCells+pdfMissing, unstored, reflected, unescapedPages, badCells, pdfMissing)
}
