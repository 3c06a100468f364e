package auth

import (
	"context"
	"slices"
	"strings"

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
		return Witness{}, witnessRefusal("witness_required", "witness_badge", "the witness's badge is missing: the second person scans their badge")
	case pin == "":
		return Witness{}, witnessRefusal("witness_required", "witness_pin", "the witness's PIN is missing: the second person types their PIN")
	case len(badge) > 64 || len(pin) > maxSecret:
		return Witness{}, witnessRefusal("witness_failed", "witness_badge", "the witness's badge or PIN is too long")
	}
	// The stages of a badge login: find the badge's account, count the
	// attempt against it and the address, check the PIN.
	at, err := s.findAccount(ctx, Credentials{Badge: badge, PIN: pin}, true, remoteAddr)
	if err != nil {
		return Witness{}, err
	}
	if at.known && at.user.ID == actor {
		return Witness{}, witnessRefusal("witness_not_independent", "witness_badge",
			"the witness must be a second person: you cannot witness your own typed entry")
	}
	if err := s.countAttempt(ctx, at); err != nil {
		return Witness{}, asWitness(err)
	}
	ok, reason, err := s.checkCredentials(ctx, at)
	if err != nil {
		return Witness{}, err
	}
	u := at.user
	if ok && !slices.ContainsFunc(u.Roles, func(r string) bool { return slices.Contains(witnessRoles, r) }) {
		_ = s.st.ReleaseAttempt(ctx, at.counted)
		return Witness{}, witnessRefusal("witness_not_allowed", "witness_badge",
			"%s is not a technician or pharmacist: a typed entry is witnessed by someone who works at the hood", u.Username)
	}
	if ok {
		return Witness{UserID: u.ID, Username: u.Username}, s.st.ReleaseAttempt(ctx, at.counted)
	}
	f := store.LoginFailure{
		At: at.now, LockedUntil: s.lockedBy(at.keys, at.counts, at.now), Type: audit.TypeLoginFailed,
		Payload: map[string]any{"method": "witness", "identifier": redactedKey(badge), "reason": reason,
			"remote_addr": remoteHost(remoteAddr), "for_user_id": actor},
	}
	if at.known {
		f.ActorID = &u.ID
	}
	if err := s.st.RecordLoginFailure(ctx, f); err != nil {
		return Witness{}, err
	}
	if !f.LockedUntil.IsZero() {
		return Witness{}, asWitness(tooMany(f.LockedUntil, at.now))
	}
	return Witness{}, witnessRefusal("witness_failed", "witness_pin", "the witness's badge or PIN is wrong")
}

// asWitness puts a throttle's refusal on the witness's PIN field.
func asWitness(err error) error {
	if e, ok := err.(*apperr.Error); ok && e.Kind == apperr.TooMany {
		e.Field = "witness_pin"
	}
	return err
}

func witnessRefusal(code, field, format string, args ...any) error {
	e := apperr.WithCode(apperr.Refused, code, format, args...)
	e.Field = field
	return e
}
