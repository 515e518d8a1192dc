package clinic

import (
	"strings"
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
