package auth

import (
	"context"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/apperr"
)

func TestLockFor(t *testing.T) {
	th := DefaultThrottle
	cases := []struct {
		key      string
		failures int
		want     time.Duration
	}{
		{"user:1", 1, 0},
		{"user:1", 4, 0},
		{"user:1", 5, 30 * time.Second},
		{"user:1", 6, time.Minute},
		{"user:1", 7, 2 * time.Minute},
		{"user:1", 10, 15 * time.Minute},
		{"user:1", 1000, 15 * time.Minute},
		{"name:nobody", 5, 30 * time.Second},
		{"addr:10.0.0.1", 5, 0},
		{"addr:10.0.0.1", 19, 0},
		{"addr:10.0.0.1", 20, 30 * time.Second},
		{"addr:10.0.0.1", 21, time.Minute},
	}
	for _, c := range cases {
		if got := th.lockFor(c.key, c.failures); got != c.want {
			t.Errorf("lockFor(%s, %d) = %v; want %v", c.key, c.failures, got, c.want)
		}
	}
}

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
