package auth

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/testdb"
)

func TestAddrKey(t *testing.T) {
	for in, want := range map[string]string{
		"10.0.0.7:51234": "addr:10.0.0.7",
		"10.0.0.7":       "addr:10.0.0.7",
		"[::1]:8080":     "addr:::1",
		"":               "",
		"  ":             "",
	} {
		if got := addrKey(in); got != want {
			t.Errorf("addrKey(%q) = %q; want %q", in, got, want)
		}
	}
}

// At most a few argon2 runs at once; a waiting login gives up with its
// request rather than queueing forever.
func TestHashingIsBounded(t *testing.T) {
	s := NewService(nil, Options{Hash: FastParams})
	if cap(s.hashing) < 2 {
		t.Fatalf("bound %d", cap(s.hashing))
	}
	for range cap(s.hashing) {
		s.hashing <- struct{}{}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := s.hashSecret(ctx, "secret-1"); !apperr.Is(err, apperr.Unavailable) {
		t.Fatalf("hash with every slot taken: %v; want unavailable", err)
	}
	if _, err := s.checkSecret(ctx, "x", "y"); !apperr.Is(err, apperr.Unavailable) {
		t.Fatalf("check with every slot taken: %v; want unavailable", err)
	}
	<-s.hashing
	h, err := s.hashSecret(context.Background(), "secret-1")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := s.checkSecret(context.Background(), h, "secret-1"); !ok || err != nil {
		t.Fatalf("check after a slot freed: %v %v", ok, err)
	}
	if len(s.hashing) != cap(s.hashing)-1 {
		t.Fatalf("%d slots taken after the calls; want %d (slots leak)", len(s.hashing), cap(s.hashing)-1)
	}
}

// The measurement that found it: a wrong password for a demo account (a
// cheap hash) answered in 9 ms, an unknown name (checked against a hash at
// the production cost) in 30–130 ms. The stand-in for an unknown name now
// costs what most accounts' hashes cost, whatever the service's own cost.
func TestUnknownNameCostsWhatAnAccountCosts(t *testing.T) {
	st := testdb.New(t)
	ctx := context.Background()
	svc := NewService(st, Options{Hash: DefaultParams})
	if got := costOf(t, svc.standIn(ctx, false)); got != DefaultParams {
		t.Fatalf("with no accounts the stand-in costs %+v; want the service's %+v", got, DefaultParams)
	}
	demo := NewService(st, Options{Hash: DemoParams})
	for i := range 3 {
		if _, err := demo.Provision(ctx, NewUser{Username: fmt.Sprint("demo", i), Roles: []Role{Technician}, Password: "demo-password", Badge: fmt.Sprint("D", i), PIN: "2468"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, pin := range []bool{false, true} {
		if got := costOf(t, svc.standIn(ctx, pin)); got != DemoParams {
			t.Fatalf("pin %v: the stand-in costs %+v; the accounts' hashes cost %+v", pin, got, DemoParams)
		}
	}
}

func costOf(t *testing.T, hash string) Params {
	t.Helper()
	p, salt, key, err := decodeHash(hash)
	if err != nil {
		t.Fatal(err)
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p
}
