package web_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/store"
)

type openAPIDoc struct {
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]schema `json:"schemas"`
	} `json:"components"`
}

// schema is the subset of JSON Schema the description uses.
type schema struct {
	Ref        string            `json:"$ref"`
	Type       string            `json:"type"`
	Required   []string          `json:"required"`
	Properties map[string]schema `json:"properties"`
	Items      *schema           `json:"items"`
	Enum       []any             `json:"enum"`
}

func loadOpenAPI(t *testing.T, ts *testServer) openAPIDoc {
	t.Helper()
	resp := ts.do(t, ts.client(t, ""), "GET", "/api/openapi.json", "", "")
	if resp.StatusCode != 200 {
		t.Fatalf("GET /api/openapi.json: %d", resp.StatusCode)
	}
	var doc openAPIDoc
	decode(t, resp, &doc)
	return doc
}

// Every API route and probe is described, and every described operation is
// a route: the description cannot drift from the server.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	ts := newTestServer(t, store.SQLite)
	doc := loadOpenAPI(t, ts)
	routes := ts.web.Routes()
	for _, rt := range routes {
		method, path, _ := strings.Cut(rt, " ")
		if !strings.HasPrefix(path, "/api/") && path != "/healthz" && path != "/readyz" {
			continue
		}
		if _, ok := doc.Paths[path][strings.ToLower(method)]; !ok {
			t.Errorf("route %s is not described in openapi.json", rt)
		}
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			if !slices.Contains(routes, strings.ToUpper(method)+" "+path) {
				t.Errorf("openapi.json describes %s %s, which is not a route", strings.ToUpper(method), path)
			}
		}
	}
	// Every $ref resolves.
	raw := body(ts.do(t, ts.client(t, ""), "GET", "/api/openapi.json", "", ""))
	for _, part := range strings.Split(raw, `"$ref": "`)[1:] {
		ref := part[:strings.Index(part, `"`)]
		name, ok := strings.CutPrefix(ref, "#/components/schemas/")
		if ok {
			if _, ok := doc.Components.Schemas[name]; !ok {
				t.Errorf("dangling $ref %s", ref)
			}
		} else if !strings.HasPrefix(ref, "#/components/responses/") {
			t.Errorf("unexpected $ref %s", ref)
		}
	}
}

// Real responses match the schemas the description gives them.
func TestOpenAPISchemasMatchResponses(t *testing.T) {
	ts := newTestServer(t, store.SQLite)
	doc := loadOpenAPI(t, ts)
	admin := ts.client(t, clinic.RoleAdmin)
	login, pw := ts.password(clinic.RoleAdmin) // the jar keeps the admin logged in
	pid := ts.demo.Patients[0].ID
	cases := []struct {
		method, path, body string
		status             int
		schema             string
	}{
		{"POST", "/api/v1/session", fmt.Sprintf(`{"login":%q,"password":%q}`, login, pw), 201, "Session"},
		{"GET", "/api/v1/me", "", 200, "Me"},
		{"GET", "/api/v1/patients?limit=3", "", 200, "PatientList"},
		{"GET", fmt.Sprintf("/api/v1/patients/%d", pid), "", 200, "Patient"},
		{"PATCH", fmt.Sprintf("/api/v1/patients/%d", pid), `{"phone":"+1 555 0142"}`, 200, "Patient"},
		{"POST", "/api/v1/patients", `{"mrn":"N-1","given_name":"A","family_name":"B","birth_date":"1980-02-29","sex":"female"}`, 201, "Patient"},
		{"POST", "/api/v1/patients", `{"mrn":"N-2","given_name":"A","family_name":"B","birth_date":"29/02/1980","sex":"female"}`, 400, "Error"},
		{"GET", "/api/v1/patients/999999", "", 404, "Error"},
		{"POST", "/api/v1/users", `{"login":"nurse2","name":"N Two","role":"nurse","password":"twelve chars ok"}`, 201, "User"},
		{"GET", "/healthz", "", 200, "Status"},
		{"GET", "/readyz", "", 200, "Status"},
	}
	for _, c := range cases {
		resp := ts.do(t, admin, c.method, c.path, "application/json", c.body)
		if resp.StatusCode != c.status {
			t.Errorf("%s %s: status %d, want %d: %s", c.method, c.path, resp.StatusCode, c.status, body(resp))
			continue
		}
		var v any
		decode(t, resp, &v)
		if err := validate(doc, schema{Ref: "#/components/schemas/" + c.schema}, v, "$"); err != nil {
			t.Errorf("%s %s: %v", c.method, c.path, err)
		}
	}
	var users, audit map[string]any
	decode(t, ts.do(t, admin, "GET", "/api/v1/users", "", ""), &users)
	decode(t, ts.do(t, admin, "GET", "/api/v1/audit?limit=20", "", ""), &audit)
	for _, u := range users["users"].([]any) {
		if err := validate(doc, schema{Ref: "#/components/schemas/User"}, u, "users[]"); err != nil {
			t.Error(err)
		}
	}
	for _, e := range audit["entries"].([]any) {
		if err := validate(doc, schema{Ref: "#/components/schemas/AuditEntry"}, e, "entries[]"); err != nil {
			t.Error(err)
		}
	}
}

func validate(doc openAPIDoc, s schema, v any, at string) error {
	if s.Ref != "" {
		name := strings.TrimPrefix(s.Ref, "#/components/schemas/")
		ref, ok := doc.Components.Schemas[name]
		if !ok {
			return fmt.Errorf("%s: no schema %s", at, name)
		}
		return validate(doc, ref, v, at)
	}
	if len(s.Enum) > 0 && !slices.Contains(s.Enum, v) {
		return fmt.Errorf("%s: %v is not one of %v", at, v, s.Enum)
	}
	switch s.Type {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: %T is not an object", at, v)
		}
		for _, r := range s.Required {
			if _, ok := m[r]; !ok {
				return fmt.Errorf("%s: required property %q missing", at, r)
			}
		}
		for k, val := range m {
			if ps, ok := s.Properties[k]; ok {
				if err := validate(doc, ps, val, at+"."+k); err != nil {
					return err
				}
			} else if len(s.Properties) > 0 {
				return fmt.Errorf("%s: property %q is not described", at, k)
			}
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			return fmt.Errorf("%s: %T is not an array", at, v)
		}
		for i, it := range a {
			if err := validate(doc, *s.Items, it, fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
	case "string":
		if _, ok := v.(string); !ok {
			return fmt.Errorf("%s: %T is not a string", at, v)
		}
	case "integer":
		f, ok := v.(float64)
		if !ok || f != float64(int64(f)) {
			return fmt.Errorf("%s: %v is not an integer", at, v)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("%s: %T is not a boolean", at, v)
		}
	}
	return nil
}
