package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/store"
)

// setup creates a clinic whose administrator can log in with the printed
// password; a taken login or a missing flag is refused with exit 2 and
// creates nothing.
func TestSetupCreatesClinicAndAdmin(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "clinic.db")
	code, stdout, stderr := runCmd(t, "", "setup", "--db", db, "--clinic", "Riverside Pain Clinic", "--admin-login", "Ada", "--admin-name", "Ada Lovelace")
	if code != exitOK {
		t.Fatalf("status %d, stderr %q", code, stderr)
	}
	m := regexp.MustCompile(`login (\S+)  password (\S+)`).FindStringSubmatch(stdout)
	if m == nil || m[1] != "ada" {
		t.Fatalf("no login/password in %q", stdout)
	}

	ctx := context.Background()
	s, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sess, _, err := s.Login(ctx, clinic.LoginRequest{Login: "ada", Password: m[2], RemoteAddr: "127.0.0.1"})
	if err != nil || sess == nil {
		t.Fatalf("the printed password does not log in: %v", err)
	}

	code, _, stderr = runCmd(t, "", "setup", "--db", db, "--clinic", "Second clinic", "--admin-login", "ada", "--admin-name", "Someone Else")
	if code != exitBadInput || !strings.Contains(stderr, "--admin-login") {
		t.Errorf("taken login: status %d, stderr %q", code, stderr)
	}
	code, _, stderr = runCmd(t, "", "setup", "--db", db, "--clinic", "Third clinic", "--admin-name", "No Login")
	if code != exitBadInput || !strings.Contains(stderr, "--admin-login is required") {
		t.Errorf("missing login: status %d, stderr %q", code, stderr)
	}
	sys := clinic.NewContext(ctx, clinic.System)
	users, err := s.FindUsers(sys, clinic.UserFilter{})
	if err != nil || len(users) != 1 {
		t.Errorf("users after refused setups: %d, %v (want only ada)", len(users), err)
	}
	if _, err := s.FindClinicByID(sys, 2); clinic.ErrorCode(err) != clinic.ENOTFOUND {
		t.Errorf("a refused setup left a clinic behind: %v", err)
	}
}
