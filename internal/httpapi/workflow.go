package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/compounding"
	"github.com/laminar-rx/laminar/internal/devices"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// Reauthenticator is implemented by an Authenticator that can check a
// logged-in user's password or PIN again, as verification requires (the
// auth service does: a wrong secret is 403 reauth_failed on "password").
type Reauthenticator interface {
	ReauthPassword(ctx context.Context, p *auth.Principal, secret string) error
}

var (
	ordering     = []auth.Role{auth.Pharmacist, auth.Admin, auth.Interface}
	technicians  = []auth.Role{auth.Technician}
	pharmacists  = []auth.Role{auth.Pharmacist}
	queueReaders = []auth.Role{auth.Technician, auth.Pharmacist}
	admins       = []auth.Role{auth.Admin}
)

// workflowRoutes is the preparation workflow: orders,
// recipes, the queues, and every step of a preparation.
func (a *API) workflowRoutes() []Route {
	const p = "/api/v1/preparations/:id"
	return []Route{
		{Method: http.MethodPost, Path: "/api/v1/orders", Handler: a.createOrder, Roles: ordering},
		{Method: http.MethodPost, Path: "/api/v1/orders/:id/cancel", Handler: a.cancelOrder, Roles: ordering},
		{Method: http.MethodGet, Path: "/api/v1/recipes", Handler: a.listRecipes, Roles: Anyone},
		{Method: http.MethodGet, Path: "/api/v1/recipes/:id", Handler: a.getRecipe, Roles: Anyone},
		{Method: http.MethodPost, Path: "/api/v1/recipes", Handler: a.createRecipe, Roles: recipeAuthors},
		{Method: http.MethodPost, Path: "/api/v1/recipes/:id/approve", Handler: a.approveRecipe, Roles: pharmacists},
		{Method: http.MethodGet, Path: "/api/v1/queue", Handler: a.getQueue, Roles: queueReaders},
		{Method: http.MethodGet, Path: "/api/v1/verifications", Handler: a.getVerifications, Roles: pharmacists},
		{Method: http.MethodGet, Path: p, Handler: a.getPreparation, Roles: Anyone},
		{Method: http.MethodPost, Path: p + "/claim", Handler: a.claim, Roles: technicians},
		{Method: http.MethodPost, Path: p + "/release-claim", Handler: a.releaseClaim, Roles: []auth.Role{auth.Technician, auth.Admin}},
		{Method: http.MethodPost, Path: p + "/scans", Handler: a.scan, Roles: technicians},
		{Method: http.MethodPost, Path: p + "/weights", Handler: a.weigh, Roles: technicians},
		{Method: http.MethodPost, Path: p + "/steps/:step_id/done", Handler: a.stepDone, Roles: technicians},
		{Method: http.MethodPost, Path: p + "/photos", Handler: a.photo, Roles: technicians},
		{Method: http.MethodGet, Path: p + "/photos/:photo_id", Handler: a.getPhoto, Roles: Anyone},
		{Method: http.MethodPost, Path: p + "/complete", Handler: a.complete, Roles: technicians},
		{Method: http.MethodGet, Path: p + "/label", Handler: a.label, Roles: Anyone},
		{Method: http.MethodPost, Path: p + "/labels", Handler: a.issueLabel, Roles: []auth.Role{auth.Technician, auth.Pharmacist}},
		{Method: http.MethodPost, Path: p + "/verify", Handler: a.verify, Roles: pharmacists},
		{Method: http.MethodPost, Path: p + "/override", Handler: a.override, Roles: pharmacists},
		{Method: http.MethodPost, Path: p + "/release", Handler: a.release, Roles: []auth.Role{auth.Technician, auth.Pharmacist}},
	}
}

// ---------------------------------------------------------------------------
// Request plumbing: strict JSON, idempotency, responses

