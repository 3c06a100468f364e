package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/audit"
)

// User is an account as stored. The hashes are argon2id PHC strings and
// never leave the server: they have no JSON form.
type User struct {
	ID            int64
	Username      string
	DisplayName   string
	Roles         []string
	PasswordHash  string `json:"-"`
	Badge         string
	PINHash       string `json:"-"`
	Active        bool
	CreatedAt     time.Time
	UpdatedAt     time.Time
	DeactivatedAt *time.Time
}

// userRow is User as scanned; NULL secrets become "".
type userRow struct {
	ID            int64          `db:"id"`
	Username      string         `db:"username"`
	DisplayName   string         `db:"display_name"`
	Roles         pq.StringArray `db:"roles"`
	PasswordHash  sql.NullString `db:"password_hash"`
	Badge         sql.NullString `db:"badge"`
	PINHash       sql.NullString `db:"pin_hash"`
	Active        bool           `db:"active"`
	CreatedAt     time.Time      `db:"created_at"`
	UpdatedAt     time.Time      `db:"updated_at"`
	DeactivatedAt *time.Time     `db:"deactivated_at"`
}

func (r userRow) user() User {
	return User{
		ID: r.ID, Username: r.Username, DisplayName: r.DisplayName, Roles: []string(r.Roles),
		PasswordHash: r.PasswordHash.String, Badge: r.Badge.String, PINHash: r.PINHash.String,
		Active: r.Active, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), DeactivatedAt: utcPtr(r.DeactivatedAt),
	}
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// NewUser is an account to create. Username and Badge must already be
// normalised (lower-case, upper-case); the secrets arrive hashed.
type NewUser struct {
	Username     string
	DisplayName  string
	Roles        []string
	PasswordHash string
	Badge        string
	PINHash      string
}

// Change says who changes an account, when; it becomes the audit event's
// actor and time.
type Change struct {
	ActorID *int64
	At      time.Time
}

// CreateUser stores a new account and records user.created in the same
// transaction.
func (s *Store) CreateUser(ctx context.Context, nu NewUser, ch Change) (User, error) {
	var u User
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		var r userRow
		if err := tx.GetContext(ctx, &r, s.q.CreateUser,
			nu.Username, nu.DisplayName, pq.StringArray(nu.Roles), nullString(nu.PasswordHash),
			nullString(nu.Badge), nullString(nu.PINHash), ch.At); err != nil {
			return Translate(err)
		}
		u = r.user()
		return appendUserEvent(ctx, tx, audit.TypeUserCreated, ch, map[string]any{
			"user_id": u.ID, "username": u.Username, "roles": u.Roles,
			"password_set": u.PasswordHash != "", "badge": u.Badge, "pin_set": u.PINHash != "",
		})
	})
	return u, err
}

// CommonHashCost returns the cost segment ("m=65536,t=1,p=2") that most
// active accounts' password (pin false) or PIN hashes carry; "" when none.
func (s *Store) CommonHashCost(ctx context.Context, pin bool) (string, error) {
	var cost string
	err := s.DB.GetContext(ctx, &cost, s.q.CommonHashCost, pin)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return cost, Translate(err)
}

// UserByID returns one account (NotFound when there is none).
func (s *Store) UserByID(ctx context.Context, id int64) (User, error) {
	return s.getUser(ctx, s.q.GetUser, id)
}

// UserByUsername returns the account of a (lower-case) username.
func (s *Store) UserByUsername(ctx context.Context, username string) (User, error) {
	return s.getUser(ctx, s.q.GetUserByUsername, username)
}

// UserByBadge returns the account of an (upper-case) badge.
func (s *Store) UserByBadge(ctx context.Context, badge string) (User, error) {
	return s.getUser(ctx, s.q.GetUserByBadge, badge)
}

func (s *Store) getUser(ctx context.Context, query string, arg any) (User, error) {
	var r userRow
	if err := s.DB.GetContext(ctx, &r, query, arg); err != nil {
		err = Translate(err)
		if apperr.Is(err, apperr.NotFound) {
			return User{}, apperr.WithCode(apperr.NotFound, "user_not_found", "no such user")
		}
		return User{}, err
	}
	return r.user(), nil
}

// Users lists every account, deactivated ones included, by username.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	var rows []userRow
	if err := s.DB.SelectContext(ctx, &rows, s.q.ListUsers); err != nil {
		return nil, Translate(err)
	}
	out := make([]User, len(rows))
	for i, r := range rows {
		out[i] = r.user()
	}
	return out, nil
}

