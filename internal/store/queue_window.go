package store

import (
	"context"
	"time"

	"github.com/lib/pq"

	"github.com/laminar-rx/laminar/internal/workflow"
)

// QueueFilter selects one page of the technician's queue.
type QueueFilter struct {
	// Priority, Status and Ward narrow the queue ("" for any).
	Priority, Status, Ward string
	// ExceptClaimedBy leaves out what this technician holds (0: nobody);
	// the screen shows their claims apart.
	ExceptClaimedBy int64
	Limit, Offset   int
}

// QueueRow is a queue item with what the window adds: how many matched in
// all, and for a rejected preparation, its remake.
type QueueRow struct {
	workflow.QueueItem
	Total    int    `db:"total"`
	RemadeBy *int64 `db:"remade_by"`
}

func (s *Store) queueRows(ctx context.Context, query string, args ...any) ([]QueueRow, error) {
	var rows []QueueRow
	if err := s.DB.SelectContext(ctx, &rows, query, args...); err != nil {
		return nil, Translate(err)
	}
	for i := range rows {
		rows[i].DueAt = rows[i].DueAt.UTC()
	}
	return rows, nil
}

// QueueWindow returns one page of the queue, most urgent first, and how
// many preparations match the filter in all. The database sorts and cuts
// the page, so its cost does not grow with the queue.
func (s *Store) QueueWindow(ctx context.Context, f QueueFilter) ([]workflow.QueueItem, int, error) {
	var except *int64
	if f.ExceptClaimedBy != 0 {
		except = &f.ExceptClaimedBy
	}
	rows, err := s.queueRows(ctx, s.q.WfQueueWindow, f.Priority, f.Status, f.Ward, except, f.Limit, f.Offset)
	if err != nil {
		return nil, 0, err
	}
	total := 0
	items := make([]workflow.QueueItem, len(rows))
	for i, r := range rows {
		items[i], total = r.QueueItem, r.Total
	}
	return items, total, nil
}

// QueueClaimed lists what one technician holds and has not finished.
func (s *Store) QueueClaimed(ctx context.Context, userID int64) ([]workflow.QueueItem, error) {
	rows, err := s.queueRows(ctx, s.q.WfQueueClaimed, userID)
	if err != nil {
		return nil, err
	}
	items := make([]workflow.QueueItem, len(rows))
	for i, r := range rows {
		items[i] = r.QueueItem
	}
	return items, nil
}

// QueueAfter lists the newest preparations in the given statuses changed
// since a time, at most limit of them, with how many there are in all.
func (s *Store) QueueAfter(ctx context.Context, statuses []workflow.Status, since time.Time, limit int) ([]QueueRow, error) {
	st := make([]string, len(statuses))
	for i, x := range statuses {
		st[i] = string(x)
	}
	return s.queueRows(ctx, s.q.WfQueueAfter, pq.Array(st), since, limit)
}

// QueueWards lists the wards that have something in the queue.
func (s *Store) QueueWards(ctx context.Context) ([]string, error) {
	var out []string
	if err := s.DB.SelectContext(ctx, &out, s.q.WfQueueWards); err != nil {
		return nil, Translate(err)
	}
	return out, nil
}