// idempotency returns the request's Idempotency-Key, or nil. body is what
// the request hash covers.
func idempotency(c echo.Context, body []byte) (*compounding.Key, error) {
	key := strings.TrimSpace(c.Request().Header.Get("Idempotency-Key"))
	if key == "" {
		return nil, nil
	}
	if len(key) > 200 {
		return nil, apperr.InvalidField("Idempotency-Key", "is longer than 200 characters")
	}
	sum := sha256.Sum256(body)
	return &compounding.Key{
		UserID: PrincipalOf(c).UserID, Route: c.Request().Method + " " + c.Request().URL.Path, Key: key,
		RequestHash: hex.EncodeToString(sum[:]),
	}, nil
}

// respond writes a use case's answer: the value as JSON with status, or the
// refusal through the error handler. A replayed answer is written exactly
// as the first one was, marked with the Idempotent-Replayed header.
func respond[T any](c echo.Context, status int, d compounding.Done[T], err error) error {
	if d.Replayed {
		c.Response().Header().Set("Idempotent-Replayed", "true")
	}
	if err != nil {
		return err
	}
	return wfJSON(c, status, d.Value)
}

// wfJSON writes v as json.Marshal bytes (no trailing newline).
func wfJSON(c echo.Context, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return apperr.Wrap(err, "encode response")
	}
	return c.JSONBlob(status, b)
}

func actorOf(c echo.Context) workflow.Actor {
	p := PrincipalOf(c)
	return workflow.Actor{UserID: p.UserID, Admin: p.Has(auth.Admin)}
}

func (a *API) now() time.Time { return a.Now().UTC() }

// ---------------------------------------------------------------------------
// Orders and recipes

func (a *API) createOrder(c echo.Context) error {
	var in workflow.OrderInput
	body, err := decodeJSON(c, &in)
	if err != nil {
		return err
	}
	now := a.now()
	o, err := in.Validate(now)
	if err != nil {
		return err
	}
	key, err := idempotency(c, body)
	if err != nil {
		return err
	}
	d, err := a.Compounding.CreateOrder(c.Request().Context(), o, PrincipalOf(c).UserID, now, key)
	return respond(c, http.StatusCreated, d, err)
}

type cancelInput struct {
	Reason string `json:"reason"`
}

func (a *API) cancelOrder(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	var in cancelInput
	body, err := decodeJSON(c, &in)
	if err != nil {
		return err
	}
	if strings.TrimSpace(in.Reason) == "" {
		return apperr.InvalidField("reason", "is required: say why the order is cancelled")
	}
	key, err := idempotency(c, body)
	if err != nil {
		return err
	}
	d, err := a.Compounding.CancelOrder(c.Request().Context(), id, strings.TrimSpace(in.Reason), PrincipalOf(c).UserID, a.now(), key)
	return respond(c, http.StatusOK, d, err)
}

