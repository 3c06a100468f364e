package compounding

import (
	"context"
	"strings"
	"time"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// CreateRecipe stores a new version of a drug's master formulation record
// (the next version number for that drug). Existing preparations keep the
// version they were computed with.
func (s *Service) CreateRecipe(ctx context.Context, r workflow.Recipe, actor int64, now time.Time, key *Key) (Done[workflow.Recipe], error) {
	r.Normalize()
	if err := r.Validate(); err != nil {
		return Done[workflow.Recipe]{}, err
	}
	return write(ctx, s, key, func(tx *store.Tx) (outcome[workflow.Recipe], error) {
		r, err := tx.InsertRecipe(ctx, r, actor, now)
		if err != nil {
			return outcome[workflow.Recipe]{}, err
		}
		return outcome[workflow.Recipe]{value: r, events: []workflow.Event{workflow.NewEvent(workflow.EvRecipeCreated, actor, 0,
			map[string]any{"recipe_id": r.ID, "drug": r.Drug, "version": r.Version, "name": r.Name})}}, nil
	})
}

// OrderCreated is the answer to a new order.
type OrderCreated struct {
	OrderID       int64 `json:"id"`
	PreparationID int64 `json:"preparation_id"`
}

// CreateOrder stores a validated order and its first preparation, whose
// worksheet is computed from the recipe in force for the drug: its newest
// approved version (a newer draft is not followed).
func (s *Service) CreateOrder(ctx context.Context, o workflow.Order, actor int64, now time.Time, key *Key) (Done[OrderCreated], error) {
	if d, err := Replay[OrderCreated](ctx, s, key); d.Replayed || err != nil {
		return d, err
	}
	recipe, found, err := s.st.CurrentRecipe(ctx, o.Drug)
	if err != nil {
		return Done[OrderCreated]{}, err
	}
	if !found {
		e := apperr.WithCode(apperr.Refused, "no_recipe", "there is no approved master formulation record for %q; one must be written and approved by a pharmacist first", o.Drug)
		e.Field = "drug"
		return Done[OrderCreated]{}, e
	}
	o = withRecipeDefaults(o, recipe)
	products, err := s.st.ProductsOf(ctx, recipe.Products)
	if err != nil {
		return Done[OrderCreated]{}, err
	}
	diluents, err := s.st.ProductsOf(ctx, recipe.Diluents)
	if err != nil {
		return Done[OrderCreated]{}, err
	}
	components, err := s.componentsOf(ctx, recipe)
	if err != nil {
		return Done[OrderCreated]{}, err
	}
	return write(ctx, s, key, func(tx *store.Tx) (outcome[OrderCreated], error) {
		// The provisional BUD uses the rule version in force now, read in
		// this transaction: an admin's new version applies at once.
		rv, err := tx.BUDRuleVersionAt(ctx, now)
		if err != nil {
			return outcome[OrderCreated]{}, err
		}
		gv, err := tx.GuardRuleVersionAt(ctx, now)
		if err != nil {
			return outcome[OrderCreated]{}, err
		}
		// A maximum per day is judged with the patient's other orders of
		// the drug; the patient's orders are locked until this one is in.
		same, err := tx.SameDrugDoses(ctx, o.Patient.MRN, o.Drug, o.DueAt)
		if err != nil {
			return outcome[OrderCreated]{}, err
		}
		ep, gravities, err := doseEvidenceData(ctx, tx, products, now)
		if err != nil {
			return outcome[OrderCreated]{}, err
		}
		ws, err := workflow.ComputeWorksheet(workflow.WorksheetInput{
			Order: o, Recipe: recipe, Products: products, Diluents: diluents, Components: components,
			Rules: rv.Rules, Guards: gv.Rules, SameDrug: same, Evidence: ep, Gravities: gravities, Now: now, Location: s.loc,
		})
		if err != nil {
			return outcome[OrderCreated]{}, err
		}
		var oc OrderCreated
		if oc.OrderID, err = tx.InsertOrder(ctx, o, actor, now); err != nil {
			return outcome[OrderCreated]{}, err
		}
		if oc.PreparationID, err = tx.InsertPreparation(ctx, oc.OrderID, recipe.ID, &ws, now); err != nil {
			return outcome[OrderCreated]{}, err
		}
		return outcome[OrderCreated]{value: oc, events: []workflow.Event{
			workflow.NewEvent(workflow.EvOrderCreated, actor, oc.PreparationID, map[string]any{
				"order_id": oc.OrderID, "drug": o.Drug, "dose": o.Dose.String(), "route": o.Route,
				"priority": o.Priority, "due_at": o.DueAt.UTC(), "mrn": o.Patient.MRN}),
			workflow.NewEvent(workflow.EvPrepQueued, actor, oc.PreparationID, map[string]any{
				"order_id": oc.OrderID, "recipe_id": recipe.ID, "recipe_version": recipe.Version,
				"dose": ws.Quantities["dose"].Value, "volume": ws.Quantities["volume"].Value}),
		}}, nil
	})
}

// componentsOf resolves the other components a recipe names, each scanned
// in its own step: the reconstitution diluent and the dilution's diluent,
// by the products the recipe lists for them or else by their name.
func (s *Service) componentsOf(ctx context.Context, r workflow.Recipe) (map[string][]workflow.Product, error) {
	out := map[string][]workflow.Product{}
	add := func(of, name string, refs []workflow.ProductRef) error {
		if len(refs) == 0 && strings.TrimSpace(name) != "" {
			refs = []workflow.ProductRef{{Drug: strings.ToLower(strings.Join(strings.Fields(name), " "))}}
		}
		if len(refs) == 0 {
			return nil
		}
		ps, err := s.st.ProductsOf(ctx, refs)
		out[of] = ps
		return err
	}
	if rc := r.Reconstitution; rc != nil {
		if err := add(workflow.OfReconDiluent, rc.Diluent, rc.Products); err != nil {
			return nil, err
		}
	}
	if d := r.Dilution; d != nil {
		if err := add(workflow.OfDilutionDiluent, d.Diluent, d.Products); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// OrderCancelled is the answer to a cancellation.
type OrderCancelled struct {
	OrderID   int64   `json:"id"`
	Status    string  `json:"status"`
	Cancelled []int64 `json:"cancelled_preparations"`
}

// CancelOrder cancels an order and every preparation of it not yet closed.
// An order with a released preparation can no longer be cancelled.
func (s *Service) CancelOrder(ctx context.Context, orderID int64, reason string, actor int64, now time.Time, key *Key) (Done[OrderCancelled], error) {
	return write(ctx, s, key, func(tx *store.Tx) (outcome[OrderCancelled], error) {
		status, err := tx.OrderStatus(ctx, orderID)
		if err != nil {
			return outcome[OrderCancelled]{}, err
		}
		if status == "cancelled" {
			return outcome[OrderCancelled]{}, apperr.WithCode(apperr.Conflict, "wrong_state", "order %d is already cancelled", orderID)
		}
		ids, err := tx.PreparationsOfOrder(ctx, orderID)
		if err != nil {
			return outcome[OrderCancelled]{}, err
		}
		var preps []*workflow.Preparation
		for _, id := range ids {
			p, err := tx.LockPreparation(ctx, id)
			if err != nil {
				return outcome[OrderCancelled]{}, err
			}
			if p.Status == workflow.StatusReleased {
				return outcome[OrderCancelled]{}, apperr.WithCode(apperr.Conflict, "wrong_state",
					"order %d has a released preparation (%d); it can no longer be cancelled", orderID, p.ID)
			}
			preps = append(preps, p)
		}
		if err := tx.CancelOrder(ctx, orderID, actor, now, reason); err != nil {
			return outcome[OrderCancelled]{}, err
		}
		out := OrderCancelled{OrderID: orderID, Status: "cancelled", Cancelled: []int64{}}
		events := []workflow.Event{workflow.NewEvent(workflow.EvOrderCancelled, actor, 0, map[string]any{"order_id": orderID, "reason": reason})}
		for _, p := range preps {
			evs := p.Cancel(actor, reason)
			if len(evs) == 0 {
				continue
			}
			if err := tx.SavePreparation(ctx, p); err != nil {
				return outcome[OrderCancelled]{}, err
			}
			out.Cancelled = append(out.Cancelled, p.ID)
			events = append(events, evs...)
		}
		return outcome[OrderCancelled]{value: out, events: events}, nil
	})
}
