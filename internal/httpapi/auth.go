package httpapi

import (
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/auth"
)

// CSRFHeader and CSRFField carry the anti-forgery token of a cookie
// session: the header from scripts, the field from HTML forms.
const (
	CSRFHeader = "X-CSRF-Token"
	CSRFField  = "csrf_token"
)

// authRoutes: logging in and out, and the admin's account management.
func (a *API) authRoutes() []Route {
	admin := []auth.Role{auth.Admin}
	csrf := []echo.MiddlewareFunc{RequireCSRF}
	return []Route{
		{Method: http.MethodPost, Path: "/api/v1/login", Handler: a.login, Public: true},
		{Method: http.MethodPost, Path: "/api/v1/logout", Handler: a.logout, Roles: Anyone, Middleware: csrf},
		{Method: http.MethodGet, Path: "/api/v1/me", Handler: a.me, Roles: Anyone},
		{Method: http.MethodGet, Path: "/api/v1/users", Handler: a.listUsers, Roles: admin},
		{Method: http.MethodPost, Path: "/api/v1/users", Handler: a.createUser, Roles: admin, Middleware: csrf},
		{Method: http.MethodGet, Path: "/api/v1/users/:id", Handler: a.getUser, Roles: admin},
		{Method: http.MethodPut, Path: "/api/v1/users/:id/roles", Handler: a.setRoles, Roles: admin, Middleware: csrf},
		{Method: http.MethodPost, Path: "/api/v1/users/:id/password", Handler: a.resetPassword, Roles: admin, Middleware: csrf},
		{Method: http.MethodPost, Path: "/api/v1/users/:id/pin", Handler: a.resetPIN, Roles: admin, Middleware: csrf},
		{Method: http.MethodPost, Path: "/api/v1/users/:id/deactivate", Handler: a.deactivateUser, Roles: admin, Middleware: csrf},
	}
}

// AuthService is the login and account service: a.Auth when it is one,
// otherwise one built over a.Store with the configured timeouts (so a test
// may plug in another Authenticator and still log in).
func (a *API) AuthService() *auth.Service {
	if s, ok := a.Auth.(*auth.Service); ok {
		return s
	}
	if a.authSvc != nil {
		return a.authSvc
	}
	return auth.NewService(a.Store, auth.Options{SessionIdle: a.Config.SessionIdle, TabletIdle: a.Config.TabletIdle, Now: a.Now, Log: a.Log})
}

// ClientAddr is the caller's address for login throttling: the peer
// address, or the forwarded one only when the server was configured to
// trust a proxy (an IPExtractor), since a client can forge the header.
func ClientAddr(c echo.Context) string {
	if c.Echo().IPExtractor != nil {
		return c.RealIP()
	}
	host, _, err := net.SplitHostPort(c.Request().RemoteAddr)
	if err != nil {
		return c.Request().RemoteAddr
	}
	return host
}

// SetSessionCookie hands a new session to the browser: HttpOnly so scripts
// cannot read it, SameSite=Strict so other sites cannot send it, Secure
// over HTTPS. It lives as long as the browser session; the server enforces
// the idle timeout.
func SetSessionCookie(c echo.Context, s auth.Session) {
	c.SetCookie(&http.Cookie{
		Name: SessionCookie, Value: s.Token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: c.Scheme() == "https",
	})
}

// ClearSessionCookie removes the session cookie.
func ClearSessionCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{
		Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: c.Scheme() == "https",
	})
}

// cookieAuthenticated reports whether the request's credentials come from
// the session cookie (a browser) rather than an Authorization header.
func cookieAuthenticated(c echo.Context) (string, bool) {
	if _, ok := strings.CutPrefix(c.Request().Header.Get(echo.HeaderAuthorization), "Bearer "); ok {
		return "", false
	}
	ck, err := c.Cookie(SessionCookie)
	if err != nil || ck.Value == "" {
		return "", false
	}
	return ck.Value, true
}

// CSRFTokenOf returns the CSRF token of the request's session cookie, for
// pages to put in their forms ("" without a cookie).
func CSRFTokenOf(c echo.Context) string {
	if tok, ok := cookieAuthenticated(c); ok {
		return auth.CSRFToken(tok)
	}
	return ""
}