func (a *API) listRecipes(c echo.Context) error {
	f := compounding.RecipeFilter{Drug: strings.ToLower(strings.TrimSpace(c.QueryParam("drug"))), Current: c.QueryParam("current") == "true"}
	rs, err := a.Compounding.Recipes(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return wfJSON(c, http.StatusOK, map[string]any{"items": rs})
}

func (a *API) getRecipe(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	r, err := a.Compounding.Recipe(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return wfJSON(c, http.StatusOK, r)
}

// createRecipe stores a new version of a drug's recipe; the fields id,
// version, created_at and created_by are assigned, never taken from input.
func (a *API) createRecipe(c echo.Context) error {
	var in workflow.Recipe
	body, err := decodeJSON(c, &in)
	if err != nil {
		return err
	}
	if in.ID != 0 || in.Version != 0 || !in.CreatedAt.IsZero() || in.CreatedBy != nil {
		return apperr.InvalidField("version", "id, version, created_at and created_by are assigned by Laminar; leave them out")
	}
	if in.Status != "" || in.ApprovedBy != nil || in.ApprovedAt != nil {
		return apperr.InvalidField("status", "a new version is a draft until a pharmacist approves it (POST /api/v1/recipes/{id}/approve); leave status, approved_by and approved_at out")
	}
	key, err := idempotency(c, body)
	if err != nil {
		return err
	}
	d, err := a.Compounding.CreateRecipe(c.Request().Context(), in, PrincipalOf(c).UserID, a.now(), key)
	return respond(c, http.StatusCreated, d, err)
}

// ---------------------------------------------------------------------------
// Queues and the worksheet

type queueView struct {
	Items  []workflow.QueueItem `json:"items"`
	Groups []workflow.Group     `json:"groups"`
	// Order documents how items are sorted.
	Order string `json:"order"`
}

func (a *API) getQueue(c echo.Context) error {
	items, err := a.Compounding.Queue(c.Request().Context())
	if err != nil {
		return err
	}
	if items == nil {
		items = []workflow.QueueItem{}
	}
	groups := workflow.Groups(items)
	if groups == nil {
		groups = []workflow.Group{}
	}
	return wfJSON(c, http.StatusOK, queueView{Items: items, Groups: groups,
		Order: "priority (stat, first_dose, routine), then due_at, then oldest preparation"})
}

func (a *API) getVerifications(c echo.Context) error {
	items, err := a.Compounding.Verifications(c.Request().Context())
	if err != nil {
		return err
	}
	if items == nil {
		items = []workflow.QueueItem{}
	}
	return wfJSON(c, http.StatusOK, map[string]any{"items": items})
}

// preparationBody is a preparation as the API answers it (docs/api.md):
// the domain's preparation with its worksheet and what was recorded
// spread beside it, the label's data, and the dose-limit overrides and
// approvals when there are any.
type preparationBody struct {
	*workflow.Preparation
	workflow.Worksheet
	LabelData string                  `json:"label_data,omitempty"`
	Scans     []workflow.ScanRecord   `json:"scans"`
	Weights   []workflow.WeightRecord `json:"weights"`
	Marks     []workflow.MarkRecord   `json:"marks"`
	// Overrides are the pharmacist overrides of the dose limits held.
	Overrides []compounding.Override `json:"overrides,omitempty"`
	// Approvals are the pharmacists' approvals, oldest first: two where
	// the site requires an independent double check.
	Approvals []compounding.Approval `json:"approvals,omitempty"`
	// Exceptions is the exceptions summary the evidence page starts with.
	Exceptions []workflow.Exception `json:"exceptions"`
}

func bodyOf(p *workflow.Preparation) preparationBody {
	v := preparationBody{Preparation: p, Worksheet: p.Worksheet,
		Scans: p.Progress.Scans, Weights: p.Progress.Weights, Marks: p.Progress.Marks}
	if p.LabelSeq > 0 {
		v.LabelData = workflow.LabelData(p.ID, p.LabelSeq)
	}
	if v.Scans == nil {
		v.Scans = []workflow.ScanRecord{}
	}
	if v.Weights == nil {
		v.Weights = []workflow.WeightRecord{}
	}
	if v.Marks == nil {
		v.Marks = []workflow.MarkRecord{}
	}
	return v
}

func (a *API) getPreparation(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	p, err := a.Compounding.Preparation(c.Request().Context(), id)
	if err != nil {
		return err
	}
	v := bodyOf(p)
	if len(p.Worksheet.Holds) > 0 {
		if v.Overrides, err = a.Compounding.Overrides(c.Request().Context(), id); err != nil {
			return err
		}
	}
	switch p.Status {
	case workflow.StatusSecondCheck, workflow.StatusVerified, workflow.StatusReleased:
		if v.Approvals, err = a.Compounding.Approvals(c.Request().Context(), id); err != nil {
			return err
		}
	}
	if v.Exceptions, err = a.Compounding.Exceptions(c.Request().Context(), p); err != nil {
		return err
	}
	return wfJSON(c, http.StatusOK, v)
}

// emptyBody accepts no body or an empty JSON object, for bodiless POSTs.
func emptyBody(c echo.Context) ([]byte, error) {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return nil, apperr.WithCode(apperr.Invalid, "malformed_json", "the request body could not be read")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return body, nil
	}
	if err := DuplicateKeys(body); err != nil {
		return nil, err
	}
	var v struct{}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return nil, jsonError(err)
	}
	return body, nil
}

