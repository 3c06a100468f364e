package store

import (
	"context"
	"fmt"
	"time"
)

// Housekeeping says what the periodic clean-up removes; each cutoff is a
// point in time before which rows go. A zero PhotosBefore keeps photos.
// The compounding log is never touched (its triggers refuse it anyway).
type Housekeeping struct {
	SessionsBefore    time.Time
	ThrottleBefore    time.Time
	IdempotencyBefore time.Time
	PhotosBefore      time.Time
	JobRunsBefore     time.Time
	Now               time.Time
}

// Housekeep deletes what h says and returns how many rows of each kind.
func (s *Store) Housekeep(ctx context.Context, h Housekeeping) (map[string]int64, error) {
	steps := []struct {
		name  string
		query string
		args  []any
	}{
		{"sessions", s.q.HkSessions, []any{h.SessionsBefore}},
		{"login_throttle", s.q.HkThrottle, []any{h.ThrottleBefore, h.Now}},
		{"idempotency_keys", s.q.HkIdempotency, []any{h.IdempotencyBefore}},
		{"job_runs", s.q.HkJobRuns, []any{h.JobRunsBefore}},
	}
	if !h.PhotosBefore.IsZero() {
		steps = append(steps, struct {
			name  string
			query string
			args  []any
		}{"photos", s.q.HkPhotos, []any{h.PhotosBefore}})
	}
	out := map[string]int64{}
	for _, st := range steps {
		res, err := s.DB.ExecContext(ctx, st.query, st.args...)
		if err != nil {
			return out, fmt.Errorf("housekeeping: %s: %w", st.name, err)
		}
		out[st.name], _ = res.RowsAffected()
	}
	return out, nil
}
