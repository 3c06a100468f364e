package httpapi

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/guard"
	"github.com/laminar-rx/laminar/internal/rules"
)

// guardRoutes are the guard table's versions: the people accountable for
// the limits may read them; only an admin may add a version.
func (a *API) guardRoutes() []Route {
	return []Route{
		{Method: http.MethodGet, Path: "/api/v1/guard/rules", Handler: a.listGuardRules,
			Roles: []auth.Role{auth.Admin, auth.SafetyOfficer, auth.Pharmacist}},
		{Method: http.MethodPost, Path: "/api/v1/guard/rules", Handler: a.addGuardRules, Roles: []auth.Role{auth.Admin}},
	}
}

// guardRuleVersionJSON is one version as the API shows it.
type guardRuleVersionJSON struct {
	ID            int64       `json:"id"`
	Version       string      `json:"version"`
	EffectiveFrom time.Time   `json:"effective_from"`
	InForce       bool        `json:"in_force"`
	CreatedBy     *int64      `json:"created_by"`
	CreatedAt     time.Time   `json:"created_at"`
	Rules         guard.Rules `json:"rules"`
}

func guardVersionJSON(v rules.GuardRuleVersion, inForce string) guardRuleVersionJSON {
	return guardRuleVersionJSON{ID: v.ID, Version: v.Rules.Version, EffectiveFrom: v.Rules.EffectiveFrom,
		InForce: v.Rules.Version == inForce, CreatedBy: v.CreatedBy, CreatedAt: v.CreatedAt, Rules: v.Rules}
}

// listGuardRules lists every version, oldest first, naming the one in force.
func (a *API) listGuardRules(c echo.Context) error {
	vs, err := a.rules().GuardRuleVersions(c.Request().Context())
	if err != nil {
		return err
	}
	h := make(guard.History, len(vs))
	for i, v := range vs {
		h[i] = v.Rules
	}
	inForce := ""
	if r, ok := h.InForce(a.Now()); ok {
		inForce = r.Version
	}
	out := struct {
		InForce  string                 `json:"in_force"`
		Versions []guardRuleVersionJSON `json:"versions"`
	}{InForce: inForce, Versions: make([]guardRuleVersionJSON, 0, len(vs))}
	for _, v := range vs {
		out.Versions = append(out.Versions, guardVersionJSON(v, inForce))
	}
	return c.JSON(http.StatusOK, out)
}

// addGuardRules stores a new version (the body is the table, as GET shows
// it under "rules"). The store validates it — a limit whose dimension does
// not match its drug's dose unit is refused — refuses an effective_from in
// the past and audits the change.
func (a *API) addGuardRules(c echo.Context) error {
	var rules guard.Rules
	if _, err := decodeJSON(c, &rules); err != nil {
		return err
	}
	v, err := a.rules().AddGuardRules(c.Request().Context(), PrincipalOf(c).UserID, rules)
	if err != nil {
		return err
	}
	inForce := ""
	if !v.Rules.EffectiveFrom.After(a.Now()) {
		inForce = v.Rules.Version
	}
	return c.JSON(http.StatusCreated, guardVersionJSON(v, inForce))
}

// guardsNow is the calculator's guards from the table in force now.
func (a *API) guardsNow(c echo.Context) (*guard.Rules, error) {
	r, err := a.rules().GuardRulesAt(c.Request().Context(), a.Now())
	if err != nil {
		var e *apperr.Error
		if ok := asAppErr(err, &e); ok && e.Kind == apperr.Refused {
			return nil, nil // no table in force: the calculator answers without guards
		}
		return nil, err
	}
	return &r, nil
}
