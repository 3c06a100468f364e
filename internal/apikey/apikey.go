// Package apikey manages the long-lived API keys of interface accounts
// (the hospital's interface engine, a FHIR client): an admin creates one
// for an account that holds the interface role, sees it once, lists and
// revokes keys. Only the SHA-256 of a key is stored, so a copy of the
// database lets nobody in. A key is sent as a bearer token.
package apikey

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/store"
)

// Prefix starts every key, so that a key is recognised (and told apart from
// a session token) at a glance and by secret scanners.
const Prefix = "lmk_"

// touchEvery limits last-used writes to one per key per interval.
const touchEvery = time.Minute

// Service creates, lists, revokes and checks keys.
type Service struct {
	st  *store.Store
	now func() time.Time
}

// New returns the service; now is the clock (nil: time.Now).
func New(st *store.Store, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{st: st, now: now}
}

// Created is a new key: Key is shown once and never again.
type Created struct {
	Key  string       `json:"key"`
	Info store.APIKey `json:"api_key"`
}

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,39}$`)

// Create makes a key for the account username, creating that account
// (with only the interface role and no password) when there is none. An
// existing account must hold the interface role: people log in, machines
// use keys.
func (s *Service) Create(ctx context.Context, username, name string, by int64) (Created, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	name = strings.TrimSpace(name)
	if !usernameRE.MatchString(username) {
		return Created{}, apperr.InvalidField("username", "%q is not a username: 2 to 40 lower-case letters, digits, '.', '_' or '-'", username)
	}
	if name == "" || len(name) > 100 {
		return Created{}, apperr.InvalidField("name", "is required: what the key is for, e.g. \"Mirth production\" (at most 100 characters)")
	}
	now := s.now().UTC()
	u, err := s.st.UserByUsername(ctx, username)
	switch {
	case apperr.Is(err, apperr.NotFound):
		u, err = s.st.CreateUser(ctx, store.NewUser{Username: username, DisplayName: name, Roles: []string{string(auth.Interface)}},
			store.Change{ActorID: &by, At: now})
		if err != nil {
			return Created{}, err
		}
	case err != nil:
		return Created{}, err
	case !slices.Contains(u.Roles, string(auth.Interface)):
		return Created{}, apperr.WithCode(apperr.Refused, "not_interface_account",
			"%s does not hold the interface role; API keys are for interface accounts only", username)
	case !u.Active:
		return Created{}, apperr.WithCode(apperr.Refused, "inactive_account", "%s is deactivated", username)
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return Created{}, apperr.Wrap(err, "random key")
	}
	key := Prefix + base64.RawURLEncoding.EncodeToString(b)
	id, err := s.st.CreateAPIKey(ctx, u.ID, name, key[:len(Prefix)+6], hash(key), by, now)
	if err != nil {
		return Created{}, err
	}
	if err := s.log(ctx, "api_key.created", by, map[string]any{"api_key_id": id, "user_id": u.ID, "name": name}); err != nil {
		return Created{}, err
	}
	return Created{Key: key, Info: store.APIKey{ID: id, UserID: u.ID, Username: u.Username, Name: name, Prefix: key[:len(Prefix)+6], CreatedAt: now}}, nil
}

// List lists every key (never the keys themselves).
func (s *Service) List(ctx context.Context) ([]store.APIKey, error) { return s.st.APIKeys(ctx) }

// Revoke ends a key at once.
func (s *Service) Revoke(ctx context.Context, id, by int64) error {
	if err := s.st.RevokeAPIKey(ctx, id, by, s.now().UTC()); err != nil {
		return err
	}
	return s.log(ctx, "api_key.revoked", by, map[string]any{"api_key_id": id})
}

func (s *Service) log(ctx context.Context, typ string, by int64, payload map[string]any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return apperr.Wrap(err, "encode audit payload")
	}
	return s.st.InTx(ctx, func(tx *sqlx.Tx) error {
		_, err := audit.Append(ctx, tx, audit.Event{Type: typ, ActorID: &by, Payload: b})
		return err
	})
}

// Authenticate resolves a bearer token that is an API key: (nil, nil) for
// anything else, an unknown or revoked key, or a deactivated account.
func (s *Service) Authenticate(ctx context.Context, token string) (*auth.Principal, error) {
	if !strings.HasPrefix(token, Prefix) || len(token) > 128 {
		return nil, nil
	}
	u, err := s.st.APIKeyByHash(ctx, hash(token))
	if apperr.Is(err, apperr.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !u.Active {
		return nil, nil
	}
	now := s.now().UTC()
	if u.LastUsedAt == nil || now.Sub(*u.LastUsedAt) >= touchEvery {
		if err := s.st.TouchAPIKey(ctx, u.KeyID, now); err != nil {
			return nil, err
		}
	}
	p := &auth.Principal{UserID: u.UserID, Username: u.Username, SessionID: fmt.Sprintf("apikey:%d", u.KeyID)}
	for _, r := range u.Roles {
		p.Roles = append(p.Roles, auth.Role(r))
	}
	return p, nil
}

func hash(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}
