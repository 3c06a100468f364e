package auth

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/store"
)

// Witness is the second person who confirmed a typed entry at the hood.
type Witness struct {
	UserID   int64
	Username string
}

// witnessRoles are the roles whose holders may witness a typed entry: the
// people who work in or check the cleanroom.
var witnessRoles = []string{string(Technician), string(Pharmacist)}

// CheckWitness checks the badge and PIN of a second person confirming a
// typed scan or weight, exactly as a badge login is checked: each attempt
// is counted against the badge's account and the client address first,
// a wrong PIN is audited (method "witness"), and past the limit the answer
// is 429 too_many_attempts. actor is the person typing; the witness must
// be someone else, a technician or pharmacist. A wrong badge or PIN is 422
// witness_failed on witness_pin; the actor's own badge is 422
// witness_not_independent on witness_badge.
func (s *Service) CheckWitness(ctx context.Context, actor int64, badge, pin, remoteAddr string) (Witness, error) {
	badge = strings.ToUpper(strings.TrimSpace(badge))
	switch {
	case badge == "":
		return Witness{}, witnessField("witness_badge", "witness_required", "the witness's badge is missing: the second person scans their badge")
	case pin == "":
		return Witness{}, witnessField("witness_pin", "witness_required", "the witness's PIN is missing: the second person types their PIN")
	case len(badge) > 64 || len(pin) > maxSecret:
		return Witness{}, witnessField("witness_badge", "witness_failed", "the witness's badge or PIN is too long")
	}
	now := s.opt.Now().UTC()
	u, err := s.st.UserByBadge(ctx, badge)
	known := err == nil
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return Witness{}, err
	}
	if known && u.ID == actor {
		return Witness{}, witnessField("witness_badge", "witness_not_independent",
			"the witness must be a second person: you cannot witness your own typed entry")
	}
	acct := "badge:" + redactedKey(badge)
	if known {
		acct = userKey(u.ID)
	}
	keys := []store.ThrottleKey{{Key: acct, Limit: s.opt.Throttle.AccountLimit}}
	if k := addrKey(remoteAddr); k != "" {
		keys = append(keys, store.ThrottleKey{Key: k, Limit: s.opt.Throttle.AddressLimit})
	}
	until, counts, err := s.st.CountAttempt(ctx, keys, now, s.opt.Throttle.Window)
	if err != nil {
		return Witness{}, err
	}
	if !until.IsZero() {
		return Witness{}, witnessTooMany(until, now)
	}
	counted := make([]string, len(keys))
	for i, k := range keys {
		counted[i] = k.Key
	}
	ok, reason := false, "unknown_badge"
	if !known || u.PINHash == "" {
		s.burnTime(ctx, pin, true)
		if known {
			reason = "no_pin"
		}
	} else {
		if ok, err = s.checkSecret(ctx, u.PINHash, pin); err != nil {
			_ = s.st.ReleaseAttempt(ctx, counted)
			return Witness{}, apperr.Wrap(fmt.Errorf("user %d: %w", u.ID, err), "check the witness's PIN")
		}
		reason = "wrong_pin"
	}
	if ok && !u.Active {
		ok, reason = false, "deactivated"
	}
	if ok && !slices.ContainsFunc(u.Roles, func(r string) bool { return slices.Contains(witnessRoles, r) }) {
		_ = s.st.ReleaseAttempt(ctx, counted)
		return Witness{}, witnessField("witness_badge", "witness_not_allowed",
			"%s is not a technician or pharmacist: a typed entry is witnessed by someone who works at the hood", u.Username)
	}
	if ok {
		return Witness{UserID: u.ID, Username: u.Username}, s.st.ReleaseAttempt(ctx, counted)
	}
	f := store.LoginFailure{
		At: now, LockedUntil: s.lockedBy(keys, counts, now), Type: audit.TypeLoginFailed,
		Payload: map[string]any{"method": "witness", "identifier": redactedKey(badge), "reason": reason,
			"remote_addr": remoteHost(remoteAddr), "for_user_id": actor},
	}
	if known {
		f.ActorID = &u.ID
	}
	if err := s.st.RecordLoginFailure(ctx, f); err != nil {
		return Witness{}, err
	}
	if !f.LockedUntil.IsZero() {
		return Witness{}, witnessTooMany(f.LockedUntil, now)
	}
	return Witness{}, witnessField("witness_pin", "witness_failed", "the witness's badge or PIN is wrong")
}

func witnessTooMany(until, now time.Time) error {
	e := tooMany(until, now).(*apperr.Error)
	e.Field = "witness_pin"
	return e
}

func witnessField(field, code, format string, args ...any) error {
	e := apperr.WithCode(apperr.Refused, code, format, args...)
	e.Field = field
	return e
}
