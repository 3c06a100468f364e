package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/audit"
)

// Session is a login, identified by the SHA-256 of its token (the token
// itself is never stored).
type Session struct {
	ID          int64      `db:"id"`
	UserID      int64      `db:"user_id"`
	Tablet      bool       `db:"tablet"`
	IdleSeconds int        `db:"idle_seconds"`
	RemoteAddr  string     `db:"remote_addr"`
	CreatedAt   time.Time  `db:"created_at"`
	LastSeen    time.Time  `db:"last_seen"`
	EndedAt     *time.Time `db:"ended_at"`
}

// SessionUser is a session with its user's current name, roles and state.
type SessionUser struct {
	Session
	Username string   `db:"username"`
	Roles    []string `db:"-"`
	Active   bool     `db:"active"`
}

// NewSession is a successful login to record.
type NewSession struct {
	TokenHash  []byte
	UserID     int64
	Tablet     bool
	Idle       time.Duration
	RemoteAddr string
	At         time.Time
	// ClearThrottle lists the failed-login counters a success resets.
	ClearThrottle []string
	// Payload is the auth.login event's payload; the session id is added.
	Payload map[string]any
}

// StartSession records a login: the session, the reset of the account's
// failure counter and the auth.login event, in one transaction.
func (s *Store) StartSession(ctx context.Context, ns NewSession) (Session, error) {
	var out Session
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &out, s.Query("create-session"),
			ns.TokenHash, ns.UserID, ns.Tablet, int(ns.Idle/time.Second), ns.RemoteAddr, ns.At); err != nil {
			return Translate(err)
		}
		if len(ns.ClearThrottle) > 0 {
			if _, err := tx.ExecContext(ctx, s.Query("throttle-clear"), pq.StringArray(ns.ClearThrottle)); err != nil {
				return Translate(err)
			}
		}
		payload := map[string]any{"session_id": out.ID}
		for k, v := range ns.Payload {
			payload[k] = v
		}
		return appendUserEvent(ctx, tx, audit.TypeLogin, Change{ActorID: &ns.UserID, At: ns.At}, payload)
	})
	out.CreatedAt, out.LastSeen = out.CreatedAt.UTC(), out.LastSeen.UTC()
	return out, err
}

// SessionByToken returns the session of a token hash with its user
// (NotFound when there is none; ended sessions are returned, with EndedAt).
func (s *Store) SessionByToken(ctx context.Context, tokenHash []byte) (SessionUser, error) {
	var row struct {
		SessionUser
		Roles pq.StringArray `db:"roles"`
	}
	if err := s.DB.GetContext(ctx, &row, s.Query("get-session-by-token"), tokenHash); err != nil {
		return SessionUser{}, Translate(err)
	}
	su := row.SessionUser
	su.Roles = []string(row.Roles)
	su.LastSeen, su.CreatedAt = su.LastSeen.UTC(), su.CreatedAt.UTC()
	return su, nil
}

// TouchSession moves a session's last use forward to at (never back).
func (s *Store) TouchSession(ctx context.Context, id int64, at time.Time) error {
	_, err := s.DB.ExecContext(ctx, s.Query("touch-session"), id, at)
	return Translate(err)
}

// EndSession ends a live session (logout) and records auth.logout; ending
// one that already ended is NotFound.
func (s *Store) EndSession(ctx context.Context, id int64, reason string, ch Change) error {
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		var userID int64
		if err := tx.GetContext(ctx, &userID, s.Query("end-session"), id, ch.At, reason); err != nil {
			err = Translate(err)
			if apperr.Is(err, apperr.NotFound) {
				return apperr.WithCode(apperr.NotFound, "session_not_found", "the session has already ended")
			}
			return err
		}
		return appendUserEvent(ctx, tx, audit.TypeLogout, ch, map[string]any{
			"session_id": id, "user_id": userID, "reason": reason,
		})
	})
}

// LoginLocks returns, for those of keys locked at now, when they unlock.
func (s *Store) LoginLocks(ctx context.Context, keys []string, now time.Time) (map[string]time.Time, error) {
	rows, err := s.DB.QueryContext(ctx, s.Query("throttle-locks"), pq.StringArray(keys), now)
	if err != nil {
		return nil, Translate(err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var k string
		var until time.Time
		if err := rows.Scan(&k, &until); err != nil {
			return nil, Translate(err)
		}
		out[k] = until.UTC()
	}
	return out, Translate(rows.Err())
}

// LoginFailure is a failed login or re-authentication to record.
type LoginFailure struct {
	// Keys are the counters to bump, such as "user:12" and "addr:10.0.0.7".
	Keys []string
	At   time.Time
	// Window is how long failures are remembered.
	Window time.Duration
	// LockFor says how long a key with this many failures in the window is
	// locked (0: not locked).
	LockFor func(key string, failures int) time.Duration
	// Event is the audit event (auth.login_failed or auth.reauth_failed).
	Type    string
	ActorID *int64
	Payload map[string]any
}

// RecordLoginFailure bumps the counters, locks those over their limit and
// records the event, in one transaction shared by every server instance. It
// returns the latest time a key is now locked until (zero: none).
func (s *Store) RecordLoginFailure(ctx context.Context, f LoginFailure) (time.Time, error) {
	var lockedUntil time.Time
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		for _, k := range f.Keys {
			var failures int
			if err := tx.GetContext(ctx, &failures, s.Query("throttle-fail"), k, f.At, int64(f.Window/time.Second)); err != nil {
				return Translate(err)
			}
			if d := f.LockFor(k, failures); d > 0 {
				until := f.At.Add(d)
				if _, err := tx.ExecContext(ctx, s.Query("throttle-lock"), k, until); err != nil {
					return Translate(err)
				}
				if until.After(lockedUntil) {
					lockedUntil = until
				}
			}
		}
		payload := f.Payload
		if !lockedUntil.IsZero() {
			payload = map[string]any{"locked_until": lockedUntil.UTC().Format(time.RFC3339)}
			for k, v := range f.Payload {
				payload[k] = v
			}
		}
		b, err := json.Marshal(payload)
		if err != nil {
			return apperr.Wrap(err, "encode audit payload")
		}
		_, err = audit.Append(ctx, tx, audit.Event{Type: f.Type, ActorID: f.ActorID, At: f.At, Payload: b})
		return Translate(err)
	})
	return lockedUntil, err
}
