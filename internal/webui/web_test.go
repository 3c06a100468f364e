package webui_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/compounding"
	"github.com/laminar-rx/laminar/internal/config"
	"github.com/laminar-rx/laminar/internal/httpapi"
	"github.com/laminar-rx/laminar/internal/live/pglisten"
	"github.com/laminar-rx/laminar/internal/seed"
	"github.com/laminar-rx/laminar/internal/testdb"
	"github.com/laminar-rx/laminar/internal/webui"
)

// webServer is the whole HTTP API on a database with the demo data and
// the real auth service: the screens need both.
func webServer(t *testing.T, opts ...func(*webui.Deps)) (*echo.Echo, *httpapi.API) {
	t.Helper()
	cfg, err := config.Load(func(k string) string {
		if k == "LAMINAR_TZ" {
			return "America/Chicago"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	st := testdb.New(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if _, err := seed.Demo(context.Background(), st, log, time.Now()); err != nil {
		t.Fatalf("seed: %v", err)
	}
	dsn, err := pglisten.DSN(context.Background(), st.DB.DB, st.DSN())
	if err != nil {
		t.Fatal(err)
	}
	hub, err := pglisten.Start(context.Background(), dsn, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hub.Close() })
	a := &httpapi.API{Store: st, Config: cfg, Log: log, Live: hub, Compounding: compounding.New(st, cfg.Location),
		Auth: auth.NewService(st, auth.Options{SessionIdle: cfg.SessionIdle, TabletIdle: cfg.TabletIdle})}
	d := webui.Deps{Store: st, Compounding: a.Compounding, Auth: a.Auth, Live: hub, Config: cfg, Log: log}
	for _, o := range opts {
		o(&d)
	}
	a.Pages, err = webui.New(d)
	if err != nil {
		t.Fatal(err)
	}
	return httpapi.New(a), a
}

// session logs a demo user in through the JSON API and returns the
// session token.
func session(t *testing.T, e http.Handler, user string) string {
	t.Helper()
	rec := do(e, "POST", "/api/v1/login", `{"username":"`+user+`","password":"demo-`+user+`"}`)
	if rec.Code != 200 {
		t.Fatalf("login %s = %d %s", user, rec.Code, rec.Body)
	}
	var out struct {
		Token string `json:"token"`
	}
	json.Unmarshal(rec.Body.Bytes(), &out)
	return out.Token
}

// browse makes a browser-like request: HTML wanted, the session cookie.
func browse(e http.Handler, method, path, token string, form url.Values) *httptest.ResponseRecorder {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if token != "" {
		req.AddCookie(&http.Cookie{Name: httpapi.SessionCookie, Value: token})
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

func TestStaticAssetsAreImmutable(t *testing.T) {
	e, _ := webServer(t)
	page := browse(e, "GET", "/login", "", nil)
	m := regexp.MustCompile(`/static/app\.[0-9a-f]{12}\.css`).FindString(page.Body.String())
	if m == "" {
		t.Fatalf("the login page links no checksum stylesheet:\n%s", page.Body)
	}
	req := httptest.NewRequest("GET", m, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if rec.Code != 200 || rec.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Fatalf("asset = %d, Cache-Control %q", rec.Code, rec.Header().Get("Cache-Control"))
	}
	if rec.Header().Get("Content-Encoding") != "gzip" || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/css") {
		t.Fatalf("asset headers %v", rec.Header())
	}
	req = httptest.NewRequest("GET", m, nil)
	req.Header.Set("If-None-Match", rec.Header().Get("ETag"))
	rec = httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified {
		t.Fatalf("revalidation = %d", rec.Code)
	}
	if rec := do(e, "GET", "/static/app.000000000000.css", ""); rec.Code != 404 {
		t.Fatalf("a stale asset name = %d", rec.Code)
	}
}

func TestUnauthenticatedNavigationGoesToLogin(t *testing.T) {
	e, _ := webServer(t)
	for _, path := range []string{"/", "/tablet", "/tablet/prep/1", "/verify", "/log", "/admin/products"} {
		t.Run(path, func(t *testing.T) {
			rec := browse(e, "GET", path, "", nil)
			if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/login?next="+url.QueryEscape(path) {
				t.Fatalf("= %d to %q", rec.Code, rec.Header().Get("Location"))
			}
			// An API client gets the JSON envelope instead.
			if rec := do(e, "GET", path, ""); rec.Code != 401 || decode(t, rec).Error.Code != "unauthenticated" {
				t.Fatalf("API-style request = %d %s", rec.Code, rec.Body)
			}
		})
	}
}

func TestScreensByRole(t *testing.T) {
	e, _ := webServer(t)
	tokens := map[string]string{}
	for _, u := range []string{"tech1", "pharm1", "safety1", "admin1"} {
		tokens[u] = session(t, e, u)
	}
	for _, tc := range []struct {
		user, path string
		status     int
		want       string
	}{
		{"tech1", "/", 303, ""},
		{"tech1", "/tablet", 200, "STAT"},
		{"tech1", "/tablet/prep/1", 200, "Steps"},
		{"tech1", "/verify", 403, "Not allowed"},
		{"tech1", "/log", 403, "Not allowed"},
		{"pharm1", "/verify", 200, "Waiting for verification"},
		{"pharm1", "/verify/list", 200, "Nothing waits"},
		{"pharm1", "/verify/1", 200, "Order and patient"},
		{"pharm1", "/tablet", 403, ""},
		{"safety1", "/log", 200, "Chain intact"},
		{"safety1", "/verify/1", 200, "Steps and their evidence"},
		{"safety1", "/admin/users", 403, ""},
		{"admin1", "/admin/products", 200, "ceFAZolin"},
		{"admin1", "/admin/products/new", 200, "Package NDC"},
		{"admin1", "/admin/recipes", 200, "version"},
		{"admin1", "/admin/recipes/1", 200, "Diluent volume per vial"},
		{"pharm1", "/admin/recipes", 200, "In use"},
		{"tech1", "/admin/recipes", 403, ""},
		{"admin1", "/admin/users", 200, "tech1"},
		{"admin1", "/admin/users/new", 200, "Roles"},
		{"admin1", "/verify/999999", 404, "Not found"},
	} {
		t.Run(tc.user+tc.path, func(t *testing.T) {
			rec := browse(e, "GET", tc.path, tokens[tc.user], nil)
			if rec.Code != tc.status {
				t.Fatalf("= %d, want %d\n%.600s", rec.Code, tc.status, rec.Body)
			}
			if tc.want != "" && !strings.Contains(rec.Body.String(), tc.want) {
				t.Fatalf("page lacks %q:\n%.2000s", tc.want, rec.Body)
			}
			if rec.Code == 200 && !strings.Contains(rec.Header().Get("Content-Security-Policy"), "script-src 'self'") {
				t.Fatal("a page without its Content-Security-Policy")
			}
		})
	}
}

// loginForm fetches the login page for its form token and cookie.
func loginForm(t *testing.T, e http.Handler) (string, *http.Cookie) {
	t.Helper()
	rec := browse(e, "GET", "/login", "", nil)
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(rec.Body.String())
	if m == nil {
		t.Fatal("the login form has no token")
	}
	for _, c := range rec.Result().Cookies() {
		if c.Name == "laminar_login" {
			return m[1], c
		}
	}
	t.Fatal("the login page set no form cookie")
	return "", nil
}

func postLogin(e http.Handler, form url.Values, ck *http.Cookie) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Accept", "text/html")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if ck != nil {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

func TestBadgeLogin(t *testing.T) {
	e, _ := webServer(t)
	tok, ck := loginForm(t, e)
	for _, tc := range []struct {
		name      string
		form      url.Values
		cookie    *http.Cookie
		status    int
		want      string
		sessioned bool
	}{
		{"no form cookie", url.Values{"mode": {"badge"}, "badge": {"TECH1"}, "pin": {"2468"}, "csrf_token": {tok}}, nil, 403, "expired", false},
		{"no badge", url.Values{"mode": {"badge"}, "pin": {"2468"}, "csrf_token": {tok}}, ck, 400, "Scan your badge", false},
		{"wrong pin keeps the badge", url.Values{"mode": {"badge"}, "badge": {"TECH1"}, "pin": {"1111"}, "csrf_token": {tok}}, ck, 401, `value="TECH1"`, false},
		{"right pin", url.Values{"mode": {"badge"}, "badge": {"TECH1"}, "pin": {"2468"}, "csrf_token": {tok}, "next": {"/tablet/prep/1"}}, ck, 303, "", true},
		{"password", url.Values{"mode": {"password"}, "username": {"pharm1"}, "password": {"demo-pharm1"}, "csrf_token": {tok}, "next": {"//evil.example/"}}, ck, 303, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := postLogin(e, tc.form, tc.cookie)
			if rec.Code != tc.status {
				t.Fatalf("= %d, want %d\n%.800s", rec.Code, tc.status, rec.Body)
			}
			if tc.want != "" && !strings.Contains(rec.Body.String(), tc.want) {
				t.Fatalf("page lacks %q", tc.want)
			}
			var got string
			for _, c := range rec.Result().Cookies() {
				if c.Name == httpapi.SessionCookie {
					got = c.Value
					// Strict: no other site's link or form can carry it.
					if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
						t.Fatalf("session cookie %+v is not HttpOnly and SameSite=Strict", c)
					}
				}
			}
			if (got != "") != tc.sessioned {
				t.Fatalf("session cookie set = %v, want %v", got != "", tc.sessioned)
			}
			if tc.sessioned {
				want := tc.form.Get("next")
				if strings.HasPrefix(want, "//") {
					want = "/"
				}
				if loc := rec.Header().Get("Location"); loc != want {
					t.Fatalf("redirect to %q, want %q", loc, want)
				}
			}
		})
	}
}

func TestFormPostsNeedTheCSRFToken(t *testing.T) {
	e, _ := webServer(t)
	tok := session(t, e, "tech1")
	rec := browse(e, "POST", "/tablet/prep/1/claim", tok, url.Values{})
	if rec.Code != 403 || !strings.Contains(rec.Body.String(), "reload the page") {
		t.Fatalf("claim without token = %d\n%.500s", rec.Code, rec.Body)
	}
	rec = browse(e, "POST", "/tablet/prep/1/claim", tok, url.Values{"csrf_token": {auth.CSRFToken(tok)}})
	if rec.Code != 303 || rec.Header().Get("Location") != "/tablet/prep/1" {
		t.Fatalf("claim with token = %d to %q\n%.500s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	// A second tap on the same claim opens it rather than failing.
	rec = browse(e, "POST", "/tablet/prep/1/claim", tok, url.Values{"csrf_token": {auth.CSRFToken(tok)}})
	if rec.Code != 303 {
		t.Fatalf("double claim = %d", rec.Code)
	}
	// Someone else's claim is refused on the queue page, in words.
	tok2 := session(t, e, "tech2")
	rec = browse(e, "POST", "/tablet/prep/1/claim", tok2, url.Values{"csrf_token": {auth.CSRFToken(tok2)}})
	if rec.Code != 409 || !strings.Contains(rec.Body.String(), "What to make next") {
		t.Fatalf("claim held by another = %d\n%.500s", rec.Code, rec.Body)
	}
}

// The admin form loop: invalid input comes back with the submitted values
// and the message beside the field; valid input redirects with a flash.
func TestProductFormLoop(t *testing.T) {
	e, _ := webServer(t)
	tok := session(t, e, "admin1")
	csrf := auth.CSRFToken(tok)
	form := url.Values{"csrf_token": {csrf}, "drug": {""}, "labeler": {"Acme Labs"}, "package_ndc": {"12345-678-90"},
		"dosage_form": {"injection, solution"}, "container": {"single_dose"}, "hazard": {"none"}, "strength": {"2 mg/mL"}, "active": {"1"}}
	rec := browse(e, "POST", "/admin/products/new", tok, form)
	if rec.Code != 400 {
		t.Fatalf("invalid product = %d\n%.800s", rec.Code, rec.Body)
	}
	body := rec.Body.String()
	if !strings.Contains(body, `id="e-drug"`) || !strings.Contains(body, `value="Acme Labs"`) {
		t.Fatalf("the form did not come back with the error beside drug and the submitted values:\n%s", body)
	}
	form.Set("drug", "ondansetron")
	form.Set("strength", "two mg/mL")
	rec = browse(e, "POST", "/admin/products/new", tok, form)
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), `id="e-strength"`) || !strings.Contains(rec.Body.String(), `value="two mg/mL"`) {
		t.Fatalf("an unreadable strength = %d\n%.1500s", rec.Code, rec.Body)
	}
	form.Set("strength", "2 mg/mL")
	rec = browse(e, "POST", "/admin/products/new", tok, form)
	if rec.Code != 303 || rec.Header().Get("Location") != "/admin/products" {
		t.Fatalf("valid product = %d\n%.1500s", rec.Code, rec.Body)
	}
	var flash *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == "laminar_flash" {
			flash = c
		}
	}
	if flash == nil {
		t.Fatal("no flash after saving")
	}
	req := httptest.NewRequest("GET", "/admin/products", nil)
	req.Header.Set("Accept", "text/html")
	req.AddCookie(&http.Cookie{Name: httpapi.SessionCookie, Value: tok})
	req.AddCookie(flash)
	list := httptest.NewRecorder()
	e.ServeHTTP(list, req)
	if !strings.Contains(list.Body.String(), "Saved ondansetron") || !strings.Contains(list.Body.String(), "12345-678-90") {
		t.Fatalf("the list after saving lacks the flash or the product:\n%.3000s", list.Body)
	}
}

