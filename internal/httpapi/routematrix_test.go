package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/config"
	"github.com/laminar-rx/laminar/internal/devices"
	"github.com/laminar-rx/laminar/internal/httpapi"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/testdb"
	"github.com/laminar-rx/laminar/internal/webui"
)

// publicRoutes are the only routes anyone may call without logging in.
// Adding a route here is a security decision: say why beside it.
var publicRoutes = map[string]string{
	"GET /healthz":          "liveness probe",
	"GET /readyz":           "readiness probe",
	"GET /metrics":          "Prometheus scrape",
	"POST /api/v1/login":    "how a session is obtained",
	"GET /login":            "the sign-in page",
	"POST /login":           "the sign-in form",
	"GET /static/:file":     "stylesheets and scripts of the sign-in page",
	"GET /fhir/r4/metadata": "the FHIR capability statement clients read before logging in",
}

// authServer is the real server with the real auth service, on a fresh
// database, with one account per role.
type authServer struct {
	e     *echo.Echo
	api   *httpapi.API
	st    *store.Store
	svc   *auth.Service
	clock *authClock
	users map[auth.Role]auth.User
	log   *bytes.Buffer
}

type authClock struct{ t time.Time }

func (c *authClock) now() time.Time { return c.t }

func newAuthServer(t testing.TB) *authServer {
	t.Helper()
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	s := &authServer{st: testdb.New(t), clock: &authClock{t: time.Now().UTC()}, users: map[auth.Role]auth.User{}, log: &bytes.Buffer{}}
	s.svc = auth.NewService(s.st, auth.Options{SessionIdle: cfg.SessionIdle, TabletIdle: cfg.TabletIdle, Now: s.clock.now, Hash: auth.FastParams})
	log := slog.New(slog.NewJSONHandler(s.log, nil))
	devs := devices.New(s.st.DB, s.st, log)
	s.api = &httpapi.API{Store: s.st, Config: cfg, Log: log, Auth: s.svc, Now: s.clock.now, Devices: devs}
	// The screens join the route table, so the walk covers them too.
	s.api.Pages, err = webui.New(webui.Deps{Store: s.st, Auth: s.svc, Devices: devs, Config: cfg, Log: log, Now: s.clock.now})
	if err != nil {
		t.Fatal(err)
	}
	s.e = httpapi.New(s.api)
	for _, r := range auth.AllRoles {
		name := "m_" + string(r)
		u, err := s.svc.Provision(context.Background(), auth.NewUser{
			Username: name, Roles: []auth.Role{r}, Password: "pw-" + name, Badge: strings.ToUpper(name), PIN: "2468",
		})
		if err != nil {
			t.Fatal(err)
		}
		s.users[r] = u
	}
	return s
}

// token logs the role's account in and returns a fresh bearer token.
func (s *authServer) token(t *testing.T, r auth.Role) string {
	t.Helper()
	u := s.users[r]
	sess, _, err := s.svc.Login(context.Background(), auth.Credentials{Username: u.Username, Password: "pw-" + u.Username}, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	return sess.Token
}

type authReq struct {
	method, path, body string
	bearer, cookie     string
	csrf               string
	contentType        string
}

func (s *authServer) do(r authReq) *httptest.ResponseRecorder {
	req := httptest.NewRequest(r.method, r.path, strings.NewReader(r.body))
	ct := r.contentType
	if ct == "" {
		ct = echo.MIMEApplicationJSON
	}
	req.Header.Set(echo.HeaderContentType, ct)
	req.Header.Set(echo.HeaderAccept, echo.MIMEApplicationJSON)
	if r.bearer != "" {
		req.Header.Set(echo.HeaderAuthorization, "Bearer "+r.bearer)
	}
	if r.cookie != "" {
		req.AddCookie(&http.Cookie{Name: httpapi.SessionCookie, Value: r.cookie})
	}
	if r.csrf != "" {
		req.Header.Set(httpapi.CSRFHeader, r.csrf)
	}
	// Live-update streams run until the client leaves.
	ctx, cancel := context.WithTimeout(req.Context(), 500*time.Millisecond)
	defer cancel()
	rec := httptest.NewRecorder()
	s.e.ServeHTTP(rec, req.WithContext(ctx))
	return rec
}

// errorCode is the envelope's code, or "" for a body that is not one.
func errorCode(rec *httptest.ResponseRecorder) string {
	var env struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &env)
	if env.Error.Code == "" {
		return outcomeIssue(rec).code
	}
	return env.Error.Code
}

type issue struct{ code, field string }

