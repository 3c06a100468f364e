package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/bud"
	"github.com/laminar-rx/laminar/internal/config"
	"github.com/laminar-rx/laminar/internal/httpapi"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/testdb"
)

// budAuth is a stand-in Authenticator: token "tok-<role>" is a user
// holding only that role.
type budAuth map[string]*auth.Principal

func (m budAuth) Authenticate(_ context.Context, token string) (*auth.Principal, error) {
	return m[token], nil
}

type budServer struct {
	h     http.Handler
	api   *httpapi.API
	users map[auth.Role]int64
}

// newBUDServer builds the server on a fresh database with one real user
// per role (the audit log refers to users by id).
func newBUDServer(t testing.TB, loc *time.Location) *budServer {
	t.Helper()
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if loc != nil {
		cfg.Location = loc
	}
	st := testdb.New(t)
	authn := budAuth{}
	users := map[auth.Role]int64{}
	for _, r := range auth.AllRoles {
		var id int64
		name := "u_" + string(r)
		if err := st.DB.GetContext(context.Background(), &id,
			`INSERT INTO users (username, roles) VALUES ($1, ARRAY[$2]) RETURNING id`, name, string(r)); err != nil {
			t.Fatal(err)
		}
		users[r] = id
		authn["tok-"+string(r)] = &auth.Principal{UserID: id, Username: name, Roles: []auth.Role{r}}
	}
	a := &httpapi.API{Store: st, Config: cfg, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Auth: authn}
	return &budServer{h: httpapi.New(a), api: a, users: users}
}

func (s *budServer) do(role auth.Role, method, path, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if role != "" {
		req.Header.Set("Authorization", "Bearer tok-"+string(role))
	}
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	return rec
}

type budResponse struct {
	BUD          string `json:"bud"`
	LimitedBy    string `json:"limited_by"`
	Reason       string `json:"reason"`
	RulesVersion string `json:"rules_version"`
}

func budResult(t *testing.T, rec *httptest.ResponseRecorder) budResponse {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var r budResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		t.Fatalf("body %q: %v", rec.Body, err)
	}
	return r
}

