// Package audit is the tamper-evident compounding log: an append-only table
// of events in which every row carries the SHA-256 of its canonical content,
// and that content includes the previous row's hash. Altering, removing or
// inserting a row therefore breaks the chain at that row, and Verify names
// it.
//
// Appends are serialised by locking the single chain-head row inside the
// caller's transaction, so the chain never forks under concurrency and an
// event commits or rolls back together with the change it records. Because
// that lock is held until the caller commits, call Append as the last
// statement of a transaction. Callers in REPEATABLE READ or SERIALIZABLE
// transactions get a serialisation failure when another append commits
// first, and retry as usual; READ COMMITTED (the default) simply waits.
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
// read them but write only through audit_append, which runs as their owner.
var AppendOnlyTables = []string{"audit_events", "audit_head"}

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

// Append writes e in tx (the caller's transaction), chaining it to the last event.
func Append(ctx context.Context, tx *sqlx.Tx, e Event) (Event, error) {
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
	var at any // nil: the database clock, read once the head is locked
	if !e.At.IsZero() {
		at = e.At.UTC().Truncate(time.Microsecond) // what timestamptz keeps
	}
	// The database locks the chain head, numbers the event (head + 1, so ids
	// are gapless and a gap means a removed event) and hashes it.
	p1, p2, p3 := recordPieces(e.Type, e.ActorID, e.PreparationID, payload)
	var dbHash string
	if err := tx.QueryRowxContext(ctx, query("audit-append"),
		at, p1, p2, p3, e.Type, e.ActorID, e.PreparationID, string(payload),
	).Scan(&e.ID, &e.At, &e.PrevHash, &dbHash); err != nil {
		return Event{}, fmt.Errorf("append audit event %s: %w", e.Type, err)
	}
	e.At = e.At.UTC()
	e.Payload = payload
	e.Hash = Hash(e)
	if e.Hash != dbHash {
		// The database and Go disagree on the canonical record; a chain
		// written this way could never verify, so the change must not commit.
		return Event{}, apperr.Wrap(fmt.Errorf("audit event %d: database hash %s, recomputed %s", e.ID, dbHash, e.Hash), "audit chain hash mismatch")
	}
	return e, nil
}
