package httpapi_test

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/httpapi"
)

type auditPage struct {
	Events []struct {
		ID            int64           `json:"id"`
		Type          string          `json:"type"`
		ActorID       *int64          `json:"actor_id"`
		Actor         string          `json:"actor"`
		At            time.Time       `json:"at"`
		PreparationID *int64          `json:"preparation_id"`
		Payload       json.RawMessage `json:"payload"`
		Hash          string          `json:"hash"`
	} `json:"events"`
	NextCursor *int64 `json:"next_cursor"`
}

func TestAuditAPI(t *testing.T) {
	s := newAuthServer(t)
	officer := s.token(t, auth.SafetyOfficer)
	s.token(t, auth.Technician)
	s.loginHTTP(t, `{"username":"m_technician","password":"wrong"}`)
	get := func(path string) *httptest.ResponseRecorder {
		return s.do(authReq{method: http.MethodGet, path: path, bearer: officer})
	}
	page := func(path string) auditPage {
		t.Helper()
		rec := get(path)
		wantStatus(t, rec, http.StatusOK, "")
		var p auditPage
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
			t.Fatalf("%s: %v", rec.Body, err)
		}
		return p
	}
	filterAndPageTheAudit(t, s, page)
	badAuditFiltersNameTheirField(t, get)
	exportAuditCSV(t, s, officer, get)
	verifyThenBreakTheChain(t, s, get)
}

// filterAndPageTheAudit reads the whole log, each filter, and the log in
// pages and newest first.
func filterAndPageTheAudit(t *testing.T, s *authServer, page func(string) auditPage) {
	all := page("/api/v1/audit")
	// 5 accounts created, 2 logins, 1 failed login.
	if len(all.Events) != 8 || all.NextCursor != nil {
		t.Fatalf("%d events, cursor %v", len(all.Events), all.NextCursor)
	}
	tech := s.users[auth.Technician]
	cases := []struct {
		query string
		want  int
	}{
		{"type=auth.login", 2},
		{"type=auth.login,auth.login_failed", 3},
		{"type=user.created&actor=" + fmt.Sprint(tech.ID), 0},
		{"actor=" + fmt.Sprint(tech.ID), 2},
		{"actor=m_technician", 2},
		{"from=" + url.QueryEscape(s.clock.t.Add(-time.Minute).Format(time.RFC3339)), 8},
		{"to=" + url.QueryEscape(s.clock.t.Add(-time.Minute).Format(time.RFC3339)), 0},
		{"preparation_id=5", 0},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			if p := page("/api/v1/audit?" + c.query); len(p.Events) != c.want {
				t.Fatalf("%d events; want %d", len(p.Events), c.want)
			}
		})
	}
	first := page("/api/v1/audit?limit=3")
	if len(first.Events) != 3 || first.NextCursor == nil || *first.NextCursor != first.Events[2].ID {
		t.Fatalf("first page %+v", first)
	}
	second := page(fmt.Sprintf("/api/v1/audit?limit=3&cursor=%d", *first.NextCursor))
	if len(second.Events) != 3 || second.Events[0].ID != first.Events[2].ID+1 {
		t.Fatalf("second page %+v", second)
	}
	if newest := page("/api/v1/audit?order=desc&limit=1"); newest.Events[0].Type != audit.TypeLoginFailed || newest.Events[0].Actor != "m_technician" {
		t.Fatalf("newest %+v", newest)
	}
}

// badAuditFiltersNameTheirField: each malformed filter is a 400 naming the
// field at fault.
func badAuditFiltersNameTheirField(t *testing.T, get func(string) *httptest.ResponseRecorder) {
	for _, c := range []struct{ query, field string }{
		{"from=yesterday", "from"}, {"to=2026-13-01", "to"}, {"limit=0", "limit"}, {"limit=5000", "limit"},
		{"preparation_id=-1", "preparation_id"}, {"cursor=x", "cursor"}, {"order=up", "order"},
		{"from=2026-02-01&to=2026-01-01", "to"},
	} {
		rec := get("/api/v1/audit?" + c.query)
		wantStatus(t, rec, http.StatusBadRequest, "")
		if !strings.Contains(rec.Body.String(), `"field":"`+c.field+`"`) {
			t.Fatalf("%s: %s does not name %s", c.query, rec.Body, c.field)
		}
	}
}

