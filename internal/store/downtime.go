package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// InsertDowntimeRecord stores the paper record of a preparation made
// during downtime.
func (t *Tx) InsertDowntimeRecord(ctx context.Context, prepID int64, r *workflow.DowntimeRecord) error {
	b, err := json.Marshal(r)
	if err != nil {
		return apperr.Wrap(err, "encode downtime record")
	}
	_, err = t.tx.ExecContext(ctx, t.s.q.DowntimeRecordInsert, prepID, r.MadeBy, r.RecordedBy, r.RecordedAt.UTC(), b)
	return Translate(err)
}

// DowntimeRecord is the paper record of a preparation, or nil when it was
// made with Laminar.
func (s *Store) DowntimeRecord(ctx context.Context, prepID int64) (*workflow.DowntimeRecord, error) {
	var b []byte
	if err := s.DB.GetContext(ctx, &b, s.q.DowntimeRecordGet, prepID); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		return nil, Translate(err)
	}
	var r workflow.DowntimeRecord
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, apperr.Wrap(err, "stored downtime record")
	}
	return &r, nil
}
