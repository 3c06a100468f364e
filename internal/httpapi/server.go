// Package httpapi is Laminar's HTTP transport: one echo server, one route
// table with each route's roles beside it, and one mapping from apperr
// errors to status codes and the JSON error envelope.
package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/laminar-rx/laminar/internal/apikey"
	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/catalog"
	"github.com/laminar-rx/laminar/internal/compounding"
	"github.com/laminar-rx/laminar/internal/config"
	"github.com/laminar-rx/laminar/internal/devices"
	"github.com/laminar-rx/laminar/internal/exchange"
	"github.com/laminar-rx/laminar/internal/live"
	"github.com/laminar-rx/laminar/internal/rules"
)

// Authenticator turns a bearer token or session cookie value into the
// caller. It returns (nil, nil) for an unknown or expired token.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (*auth.Principal, error)
}

// SessionCookie is the name of the browser session cookie.
const SessionCookie = "laminar_session"

// API holds the dependencies of every handler.
type API struct {
	// Store is the database the services are built on; the handlers reach
	// it only through them.
	Store *compounding.Store
	// Compounding is the preparation service (nil: one on Store).
	Compounding *compounding.Service
	Log         *slog.Logger
	Config      config.Config
	// Now is the clock; tests replace it.
	Now func() time.Time
	// Auth resolves tokens; nil refuses every protected route.
	Auth Authenticator
	// Devices is the balances and printers service; nil builds one on Store.
	Devices *devices.Service
	// DBDown reports that the database is known to be down (the private
	// cluster is being restarted); nil means never.
	DBDown func() bool
	// Live fans out preparation status changes to the screens' event
	// streams; nil answers them 503 live_unavailable. Its owner starts and
	// closes it (closing ends the streams, so do it before a graceful
	// shutdown waits for requests to finish).
	Live *live.Hub
	// APIKeys resolves interface API keys and manages them (nil: none).
	APIKeys *apikey.Service
	// Exchange is the interface service: FHIR, inbox, replay (nil: off).
	Exchange *exchange.Service
	// Pages are the browser screens (package webui), mounted beside the
	// JSON API in the one route table (nil: none).
	Pages Pages

	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	// exports counts each person's running log exports.
	exports exportLimit
	// routePaths are the registered route patterns (the metric labels).
	routePaths map[string]bool
	// authSvc is the login and account service when Auth is not one.
	authSvc *auth.Service
}

// New builds the echo server with every route registered.
func New(a *API) *echo.Echo {
	if a.Now == nil {
		a.Now = time.Now
	}
	if a.Log == nil {
		a.Log = slog.Default()
	}
	if a.Compounding == nil {
		a.Compounding = compounding.New(a.Store, a.Config.Location)
	}
	if a.Devices == nil {
		a.Devices = devices.New(a.Store.DB, a.Store, a.Log)
	}
	a.authSvc = a.AuthService()
	a.registry = prometheus.NewRegistry()
	a.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "laminar_http_requests_total", Help: "HTTP requests by route and status.",
	}, []string{"method", "route", "status"})
	a.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "laminar_http_request_duration_seconds", Help: "HTTP request latency by route.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"method", "route"})
	a.registry.MustRegister(a.requests, a.latency)

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = a.handleError
	e.Use(requestID)
	e.Use(a.logRequests)
	e.Use(securityHeaders)
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		DisableStackAll: true,
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			// Returned to handleError, which logs it once with the request ID.
			return &apperr.Error{Kind: apperr.Internal, Message: "internal error", Err: fmt.Errorf("panic: %w\n%s", err, stack)}
		},
	}))
	e.Use(refuseNUL)
	e.Use(hostileForm)
	e.Use(a.refuseWhileDBDown)
	e.Use(middleware.BodyLimit(strconv.FormatInt(a.Config.BodyLimit, 10) + "B"))
	a.routePaths = map[string]bool{}
	for _, r := range a.Routes() {
		e.Add(r.Method, r.Path, a.guard(r))
		a.routePaths[r.Path] = true
	}
	return e
}

// catalog is the formulary service over this API's store.
func (a *API) catalog() *catalog.Service { return catalog.New(a.Store) }

// rules is the rule tables' service over this API's store.
func (a *API) rules() *rules.Service { return rules.New(a.Store) }

// records are the interfaces' inbox, outbox and code map over this API's
// store (readable with the interfaces off).
func (a *API) records() *exchange.Records { return exchange.NewRecords(a.Store) }

// Registry exposes the metrics registry (tests read it).
func (a *API) Registry() *prometheus.Registry { return a.registry }

func (a *API) metricsHandler() echo.HandlerFunc {
	h := echo.WrapHandler(promhttp.HandlerFor(a.registry, promhttp.HandlerOpts{}))
	return func(c echo.Context) error {
		if !a.metricsAllowed(c) {
			return apperr.WithCode(apperr.Forbidden, "forbidden", "the metrics are not served to this address (LAMINAR_METRICS_FROM)")
		}
		return h(c)
	}
}

func (a *API) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "alive"})
}

// errDBDown is the answer while the database is known to be down.
var errDBDown = &apperr.Error{Kind: apperr.Unavailable, Code: "database_unavailable", Message: "the database is restarting; try again in a few seconds"}

// refuseWhileDBDown answers 503 database_unavailable at once while the
// database is known to be down, rather than letting each request wait for
// and fail on a dead connection; only the liveness probe and the metrics
// are served.
func (a *API) refuseWhileDBDown(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if a.DBDown != nil && a.DBDown() {
			switch c.Path() {
			case "/healthz", "/metrics":
			default:
				c.Response().Header().Set("Retry-After", "5")
				return errDBDown
			}
		}
		return next(c)
	}
}

