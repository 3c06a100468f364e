package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// recipeRow is a recipes row: its columns, and the master formulation
// record itself as a JSON document.
type recipeRow struct {
	ID        int64     `db:"id"`
	Drug      string    `db:"drug"`
	Version   int       `db:"version"`
	Name      string    `db:"name"`
	Body      []byte    `db:"body"`
	CreatedBy *int64    `db:"created_by"`
	CreatedAt time.Time `db:"created_at"`
	// Status, ApprovedBy and ApprovedAt are the version's approval.
	Status     string     `db:"status"`
	ApprovedBy *int64     `db:"approved_by"`
	ApprovedAt *time.Time `db:"approved_at"`
}

func (r recipeRow) recipe() (workflow.Recipe, error) {
	var rc workflow.Recipe
	if err := json.Unmarshal(r.Body, &rc); err != nil {
		return rc, apperr.Wrap(fmt.Errorf("recipe %d: %w", r.ID, err), "stored recipe is unreadable")
	}
	rc.ID, rc.Drug, rc.Version, rc.Name, rc.CreatedBy, rc.CreatedAt = r.ID, r.Drug, r.Version, r.Name, r.CreatedBy, r.CreatedAt.UTC()
	rc.Status, rc.ApprovedBy, rc.ApprovedAt = workflow.RecipeStatus(r.Status), r.ApprovedBy, nil
	if r.ApprovedAt != nil {
		at := r.ApprovedAt.UTC()
		rc.ApprovedAt = &at
	}
	return rc, nil
}

// InsertRecipe stores r as the next version of its drug's recipe and
// returns it with its id, version and creation filled in.
func (t *Tx) InsertRecipe(ctx context.Context, r workflow.Recipe, actor int64, now time.Time) (workflow.Recipe, error) {
	// The approval lives in columns only; a new version starts as a draft.
	r.Status, r.ApprovedBy, r.ApprovedAt = "", nil, nil
	body, err := json.Marshal(r)
	if err != nil {
		return r, apperr.Wrap(err, "encode recipe")
	}
	var row struct {
		ID      int64  `db:"id"`
		Version int    `db:"version"`
		Status  string `db:"status"`
	}
	if err := t.tx.GetContext(ctx, &row, t.s.q.WfRecipeInsert, r.Drug, r.Name, body, nullID(actor), now); err != nil {
		return r, Translate(err)
	}
	r.ID, r.Version, r.CreatedAt, r.Status = row.ID, row.Version, now.UTC(), workflow.RecipeStatus(row.Status)
	if actor != 0 {
		r.CreatedBy = &actor
	}
	return r, nil
}

// Recipe returns one recipe version.
func (s *Store) Recipe(ctx context.Context, id int64) (workflow.Recipe, error) {
	var row recipeRow
	if err := s.DB.GetContext(ctx, &row, s.q.WfRecipeGet, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return workflow.Recipe{}, apperr.New(apperr.NotFound, "no recipe %d", id)
		}
		return workflow.Recipe{}, Translate(err)
	}
	return row.recipe()
}

// CurrentRecipe returns the recipe version in force for a drug, its newest
// approved version; found is false when the drug has none.
func (s *Store) CurrentRecipe(ctx context.Context, drug string) (r workflow.Recipe, found bool, err error) {
	var row recipeRow
	if err := s.DB.GetContext(ctx, &row, s.q.WfRecipeCurrent, drug); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return r, false, nil
		}
		return r, false, Translate(err)
	}
	r, err = row.recipe()
	return r, err == nil, err
}

// RecipeFilter narrows a recipe listing.
type RecipeFilter struct {
	Drug string
	// Current keeps only the version in force of each drug: its newest
	// approved version.
	Current bool
}

