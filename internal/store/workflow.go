package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/bud"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// Audit event types of the workflow.
const (
	EvRecipeCreated     = "recipe.created"
	EvOrderCreated      = "order.created"
	EvOrderCancelled    = "order.cancelled"
	EvPrepQueued        = "preparation.queued"
	EvPrepClaimed       = "preparation.claimed"
	EvPrepClaimReleased = "preparation.claim_released"
	EvScanAccepted      = "preparation.scan_accepted"
	EvScanRefused       = "preparation.scan_refused"
	EvWeight            = "preparation.weight_recorded"
	EvStepDone          = "preparation.step_done"
	EvPhoto             = "preparation.photo_added"
	EvCompleted         = "preparation.completed"
	EvLabelPrinted      = "preparation.label_printed"
	EvLabelReprinted    = "preparation.label_reprinted"
	EvVerified          = "preparation.verified"
	EvRejected          = "preparation.rejected"
	EvWaste             = "preparation.waste_recorded"
	EvRemakeQueued      = "preparation.remake_queued"
	EvReleased          = "preparation.released"
	EvCancelled         = "preparation.cancelled"
)

// ---------------------------------------------------------------------------
// Idempotency

// Idem is an Idempotency-Key of a request: the first response to it is
// stored in the same transaction as the change it made.
type Idem struct {
	UserID      int64
	Route       string
	Key         string
	RequestHash string
	// Render turns the outcome (a result, or a refusal that was recorded
	// and committed) into the status and body the client is sent.
	Render func(result any, refusal error) (status int, body []byte)
}

// Replayed is returned instead of a result when a request repeats an
// Idempotency-Key: Status and Body are the first response.
type Replayed struct {
	Status      int
	Body        []byte
	ContentType string
}

// Error makes Replayed an error, so it travels the error path untouched.
func (r *Replayed) Error() string { return fmt.Sprintf("replayed response %d", r.Status) }

type idemRow struct {
	RequestHash string `db:"request_hash"`
	Status      int    `db:"status"`
	Body        []byte `db:"body"`
	ContentType string `db:"content_type"`
}

func (r idemRow) replay(hash string) error {
	if r.RequestHash != hash {
		return apperr.WithCode(apperr.Conflict, "idempotency_key_reused",
			"this Idempotency-Key was already used for a different request; use a new key for a new request")
	}
	return &Replayed{Status: r.Status, Body: r.Body, ContentType: r.ContentType}
}

// StoredResponse returns the stored first response of an Idempotency-Key
// as a *Replayed error, or nil when the key is new.
func (s *Store) StoredResponse(ctx context.Context, idem *Idem) error {
	var row idemRow
	err := s.DB.GetContext(ctx, &row, s.Query("wf-idem-get"), idem.UserID, idem.Route, idem.Key)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return Translate(err)
	}
	if row.Status == 0 {
		return nil
	}
	return row.replay(idem.RequestHash)
}

// outcome is what a workflow transaction produced: a result, possibly a
// refusal that is committed all the same (a refused scan is recorded), and
// the audit events to append.
type outcome struct {
	result  any
	refusal error
	events  []audit.Event
}

