// Package exchange is the service between Laminar and the hospital's
// systems. Every message received (HL7 v2 over MLLP, FHIR over HTTP) is
// stored in the interface inbox before anything else; it is then applied
// through the order use cases and acknowledged, and the acknowledgment is
// stored with it so that a resent duplicate gets the same answer and is
// never applied twice. Dispense messages go out through an outbox written
// in the transaction of the release.
package exchange

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// StopKind says why a preparation of an order is stopped or held.
type StopKind string

// The reasons a preparation is held for a pharmacist.
const (
	StopChanged       StopKind = "changed"        // the order changed (XO)
	StopStopped       StopKind = "stopped"        // discontinued or cancelled (DC, CA)
	StopWeightChanged StopKind = "weight_changed" // the patient's weight changed
)

// OrderBook is what the exchange needs of the order use cases. Each call
// takes an idempotency key: the same key again returns the first answer
// and changes nothing, which is what makes a message applied exactly once
// even when the server stops half-way through applying it.
type OrderBook interface {
	// Create places an order and queues its first preparation.
	Create(ctx context.Context, o workflow.Order, actor int64, now time.Time, key string) (orderID, prepID int64, err error)
	// Stop ends an order: preparations not started are cancelled, one in
	// progress (or made and not yet released) is held for a pharmacist
	// with kind; replacement is the preparation queued from the changed
	// order, 0 when none. The order is cancelled once nothing is held.
	Stop(ctx context.Context, orderID int64, kind StopKind, reason string, replacement, actor int64, now time.Time, key string) error
	// Hold holds every open preparation of an order (HD).
	Hold(ctx context.Context, orderID int64, reason string, actor int64, now time.Time, key string) error
	// Resume lifts the holds an HD put (RL).
	Resume(ctx context.Context, orderID int64, actor int64, now time.Time, key string) error
	// Order returns an order as stored.
	Order(ctx context.Context, orderID int64) (workflow.Order, error)
}

// Options configure the service.
type Options struct {
	// Location is the site's time zone: HL7 times without a zone are in it.
	Location *time.Location
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	Log *slog.Logger
	// Outbound is host:port of the system that receives RDS^O13 dispense
	// messages; "" sends none (they are still kept for FHIR).
	Outbound string
}

// Service receives, applies and acknowledges messages, and sends dispenses.
type Service struct {
	st     *store.Store
	orders OrderBook
	opt    Options
}

// New returns the service.
func New(st *store.Store, orders OrderBook, opt Options) *Service {
	if opt.Location == nil {
		opt.Location = time.UTC
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	return &Service{st: st, orders: orders, opt: opt}
}

func (s *Service) key(inboxID int64, step string) string {
	return fmt.Sprintf("inbox:%d:%s", inboxID, step)
}
