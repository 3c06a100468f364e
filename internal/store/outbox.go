package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/laminar-rx/laminar/internal/apperr"
)

// OutboxItem is a message waiting to be sent to (or sent to) the
// hospital's systems.
type OutboxItem struct {
	ID            int64      `db:"id" json:"id"`
	Kind          string     `db:"kind" json:"kind"`
	PreparationID int64      `db:"preparation_id" json:"preparation_id"`
	Destination   string     `db:"destination" json:"destination"`
	ControlID     string     `db:"control_id" json:"control_id"`
	Body          []byte     `db:"body" json:"-"`
	Status        string     `db:"status" json:"status"`
	Attempts      int        `db:"attempts" json:"attempts"`
	NextAttemptAt time.Time  `db:"next_attempt_at" json:"next_attempt_at"`
	LastError     string     `db:"last_error" json:"last_error,omitempty"`
	AckCode       string     `db:"ack_code" json:"ack_code,omitempty"`
	CreatedAt     time.Time  `db:"created_at" json:"created_at"`
	SentAt        *time.Time `db:"sent_at" json:"sent_at,omitempty"`
}

// DispensedRowOf reads a preparation with its order for a dispense
// message, in the caller's transaction.
func (s *Store) DispensedRowOf(ctx context.Context, q sqlx.QueryerContext, prepID int64) (DispensedRow, error) {
	var r DispensedRow
	if err := sqlx.GetContext(ctx, q, &r, s.q.IfaceDispensedOfPreparation, prepID); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return r, apperr.New(apperr.NotFound, "no preparation %d", prepID)
		}
		return r, Translate(err)
	}
	return r, nil
}

// Outbox lists the newest messages of the outbox.
func (s *Store) Outbox(ctx context.Context, limit int) ([]OutboxItem, error) {
	out := []OutboxItem{}
	err := s.DB.SelectContext(ctx, &out, s.q.IfaceOutboxList, limit)
	return out, Translate(err)
}

// SendResult is what became of one attempt to send an outbox message.
type SendResult struct {
	AckCode string
	Err     error // nil when delivered and accepted
	// Retry is when to try again after a failure; zero gives up (failed).
	Retry time.Time
}

// SendDue sends the next due message with send, holding its row locked
// (so that two servers never send it at once), and records the result.
// It reports whether there was a message to send.
func (s *Store) SendDue(ctx context.Context, now time.Time, send func(OutboxItem) SendResult) (bool, error) {
	tx, err := s.DB.BeginTxx(ctx, nil)
	if err != nil {
		return false, Translate(err)
	}
	defer func() { _ = tx.Rollback() }()
	var items []OutboxItem
	if err := tx.SelectContext(ctx, &items, s.q.IfaceOutboxDue, now, 1); err != nil {
		return false, Translate(err)
	}
	if len(items) == 0 {
		return false, nil
	}
	it := items[0]
	res := send(it)
	if res.Err == nil {
		_, err = tx.ExecContext(ctx, s.q.IfaceOutboxSent, it.ID, time.Now().UTC(), res.AckCode)
	} else {
		msg := res.Err.Error()
		if len(msg) > 500 {
			msg = msg[:500]
		}
		next := res.Retry
		_, err = tx.ExecContext(ctx, s.q.IfaceOutboxRetry, it.ID, next.UTC(), msg, res.AckCode, next.IsZero())
	}
	if err != nil {
		return true, Translate(err)
	}
	return true, Translate(tx.Commit())
}

// RequeueOutbox puts a failed message back in the queue, due now.
func (s *Store) RequeueOutbox(ctx context.Context, id int64, now time.Time) error {
	res, err := s.DB.ExecContext(ctx, s.q.IfaceOutboxRequeue, id, now)
	if err != nil {
		return Translate(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.WithCode(apperr.Conflict, "wrong_state", "outbox message %d is not failed", id)
	}
	return nil
}
