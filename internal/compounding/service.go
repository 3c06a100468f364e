// Package compounding is the preparation service: every use case of an
// order and of a preparation (claim, scan, weigh, complete, label, verify,
// release…). Each one opens a transaction, loads through the store, asks
// the domain (internal/workflow) what may happen, saves, appends the
// domain's events to the compounding log and commits. Transports call it;
// it never sees HTTP.
package compounding

import (
	"context"
	"time"

	"github.com/laminar-rx/laminar/internal/competency"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// writeSlots bounds the service's transactions running at once. Every one
// of them ends by appending to the compounding log, whose chain head admits
// one writer at a time; letting forty wait on it inside PostgreSQL (as lock
// waiters, each holding a connection) is slower than queueing them here,
// and leaves connections free for reads and logins.
const writeSlots = 6

// Service is the preparation service on one store.
type Service struct {
	st *store.Store
	// loc is the site's time zone: a date-only expiry ends at its midnight.
	loc   *time.Location
	slots chan struct{}
	// qualified decides whether a person may claim work: their
	// competencies must be current for its category and hazard.
	qualified Qualifier
}

// Qualifier decides whether a person may claim work of a compounding
// category (and hazard) at a time; competency.Service is one.
type Qualifier interface {
	CheckClaim(ctx context.Context, userID int64, category string, hazardous bool, now time.Time) error
}

// New returns the service on st; loc is the site's time zone (nil: UTC).
func New(st *store.Store, loc *time.Location) *Service {
	if loc == nil {
		loc = time.UTC
	}
	return &Service{st: st, loc: loc, slots: make(chan struct{}, writeSlots), qualified: competency.NewService(st, loc, nil)}
}

// outcome is what one use case did in its transaction: its answer, a
// refusal committed all the same (a refused scan is recorded), and the
// events for the compounding log.
type outcome[T any] struct {
	value   T
	refusal error
	events  []workflow.Event
}

// write runs fn in one transaction: it takes a write slot, claims the
// Idempotency-Key first (a concurrent duplicate waits on the key and then
// replays the stored answer), runs fn, stores the answer, appends the
// events last (they lock the log's chain head) and commits.
func write[T any](ctx context.Context, s *Service, key *Key, fn func(tx *store.Tx) (outcome[T], error)) (Done[T], error) {
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	case <-ctx.Done():
		return Done[T]{}, store.Translate(ctx.Err())
	}
	tx, err := s.st.Begin(ctx)
	if err != nil {
		return Done[T]{}, err
	}
	defer tx.Rollback()
	if key != nil {
		claimed, err := tx.ClaimIdem(ctx, key.id(), key.RequestHash)
		if err != nil {
			return Done[T]{}, err
		}
		if !claimed {
			tx.Rollback()
			return replayAfterClaim[T](ctx, s, key)
		}
	}
	out, err := fn(tx)
	if err != nil {
		return Done[T]{}, err
	}
	if key != nil {
		result, refusal, err := encodeAnswer(out.value, out.refusal)
		if err != nil {
			return Done[T]{}, err
		}
		if err := tx.SaveIdem(ctx, key.id(), result, refusal); err != nil {
			return Done[T]{}, err
		}
	}
	if err := tx.Append(ctx, out.events...); err != nil {
		return Done[T]{}, err
	}
	if err := tx.Commit(); err != nil {
		return Done[T]{}, err
	}
	return Done[T]{Value: out.value}, out.refusal
}
