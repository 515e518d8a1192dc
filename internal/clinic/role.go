package clinic

// Role is what a user does in the clinic; it decides what they may see and do.
type Role string

// The four roles of shared/PRODUCT.md ("Who uses it").
const (
	RoleAdmin     Role = "admin"     // clinic admin or researcher: users, roles, audit, exports, backups
	RoleClinician Role = "clinician" // pain physician: diagnoses, screens, signs plans
	RoleNurse     Role = "nurse"     // infusion nurse: runs sessions and charts them
	RolePatient   Role = "patient"   // reaches only their own record and journal
)

// Roles lists every role, staff first.
var Roles = []Role{RoleAdmin, RoleClinician, RoleNurse, RolePatient}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool {
	switch r {
	case RoleAdmin, RoleClinician, RoleNurse, RolePatient:
		return true
	}
	return false
}

// IsStaff reports whether r works for the clinic (every role but patient).
func (r Role) IsStaff() bool {
	return r == RoleAdmin || r == RoleClinician || r == RoleNurse
}

// Label is the role's name for people.
func (r Role) Label() string {
	switch r {
	case RoleAdmin:
		return "Administrator"
	case RoleClinician:
		return "Clinician"
	case RoleNurse:
		return "Nurse"
	case RolePatient:
		return "Patient"
	}
	return string(r)
}