func TestUserFormLoop(t *testing.T) {
	e, _ := webServer(t)
	tok := session(t, e, "admin1")
	form := url.Values{"csrf_token": {auth.CSRFToken(tok)}, "username": {"Bad Name!"}, "roles": {"technician"}, "badge": {"TECH9"}, "pin": {"12"}}
	rec := browse(e, "POST", "/admin/users/new", tok, form)
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), `id="e-username"`) {
		t.Fatalf("invalid user = %d\n%.2000s", rec.Code, rec.Body)
	}
	form.Set("username", "tech9")
	form.Set("pin", "97531")
	rec = browse(e, "POST", "/admin/users/new", tok, form)
	if rec.Code != 303 {
		t.Fatalf("valid user = %d\n%.2000s", rec.Code, rec.Body)
	}
}

func TestLogFiltersValidateBesideTheField(t *testing.T) {
	e, _ := webServer(t)
	tok := session(t, e, "safety1")
	rec := browse(e, "GET", "/log?from=yesterday", tok, nil)
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "is not an RFC 3339 time") || !strings.Contains(rec.Body.String(), `value="yesterday"`) {
		t.Fatalf("bad filter = %d\n%.3000s", rec.Code, rec.Body)
	}
	rec = browse(e, "GET", "/log?type=order.created", tok, nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "Order received") || strings.Contains(rec.Body.String(), "Signed in</strong>") {
		t.Fatalf("type filter = %d", rec.Code)
	}
	if !strings.Contains(rec.Body.String(), `href="/api/v1/audit?format=csv&amp;type=order.created"`) {
		t.Fatal("the CSV link does not carry the filter")
	}
}

// A status change committed anywhere reaches an open event stream through
// PostgreSQL.
func TestEventsStreamStatusChanges(t *testing.T) {
	e, a := webServer(t)
	srv := httptest.NewServer(e)
	defer srv.Close()
	tok := session(t, e, "pharm1")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/events/preparations", nil)
	req.AddCookie(&http.Cookie{Name: httpapi.SessionCookie, Value: tok})
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events = %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	r := bufio.NewReader(res.Body)
	if line, _ := r.ReadString('\n'); !strings.HasPrefix(line, "retry:") {
		t.Fatalf("first line %q", line)
	}
	if _, err := a.Store.DB.ExecContext(ctx, `UPDATE preparations SET status = 'cancelled' WHERE id = 2`); err != nil {
		t.Fatal(err)
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("stream ended before the event: %v", err)
		}
		if strings.HasPrefix(line, "data: ") {
			if !strings.Contains(line, `"id":2`) || !strings.Contains(line, `"status":"cancelled"`) {
				t.Fatalf("event %q", line)
			}
			return
		}
	}
}
