package compounding

import (
	"context"
	"time"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// ApproveRecipe approves a draft recipe version for use, as a pharmacist
// who did not write it (the domain refuses the author); from then on new
// orders for the drug follow it, unless a newer version is approved. The
// caller has checked the pharmacist's role and re-entered password.
func (s *Service) ApproveRecipe(ctx context.Context, id, actor int64, now time.Time, key *Key) (Done[workflow.Recipe], error) {
	return write(ctx, s, key, func(tx *store.Tx) (outcome[workflow.Recipe], error) {
		r, err := tx.LockRecipe(ctx, id)
		if err != nil {
			return outcome[workflow.Recipe]{}, err
		}
		events, err := r.Approve(actor, now)
		if err != nil {
			return outcome[workflow.Recipe]{}, err
		}
		if err := tx.SaveRecipeApproval(ctx, r); err != nil {
			return outcome[workflow.Recipe]{}, err
		}
		return outcome[workflow.Recipe]{value: r, events: events}, nil
	})
}

// PreviewWorksheet computes the worksheet an order would get from a recipe
// that is not stored (the editor's test patient): the same computation,
// products, rules and guards as a real order, with nothing written.
func (s *Service) PreviewWorksheet(ctx context.Context, r workflow.Recipe, o workflow.Order, now time.Time) (workflow.Worksheet, error) {
	r.Normalize()
	if err := r.Validate(); err != nil {
		return workflow.Worksheet{}, err
	}
	o = withRecipeDefaults(o, r)
	products, err := s.st.ProductsOf(ctx, r.Products)
	if err != nil {
		return workflow.Worksheet{}, err
	}
	diluents, err := s.st.ProductsOf(ctx, r.Diluents)
	if err != nil {
		return workflow.Worksheet{}, err
	}
	components, err := s.componentsOf(ctx, r)
	if err != nil {
		return workflow.Worksheet{}, err
	}
	rv, err := s.st.BUDRuleVersionAt(ctx, now)
	if err != nil {
		return workflow.Worksheet{}, err
	}
	guards, err := s.st.GuardRulesAt(ctx, now)
	if err != nil {
		return workflow.Worksheet{}, err
	}
	return workflow.ComputeWorksheet(workflow.WorksheetInput{
		Order: o, Recipe: r, Products: products, Diluents: diluents, Components: components,
		Rules: rv.Rules, Guards: guards, Now: now, Location: s.loc,
	})
}

// withRecipeDefaults gives an order without a final volume the recipe's
// default final volume and diluent.
func withRecipeDefaults(o workflow.Order, r workflow.Recipe) workflow.Order {
	if o.FinalVolume == nil && r.DefaultFinalVolume != "" {
		if fv, err := calc.Parse(r.DefaultFinalVolume); err == nil {
			o.FinalVolume = &fv
			if o.Diluent == "" {
				o.Diluent = r.DefaultDiluent
			}
		}
	}
	return o
}