// simple runs a bodiless state change through idempotency.
func (a *API) simple(c echo.Context, do func(ctx context.Context, id int64, key *compounding.Key) (compounding.Done[compounding.State], error)) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	body, err := emptyBody(c)
	if err != nil {
		return err
	}
	key, err := idempotency(c, body)
	if err != nil {
		return err
	}
	d, err := do(c.Request().Context(), id, key)
	return respond(c, http.StatusOK, d, err)
}

func (a *API) claim(c echo.Context) error {
	return a.simple(c, func(ctx context.Context, id int64, key *compounding.Key) (compounding.Done[compounding.State], error) {
		return a.Compounding.Claim(ctx, id, actorOf(c), a.now(), key)
	})
}

func (a *API) releaseClaim(c echo.Context) error {
	return a.simple(c, func(ctx context.Context, id int64, key *compounding.Key) (compounding.Done[compounding.State], error) {
		return a.Compounding.ReleaseClaim(ctx, id, actorOf(c), key)
	})
}

func (a *API) complete(c echo.Context) error {
	return a.simple(c, func(ctx context.Context, id int64, key *compounding.Key) (compounding.Done[compounding.State], error) {
		return a.Compounding.Complete(ctx, id, actorOf(c), a.now(), key)
	})
}

// ---------------------------------------------------------------------------
// Steps

type scanInput struct {
	Data   string `json:"data"`
	StepID string `json:"step_id"`
	// Source is scanner (the default) or typed.
	Source string `json:"source"`
	// ContainerNo confirms a container without a serial that looks like
	// one already scanned for the step: "this is container 2 of 2".
	ContainerNo int `json:"container_no"`
	typedInput
}

// typedInput is what a typed scan or weight carries besides its value:
// the reason, and the witness's badge and PIN where the site requires them.
type typedInput struct {
	Reason       string `json:"reason"`
	WitnessBadge string `json:"witness_badge"`
	WitnessPIN   string `json:"witness_pin"`
}

// entry reads a typed entry's reason and checks its witness's badge and
// PIN as a badge login is checked; typed is false for an entry read by a
// device, which takes neither. The service then requires the reason (422
// reason_required) and, where the worksheet needs one, the witness.
func (a *API) entry(c echo.Context, typed bool, in typedInput) (workflow.Entry, error) {
	if !typed {
		if in.Reason != "" || in.WitnessBadge != "" || in.WitnessPIN != "" {
			return workflow.Entry{}, apperr.InvalidField("reason", "only a typed entry takes a reason and a witness")
		}
		return workflow.Entry{}, nil
	}
	e := workflow.Entry{Source: workflow.SourceTyped, TypedReason: strings.TrimSpace(in.Reason)}
	if len(e.TypedReason) > workflow.MaxTypedReason {
		return e, apperr.InvalidField("reason", "is longer than %d characters", workflow.MaxTypedReason)
	}
	if in.WitnessBadge == "" && in.WitnessPIN == "" {
		return e, nil
	}
	w, err := a.AuthService().CheckWitness(c.Request().Context(), PrincipalOf(c).UserID, in.WitnessBadge, in.WitnessPIN, ClientAddr(c))
	if err != nil {
		return e, err
	}
	e.WitnessID = &w.UserID
	return e, nil
}

// withoutPIN is the part of a request the idempotency hash covers: the
// witness's PIN is left out, so a retry is recognised whatever was typed.
func withoutPIN[T any](in T, clear func(*T)) []byte {
	clear(&in)
	b, _ := json.Marshal(in)
	return b
}

