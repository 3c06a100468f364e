package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/shopspring/decimal"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/bud"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// ContainerUse is one container a preparation drew from: its lot and
// expiry, and when and by which preparation it was first opened (nil when
// it was never tracked as opened).
type ContainerUse struct {
	ProductID *int64         `db:"product_id"`
	Lot       string         `db:"lot"`
	Serial    string         `db:"serial"`
	ExpiresAt *time.Time     `db:"expires_at"`
	OpenedAt  *time.Time     `db:"opened_at"`
	Container *bud.Container `db:"container"`
	First     *int64         `db:"first_preparation_id"`
}

// ContainersOf lists the containers a preparation's accepted scans drew from.
func (t *Tx) ContainersOf(ctx context.Context, prepID int64) ([]ContainerUse, error) {
	var rows []ContainerUse
	if err := t.tx.SelectContext(ctx, &rows, t.s.q.WfContainersOf, prepID); err != nil {
		return nil, Translate(err)
	}
	return rows, nil
}

// WeightRow is a weight check to record, in the units the database keeps.
type WeightRow struct {
	PreparationID int64
	StepID        string
	UserID        int64
	Check         workflow.WeightCheck
	At            time.Time
	// Balance is set for a weight the server read from a balance.
	Balance *WeightBalance
	// Entry is how the weight was entered (read or typed, with reason and witness).
	Entry workflow.Entry
}

// WeightBalance is the balance a weight was read from and what it said.
type WeightBalance struct {
	ID  int64
	Raw string
	// ReadabilityG is the balance's smallest step in grams.
	ReadabilityG decimal.Decimal
}

// InsertWeight records a weight check and returns its id.
func (t *Tx) InsertWeight(ctx context.Context, w WeightRow) (int64, error) {
	var id int64
	var balanceID *int64
	var raw string
	var readability *decimal.Decimal
	if b := w.Balance; b != nil {
		balanceID, raw, readability = &b.ID, b.Raw, &b.ReadabilityG
	}
	if err := t.tx.GetContext(ctx, &id, t.s.q.WfWeightInsert, w.PreparationID, w.StepID, w.UserID,
		w.Check.Measured.Value, w.Check.Measured.Unit.String(), w.Check.Result.Expected.Value, w.Check.Result.Deviation,
		w.Check.Tolerance, w.Check.Result.Pass, w.At.UTC(), balanceID, raw, readability,
		w.Entry.Source, w.Entry.TypedReason, w.Entry.WitnessID); err != nil {
		return 0, Translate(err)
	}
	return id, nil
}

// InsertMark records a manual step as done (once; marking it again does nothing).
func (t *Tx) InsertMark(ctx context.Context, prepID int64, stepID string, userID int64, at time.Time) error {
	_, err := t.tx.ExecContext(ctx, t.s.q.WfMarkInsert, prepID, stepID, userID, "", at.UTC())
	return Translate(err)
}

// PhotoRow is a photo of a step to store.
type PhotoRow struct {
	PreparationID int64
	StepID        string
	UserID        int64
	ContentType   string
	Data          []byte
	SHA256        string
	At            time.Time
}

// InsertPhoto stores a photo and returns its id.
func (t *Tx) InsertPhoto(ctx context.Context, ph PhotoRow) (int64, error) {
	var id int64
	if err := t.tx.GetContext(ctx, &id, t.s.q.WfPhotoInsert, ph.PreparationID, ph.StepID, ph.UserID,
		ph.ContentType, ph.Data, ph.SHA256, ph.At.UTC()); err != nil {
		return 0, Translate(err)
	}
	return id, nil
}

// InsertLabel records an issued label.
func (t *Tx) InsertLabel(ctx context.Context, prepID int64, seq int, data, format string, userID int64, at time.Time) error {
	_, err := t.tx.ExecContext(ctx, t.s.q.WfLabelInsert, prepID, seq, data, format, userID, at.UTC())
	return Translate(err)
}

// InsertVerification records a pharmacist's decision.
func (t *Tx) InsertVerification(ctx context.Context, prepID, userID int64, decision, reason string, at time.Time) error {
	_, err := t.tx.ExecContext(ctx, t.s.q.WfVerificationInsert, prepID, userID, decision, reason, at)
	return Translate(err)
}

// InsertWaste records what a rejected preparation wasted.
func (t *Tx) InsertWaste(ctx context.Context, prepID, userID int64, reason string, items []map[string]any, at time.Time) error {
	itemsJSON, err := json.Marshal(items)
	if err != nil {
		return apperr.Wrap(err, "encode waste items")
	}
	_, err = t.tx.ExecContext(ctx, t.s.q.WfWasteInsert, prepID, userID, reason, itemsJSON, at)
	return Translate(err)
}

// InsertRemake queues a new preparation of the same order, recipe and
// worksheet as prepID, and returns its id.
func (t *Tx) InsertRemake(ctx context.Context, prepID int64, at time.Time) (int64, error) {
	var id int64
	if err := t.tx.GetContext(ctx, &id, t.s.q.WfRemakeInsert, prepID, at); err != nil {
		return 0, Translate(err)
	}
	return id, nil
}
