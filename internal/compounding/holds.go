package compounding

import (
	"context"
	"time"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// Kinds of hold. A stop can never be continued.
const (
	HoldChanged       = "changed"        // the order changed while the preparation was under way
	HoldStopped       = "stopped"        // the order was discontinued or cancelled
	HoldWeightChanged = "weight_changed" // the patient's weight changed (weight-based dose)
	HoldHeld          = "held"           // the ordering system put the order on hold
)

// Log event types of holds.
const (
	EvHeld        = "preparation.held"
	EvHoldDecided = "preparation.hold_decided"
)

// Pharmacist decisions on a hold.
const (
	DecideContinue = "continue"
	DecideStop     = "stop"
)

// ErrOnHold is the refusal of any step on a held preparation.
func errOnHold(h *store.Hold) error {
	return apperr.WithCode(apperr.Conflict, "on_hold",
		"ORDER CHANGED / STOPPED — stop: %s. Preparation %d is on hold until a pharmacist decides.", h.Reason, h.PreparationID)
}

// refuseHeld refuses to go on with a preparation that is on hold.
func refuseHeld(ctx context.Context, tx *store.Tx, id int64) error {
	h, err := tx.OpenHold(ctx, id)
	if err != nil {
		return err
	}
	if h != nil {
		return errOnHold(h)
	}
	return nil
}

// StopInput is a change or stop of an order from the ordering system.
type StopInput struct {
	OrderID int64
	Kind    string // HoldChanged, HoldStopped or HoldWeightChanged
	Reason  string
	// Replacement is the preparation queued from the changed order (0 for
	// a stop); a pharmacist who lets the old one go on cancels it.
	Replacement int64
	Actor       int64
	Now         time.Time
}

// StopResult says what a stop did to each preparation.
type StopResult struct {
	OrderID   int64   `json:"order_id"`
	Cancelled []int64 `json:"cancelled"`
	Held      []int64 `json:"held"`
}

// StopOrder ends an order because the ordering system changed or stopped
// it: preparations not yet started are cancelled at once; one under way
// (in progress, or made and not yet released) is put on hold for a
// pharmacist, with a banner on the technician's screen. The order is
// cancelled when nothing of it is left on hold.
func (s *Service) StopOrder(ctx context.Context, in StopInput, key *Key) (Done[StopResult], error) {
	return write(ctx, s, key, func(tx *store.Tx) (outcome[StopResult], error) {
		out := StopResult{OrderID: in.OrderID, Cancelled: []int64{}, Held: []int64{}}
		status, err := tx.OrderStatus(ctx, in.OrderID)
		if err != nil {
			return outcome[StopResult]{}, err
		}
		if status == "cancelled" {
			return outcome[StopResult]{value: out}, nil
		}
		var events []workflow.Event
		err = lockEachOfOrder(ctx, tx, in.OrderID, in.Replacement, func(p *workflow.Preparation) error {
			switch p.Status {
			case workflow.StatusQueued:
				events = append(events, p.Cancel(in.Actor, in.Reason)...)
				if err := tx.SavePreparation(ctx, p); err != nil {
					return err
				}
				out.Cancelled = append(out.Cancelled, p.ID)
			case workflow.StatusInProgress, workflow.StatusCompleted, workflow.StatusSecondCheck, workflow.StatusVerified:
				h := store.Hold{PreparationID: p.ID, Kind: in.Kind, Reason: in.Reason, CreatedAt: in.Now}
				if in.Replacement != 0 {
					r := in.Replacement
					h.ReplacementID = &r
				}
				if err := tx.InsertHold(ctx, h); err != nil {
					return err
				}
				out.Held = append(out.Held, p.ID)
				events = append(events, workflow.NewEvent(EvHeld, in.Actor, p.ID, map[string]any{
					"order_id": in.OrderID, "kind": in.Kind, "reason": in.Reason, "from": p.Status, "replacement_id": in.Replacement}))
			}
			return nil
		})
		if err != nil {
			return outcome[StopResult]{}, err
		}
		if len(out.Held) == 0 {
			if err := tx.CancelOrder(ctx, in.OrderID, in.Actor, in.Now, in.Reason); err != nil {
				return outcome[StopResult]{}, err
			}
			events = append(events, workflow.NewEvent(workflow.EvOrderCancelled, in.Actor, 0, map[string]any{"order_id": in.OrderID, "reason": in.Reason}))
		}
		return outcome[StopResult]{value: out, events: events}, nil
	})
}

// HoldOrder holds every open preparation of an order (the ordering system
// put it on hold): nobody claims or works them until the hold is released.
func (s *Service) HoldOrder(ctx context.Context, orderID int64, reason string, actor int64, now time.Time, key *Key) (Done[StopResult], error) {
	return write(ctx, s, key, func(tx *store.Tx) (outcome[StopResult], error) {
		out := StopResult{OrderID: orderID, Cancelled: []int64{}, Held: []int64{}}
		var events []workflow.Event
		err := lockEachOfOrder(ctx, tx, orderID, 0, func(p *workflow.Preparation) error {
			if !p.Status.Open() || p.Status == workflow.StatusReleased {
				return nil
			}
			if err := tx.InsertHold(ctx, store.Hold{PreparationID: p.ID, Kind: HoldHeld, Reason: reason, CreatedAt: now}); err != nil {
				return err
			}
			out.Held = append(out.Held, p.ID)
			events = append(events, workflow.NewEvent(EvHeld, actor, p.ID, map[string]any{"order_id": orderID, "kind": HoldHeld, "reason": reason, "from": p.Status}))
			return nil
		})
		if err != nil {
			return outcome[StopResult]{}, err
		}
		return outcome[StopResult]{value: out, events: events}, nil
	})
}

// ResumeOrder lifts the holds that holding the order put (the ordering
// system released it); holds for a change or stop stay for a pharmacist.
func (s *Service) ResumeOrder(ctx context.Context, orderID int64, actor int64, now time.Time, key *Key) (Done[StopResult], error) {
	return write(ctx, s, key, func(tx *store.Tx) (outcome[StopResult], error) {
		out := StopResult{OrderID: orderID, Cancelled: []int64{}, Held: []int64{}}
		var events []workflow.Event
		err := lockEachOfOrder(ctx, tx, orderID, 0, func(p *workflow.Preparation) error {
			h, err := tx.OpenHold(ctx, p.ID)
			if err != nil || h == nil || h.Kind != HoldHeld {
				return err
			}
			if err := tx.DecideHold(ctx, h.ID, "released", actor, now, "released by the ordering system"); err != nil {
				return err
			}
			events = append(events, workflow.NewEvent(EvHoldDecided, actor, p.ID, map[string]any{"hold_id": h.ID, "decision": "released"}))
			return nil
		})
		if err != nil {
			return outcome[StopResult]{}, err
		}
		return outcome[StopResult]{value: out, events: events}, nil
	})
}

// lockEachOfOrder locks the preparations of an order one at a time, in
// the order the store lists them, leaving out except (0: none), and hands
// each to fn; the first error stops it.
func lockEachOfOrder(ctx context.Context, tx *store.Tx, orderID, except int64, fn func(p *workflow.Preparation) error) error {
	ids, err := tx.PreparationsOfOrder(ctx, orderID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if id == except {
			continue
		}
		p, err := tx.LockPreparation(ctx, id)
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}

// HoldDecision is a pharmacist's decision on a held preparation.
type HoldDecision struct {
	PreparationID int64
	Decision      string // DecideContinue or DecideStop
	Reason        string
	Actor         int64
	Now           time.Time
}

// HoldDecided is the outcome of a decision.
type HoldDecided struct {
	PreparationID int64           `json:"preparation_id"`
	Decision      string          `json:"decision"`
	Status        workflow.Status `json:"status"`
	// Cancelled lists the preparations the decision cancelled: the held
	// one (stop), or the changed order's new one (continue).
	Cancelled []int64 `json:"cancelled"`
}

// DecideHold lets a pharmacist decide on a held preparation: stop cancels
// it; continue lets the technician go on, and cancels the preparation
// queued from the changed order, which the held one now stands for. A
// preparation stopped by the ordering system cannot be continued.
func (s *Service) DecideHold(ctx context.Context, in HoldDecision, key *Key) (Done[HoldDecided], error) {
	if in.Decision != DecideContinue && in.Decision != DecideStop {
		return Done[HoldDecided]{}, apperr.InvalidField("decision", "%q is not continue or stop", in.Decision)
	}
	return write(ctx, s, key, func(tx *store.Tx) (outcome[HoldDecided], error) {
		p, err := tx.LockPreparation(ctx, in.PreparationID)
		if err != nil {
			return outcome[HoldDecided]{}, err
		}
		h, err := tx.OpenHold(ctx, p.ID)
		if err != nil {
			return outcome[HoldDecided]{}, err
		}
		if h == nil {
			return outcome[HoldDecided]{}, apperr.WithCode(apperr.Conflict, "not_on_hold", "preparation %d is not on hold", p.ID)
		}
		if in.Decision == DecideContinue && h.Kind == HoldStopped {
			e := apperr.WithCode(apperr.Refused, "cannot_continue",
				"the order of preparation %d was stopped by the ordering system; it cannot go on: decide stop", p.ID)
			e.Field = "decision"
			return outcome[HoldDecided]{}, e
		}
		out := HoldDecided{PreparationID: p.ID, Decision: in.Decision, Cancelled: []int64{}}
		events := []workflow.Event{workflow.NewEvent(EvHoldDecided, in.Actor, p.ID, map[string]any{
			"hold_id": h.ID, "kind": h.Kind, "decision": in.Decision, "reason": in.Reason})}
		if err := tx.DecideHold(ctx, h.ID, in.Decision, in.Actor, in.Now, in.Reason); err != nil {
			return outcome[HoldDecided]{}, err
		}
		cancel := func(q *workflow.Preparation, why string) error {
			evs := q.Cancel(in.Actor, why)
			if len(evs) == 0 {
				return nil
			}
			if err := tx.SavePreparation(ctx, q); err != nil {
				return err
			}
			out.Cancelled = append(out.Cancelled, q.ID)
			events = append(events, evs...)
			return nil
		}
		switch in.Decision {
		case DecideStop:
			if err := cancel(p, "pharmacist stopped it after: "+h.Reason); err != nil {
				return outcome[HoldDecided]{}, err
			}
			if h.Kind != HoldHeld {
				if err := cancelOrderIfDone(ctx, tx, p.OrderID, in.Actor, in.Now, h.Reason); err != nil {
					return outcome[HoldDecided]{}, err
				}
			}
		case DecideContinue:
			if h.ReplacementID != nil {
				r, err := tx.LockPreparation(ctx, *h.ReplacementID)
				if err != nil {
					return outcome[HoldDecided]{}, err
				}
				if r.Status != workflow.StatusQueued && r.Status.Open() {
					return outcome[HoldDecided]{}, apperr.WithCode(apperr.Conflict, "replacement_started",
						"preparation %d of the changed order is already %s; stop this one instead", r.ID, r.Status)
				}
				if err := cancel(r, "superseded: a pharmacist let preparation "+itoa(p.ID)+" go on"); err != nil {
					return outcome[HoldDecided]{}, err
				}
			}
		}
		out.Status = p.Status
		return outcome[HoldDecided]{value: out, events: events}, nil
	})
}

// cancelOrderIfDone cancels an order once none of its preparations is open.
func cancelOrderIfDone(ctx context.Context, tx *store.Tx, orderID, actor int64, now time.Time, reason string) error {
	status, err := tx.OrderStatus(ctx, orderID)
	if err != nil || status == "cancelled" {
		return err
	}
	ids, err := tx.PreparationsOfOrder(ctx, orderID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		q, err := tx.LockPreparation(ctx, id)
		if err != nil {
			return err
		}
		if q.Status.Open() {
			return nil
		}
	}
	return tx.CancelOrder(ctx, orderID, actor, now, reason)
}

func itoa(n int64) string {
	const digits = "0123456789"
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{digits[n%10]}, b...)
	}
	return string(b)
}
