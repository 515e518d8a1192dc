package clinic

import (
	"strings"
	"sync"
	"testing"
)

// referenceHash was made by the reference implementation of Argon2
// (phc-winner-argon2, Debian package argon2 0~20171227) with ketatrack's
// parameters:
//
//	echo -n "correct horse battery" | argon2 "ketatrack-salt16" -id -t 2 -k 19456 -p 1 -l 32
const referenceHash = "$argon2id$v=19$m=19456,t=2,p=1$a2V0YXRyYWNrLXNhbHQxNg$F7C/68Q1pkJ7FfdVPDptfC92DI677ndmpnyiow3bYKo"

func TestVerifyPasswordAgainstReferenceImplementation(t *testing.T) {
	if !VerifyPassword(referenceHash, "correct horse battery") {
		t.Fatal("the reference implementation's hash does not verify")
	}
	for _, wrong := range []string{"", "correct horse batter", "Correct horse battery", "correct horse battery "} {
		if VerifyPassword(referenceHash, wrong) {
			t.Errorf("%q verifies", wrong)
		}
	}
}

// TestPasswordConcurrentVerifyBounded verifies from 100 goroutines at once,
// half with the right password: every answer is right and no more than
// maxConcurrentHashes argon2id computations ran at the same time.
func TestPasswordConcurrentVerifyBounded(t *testing.T) {
	const n = 100
	argonPeak.Store(0)
	got := make([]bool, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pw := "correct horse battery"
			if i%2 == 1 {
				pw = "wrong horse battery"
			}
			got[i] = VerifyPassword(referenceHash, pw)
		}()
	}
	wg.Wait()
	for i, ok := range got {
		if want := i%2 == 0; ok != want {
			t.Errorf("goroutine %d: verified %v, want %v", i, ok, want)
		}
	}
	peak := PeakConcurrentHashes()
	t.Logf("%d concurrent verifications: at most %d argon2id computations at once (bound %d)", n, peak, maxConcurrentHashes)
	if peak < 1 || peak > maxConcurrentHashes {
		t.Errorf("peak concurrent argon2id computations %d, want 1..%d", peak, maxConcurrentHashes)
	}
	if len(argonSlots) != 0 || argonInFlight.Load() != 0 {
		t.Errorf("after all returned: %d slots held, %d in flight, want 0", len(argonSlots), argonInFlight.Load())
	}
}

func TestHashPassword(t *testing.T) {
	h1, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := HashPassword("correct horse battery")
	if !strings.HasPrefix(h1, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q lacks the stated parameters", h1)
	}
	if h1 == h2 {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	if !VerifyPassword(h1, "correct horse battery") || VerifyPassword(h1, "wrong") {
		t.Error("hash does not verify its own password only")
	}
}

func TestVerifyPasswordRejectsMalformed(t *testing.T) {
	for _, h := range []string{
		"", "plain", "$argon2i$v=19$m=19456,t=2,p=1$a2V0$F7C",
		"$argon2id$v=16$m=19456,t=2,p=1$a2V0YXRyYWNrLXNhbHQxNg$F7C/68Q1pkJ7FfdVPDptfC92DI677ndmpnyiow3bYKo",
		"$argon2id$v=19$m=999999999,t=2,p=1$a2V0YXRyYWNrLXNhbHQxNg$F7C/68Q1pkJ7FfdVPDptfC92DI677ndmpnyiow3bYKo",
		"$argon2id$v=19$m=19456,t=0,p=1$a2V0YXRyYWNrLXNhbHQxNg$F7C/68Q1pkJ7FfdVPDptfC92DI677ndmpnyiow3bYKo",
		"$argon2id$v=19$m=19456,t=2,p=1$!!!$F7C/68Q1pkJ7FfdVPDptfC92DI677ndmpnyiow3bYKo",
		"$argon2id$v=19$m=19456,t=2,p=1$a2V0YXRyYWNrLXNhbHQxNg$",
	} {
		if VerifyPassword(h, "correct horse battery") {
			t.Errorf("malformed hash %q verifies", h)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	tests := []struct {
		pw string
		ok bool
	}{
		{"", false}, {"elevenchars", false}, {"twelve chars", true},
		{"ångström-ok!", true}, // 12 characters, 14 bytes: characters count
		{strings.Repeat("x", MaxPasswordLen), true}, {strings.Repeat("x", MaxPasswordLen+1), false},
	}
	for _, tt := range tests {
		err := CheckPassword(tt.pw)
		if (err == nil) != tt.ok || (err != nil && ErrorField(err) != "password") {
			t.Errorf("CheckPassword(%d chars) = %v", len(tt.pw), err)
		}
	}
}
