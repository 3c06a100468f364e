package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/httpapi"
)

type loginAnswer struct {
	Token     string `json:"token"`
	CSRFToken string `json:"csrf_token"`
	Tablet    bool   `json:"tablet"`
	User      struct {
		ID       int64       `json:"id"`
		Username string      `json:"username"`
		Role     auth.Role   `json:"role"`
		Roles    []auth.Role `json:"roles"`
	} `json:"user"`
}

func (s *authServer) loginHTTP(t *testing.T, body string) (loginAnswer, *httptest.ResponseRecorder) {
	t.Helper()
	rec := s.do(authReq{method: http.MethodPost, path: "/api/v1/login", body: body})
	var a loginAnswer
	if rec.Code == http.StatusOK {
		if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
			t.Fatalf("login answer %s: %v", rec.Body, err)
		}
	}
	return a, rec
}

func wantStatus(t *testing.T, rec *httptest.ResponseRecorder, status int, code string) {
	t.Helper()
	if rec.Code != status || (code != "" && errorCode(rec) != code) {
		t.Fatalf("got %d %s; want %d %s", rec.Code, rec.Body, status, code)
	}
}

func TestLoginContract(t *testing.T) {
	s := newAuthServer(t)
	a, rec := s.loginHTTP(t, `{"username":"m_pharmacist","password":"pw-m_pharmacist"}`)
	wantStatus(t, rec, http.StatusOK, "")
	if a.Token == "" || a.User.ID != s.users[auth.Pharmacist].ID || a.User.Username != "m_pharmacist" ||
		a.User.Role != auth.Pharmacist || len(a.User.Roles) != 1 || a.Tablet {
		t.Fatalf("answer %s", rec.Body)
	}
	var ck *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == httpapi.SessionCookie {
			ck = c
		}
	}
	if ck == nil || ck.Value != a.Token || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" {
		t.Fatalf("session cookie %+v", ck)
	}
	// The token works as a bearer token and as the cookie.
	for name, r := range map[string]authReq{
		"bearer": {method: http.MethodGet, path: "/api/v1/me", bearer: a.Token},
		"cookie": {method: http.MethodGet, path: "/api/v1/me", cookie: a.Token},
	} {
		rec := s.do(r)
		wantStatus(t, rec, http.StatusOK, "")
		if !strings.Contains(rec.Body.String(), `"username":"m_pharmacist"`) {
			t.Fatalf("%s: /me = %s", name, rec.Body)
		}
		if name == "cookie" && !strings.Contains(rec.Body.String(), a.CSRFToken) {
			t.Fatalf("/me over the cookie lacks the CSRF token: %s", rec.Body)
		}
	}

	b, rec := s.loginHTTP(t, `{"badge":"m_technician","pin":"2468"}`)
	wantStatus(t, rec, http.StatusOK, "")
	if !b.Tablet || b.User.Role != auth.Technician {
		t.Fatalf("badge login %s", rec.Body)
	}
}

func TestLoginErrors(t *testing.T) {
	s := newAuthServer(t)
	cases := []struct {
		name, body string
		status     int
		code       string
		field      string
	}{
		{"empty body", ``, 400, "malformed_json", "body"},
		{"not JSON", `{"username":`, 400, "malformed_json", "body"},
		{"unknown field", `{"username":"a","password":"b","remember":true}`, 400, "unknown_field", "remember"},
		{"wrong type", `{"username":1,"password":"b"}`, 400, "wrong_type", "username"},
		{"trailing data", `{"username":"a","password":"b"} {}`, 400, "malformed_json", "body"},
		{"nothing", `{}`, 400, "invalid", "username"},
		{"half badge", `{"badge":"M_TECHNICIAN"}`, 400, "invalid", "pin"},
		{"wrong password", `{"username":"m_admin","password":"nope"}`, 401, "bad_credentials", ""},
		{"wrong PIN", `{"badge":"M_ADMIN","pin":"0000"}`, 401, "bad_credentials", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := s.do(authReq{method: http.MethodPost, path: "/api/v1/login", body: c.body})
			var env struct {
				Error struct{ Code, Field, Message string } `json:"error"`
			}
			_ = json.Unmarshal(rec.Body.Bytes(), &env)
			if rec.Code != c.status || env.Error.Code != c.code || env.Error.Field != c.field || env.Error.Message == "" {
				t.Fatalf("%d %s; want %d %s field %q", rec.Code, rec.Body, c.status, c.code, c.field)
			}
		})
	}
}

