package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/compounding"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// recipeAuthors may write a new recipe version (a draft); only a
// pharmacist other than its author may approve it.
var recipeAuthors = []auth.Role{auth.Admin, auth.Pharmacist}

type approveInput struct {
	Password string `json:"password"`
}

// approveRecipe approves a draft recipe version: a pharmacist who did not
// write it, re-entering their password as for a verification.
func (a *API) approveRecipe(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	var in approveInput
	if _, err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Password == "" {
		return apperr.InvalidField("password", "is required: re-enter your password or PIN to sign the approval")
	}
	ra, ok := a.Auth.(Reauthenticator)
	if !ok {
		return apperr.WithCode(apperr.Unavailable, "reauth_unavailable", "password re-entry cannot be checked by this server")
	}
	ctx := c.Request().Context()
	key, err := idempotency(c, []byte(c.Param("id")))
	if err != nil {
		return err
	}
	if d, err := compounding.Replay[workflow.Recipe](ctx, a.Compounding, key); d.Replayed || err != nil {
		return respond(c, http.StatusOK, d, err)
	}
	if err := ra.ReauthPassword(ctx, PrincipalOf(c), in.Password); err != nil {
		return err
	}
	d, err := a.Compounding.ApproveRecipe(ctx, id, PrincipalOf(c).UserID, a.now(), key)
	return respond(c, http.StatusOK, d, err)
}