// change runs one workflow step in a transaction: it claims the
// Idempotency-Key first (a concurrent duplicate waits on the key's primary
// key and then replays the stored response), runs fn, stores the response,
// appends the audit events last (they lock the chain head) and commits.
func (s *Store) change(ctx context.Context, idem *Idem, fn func(tx *sqlx.Tx) (outcome, error)) (any, error) {
	release, err := s.writeSlot(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	tx, err := s.DB.BeginTxx(ctx, nil)
	if err != nil {
		return nil, Translate(err)
	}
	defer func() { _ = tx.Rollback() }()
	if idem != nil {
		var uid int64
		err := s.getHot(ctx, tx, &uid, "wf-idem-claim", idem.UserID, idem.Route, idem.Key, idem.RequestHash)
		if errors.Is(err, sql.ErrNoRows) {
			_ = tx.Rollback()
			var row idemRow
			if err := s.DB.GetContext(ctx, &row, s.Query("wf-idem-get"), idem.UserID, idem.Route, idem.Key); err != nil {
				return nil, Translate(err)
			}
			return nil, row.replay(idem.RequestHash)
		}
		if err != nil {
			return nil, Translate(err)
		}
	}
	out, err := fn(tx)
	if err != nil {
		return nil, err
	}
	if idem != nil && idem.Render != nil {
		status, body := idem.Render(out.result, out.refusal)
		if err := s.execHot(ctx, tx, "wf-idem-save", idem.UserID, idem.Route, idem.Key, status, body, "application/json"); err != nil {
			return nil, Translate(err)
		}
	}
	for _, ev := range out.events {
		if _, err := audit.Append(ctx, tx, ev); err != nil {
			return nil, apperr.Wrap(err, "append to the compounding log")
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, Translate(err)
	}
	return out.result, out.refusal
}

func event(typ string, actor int64, prep int64, payload map[string]any) audit.Event {
	b, _ := json.Marshal(payload)
	e := audit.Event{Type: typ, Payload: b}
	if actor != 0 {
		e.ActorID = &actor
	}
	if prep != 0 {
		e.PreparationID = &prep
	}
	return e
}

// ---------------------------------------------------------------------------
// Recipes

type recipeRow struct {
	ID        int64     `db:"id"`
	Drug      string    `db:"drug"`
	Version   int       `db:"version"`
	Name      string    `db:"name"`
	Body      []byte    `db:"body"`
	CreatedBy *int64    `db:"created_by"`
	CreatedAt time.Time `db:"created_at"`
}

func (r recipeRow) recipe() (workflow.Recipe, error) {
	var rc workflow.Recipe
	if err := json.Unmarshal(r.Body, &rc); err != nil {
		return rc, apperr.Wrap(fmt.Errorf("recipe %d: %w", r.ID, err), "stored recipe is unreadable")
	}
	rc.ID, rc.Drug, rc.Version, rc.Name, rc.CreatedBy, rc.CreatedAt = r.ID, r.Drug, r.Version, r.Name, r.CreatedBy, r.CreatedAt.UTC()
	return rc, nil
}

// CreateRecipe stores a new version of a drug's master formulation record
// (the next version number for that drug). Existing preparations keep the
// version they were computed with.
func (s *Store) CreateRecipe(ctx context.Context, r workflow.Recipe, actor int64, now time.Time, idem *Idem) (workflow.Recipe, error) {
	r.Normalize()
	if err := r.Validate(); err != nil {
		return workflow.Recipe{}, err
	}
	res, err := s.change(ctx, idem, func(tx *sqlx.Tx) (outcome, error) {
		body, err := json.Marshal(r)
		if err != nil {
			return outcome{}, apperr.Wrap(err, "encode recipe")
		}
		var row struct {
			ID      int64 `db:"id"`
			Version int   `db:"version"`
		}
		if err := tx.GetContext(ctx, &row, s.Query("wf-recipe-insert"), r.Drug, r.Name, body, nullID(actor), now); err != nil {
			return outcome{}, Translate(err)
		}
		r.ID, r.Version, r.CreatedAt = row.ID, row.Version, now.UTC()
		if actor != 0 {
			r.CreatedBy = &actor
		}
		return outcome{result: r, events: []audit.Event{event(EvRecipeCreated, actor, 0, map[string]any{
			"recipe_id": r.ID, "drug": r.Drug, "version": r.Version, "name": r.Name})}}, nil
	})
	if err != nil {
		return workflow.Recipe{}, err
	}
	return res.(workflow.Recipe), nil
}

// Recipe returns one recipe version.
func (s *Store) Recipe(ctx context.Context, id int64) (workflow.Recipe, error) {
	var row recipeRow
	if err := s.DB.GetContext(ctx, &row, s.Query("wf-recipe-get"), id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return workflow.Recipe{}, apperr.New(apperr.NotFound, "no recipe %d", id)
		}
		return workflow.Recipe{}, Translate(err)
	}
	return row.recipe()
}

// RecipeFilter narrows a recipe listing.
type RecipeFilter struct {
	Drug string
	// Current keeps only the newest version of each drug.
	Current bool
}

// Recipes lists recipe versions, newest version of each drug first.
func (s *Store) Recipes(ctx context.Context, f RecipeFilter) ([]workflow.Recipe, error) {
	var rows []recipeRow
	if err := s.DB.SelectContext(ctx, &rows, s.Query("wf-recipe-list")); err != nil {
		return nil, Translate(err)
	}
	out := []workflow.Recipe{}
	seen := map[string]bool{}
	for _, row := range rows {
		if f.Drug != "" && row.Drug != f.Drug {
			continue
		}
		if f.Current && seen[row.Drug] {
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

// ---------------------------------------------------------------------------
// Orders

// OrderCreated is the answer to a new order.
type OrderCreated struct {
	OrderID       int64 `json:"id"`
	PreparationID int64 `json:"preparation_id"`
}

// CreateOrder stores a validated order and its first preparation, whose
// worksheet is computed from the recipe in force for the drug.
func (s *Store) CreateOrder(ctx context.Context, o workflow.Order, actor int64, now time.Time, loc *time.Location, idem *Idem) (OrderCreated, error) {
	var rrow recipeRow
	if err := s.DB.GetContext(ctx, &rrow, s.Query("wf-recipe-current"), o.Drug); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			e := apperr.WithCode(apperr.Refused, "no_recipe", "there is no master formulation record for %q; an admin must add one first", o.Drug)
			e.Field = "drug"
			return OrderCreated{}, e
		}
		return OrderCreated{}, Translate(err)
	}
	recipe, err := rrow.recipe()
	if err != nil {
		return OrderCreated{}, err
	}
	if o.FinalVolume == nil && recipe.DefaultFinalVolume != "" {
		fv, err := calc.Parse(recipe.DefaultFinalVolume)
		if err == nil {
			o.FinalVolume = &fv
			if o.Diluent == "" {
				o.Diluent = recipe.DefaultDiluent
			}
		}
	}
	cat := &workflowCatalog{s: s, loc: loc}
	products, err := cat.productsOf(ctx, recipe.Products)
	if err != nil {
		return OrderCreated{}, err
	}
	diluents, err := cat.productsOf(ctx, recipe.Diluents)
	if err != nil {
		return OrderCreated{}, err
	}
	res, err := s.change(ctx, idem, func(tx *sqlx.Tx) (outcome, error) {
		// The provisional BUD uses the rule version in force now, read in
		// this transaction: an admin's new version applies at once.
		rv, err := s.budRuleVersionAt(ctx, tx, now)
		if err != nil {
			return outcome{}, err
		}
		ws, err := workflow.ComputeWorksheet(workflow.WorksheetInput{
			Order: o, Recipe: recipe, Products: products, Diluents: diluents, Rules: rv.Rules, Now: now, Location: loc,
		})
		if err != nil {
			return outcome{}, err
		}
		wsJSON, err := json.Marshal(ws)
		if err != nil {
			return outcome{}, apperr.Wrap(err, "encode worksheet")
		}
		var oc OrderCreated
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
		if err := tx.GetContext(ctx, &oc.OrderID, s.Query("wf-order-insert"), args...); err != nil {
			return outcome{}, Translate(err)
		}
		if err := tx.GetContext(ctx, &oc.PreparationID, s.Query("wf-prep-insert"),
			oc.OrderID, nil, recipe.ID, workflow.BatchKey(&ws), wsJSON, now); err != nil {
			return outcome{}, Translate(err)
		}
		return outcome{result: oc, events: []audit.Event{
			event(EvOrderCreated, actor, oc.PreparationID, map[string]any{
				"order_id": oc.OrderID, "drug": o.Drug, "dose": o.Dose.String(), "route": o.Route,
				"priority": o.Priority, "due_at": o.DueAt.UTC(), "mrn": o.Patient.MRN}),
			event(EvPrepQueued, actor, oc.PreparationID, map[string]any{
				"order_id": oc.OrderID, "recipe_id": recipe.ID, "recipe_version": recipe.Version,
				"dose": ws.Quantities["dose"].Value, "volume": ws.Quantities["volume"].Value}),
		}}, nil
	})
	if err != nil {
		return OrderCreated{}, err
	}
	return res.(OrderCreated), nil
}

// CancelOrder cancels an order and every preparation of it not yet released.
func (s *Store) CancelOrder(ctx context.Context, orderID int64, reason string, actor int64, now time.Time, idem *Idem) (OrderCancelled, error) {
	res, err := s.change(ctx, idem, func(tx *sqlx.Tx) (outcome, error) {
		var o struct {
			ID       int64     `db:"id"`
			Status   string    `db:"status"`
			Drug     string    `db:"drug"`
			Priority string    `db:"priority"`
			DueAt    time.Time `db:"due_at"`
		}
		if err := tx.GetContext(ctx, &o, s.Query("wf-order-lock"), orderID); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return outcome{}, apperr.New(apperr.NotFound, "no order %d", orderID)
			}
			return outcome{}, Translate(err)
		}
		if o.Status == "cancelled" {
			return outcome{}, apperr.WithCode(apperr.Conflict, "wrong_state", "order %d is already cancelled", orderID)
		}
		var ids []int64
		if err := tx.SelectContext(ctx, &ids, s.Query("wf-preps-of-order"), orderID); err != nil {
			return outcome{}, Translate(err)
		}
		var preps []*workflow.Preparation
		for _, id := range ids {
			p, err := s.lockPrep(ctx, tx, id)
			if err != nil {
				return outcome{}, err
			}
			if p.Status == workflow.StatusReleased {
				return outcome{}, apperr.WithCode(apperr.Conflict, "wrong_state",
					"order %d has a released preparation (%d); it can no longer be cancelled", orderID, p.ID)
			}
			preps = append(preps, p)
		}
		if _, err := tx.ExecContext(ctx, s.Query("wf-order-cancel"), orderID, nullID(actor), now, reason); err != nil {
			return outcome{}, Translate(err)
		}
		out := OrderCancelled{OrderID: orderID, Cancelled: []int64{}}
		events := []audit.Event{event(EvOrderCancelled, actor, 0, map[string]any{"order_id": orderID, "reason": reason})}
		for _, p := range preps {
			if !p.Status.Open() {
				continue
			}
			from := p.Status
			p.Status, p.ClaimedBy, p.ClaimedAt = workflow.StatusCancelled, nil, nil
			if err := s.savePrep(ctx, tx, p); err != nil {
				return outcome{}, err
			}
			out.Cancelled = append(out.Cancelled, p.ID)
			events = append(events, event(EvCancelled, actor, p.ID, map[string]any{"order_id": orderID, "from": from, "reason": reason}))
		}
		return outcome{result: out, events: events}, nil
	})
	if err != nil {
		return OrderCancelled{}, err
	}
	return res.(OrderCancelled), nil
}

