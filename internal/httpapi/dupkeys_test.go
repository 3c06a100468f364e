package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestEveryRouteRefusesDuplicateKeys walks the whole route table: a JSON
// body holding a key twice (nested, and differing only in case) is a 400
// duplicate_field naming the key on every route that takes a body, whoever
// calls it, before any handler could let the last key win.
func TestEveryRouteRefusesDuplicateKeys(t *testing.T) {
	s := newAuthServer(t)
	bodies := map[string]string{
		"outer.DOSE":  `{"outer":{"dose":"1 g","DOSE":"10 g"}}`,
		"decision":    `{"decision":"reject","decision":"approve"}`,
		"items[0].ab": `{"items":[{"ab":1,"ab":2}]}`,
	}
	walked := 0
	for _, rt := range s.api.Routes() {
		if rt.Method == http.MethodGet || rt.Method == http.MethodHead {
			continue
		}
		tok := ""
		if !rt.Public {
			tok = s.token(t, rt.Roles[0])
		}
		path := pathParam.ReplaceAllString(rt.Path, "999999")
		for field, body := range bodies {
			rec := s.do(authReq{method: rt.Method, path: path, body: body, bearer: tok})
			if rec.Code != http.StatusBadRequest || errorCode(rec) != "duplicate_field" || errorField(rec) != field {
				t.Errorf("%s %s with %s: %d %.200s; want 400 duplicate_field at %q", rt.Method, rt.Path, body, rec.Code, rec.Body, field)
			}
		}
		walked++
	}
	if walked < 10 {
		t.Fatalf("only %d routes take a body: the walk proves little", walked)
	}
}

// errorField is the envelope's field, or "".
func errorField(rec *httptest.ResponseRecorder) string {
	var env struct {
		Error struct {
			Field string `json:"field"`
		} `json:"error"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &env)
	if env.Error.Field == "" {
		return outcomeIssue(rec).field
	}
	return env.Error.Field
}