// budEnvelope checks the status and the error envelope's code and field.
func budEnvelope(t *testing.T, rec *httptest.ResponseRecorder, status int, code, field string) {
	t.Helper()
	var env struct {
		Error struct{ Code, Message, Field string } `json:"error"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
		t.Fatalf("body %q is not the error envelope: %v", rec.Body, err)
	}
	if rec.Code != status || env.Error.Code != code || env.Error.Field != field || env.Error.Message == "" {
		t.Fatalf("got %d %+v; want %d code %q field %q", rec.Code, env.Error, status, code, field)
	}
}

const contractExample = `{"category": "2", "method": "aseptic", "sterility_tested": false,
 "starting_components": "sterile", "storage": "refrigerator",
 "compounded_at": "2026-11-24T09:00:00Z", "stability_limit": "72 h",
 "components": [{"name": "cefazolin 1 g vial lot A123", "expires_at": "2027-01-31",
                 "container": "single_dose", "opened_at": "2026-11-24T08:50:00Z"}]}`

func TestBUDContractExampleForEveryRole(t *testing.T) {
	s := newBUDServer(t, nil)
	for _, role := range auth.AllRoles {
		t.Run(string(role), func(t *testing.T) {
			r := budResult(t, s.do(role, "POST", "/api/v1/bud", contractExample))
			if r.BUD != "2026-11-27T09:00:00Z" || r.LimitedBy != "stability" || r.RulesVersion != "usp797-2023.1" {
				t.Fatalf("response %+v", r)
			}
			if !strings.Contains(r.Reason, "72 h") {
				t.Fatalf("reason %q does not give the stability limit", r.Reason)
			}
		})
	}
}

func TestBUDNeedsLogin(t *testing.T) {
	s := newBUDServer(t, nil)
	for _, tc := range []struct{ method, path string }{
		{"POST", "/api/v1/bud"}, {"GET", "/api/v1/bud/rules"}, {"POST", "/api/v1/bud/rules"},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			budEnvelope(t, s.do("", tc.method, tc.path, contractExample), http.StatusUnauthorized, "unauthenticated", "")
			budEnvelope(t, s.do("nobody", tc.method, tc.path, contractExample), http.StatusUnauthorized, "unauthenticated", "")
		})
	}
}

func TestBUDErrors(t *testing.T) {
	s := newBUDServer(t, nil)
	for _, tc := range []struct {
		name, body  string
		status      int
		code, field string
	}{
		{"not JSON", `{"category": `, 400, "malformed_json", "body"},
		{"not an object", `[1, 2]`, 400, "malformed_json", "body"},
		{"unknown field", `{"category": "1", "storage": "room", "compounded_at": "2026-11-24T09:00:00Z", "colour": "red"}`, 400, "unknown_field", "colour"},
		{"no compounded_at", `{"category": "1", "storage": "room"}`, 400, "required", "compounded_at"},
		{"bad category", `{"category": "4", "storage": "room", "compounded_at": "2026-11-24T09:00:00Z"}`, 400, "invalid", "category"},
		{"number for a duration", `{"category": "1", "storage": "room", "compounded_at": "2026-11-24T09:00:00Z", "stability_limit": 72}`, 400, "invalid", "stability_limit"},
		{"bad expiry", `{"category": "1", "storage": "room", "compounded_at": "2026-11-24T09:00:00Z",
			"components": [{"name": "x", "container": "bag", "expires_at": "31/01/2027"}]}`, 400, "invalid", "components[0].expires_at"},
		{"category 1 frozen", `{"category": "1", "storage": "freezer", "compounded_at": "2026-11-24T09:00:00Z"}`, 422, "category_storage_not_allowed", "storage"},
		{"component expired", `{"category": "1", "storage": "room", "compounded_at": "2026-11-24T09:00:00Z",
			"components": [{"name": "KCl lot 9", "container": "bag", "expires_at": "2026-11-23"}]}`, 422, "component_expired", "components[0].expires_at"},
		{"in-use limit passed", `{"category": "1", "storage": "room", "compounded_at": "2026-11-24T09:00:00Z",
			"components": [{"name": "vial", "container": "single_dose", "expires_at": "2027-01-31", "opened_at": "2026-11-23T09:00:00Z"}]}`, 422, "in_use_expired", "components[0].opened_at"},
		{"before any rule table", `{"category": "1", "storage": "room", "compounded_at": "2020-01-01T09:00:00Z"}`, 422, "no_rules_in_force", "compounded_at"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			budEnvelope(t, s.do(auth.Technician, "POST", "/api/v1/bud", tc.body), tc.status, tc.code, tc.field)
		})
	}
}

// A date-only expiry ends the day in the site's time zone.
func TestBUDDateOnlyExpiryInSiteZone(t *testing.T) {
	body := `{"category": "2", "method": "aseptic", "starting_components": "sterile", "storage": "room",
		"compounded_at": "2026-11-24T00:30:00Z",
		"components": [{"name": "KCl lot 9", "container": "bag", "expires_at": "2026-11-25"}]}`
	auckland, err := time.LoadLocation("Pacific/Auckland")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		loc  *time.Location
		want time.Time
	}{
		{"UTC", time.UTC, time.Date(2026, 11, 25, 23, 59, 59, 0, time.UTC)},
		{"Auckland", auckland, time.Date(2026, 11, 25, 23, 59, 59, 0, auckland)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := budResult(t, newBUDServer(t, tc.loc).do(auth.Pharmacist, "POST", "/api/v1/bud", body))
			got, err := time.Parse(time.RFC3339, r.BUD)
			if err != nil || !got.Equal(tc.want) || r.LimitedBy != "component" {
				t.Fatalf("BUD %s limited by %s, want %s by the component", r.BUD, r.LimitedBy, tc.want.UTC())
			}
		})
	}
}

// rulesBody is the default table renamed, starting at from (omitted when
// zero), with the Category 2 aseptic/sterile/untested fridge limit changed.
func rulesBody(t testing.TB, version string, from time.Time, fridge string) string {
	t.Helper()
	b, err := json.Marshal(bud.DefaultRules())
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	doc["version"] = version
	if from.IsZero() {
		delete(doc, "effective_from")
	} else {
		doc["effective_from"] = from.Format(time.RFC3339Nano)
	}
	for _, row := range doc["category_limits"].([]any) {
		m := row.(map[string]any)
		if m["category"] == "2" && m["method"] == "aseptic" && m["sterility_tested"] == false && m["starting_components"] == "sterile" {
			m["limits"].(map[string]any)["refrigerator"] = fridge
		}
	}
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestBUDRulesRoles(t *testing.T) {
	s := newBUDServer(t, nil)
	readers := map[auth.Role]bool{auth.Admin: true, auth.SafetyOfficer: true, auth.Pharmacist: true}
	for i, role := range auth.AllRoles {
		t.Run(string(role), func(t *testing.T) {
			rec := s.do(role, "GET", "/api/v1/bud/rules", "")
			if readers[role] != (rec.Code == http.StatusOK) {
				t.Fatalf("GET rules as %s = %d", role, rec.Code)
			}
			if !readers[role] {
				budEnvelope(t, rec, http.StatusForbidden, "forbidden", "")
			}
			from := time.Now().Add(time.Duration(i+1) * time.Hour).UTC().Truncate(time.Second)
			rec = s.do(role, "POST", "/api/v1/bud/rules", rulesBody(t, "by-"+string(role), from, "5 days"))
			if (role == auth.Admin) != (rec.Code == http.StatusCreated) {
				t.Fatalf("POST rules as %s = %d %s", role, rec.Code, rec.Body)
			}
			if role != auth.Admin {
				budEnvelope(t, rec, http.StatusForbidden, "forbidden", "")
			}
		})
	}
}

type rulesList struct {
	InForce  string `json:"in_force"`
	Versions []struct {
		ID            int64           `json:"id"`
		Version       string          `json:"version"`
		EffectiveFrom time.Time       `json:"effective_from"`
		InForce       bool            `json:"in_force"`
		CreatedBy     *int64          `json:"created_by"`
		Rules         json.RawMessage `json:"rules"`
	} `json:"versions"`
}

// An admin schedules a new table; a preparation started before it keeps
// the old BUD, one started after gets the new one, and the change is in
// the log under the admin's name.
func TestBUDRulesAddThenCompute(t *testing.T) {
	s := newBUDServer(t, nil)
	from := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	rec := s.do(auth.Admin, "POST", "/api/v1/bud/rules", rulesBody(t, "site-2026.1", from, "5 days"))
	if rec.Code != http.StatusCreated {
		t.Fatalf("POST rules = %d %s", rec.Code, rec.Body)
	}
	var created struct {
		ID        int64  `json:"id"`
		Version   string `json:"version"`
		InForce   bool   `json:"in_force"`
		CreatedBy *int64 `json:"created_by"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &created); err != nil {
		t.Fatal(err)
	}
	if created.Version != "site-2026.1" || created.InForce || created.CreatedBy == nil || *created.CreatedBy != s.users[auth.Admin] {
		t.Fatalf("created %s", rec.Body)
	}

	rec = s.do(auth.SafetyOfficer, "GET", "/api/v1/bud/rules", "")
	var list rulesList
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &list) != nil {
		t.Fatalf("GET rules = %d %s", rec.Code, rec.Body)
	}
	if list.InForce != "usp797-2023.1" || len(list.Versions) != 2 ||
		!list.Versions[0].InForce || list.Versions[1].InForce || !list.Versions[1].EffectiveFrom.Equal(from) {
		t.Fatalf("list %s", rec.Body)
	}
	if _, err := bud.ParseRules(list.Versions[1].Rules); err != nil {
		t.Fatalf("listed rules do not parse back: %v", err)
	}

	request := func(at time.Time) string {
		return fmt.Sprintf(`{"category": "2", "method": "aseptic", "starting_components": "sterile",
			"storage": "refrigerator", "compounded_at": %q}`, at.Format(time.RFC3339))
	}
	for _, tc := range []struct {
		name    string
		at      time.Time
		days    int
		version string
	}{
		{"started before the change", from.Add(-time.Second), 10, "usp797-2023.1"},
		{"started at the change", from, 5, "site-2026.1"},
		{"started after the change", from.Add(36 * time.Hour), 5, "site-2026.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := budResult(t, s.do(auth.Technician, "POST", "/api/v1/bud", request(tc.at)))
			want := tc.at.Add(time.Duration(tc.days) * 24 * time.Hour).Format(time.RFC3339)
			if r.BUD != want || r.RulesVersion != tc.version || r.LimitedBy != "category" {
				t.Fatalf("BUD %s under %s, want %s under %s", r.BUD, r.RulesVersion, want, tc.version)
			}
		})
	}

	events, err := audit.List(context.Background(), s.api.Store.DB, audit.Filter{Types: []string{store.TypeBUDRulesChanged}})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || events[0].ActorID == nil || *events[0].ActorID != s.users[auth.Admin] ||
		!strings.Contains(string(events[0].Payload), `"version":"site-2026.1"`) {
		t.Fatalf("audit events %+v", events)
	}
}