func TestLoginThrottledOverHTTP(t *testing.T) {
	s := newAuthServer(t)
	var rec *httptest.ResponseRecorder
	for range 5 {
		_, rec = s.loginHTTP(t, `{"username":"m_technician","password":"guess"}`)
	}
	wantStatus(t, rec, http.StatusTooManyRequests, "too_many_attempts")
	// Locked until the window of the first failure ends, 15 minutes on.
	if rec.Header().Get("Retry-After") != "900" || !strings.Contains(rec.Body.String(), `"retry_after":900`) ||
		!strings.Contains(rec.Body.String(), "try again in 900 s") {
		t.Fatalf("throttle answer %v %s", rec.Header(), rec.Body)
	}
	s.clock.t = s.clock.t.Add(15 * time.Minute)
	_, rec = s.loginHTTP(t, `{"username":"m_technician","password":"pw-m_technician"}`)
	wantStatus(t, rec, http.StatusOK, "")
}

func TestCSRFForCookieSessions(t *testing.T) {
	s := newAuthServer(t)
	fresh := func() loginAnswer {
		a, rec := s.loginHTTP(t, `{"username":"m_technician","password":"pw-m_technician"}`)
		wantStatus(t, rec, http.StatusOK, "")
		return a
	}
	a := fresh()
	other := fresh()
	logout := authReq{method: http.MethodPost, path: "/api/v1/logout", body: "{}"}

	r := logout
	r.cookie = a.Token
	wantStatus(t, s.do(r), http.StatusForbidden, "csrf")
	r.csrf = other.CSRFToken // another session's token
	wantStatus(t, s.do(r), http.StatusForbidden, "csrf")
	if s.do(authReq{method: http.MethodGet, path: "/api/v1/me", cookie: a.Token}).Code != http.StatusOK {
		t.Fatal("a refused forgery ended the session")
	}
	r.csrf = a.CSRFToken
	rec := s.do(r)
	wantStatus(t, rec, http.StatusOK, "")
	if !strings.Contains(rec.Header().Get("Set-Cookie"), httpapi.SessionCookie+"=;") {
		t.Fatalf("logout does not clear the cookie: %q", rec.Header().Get("Set-Cookie"))
	}
	wantStatus(t, s.do(authReq{method: http.MethodGet, path: "/api/v1/me", cookie: a.Token}), http.StatusUnauthorized, "unauthenticated")

	// The form field does as well as the header.
	b := fresh()
	form := url.Values{"csrf_token": {b.CSRFToken}}.Encode()
	wantStatus(t, s.do(authReq{method: http.MethodPost, path: "/api/v1/logout", body: form, cookie: b.Token, contentType: echo.MIMEApplicationForm}), http.StatusOK, "")

	// Every unsafe account route refuses a cookie request without the token.
	adm, _ := s.loginHTTP(t, `{"username":"m_admin","password":"pw-m_admin"}`)
	for _, path := range []string{"/api/v1/users", "/api/v1/users/1/password", "/api/v1/users/1/pin", "/api/v1/users/1/deactivate"} {
		wantStatus(t, s.do(authReq{method: http.MethodPost, path: path, body: "{}", cookie: adm.Token}), http.StatusForbidden, "csrf")
	}
	wantStatus(t, s.do(authReq{method: http.MethodPut, path: "/api/v1/users/1/roles", body: `{"roles":["admin"]}`, cookie: adm.Token}), http.StatusForbidden, "csrf")
	wantStatus(t, s.do(authReq{method: http.MethodPost, path: "/api/v1/users", body: `{}`, cookie: adm.Token, csrf: adm.CSRFToken}), http.StatusBadRequest, "invalid")

	// Bearer tokens are exempt: a forged cross-site request cannot set the header.
	c := fresh()
	wantStatus(t, s.do(authReq{method: http.MethodPost, path: "/api/v1/logout", body: "{}", bearer: c.Token, cookie: "ignored"}), http.StatusOK, "")
	wantStatus(t, s.do(authReq{method: http.MethodGet, path: "/api/v1/me", bearer: c.Token}), http.StatusUnauthorized, "unauthenticated")
}