func (a *API) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := a.Compounding.Ready(ctx); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}

// logRequests writes one structured line per request and records metrics.
func (a *API) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		// Server-Timing tells a client (a browser's network panel, the
		// load test) how long the server took, apart from the network and
		// the client's own waiting: the time until the answer's headers.
		c.Response().Before(func() {
			c.Response().Header().Set("Server-Timing", "app;dur="+strconv.FormatFloat(float64(time.Since(start).Microseconds())/1000, 'f', 3, 64))
		})
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		status := c.Response().Status
		route, method := a.metricRoute(c), metricMethod(c.Request().Method)
		took := time.Since(start)
		a.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
		a.latency.WithLabelValues(method, route).Observe(took.Seconds())
		attrs := []any{
			"method", c.Request().Method, "route", route, "status", status,
			"took_ms", float64(took.Microseconds()) / 1000, "bytes", c.Response().Size,
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID),
		}
		if p := PrincipalOf(c); p != nil {
			attrs = append(attrs, "user_id", p.UserID)
		}
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		a.Log.Log(c.Request().Context(), level, "request", attrs...)
		return nil
	}
}

var statusOf = map[apperr.Kind]int{
	apperr.Invalid:          http.StatusBadRequest,
	apperr.Unauthorized:     http.StatusUnauthorized,
	apperr.Forbidden:        http.StatusForbidden,
	apperr.NotFound:         http.StatusNotFound,
	apperr.Conflict:         http.StatusConflict,
	apperr.TooLarge:         http.StatusRequestEntityTooLarge,
	apperr.UnsupportedMedia: http.StatusUnsupportedMediaType,
	apperr.Refused:          http.StatusUnprocessableEntity,
	apperr.TooMany:          http.StatusTooManyRequests,
	apperr.Internal:         http.StatusInternalServerError,
	apperr.Unavailable:      http.StatusServiceUnavailable,
}

// StatusOf returns the HTTP status of an error kind.
func StatusOf(k apperr.Kind) int {
	if s, ok := statusOf[k]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// ToAppErr converts echo's own errors (no route, wrong method, body too
// large) into an *apperr.Error, and anything else as apperr.From does.
func ToAppErr(err error) *apperr.Error {
	var ae *apperr.Error
	var he *echo.HTTPError
	if !errors.As(err, &ae) && errors.As(err, &he) {
		return fromEcho(he, err)
	}
	return apperr.From(err)
}

func fromEcho(he *echo.HTTPError, err error) *apperr.Error {
	msg := http.StatusText(he.Code)
	if m, ok := he.Message.(string); ok && m != "" {
		msg = m
	}
	switch he.Code {
	case http.StatusNotFound:
		return apperr.New(apperr.NotFound, "no such resource")
	case http.StatusMethodNotAllowed:
		return &apperr.Error{Kind: apperr.Invalid, Code: "method_not_allowed", Message: "this method is not allowed here"}
	case http.StatusRequestEntityTooLarge:
		return apperr.New(apperr.TooLarge, "the request body is too large")
	case http.StatusUnauthorized:
		return apperr.New(apperr.Unauthorized, "%s", msg)
	case http.StatusForbidden:
		return apperr.New(apperr.Forbidden, "%s", msg)
	}
	if he.Code >= 400 && he.Code < 500 {
		return &apperr.Error{Kind: apperr.Invalid, Message: msg}
	}
	return &apperr.Error{Kind: apperr.Internal, Message: "internal error", Err: err}
}

// handleError is the one place an error becomes a response.
func (a *API) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	e := ToAppErr(err)
	if e.Kind == apperr.Internal {
		// Whatever layer let a lost connection through, the caller is
		// told to retry, not that Laminar is broken.
		if lost := compounding.LostConnection(e.Err); lost != nil {
			e = lost
		}
	}
	status := StatusOf(e.Kind)
	rid := c.Response().Header().Get(echo.HeaderXRequestID)
	body := apperr.EnvelopeOf(e)
	if e.Kind == apperr.Internal {
		a.Log.Error("internal error", "request_id", rid, "route", c.Path(), "err", e.Err)
		body.Error.Message = "internal error; quote reference " + rid
		body.Error.RequestID = rid
		if e.Err == nil {
			a.Log.Error("internal error without cause", "stack", string(debug.Stack()))
		}
	}
	if e.Kind == apperr.TooMany && e.RetryAfter > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	if e.Kind == apperr.Unauthorized {
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="laminar"`)
	}
	var werr error
	if c.Request().Method == http.MethodHead {
		werr = c.NoContent(status)
	} else if h, ok := fhirError(c, status, e); ok {
		werr = h
	} else if h, ok := a.htmlErrorPage(c, status, e); ok {
		werr = h
	} else {
		werr = c.JSON(status, body)
	}
	if werr != nil {
		a.Log.Error("write error response", "err", werr)
	}
}

// Pages are the browser screens: their routes join the route table, and
// their error page answers the errors of browser navigations.
type Pages interface {
	Routes() []Route
	// ErrorPage writes the error as a page when the request is a browser
	// navigation, and reports whether it did.
	ErrorPage(c echo.Context, status int, e *apperr.Error) (error, bool)
}

// htmlErrorPage lets the web UI render its own error page for browser
// navigations (the UI decides which requests are those).
func (a *API) htmlErrorPage(c echo.Context, status int, e *apperr.Error) (error, bool) {
	if a.Pages == nil {
		return nil, false
	}
	return a.Pages.ErrorPage(c, status, e)
}
