package httpapi

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/auth"
)

// Route is one entry of the route table: the roles allowed stand beside
// the handler, so the table reads as a permission list.
type Route struct {
	Method  string
	Path    string
	Handler echo.HandlerFunc
	// Public routes need no login. Otherwise Roles lists who may call it.
	Public bool
	Roles  []auth.Role
	// Middleware runs after the role check (idempotency, for example).
	Middleware []echo.MiddlewareFunc
}

// Anyone is every role: any logged-in user.
var Anyone = auth.AllRoles

// Routes is the whole route table. Each resource adds its own group from
// its own file.
func (a *API) Routes() []Route {
	var rs []Route
	rs = append(rs,
		Route{Method: http.MethodGet, Path: "/healthz", Handler: a.healthz, Public: true},
		Route{Method: http.MethodGet, Path: "/readyz", Handler: a.readyz, Public: true},
		Route{Method: http.MethodGet, Path: "/metrics", Handler: a.metricsHandler(), Public: true},
	)
	for _, group := range a.routeGroups() {
		rs = append(rs, group...)
	}
	if a.Pages != nil {
		rs = append(rs, a.Pages.Routes()...)
	}
	return rs
}

// PrincipalOf returns the authenticated caller, or nil.
func PrincipalOf(c echo.Context) *auth.Principal {
	p, _ := c.Get("principal").(*auth.Principal)
	return p
}

// TokenOf returns the bearer token or session cookie of a request.
func TokenOf(c echo.Context) string {
	if h := c.Request().Header.Get(echo.HeaderAuthorization); h != "" {
		if tok, ok := strings.CutPrefix(h, "Bearer "); ok {
			return strings.TrimSpace(tok)
		}
	}
	if ck, err := c.Cookie(SessionCookie); err == nil {
		return ck.Value
	}
	return ""
}

// guard wraps a handler with authentication and the route's role check.
func (a *API) guard(r Route) echo.HandlerFunc {
	h := r.Handler
	// Route middleware (idempotency, for example) runs after the role check,
	// so nothing is replayed or recorded for a caller who may not call it.
	for i := len(r.Middleware) - 1; i >= 0; i-- {
		h = r.Middleware[i](h)
	}
	h = refuseDuplicateKeys(h)
	if r.Public {
		return h
	}
	return func(c echo.Context) error {
		var p *auth.Principal
		if tok := TokenOf(c); tok != "" && a.Auth != nil {
			var err error
			p, err = a.Auth.Authenticate(c.Request().Context(), tok)
			if err != nil {
				return err
			}
		}
		if tok := TokenOf(c); p == nil && tok != "" && a.APIKeys != nil {
			var err error
			if p, err = a.APIKeys.Authenticate(c.Request().Context(), tok); err != nil {
				return err
			}
		}
		if p == nil {
			return apperr.WithCode(apperr.Unauthorized, "unauthenticated", "log in first: send Authorization: Bearer <token> or the session cookie")
		}
		c.Set("principal", p)
		if !p.Has(r.Roles...) {
			return apperr.WithCode(apperr.Forbidden, "forbidden", "your role may not do this (allowed: %s)", RolesText(r.Roles))
		}
		// A cookie-authenticated unsafe request must prove it came from a
		// Laminar page; bearer-token clients are exempt.
		if err := CheckCSRF(c); err != nil {
			return err
		}
		return h(c)
	}
}

// RolesText lists roles for a message: "pharmacist, admin".
func RolesText(rs []auth.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}
