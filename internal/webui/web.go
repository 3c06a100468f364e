package webui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/httpapi"
	"github.com/laminar-rx/laminar/web"
)

// webUI serves the browser screens. Its handlers call the same services and
// domain functions as the JSON API; in-page actions use the JSON API itself.
type webUI struct {
	api  *Deps
	site *web.Site
}

// The roles of each screen.
var (
	rolesPrepare  = []auth.Role{auth.Technician}
	rolesVerify   = []auth.Role{auth.Pharmacist}
	rolesEvidence = []auth.Role{auth.Pharmacist, auth.SafetyOfficer, auth.Admin}
	rolesAudit    = []auth.Role{auth.SafetyOfficer, auth.Admin}
	rolesAdmin    = []auth.Role{auth.Admin}
	rolesLive     = []auth.Role{auth.Technician, auth.Pharmacist, auth.SafetyOfficer, auth.Admin}
)

// Routes are the browser screens. Like every route they sit in the one
// route table with their roles; an unauthenticated browser navigation is
// sent to the login page by ErrorPage.
func (w *webUI) Routes() []httpapi.Route {
	page := []echo.MiddlewareFunc{pageHeaders, middleware.GzipWithConfig(middleware.GzipConfig{Level: 5, MinLength: 1024})}
	form := []echo.MiddlewareFunc{pageHeaders, httpapi.RequireCSRF}
	return append(append(append([]httpapi.Route{
		{Method: http.MethodGet, Path: "/static/:file", Handler: w.static, Public: true},
		{Method: http.MethodGet, Path: "/login", Handler: w.loginPage, Public: true, Middleware: page},
		{Method: http.MethodPost, Path: "/login", Handler: w.loginSubmit, Public: true, Middleware: page},
		{Method: http.MethodPost, Path: "/logout", Handler: w.logout, Roles: httpapi.Anyone, Middleware: form},
		{Method: http.MethodGet, Path: "/", Handler: w.home, Roles: httpapi.Anyone, Middleware: page},

		{Method: http.MethodGet, Path: "/tablet", Handler: w.queue, Roles: rolesPrepare, Middleware: page},
		{Method: http.MethodPost, Path: "/tablet/prep/:id/claim", Handler: w.claim, Roles: rolesPrepare, Middleware: form},
		{Method: http.MethodGet, Path: "/tablet/prep/:id", Handler: w.prep, Roles: rolesPrepare, Middleware: page},
		{Method: http.MethodPost, Path: "/tablet/prep/:id/labels", Handler: w.newLabel, Roles: rolesPrepare, Middleware: form},

		{Method: http.MethodGet, Path: "/verify", Handler: w.verifyQueue, Roles: rolesVerify, Middleware: page},
		{Method: http.MethodGet, Path: "/verify/list", Handler: w.verifyList, Roles: rolesVerify, Middleware: page},
		{Method: http.MethodGet, Path: "/verify/:id", Handler: w.verifyPage, Roles: rolesEvidence, Middleware: page},
		{Method: http.MethodPost, Path: "/verify/:id", Handler: w.verifySubmit, Roles: rolesVerify, Middleware: form},
		{Method: http.MethodGet, Path: "/events/preparations", Handler: w.events, Roles: rolesLive},

		{Method: http.MethodGet, Path: "/log", Handler: w.log, Roles: rolesAudit, Middleware: page},
	}, append(append(w.interfacesRoutes(page, form), w.deviceRoutes(page, form)...), append(w.recipeRoutes(page, form), append(w.guardPageRoutes(page, form), w.safetyPages(page)...)...)...)...), []httpapi.Route{

		{Method: http.MethodGet, Path: "/competency", Handler: w.competencyOverview, Roles: httpapi.CompetencyReviewers, Middleware: page},
		{Method: http.MethodGet, Path: "/competency/:id", Handler: w.competencyPerson, Roles: httpapi.CompetencyReviewers, Middleware: page},
		{Method: http.MethodPost, Path: "/competency/:id", Handler: w.competencyRecord, Roles: httpapi.CompetencyReviewers, Middleware: form},

		{Method: http.MethodGet, Path: "/admin/products", Handler: w.products, Roles: rolesAdmin, Middleware: page},
		{Method: http.MethodGet, Path: "/admin/products/new", Handler: w.productForm, Roles: rolesAdmin, Middleware: page},
		{Method: http.MethodPost, Path: "/admin/products/new", Handler: w.productSave, Roles: rolesAdmin, Middleware: form},
		{Method: http.MethodGet, Path: "/admin/products/:id", Handler: w.productForm, Roles: rolesAdmin, Middleware: page},
		{Method: http.MethodPost, Path: "/admin/products/:id", Handler: w.productSave, Roles: rolesAdmin, Middleware: form},
		{Method: http.MethodGet, Path: "/admin/users", Handler: w.users, Roles: rolesAdmin, Middleware: page},
		{Method: http.MethodGet, Path: "/admin/users/new", Handler: w.userForm, Roles: rolesAdmin, Middleware: page},
		{Method: http.MethodPost, Path: "/admin/users/new", Handler: w.userSave, Roles: rolesAdmin, Middleware: form},
		{Method: http.MethodGet, Path: "/admin/users/:id", Handler: w.userForm, Roles: rolesAdmin, Middleware: page},
		{Method: http.MethodPost, Path: "/admin/users/:id", Handler: w.userSave, Roles: rolesAdmin, Middleware: form},
	}...), append(w.gravityRoutes(page, form), w.pictureRoutes(page, form)...)...)
}