func TestAdminAPI(t *testing.T) {
	s := newAuthServer(t)
	admin := s.token(t, auth.Admin)
	tech := s.token(t, auth.Technician)
	techID := s.users[auth.Technician].ID
	as := func(tok, method, path, body string) *httptest.ResponseRecorder {
		return s.do(authReq{method: method, path: path, body: body, bearer: tok})
	}

	// Self-service escalation through the API is refused by the guard.
	wantStatus(t, as(tech, http.MethodPut, fmt.Sprintf("/api/v1/users/%d/roles", techID), `{"roles":["admin"]}`), http.StatusForbidden, "forbidden")
	wantStatus(t, as(tech, http.MethodPost, "/api/v1/users", `{"username":"x2","roles":["admin"],"password":"12345678"}`), http.StatusForbidden, "forbidden")

	rec := as(admin, http.MethodPost, "/api/v1/users", `{"username":"Tech9","display_name":"Tech Nine","roles":["technician"],"password":"tech9-secret","badge":"t9","pin":"1357"}`)
	wantStatus(t, rec, http.StatusCreated, "")
	var u auth.User
	_ = json.Unmarshal(rec.Body.Bytes(), &u)
	if u.Username != "tech9" || u.Badge != "T9" || !u.HasPIN || rec.Header().Get("Location") != fmt.Sprintf("/api/v1/users/%d", u.ID) {
		t.Fatalf("created %s %v", rec.Body, rec.Header())
	}
	if strings.Contains(rec.Body.String(), "argon2") || strings.Contains(rec.Body.String(), "tech9-secret") {
		t.Fatalf("the answer shows a secret or hash: %s", rec.Body)
	}
	rec = as(admin, http.MethodPost, "/api/v1/users", `{"username":"bad name","roles":["wizard"],"password":"short"}`)
	wantStatus(t, rec, http.StatusBadRequest, "invalid")
	for _, f := range []string{`"username"`, `"roles"`, `"password"`} {
		if !strings.Contains(rec.Body.String(), f) {
			t.Fatalf("validation answer %s does not name %s", rec.Body, f)
		}
	}

	// The new user logs in; roles change under the live session.
	a, lrec := s.loginHTTP(t, `{"username":"tech9","password":"tech9-secret"}`)
	wantStatus(t, lrec, http.StatusOK, "")
	wantStatus(t, as(admin, http.MethodPut, fmt.Sprintf("/api/v1/users/%d/roles", u.ID), `{"roles":["pharmacist"]}`), http.StatusOK, "")
	if rec := as(a.Token, http.MethodGet, "/api/v1/me", ""); !strings.Contains(rec.Body.String(), `"role":"pharmacist"`) {
		t.Fatalf("/me after the role change: %s", rec.Body)
	}
	wantStatus(t, as(admin, http.MethodPost, fmt.Sprintf("/api/v1/users/%d/pin", u.ID), `{"pin":"24"}`), http.StatusBadRequest, "invalid")
	wantStatus(t, as(admin, http.MethodPost, "/api/v1/users/abc/password", `{"password":"long-enough"}`), http.StatusBadRequest, "invalid")
	wantStatus(t, as(admin, http.MethodGet, "/api/v1/users/424242", ""), http.StatusNotFound, "user_not_found")

	// Deactivation cuts the live session off at once.
	wantStatus(t, as(admin, http.MethodPost, fmt.Sprintf("/api/v1/users/%d/deactivate", u.ID), ``), http.StatusOK, "")
	wantStatus(t, as(a.Token, http.MethodGet, "/api/v1/me", ""), http.StatusUnauthorized, "unauthenticated")
	rec = as(admin, http.MethodGet, "/api/v1/users", "")
	if !strings.Contains(rec.Body.String(), `"username":"tech9"`) || !strings.Contains(rec.Body.String(), `"active":false`) {
		t.Fatalf("users list %s", rec.Body)
	}
}

