// Package audit is the tamper-evident compounding log: an append-only table
// of events in which every row carries the SHA-256 of its canonical content,
// and that content includes the previous row's hash. Altering, removing or
// inserting a row therefore breaks the chain at that row, and Verify names
// it.
//
// Append queues an event in the caller's transaction without touching the
// chain, so that the event commits or rolls back with the change it
// records. After the commit, a seal (Seal, Sealer) chains every committed
// queued event at once: it numbers, times and hashes each under the lock
// of the single chain-head row, so the chain never forks, and concurrent
// changes neither hold the head across their round trips nor commit one
// after another behind it. A transaction that appended commits without
// waiting for its WAL flush; the seal's commit, later in the WAL, waits
// for its flush and so makes the whole group durable with one write to
// disk. The store answers a change only after a seal that began after its
// commit: an acknowledged change is durable and has its events in the
// chain. Events queued by a server that stopped before its seal are
// chained by the next seal of any server, at the latest at start-up.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/laminar-rx/laminar/internal/apperr"
)

// Event is one entry of the compounding log.
type Event struct {
	ID            int64
	Type          string
	ActorID       *int64
	At            time.Time
	PreparationID *int64
	Payload       json.RawMessage
	PrevHash      string
	Hash          string
}

// AppendOnlyTables are the log's tables: the server's database role may
// read them but write only through audit_enqueue and audit_seal_pending,
// which run as their owner.
var AppendOnlyTables = []string{"audit_events", "audit_head", "audit_pending"}

// GenesisHash is the prev_hash of the first event of the log.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// The event types written by the auth package; other packages define their own.
const (
	TypeLogin         = "auth.login"
	TypeLoginFailed   = "auth.login_failed"
	TypeLogout        = "auth.logout"
	TypeReauthFailed  = "auth.reauth_failed"
	TypeUserCreated   = "user.created"
	TypeRolesChanged  = "user.roles_changed"
	TypePasswordReset = "user.password_reset"
	TypePINReset      = "user.pin_reset"
	TypeDeactivated   = "user.deactivated"
)

// typePattern keeps event types greppable: lower-case dotted words such as
// "auth.login" or "preparation.scan_refused".
var typePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$`)

// Append queues e in tx (the caller's transaction); the commit chains it to
// the last event. It returns e as queued: the canonical payload, and At
// when the caller gave one; the ID, the hashes and (without a given time)
// At are set by the seal at commit and can be read from the log after it.
func Append(ctx context.Context, tx *sqlx.Tx, e Event) (Event, error) {
	return AppendPrepared(ctx, tx, nil, e)
}

// AppendPrepared is Append with the enqueue statement (EnqueueSQL)
// prepared once by the caller, as the store does for its hot path; nil
// runs the query text.
func AppendPrepared(ctx context.Context, tx *sqlx.Tx, enqueue *sqlx.Stmt, e Event) (Event, error) {
	if tx == nil {
		return Event{}, apperr.Wrap(fmt.Errorf("audit.Append needs the caller's transaction"), "audit append")
	}
	if len(e.Type) > 100 || !typePattern.MatchString(e.Type) {
		return Event{}, apperr.InvalidField("type", "event type %q is not lower-case dotted words such as auth.login", e.Type)
	}
	payload, err := CanonicalPayload(e.Payload)
	if err != nil {
		return Event{}, err
	}
	var at any // nil: the database clock, read when the event is sealed
	if !e.At.IsZero() {
		e.At = e.At.UTC().Truncate(time.Microsecond) // what timestamptz keeps
		at = e.At
	}
	// At commit the seal locks the chain head, numbers the event (head + 1,
	// so ids are gapless and a gap means a removed event) and hashes the
	// record cut here into the pieces around what only it knows.
	p1, p2, p3 := recordPieces(e.Type, e.ActorID, e.PreparationID, payload)
	args := []any{at, p1, p2, p3, e.Type, e.ActorID, e.PreparationID, string(payload)}
	if enqueue != nil {
		_, err = tx.StmtxContext(ctx, enqueue).ExecContext(ctx, args...)
	} else {
		var q texts
		if q, err = sqlText(); err == nil {
			_, err = tx.ExecContext(ctx, q.Enqueue, args...)
		}
	}
	if err != nil {
		return Event{}, fmt.Errorf("append audit event %s: %w", e.Type, err)
	}
	e.Payload = payload
	return e, nil
}

// Seal chains every queued event whose transaction has committed, in one
// short transaction of its own, and returns how many it chained. Any
// server may seal any server's events; sealers take turns, and one that
// finds the queue already empty writes nothing.
func Seal(ctx context.Context, db sqlx.QueryerContext) (int, error) {
	q, err := sqlText()
	if err != nil {
		return 0, err
	}
	var n int
	if err := sqlx.GetContext(ctx, db, &n, q.Seal); err != nil {
		return 0, fmt.Errorf("seal the compounding log: %w", err)
	}
	return n, nil
}

// Sealer lets many committed changes share one seal. Sync returns once a
// seal that began after Sync was called has finished, so the events its
// caller committed before calling are in the chain. While a seal runs,
// the callers that arrive meanwhile wait together for the next one: under
// load each seal chains the events of many changes with one WAL flush,
// and at most one seal per server runs at a time.
type Sealer struct {
	seal func(context.Context) error
	// Timeout bounds one seal; a caller whose context ends earlier stops
	// waiting, and its events are chained by the next seal all the same.
	Timeout time.Duration

	mu      sync.Mutex
	next    *round // the seal callers join; it has not begun yet
	running bool
}

// round is one seal and the callers waiting for it.
type round struct {
	done    chan struct{}
	err     error
	waiters int
}

// NewSealer seals through db, with the seal's statement prepared on first
// use (a seal follows every change).
func NewSealer(db *sqlx.DB) *Sealer {
	var (
		once sync.Once
		stmt *sqlx.Stmt
	)
	return NewSealerFunc(func(ctx context.Context) error {
		once.Do(func() {
			if q, err := sqlText(); err == nil {
				stmt, _ = db.PreparexContext(ctx, q.Seal) // nil: the text below
			}
		})
		if stmt == nil {
			_, err := Seal(ctx, db)
			return err
		}
		var n int
		if err := stmt.GetContext(ctx, &n); err != nil {
			return fmt.Errorf("seal the compounding log: %w", err)
		}
		return nil
	})
}

// NewSealerFunc seals with seal (tests count and delay seals with it).
func NewSealerFunc(seal func(context.Context) error) *Sealer {
	return &Sealer{seal: seal, Timeout: 30 * time.Second}
}

// Sync waits until a seal that began after this call has finished and
// returns its error.
func (s *Sealer) Sync(ctx context.Context) error {
	s.mu.Lock()
	if s.next == nil {
		s.next = &round{done: make(chan struct{})}
	}
	r := s.next
	r.waiters++
	if !s.running {
		s.running = true
		go s.run()
	}
	s.mu.Unlock()
	select {
	case <-r.done:
		return r.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Waiting is how many callers wait for the seal that has not begun yet.
func (s *Sealer) Waiting() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.next == nil {
		return 0
	}
	return s.next.waiters
}

// run seals round after round while callers keep joining.
func (s *Sealer) run() {
	for {
		s.mu.Lock()
		r := s.next
		s.next = nil
		if r == nil {
			s.running = false
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), s.Timeout)
		r.err = s.seal(ctx)
		cancel()
		close(r.done)
	}
}