// pageHeaders sets the security headers of HTML pages: scripts only from
// this origin (no inline script), no framing by other sites, no caching of
// patient data.
func pageHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' blob: data:; frame-ancestors 'self'; form-action 'self'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		return next(c)
	}
}

// render writes a page with status.
func (w *webUI) render(c echo.Context, status int, p web.Page) error {
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(status)
	return w.site.Render(c.Response(), p)
}

// layout builds the common part of a page for the caller.
func (w *webUI) layout(c echo.Context, title, active string) web.Layout {
	l := web.Layout{Title: title, Active: active, Loc: w.api.Config.Location, CSRF: w.csrfToken(c)}
	if p := httpapi.PrincipalOf(c); p != nil {
		l.User = viewerOf(p)
	}
	if f, err := c.Cookie(flashCookie); err == nil && f.Value != "" {
		if v, err := url.QueryUnescape(f.Value); err == nil {
			l.Flash = v
		}
		http.SetCookie(c.Response(), &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	}
	return l
}

func viewerOf(p *auth.Principal) *web.Viewer {
	v := &web.Viewer{Username: p.Username, Name: p.Username, Tablet: p.Tablet}
	for _, r := range p.Roles {
		v.Roles = append(v.Roles, string(r))
	}
	v.CanPrepare = p.Has(rolesPrepare...)
	v.CanVerify = p.Has(rolesVerify...)
	v.CanAudit = p.Has(rolesAudit...)
	v.CanAdmin = p.Has(rolesAdmin...)
	v.CanCompetency = p.Has(httpapi.CompetencyReviewers...)
	v.CanInterfaces = p.Has(rolesVerify...)
	v.CanRecipes = p.Has(rolesRecipes...)
	v.CanGuard = p.Has(rolesGuardRead...)
	v.CanSafety = p.Has(httpapi.RolesSafety...)
	v.CanGravities = p.Has(rolesGravity...)
	return v
}

// flashCookie carries a one-line message across a redirect (the form loop's
// "saved" after parse → validate → redirect).
const flashCookie = "laminar_flash"

func redirectWithFlash(c echo.Context, to, msg string) error {
	http.SetCookie(c.Response(), &http.Cookie{Name: flashCookie, Value: url.QueryEscape(msg), Path: "/", MaxAge: 60, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	return c.Redirect(http.StatusSeeOther, to)
}

// home sends each person to the screen of their main job.
func (w *webUI) home(c echo.Context) error {
	p := httpapi.PrincipalOf(c)
	switch {
	case p.Has(auth.Technician):
		return c.Redirect(http.StatusSeeOther, "/tablet")
	case p.Has(auth.Pharmacist):
		return c.Redirect(http.StatusSeeOther, "/verify")
	case p.Has(auth.SafetyOfficer):
		return c.Redirect(http.StatusSeeOther, "/log")
	case p.Has(auth.Admin):
		return c.Redirect(http.StatusSeeOther, "/admin/products")
	}
	return apperr.WithCode(apperr.Forbidden, "no_screen", "your role (%s) has no screens; it is for machine clients", httpapi.RolesText(p.Roles))
}

// static serves an asset under its checksum name for a year: a new
// version of the file has a new name, so nothing stale is ever served.
func (w *webUI) static(c echo.Context) error {
	a, ok := w.site.Asset(c.Param("file"))
	if !ok {
		return apperr.WithCode(apperr.NotFound, "not_found", "no static file %q (names carry a checksum; reload the page)", c.Param("file"))
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", a.ETag)
	h.Set("Vary", "Accept-Encoding")
	h.Set("X-Content-Type-Options", "nosniff")
	if c.Request().Header.Get("If-None-Match") == a.ETag {
		return c.NoContent(http.StatusNotModified)
	}
	if a.Gzip != nil && strings.Contains(c.Request().Header.Get(echo.HeaderAcceptEncoding), "gzip") {
		h.Set(echo.HeaderContentEncoding, "gzip")
		return c.Blob(http.StatusOK, a.Type, a.Gzip)
	}
	return c.Blob(http.StatusOK, a.Type, a.Body)
}

// wantsHTML reports whether a request is a browser navigation or form post
// rather than an API call.
func wantsHTML(r *http.Request) bool {
	if strings.HasPrefix(r.URL.Path, "/api/") || strings.HasPrefix(r.URL.Path, "/events/") {
		return false
	}
	return strings.Contains(r.Header.Get(echo.HeaderAccept), "text/html")
}

// ErrorPage renders errors of browser navigations as a page: an
// unauthenticated one goes to the login page and comes back after.
func (w *webUI) ErrorPage(c echo.Context, status int, e *apperr.Error) (error, bool) {
	r := c.Request()
	if !wantsHTML(r) {
		return nil, false
	}
	if status == http.StatusUnauthorized {
		next := r.URL.RequestURI()
		if r.Method != http.MethodGet {
			next = r.Referer()
			if u, err := url.Parse(next); err == nil {
				next = u.RequestURI()
			}
		}
		return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(safeNext(next))), true
	}
	title := http.StatusText(status)
	msg := e.Message
	switch status {
	case http.StatusNotFound:
		title = "Not found"
	case http.StatusForbidden:
		title = "Not allowed"
	case http.StatusInternalServerError:
		title = "Something went wrong"
		msg = "The server could not finish this. Quote reference " + c.Response().Header().Get(echo.HeaderXRequestID) + " to support."
	}
	pg := web.ErrorPage{Layout: w.layout(c, title, ""), Status: status, Code: e.CodeOrKind(), Message: msg, Back: safeNext(r.Referer())}
	pageHeaders(func(echo.Context) error { return nil })(c)
	return w.render(c, status, pg), true
}

// safeNext keeps a post-login redirect on this site: only a local path.
func safeNext(next string) string {
	if strings.ContainsFunc(next, func(r rune) bool { return r == '\\' || r < 0x20 || r == 0x7f }) {
		return "/"
	}
	if u, err := url.Parse(next); err == nil && u.Host == "" && u.Scheme == "" {
		next = u.RequestURI()
	} else {
		return "/"
	}
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.HasPrefix(next, "/login") {
		return "/"
	}
	return next
}

// sessionRecheck is how often a live stream checks that its session is
// still good (a variable: tests shorten it).
var sessionRecheck = 5 * time.Second

// events streams preparation status changes as server-sent events. The
// browser reloads what it shows on each; EventSource reconnects by itself.
func (w *webUI) events(c echo.Context) error {
	if w.api.Live == nil {
		return &apperr.Error{Kind: apperr.Unavailable, Code: "live_unavailable", Message: "live updates are unavailable; reload the page to see changes"}
	}
	ch, stop := w.api.Live.Subscribe()
	defer stop()
	res := c.Response()
	// A stream lives for hours: no read or write deadline, unlike every
	// other response (the server's timeouts).
	rc := http.NewResponseController(res)
	_ = rc.SetWriteDeadline(time.Time{})
	_ = rc.SetReadDeadline(time.Time{})
	// The session is looked at again every sessionRecheck and before each
	// event: a logout or a deactivation ends the stream.
	token := httpapi.TokenOf(c)
	recheck := time.NewTicker(sessionRecheck)
	defer recheck.Stop()
	stillSignedIn := func() bool {
		p, err := w.api.Auth.Authenticate(c.Request().Context(), token)
		return err == nil && p != nil
	}
	hd := res.Header()
	hd.Set(echo.HeaderContentType, "text/event-stream")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Accel-Buffering", "no")
	res.WriteHeader(http.StatusOK)
	if _, err := res.Write([]byte("retry: 3000\n\n")); err != nil {
		return nil
	}
	res.Flush()
	ping := time.NewTicker(25 * time.Second)
	defer ping.Stop()
	ctx := c.Request().Context()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-recheck.C:
			if !stillSignedIn() {
				return nil
			}
		case ev, ok := <-ch:
			if !ok || !stillSignedIn() {
				return nil
			}
			msg := "event: preparation\ndata: {\"id\":" + strconv.FormatInt(ev.PreparationID, 10) +
				",\"status\":" + strconv.Quote(ev.Status) + "}\n\n"
			if _, err := res.Write([]byte(msg)); err != nil {
				return nil
			}
			res.Flush()
		case <-ping.C:
			// A comment line keeps proxies from closing an idle stream.
			if _, err := res.Write([]byte(": ping\n\n")); err != nil {
				return nil
			}
			res.Flush()
		}
	}
}
