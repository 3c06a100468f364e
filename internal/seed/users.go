package seed

import (
	"context"
	"strings"
	"time"

	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/store"
)

// DemoPIN is the PIN of every demo badge.
const DemoPIN = "2468"

// demoUsers are the demo accounts the README lists.
var demoUsers = []struct {
	username, name string
	role           auth.Role
}{
	{"tech1", "Tech One", auth.Technician},
	{"tech2", "Tech Two", auth.Technician},
	{"pharm1", "Pharmacist One", auth.Pharmacist},
	{"pharm2", "Pharmacist Two", auth.Pharmacist},
	{"safety1", "Safety Officer", auth.SafetyOfficer},
	{"admin1", "Admin One", auth.Admin},
}

// seedUsers creates the demo accounts: password demo-<username>, badge
// <USERNAME>, PIN 2468. Each creation is a user.created event in the log.
// Their secrets are public, so they are hashed at the cheap DemoParams.
func seedUsers(ctx context.Context, st *store.Store, now time.Time) error {
	svc := auth.NewService(st, auth.Options{Now: func() time.Time { return now }, Hash: auth.DemoParams})
	for _, u := range demoUsers {
		if _, err := svc.Provision(ctx, auth.NewUser{
			Username: u.username, DisplayName: u.name, Roles: []auth.Role{u.role},
			Password: "demo-" + u.username, Badge: strings.ToUpper(u.username), PIN: DemoPIN,
		}); err != nil {
			return err
		}
	}
	return nil
}