// Neither the request log nor anything else the server writes holds a
// password or PIN, whatever happens to the request.
func TestSecretsNeverLogged(t *testing.T) {
	s := newAuthServer(t)
	admin := s.token(t, auth.Admin)
	secrets := []string{"Sekrit-Passw0rd", "Other-Passw0rd", "86420975", "Bad-Guess-Passw0rd"}
	reqs := []authReq{
		{method: http.MethodPost, path: "/api/v1/users", bearer: admin, body: `{"username":"pharm8","roles":["pharmacist"],"password":"` + secrets[0] + `","badge":"P8","pin":"` + secrets[2] + `"}`},
		{method: http.MethodPost, path: "/api/v1/login", body: `{"username":"pharm8","password":"` + secrets[0] + `"}`},
		{method: http.MethodPost, path: "/api/v1/login", body: `{"username":"pharm8","password":"` + secrets[3] + `"}`},
		{method: http.MethodPost, path: "/api/v1/login", body: `{"badge":"P8","pin":"` + secrets[2] + `"}`},
		{method: http.MethodPost, path: "/api/v1/login", body: `{"username":"pharm8","password":"` + secrets[0] + `","extra":1}`},
		{method: http.MethodPost, path: "/api/v1/login?password=" + secrets[1], body: `{"username":"pharm8","password":"` + secrets[1] + `"}`},
		{method: http.MethodPost, path: "/api/v1/users/2/password", bearer: admin, body: `{"password":"` + secrets[1] + `"}`},
	}
	for _, r := range reqs {
		s.do(r)
	}
	logged := s.log.String()
	if strings.Count(logged, `"msg":"request"`) < len(reqs) {
		t.Fatalf("the log has fewer request lines than requests: %s", logged)
	}
	for _, sec := range secrets {
		if strings.Contains(logged, sec) {
			t.Errorf("the log holds the secret %q:\n%s", sec, logged)
		}
	}
}

// FuzzLoginBody throws arbitrary bodies at the login route: the answer is
// always the error envelope or a session, never a 500.
func FuzzLoginBody(f *testing.F) {
	for _, s := range []string{``, `{}`, `{"username":"m_admin","password":"pw-m_admin"}`, `{"badge":"M_ADMIN","pin":"2468"}`,
		`{"username":"a","password":"b","badge":"c","pin":"d"}`, `{"username":null}`, `[]`, `{"pin":1234}`, "{\"username\":\"\u0000\"}"} {
		f.Add(s)
	}
	srv := newAuthServer(f)
	f.Fuzz(func(t *testing.T, body string) {
		// A fresh address each time keeps the address throttle out of it.
		req := httptest.NewRequest(http.MethodPost, "/api/v1/login", strings.NewReader(body))
		req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
		req.RemoteAddr = fmt.Sprintf("10.%d.%d.%d:1", len(body)%256, (len(body)/256)%256, time.Now().Nanosecond()%256)
		rec := httptest.NewRecorder()
		srv.e.ServeHTTP(rec, req.WithContext(context.Background()))
		switch rec.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusUnauthorized, http.StatusTooManyRequests, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("body %q: %d %s", body, rec.Code, rec.Body)
		}
		if rec.Code != http.StatusOK && errorCode(rec) == "" {
			t.Fatalf("body %q: %d without the error envelope: %s", body, rec.Code, rec.Body)
		}
	})
}