func (a *API) scan(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	var in scanInput
	if _, err := decodeJSON(c, &in); err != nil {
		return err
	}
	switch {
	case in.StepID == "":
		return apperr.InvalidField("step_id", "is required: the step the scan is for")
	case in.Data == "":
		return apperr.InvalidField("data", "is required: the scanned barcode data")
	case len(in.Data) > 512:
		return apperr.InvalidField("data", "is longer than 512 bytes; no barcode carries that much")
	case in.Source != "" && in.Source != workflow.SourceScanner && in.Source != workflow.SourceTyped:
		return apperr.InvalidField("source", "%q is not scanner or typed", in.Source)
	case in.ContainerNo < 0 || in.ContainerNo > 100:
		return apperr.InvalidField("container_no", "must be the container's number in the step, from 1")
	}
	key, err := idempotency(c, withoutPIN(in, func(v *scanInput) { v.WitnessPIN = "" }))
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if d, err := compounding.Replay[workflow.ScanRecord](ctx, a.Compounding, key); d.Replayed || err != nil {
		return respond(c, http.StatusCreated, d, err)
	}
	entry, err := a.entry(c, in.Source == workflow.SourceTyped, in.typedInput)
	if err != nil {
		return err
	}
	d, err := a.Compounding.RecordScan(ctx, compounding.ScanInput{PreparationID: id, StepID: in.StepID,
		Data: in.Data, Actor: actorOf(c), Now: a.now(), Entry: entry, ContainerNo: in.ContainerNo}, key)
	return respond(c, http.StatusCreated, d, err)
}

type weightInput struct {
	StepID   string `json:"step_id"`
	Measured string `json:"measured"`
	// BalanceID makes the server read the weight from that balance; the
	// client then sends no number. A weight without it is typed.
	BalanceID int64 `json:"balance_id"`
	typedInput
}

func (a *API) weigh(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	var in weightInput
	if _, err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.StepID == "" {
		return apperr.InvalidField("step_id", "is required: the weigh step")
	}
	wi := compounding.WeightInput{PreparationID: id, StepID: in.StepID, Measured: in.Measured, Actor: actorOf(c), Now: a.now()}
	switch {
	case in.BalanceID != 0 && strings.TrimSpace(in.Measured) != "":
		return apperr.InvalidField("measured", "must not be sent with balance_id: the server reads the balance itself")
	case in.BalanceID == 0 && strings.TrimSpace(in.Measured) == "":
		return apperr.InvalidField("measured", "is required, e.g. \"10.42 g\" (or give balance_id to read the balance)")
	}
	key, err := idempotency(c, withoutPIN(in, func(v *weightInput) { v.WitnessPIN = "" }))
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if d, err := compounding.Replay[compounding.WeightResult](ctx, a.Compounding, key); d.Replayed || err != nil {
		return respond(c, http.StatusCreated, d, err)
	}
	if wi.Typed, err = a.entry(c, in.BalanceID == 0, in.typedInput); err != nil {
		return err
	}
	if in.BalanceID != 0 {
		rd, err := a.devices().svc.Weigh(ctx, devices.StepInput{BalanceID: in.BalanceID, PreparationID: id,
			StepID: in.StepID, Actor: wi.Actor})
		if err != nil {
			return err
		}
		wi.Measured = rd.Measured
		wi.Balance = &compounding.BalanceReading{BalanceID: rd.BalanceID, Raw: rd.Raw, Readability: rd.Readability}
	}
	d, err := a.Compounding.RecordWeight(ctx, wi, key)
	return respond(c, http.StatusCreated, d, err)
}

func (a *API) stepDone(c echo.Context) error {
	step := c.Param("step_id")
	return a.simple(c, func(ctx context.Context, id int64, key *compounding.Key) (compounding.Done[compounding.State], error) {
		return a.Compounding.MarkStep(ctx, id, step, actorOf(c), a.now(), key)
	})
}

// MaxPhotoBytes bounds a step photo.
const MaxPhotoBytes = 2 << 20