// Leaving effective_from out applies the new table at once.
func TestBUDRulesAddFromNow(t *testing.T) {
	s := newBUDServer(t, nil)
	rec := s.do(auth.Admin, "POST", "/api/v1/bud/rules", rulesBody(t, "now", time.Time{}, "6 days"))
	if rec.Code != http.StatusCreated || !strings.Contains(rec.Body.String(), `"in_force":true`) {
		t.Fatalf("POST rules = %d %s", rec.Code, rec.Body)
	}
	at := time.Now().Add(time.Minute).UTC().Truncate(time.Second)
	r := budResult(t, s.do(auth.Technician, "POST", "/api/v1/bud", fmt.Sprintf(
		`{"category": "2", "method": "aseptic", "starting_components": "sterile", "storage": "refrigerator", "compounded_at": %q}`,
		at.Format(time.RFC3339))))
	if r.RulesVersion != "now" || r.BUD != at.Add(6*24*time.Hour).Format(time.RFC3339) {
		t.Fatalf("response %+v", r)
	}
}

func TestBUDRulesAddErrors(t *testing.T) {
	s := newBUDServer(t, nil)
	future := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second)
	if rec := s.do(auth.Admin, "POST", "/api/v1/bud/rules", rulesBody(t, "taken", future, "5 days")); rec.Code != http.StatusCreated {
		t.Fatalf("setup: %d %s", rec.Code, rec.Body)
	}
	later := future.Add(time.Hour)
	valid := rulesBody(t, "fine", later, "5 days")
	for _, tc := range []struct {
		name, body  string
		status      int
		code, field string
	}{
		{"empty body", ``, 400, "malformed_json", "body"},
		{"not JSON", `{"version": `, 400, "malformed_json", "body"},
		{"array", `[]`, 400, "malformed_json", "body"},
		{"trailing data", valid + ` {}`, 400, "malformed_json", "body"},
		{"unknown field", strings.Replace(valid, `{`, `{"colour":"red",`, 1), 400, "unknown_field", "colour"},
		{"wrong type", strings.Replace(valid, `"max_components":3`, `"max_components":"3"`, 1), 400, "invalid_rules", "immediate_use.max_components"},
		{"bad duration", rulesBody(t, "x", later, "ten days"), 400, "invalid_rules", "category_limits[1].limits.refrigerator"},
		{"bad sterility_tested", strings.Replace(valid, `"sterility_tested":false`, `"sterility_tested":"no"`, 1), 400, "invalid_rules", "category_limits[1].sterility_tested"},
		{"bad in-use limit", strings.Replace(valid, `"inside_iso5":"12 h"`, `"inside_iso5":"half a day"`, 1), 400, "invalid_rules", "in_use[0].inside_iso5"},
		{"bad time", strings.Replace(valid, later.Format(time.RFC3339), "next tuesday", 1), 400, "invalid_rules", "effective_from"},
		{"zero limit", rulesBody(t, "x", later, "0 h"), 400, "invalid_rules", "category_limits[1].limits.refrigerator"},
		{"no version", rulesBody(t, "", later, "5 days"), 400, "invalid_rules", "version"},
		{"in the past", rulesBody(t, "x", time.Now().Add(-time.Hour), "5 days"), 400, "effective_from_past", "effective_from"},
		{"before the latest", rulesBody(t, "x", future.Add(-time.Minute), "5 days"), 409, "effective_from_not_after_latest", "effective_from"},
		{"version taken", rulesBody(t, "taken", later, "5 days"), 409, "version_exists", "version"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := s.do(auth.Admin, "POST", "/api/v1/bud/rules", tc.body)
			budEnvelope(t, rec, tc.status, tc.code, tc.field)
		})
	}
	rec := s.do(auth.Admin, "GET", "/api/v1/bud/rules", "")
	var list rulesList
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || len(list.Versions) != 2 {
		t.Fatalf("refused versions were stored: %s", rec.Body)
	}
}

