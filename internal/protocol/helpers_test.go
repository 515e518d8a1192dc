package protocol

import (
	"testing"

	"github.com/ketatrack/ketatrack/internal/units"
)

func mustWeight(t *testing.T, s string) units.BodyWeight {
	t.Helper()
	w, err := units.ParseBodyWeight("weight", s)
	if err != nil {
		t.Fatal(err)
	}
	return w
}