// outcomeIssue reads the code and element of a FHIR route's error, an
// OperationOutcome whose issue carries Laminar's code in details.
func outcomeIssue(rec *httptest.ResponseRecorder) issue {
	var oo struct {
		ResourceType string `json:"resourceType"`
		Issue        []struct {
			Details struct {
				Coding []struct {
					Code string `json:"code"`
				} `json:"coding"`
			} `json:"details"`
			Expression []string `json:"expression"`
		} `json:"issue"`
	}
	if json.Unmarshal(rec.Body.Bytes(), &oo) != nil || oo.ResourceType != "OperationOutcome" || len(oo.Issue) == 0 {
		return issue{}
	}
	var is issue
	if c := oo.Issue[0].Details.Coding; len(c) > 0 {
		is.code = c[0].Code
	}
	if e := oo.Issue[0].Expression; len(e) > 0 {
		is.field = e[0]
	}
	return is
}

var pathParam = regexp.MustCompile(`:[a-z_]+|\*`)

// TestRouteMatrix walks every registered route and checks that each role
// gets exactly the access the route table gives it, and that nobody gets
// in without logging in. A route added without roles, or made public
// without being listed above, fails here.
func TestRouteMatrix(t *testing.T) {
	s := newAuthServer(t)
	tokens := map[auth.Role]string{}
	for _, r := range auth.AllRoles {
		tokens[r] = s.token(t, r)
	}
	seen := map[string]bool{}
	for _, rt := range s.api.Routes() {
		key := rt.Method + " " + rt.Path
		if seen[key] {
			t.Errorf("%s is registered twice", key)
		}
		seen[key] = true
		if rt.Public {
			if _, ok := publicRoutes[key]; !ok {
				t.Errorf("%s is public but not in the list of public routes", key)
			}
			continue
		}
		if _, ok := publicRoutes[key]; ok {
			t.Errorf("%s is listed as public but requires a login; update the list", key)
		}
		if len(rt.Roles) == 0 {
			t.Errorf("%s has no roles: nobody could call it", key)
			continue
		}
		for _, r := range rt.Roles {
			if !auth.ValidRole(r) {
				t.Errorf("%s allows the unknown role %q", key, r)
			}
		}
		// Ids that do not exist: allowed callers get a 404 or a 400
		// rather than changing anything.
		path := pathParam.ReplaceAllString(rt.Path, "999999")
		t.Run(key, func(t *testing.T) {
			for name, r := range map[string]authReq{
				"anonymous": {method: rt.Method, path: path, body: "{}"},
				"bad token": {method: rt.Method, path: path, body: "{}", bearer: "not-a-token"},
				"bad cookie": {method: rt.Method, path: path, body: "{}", cookie: "not-a-token",
					csrf: auth.CSRFToken("not-a-token")},
			} {
				rec := s.do(r)
				if rec.Code != http.StatusUnauthorized || errorCode(rec) != "unauthenticated" {
					t.Errorf("%s: %d %s; want 401 unauthenticated", name, rec.Code, rec.Body)
				}
			}
			for _, role := range auth.AllRoles {
				allowed := slices.Contains(rt.Roles, role)
				tok := tokens[role]
				if strings.Contains(rt.Path, "logout") && allowed {
					tok = s.token(t, role) // the call ends the session
				}
				rec := s.do(authReq{method: rt.Method, path: path, body: "{}", bearer: tok})
				forbidden := rec.Code == http.StatusForbidden && errorCode(rec) == "forbidden"
				switch {
				case allowed && (rec.Code == http.StatusUnauthorized || forbidden):
					t.Errorf("%s may call it but got %d %s", role, rec.Code, rec.Body)
				case !allowed && !forbidden:
					t.Errorf("%s may not call it but got %d %.200s", role, rec.Code, rec.Body)
				}
			}
		})
	}
	for key := range publicRoutes {
		if !seen[key] {
			t.Errorf("%s is listed as public but not registered; remove it from the list", key)
		}
	}
	if len(seen) < 10 {
		t.Fatalf("only %d routes registered: the walk proves little", len(seen))
	}
}

// TestPublicRoutesNeedNoLogin checks the few exceptions answer without a
// session (the login routes refuse the empty body, but not with a 401).
func TestPublicRoutesNeedNoLogin(t *testing.T) {
	s := newAuthServer(t)
	for key := range publicRoutes {
		method, path, _ := strings.Cut(key, " ")
		path = strings.ReplaceAll(path, ":file", "missing.css")
		rec := s.do(authReq{method: method, path: path, body: "{}"})
		if rec.Code == http.StatusUnauthorized || errorCode(rec) == "forbidden" {
			t.Errorf("%s without a login: %d %.300s", key, rec.Code, rec.Body)
		}
	}
}
