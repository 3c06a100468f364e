package httpapi

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/bud"
	"github.com/laminar-rx/laminar/internal/rules"
)

// budRoutes are the beyond-use-date calculator and its rule table: anyone
// may compute a BUD; the people accountable for the rules may read them;
// only an admin may add a version.
func (a *API) budRoutes() []Route {
	return []Route{
		{Method: http.MethodPost, Path: "/api/v1/bud", Handler: a.computeBUD, Roles: Anyone},
		{Method: http.MethodGet, Path: "/api/v1/bud/rules", Handler: a.listBUDRules,
			Roles: []auth.Role{auth.Admin, auth.SafetyOfficer, auth.Pharmacist}},
		{Method: http.MethodPost, Path: "/api/v1/bud/rules", Handler: a.addBUDRules, Roles: []auth.Role{auth.Admin}},
	}
}

// computeBUD answers a BUD request with the rule table in
// force at its compounded_at, so a BUD recomputed later is the same.
func (a *API) computeBUD(c echo.Context) error {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err
	}
	req, err := bud.DecodeRequest(body, a.Config.Location)
	if err != nil {
		return apperr.From(err)
	}
	rules, err := a.rules().BUDRulesAt(c.Request().Context(), req.CompoundedAt)
	if err != nil {
		return err
	}
	res, err := bud.Compute(rules, req)
	if err != nil {
		return apperr.From(err)
	}
	return c.JSON(http.StatusOK, res)
}

// budRuleVersionJSON is one version as the API shows it.
type budRuleVersionJSON struct {
	ID            int64     `json:"id"`
	Version       string    `json:"version"`
	EffectiveFrom time.Time `json:"effective_from"`
	// InForce marks the version that applies to a preparation started now.
	InForce   bool      `json:"in_force"`
	CreatedBy *int64    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	Rules     bud.Rules `json:"rules"`
}

func budVersionJSON(v rules.BUDRuleVersion, inForce string) budRuleVersionJSON {
	return budRuleVersionJSON{ID: v.ID, Version: v.Rules.Version, EffectiveFrom: v.Rules.EffectiveFrom,
		InForce: v.Rules.Version == inForce, CreatedBy: v.CreatedBy, CreatedAt: v.CreatedAt, Rules: v.Rules}
}

// listBUDRules lists every version, oldest first, and names the one in
// force now ("" when none is).
func (a *API) listBUDRules(c echo.Context) error {
	vs, err := a.rules().BUDRuleVersions(c.Request().Context())
	if err != nil {
		return err
	}
	h := make(bud.History, len(vs))
	for i, v := range vs {
		h[i] = v.Rules
	}
	inForce := ""
	if r, err := h.InForce(a.Now()); err == nil {
		inForce = r.Version
	}
	out := struct {
		InForce  string               `json:"in_force"`
		Versions []budRuleVersionJSON `json:"versions"`
	}{InForce: inForce, Versions: make([]budRuleVersionJSON, 0, len(vs))}
	for _, v := range vs {
		out.Versions = append(out.Versions, budVersionJSON(v, inForce))
	}
	return c.JSON(http.StatusOK, out)
}

// addBUDRules stores a new version of the rule table (the body is the
// table, as GET shows it under "rules"); the store validates it, refuses an
// effective_from in the past and audits the change. Leaving effective_from
// out applies the table from now.
func (a *API) addBUDRules(c echo.Context) error {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err
	}
	rules, err := decodeBUDRules(body)
	if err != nil {
		return err
	}
	v, err := a.rules().AddBUDRules(c.Request().Context(), PrincipalOf(c).UserID, rules)
	if err != nil {
		return err
	}
	inForce := ""
	if !v.Rules.EffectiveFrom.After(a.Now()) {
		inForce = v.Rules.Version
	}
	return c.JSON(http.StatusCreated, budVersionJSON(v, inForce))
}

// decodeBUDRules reads a rule table strictly: unknown fields and wrong
// types are 400 errors naming the field; validation is the store's, so it
// happens once the missing effective_from has been given its default.
func decodeBUDRules(body []byte) (bud.Rules, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' || !json.Valid(trimmed) {
		return bud.Rules{}, &apperr.Error{Kind: apperr.Invalid, Code: "malformed_json", Field: "body",
			Message: "the body must be a JSON object: the BUD rule table"}
	}
	var r bud.Rules
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	err := dec.Decode(&r)
	if err == nil {
		return r, nil
	}
	invalid := func(field, msg string) error {
		return &apperr.Error{Kind: apperr.Invalid, Code: bud.CodeInvalidRules, Field: field, Message: msg, Err: err}
	}
	var leaf apperr.Leaf
	var te *json.UnmarshalTypeError
	var pe *time.ParseError
	switch {
	case errors.As(err, &leaf):
		return bud.Rules{}, invalid(cmp.Or(budRulesValueField(trimmed), leaf.ErrorField(), "rules"), leaf.ErrorMessage())
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "rules"
		}
		return bud.Rules{}, invalid(field, "has the wrong JSON type: expected "+te.Type.String()+", got "+te.Value)
	case errors.As(err, &pe):
		// effective_from is the table's only time.
		return bud.Rules{}, invalid("effective_from", "is not an RFC 3339 time (e.g. 2027-01-01T00:00:00Z); leave it out to apply the table from now")
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		if name == "" {
			name = `""` // an empty member name still needs a field to point at
		}
		return bud.Rules{}, &apperr.Error{Kind: apperr.Invalid, Code: bud.CodeUnknownField, Field: name,
			Message: "is not a field of the BUD rule table", Err: err}
	}
	// Anything else keeps encoding/json's description.
	return bud.Rules{}, invalid("rules", "is not a valid rule table: "+err.Error())
}

// budRulesValueField finds the field whose value failed its own parsing
// (a duration such as "ten days", a sterility_tested that is not true, false
// or "any"): encoding/json reports such errors without a path, and an admin
// editing a long table needs to know which cell is wrong.
func budRulesValueField(body []byte) string {
	var doc struct {
		ImmediateUse struct {
			Limit json.RawMessage `json:"limit"`
		} `json:"immediate_use"`
		CategoryLimits []struct {
			SterilityTested json.RawMessage            `json:"sterility_tested"`
			Limits          map[string]json.RawMessage `json:"limits"`
		} `json:"category_limits"`
		InUse []struct {
			InsideISO5  json.RawMessage `json:"inside_iso5"`
			OutsideISO5 json.RawMessage `json:"outside_iso5"`
		} `json:"in_use"`
	}
	if json.Unmarshal(body, &doc) != nil {
		return ""
	}
	var d bud.Duration
	var tested bud.Tested
	bad := func(raw json.RawMessage, v any) bool { return len(raw) > 0 && json.Unmarshal(raw, v) != nil }
	if bad(doc.ImmediateUse.Limit, &d) {
		return "immediate_use.limit"
	}
	for i, row := range doc.CategoryLimits {
		if bad(row.SterilityTested, &tested) {
			return fmt.Sprintf("category_limits[%d].sterility_tested", i)
		}
		for _, k := range slices.Sorted(maps.Keys(row.Limits)) {
			if bad(row.Limits[k], &d) {
				return fmt.Sprintf("category_limits[%d].limits.%s", i, k)
			}
		}
	}
	for i, u := range doc.InUse {
		if bad(u.InsideISO5, &d) {
			return fmt.Sprintf("in_use[%d].inside_iso5", i)
		}
		if bad(u.OutsideISO5, &d) {
			return fmt.Sprintf("in_use[%d].outside_iso5", i)
		}
	}
	return ""
}
