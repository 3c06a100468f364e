package httpapi_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/internal/config"
	"github.com/laminar-rx/laminar/internal/httpapi"
	"github.com/laminar-rx/laminar/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

type envelope struct {
	Error struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		Field     string `json:"field"`
		RequestID string `json:"request_id"`
	} `json:"error"`
}

func newServer(t *testing.T, logTo io.Writer) (*echo.Echo, *httpapi.API) {
	t.Helper()
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	a := &httpapi.API{Store: testdb.New(t), Config: cfg, Log: slog.New(slog.NewJSONHandler(logTo, nil))}
	return httpapi.New(a), a
}

func do(e http.Handler, method, path, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

func decode(t *testing.T, rec *httptest.ResponseRecorder) envelope {
	t.Helper()
	var env envelope
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
		t.Fatalf("body %q is not the error envelope: %v", rec.Body.String(), err)
	}
	return env
}

func TestHealthAndReady(t *testing.T) {
	e, _ := newServer(t, io.Discard)
	for _, p := range []string{"/healthz", "/readyz"} {
		if rec := do(e, "GET", p, ""); rec.Code != 200 {
			t.Fatalf("%s = %d %s", p, rec.Code, rec.Body)
		}
	}
}

func TestReadyzFailsWhenDatabaseGone(t *testing.T) {
	e, a := newServer(t, io.Discard)
	a.Store.DB.Close()
	rec := do(e, "GET", "/readyz", "")
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("readyz with the database closed = %d", rec.Code)
	}
	if env := decode(t, rec); env.Error.Code != "database_unavailable" {
		t.Fatalf("code %q", env.Error.Code)
	}
}

func TestNotFoundEnvelope(t *testing.T) {
	e, _ := newServer(t, io.Discard)
	rec := do(e, "GET", "/api/v1/no-such-thing", "")
	if rec.Code != 404 {
		t.Fatalf("status %d", rec.Code)
	}
	if env := decode(t, rec); env.Error.Code != "not_found" || env.Error.Message == "" {
		t.Fatalf("envelope %+v", env)
	}
}

func TestPanicBecomesInternalEnvelopeAndIsLoggedOnce(t *testing.T) {
	var logs strings.Builder
	e, _ := newServer(t, &logs)
	e.GET("/boom", func(c echo.Context) error { panic("secret detail") })
	rec := do(e, "GET", "/boom", "")
	if rec.Code != 500 {
		t.Fatalf("status %d", rec.Code)
	}
	env := decode(t, rec)
	if env.Error.Code != "internal" || env.Error.RequestID == "" {
		t.Fatalf("envelope %+v", env)
	}
	if strings.Contains(rec.Body.String(), "secret detail") || strings.Contains(rec.Body.String(), "goroutine") {
		t.Fatalf("panic detail leaked to the client: %s", rec.Body)
	}
	if n := strings.Count(logs.String(), `"msg":"internal error"`); n != 1 {
		t.Fatalf("internal error logged %d times:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "secret detail") {
		t.Fatal("the panic's cause was not logged")
	}
}

func TestBodyLimit(t *testing.T) {
	e, a := newServer(t, io.Discard)
	e.POST("/echo", func(c echo.Context) error {
		_, err := io.ReadAll(c.Request().Body)
		return err
	})
	big := strings.Repeat("x", int(a.Config.BodyLimit)+1)
	rec := do(e, "POST", "/echo", big)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized body = %d", rec.Code)
	}
	if env := decode(t, rec); env.Error.Code != "too_large" {
		t.Fatalf("envelope %+v", env)
	}
}

func TestOneLogLinePerRequestWithRequestID(t *testing.T) {
	var logs strings.Builder
	e, _ := newServer(t, &logs)
	rec := do(e, "GET", "/healthz", "")
	rid := rec.Header().Get(echo.HeaderXRequestID)
	if rid == "" {
		t.Fatal("no request ID header")
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], rid) || !strings.Contains(lines[0], `"route":"/healthz"`) {
		t.Fatalf("log lines: %q", lines)
	}
}

func TestMetricsCountRequests(t *testing.T) {
	e, _ := newServer(t, io.Discard)
	do(e, "GET", "/healthz", "")
	rec := do(e, "GET", "/metrics", "")
	if !strings.Contains(rec.Body.String(), `laminar_http_requests_total{method="GET",route="/healthz",status="200"} 1`) {
		t.Fatalf("metrics lack the request count:\n%s", rec.Body)
	}
}

// A database that refuses connections (down, failing over) answers 503
// database_unavailable on API routes, not 500.
func TestAPIWhenDatabaseUnreachable(t *testing.T) {
	e, a := newServer(t, io.Discard)
	dead, err := sqlx.Open("postgres", "host=127.0.0.1 port=1 user=x dbname=x sslmode=disable connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	defer dead.Close()
	a.Store.DB = dead
	rec := do(e, "POST", "/api/v1/login", `{"username":"tech1","password":"demo-tech1"}`)
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("login with the database unreachable = %d %s", rec.Code, rec.Body)
	}
	if env := decode(t, rec); env.Error.Code != "database_unavailable" {
		t.Fatalf("code %q", env.Error.Code)
	}
}

// Every answer, a refusal included, says how long the server took to
// produce it (Server-Timing), so a client can tell the server's time from
// the network's and its own.
func TestServerTimingOnEveryAnswer(t *testing.T) {
	e, _ := newServer(t, io.Discard)
	header := regexp.MustCompile(`^app;dur=([0-9]+\.[0-9]{3})$`)
	for _, tc := range []struct {
		method, path, body string
		status             int
	}{
		{"GET", "/healthz", "", http.StatusOK},
		{"GET", "/api/v1/queue", "", http.StatusUnauthorized},
		{"GET", "/api/v1/no-such-route", "", http.StatusNotFound},
		{"POST", "/api/v1/login", `{"username":"tech1"`, http.StatusBadRequest},
	} {
		rec := do(e, tc.method, tc.path, tc.body)
		m := header.FindStringSubmatch(rec.Header().Get("Server-Timing"))
		if rec.Code != tc.status || m == nil {
			t.Fatalf("%s %s: %d, Server-Timing %q", tc.method, tc.path, rec.Code, rec.Header().Get("Server-Timing"))
		}
		if ms, err := strconv.ParseFloat(m[1], 64); err != nil || ms < 0 || ms > 60_000 {
			t.Fatalf("%s %s: duration %q", tc.method, tc.path, m[1])
		}
	}
}