// OrderCancelled is the answer to a cancellation.
type OrderCancelled struct {
	OrderID   int64   `json:"id"`
	Status    string  `json:"status"`
	Cancelled []int64 `json:"cancelled_preparations"`
}

// ---------------------------------------------------------------------------
// Preparations

type prepRow struct {
	ID          int64      `db:"id"`
	OrderID     int64      `db:"order_id"`
	RemakeOf    *int64     `db:"remake_of"`
	RecipeID    int64      `db:"recipe_id"`
	Status      string     `db:"status"`
	Version     int        `db:"version"`
	BatchKey    string     `db:"batch_key"`
	Worksheet   []byte     `db:"worksheet"`
	ClaimedBy   *int64     `db:"claimed_by"`
	ClaimedAt   *time.Time `db:"claimed_at"`
	StartedAt   *time.Time `db:"started_at"`
	PreparedBy  *int64     `db:"prepared_by"`
	CompletedAt *time.Time `db:"completed_at"`
	VerifiedBy  *int64     `db:"verified_by"`
	VerifiedAt  *time.Time `db:"verified_at"`
	ReleasedBy  *int64     `db:"released_by"`
	ReleasedAt  *time.Time `db:"released_at"`
	BUD         *time.Time `db:"bud"`
	BUDResult   []byte     `db:"bud_result"`
	LabelSeq    int        `db:"label_seq"`
	CreatedAt   time.Time  `db:"created_at"`
	Priority    string     `db:"priority"`
	DueAt       time.Time  `db:"due_at"`
}

func (r prepRow) prep() (*workflow.Preparation, error) {
	p := &workflow.Preparation{
		ID: r.ID, OrderID: r.OrderID, RemakeOf: r.RemakeOf, RecipeID: r.RecipeID, Status: workflow.Status(r.Status),
		Version: r.Version, BatchKey: r.BatchKey, Priority: workflow.Priority(r.Priority), DueAt: r.DueAt.UTC(),
		ClaimedBy: r.ClaimedBy, ClaimedAt: r.ClaimedAt, StartedAt: r.StartedAt, PreparedBy: r.PreparedBy,
		CompletedAt: r.CompletedAt, VerifiedBy: r.VerifiedBy, VerifiedAt: r.VerifiedAt, ReleasedBy: r.ReleasedBy,
		ReleasedAt: r.ReleasedAt, LabelSeq: r.LabelSeq, CreatedAt: r.CreatedAt.UTC(),
	}
	if err := json.Unmarshal(r.Worksheet, &p.Worksheet); err != nil {
		return nil, apperr.Wrap(fmt.Errorf("preparation %d worksheet: %w", r.ID, err), "stored worksheet is unreadable")
	}
	if len(r.BUDResult) > 0 {
		var b bud.Result
		if err := json.Unmarshal(r.BUDResult, &b); err != nil {
			return nil, apperr.Wrap(fmt.Errorf("preparation %d BUD: %w", r.ID, err), "stored BUD is unreadable")
		}
		p.BUD = &b
	}
	return p, nil
}

func (s *Store) lockPrep(ctx context.Context, tx *sqlx.Tx, id int64) (*workflow.Preparation, error) {
	var row prepRow
	if err := s.getHot(ctx, tx, &row, "wf-prep-lock", id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, apperr.New(apperr.NotFound, "no preparation %d", id)
		}
		return nil, Translate(err)
	}
	return row.prep()
}

