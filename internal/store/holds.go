package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"
)

// Hold is a hold on a preparation put by the ordering system (a change, a
// stop, a hold) or a weight change: the technician stops until a
// pharmacist decides.
type Hold struct {
	ID             int64      `db:"id" json:"id"`
	PreparationID  int64      `db:"preparation_id" json:"preparation_id"`
	Kind           string     `db:"kind" json:"kind"`
	Reason         string     `db:"reason" json:"reason"`
	InboxID        *int64     `db:"inbox_id" json:"inbox_id,omitempty"`
	ReplacementID  *int64     `db:"replacement_id" json:"replacement_id,omitempty"`
	CreatedAt      time.Time  `db:"created_at" json:"created_at"`
	Decision       *string    `db:"decision" json:"decision,omitempty"`
	DecidedBy      *int64     `db:"decided_by" json:"decided_by,omitempty"`
	DecidedAt      *time.Time `db:"decided_at" json:"decided_at,omitempty"`
	DecisionReason string     `db:"decision_reason" json:"decision_reason,omitempty"`
}

// OpenHold returns the open hold of a preparation, or nil.
func (t *Tx) OpenHold(ctx context.Context, prepID int64) (*Hold, error) {
	return openHold(ctx, t.s, t.s.st.openHold.in(ctx, t.tx), prepID)
}

// OpenHold returns the open hold of a preparation, or nil (for pages).
func (s *Store) OpenHold(ctx context.Context, prepID int64) (*Hold, error) {
	return openHold(ctx, s, s.st.openHold.in(ctx, nil), prepID)
}

func openHold(ctx context.Context, s *Store, q *sqlx.Stmt, prepID int64) (*Hold, error) {
	var h Hold
	if err := q.GetContext(ctx, &h, prepID); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		return nil, Translate(err)
	}
	return &h, nil
}

// InsertHold holds a preparation; a preparation already held keeps its
// first open hold.
func (t *Tx) InsertHold(ctx context.Context, h Hold) error {
	_, err := t.tx.ExecContext(ctx, t.s.q.IfaceHoldInsert, h.PreparationID, h.Kind, h.Reason, h.ReplacementID, h.CreatedAt)
	return Translate(err)
}

// DecideHold closes a hold with a decision.
func (t *Tx) DecideHold(ctx context.Context, id int64, decision string, by int64, at time.Time, reason string) error {
	_, err := t.tx.ExecContext(ctx, t.s.q.IfaceHoldDecide, id, decision, nullID(by), at, reason)
	return Translate(err)
}

// OpenHolds lists every open hold, oldest first.
func (s *Store) OpenHolds(ctx context.Context) ([]Hold, error) {
	out := []Hold{}
	err := s.DB.SelectContext(ctx, &out, s.q.IfaceHoldsOpenList)
	return out, Translate(err)
}

// EnqueueOutbox adds a message to the outbox in this transaction (the one
// that releases or wastes the preparation), so the message exists exactly
// when the event does. The same control ID twice is one message.
func (t *Tx) EnqueueOutbox(ctx context.Context, it OutboxItem) error {
	_, err := t.tx.ExecContext(ctx, t.s.q.IfaceOutboxInsert, it.Kind, it.PreparationID, it.Destination, it.ControlID, it.Body, it.CreatedAt)
	return Translate(err)
}

// DispensedRow reads a preparation with its order for a dispense message,
// in this transaction.
func (t *Tx) DispensedRow(ctx context.Context, prepID int64) (DispensedRow, error) {
	return t.s.DispensedRowOf(ctx, t.tx, prepID)
}

// OrderHeld reports whether a preparation of the order is on hold.
func (s *Store) OrderHeld(ctx context.Context, orderID int64) (bool, error) {
	var held bool
	err := s.DB.GetContext(ctx, &held, s.q.IfaceOrderHeld, orderID)
	return held, Translate(err)
}
