package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/compounding"
)

type overrideInput struct {
	Reason   string `json:"reason"`
	Password string `json:"password"`
}

// override is a pharmacist's override of a preparation held at
// needs_pharmacist_override: a reason and the password again, like a
// verification; both are in the log and on the evidence page.
func (a *API) override(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	var in overrideInput
	if _, err := decodeJSON(c, &in); err != nil {
		return err
	}
	in.Reason = strings.TrimSpace(in.Reason)
	switch {
	case in.Reason == "":
		return &apperr.Error{Kind: apperr.Invalid, Code: "reason_required", Field: "reason",
			Message: "is required: say why the dose may be given outside its limits"}
	case len(in.Reason) > 2000:
		return apperr.InvalidField("reason", "is longer than 2000 characters")
	case in.Password == "":
		return apperr.InvalidField("password", "is required: re-enter your password or PIN to sign the override")
	}
	ra, ok := a.Auth.(Reauthenticator)
	if !ok {
		return apperr.WithCode(apperr.Unavailable, "reauth_unavailable", "password re-entry cannot be checked by this server")
	}
	hashBody, _ := json.Marshal(overrideInput{Reason: in.Reason})
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
	d, err := a.Compounding.Override(ctx, compounding.OverrideInput{PreparationID: id, Actor: actorOf(c),
		Reason: in.Reason, Now: a.now()}, key)
	return respond(c, http.StatusOK, d, err)
}