// CheckCSRF refuses a cookie-authenticated unsafe request (POST, PUT,
// PATCH, DELETE) that does not carry its session's CSRF token in the
// X-CSRF-Token header or the csrf_token form field. Safe methods and
// bearer-token requests pass: a forged cross-site request can carry a
// cookie but not an Authorization header.
func CheckCSRF(c echo.Context) error {
	switch c.Request().Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	tok, ok := cookieAuthenticated(c)
	if !ok {
		return nil
	}
	given := c.Request().Header.Get(CSRFHeader)
	if given == "" {
		ct := c.Request().Header.Get(echo.HeaderContentType)
		if strings.HasPrefix(ct, echo.MIMEApplicationForm) || strings.HasPrefix(ct, echo.MIMEMultipartForm) {
			given = c.FormValue(CSRFField)
		}
	}
	if !auth.ValidCSRF(tok, given) {
		return &apperr.Error{Kind: apperr.Forbidden, Code: "csrf", Field: CSRFField,
			Message: "this form has expired or did not come from Laminar; reload the page and try again"}
	}
	return nil
}

// RequireCSRF is CheckCSRF as route middleware.
func RequireCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := CheckCSRF(c); err != nil {
			return err
		}
		return next(c)
	}
}

// userSummary is the login answer's "user".
type userSummary struct {
	ID       int64       `json:"id"`
	Username string      `json:"username"`
	Role     auth.Role   `json:"role"`
	Roles    []auth.Role `json:"roles"`
}

func summaryOf(p *auth.Principal) userSummary {
	s := userSummary{ID: p.UserID, Username: p.Username, Roles: p.Roles}
	if s.Roles == nil {
		s.Roles = []auth.Role{}
	}
	if len(p.Roles) > 0 {
		s.Role = p.Roles[0]
	}
	return s
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Badge    string `json:"badge"`
	PIN      string `json:"pin"`
}

func (a *API) login(c echo.Context) error {
	// Only JSON: a cross-site form can post text/plain or a form without a
	// preflight, and would log the victim's browser into the attacker's
	// account (login CSRF); a script on another site cannot send JSON.
	if mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType)); mt != echo.MIMEApplicationJSON {
		return &apperr.Error{Kind: apperr.UnsupportedMedia, Code: "unsupported_media_type", Field: "Content-Type",
			Message: "send the login as application/json"}
	}
	var req loginRequest
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	sess, p, err := a.AuthService().Login(c.Request().Context(),
		auth.Credentials{Username: req.Username, Password: req.Password, Badge: req.Badge, PIN: req.PIN}, ClientAddr(c))
	if err != nil {
		return err
	}
	c.Set("principal", p) // for the request log line
	SetSessionCookie(c, sess)
	return c.JSON(http.StatusOK, map[string]any{
		"token":        sess.Token,
		"csrf_token":   sess.CSRFToken,
		"tablet":       sess.Tablet,
		"idle_timeout": int(sess.IdleTimeout.Seconds()),
		"user":         summaryOf(p),
	})
}

func (a *API) logout(c echo.Context) error {
	if err := a.AuthService().Logout(c.Request().Context(), PrincipalOf(c)); err != nil {
		return err
	}
	ClearSessionCookie(c)
	return c.JSON(http.StatusOK, map[string]bool{"logged_out": true})
}

func (a *API) me(c echo.Context) error {
	p := PrincipalOf(c)
	out := map[string]any{"user": summaryOf(p), "tablet": p.Tablet}
	if tok := CSRFTokenOf(c); tok != "" {
		out["csrf_token"] = tok
	}
	return c.JSON(http.StatusOK, out)
}

func (a *API) listUsers(c echo.Context) error {
	us, err := a.AuthService().Users(c.Request().Context(), PrincipalOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"users": us})
}

func (a *API) getUser(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	u, err := a.AuthService().User(c.Request().Context(), PrincipalOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}

func (a *API) createUser(c echo.Context) error {
	var in auth.NewUser
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	u, err := a.AuthService().CreateUser(c.Request().Context(), PrincipalOf(c), in)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/users/"+strconv.FormatInt(u.ID, 10))
	return c.JSON(http.StatusCreated, u)
}

func (a *API) setRoles(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	var req struct {
		Roles []auth.Role `json:"roles"`
	}
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	u, err := a.AuthService().SetRoles(c.Request().Context(), PrincipalOf(c), id, req.Roles)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}

func (a *API) resetPassword(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	var req struct {
		Password string `json:"password"`
	}
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	u, err := a.AuthService().ResetPassword(c.Request().Context(), PrincipalOf(c), id, req.Password)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}

func (a *API) resetPIN(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	var req struct {
		Badge string `json:"badge"`
		PIN   string `json:"pin"`
	}
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	u, err := a.AuthService().ResetPIN(c.Request().Context(), PrincipalOf(c), id, req.Badge, req.PIN)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}

func (a *API) deactivateUser(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	u, err := a.AuthService().Deactivate(c.Request().Context(), PrincipalOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}
