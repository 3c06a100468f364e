package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// LockRecipe reads a recipe version and locks its row until tx ends.
func (t *Tx) LockRecipe(ctx context.Context, id int64) (workflow.Recipe, error) {
	var row recipeRow
	if err := t.tx.GetContext(ctx, &row, t.s.q.WfRecipeLock, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return workflow.Recipe{}, apperr.New(apperr.NotFound, "no recipe %d", id)
		}
		return workflow.Recipe{}, Translate(err)
	}
	return row.recipe()
}

// SaveRecipeApproval stores the approval of a locked draft version.
func (t *Tx) SaveRecipeApproval(ctx context.Context, r workflow.Recipe) error {
	if r.Status != workflow.RecipeApproved || r.ApprovedBy == nil || r.ApprovedAt == nil {
		return apperr.New(apperr.Internal, "recipe %d: no approval to save", r.ID)
	}
	res, err := t.tx.ExecContext(ctx, t.s.q.WfRecipeApprove, r.ID, *r.ApprovedBy, *r.ApprovedAt)
	if err != nil {
		return Translate(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return apperr.WithCode(apperr.Conflict, "wrong_state", "recipe %d is no longer a draft", r.ID)
	}
	return nil
}
