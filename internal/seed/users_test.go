package seed

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// The demo accounts the README lists log in by password and by badge.
func TestSeedUsersLogIn(t *testing.T) {
	st := testdb.New(t)
	ctx := context.Background()
	now := time.Date(2026, 6, 1, 7, 0, 0, 0, time.UTC)
	t0 := time.Now()
	if err := seedUsers(ctx, st, now); err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded %d users in %v", len(demoUsers), time.Since(t0))
	svc := auth.NewService(st, auth.Options{Now: func() time.Time { return now }})
	for _, u := range demoUsers {
		t.Run(u.username, func(t *testing.T) {
			t0 := time.Now()
			_, p, err := svc.Login(ctx, auth.Credentials{Username: u.username, Password: "demo-" + u.username}, "")
			took := time.Since(t0)
			if err != nil || p.Username != u.username || len(p.Roles) != 1 || p.Roles[0] != u.role {
				t.Fatalf("password login: %+v, %v", p, err)
			}
			_, p, err = svc.Login(ctx, auth.Credentials{Badge: strings.ToUpper(u.username), PIN: DemoPIN}, "")
			if err != nil || !p.Tablet || p.Username != u.username {
				t.Fatalf("badge login: %+v, %v", p, err)
			}
			t.Logf("password login took %v", took)
		})
	}
	es, err := audit.List(ctx, st.DB, audit.Filter{Types: []string{audit.TypeUserCreated}})
	if err != nil || len(es) != len(demoUsers) || es[0].ActorID != nil || !es[0].At.Equal(now) {
		t.Fatalf("user.created events %+v, %v", es, err)
	}
}
