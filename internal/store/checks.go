package store

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/laminar-rx/laminar/internal/workflow"
)

// Approval is one pharmacist's approval of a preparation.
type Approval struct {
	UserID   int64     `db:"user_id" json:"user_id"`
	UserName string    `db:"user_name" json:"user_name"`
	Reason   string    `db:"reason" json:"reason,omitempty"`
	At       time.Time `db:"at" json:"at"`
}

// Hands finds who had a hand in a preparation and who approved it so far,
// inside the transaction that decides on it.
func (t *Tx) Hands(ctx context.Context, prepID int64) (workflow.Hands, error) {
	return t.s.hands(ctx, t.tx, prepID)
}

// Hands is Tx.Hands outside a transaction, for the screens.
func (s *Store) Hands(ctx context.Context, prepID int64) (workflow.Hands, error) {
	return s.hands(ctx, s.DB, prepID)
}

func (s *Store) hands(ctx context.Context, q sqlx.QueryerContext, prepID int64) (workflow.Hands, error) {
	var rows []struct {
		UserID int64  `db:"user_id"`
		What   string `db:"what"`
	}
	if err := sqlx.SelectContext(ctx, q, &rows, s.q.ChecksHands, prepID, workflow.EvPrepClaimed); err != nil {
		return workflow.Hands{}, Translate(err)
	}
	h := workflow.Hands{Made: make(map[int64]string, len(rows))}
	for _, r := range rows {
		h.Made[r.UserID] = r.What
	}
	apps, err := s.approvals(ctx, q, prepID)
	if err != nil {
		return workflow.Hands{}, err
	}
	for _, a := range apps {
		h.Approved = append(h.Approved, a.UserID)
	}
	return h, nil
}

// Approvals lists a preparation's approvals, oldest first.
func (s *Store) Approvals(ctx context.Context, prepID int64) ([]Approval, error) {
	return s.approvals(ctx, s.DB, prepID)
}

func (s *Store) approvals(ctx context.Context, q sqlx.QueryerContext, prepID int64) ([]Approval, error) {
	var out []Approval
	if err := sqlx.SelectContext(ctx, q, &out, s.q.ChecksApprovals, prepID); err != nil {
		return nil, Translate(err)
	}
	for i := range out {
		out[i].At = out[i].At.UTC()
	}
	return out, nil
}
