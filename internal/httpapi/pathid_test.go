package httpapi_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/httpapi"
)

// notIDs are the path parameters that are names, not numbers.
var notIDs = map[string]bool{":file": true, ":step_id": true}

// TestEveryPathIDRefusesANonNumber walks the whole route table, screens
// included: a path ID that is not a positive whole number is a 400 whose
// field names the parameter, on every route, before the handler looks
// anything up.
func TestEveryPathIDRefusesANonNumber(t *testing.T) {
	s := newAuthServer(t)
	tokens := map[string]string{}
	walked := 0
	for _, rt := range s.api.Routes() {
		if rt.Public {
			continue
		}
		for _, param := range pathParam.FindAllString(rt.Path, -1) {
			if notIDs[param] || param == "*" {
				continue
			}
			role := rt.Roles[0]
			if tokens[string(role)] == "" || strings.Contains(rt.Path, "logout") {
				tokens[string(role)] = s.token(t, role)
			}
			walked++
			for _, bad := range []string{"abc", "0", "-3", "1.5", "99999999999999999999", "%20"} {
				path := strings.Replace(rt.Path, param, bad, 1)
				path = pathParam.ReplaceAllString(path, "999999")
				rec := s.do(authReq{method: rt.Method, path: path, body: "{}", bearer: tokens[string(role)]})
				field := errorField(rec)
				if rec.Code != http.StatusBadRequest || field != strings.TrimPrefix(param, ":") {
					t.Errorf("%s %s: %d field %q %.200s; want 400 naming %s", rt.Method, path, rec.Code, field, rec.Body, param)
				}
			}
		}
	}
	if walked < 20 {
		t.Fatalf("only %d path IDs walked", walked)
	}
}

// Whatever the path holds, PathID answers a positive ID or a 400 naming
// the parameter; it never panics.
func FuzzPathID(f *testing.F) {
	for _, s := range []string{"1", "0", "-1", "abc", "1e3", "99999999999999999999", "+7", " 7", "0x10", ""} {
		f.Add(s)
	}
	e := echo.New()
	f.Fuzz(func(t *testing.T, s string) {
		c := e.NewContext(httptest.NewRequest(http.MethodGet, "/", nil), httptest.NewRecorder())
		c.SetParamNames("record_id")
		c.SetParamValues(s)
		id, err := httpapi.PathID(c, "record_id")
		if err == nil {
			if id < 1 {
				t.Fatalf("PathID(%q) = %d", s, id)
			}
			return
		}
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Kind != apperr.Invalid || ae.Field != "record_id" || httpapi.StatusOf(ae.Kind) != http.StatusBadRequest {
			t.Fatalf("PathID(%q): %#v", s, err)
		}
	})
}
