package web

import (
	"testing"
	"time"
)

func TestIPLimiter(t *testing.T) {
	now := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	l := newIPLimiter(10, 10)
	l.now = func() time.Time { return now }
	for i := range 10 {
		if !l.allow("a") {
			t.Fatalf("attempt %d refused within the burst", i+1)
		}
	}
	if l.allow("a") {
		t.Fatal("11th attempt allowed")
	}
	if !l.allow("b") {
		t.Fatal("another address is limited too")
	}
	now = now.Add(6 * time.Second) // 10 per minute: one token per 6 s
	if !l.allow("a") || l.allow("a") {
		t.Fatal("refill is not one token per 6 s")
	}
	l.refund("a")
	if !l.allow("a") {
		t.Fatal("a refunded token cannot be used")
	}
}
