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
	// ReleaseThrottle lists the attempt counters that counted this
	// login before its secret was checked: a success gives its attempt back.
	ReleaseThrottle []string
	// Payload is the auth.login event's payload; the session id is added.
	Payload map[string]any
}

// StartSession records a login: the session, the return of its counted
// attempts and the auth.login event, in one transaction.
func (s *Store) StartSession(ctx context.Context, ns NewSession) (Session, error) {
	var out Session
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &out, s.q.CreateSession,
			ns.TokenHash, ns.UserID, ns.Tablet, int(ns.Idle/time.Second), ns.RemoteAddr, ns.At); err != nil {
			return Translate(err)
		}
		if len(ns.ReleaseThrottle) > 0 {
			if _, err := tx.ExecContext(ctx, s.q.ThrottleRelease, pq.StringArray(ns.ReleaseThrottle)); err != nil {
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
	if err := s.getHot(ctx, nil, &row, &s.st.sessionByToken, tokenHash); err != nil {
		return SessionUser{}, Translate(err)
	}
	su := row.SessionUser
	su.Roles = []string(row.Roles)
	su.LastSeen, su.CreatedAt = su.LastSeen.UTC(), su.CreatedAt.UTC()
	return su, nil
}

// TouchSession moves a session's last use forward to at (never back).
func (s *Store) TouchSession(ctx context.Context, id int64, at time.Time) error {
	_, err := s.DB.ExecContext(ctx, s.q.TouchSession, id, at)
	return Translate(err)
}

// EndSession ends a live session (logout) and records auth.logout; ending
// one that already ended is NotFound.
func (s *Store) EndSession(ctx context.Context, id int64, reason string, ch Change) error {
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		var userID int64
		if err := tx.GetContext(ctx, &userID, s.q.EndSession, id, ch.At, reason); err != nil {
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

// ThrottleKey is one attempt counter, such as "user:12" or
// "addr:10.0.0.7", and how many attempts it admits in a window.
type ThrottleKey struct {
	Key   string
	Limit int
}

// CountAttempt counts one attempt on every key before its secret is
// checked: in one transaction, each key's counter goes up by one unless it
// already holds Limit attempts in its window (an older window starts
// afresh). When a key is full nothing is counted at all and CountAttempt
// returns when that key's window ends; otherwise it returns the zero time
// and the counts after this attempt, in the order of keys. Concurrent
// attempts queue on each counter's row, so no two of them can both pass as
// the last one allowed.
func (s *Store) CountAttempt(ctx context.Context, keys []ThrottleKey, now time.Time, window time.Duration) (time.Time, []int, error) {
	var until time.Time
	counts := make([]int, len(keys))
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		for i, k := range keys {
			err := tx.GetContext(ctx, &counts[i], s.q.ThrottleAttempt, k.Key, now, int64(window/time.Second), k.Limit)
			if err == sql.ErrNoRows {
				var start time.Time
				if err := tx.GetContext(ctx, &start, s.q.ThrottleWindow, k.Key); err != nil {
					return Translate(err)
				}
				until = start.Add(window).UTC()
				return errThrottled
			}
			if err != nil {
				return Translate(err)
			}
		}
		return nil
	})
	if err == errThrottled {
		return until, nil, nil
	}
	return time.Time{}, counts, err
}

// errThrottled rolls back CountAttempt's transaction when a key is full.
var errThrottled = errors.New("throttled")

// ReleaseAttempt gives back one counted attempt on each of keys (a
// success is not a failure).
func (s *Store) ReleaseAttempt(ctx context.Context, keys []string) error {
	_, err := s.DB.ExecContext(ctx, s.q.ThrottleRelease, pq.StringArray(keys))
	return Translate(err)
}

// LoginFailure is a failed login or re-authentication to record.
type LoginFailure struct {
	At time.Time
	// LockedUntil is when the attempts this failure completed run out
	// (zero: not locked), recorded in the event.
	LockedUntil time.Time
	// Type is the audit event (auth.login_failed or auth.reauth_failed).
	Type    string
	ActorID *int64
	Payload map[string]any
}

// RecordLoginFailure records the audit event of a failed attempt (its
// count was taken by CountAttempt before the secret was checked).
func (s *Store) RecordLoginFailure(ctx context.Context, f LoginFailure) error {
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		payload := f.Payload
		if !f.LockedUntil.IsZero() {
			payload = map[string]any{"locked_until": f.LockedUntil.UTC().Format(time.RFC3339)}
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
}
