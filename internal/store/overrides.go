package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/guard"
)

// Override is a pharmacist's override of a preparation's dose limits.
type Override struct {
	ID       int64           `db:"id" json:"id"`
	UserID   int64           `db:"user_id" json:"user_id"`
	UserName string          `db:"user_name" json:"user_name"`
	Reason   string          `db:"reason" json:"reason"`
	Holds    json.RawMessage `db:"holds" json:"holds"`
	At       time.Time       `db:"at" json:"at"`
}

// InsertOverride records a pharmacist's override of the limits held.
func (t *Tx) InsertOverride(ctx context.Context, prepID, userID int64, reason string, holds []guard.Finding, at time.Time) error {
	doc, err := json.Marshal(holds)
	if err != nil {
		return apperr.Wrap(err, "encode overridden limits")
	}
	if _, err := t.tx.ExecContext(ctx, t.s.q.WfOverrideInsert, prepID, userID, reason, string(doc), at); err != nil {
		return Translate(err)
	}
	return nil
}

// Overrides lists the overrides of a preparation, oldest first.
func (s *Store) Overrides(ctx context.Context, prepID int64) ([]Override, error) {
	var out []Override
	if err := s.DB.SelectContext(ctx, &out, s.q.WfOverridesOf, prepID); err != nil {
		return nil, Translate(err)
	}
	for i := range out {
		out[i].At = out[i].At.UTC()
	}
	return out, nil
}
