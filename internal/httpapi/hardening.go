package httpapi

import (
	"crypto/rand"
	"encoding/base64"
	"net"
	"net/http"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/internal/apperr"
)

// knownMethods are the methods that get their own metric label; every
// other method a client invents counts as "other", so that a client cannot
// grow the metrics without bound.
var knownMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
}

// metricMethod is the method's metric label.
func metricMethod(m string) string {
	if knownMethods[m] {
		return m
	}
	return "other"
}

// metricRoute is the route's metric label: a registered route pattern, or
// "unmatched" for any path no route serves.
func (a *API) metricRoute(c echo.Context) string {
	if r := c.Path(); a.routePaths[r] {
		return r
	}
	return "unmatched"
}

// requestIDPattern is what a client's X-Request-Id may look like to be
// kept (logged and echoed): short, and nothing that could forge a log line
// or a header.
var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{8,64}$`)

// requestID keeps a well-formed client X-Request-Id and replaces any other
// (or none) with a fresh random one.
func requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(echo.HeaderXRequestID)
		if !requestIDPattern.MatchString(id) {
			b := make([]byte, 18)
			_, _ = rand.Read(b)
			id = base64.RawURLEncoding.EncodeToString(b)
			c.Request().Header.Set(echo.HeaderXRequestID, id)
		}
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		return next(c)
	}
}

// securityHeaders sets what every response needs: no content sniffing (a
// label or an upload is never run as a script because a browser guessed).
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("X-Content-Type-Options", "nosniff")
		return next(c)
	}
}

// refuseNUL answers 400 for a NUL byte in the path or the query: PostgreSQL
// cannot store one in text, and nothing legitimate sends one.
func refuseNUL(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if strings.ContainsRune(r.URL.Path, 0) || strings.ContainsRune(r.URL.RawQuery, 0) || strings.Contains(r.URL.RawQuery, "%00") {
			return &apperr.Error{Kind: apperr.Invalid, Code: "bad_character", Message: "the address contains a NUL character"}
		}
		return next(c)
	}
}

// metricsAllowed reports whether the caller may read /metrics: anyone
// unless LAMINAR_METRICS_FROM lists addresses or networks.
func (a *API) metricsAllowed(c echo.Context) bool {
	allowed := a.Config.Security.MetricsFrom
	if len(allowed) == 0 {
		return true
	}
	ip := net.ParseIP(ClientAddr(c))
	if ip == nil {
		return false
	}
	for _, s := range allowed {
		if _, n, err := net.ParseCIDR(s); err == nil && n.Contains(ip) {
			return true
		}
		if net.ParseIP(s).Equal(ip) {
			return true
		}
	}
	return false
}

// labelCSP confines the printable label page: its barcode is an inline
// data: image and its style inline; nothing may run or load.
const labelCSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
