package protocol

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/ketatrack/ketatrack/internal/evidence"
)

// maxFileSize bounds a protocol file: the largest seed protocol is a few KB.
const maxFileSize = 1 << 20

// Parse reads and validates one protocol file. name is the file's name, used
// in errors: every error names the file, the field and the reason. Unknown
// fields are errors, so a misspelt field is not silently ignored.
func Parse(name string, data []byte) (*Protocol, error) {
	ev, err := evidence.Builtin()
	if err != nil {
		return nil, fmt.Errorf("evidence library: %w", err)
	}
	return parse(name, data, ev)
}

func parse(name string, data []byte, ev *evidence.Library) (*Protocol, error) {
	if len(data) > maxFileSize {
		return nil, &FieldError{File: name, Field: "(file)", Reason: fmt.Sprintf("%d bytes is larger than %d", len(data), maxFileSize)}
	}
	var p Protocol
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil {
		return nil, &FieldError{File: name, Field: "(yaml)", Reason: strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	var extra any
	if err := dec.Decode(&extra); err == nil {
		return nil, &FieldError{File: name, Field: "(yaml)", Reason: "more than one document: one protocol per file"}
	}
	p.File = name
	if err := validate(name, &p, ev); err != nil {
		return nil, err
	}
	return &p, nil
}

// Library is a set of protocols by ID: the built-in ones and any a clinic
// added.
type Library struct {
	byID     map[string]*Protocol
	evidence *evidence.Library
}

//go:embed data/*.yaml
var builtinFS embed.FS

var (
	builtinOnce sync.Once
	builtinLib  *Library
	builtinErr  error
)

// Builtin returns the protocols embedded in ketatrack (the seeds'
// protocols), parsed and validated once.
func Builtin() (*Library, error) {
	builtinOnce.Do(func() {
		ev, err := evidence.Builtin()
		if err != nil {
			builtinErr = fmt.Errorf("evidence library: %w", err)
			return
		}
		l := &Library{byID: map[string]*Protocol{}, evidence: ev}
		entries, err := fs.ReadDir(builtinFS, "data")
		if err != nil {
			builtinErr = err
			return
		}
		var errs []error
		for _, e := range entries {
			data, err := builtinFS.ReadFile("data/" + e.Name())
			if err != nil {
				errs = append(errs, err)
				continue
			}
			p, err := parse(e.Name(), data, ev)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			p.Builtin = true
			if err := l.add(p); err != nil {
				errs = append(errs, err)
			}
		}
		builtinLib, builtinErr = l, errors.Join(errs...)
	})
	return builtinLib, builtinErr
}

// add adds p, refusing a second protocol with the same ID and a file not
// named after its ID.
func (l *Library) add(p *Protocol) error {
	base := filepath.Base(p.File)
	if stem := strings.TrimSuffix(strings.TrimSuffix(base, ".yaml"), ".yml"); stem != p.ID {
		return &FieldError{File: p.File, Field: "id", Reason: fmt.Sprintf("%q does not match the file name (name the file %s.yaml)", p.ID, p.ID)}
	}
	if prev, ok := l.byID[p.ID]; ok {
		return &FieldError{File: p.File, Field: "id", Reason: fmt.Sprintf("%q is already defined by %s", p.ID, prev.File)}
	}
	l.byID[p.ID] = p
	return nil
}

// AddDir returns a new library with every *.yaml and *.yml protocol file in
// dir added to l's protocols (a clinic's own protocols). Each file is
// validated; an ID that is already in the library is an error, so a clinic
// cannot silently replace a cited protocol.
func (l *Library) AddDir(ctx context.Context, dir string) (*Library, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("protocols directory: %w", err)
	}
	out := &Library{byID: make(map[string]*Protocol, len(l.byID)), evidence: l.evidence}
	for id, p := range l.byID {
		out.byID[id] = p
	}
	var errs []error
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		name := e.Name()
		if e.IsDir() || !(strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")) {
			continue
		}
		path := filepath.Join(dir, name)
		info, err := e.Info()
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", path, err))
			continue
		}
		if info.Size() > maxFileSize {
			errs = append(errs, &FieldError{File: path, Field: "(file)", Reason: fmt.Sprintf("%d bytes is larger than %d", info.Size(), maxFileSize)})
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", path, err))
			continue
		}
		p, err := parse(path, data, l.evidence)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := out.add(p); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// Lookup returns the protocol with id.
func (l *Library) Lookup(id string) (*Protocol, bool) {
	p, ok := l.byID[id]
	return p, ok
}

// Protocols returns every protocol, sorted by ID.
func (l *Library) Protocols() []*Protocol {
	out := make([]*Protocol, 0, len(l.byID))
	for _, p := range l.byID {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// IDs returns every protocol ID, sorted.
func (l *Library) IDs() []string {
	ids := make([]string, 0, len(l.byID))
	for id := range l.byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Evidence returns the evidence library protocols link to.
func (l *Library) Evidence() *evidence.Library { return l.evidence }

// Plan looks up protocol id and expands it for req: the one call a caller
// such as `simulate --protocol` needs. An unknown id is an *InputError
// naming --protocol.
func (l *Library) Plan(id string, req Request) (*Plan, error) {
	p, ok := l.Lookup(id)
	if !ok {
		return nil, &InputError{Field: "--protocol", Reason: fmt.Sprintf("unknown protocol %q (ketatrack protocols lists them)", id)}
	}
	return Expand(p, req)
}
