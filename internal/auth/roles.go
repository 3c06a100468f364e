// Package auth is who may do what: users, roles, sessions, login throttling.
package auth

// Role is one of the jobs a user may hold; a user may hold several.
type Role string

// The roles a user may hold (docs/api.md lists what each may do).
const (
	Technician    Role = "technician"
	Pharmacist    Role = "pharmacist"
	SafetyOfficer Role = "safety_officer"
	Admin         Role = "admin"
	// Interface is the role of a machine client such as the hospital's EHR
	// interface engine, which may place orders.
	Interface Role = "interface"
)

// AllRoles lists every role, for role-matrix tests and validation.
var AllRoles = []Role{Technician, Pharmacist, SafetyOfficer, Admin, Interface}

// ValidRole reports whether r is a known role.
func ValidRole(r Role) bool {
	for _, x := range AllRoles {
		if x == r {
			return true
		}
	}
	return false
}

// Principal is the authenticated caller of a request.
type Principal struct {
	UserID   int64
	Username string
	Roles    []Role
	// SessionID identifies the session or API token used.
	SessionID string
	// Tablet is true for a badge + PIN session (shorter idle timeout).
	Tablet bool
}

// Has reports whether the principal holds any of roles.
func (p *Principal) Has(roles ...Role) bool {
	if p == nil {
		return false
	}
	for _, have := range p.Roles {
		for _, want := range roles {
			if have == want {
				return true
			}
		}
	}
	return false
}