func (s *Store) savePrep(ctx context.Context, tx *sqlx.Tx, p *workflow.Preparation) error {
	ws, err := json.Marshal(p.Worksheet)
	if err != nil {
		return apperr.Wrap(err, "encode worksheet")
	}
	var budJSON []byte
	var budAt *time.Time
	if p.BUD != nil {
		if budJSON, err = json.Marshal(p.BUD); err != nil {
			return apperr.Wrap(err, "encode BUD")
		}
		t := p.BUD.BUD
		budAt = &t
	}
	res, err := tx.ExecContext(ctx, s.Query("wf-prep-save"), p.ID, p.Version, string(p.Status),
		p.ClaimedBy, p.ClaimedAt, p.StartedAt, p.PreparedBy, p.CompletedAt, p.VerifiedBy, p.VerifiedAt,
		p.ReleasedBy, p.ReleasedAt, budAt, budJSON, p.LabelSeq, ws)
	if err != nil {
		return Translate(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return apperr.WithCode(apperr.Conflict, "retry", "preparation %d changed while you were working on it; try again", p.ID)
	}
	p.Version++
	return nil
}

// progress loads everything recorded against a preparation's steps.
func (s *Store) progress(ctx context.Context, q sqlx.QueryerContext, id int64) (workflow.Progress, error) {
	var p workflow.Progress
	var scans []struct {
		ID          int64      `db:"id"`
		StepID      string     `db:"step_id"`
		UserID      int64      `db:"user_id"`
		Raw         string     `db:"raw_data"`
		Accepted    bool       `db:"accepted"`
		Code        string     `db:"refusal_code"`
		Message     string     `db:"refusal_message"`
		ProductID   *int64     `db:"product_id"`
		GTIN        string     `db:"gtin"`
		Lot         string     `db:"lot"`
		Serial      string     `db:"serial"`
		ExpiresAt   *time.Time `db:"expires_at"`
		ContainerID *int64     `db:"container_id"`
		Warning     string     `db:"warning"`
		At          time.Time  `db:"at"`
	}
	if err := sqlx.SelectContext(ctx, q, &scans, s.Query("wf-scans-of"), id); err != nil {
		return p, Translate(err)
	}
	for _, r := range scans {
		p.Scans = append(p.Scans, workflow.ScanRecord{ID: r.ID, StepID: r.StepID, UserID: r.UserID, Data: r.Raw,
			Accepted: r.Accepted, Code: r.Code, Message: r.Message, ProductID: r.ProductID, GTIN: r.GTIN, Lot: r.Lot,
			Serial: r.Serial, ExpiresAt: r.ExpiresAt, ContainerID: r.ContainerID, Warning: r.Warning, At: r.At.UTC()})
	}
	var weights []struct {
		ID        int64           `db:"id"`
		StepID    string          `db:"step_id"`
		UserID    int64           `db:"user_id"`
		Value     decimal.Decimal `db:"measured_value"`
		Unit      string          `db:"measured_unit"`
		Expected  decimal.Decimal `db:"expected_g"`
		Deviation decimal.Decimal `db:"deviation_pct"`
		Tolerance decimal.Decimal `db:"tolerance_pct"`
		Pass      bool            `db:"pass"`
		At        time.Time       `db:"at"`
	}
	if err := sqlx.SelectContext(ctx, q, &weights, s.Query("wf-weights-of"), id); err != nil {
		return p, Translate(err)
	}
	for _, w := range weights {
		p.Weights = append(p.Weights, workflow.WeightRecord{ID: w.ID, StepID: w.StepID, UserID: w.UserID,
			Measured: plainDec(w.Value) + " " + w.Unit, Expected: plainDec(w.Expected) + " g",
			Deviation: plainDec(w.Deviation) + "%", Tolerance: plainDec(w.Tolerance) + "%", Pass: w.Pass, At: w.At.UTC()})
	}
	var marks []struct {
		StepID string    `db:"step_id"`
		UserID int64     `db:"user_id"`
		At     time.Time `db:"at"`
	}
	if err := sqlx.SelectContext(ctx, q, &marks, s.Query("wf-marks-of"), id); err != nil {
		return p, Translate(err)
	}
	for _, m := range marks {
		p.Marks = append(p.Marks, workflow.MarkRecord{StepID: m.StepID, UserID: m.UserID, At: m.At.UTC()})
	}
	var photos []struct {
		StepID string `db:"step_id"`
		N      int    `db:"n"`
	}
	if err := sqlx.SelectContext(ctx, q, &photos, s.Query("wf-photos-of"), id); err != nil {
		return p, Translate(err)
	}
	p.Photos = map[string]int{}
	for _, ph := range photos {
		p.Photos[ph.StepID] = ph.N
	}
	return p, nil
}

// Preparation returns a preparation with its worksheet and progress, the
// steps' done flags filled in.
func (s *Store) Preparation(ctx context.Context, id int64) (*workflow.Preparation, error) {
	var row prepRow
	if err := s.DB.GetContext(ctx, &row, s.Query("wf-prep-get"), id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, apperr.New(apperr.NotFound, "no preparation %d", id)
		}
		return nil, Translate(err)
	}
	p, err := row.prep()
	if err != nil {
		return nil, err
	}
	if p.Progress, err = s.progress(ctx, s.DB, id); err != nil {
		return nil, err
	}
	p.Worksheet.Apply(p.Progress)
	return p, nil
}

// UserName returns a user's display name (or username), "" when unknown.
func (s *Store) UserName(ctx context.Context, id *int64) string {
	if id == nil {
		return ""
	}
	var name string
	if err := s.DB.GetContext(ctx, &name, s.Query("wf-user-name"), *id); err != nil {
		return fmt.Sprintf("user %d", *id)
	}
	return name
}

type queueRow struct {
	ID          int64      `db:"id"`
	OrderID     int64      `db:"order_id"`
	Status      string     `db:"status"`
	BatchKey    string     `db:"batch_key"`
	ClaimedBy   *int64     `db:"claimed_by"`
	PreparedBy  *int64     `db:"prepared_by"`
	CompletedAt *time.Time `db:"completed_at"`
	RemakeOf    *int64     `db:"remake_of"`
	Drug        string     `db:"drug"`
	DueAt       time.Time  `db:"due_at"`
	Priority    string     `db:"priority"`
	Location    string     `db:"patient_location"`
	Dose        string     `db:"dose"`
	DoseDisplay string     `db:"dose_display"`
	DrugDisplay string     `db:"drug_display"`
	Hazardous   bool       `db:"hazardous"`
}

func (s *Store) queue(ctx context.Context, name string) ([]workflow.QueueItem, error) {
	var rows []queueRow
	if err := s.DB.SelectContext(ctx, &rows, s.Query(name)); err != nil {
		return nil, Translate(err)
	}
	items := make([]workflow.QueueItem, len(rows))
	for i, r := range rows {
		items[i] = workflow.QueueItem{PreparationID: r.ID, OrderID: r.OrderID, Drug: r.DrugDisplay, Dose: r.Dose,
			DoseDisplay: r.DoseDisplay, DueAt: r.DueAt.UTC(), Priority: workflow.Priority(r.Priority),
			Status: workflow.Status(r.Status), BatchKey: r.BatchKey, Location: r.Location, Hazardous: r.Hazardous,
			ClaimedBy: r.ClaimedBy, PreparedBy: r.PreparedBy, CompletedAt: r.CompletedAt, RemakeOf: r.RemakeOf}
	}
	return items, nil
}

// Queue lists the preparations to make (queued or in progress), most
// urgent first (see workflow.SortQueue).
func (s *Store) Queue(ctx context.Context) ([]workflow.QueueItem, error) {
	items, err := s.queue(ctx, "wf-queue")
	if err != nil {
		return nil, err
	}
	workflow.SortQueue(items)
	return items, nil
}

// Verifications lists completed preparations awaiting a pharmacist, oldest first.
func (s *Store) Verifications(ctx context.Context) ([]workflow.QueueItem, error) {
	return s.queue(ctx, "wf-verifications")
}

