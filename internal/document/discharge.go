package document

import (
	"bytes"
	_ "embed"
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

//go:embed discharge.yaml
var defaultDischarge []byte

// Instruction is one discharge instruction for the patient. Exactly one of
// Source (where the statement comes from) and Clinic (the sources are
// silent: the text is the clinic's own and is printed as such) is set.
type Instruction struct {
	ID      string `yaml:"id" json:"id"`
	Heading string `yaml:"heading" json:"heading"`
	Text    string `yaml:"text" json:"text"`
	Source  string `yaml:"source" json:"source,omitempty"`
	Clinic  bool   `yaml:"clinic" json:"clinic,omitempty"`
}

// Instructions are a clinic's discharge instructions, in the order printed.
type Instructions struct {
	// Version names the text, printed on the sheet (so a filed copy says
	// which wording the patient got).
	Version      string        `yaml:"version" json:"version"`
	Instructions []Instruction `yaml:"instructions" json:"instructions"`
}

// DefaultInstructions returns the instructions shipped with ketatrack
// (discharge.yaml).
func DefaultInstructions() (*Instructions, error) {
	return ParseInstructions("discharge.yaml", defaultDischarge)
}

// LoadInstructions reads a clinic's own instructions file.
func LoadInstructions(path string) (*Instructions, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("discharge instructions: %w", err)
	}
	return ParseInstructions(path, b)
}

// ParseInstructions decodes and validates an instructions file; errors name
// the file, the entry and the field. Unknown fields are errors.
func ParseInstructions(name string, data []byte) (*Instructions, error) {
	var in Instructions
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&in); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := in.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &in, nil
}

// Validate checks that every instruction has an id, a heading and a text,
// and either a source or the clinic mark (never both, never neither).
func (in *Instructions) Validate() error {
	if strings.TrimSpace(in.Version) == "" {
		return fmt.Errorf("version: required (it is printed on the sheet)")
	}
	if len(in.Instructions) == 0 {
		return fmt.Errorf("instructions: none given")
	}
	seen := map[string]bool{}
	for i, x := range in.Instructions {
		at := fmt.Sprintf("instructions[%d]", i)
		if x.ID != "" {
			at += " (" + x.ID + ")"
		}
		switch {
		case strings.TrimSpace(x.ID) == "":
			return fmt.Errorf("%s.id: required", at)
		case seen[x.ID]:
			return fmt.Errorf("%s.id: %q is used twice", at, x.ID)
		case strings.TrimSpace(x.Heading) == "":
			return fmt.Errorf("%s.heading: required", at)
		case strings.TrimSpace(x.Text) == "":
			return fmt.Errorf("%s.text: required", at)
		case strings.TrimSpace(x.Source) == "" && !x.Clinic:
			return fmt.Errorf("%s.source: give the source of the statement, or set clinic: true to mark it as the clinic's own text", at)
		case strings.TrimSpace(x.Source) != "" && x.Clinic:
			return fmt.Errorf("%s: has both a source and clinic: true; choose one", at)
		}
		seen[x.ID] = true
	}
	return nil
}