// Any body gives a well-formed answer: a BUD, or a 4xx envelope naming
// what was wrong; never a server error.
func FuzzBUDEndpoint(f *testing.F) {
	for _, seed := range []string{
		contractExample, `{}`, `null`, `[]`, `{"category":"1","storage":"freezer","compounded_at":"2026-11-24T09:00:00Z"}`,
		`{"category":"immediate","storage":"room","compounded_at":"2026-11-24T09:00:00Z","components":[{"name":"a","container":"ampule","expires_at":"2027-01-01"}]}`,
		`{"category":"3","method":"terminal","sterility_tested":true,"storage":"freezer","compounded_at":"1999-01-01T00:00:00Z"}`,
	} {
		f.Add(seed)
	}
	s := newBUDServer(f, nil)
	f.Fuzz(func(t *testing.T, body string) {
		rec := s.do(auth.Technician, "POST", "/api/v1/bud", body)
		switch rec.Code {
		case http.StatusOK:
			r := budResult(t, rec)
			if _, err := time.Parse(time.RFC3339, r.BUD); err != nil || r.LimitedBy == "" || r.Reason == "" {
				t.Fatalf("200 with %s", rec.Body)
			}
		case http.StatusBadRequest, http.StatusUnprocessableEntity, http.StatusRequestEntityTooLarge:
			var env struct {
				Error struct{ Code, Message string }
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || env.Error.Code == "" || env.Error.Message == "" {
				t.Fatalf("%d with %s", rec.Code, rec.Body)
			}
		default:
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body)
		}
	})
}