// prepStep locks a preparation, checks the action is allowed in its status
// and, for a technician's step, that the actor holds the claim.
func (s *Store) prepStep(ctx context.Context, tx *sqlx.Tx, id int64, a workflow.Action, actor workflow.Actor, holderOnly bool) (*workflow.Preparation, error) {
	p, err := s.lockPrep(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if err := p.Status.Allows(a); err != nil {
		return nil, err
	}
	if holderOnly && (p.ClaimedBy == nil || *p.ClaimedBy != actor.UserID) {
		return nil, apperr.WithCode(apperr.Forbidden, "not_claimant",
			"preparation %d is claimed by someone else; only the technician holding the claim may work it", id)
	}
	return p, nil
}

// Claim gives a queued preparation to one technician. A concurrent or
// later claim by anyone else is a 409 claimed_elsewhere; claiming again
// what one already holds is not an error.
func (s *Store) Claim(ctx context.Context, id int64, actor workflow.Actor, now time.Time, idem *Idem) (*workflow.Preparation, error) {
	res, err := s.change(ctx, idem, func(tx *sqlx.Tx) (outcome, error) {
		p, err := s.lockPrep(ctx, tx, id)
		if err != nil {
			return outcome{}, err
		}
		if p.Status == workflow.StatusInProgress && p.ClaimedBy != nil {
			if *p.ClaimedBy == actor.UserID {
				return outcome{result: p}, nil
			}
			return outcome{}, apperr.WithCode(apperr.Conflict, "claimed_elsewhere",
				"preparation %d is already claimed by another technician", id)
		}
		if err := p.Status.Allows(workflow.ActClaim); err != nil {
			return outcome{}, err
		}
		t := now.UTC()
		p.Status, p.ClaimedBy, p.ClaimedAt = workflow.StatusInProgress, &actor.UserID, &t
		if p.StartedAt == nil {
			p.StartedAt = &t
		}
		if err := s.savePrep(ctx, tx, p); err != nil {
			return outcome{}, err
		}
		return outcome{result: p, events: []audit.Event{event(EvPrepClaimed, actor.UserID, id, map[string]any{})}}, nil
	})
	if err != nil {
		return nil, err
	}
	return res.(*workflow.Preparation), nil
}

// ReleaseClaim puts a preparation back in the queue; its recorded steps
// stay. Only the holder or an admin may.
func (s *Store) ReleaseClaim(ctx context.Context, id int64, actor workflow.Actor, now time.Time, idem *Idem) (*workflow.Preparation, error) {
	res, err := s.change(ctx, idem, func(tx *sqlx.Tx) (outcome, error) {
		p, err := s.prepStep(ctx, tx, id, workflow.ActReleaseClaim, actor, !actor.Admin)
		if err != nil {
			return outcome{}, err
		}
		holder := *p.ClaimedBy
		p.Status, p.ClaimedBy, p.ClaimedAt = workflow.StatusQueued, nil, nil
		if err := s.savePrep(ctx, tx, p); err != nil {
			return outcome{}, err
		}
		return outcome{result: p, events: []audit.Event{event(EvPrepClaimReleased, actor.UserID, id, map[string]any{"holder": holder})}}, nil
	})
	if err != nil {
		return nil, err
	}
	return res.(*workflow.Preparation), nil
}

// ScanInput is one scan of a component for a step.
type ScanInput struct {
	PreparationID int64
	StepID        string
	Data          string
	Actor         workflow.Actor
	Now           time.Time
	Location      *time.Location
}

// RecordScan checks a scan against the step and records it. A refused scan
// is recorded and committed too, and then returned as the 422 refusal with
// the scan record as the result.
func (s *Store) RecordScan(ctx context.Context, in ScanInput, idem *Idem) (workflow.ScanRecord, error) {
	resolved, resolveErr := s.WorkflowCatalog(in.Location).ResolveScan(ctx, in.Data, in.Now)
	if resolveErr != nil && apperr.KindOf(resolveErr) != apperr.Refused {
		return workflow.ScanRecord{}, resolveErr
	}
	res, err := s.change(ctx, idem, func(tx *sqlx.Tx) (outcome, error) {
		p, err := s.prepStep(ctx, tx, in.PreparationID, workflow.ActScan, in.Actor, true)
		if err != nil {
			return outcome{}, err
		}
		ws := &p.Worksheet
		if _, err := ws.ScanStep(in.StepID); err != nil {
			return outcome{}, err
		}
		rec := workflow.ScanRecord{StepID: in.StepID, UserID: in.Actor.UserID, Data: in.Data, At: in.Now.UTC(),
			GTIN: resolved.GTIN, Lot: resolved.Lot, Serial: resolved.Serial, ExpiresAt: resolved.ExpiresAt}
		if resolved.Product.ID != 0 {
			pid := resolved.Product.ID
			rec.ProductID = &pid
		}
		refusal := resolveErr
		if refusal == nil {
			var n int
			if err := s.getHot(ctx, tx, &n, "wf-accepted-scans", p.ID, in.StepID); err != nil {
				return outcome{}, Translate(err)
			}
			_, refusal = ws.CheckScan(in.StepID, resolved, workflow.AcceptedCount(in.StepID, n))
		}
		if refusal == nil && resolved.Serial != "" && resolved.Lot != "" {
			// The in-use rules matter only for a serialised container; the
			// version in force is read here, so a new one applies at once.
			rv, err := s.budRuleVersionAt(ctx, tx, in.Now)
			if err != nil {
				return outcome{}, err
			}
			refusal, err = s.trackContainer(ctx, tx, rv.Rules, resolved, p.ID, in, &rec)
			if err != nil {
				return outcome{}, err
			}
		}
		if refusal == nil {
			rec.Accepted = true
			rec.Warning = ws.ExpiryWarning(resolved, in.Location)
		} else {
			var ae *apperr.Error
			if errors.As(refusal, &ae) {
				rec.Code, rec.Message = ae.CodeOrKind(), ae.Message
			}
		}
		if err := s.getHot(ctx, tx, &rec.ID, "wf-scan-insert", p.ID, rec.StepID, rec.UserID, rec.Data,
			rec.Accepted, rec.Code, rec.Message, rec.ProductID, rec.GTIN, rec.Lot, rec.Serial, rec.ExpiresAt,
			rec.ContainerID, rec.Warning, rec.At); err != nil {
			return outcome{}, Translate(err)
		}
		typ := EvScanAccepted
		if !rec.Accepted {
			typ = EvScanRefused
		}
		payload := map[string]any{"scan_id": rec.ID, "step_id": rec.StepID, "data": rec.Data, "gtin": rec.GTIN,
			"lot": rec.Lot, "serial": rec.Serial, "product_id": rec.ProductID}
		if rec.ExpiresAt != nil {
			payload["expires_at"] = rec.ExpiresAt.UTC()
		}
		if !rec.Accepted {
			payload["code"], payload["message"] = rec.Code, rec.Message
		}
		return outcome{result: rec, refusal: refusal, events: []audit.Event{event(typ, in.Actor.UserID, p.ID, payload)}}, nil
	})
	if res == nil {
		return workflow.ScanRecord{}, err
	}
	return res.(workflow.ScanRecord), err
}

// trackContainer applies the opened-container rules to a serialised
// container: the first scan opens it (now, inside ISO 5); a later one must
// pass workflow.CheckContainer. A refusal is recorded with the scan; err is
// a failure of the database.
func (s *Store) trackContainer(ctx context.Context, tx *sqlx.Tx, rules bud.Rules, r workflow.Resolved, prepID int64, in ScanInput, rec *workflow.ScanRecord) (refusal error, err error) {
	var row struct {
		ID        int64     `db:"id"`
		ProductID int64     `db:"product_id"`
		Container string    `db:"container"`
		OpenedAt  time.Time `db:"opened_at"`
		ISO5      bool      `db:"iso5"`
		First     int64     `db:"first_preparation_id"`
	}
	// The usual case is a container never seen: open it in one statement,
	// and read (and lock) the existing row only when that conflicts.
	var id int64
	err = s.getHot(ctx, tx, &id, "wf-container-insert", r.Product.ID, r.GTIN, r.Lot, r.Serial,
		string(r.Product.Container), in.Now, in.Actor.UserID, prepID)
	if err == nil {
		rec.ContainerID = &id
		return nil, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, Translate(err)
	}
	if err := s.getHot(ctx, tx, &row, "wf-container-lock", r.GTIN, r.Lot, r.Serial); err != nil {
		return nil, Translate(err)
	}
	rec.ContainerID = &row.ID
	oc := &workflow.OpenedContainer{ID: row.ID, ProductID: row.ProductID, Container: bud.Container(row.Container),
		OpenedAt: row.OpenedAt, ISO5: row.ISO5, FirstPreparationID: row.First}
	return workflow.CheckContainer(rules, r, oc, prepID, in.Now), nil
}

// WeightInput is one weight check of a weigh step.
type WeightInput struct {
	PreparationID int64
	StepID        string
	Measured      string
	Actor         workflow.Actor
	Now           time.Time
}

// RecordWeight records a weight check; a failed one is recorded (201 with
// pass false) and blocks completion until a later weight of the step passes.
func (s *Store) RecordWeight(ctx context.Context, in WeightInput, idem *Idem) (WeightResult, error) {
	res, err := s.change(ctx, idem, func(tx *sqlx.Tx) (outcome, error) {
		p, err := s.prepStep(ctx, tx, in.PreparationID, workflow.ActWeigh, in.Actor, true)
		if err != nil {
			return outcome{}, err
		}
		w, err := workflow.CheckWeight(&p.Worksheet, in.StepID, in.Measured)
		if err != nil {
			return outcome{}, err
		}
		var id int64
		if err := tx.GetContext(ctx, &id, s.Query("wf-weight-insert"), p.ID, in.StepID, in.Actor.UserID,
			w.Measured.Value, w.Measured.Unit.String(), w.Result.Expected.Value, w.Result.Deviation, w.Tolerance,
			w.Result.Pass, in.Now.UTC()); err != nil {
			return outcome{}, Translate(err)
		}
		out := WeightResult{ID: id, StepID: in.StepID, Pass: w.Result.Pass, Expected: w.Result.Expected.String(),
			Deviation: plainDec(w.Result.Deviation) + "%", Measured: w.Measured.String(),
			Tolerance: plainDec(w.Tolerance) + "%", Steps: w.Result.Steps}
		return outcome{result: out, events: []audit.Event{event(EvWeight, in.Actor.UserID, p.ID, map[string]any{
			"weight_id": id, "step_id": in.StepID, "measured": out.Measured, "expected": out.Expected,
			"deviation": out.Deviation, "tolerance": out.Tolerance, "pass": out.Pass})}}, nil
	})
	if err != nil {
		return WeightResult{}, err
	}
	return res.(WeightResult), nil
}

// WeightResult is the answer to a weight check.
type WeightResult struct {
	ID        int64    `json:"id"`
	StepID    string   `json:"step_id"`
	Pass      bool     `json:"pass"`
	Measured  string   `json:"measured"`
	Expected  string   `json:"expected"`
	Deviation string   `json:"deviation"`
	Tolerance string   `json:"tolerance"`
	Steps     []string `json:"steps"`
}

// MarkStep marks a manual step (reconstitute, draw, inject, inspect) done.
func (s *Store) MarkStep(ctx context.Context, id int64, stepID string, actor workflow.Actor, now time.Time, idem *Idem) (*workflow.Preparation, error) {
	res, err := s.change(ctx, idem, func(tx *sqlx.Tx) (outcome, error) {
		p, err := s.prepStep(ctx, tx, id, workflow.ActStepDone, actor, true)
		if err != nil {
			return outcome{}, err
		}
		st, ok := p.Worksheet.Step(stepID)
		if !ok {
			return outcome{}, apperr.New(apperr.NotFound, "preparation %d has no step %q", id, stepID)
		}
		if !st.Kind.IsManual() && st.Kind != workflow.StepPhoto {
			return outcome{}, apperr.WithCode(apperr.Invalid, "not_manual",
				"step %s is a %s step: it is done by %s, not by hand", st.ID, st.Kind, doneBy(st.Kind))
		}
		if _, err := tx.ExecContext(ctx, s.Query("wf-mark-insert"), id, stepID, actor.UserID, "", now.UTC()); err != nil {
			return outcome{}, Translate(err)
		}
		return outcome{result: p, events: []audit.Event{event(EvStepDone, actor.UserID, id, map[string]any{"step_id": stepID, "kind": st.Kind})}}, nil
	})
	if err != nil {
		return nil, err
	}
	return res.(*workflow.Preparation), nil
}

func doneBy(k workflow.StepKind) string {
	if k == workflow.StepWeigh {
		return "recording a weight"
	}
	return "scanning"
}

// PhotoInput is a photo of a step.
type PhotoInput struct {
	PreparationID int64
	StepID        string
	ContentType   string
	Data          []byte
	SHA256        string
	Actor         workflow.Actor
	Now           time.Time
}

// AddPhoto stores a photo of a step in the database.
func (s *Store) AddPhoto(ctx context.Context, in PhotoInput, idem *Idem) (int64, error) {
	res, err := s.change(ctx, idem, func(tx *sqlx.Tx) (outcome, error) {
		p, err := s.prepStep(ctx, tx, in.PreparationID, workflow.ActPhoto, in.Actor, true)
		if err != nil {
			return outcome{}, err
		}
		if _, ok := p.Worksheet.Step(in.StepID); !ok {
			return outcome{}, apperr.InvalidField("step_id", "%q is not a step of this preparation", in.StepID)
		}
		var id int64
		if err := tx.GetContext(ctx, &id, s.Query("wf-photo-insert"), p.ID, in.StepID, in.Actor.UserID,
			in.ContentType, in.Data, in.SHA256, in.Now.UTC()); err != nil {
			return outcome{}, Translate(err)
		}
		return outcome{result: id, events: []audit.Event{event(EvPhoto, in.Actor.UserID, p.ID, map[string]any{
			"photo_id": id, "step_id": in.StepID, "sha256": in.SHA256, "bytes": len(in.Data)})}}, nil
	})
	if err != nil {
		return 0, err
	}
	return res.(int64), nil
}

// Complete closes compounding: every step must be done (and the last
// weight of each weigh step passed); the BUD is computed from the real
// start and the lots used, and stored.
func (s *Store) Complete(ctx context.Context, id int64, actor workflow.Actor, now time.Time, loc *time.Location, idem *Idem) (*workflow.Preparation, error) {
	res, err := s.change(ctx, idem, func(tx *sqlx.Tx) (outcome, error) {
		p, err := s.prepStep(ctx, tx, id, workflow.ActComplete, actor, true)
		if err != nil {
			return outcome{}, err
		}
		prog, err := s.progress(ctx, tx, id)
		if err != nil {
			return outcome{}, err
		}
		if err := p.Worksheet.Incomplete(prog); err != nil {
			return outcome{}, err
		}
		start := now
		if p.StartedAt != nil {
			start = *p.StartedAt
		}
		rv, err := s.budRuleVersionAt(ctx, tx, start)
		if err != nil {
			return outcome{}, err
		}
		rules := rv.Rules
		comps, err := s.components(ctx, tx, p, start)
		if err != nil {
			return outcome{}, err
		}
		result, err := workflow.ComputeBUD(rules, &p.Worksheet, start, comps, loc)
		if err != nil {
			return outcome{}, err
		}
		t := now.UTC()
		p.Status, p.PreparedBy, p.CompletedAt = workflow.StatusCompleted, &actor.UserID, &t
		p.ClaimedBy, p.ClaimedAt = nil, nil
		p.BUD = &result
		p.Worksheet.BUD, p.Worksheet.BUDProvisional = &result, false
		if err := s.savePrep(ctx, tx, p); err != nil {
			return outcome{}, err
		}
		p.Progress = prog
		p.Worksheet.Apply(prog)
		return outcome{result: p, events: []audit.Event{event(EvCompleted, actor.UserID, id, map[string]any{
			"bud": result.BUD.UTC(), "limited_by": result.LimitedBy, "rules_version": result.RulesVersion,
			"components": len(comps)})}}, nil
	})
	if err != nil {
		return nil, err
	}
	return res.(*workflow.Preparation), nil
}

// components lists the lots a preparation used, as BUD components.
func (s *Store) components(ctx context.Context, tx *sqlx.Tx, p *workflow.Preparation, start time.Time) ([]bud.Component, error) {
	var rows []struct {
		ProductID *int64     `db:"product_id"`
		Lot       string     `db:"lot"`
		Serial    string     `db:"serial"`
		ExpiresAt *time.Time `db:"expires_at"`
		OpenedAt  *time.Time `db:"opened_at"`
		Container *string    `db:"container"`
		First     *int64     `db:"first_preparation_id"`
	}
	if err := tx.SelectContext(ctx, &rows, s.Query("wf-containers-of"), p.ID); err != nil {
		return nil, Translate(err)
	}
	names := map[int64]workflow.Product{}
	names[p.Worksheet.Product.ID] = p.Worksheet.Product
	if p.Worksheet.Diluent != nil {
		for _, d := range p.Worksheet.AllowedDiluents {
			names[d.ID] = d
		}
	}
	for _, a := range p.Worksheet.AllowedProducts {
		names[a.ID] = a
	}
	var out []bud.Component
	for _, r := range rows {
		if r.ProductID == nil || r.ExpiresAt == nil {
			// Without an expiry (a linear barcode) the lot cannot limit the BUD.
			continue
		}
		prod := names[*r.ProductID]
		c := bud.Component{Name: prod.Label() + " lot " + r.Lot, ExpiresAt: *r.ExpiresAt, Container: prod.Container,
			Hazardous: prod.Hazardous, InUseLimit: prod.InUseLimit}
		if c.Container == "" {
			c.Container = bud.ContainerSingleDose
		}
		// A container opened before this preparation started is checked
		// against its in-use limit at the start.
		if r.OpenedAt != nil && r.OpenedAt.Before(start) && r.First != nil && *r.First != p.ID {
			o := *r.OpenedAt
			c.OpenedAt = &o
		}
		out = append(out, c)
	}
	return out, nil
}

// LabelPrint is a label issued for printing.
type LabelPrint struct {
	Preparation *workflow.Preparation
	Seq         int
	Reprint     bool
	PreparedBy  string
	VerifiedBy  string
}

// PrintLabel issues the next label of a completed preparation. Every print
// gets the next sequence number and supersedes the earlier ones (an old
// printout can no longer release the bag); every print after the first is
// audited as a reprint.
func (s *Store) PrintLabel(ctx context.Context, id int64, format string, actor workflow.Actor, now time.Time) (LabelPrint, error) {
	res, err := s.change(ctx, nil, func(tx *sqlx.Tx) (outcome, error) {
		p, err := s.lockPrep(ctx, tx, id)
		if err != nil {
			return outcome{}, err
		}
		if err := p.Status.Allows(workflow.ActLabel); err != nil {
			return outcome{}, err
		}
		p.LabelSeq++
		data := workflow.LabelData(p.ID, p.LabelSeq)
		if _, err := tx.ExecContext(ctx, s.Query("wf-label-insert"), p.ID, p.LabelSeq, data, format, actor.UserID, now.UTC()); err != nil {
			return outcome{}, Translate(err)
		}
		if err := s.savePrep(ctx, tx, p); err != nil {
			return outcome{}, err
		}
		typ := EvLabelPrinted
		if p.LabelSeq > 1 {
			typ = EvLabelReprinted
		}
		return outcome{result: LabelPrint{Preparation: p, Seq: p.LabelSeq, Reprint: p.LabelSeq > 1},
			events: []audit.Event{event(typ, actor.UserID, p.ID, map[string]any{"seq": p.LabelSeq, "label_data": data, "format": format})}}, nil
	})
	if err != nil {
		return LabelPrint{}, err
	}
	lp := res.(LabelPrint)
	lp.PreparedBy = s.UserName(ctx, lp.Preparation.PreparedBy)
	lp.VerifiedBy = s.UserName(ctx, lp.Preparation.VerifiedBy)
	return lp, nil
}

// VerifyInput is a pharmacist's decision.
type VerifyInput struct {
	PreparationID int64
	Actor         workflow.Actor
	Decision      string
	Reason        string
	Now           time.Time
}

// VerifyResult is the outcome of a verification.
type VerifyResult struct {
	PreparationID int64           `json:"preparation_id"`
	Status        workflow.Status `json:"status"`
	Decision      string          `json:"decision"`
	// RemakeID is the new preparation queued after a rejection.
	RemakeID *int64 `json:"remake_id,omitempty"`
}

// Verify records a pharmacist's approval or rejection. The preparer may
// never verify their own work (403 self_verification). A rejection records
// the waste (the components used) and queues a remake of the same order.
func (s *Store) Verify(ctx context.Context, in VerifyInput, idem *Idem) (VerifyResult, error) {
	res, err := s.change(ctx, idem, func(tx *sqlx.Tx) (outcome, error) {
		p, err := s.lockPrep(ctx, tx, in.PreparationID)
		if err != nil {
			return outcome{}, err
		}
		if err := p.Status.Allows(workflow.ActVerify); err != nil {
			return outcome{}, err
		}
		if p.PreparedBy != nil && *p.PreparedBy == in.Actor.UserID {
			return outcome{}, apperr.WithCode(apperr.Forbidden, "self_verification",
				"you prepared preparation %d; another pharmacist must verify it", p.ID)
		}
		t := in.Now.UTC()
		if _, err := tx.ExecContext(ctx, s.Query("wf-verification-insert"), p.ID, in.Actor.UserID, in.Decision, in.Reason, t); err != nil {
			return outcome{}, Translate(err)
		}
		out := VerifyResult{PreparationID: p.ID, Decision: in.Decision}
		var events []audit.Event
		if in.Decision == "approve" {
			p.Status, p.VerifiedBy, p.VerifiedAt = workflow.StatusVerified, &in.Actor.UserID, &t
			events = append(events, event(EvVerified, in.Actor.UserID, p.ID, map[string]any{"reason": in.Reason}))
		} else {
			p.Status, p.VerifiedBy, p.VerifiedAt = workflow.StatusRejected, &in.Actor.UserID, &t
			prog, err := s.progress(ctx, tx, p.ID)
			if err != nil {
				return outcome{}, err
			}
			items := wasteItems(p, prog)
			itemsJSON, _ := json.Marshal(items)
			if _, err := tx.ExecContext(ctx, s.Query("wf-waste-insert"), p.ID, in.Actor.UserID, in.Reason, itemsJSON, t); err != nil {
				return outcome{}, Translate(err)
			}
			var remake int64
			if err := tx.GetContext(ctx, &remake, s.Query("wf-remake-insert"), p.ID, t); err != nil {
				return outcome{}, Translate(err)
			}
			out.RemakeID = &remake
			events = append(events,
				event(EvRejected, in.Actor.UserID, p.ID, map[string]any{"reason": in.Reason}),
				event(EvWaste, in.Actor.UserID, p.ID, map[string]any{"reason": in.Reason, "items": items}),
				event(EvRemakeQueued, in.Actor.UserID, remake, map[string]any{"remake_of": p.ID, "order_id": p.OrderID}))
		}
		if err := s.savePrep(ctx, tx, p); err != nil {
			return outcome{}, err
		}
		out.Status = p.Status
		return outcome{result: out, events: events}, nil
	})
	if err != nil {
		return VerifyResult{}, err
	}
	return res.(VerifyResult), nil
}

// wasteItems lists what a rejected preparation used: every accepted scan.
func wasteItems(p *workflow.Preparation, prog workflow.Progress) []map[string]any {
	items := []map[string]any{}
	for _, sc := range prog.Scans {
		if !sc.Accepted {
			continue
		}
		items = append(items, map[string]any{"step_id": sc.StepID, "product_id": sc.ProductID, "gtin": sc.GTIN,
			"lot": sc.Lot, "serial": sc.Serial})
	}
	items = append(items, map[string]any{"what": "compounded preparation", "drug": p.Worksheet.Drug,
		"dose": p.Worksheet.Quantities["delivered_dose"].Value, "volume": p.Worksheet.Quantities["volume"].Value})
	return items
}

// Release sends a verified preparation to the floor when the scanned label
// is its current one: another preparation's label is wrong_label, an
// older or superseded print of its own is stale_label.
func (s *Store) Release(ctx context.Context, id int64, labelData string, actor workflow.Actor, now time.Time, idem *Idem) (*workflow.Preparation, error) {
	res, err := s.change(ctx, idem, func(tx *sqlx.Tx) (outcome, error) {
		p, err := s.lockPrep(ctx, tx, id)
		if err != nil {
			return outcome{}, err
		}
		if err := p.Status.Allows(workflow.ActRelease); err != nil {
			return outcome{}, err
		}
		pid, seq, err := workflow.ParseLabelData(labelData)
		if err != nil {
			return outcome{}, err
		}
		switch {
		case pid != p.ID:
			return outcome{}, apperr.WithCode(apperr.Refused, "wrong_label",
				"this label belongs to preparation %d, not %d: check the bag", pid, p.ID)
		case p.LabelSeq == 0:
			return outcome{}, apperr.WithCode(apperr.Refused, "stale_label", "no label has been printed for preparation %d", p.ID)
		case seq != p.LabelSeq:
			return outcome{}, apperr.WithCode(apperr.Refused, "stale_label",
				"this is label %d of preparation %d, but label %d superseded it: relabel the bag with the current label", seq, p.ID, p.LabelSeq)
		}
		t := now.UTC()
		p.Status, p.ReleasedBy, p.ReleasedAt = workflow.StatusReleased, &actor.UserID, &t
		if err := s.savePrep(ctx, tx, p); err != nil {
			return outcome{}, err
		}
		return outcome{result: p, events: []audit.Event{event(EvReleased, actor.UserID, p.ID, map[string]any{"label_data": labelData})}}, nil
	})
	if err != nil {
		return nil, err
	}
	return res.(*workflow.Preparation), nil
}

// ---------------------------------------------------------------------------
// helpers

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// plainDec writes a decimal without exponent or trailing zeros.
func plainDec(d decimal.Decimal) string { return calc.Quantity{Value: d}.String() }

// qArgs is a nullable quantity as its numeric value and unit columns.
func qArgs(q *calc.Quantity) []any {
	if q == nil {
		return []any{nil, nil}
	}
	return []any{q.Value, q.Unit.String()}
}

// UserIDByName returns a user's ID by username (0 and a not-found error
// when there is none); the demo seed uses it to attribute its records.
func (s *Store) UserIDByName(ctx context.Context, username string) (int64, error) {
	var id int64
	if err := s.DB.GetContext(ctx, &id, s.Query("wf-user-id"), username); err != nil {
		return 0, Translate(err)
	}
	return id, nil
}

// PhotoInfo describes a stored photo of a step, without its bytes.
type PhotoInfo struct {
	ID          int64     `db:"id" json:"id"`
	StepID      string    `db:"step_id" json:"step_id"`
	TakenAt     time.Time `db:"at" json:"taken_at"`
	TakenBy     int64     `db:"user_id" json:"taken_by"`
	ContentType string    `db:"content_type" json:"content_type"`
	Size        int64     `db:"size" json:"size"`
}

// Photos lists the photos of a preparation in the order they were taken.
func (s *Store) Photos(ctx context.Context, prepID int64) ([]PhotoInfo, error) {
	var out []PhotoInfo
	if err := s.DB.SelectContext(ctx, &out, s.Query("wf-photo-list"), prepID); err != nil {
		return nil, Translate(err)
	}
	return out, nil
}

// Photo returns one photo of a preparation; NotFound when the preparation
// has no photo with that id.
func (s *Store) Photo(ctx context.Context, prepID, photoID int64) (contentType string, data []byte, err error) {
	var row struct {
		ContentType string `db:"content_type"`
		Data        []byte `db:"data"`
	}
	if err := s.DB.GetContext(ctx, &row, s.Query("wf-photo-get"), prepID, photoID); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil, apperr.New(apperr.NotFound, "preparation %d has no photo %d", prepID, photoID)
		}
		return "", nil, Translate(err)
	}
	return row.ContentType, row.Data, nil
}