// exportAuditCSV exports the same filters as CSV, including an empty export.
func exportAuditCSV(t *testing.T, s *authServer, officer string, get func(string) *httptest.ResponseRecorder) {
	req := authReq{method: http.MethodGet, path: "/api/v1/audit?type=auth.login", bearer: officer}
	r := httptest.NewRequest(req.method, req.path, nil)
	r.Header.Set(echo.HeaderAuthorization, "Bearer "+officer)
	r.Header.Set(echo.HeaderAccept, "text/csv")
	rec := httptest.NewRecorder()
	s.e.ServeHTTP(rec, r)
	wantStatus(t, rec, http.StatusOK, "")
	if !strings.HasPrefix(rec.Header().Get(echo.HeaderContentType), "text/csv") {
		t.Fatalf("content type %q", rec.Header().Get(echo.HeaderContentType))
	}
	rows, err := csv.NewReader(rec.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	raw := len(rows[0]) - len(httpapi.AuditCSVRawHeader)
	if len(rows) != 3 || raw < 0 || strings.Join(rows[0][raw:], ",") != strings.Join(httpapi.AuditCSVRawHeader, ",") || rows[1][raw+2] != "auth.login" || rows[1][7] != "Signed in" {
		t.Fatalf("CSV %v", rows)
	}
	if csvEmpty := get("/api/v1/audit?format=csv&type=none.such"); csvEmpty.Code != 200 || strings.Count(csvEmpty.Body.String(), "\n") != 1 {
		t.Fatalf("empty CSV %d %q", csvEmpty.Code, csvEmpty.Body)
	}
}

// verifyThenBreakTheChain verifies the chain, then breaks it and verifies again.
func verifyThenBreakTheChain(t *testing.T, s *authServer, get func(string) *httptest.ResponseRecorder) {
	rec := get("/api/v1/audit/verify")
	wantStatus(t, rec, http.StatusOK, "")
	if rec.Body.String() != `{"ok":true,"checked":8,"checkpoints":0}`+"\n" {
		t.Fatalf("verify %s", rec.Body)
	}
	for _, q := range []string{`ALTER TABLE audit_events DISABLE TRIGGER USER`, `UPDATE audit_events SET payload_text = '{}' WHERE id = 4`, `ALTER TABLE audit_events ENABLE TRIGGER USER`} {
		if _, err := s.st.DB.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	rec = get("/api/v1/audit/verify")
	var rep audit.Report
	_ = json.Unmarshal(rec.Body.Bytes(), &rep)
	if rec.Code != 200 || rep.OK || rep.FirstBad == nil || rep.FirstBad.ID != 4 || rep.Checked != 8 {
		t.Fatalf("verify after tampering: %s", rec.Body)
	}
}

// FuzzAuditFilter feeds arbitrary query strings to the filter parser: it
// returns a filter or an invalid-input error naming a field, never panics.
func FuzzAuditFilter(f *testing.F) {
	for _, s := range []string{"", "from=2026-01-01&to=2026-01-02", "actor=7&type=a,b,,c", "limit=1001", "cursor=-5", "order=DESC",
		"from=2026-01-01T00:00:00Z&to=2025-01-01T00:00:00Z", "preparation_id=99999999999999999999", "from=%zz"} {
		f.Add(s)
	}
	api := &httpapi.API{}
	e := echo.New()
	f.Fuzz(func(t *testing.T, query string) {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/audit", nil)
		req.URL.RawQuery = query
		c := e.NewContext(req, httptest.NewRecorder())
		flt, err := api.AuditFilter(c)
		if err != nil {
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Kind != apperr.Invalid || ae.Field == "" {
				t.Fatalf("query %q: %v is not an invalid-field error", query, err)
			}
			return
		}
		if flt.Limit < 0 || flt.Limit > 1000 || flt.Cursor < 0 {
			t.Fatalf("query %q gave %+v", query, flt)
		}
		if !flt.From.IsZero() && !flt.To.IsZero() && !flt.To.After(flt.From) {
			t.Fatalf("query %q: to %v not after from %v", query, flt.To, flt.From)
		}
	})
}