func (a *API) photo(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	step := c.FormValue("step_id")
	if step == "" {
		return apperr.InvalidField("step_id", "is required as a form field")
	}
	fh, err := c.FormFile("photo")
	if err != nil {
		return apperr.InvalidField("photo", "send the image as multipart form file \"photo\"")
	}
	if fh.Size > MaxPhotoBytes {
		return &apperr.Error{Kind: apperr.TooLarge, Field: "photo", Message: "the photo is larger than 2 MiB"}
	}
	f, err := fh.Open()
	if err != nil {
		return apperr.InvalidField("photo", "the upload cannot be read")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxPhotoBytes+1))
	if err != nil || len(data) > MaxPhotoBytes {
		return &apperr.Error{Kind: apperr.TooLarge, Field: "photo", Message: "the photo is larger than 2 MiB"}
	}
	ct := http.DetectContentType(data)
	if ct != "image/jpeg" && ct != "image/png" {
		return apperr.InvalidField("photo", "is %s; only JPEG and PNG images are accepted", ct)
	}
	sum := sha256.Sum256(data)
	key, err := idempotency(c, append([]byte(step+"\x00"), sum[:]...))
	if err != nil {
		return err
	}
	d, err := a.Compounding.AddPhoto(c.Request().Context(), compounding.PhotoInput{PreparationID: id, StepID: step, ContentType: ct,
		Data: data, SHA256: hex.EncodeToString(sum[:]), Actor: actorOf(c), Now: a.now()}, key)
	return respond(c, http.StatusCreated, d, err)
}

// PhotoURL is where a preparation's photo is served.
func PhotoURL(prepID, photoID int64) string {
	return "/api/v1/preparations/" + strconv.FormatInt(prepID, 10) + "/photos/" + strconv.FormatInt(photoID, 10)
}

// getPhoto serves a photo's bytes for the pharmacist's review. Photos never
// change, so the browser may keep one for a day, privately.
func (a *API) getPhoto(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	photoID, err := PathID(c, "photo_id")
	if err != nil {
		return err
	}
	ct, data, err := a.Compounding.Photo(c.Request().Context(), id, photoID)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderCacheControl, "private, max-age=86400")
	h.Set("X-Content-Type-Options", "nosniff")
	return c.Blob(http.StatusOK, ct, data)
}

// ---------------------------------------------------------------------------
// Label, verification, release

// label shows the current label (the one label_seq names) as PDF, HTML or
// ZPL. It issues nothing: however often it is shown or printed, the label
// on the bag stays the current one. POST …/labels issues a new one.
func (a *API) label(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	format := c.QueryParam("format")
	if format == "" {
		format = "pdf"
	}
	if format != "pdf" && format != "html" && format != "zpl" {
		return apperr.InvalidField("format", "%q is not pdf, html or zpl", format)
	}
	lv, err := a.Compounding.CurrentLabel(c.Request().Context(), id)
	if err != nil {
		return err
	}
	l := a.labelOf(lv)
	c.Response().Header().Set("X-Label-Data", l.Data)
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	switch format {
	case "zpl":
		zpl, err := l.ZPL(workflow.DefaultStock)
		if err != nil {
			return err
		}
		return c.Blob(http.StatusOK, "text/plain; charset=utf-8", zpl)
	case "html":
		img, err := l.Barcode(240)
		if err != nil {
			return err
		}
		page, err := l.HTML(base64.StdEncoding.EncodeToString(img))
		if err != nil {
			return err
		}
		c.Response().Header().Set("Content-Security-Policy", labelCSP)
		return c.HTMLBlob(http.StatusOK, page)
	}
	pdf, err := l.PDF()
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `inline; filename="label-P`+strconv.FormatInt(id, 10)+`.pdf"`)
	return c.Blob(http.StatusOK, "application/pdf", pdf)
}

