package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/laminar-rx/laminar/internal/auth"
)

// The attack: login CSRF. A page on another site posts a form (or
// text/plain, which needs no preflight) to the login route, signing the
// victim's browser into the attacker's account. Only JSON is accepted.
func TestLoginRefusesFormsAndTextPlain(t *testing.T) {
	s := newAuthServer(t)
	body := `{"username":"m_technician","password":"pw-m_technician"}`
	for _, ct := range []string{"text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"} {
		rec := s.do(authReq{method: http.MethodPost, path: "/api/v1/login", body: body, contentType: ct})
		wantStatus(t, rec, http.StatusUnsupportedMediaType, "unsupported_media_type")
		if strings.Contains(rec.Header().Get("Set-Cookie"), "laminar_session") {
			t.Fatalf("%s: a session cookie was set", ct)
		}
	}
	rec := s.do(authReq{method: http.MethodPost, path: "/api/v1/login", body: body, contentType: "application/json; charset=utf-8"})
	wantStatus(t, rec, http.StatusOK, "")
}

// The attacks of the review's Unicode and NUL items, over the API: each is
// a 400 naming the field, never stored and never a 500.
func TestHostileTextOverTheAPI(t *testing.T) {
	s := newAuthServer(t)
	admin, pharm := s.token(t, auth.Admin), s.token(t, auth.Pharmacist)
	cases := []struct {
		name, bearer, method, path, body, code, field string
	}{
		{"right-to-left override in a patient location", pharm, "POST", "/api/v1/orders",
			`{"patient":{"mrn":"1","name":"Doe, J","location":"ICU \u202eB3"},"drug":"cefazolin","dose":"1 g"}`, "bad_character", "patient.location"},
		{"Cyrillic с in a new product's drug", admin, "POST", "/api/v1/products",
			`{"drug":"сeFAZolin","package_ndc":"0000-0000-00","labeler":"x","dosage_form":"INJECTION","container":"single_dose"}`, "mixed_script", "drug"},
		{"CR LF ESC in a user's name", admin, "POST", "/api/v1/users",
			`{"username":"evil","display_name":"Tech\r\n\u001b[2Jadmin","roles":["technician"],"password":"long-enough-pass-1"}`, "bad_character", "display_name"},
		{"NUL in a string", pharm, "POST", "/api/v1/orders", `{"patient":{"mrn":"1\u0000"},"drug":"x"}`, "bad_character", "patient.mrn"},
		{"NUL in the query", pharm, "GET", "/api/v1/products?q=cef%00azolin", "", "bad_character", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := s.do(authReq{method: c.method, path: c.path, body: c.body, bearer: c.bearer})
			wantStatus(t, rec, http.StatusBadRequest, c.code)
			var env struct {
				Error struct{ Field, Message string } `json:"error"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || env.Error.Field != c.field || env.Error.Message == "" {
				t.Fatalf("%s: field %q; want %q", rec.Body, env.Error.Field, c.field)
			}
		})
	}
}

// The attack: thousands of invented HTTP methods and paths, each a new
// metric series (49 MB of /metrics). They all count under one label.
func TestMetricsLabelsStayBounded(t *testing.T) {
	s := newAuthServer(t)
	for i := range 300 {
		req := httptest.NewRequest(fmt.Sprintf("M%dX", i), fmt.Sprintf("/no/such/%d", i), nil)
		s.e.ServeHTTP(httptest.NewRecorder(), req)
	}
	families, err := s.api.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	series := 0
	for _, f := range families {
		if f.GetName() == "laminar_http_requests_total" {
			for _, m := range f.GetMetric() {
				series++
				for _, l := range m.GetLabel() {
					if (l.GetName() == "method" && l.GetValue() != "other" && strings.HasPrefix(l.GetValue(), "M")) ||
						(l.GetName() == "route" && strings.HasPrefix(l.GetValue(), "/no/such")) {
						t.Fatalf("a client-chosen label value: %s=%s", l.GetName(), l.GetValue())
					}
				}
			}
		}
	}
	if series > 5 {
		t.Fatalf("%d series after 300 invented methods and paths; want a handful", series)
	}
}

// /metrics may be limited to the monitoring network.
func TestMetricsRestrictedByAddress(t *testing.T) {
	s := newAuthServer(t)
	s.api.Config.Security.MetricsFrom = []string{"10.0.0.0/8", "192.0.2.9"}
	for addr, want := range map[string]int{"10.1.2.3:4000": 200, "192.0.2.9:1": 200, "192.0.2.10:1": 403, "[2001:db8::1]:1": 403} {
		req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		req.RemoteAddr = addr
		rec := httptest.NewRecorder()
		s.e.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("/metrics from %s = %d; want %d", addr, rec.Code, want)
		}
	}
}

// The attack: a client's X-Request-Id is echoed into the response and the
// log unchecked. Only short plain ids are kept; others are replaced.
func TestClientRequestIDIsChecked(t *testing.T) {
	s := newAuthServer(t)
	ours := regexp.MustCompile(`^[A-Za-z0-9._:-]{8,64}$`)
	for id, kept := range map[string]bool{
		"req-2026-12-03.0001":       true,
		"<script>alert(1)</script>": false,
		strings.Repeat("a", 500):    false,
		"a b":                       false,
		"":                          false,
	} {
		req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
		req.Header.Set("X-Request-Id", id)
		rec := httptest.NewRecorder()
		s.e.ServeHTTP(rec, req)
		got := rec.Header().Get("X-Request-Id")
		if kept && got != id || !kept && (got == id || !ours.MatchString(got)) {
			t.Errorf("client id %.40q answered with %q", id, got)
		}
		if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("no nosniff header on %s", rec.Body)
		}
	}
	if strings.Contains(s.log.String(), "<script>") {
		t.Fatal("the refused id reached the log")
	}
}