// Recipes lists recipe versions, newest version of each drug first.
func (s *Store) Recipes(ctx context.Context, f RecipeFilter) ([]workflow.Recipe, error) {
	var rows []recipeRow
	if err := s.DB.SelectContext(ctx, &rows, s.q.WfRecipeList); err != nil {
		return nil, Translate(err)
	}
	out := []workflow.Recipe{}
	seen := map[string]bool{}
	for _, row := range rows {
		if f.Drug != "" && row.Drug != f.Drug {
			continue
		}
		if f.Current && (seen[row.Drug] || row.Status != string(workflow.RecipeApproved)) {
			continue
		}
		seen[row.Drug] = true
		r, err := row.recipe()
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// InsertOrder stores a validated order and returns its id.
func (t *Tx) InsertOrder(ctx context.Context, o workflow.Order, actor int64, now time.Time) (int64, error) {
	args := []any{o.Patient.MRN, o.Patient.Name, o.Patient.BirthDate}
	args = append(args, qArgs(o.Patient.Weight)...)
	args = append(args, qArgs(o.Patient.Height)...)
	args = append(args, o.Patient.Location, o.Drug, o.Dose.Value, o.Dose.Unit.String(), o.Route, o.Diluent)
	args = append(args, qArgs(o.FinalVolume)...)
	infuse := ""
	if o.InfuseOver != nil {
		infuse = o.InfuseOver.String()
	}
	args = append(args, infuse, o.DueAt, string(o.Priority), nullID(actor), now)
	var id int64
	if err := t.tx.GetContext(ctx, &id, t.s.q.WfOrderInsert, args...); err != nil {
		return 0, Translate(err)
	}
	return id, nil
}

// InsertPreparation stores the first preparation of an order, queued,
// with its worksheet.
func (t *Tx) InsertPreparation(ctx context.Context, orderID, recipeID int64, ws *workflow.Worksheet, now time.Time) (int64, error) {
	wsJSON, err := json.Marshal(ws)
	if err != nil {
		return 0, apperr.Wrap(err, "encode worksheet")
	}
	var id int64
	if err := t.tx.GetContext(ctx, &id, t.s.q.WfPrepInsert,
		orderID, nil, recipeID, workflow.BatchKey(ws), wsJSON, now, string(workflow.InitialStatus(ws))); err != nil {
		return 0, Translate(err)
	}
	return id, nil
}

// OrderStatus locks an order and returns its status ("active" or
// "cancelled").
func (t *Tx) OrderStatus(ctx context.Context, orderID int64) (string, error) {
	var status string
	if err := t.tx.GetContext(ctx, &status, t.s.q.WfOrderLock, orderID); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return "", apperr.New(apperr.NotFound, "no order %d", orderID)
		}
		return "", Translate(err)
	}
	return status, nil
}

// PreparationsOfOrder lists the ids of an order's preparations, oldest first.
func (t *Tx) PreparationsOfOrder(ctx context.Context, orderID int64) ([]int64, error) {
	var ids []int64
	if err := t.tx.SelectContext(ctx, &ids, t.s.q.WfPrepsOfOrder, orderID); err != nil {
		return nil, Translate(err)
	}
	return ids, nil
}

// CancelOrder marks an order cancelled, by whom, when and why.
func (t *Tx) CancelOrder(ctx context.Context, orderID, actor int64, now time.Time, reason string) error {
	_, err := t.tx.ExecContext(ctx, t.s.q.WfOrderCancel, orderID, nullID(actor), now, reason)
	return Translate(err)
}

// UserIDByName returns a user's ID by username (0 and a not-found error
// when there is none); the demo seed uses it to attribute its records.
func (s *Store) UserIDByName(ctx context.Context, username string) (int64, error) {
	var id int64
	if err := s.DB.GetContext(ctx, &id, s.q.WfUserID, username); err != nil {
		return 0, Translate(err)
	}
	return id, nil
}

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// qArgs is a nullable quantity as its numeric value and unit columns.
func qArgs(q *calc.Quantity) []any {
	if q == nil {
		return []any{nil, nil}
	}
	return []any{q.Value, q.Unit.String()}
}
