package webui

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/httpapi"
	"github.com/laminar-rx/laminar/web"
)

// loginService is what the screens need from the auth service: the same
// login, logout and re-authentication the JSON API uses.
type loginService interface {
	Login(ctx context.Context, c auth.Credentials, remoteAddr string) (auth.Session, *auth.Principal, error)
	Logout(ctx context.Context, p *auth.Principal) error
	ReauthPassword(ctx context.Context, p *auth.Principal, secret string) error
}

func (w *webUI) logins() (loginService, error) {
	if s, ok := w.api.Auth.(loginService); ok {
		return s, nil
	}
	return nil, apperr.WithCode(apperr.Unavailable, "login_unavailable", "logging in is not available on this server")
}

// loginCSRFCookie protects the login form itself (there is no session yet
// to tie a token to): the form must echo this cookie's random value.
const loginCSRFCookie = "laminar_login"

// loginPage shows the sign-in screen: badge + PIN by default (the tablet
// in the cleanroom), username + password on request.
func (w *webUI) loginPage(c echo.Context) error {
	mode := c.QueryParam("mode")
	if mode != "password" {
		mode = "badge"
	}
	return w.renderLogin(c, http.StatusOK, web.LoginPage{Mode: mode, Next: safeNext(c.QueryParam("next"))})
}

func (w *webUI) renderLogin(c echo.Context, status int, p web.LoginPage) error {
	p.Layout = w.layout(c, "Sign in", "")
	p.User = nil
	tok := ""
	if ck, err := c.Cookie(loginCSRFCookie); err == nil && len(ck.Value) >= 16 {
		tok = ck.Value
	} else {
		b := make([]byte, 18)
		if _, err := rand.Read(b); err != nil {
			return apperr.Wrap(err, "login form token")
		}
		tok = base64.RawURLEncoding.EncodeToString(b)
		http.SetCookie(c.Response(), &http.Cookie{Name: loginCSRFCookie, Value: tok, Path: "/login", HttpOnly: true,
			SameSite: http.SameSiteStrictMode, Secure: c.Scheme() == "https"})
	}
	p.CSRF = tok
	return w.render(c, status, p)
}

// loginSubmit logs in with badge + PIN or username + password, sets the
// session cookie and returns to the page the person came for.
func (w *webUI) loginSubmit(c echo.Context) error {
	pg := web.LoginPage{Mode: c.FormValue("mode"), Next: safeNext(c.FormValue("next"))}
	if pg.Mode != "password" {
		pg.Mode = "badge"
	}
	ck, err := c.Cookie(loginCSRFCookie)
	if err != nil || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(c.FormValue(httpapi.CSRFField))) != 1 {
		pg.Error = "The sign-in form expired. Please try again."
		return w.renderLogin(c, http.StatusForbidden, pg)
	}
	svc, err := w.logins()
	if err != nil {
		return err
	}
	var cred auth.Credentials
	if pg.Mode == "badge" {
		pg.Badge = strings.TrimSpace(c.FormValue("badge"))
		cred = auth.Credentials{Badge: pg.Badge, PIN: c.FormValue("pin")}
		switch {
		case pg.Badge == "":
			pg.Error, pg.Field = "Scan your badge first.", "badge"
		case cred.PIN == "":
			pg.Error, pg.Field = "Enter your PIN on the keypad.", "pin"
		}
	} else {
		pg.Username = strings.TrimSpace(c.FormValue("username"))
		cred = auth.Credentials{Username: pg.Username, Password: c.FormValue("password")}
		switch {
		case pg.Username == "":
			pg.Error, pg.Field = "Enter your username.", "username"
		case cred.Password == "":
			pg.Error, pg.Field = "Enter your password.", "password"
		}
	}
	if pg.Error != "" {
		return w.renderLogin(c, http.StatusBadRequest, pg)
	}
	sess, _, err := svc.Login(c.Request().Context(), cred, c.Request().RemoteAddr)
	if err != nil {
		e := httpapi.ToAppErr(err)
		if e.Kind == apperr.Internal || e.Kind == apperr.Unavailable {
			return err
		}
		pg.Error, pg.Field = sentence(e.Message), e.Field
		if e.Kind == apperr.TooMany && e.RetryAfter > 0 {
			c.Response().Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
		}
		return w.renderLogin(c, httpapi.StatusOf(e.Kind), pg)
	}
	httpapi.SetSessionCookie(c, sess)
	return c.Redirect(http.StatusSeeOther, pg.Next)
}

// logout ends the session and forgets the cookie.
func (w *webUI) logout(c echo.Context) error {
	svc, err := w.logins()
	if err != nil {
		return err
	}
	if err := svc.Logout(c.Request().Context(), httpapi.PrincipalOf(c)); err != nil {
		return err
	}
	httpapi.ClearSessionCookie(c)
	return c.Redirect(http.StatusSeeOther, "/login")
}

// csrfToken is the anti-forgery token of the caller's session, for forms
// and for the X-CSRF-Token header of in-page requests.
func (w *webUI) csrfToken(c echo.Context) string { return httpapi.CSRFTokenOf(c) }

// sentence starts a message with a capital and ends it with a full stop.
func sentence(m string) string {
	if m == "" {
		return m
	}
	m = strings.ToUpper(m[:1]) + m[1:]
	if !strings.HasSuffix(m, ".") {
		m += "."
	}
	return m
}
