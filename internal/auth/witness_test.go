package auth_test

import (
	"context"
	"strings"
	"testing"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/auth"
)

// TestWitnessIsCheckedLikeABadgeLogin: a witness's badge and PIN are
// checked as at the badge login — the typist's own badge, a safety
// officer, a wrong PIN are refused with their codes, each wrong PIN is
// audited and counted, and past the limit even the right PIN is 429.
func TestWitnessIsCheckedLikeABadgeLogin(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tech := f.user(t, "wtech1", auth.Technician)
	f.user(t, "wtech2", auth.Technician)
	f.user(t, "wsafe", auth.SafetyOfficer)
	const addr = "10.2.2.2:4000"
	w, err := f.svc.CheckWitness(ctx, tech.ID, "wtech2", "2468", addr)
	if err != nil || w.Username != "wtech2" {
		t.Fatalf("a colleague's badge and PIN: %+v %v", w, err)
	}
	_, err = f.svc.CheckWitness(ctx, tech.ID, "WTECH1", "2468", addr)
	wantErr(t, err, apperr.Refused, "witness_not_independent", "witness_badge")
	_, err = f.svc.CheckWitness(ctx, tech.ID, "WSAFE", "2468", addr)
	wantErr(t, err, apperr.Refused, "witness_not_allowed", "witness_badge")
	_, err = f.svc.CheckWitness(ctx, tech.ID, "NOBODY", "2468", addr)
	wantErr(t, err, apperr.Refused, "witness_failed", "witness_pin")
	for i := 0; i < 4; i++ {
		_, err = f.svc.CheckWitness(ctx, tech.ID, "WTECH2", "1111", addr)
		wantErr(t, err, apperr.Refused, "witness_failed", "witness_pin")
	}
	_, err = f.svc.CheckWitness(ctx, tech.ID, "WTECH2", "1111", addr)
	wantErr(t, err, apperr.TooMany, "too_many_attempts", "witness_pin")
	_, err = f.svc.CheckWitness(ctx, tech.ID, "WTECH2", "2468", addr)
	wantErr(t, err, apperr.TooMany, "too_many_attempts", "witness_pin")
	n := 0
	for _, e := range events(t, f.st, "auth.login_failed") {
		if string(e.Payload) != "" && strings.Contains(string(e.Payload), `"method":"witness"`) {
			n++
		}
	}
	if n < 6 {
		t.Fatalf("%d wrong witness attempts audited, want at least 6", n)
	}
}