// labelOf builds the label model of a current label.
func (a *API) labelOf(lv compounding.LabelView) workflow.Label {
	p := lv.Preparation
	var budAt *time.Time
	if p.BUD != nil {
		budAt = &p.BUD.BUD
	}
	return workflow.BuildLabel(&p.Worksheet, p.ID, lv.Seq, lv.PreparedBy, lv.VerifiedBy, budAt, a.now(), a.Config.Location)
}

type labelsInput struct {
	// Format is how the new label will be printed (pdf, html or zpl),
	// recorded with it; pdf when left out.
	Format string `json:"format"`
}

// issueLabel issues the next label of a completed preparation (201): the
// old one is superseded and can no longer release it.
func (a *API) issueLabel(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return apperr.WithCode(apperr.Invalid, "malformed_json", "the request body could not be read")
	}
	var in labelsInput
	if len(bytes.TrimSpace(body)) > 0 {
		c.Request().Body = io.NopCloser(bytes.NewReader(body))
		if _, err := decodeJSON(c, &in); err != nil {
			return err
		}
	}
	if in.Format == "" {
		in.Format = "pdf"
	}
	if in.Format != "pdf" && in.Format != "html" && in.Format != "zpl" {
		return apperr.InvalidField("format", "%q is not pdf, html or zpl", in.Format)
	}
	key, err := idempotency(c, body)
	if err != nil {
		return err
	}
	d, err := a.Compounding.IssueLabel(c.Request().Context(), id, in.Format, actorOf(c), a.now(), key)
	return respond(c, http.StatusCreated, d, err)
}

type verifyInput struct {
	Decision string `json:"decision"`
	Reason   string `json:"reason"`
	Password string `json:"password"`
}

func (a *API) verify(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	var in verifyInput
	_, err = decodeJSON(c, &in)
	if err != nil {
		return err
	}
	in.Reason = strings.TrimSpace(in.Reason)
	switch {
	case in.Decision != "approve" && in.Decision != "reject":
		return apperr.InvalidField("decision", "%q is not approve or reject", in.Decision)
	case in.Decision == "reject" && in.Reason == "":
		return apperr.InvalidField("reason", "is required to reject: say what is wrong")
	case len(in.Reason) > 2000:
		return apperr.InvalidField("reason", "is longer than 2000 characters")
	case in.Password == "":
		return apperr.InvalidField("password", "is required: re-enter your password or PIN to sign the verification")
	}
	ra, ok := a.Auth.(Reauthenticator)
	if !ok {
		return apperr.WithCode(apperr.Unavailable, "reauth_unavailable", "password re-entry cannot be checked by this server")
	}
	// The secret is not part of the idempotency hash, so a retry with the
	// same decision is recognised whatever was typed.
	in2 := in
	in2.Password = ""
	hashBody, _ := json.Marshal(in2)
	key, err := idempotency(c, hashBody)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	// A retry is answered before the secret is checked again.
	if d, err := compounding.Replay[compounding.VerifyResult](ctx, a.Compounding, key); d.Replayed || err != nil {
		return respond(c, http.StatusOK, d, err)
	}
	if err := ra.ReauthPassword(ctx, PrincipalOf(c), in.Password); err != nil {
		return err
	}
	d, err := a.Compounding.Verify(ctx, compounding.VerifyInput{PreparationID: id, Actor: actorOf(c),
		Decision: workflow.Decision(in.Decision), Reason: in.Reason, Now: a.now()}, key)
	return respond(c, http.StatusOK, d, err)
}

type releaseInput struct {
	LabelData string `json:"label_data"`
}

func (a *API) release(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	var in releaseInput
	body, err := decodeJSON(c, &in)
	if err != nil {
		return err
	}
	if strings.TrimSpace(in.LabelData) == "" {
		return apperr.InvalidField("label_data", "is required: scan the label on the bag")
	}
	key, err := idempotency(c, body)
	if err != nil {
		return err
	}
	d, err := a.Compounding.Release(c.Request().Context(), id, in.LabelData, actorOf(c), a.now(), key)
	return respond(c, http.StatusOK, d, err)
}
