package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// Progress loads everything recorded against a preparation's steps.
func (t *Tx) Progress(ctx context.Context, id int64) (workflow.Progress, error) {
	return t.s.progress(ctx, t.tx, id)
}

// weightColumns is a weights row: the database keeps numbers, the record
// carries them as the quantities a person reads.
type weightColumns struct {
	workflow.WeightRecord
	Value     decimal.Decimal `db:"measured_value"`
	Unit      string          `db:"measured_unit"`
	Expected  decimal.Decimal `db:"expected_g"`
	Deviation decimal.Decimal `db:"deviation_pct"`
	Tolerance decimal.Decimal `db:"tolerance_pct"`
}

// progress loads everything recorded against a preparation's steps, on q.
func (s *Store) progress(ctx context.Context, q sqlx.QueryerContext, id int64) (workflow.Progress, error) {
	var p workflow.Progress
	if err := sqlx.SelectContext(ctx, q, &p.Scans, s.q.WfScansOf, id); err != nil {
		return p, Translate(err)
	}
	for i := range p.Scans {
		p.Scans[i].At = p.Scans[i].At.UTC()
	}
	var weights []weightColumns
	if err := sqlx.SelectContext(ctx, q, &weights, s.q.WfWeightsOf, id); err != nil {
		return p, Translate(err)
	}
	for _, w := range weights {
		r := w.WeightRecord
		r.Measured, r.Expected = plainDec(w.Value)+" "+w.Unit, plainDec(w.Expected)+" g"
		r.Deviation, r.Tolerance, r.At = plainDec(w.Deviation)+"%", plainDec(w.Tolerance)+"%", r.At.UTC()
		p.Weights = append(p.Weights, r)
	}
	if err := sqlx.SelectContext(ctx, q, &p.Marks, s.q.WfMarksOf, id); err != nil {
		return p, Translate(err)
	}
	for i := range p.Marks {
		p.Marks[i].At = p.Marks[i].At.UTC()
	}
	var photos []struct {
		StepID string `db:"step_id"`
		N      int    `db:"n"`
	}
	if err := sqlx.SelectContext(ctx, q, &photos, s.q.WfPhotosOf, id); err != nil {
		return p, Translate(err)
	}
	p.Photos = map[string]int{}
	for _, ph := range photos {
		p.Photos[ph.StepID] = ph.N
	}
	return p, nil
}

// Preparation returns a preparation with its worksheet and progress, the
// steps' done flags filled in.
func (s *Store) Preparation(ctx context.Context, id int64) (*workflow.Preparation, error) {
	var row prepColumns
	if err := s.DB.GetContext(ctx, &row, s.q.WfPrepGet, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, apperr.New(apperr.NotFound, "no preparation %d", id)
		}
		return nil, Translate(err)
	}
	p, err := row.decode()
	if err != nil {
		return nil, err
	}
	if p.Progress, err = s.progress(ctx, s.DB, id); err != nil {
		return nil, err
	}
	p.Worksheet.Apply(p.Progress)
	return p, nil
}

// UserName returns a user's display name (or username), "" when id is nil.
func (s *Store) UserName(ctx context.Context, id *int64) string {
	if id == nil {
		return ""
	}
	var name string
	if err := s.DB.GetContext(ctx, &name, s.q.WfUserName, *id); err != nil {
		return fmt.Sprintf("user %d", *id)
	}
	return name
}

func (s *Store) queue(ctx context.Context, query string) ([]workflow.QueueItem, error) {
	var items []workflow.QueueItem
	if err := s.DB.SelectContext(ctx, &items, query); err != nil {
		return nil, Translate(err)
	}
	for i := range items {
		items[i].DueAt = items[i].DueAt.UTC()
	}
	return items, nil
}

// Queue lists the preparations to make (queued or in progress), unsorted.
func (s *Store) Queue(ctx context.Context) ([]workflow.QueueItem, error) {
	return s.queue(ctx, s.q.WfQueue)
}

// Verifications lists completed preparations awaiting a pharmacist, oldest first.
func (s *Store) Verifications(ctx context.Context) ([]workflow.QueueItem, error) {
	return s.queue(ctx, s.q.WfVerifications)
}

// PhotoInfo describes a stored photo of a step, without its bytes.
type PhotoInfo struct {
	ID          int64     `db:"id" json:"id"`
	StepID      string    `db:"step_id" json:"step_id"`
	TakenAt     time.Time `db:"at" json:"taken_at"`
	TakenBy     int64     `db:"user_id" json:"taken_by"`
	ContentType string    `db:"content_type" json:"content_type"`
	Size        int64     `db:"size" json:"size"`
}

// Photos lists the photos of a preparation in the order they were taken.
func (s *Store) Photos(ctx context.Context, prepID int64) ([]PhotoInfo, error) {
	var out []PhotoInfo
	if err := s.DB.SelectContext(ctx, &out, s.q.WfPhotoList, prepID); err != nil {
		return nil, Translate(err)
	}
	return out, nil
}

// Photo returns one photo of a preparation; NotFound when the preparation
// has no photo with that id.
func (s *Store) Photo(ctx context.Context, prepID, photoID int64) (contentType string, data []byte, err error) {
	var row struct {
		ContentType string `db:"content_type"`
		Data        []byte `db:"data"`
	}
	if err := s.DB.GetContext(ctx, &row, s.q.WfPhotoGet, prepID, photoID); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil, apperr.New(apperr.NotFound, "preparation %d has no photo %d", prepID, photoID)
		}
		return "", nil, Translate(err)
	}
	return row.ContentType, row.Data, nil
}

// plainDec writes a decimal without exponent or trailing zeros.
func plainDec(d decimal.Decimal) string { return calc.Quantity{Value: d}.String() }
