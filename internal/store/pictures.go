package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/audit"
)

// AuditProductPictureAdded is the audit event of a new reference picture.
const AuditProductPictureAdded = "formulary.product_picture_added"

// PictureInput is a reference picture of a product to store. Its content
// type is already checked from its bytes.
type PictureInput struct {
	ProductID   int64
	ContentType string
	Data        []byte
	SHA256      string
	Actor       *int64
	Now         time.Time
}

// AddProductPicture stores a reference picture of a product, which becomes
// the one shown from then on, and logs who added it. Older pictures stay.
func (s *Store) AddProductPicture(ctx context.Context, in PictureInput) (int64, error) {
	var id int64
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		var locked int64
		if err := tx.GetContext(ctx, &locked, s.q.LockProduct, in.ProductID); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return apperr.New(apperr.NotFound, productNotFoundTemplate, in.ProductID)
			}
			return Translate(err)
		}
		if err := tx.GetContext(ctx, &id, s.q.PictureInsert, in.ProductID, in.ContentType, in.Data, in.SHA256, in.Actor, in.Now); err != nil {
			return Translate(err)
		}
		_, err := audit.Append(ctx, tx, audit.Event{Type: AuditProductPictureAdded, ActorID: in.Actor,
			Payload: auditPayload(map[string]any{"product_id": in.ProductID, "picture_id": id,
				"content_type": in.ContentType, "bytes": len(in.Data), "sha256": in.SHA256})})
		return err
	})
	return id, err
}

// LatestPictures maps each of the products that has a reference picture to
// the id of its newest one.
func (s *Store) LatestPictures(ctx context.Context, productIDs []int64) (map[int64]int64, error) {
	out := map[int64]int64{}
	if len(productIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		ProductID int64 `db:"product_id"`
		ID        int64 `db:"id"`
	}
	if err := s.DB.SelectContext(ctx, &rows, s.q.PictureLatest, pq.Array(productIDs)); err != nil {
		return nil, Translate(err)
	}
	for _, r := range rows {
		out[r.ProductID] = r.ID
	}
	return out, nil
}

// ProductPicture returns one reference picture of a product; NotFound when
// the product has no picture with that id.
func (s *Store) ProductPicture(ctx context.Context, productID, pictureID int64) (contentType string, data []byte, err error) {
	var row struct {
		ContentType string `db:"content_type"`
		Data        []byte `db:"data"`
	}
	if err := s.DB.GetContext(ctx, &row, s.q.PictureGet, productID, pictureID); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil, apperr.New(apperr.NotFound, "product %d has no reference picture %d", productID, pictureID)
		}
		return "", nil, Translate(err)
	}
	return row.ContentType, row.Data, nil
}