// BenchmarkBUDEndpoint is one POST /api/v1/bud through the whole stack:
// auth, decoding, the rule version lookup in PostgreSQL and the engine.
func BenchmarkBUDEndpoint(b *testing.B) {
	s := newBUDServer(b, nil)
	b.ReportAllocs()
	for b.Loop() {
		if rec := s.do(auth.Technician, "POST", "/api/v1/bud", contractExample); rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

// Any rule table body gives 201 or a 4xx envelope naming a field; never a
// server error, and never a stored version that does not validate.
func FuzzBUDRulesEndpoint(f *testing.F) {
	future := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second)
	for _, seed := range []string{
		rulesBody(f, "fuzz-a", future, "5 days"), rulesBody(f, "fuzz-b", time.Time{}, "0 h"),
		rulesBody(f, "fuzz-c", future.Add(time.Hour), "ten days"), `{}`, `{"version":"x"}`, `null`,
	} {
		f.Add(seed)
	}
	s := newBUDServer(f, nil)
	f.Fuzz(func(t *testing.T, body string) {
		rec := s.do(auth.Admin, "POST", "/api/v1/bud/rules", body)
		switch rec.Code {
		case http.StatusCreated:
			var v struct {
				Rules json.RawMessage `json:"rules"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
				t.Fatal(err)
			}
			if _, err := bud.ParseRules(v.Rules); err != nil {
				t.Fatalf("stored an invalid table: %v\n%s", err, rec.Body)
			}
		case http.StatusBadRequest, http.StatusConflict, http.StatusRequestEntityTooLarge:
			var env struct {
				Error struct{ Code, Message, Field string }
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || env.Error.Code == "" || env.Error.Message == "" {
				t.Fatalf("%d with %s", rec.Code, rec.Body)
			}
			if env.Error.Field == "" && rec.Code != http.StatusRequestEntityTooLarge {
				t.Fatalf("%d names no field: %s", rec.Code, rec.Body)
			}
		default:
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body)
		}
	})
}
