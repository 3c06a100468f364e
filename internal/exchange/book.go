package exchange

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/laminar-rx/laminar/internal/compounding"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// Book is the OrderBook on the compounding service.
type Book struct {
	Svc *compounding.Service
	St  *store.Store
}

// keyOf is the idempotency key of one step of applying a message.
func keyOf(actor int64, key string) *compounding.Key {
	sum := sha256.Sum256([]byte(key))
	return &compounding.Key{UserID: actor, Route: "interface", Key: key, RequestHash: hex.EncodeToString(sum[:])}
}

// Create places an order through the order-creation use case.
func (b Book) Create(ctx context.Context, o workflow.Order, actor int64, now time.Time, key string) (int64, int64, error) {
	d, err := b.Svc.CreateOrder(ctx, o, actor, now, keyOf(actor, key))
	return d.Value.OrderID, d.Value.PreparationID, err
}

// Stop ends the order: preparations not started are cancelled, those
// under way are held for a pharmacist.
func (b Book) Stop(ctx context.Context, orderID int64, kind StopKind, reason string, replacement, actor int64, now time.Time, key string) error {
	_, err := b.Svc.StopOrder(ctx, compounding.StopInput{OrderID: orderID, Kind: string(kind), Reason: reason,
		Replacement: replacement, Actor: actor, Now: now}, keyOf(actor, key))
	return err
}

// Hold holds every open preparation of the order.
func (b Book) Hold(ctx context.Context, orderID int64, reason string, actor int64, now time.Time, key string) error {
	_, err := b.Svc.HoldOrder(ctx, orderID, reason, actor, now, keyOf(actor, key))
	return err
}

// Resume lifts the holds the ordering system put.
func (b Book) Resume(ctx context.Context, orderID int64, actor int64, now time.Time, key string) error {
	_, err := b.Svc.ResumeOrder(ctx, orderID, actor, now, keyOf(actor, key))
	return err
}

// Order reads an order.
func (b Book) Order(ctx context.Context, orderID int64) (workflow.Order, error) {
	return b.St.OrderByID(ctx, orderID)
}
