package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/compounding"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// gravityRoutes: the specific gravities on record per product and
// concentration; a pharmacist records one determined on site. The dose
// evidence policy in force is readable by anyone signed in.
func (a *API) gravityRoutes() []Route {
	return []Route{
		{Method: http.MethodGet, Path: "/api/v1/products/:id/specific-gravities", Handler: a.listGravities, Roles: Anyone},
		{Method: http.MethodPost, Path: "/api/v1/products/:id/specific-gravities", Handler: a.determineGravity, Roles: pharmacists},
		{Method: http.MethodGet, Path: "/api/v1/dose-evidence-policy", Handler: a.evidencePolicy, Roles: Anyone},
		{Method: http.MethodPost, Path: "/api/v1/dose-evidence-policy", Handler: a.addEvidencePolicy, Roles: []auth.Role{auth.Admin}},
	}
}

func (a *API) listGravities(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := a.catalog().Product(ctx, id); err != nil {
		return err
	}
	gs, err := a.Compounding.Gravities(ctx, id)
	if err != nil {
		return err
	}
	return wfJSON(c, http.StatusOK, map[string]any{"specific_gravities": gs})
}

// determineGravity records a pharmacist's on-site determination: a measured
// volume of the solution weighed twice, the two agreeing within the policy.
func (a *API) determineGravity(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	var in compounding.GravityInput
	body, err := decodeJSON(c, &in)
	if err != nil {
		return err
	}
	in.ProductID = id
	key, err := idempotency(c, body)
	if err != nil {
		return err
	}
	d, err := a.Compounding.DetermineGravity(c.Request().Context(), in, actorOf(c), a.now(), key)
	return respond(c, http.StatusCreated, d, err)
}

func (a *API) evidencePolicy(c echo.Context) error {
	p, err := a.Compounding.EvidencePolicy(c.Request().Context(), a.now())
	if err != nil {
		return err
	}
	return wfJSON(c, http.StatusOK, p)
}

// addEvidencePolicy adds a version of the dose evidence policy (admin,
// audited): e.g. a site relaxing high-alert draws to a weight or a photo.
func (a *API) addEvidencePolicy(c echo.Context) error {
	var p workflow.EvidencePolicy
	if _, err := decodeJSON(c, &p); err != nil {
		return err
	}
	out, err := a.rules().AddEvidencePolicy(c.Request().Context(), PrincipalOf(c).UserID, p)
	if err != nil {
		return err
	}
	return wfJSON(c, http.StatusCreated, out)
}
