package apikey_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/apikey"
	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func TestKeys(t *testing.T) {
	ctx := context.Background()
	st := testdb.New(t)
	now := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	ks := apikey.New(st, func() time.Time { return now })
	admin, err := st.CreateUser(ctx, store.NewUser{Username: "admin9", Roles: []string{"admin"}}, store.Change{At: now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateUser(ctx, store.NewUser{Username: "nurse", Roles: []string{"pharmacist"}}, store.Change{At: now}); err != nil {
		t.Fatal(err)
	}
	// People log in; only interface accounts get keys.
	if _, err := ks.Create(ctx, "nurse", "x", admin.ID); !apperr.Is(err, apperr.Refused) {
		t.Fatalf("key for a pharmacist: %v", err)
	}
	for _, bad := range [][2]string{{"", "x"}, {"Bad Name!", "x"}, {"mirth", ""}} {
		if _, err := ks.Create(ctx, bad[0], bad[1], admin.ID); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("Create(%q, %q) = %v", bad[0], bad[1], err)
		}
	}
	c, err := ks.Create(ctx, "Mirth", "Mirth production", admin.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(c.Key, apikey.Prefix) || len(c.Key) < 40 || c.Info.Username != "mirth" {
		t.Fatalf("%+v", c)
	}
	p, err := ks.Authenticate(ctx, c.Key)
	if err != nil || p == nil || p.Username != "mirth" || !p.Has(auth.Interface) || p.Has(auth.Admin) {
		t.Fatalf("Authenticate = %+v, %v", p, err)
	}
	for _, wrong := range []string{c.Key + "x", c.Key[:len(c.Key)-1], "session-token", ""} {
		if p, err := ks.Authenticate(ctx, wrong); p != nil || err != nil {
			t.Errorf("Authenticate(%q) = %+v, %v", wrong, p, err)
		}
	}
	list, err := ks.List(ctx)
	if err != nil || len(list) != 1 || list[0].LastUsedAt == nil || strings.Contains(list[0].Prefix, c.Key[10:]) {
		t.Fatalf("List = %+v, %v", list, err)
	}
	if err := ks.Revoke(ctx, c.Info.ID, admin.ID); err != nil {
		t.Fatal(err)
	}
	if p, _ := ks.Authenticate(ctx, c.Key); p != nil {
		t.Fatal("a revoked key still authenticates")
	}
	if err := ks.Revoke(ctx, c.Info.ID, admin.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("second revoke: %v", err)
	}
}
