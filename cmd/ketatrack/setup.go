package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/ketatrack/ketatrack/internal/clinic"
	"github.com/ketatrack/ketatrack/internal/store"
)

func init() {
	register(&command{
		Name:     "setup",
		Synopsis: "setup --clinic NAME --admin-login LOGIN --admin-name NAME [--db URL]",
		Summary:  "Create a clinic and its first administrator (for a real clinic; --demo is for trying ketatrack). The administrator's password is generated and printed once; the administrator then creates the other users on the Users page.",
		Run:      runSetup,
	})
}

func runSetup(ctx context.Context, e *env, args []string) int {
	c := commands["setup"]
	fs := newFlagSet(e, c)
	dbURL := dbFlag(e, fs)
	clinicName := fs.String("clinic", "", "the clinic's name, e.g. \"Riverside Pain Clinic\" (required)")
	login := fs.String("admin-login", "", "the first administrator's login (required)")
	name := fs.String("admin-name", "", "the first administrator's full name (required)")
	pos, err := parseFlags(e, fs, args)
	if err != nil {
		return flagStatus(err)
	}
	if len(pos) > 0 {
		return fail(e, "setup", exitBadInput, fmt.Errorf("unexpected argument %q", pos[0]))
	}
	for _, f := range []struct{ flag, value string }{{"--clinic", *clinicName}, {"--admin-login", *login}, {"--admin-name", *name}} {
		if strings.TrimSpace(f.value) == "" {
			return fail(e, "setup", exitBadInput, fmt.Errorf("%s is required", f.flag))
		}
	}
	if _, err := store.ParseLocation(*dbURL); err != nil {
		return fail(e, "setup", exitBadInput, err)
	}
	db, _, err := openDB(ctx, *dbURL)
	if err != nil {
		return fail(e, "setup", exitFailure, err)
	}
	defer db.Close()

	ctx = clinic.NewContext(ctx, clinic.System)
	pw, err := clinic.GeneratePassword()
	if err != nil {
		return fail(e, "setup", exitFailure, err)
	}
	cl := &clinic.Clinic{Name: strings.TrimSpace(*clinicName)}
	admin := &clinic.User{Login: *login, Name: strings.TrimSpace(*name), Role: clinic.RoleAdmin}
	// Check the administrator before the clinic is created, so that a bad or
	// taken login leaves no clinic without an administrator behind.
	admin.Login = clinic.NormalizeLogin(admin.Login)
	if err := admin.Validate(); err != nil {
		return fail(e, "setup", exitBadInput, fmt.Errorf("administrator: %w", err))
	}
	taken, err := loginTaken(ctx, db, admin.Login)
	if err != nil {
		return fail(e, "setup", exitFailure, err)
	}
	if taken {
		return fail(e, "setup", exitBadInput, fmt.Errorf("--admin-login: %q is taken (logins are unique across clinics)", admin.Login))
	}
	if err := db.CreateClinic(ctx, cl); err != nil {
		return fail(e, "setup", setupStatus(err), err)
	}
	admin.ClinicID = cl.ID
	if err := db.CreateUser(ctx, admin, pw); err != nil {
		return fail(e, "setup", setupStatus(err), fmt.Errorf("clinic %q (id %d) was created, but its administrator was not: %w; run setup again with another login", cl.Name, cl.ID, err))
	}
	fmt.Fprintf(e.Stdout, "clinic %q created (id %d)\nadministrator %s (%s): login %s  password %s\n", cl.Name, cl.ID, admin.Name, admin.Role, admin.Login, pw)
	fmt.Fprintln(e.Stdout, "The password is shown only now: change it on the Account page after logging in.")
	return exitOK
}

// loginTaken reports whether any clinic has a user with this login.
func loginTaken(ctx context.Context, db *store.DB, login string) (bool, error) {
	const page = 1000
	for off := 0; ; off += page {
		users, err := db.FindUsers(ctx, clinic.UserFilter{Offset: off, Limit: page})
		if err != nil {
			return false, err
		}
		for _, u := range users {
			if u.Login == login {
				return true, nil
			}
		}
		if len(users) < page {
			return false, nil
		}
	}
}

// setupStatus is 2 for what the operator typed (invalid, conflict), 1 for
// anything else.
func setupStatus(err error) int {
	switch clinic.ErrorCode(err) {
	case clinic.EINVALID, clinic.ECONFLICT:
		return exitBadInput
	}
	return exitFailure
}
