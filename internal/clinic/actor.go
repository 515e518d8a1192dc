package clinic

import "context"

// Actor is who is acting: the logged-in user of a request, or the operator
// of the command line (System). Every service method takes it from the
// context and checks rights with it.
type Actor struct {
	UserID    int64
	ClinicID  int64
	Login     string
	Name      string
	Role      Role
	PatientID int64 // the patient this user is, for RolePatient; 0 otherwise
	// System marks the operator at the command line (migrate, audit,
	// demo loading): they hold the database itself, so every right.
	System bool
	// RemoteAddr is the client address of the request, kept in the audit log.
	RemoteAddr string
}

// System is the actor of command-line operations.
var System = &Actor{System: true, Login: "system", Name: "System (command line)"}

type actorKey struct{}

// NewContext returns a copy of ctx that carries a.
func NewContext(ctx context.Context, a *Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx, or nil if there is none.
func ActorFrom(ctx context.Context) *Actor {
	a, _ := ctx.Value(actorKey{}).(*Actor)
	return a
}

// RequireActor returns the actor in ctx, or an EUNAUTHORIZED error if the
// request is anonymous.
func RequireActor(ctx context.Context) (*Actor, error) {
	if a := ActorFrom(ctx); a != nil {
		return a, nil
	}
	return nil, Errorf(EUNAUTHORIZED, "You must log in.")
}