// SetUserRoles replaces an account's roles and records user.roles_changed
// with the roles before and after.
func (s *Store) SetUserRoles(ctx context.Context, id int64, roles []string, ch Change) (User, error) {
	return s.changeUser(ctx, id, func(tx *sqlx.Tx, before User) (User, error) {
		var r userRow
		if err := tx.GetContext(ctx, &r, s.q.SetUserRoles, id, pq.StringArray(roles), ch.At); err != nil {
			return User{}, Translate(err)
		}
		after := r.user()
		return after, appendUserEvent(ctx, tx, audit.TypeRolesChanged, ch, map[string]any{
			"user_id": id, "username": after.Username, "from": before.Roles, "to": after.Roles,
		})
	})
}

// SetUserPassword stores a new password hash, ends the account's sessions
// (a reset usually follows a leak) and records user.password_reset.
func (s *Store) SetUserPassword(ctx context.Context, id int64, hash string, ch Change) (User, error) {
	return s.changeUser(ctx, id, func(tx *sqlx.Tx, before User) (User, error) {
		var r userRow
		if err := tx.GetContext(ctx, &r, s.q.SetUserPassword, id, hash, ch.At); err != nil {
			return User{}, Translate(err)
		}
		ended, err := endUserSessions(ctx, tx, s.q.EndUserSessions, id, ch.At, "password_reset")
		if err != nil {
			return User{}, err
		}
		return r.user(), appendUserEvent(ctx, tx, audit.TypePasswordReset, ch, map[string]any{
			"user_id": id, "username": before.Username, "sessions_ended": ended,
		})
	})
}

// SetUserPIN stores a new PIN hash (and badge, when badge is not empty),
// ends the account's sessions and records user.pin_reset.
func (s *Store) SetUserPIN(ctx context.Context, id int64, badge, pinHash string, ch Change) (User, error) {
	return s.changeUser(ctx, id, func(tx *sqlx.Tx, before User) (User, error) {
		var r userRow
		if err := tx.GetContext(ctx, &r, s.q.SetUserPIN, id, nullString(badge), pinHash, ch.At); err != nil {
			return User{}, Translate(err)
		}
		ended, err := endUserSessions(ctx, tx, s.q.EndUserSessions, id, ch.At, "pin_reset")
		if err != nil {
			return User{}, err
		}
		after := r.user()
		return after, appendUserEvent(ctx, tx, audit.TypePINReset, ch, map[string]any{
			"user_id": id, "username": before.Username, "badge": after.Badge,
			"badge_changed": after.Badge != before.Badge, "sessions_ended": ended,
		})
	})
}

// DeactivateUser disables an account for good (it is never deleted: the
// log refers to it), ends its live sessions and records user.deactivated.
func (s *Store) DeactivateUser(ctx context.Context, id int64, ch Change) (User, error) {
	return s.changeUser(ctx, id, func(tx *sqlx.Tx, before User) (User, error) {
		if !before.Active {
			return User{}, apperr.WithCode(apperr.Conflict, "already_deactivated", "user %s is already deactivated", before.Username)
		}
		var r userRow
		if err := tx.GetContext(ctx, &r, s.q.DeactivateUser, id, ch.At); err != nil {
			return User{}, Translate(err)
		}
		ended, err := endUserSessions(ctx, tx, s.q.EndUserSessions, id, ch.At, "deactivated")
		if err != nil {
			return User{}, err
		}
		return r.user(), appendUserEvent(ctx, tx, audit.TypeDeactivated, ch, map[string]any{
			"user_id": id, "username": before.Username, "sessions_ended": ended,
		})
	})
}

// changeUser locks the account, hands its current state to fn and commits
// fn's change with its audit event.
func (s *Store) changeUser(ctx context.Context, id int64, fn func(tx *sqlx.Tx, before User) (User, error)) (User, error) {
	var out User
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		var r userRow
		if err := tx.GetContext(ctx, &r, s.q.GetUserForUpdate, id); err != nil {
			err = Translate(err)
			if apperr.Is(err, apperr.NotFound) {
				return apperr.WithCode(apperr.NotFound, "user_not_found", "no user with id %d", id)
			}
			return err
		}
		var err error
		out, err = fn(tx, r.user())
		return err
	})
	return out, err
}

func endUserSessions(ctx context.Context, tx *sqlx.Tx, query string, userID int64, at time.Time, reason string) (int64, error) {
	res, err := tx.ExecContext(ctx, query, userID, at, reason)
	if err != nil {
		return 0, Translate(err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// appendUserEvent writes an account event; it runs last in its transaction
// because audit.Append holds the chain lock until commit.
func appendUserEvent(ctx context.Context, tx *sqlx.Tx, typ string, ch Change, payload map[string]any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return apperr.Wrap(err, "encode audit payload")
	}
	if _, err := audit.Append(ctx, tx, audit.Event{Type: typ, ActorID: ch.ActorID, At: ch.At, Payload: b}); err != nil {
		return Translate(err)
	}
	return nil
}
