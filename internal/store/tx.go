package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// Tx is one transaction on the store. A service opens it with Begin, loads
// and saves through its methods, appends the log's events last and
// commits; the store itself decides nothing.
type Tx struct {
	s  *Store
	tx *sqlx.Tx
}

// Begin opens a transaction.
func (s *Store) Begin(ctx context.Context) (*Tx, error) {
	tx, err := s.DB.BeginTxx(ctx, nil)
	if err != nil {
		return nil, Translate(err)
	}
	return &Tx{s: s, tx: tx}, nil
}

// Commit commits the transaction.
func (t *Tx) Commit() error { return Translate(t.tx.Commit()) }

// Rollback abandons the transaction; after Commit it does nothing.
func (t *Tx) Rollback() { _ = t.tx.Rollback() }

// Append appends the events to the compounding log, in order; the commit
// seals them into the chain (see package audit).
func (t *Tx) Append(ctx context.Context, events ...workflow.Event) error {
	for _, ev := range events {
		payload, err := json.Marshal(ev.Payload)
		if err != nil {
			return apperr.Wrap(err, "encode a log event")
		}
		e := audit.Event{Type: ev.Type, Payload: payload}
		if ev.Actor != 0 {
			actor := ev.Actor
			e.ActorID = &actor
		}
		if ev.PreparationID != 0 {
			prep := ev.PreparationID
			e.PreparationID = &prep
		}
		if _, err := audit.Append(ctx, t.tx, e); err != nil {
			return apperr.Wrap(err, "append to the compounding log")
		}
	}
	return nil
}

// GuardRuleVersionAt is the guard table in force at at, read in the
// transaction: an admin's new version applies at once.
func (t *Tx) GuardRuleVersionAt(ctx context.Context, at time.Time) (GuardRuleVersion, error) {
	return t.s.guardRuleVersionAt(ctx, t.tx, at)
}

// BUDRuleVersionAt is the BUD rule version in force at at, read in the
// transaction: an admin's new version applies at once.
func (t *Tx) BUDRuleVersionAt(ctx context.Context, at time.Time) (BUDRuleVersion, error) {
	return t.s.budRuleVersionAt(ctx, t.tx, at)
}
