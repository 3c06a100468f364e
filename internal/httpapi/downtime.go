package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/compounding"
)

// downtimeRoutes: recording a preparation made on paper during downtime.
func (a *API) downtimeRoutes() []Route {
	return []Route{
		{Method: http.MethodPost, Path: "/api/v1/preparations/:id/downtime", Handler: a.recordDowntime, Roles: pharmacists},
		{Method: http.MethodGet, Path: "/api/v1/preparations/:id/downtime", Handler: a.getDowntime, Roles: Anyone},
	}
}

type downtimeRequest struct {
	compounding.DowntimeInput
	// Password signs the record, as a verification is signed.
	Password string `json:"password"`
}

// recordDowntime transcribes a paper worksheet (pharmacist, re-entering
// the password): 200 with the preparation's state, now completed and
// waiting for verification.
func (a *API) recordDowntime(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	var in downtimeRequest
	if _, err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Password == "" {
		return apperr.InvalidField("password", "is required: re-enter your password or PIN to sign the record")
	}
	ra, ok := a.Auth.(Reauthenticator)
	if !ok {
		return apperr.WithCode(apperr.Unavailable, "reauth_unavailable", "password re-entry cannot be checked by this server")
	}
	hash := in
	hash.Password = ""
	hashBody, _ := json.Marshal(hash)
	key, err := idempotency(c, hashBody)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if d, err := compounding.Replay[compounding.State](ctx, a.Compounding, key); d.Replayed || err != nil {
		return respond(c, http.StatusOK, d, err)
	}
	if err := ra.ReauthPassword(ctx, PrincipalOf(c), in.Password); err != nil {
		return err
	}
	rec := in.DowntimeInput
	rec.PreparationID, rec.Actor, rec.Now = id, actorOf(c), a.now()
	d, err := a.Compounding.RecordDowntime(ctx, rec, key)
	return respond(c, http.StatusOK, d, err)
}

// getDowntime shows the paper record of a preparation made during downtime.
func (a *API) getDowntime(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	rec, err := a.Compounding.DowntimeRecord(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if rec == nil {
		return apperr.WithCode(apperr.NotFound, "not_downtime", "preparation %d was not made during downtime", id)
	}
	return c.JSON(http.StatusOK, rec)
}
