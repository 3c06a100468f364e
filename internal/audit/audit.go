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
// read them but write only through audit_enqueue (and the seal it
// triggers), which run as their owner.
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
