package workflow

import (
	"time"

	"github.com/laminar-rx/laminar/internal/apperr"
)

// RecipeStatus says whether a recipe version may be followed.
type RecipeStatus string

// A version is written as a draft and becomes approved once, by a
// pharmacist who did not write it. Orders follow the newest approved
// version of their drug; a draft is never followed.
const (
	RecipeDraft    RecipeStatus = "draft"
	RecipeApproved RecipeStatus = "approved"
)

// EvRecipeApproved is logged when a pharmacist approves a recipe version.
const EvRecipeApproved = "recipe.approved"

// Approve approves a draft version for use. The approver signs for it as a
// second person: the author of the version may not approve it (403
// own_recipe), and an approved version stays approved (409 wrong_state).
// The caller checks the approver's role and re-entered password.
func (r *Recipe) Approve(actor int64, now time.Time) ([]Event, error) {
	if r.Status == RecipeApproved {
		return nil, apperr.WithCode(apperr.Conflict, "wrong_state", "version %d of the %s recipe is already approved", r.Version, r.Drug)
	}
	if r.CreatedBy != nil && *r.CreatedBy == actor {
		return nil, apperr.WithCode(apperr.Forbidden, "own_recipe",
			"you wrote version %d of the %s recipe: another pharmacist must check and approve it", r.Version, r.Drug)
	}
	at := now.UTC()
	r.Status, r.ApprovedBy, r.ApprovedAt = RecipeApproved, &actor, &at
	return []Event{NewEvent(EvRecipeApproved, actor, 0, map[string]any{
		"recipe_id": r.ID, "drug": r.Drug, "version": r.Version, "name": r.Name, "author": r.CreatedBy})}, nil
}
