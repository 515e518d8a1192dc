package web

import (
	"slices"
	"strings"

	"github.com/ketatrack/ketatrack/internal/clinic"
)

// navItem is one entry of the main navigation.
type navItem struct {
	Label string
	Path  string
	Roles []clinic.Role // who sees it
	// Also are other paths whose pages belong to the entry (the evidence
	// library under Protocols).
	Also []string
	// Current is set per request: the page being shown is under Path.
	Current bool
}

var (
	everyone = []clinic.Role{clinic.RoleAdmin, clinic.RoleClinician, clinic.RoleNurse, clinic.RolePatient}
	staff    = []clinic.Role{clinic.RoleAdmin, clinic.RoleClinician, clinic.RoleNurse}
)

// navigation is the main menu, in order. A new page adds its entry here
// with the roles that see it; the route's access and the store's rights
// checks still decide what a user may actually do.
var navigation = []navItem{
	{Label: "Home", Path: "/", Roles: everyone},
	{Label: "Dashboard", Path: "/dashboard", Roles: staff},
	{Label: "Patients", Path: "/patients", Roles: staff},
	{Label: "Courses", Path: "/courses", Roles: staff},
	{Label: "Protocols", Path: "/protocols", Roles: staff, Also: []string{"/evidence"}},
	{Label: "Stock", Path: "/stock", Roles: staff},
	{Label: "Consent forms", Path: "/consent-forms", Roles: []clinic.Role{clinic.RoleAdmin, clinic.RoleClinician}},
	{Label: "My record", Path: "/me", Roles: []clinic.Role{clinic.RolePatient}},
	{Label: "My journal", Path: "/journal", Roles: []clinic.Role{clinic.RolePatient}},
	{Label: "Analytics", Path: "/analytics", Roles: []clinic.Role{clinic.RoleAdmin, clinic.RoleClinician}},
	{Label: "Users", Path: "/users", Roles: []clinic.Role{clinic.RoleAdmin}},
	{Label: "Audit log", Path: "/audit", Roles: []clinic.Role{clinic.RoleAdmin, clinic.RoleClinician}},
}

// navFor returns the entries a sees, marking the current one.
func navFor(a *clinic.Actor, current string) []navItem {
	if a == nil {
		return nil
	}
	var out []navItem
	for _, it := range navigation {
		if !slices.Contains(it.Roles, a.Role) {
			continue
		}
		for _, p := range append([]string{it.Path}, it.Also...) {
			it.Current = it.Current || current == p || (p != "/" && strings.HasPrefix(current, p+"/"))
		}
		out = append(out, it)
	}
	return out
}
