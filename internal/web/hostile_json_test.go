package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/store/storetest"
)

// jsonWriteRoute is one API route that takes a JSON body, read from
// openapi.json: a string property and an integer one (if it has one) of its
// request body, for the probes that put the wrong thing in a field.
type jsonWriteRoute struct {
	method, path string // path as in openapi.json, with {id} and {n}
	str, num     string // a string and an integer property ("" if none)
}

// jsonWriteRoutes lists every POST, PUT and PATCH of openapi.json with a
// JSON request body.
func jsonWriteRoutes(t *testing.T, ts *testServer) []jsonWriteRoute {
	t.Helper()
	var doc struct {
		Paths      map[string]map[string]json.RawMessage
		Components struct{ Schemas map[string]json.RawMessage }
	}
	decode(t, ts.do(t, ts.client(t, ""), "GET", "/api/openapi.json", "", ""), &doc)
	type schema struct {
		Ref        string `json:"$ref"`
		Type       any
		Properties map[string]json.RawMessage
	}
	var resolve func(raw json.RawMessage) schema
	resolve = func(raw json.RawMessage) schema {
		var s schema
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Fatalf("schema %s: %v", raw, err)
		}
		if s.Ref != "" {
			return resolve(doc.Components.Schemas[s.Ref[strings.LastIndex(s.Ref, "/")+1:]])
		}
		return s
	}
	var out []jsonWriteRoute
	for path, ops := range doc.Paths {
		for method, raw := range ops {
			if method != "post" && method != "put" && method != "patch" {
				continue
			}
			var op struct {
				RequestBody *struct {
					Content map[string]struct{ Schema json.RawMessage }
				}
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatal(err)
			}
			if op.RequestBody == nil || op.RequestBody.Content["application/json"].Schema == nil {
				continue
			}
			rt := jsonWriteRoute{method: strings.ToUpper(method), path: path}
			props := resolve(op.RequestBody.Content["application/json"].Schema).Properties
			names := make([]string, 0, len(props))
			for k := range props {
				names = append(names, k)
			}
			sort.Strings(names)
			for _, k := range names {
				switch resolve(props[k]).Type {
				case "string":
					if rt.str == "" {
						rt.str = k
					}
				case "integer":
					if rt.num == "" {
						rt.num = k
					}
				}
			}
			out = append(out, rt)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path+out[i].method < out[j].path+out[j].method })
	return out
}

// jsonProbe is one hostile body and what the error must name.
type jsonProbe struct {
	name  string
	body  string
	field string // the field the 400 must name; "" for any
}

// jsonProbes are the hostile bodies for rt.
func jsonProbes(rt jsonWriteRoute) []jsonProbe {
	s := strconv.Quote(rt.str)
	num := rt.num
	if num == "" {
		num = rt.str // no integer property: a number where a string goes
	}
	n := strconv.Quote(num)
	probes := []jsonProbe{
		{"empty body", "", "body"},
		{"invalid JSON", `{` + s + `: "x",`, "body"},
		{"10k nested arrays", strings.Repeat("[", 10000) + strings.Repeat("]", 10000), "body"},
		{"10k nested objects", strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000), "body"},
		{"NaN", `{` + n + `: NaN}`, "body"},
		{"Infinity", `{` + n + `: Infinity}`, "body"},
		{"-Infinity", `{` + n + `: -Infinity}`, "body"},
		{"1e400", `{` + n + `: 1e400}`, num},
		{"huge integer", `{` + n + `: 123456789012345678901234567890}`, num},
		{"number for string", `{` + s + `: 12}`, rt.str},
		{"object for string", `{` + s + `: {"$gt": ""}}`, rt.str},
		{"unknown field", `{"no_such_field": 1}`, "no_such_field"},
		{"duplicate key", `{` + s + `: "a", ` + s + `: "b"}`, rt.str},
		{"array body", `[]`, "body"},
		{"two values", `{} {}`, "body"},
	}
	if rt.num != "" {
		probes = append(probes, jsonProbe{"string for number", `{` + n + `: "12"}`, rt.num})
	}
	return probes
}

// Every API route that takes JSON answers every hostile body with a 4xx
// (never a 5xx) whose error names the field at fault, and writes nothing.
func TestHostileJSON(t *testing.T) {
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) {
			ts := newTestServer(t, e)
			doc := ts.client(t, clinic.RoleClinician)
			admin := ts.client(t, clinic.RoleAdmin)
			hannah := ts.demo.Patients[1]
			sid := runningSession(t, ts, hannah)
			courses, err := ts.db.FindCourses(sysCtx(), clinic.CourseFilter{PatientID: hannah.ID})
			if err != nil || len(courses) == 0 {
				t.Fatalf("courses of %s: %v", hannah.MRN, err)
			}
			ids := map[string]string{ // the record each path's {id} stands for
				"/api/v1/patients/": strconv.FormatInt(hannah.ID, 10),
				"/api/v1/courses/":  strconv.FormatInt(courses[0].ID, 10),
				"/api/v1/sessions/": strconv.FormatInt(sid, 10),
				"/api/v1/users/":    strconv.FormatInt(ts.demo.Users[clinic.RoleNurse].ID, 10),
			}
			routes := jsonWriteRoutes(t, ts)
			if len(routes) < 25 {
				t.Fatalf("only %d JSON write routes in openapi.json", len(routes))
			}
			for _, rt := range routes {
				path := rt.path
				id := "1" // lots, entries, preparations, consents, screenings, measures: the first one
				for prefix, v := range ids {
					if strings.HasPrefix(path, prefix) {
						id = v
					}
				}
				path = strings.NewReplacer("{id}", id, "{n}", "1").Replace(path)
				client := doc
				if strings.HasPrefix(rt.path, "/api/v1/users") {
					client = admin
				}
				for _, p := range jsonProbes(rt) {
					t.Run(strings.ReplaceAll(rt.method+" "+rt.path+" "+p.name, "/", "_"), func(t *testing.T) {
						before := tableDigests(t, ts.db)
						resp := ts.do(t, client, rt.method, path, "application/json", p.body)
						b := body(resp)
						var ae struct {
							Error struct{ Code, Message, Field string }
						}
						jerr := json.Unmarshal([]byte(b), &ae)
						switch {
						case resp.StatusCode < 400 || resp.StatusCode >= 500:
							t.Errorf("status %d, want 4xx: %.300s", resp.StatusCode, b)
						case jerr != nil:
							t.Errorf("error body is not the API's JSON error (%v): %.300s", jerr, b)
						case resp.StatusCode == http.StatusBadRequest && p.field != "" && ae.Error.Field != p.field:
							t.Errorf("error names field %q, want %q: %s", ae.Error.Field, p.field, ae.Error.Message)
						}
						stored := !assertUnchanged(t, ts.db, before)
						logHostile(t, fmt.Sprintf("JSON %s (%s)", p.name, ae.Error.Field), rt.method+" "+rt.path, resp.StatusCode, stored, ae.Error.Message)
					})
				}
			}
		})
	}
}
