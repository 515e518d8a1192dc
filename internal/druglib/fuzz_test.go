package druglib

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: a library file never panics the loader, and a file it accepts
// has a source on every bound and bounds in order.
func FuzzParse(f *testing.F) {
	f.Add(DefaultFile())
	files, _ := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := Parse("fuzz", data)
		if err != nil {
			return
		}
		for _, e := range l.Entries {
			for _, lim := range e.Limits {
				if err := lim.validate(); err != nil {
					t.Fatalf("accepted an invalid limit: %v", err)
				}
			}
		}
	})
}
