package workflow_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/config"
	"github.com/laminar-rx/laminar/internal/httpapi"
	"github.com/laminar-rx/laminar/internal/seed"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// demoUsers are the demo accounts with their roles.
var demoUsers = map[string][]auth.Role{
	"tech1": {auth.Technician}, "tech2": {auth.Technician},
	"pharm1": {auth.Pharmacist}, "pharm2": {auth.Pharmacist},
	"safety1": {auth.SafetyOfficer}, "admin1": {auth.Admin}, "ehr": {auth.Interface},
}

// fakeAuth maps a bearer token (the username) to its principal and checks
// re-entered passwords as demo-<username>, so the workflow is tested with
// real users in the database but without the login machinery.
type fakeAuth struct {
	mu    sync.Mutex
	users map[string]*auth.Principal
	byID  map[int64]string
}

func (f *fakeAuth) Authenticate(_ context.Context, token string) (*auth.Principal, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.users[token], nil
}

func (f *fakeAuth) ReauthPassword(_ context.Context, p *auth.Principal, secret string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if secret != "demo-"+f.byID[p.UserID] {
		return &apperr.Error{Kind: apperr.Forbidden, Code: "reauth_failed", Field: "password", Message: "the password or PIN is wrong"}
	}
	return nil
}

type harness struct {
	// skew moves the server's clock forward (in-use limits, expiry).
	mu    sync.Mutex
	skew  time.Duration
	t     testing.TB
	st    *store.Store
	srv   *httptest.Server
	auth  *fakeAuth
	users map[string]int64
}

const demoTemplate = "wf_demo_template"

var (
	demoOnce sync.Once
	demoErr  error
	demoSeq  atomic.Int64
)

// seedDemo seeds the demo data (and any demo user the seed does not make)
// into st.
func seedDemo(ctx context.Context, st *store.Store) error {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if _, err := seed.Demo(ctx, st, log, time.Now()); err != nil {
		return fmt.Errorf("seed demo: %w", err)
	}
	for name, roles := range demoUsers {
		if _, err := st.UserIDByName(ctx, name); err == nil {
			continue
		}
		rs := make([]string, len(roles))
		for i, r := range roles {
			rs[i] = string(r)
		}
		if _, err := st.CreateUser(ctx, store.NewUser{Username: name, Roles: rs}, store.Change{At: time.Now()}); err != nil {
			return fmt.Errorf("create user %s: %w", name, err)
		}
	}
	return nil
}

// demoStore returns a store on a fresh copy of a database seeded once per
// test binary with the demo data: seeding takes seconds, copying does not.
func demoStore(t testing.TB) (*store.Store, string) {
	t.Helper()
	c := testdb.Cluster(t)
	ctx := context.Background()
	demoOnce.Do(func() {
		admin, err := sql.Open("postgres", c.DSN("postgres"))
		if err != nil {
			demoErr = err
			return
		}
		defer admin.Close()
		if _, err := admin.Exec(`CREATE DATABASE ` + demoTemplate + ` TEMPLATE laminar_template`); err != nil {
			demoErr = err
			return
		}
		st, err := store.Open(ctx, c.DSN(demoTemplate))
		if err != nil {
			demoErr = err
			return
		}
		defer st.Close()
		demoErr = seedDemo(ctx, st)
	})
	if demoErr != nil {
		t.Fatalf("demo template: %v", demoErr)
	}
	name := fmt.Sprintf("wf%d_%d", os.Getpid(), demoSeq.Add(1))
	admin, err := sql.Open("postgres", c.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE DATABASE ` + name + ` TEMPLATE ` + demoTemplate); err != nil {
		t.Fatalf("copy the demo database: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("postgres", c.DSN("postgres"))
		if err == nil {
			_, _ = a.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
			a.Close()
		}
	})
	st, err := store.Open(ctx, c.DSN(name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, c.DSN(name)
}

// newHarness starts the API on a fresh copy of the demo database.
func newHarness(t testing.TB) *harness {
	t.Helper()
	st, _ := demoStore(t)
	return newHarnessOn(t, st)
}

func newHarnessOn(t testing.TB, st *store.Store) *harness {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	fa := &fakeAuth{users: map[string]*auth.Principal{}, byID: map[int64]string{}}
	h := &harness{t: t, st: st, auth: fa, users: map[string]int64{}}
	for name, roles := range demoUsers {
		id, err := st.UserIDByName(ctx, name)
		if err != nil {
			t.Fatalf("demo user %s: %v", name, err)
		}
		h.users[name] = id
		fa.users[name] = &auth.Principal{UserID: id, Username: name, Roles: roles}
		fa.byID[id] = name
	}
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	api := &httpapi.API{Store: st, Config: cfg, Log: log, Auth: fa, Now: h.now}
	h.srv = httptest.NewServer(httpapi.New(api))
	t.Cleanup(h.srv.Close)
	return h
}

// now is the server's clock: real time moved by skew.
func (h *harness) now() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return time.Now().Add(h.skew)
}

// advance moves the server's clock forward.
func (h *harness) advance(d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.skew += d
}

// resp is an HTTP answer.
type resp struct {
	Status int
	Body   []byte
	Header http.Header
}

func (r resp) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

func (r resp) code() string {
	var e struct {
		Error struct{ Code, Field string } `json:"error"`
	}
	_ = json.Unmarshal(r.Body, &e)
	return e.Error.Code
}

func (r resp) field() string {
	var e struct {
		Error struct{ Code, Field string } `json:"error"`
	}
	_ = json.Unmarshal(r.Body, &e)
	return e.Error.Field
}

// call sends a request as user (a bearer token) with an optional body: a
// string is sent as is, anything else as JSON.
func (h *harness) call(user, method, path string, body any, headers ...string) resp {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, h.srv.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+user)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{Status: res.StatusCode, Body: b, Header: res.Header}
}

// must calls and requires the status.
func (h *harness) must(status int, user, method, path string, body any, headers ...string) resp {
	h.t.Helper()
	r := h.call(user, method, path, body, headers...)
	if r.Status != status {
		h.t.Fatalf("%s %s as %s: status %d, want %d: %s", method, path, user, r.Status, status, r.Body)
	}
	return r
}

// order places an order as pharm1 and returns its preparation ID.
func (h *harness) order(body map[string]any) int64 {
	h.t.Helper()
	r := h.must(http.StatusCreated, "pharm1", "POST", "/api/v1/orders", body)
	var out struct {
		ID            int64 `json:"id"`
		PreparationID int64 `json:"preparation_id"`
	}
	r.json(h.t, &out)
	if out.ID == 0 || out.PreparationID == 0 {
		h.t.Fatalf("order answer without ids: %s", r.Body)
	}
	return out.PreparationID
}

// worksheet is the part of GET /preparations/:id the tests read.
type worksheet struct {
	ID         int64  `json:"id"`
	Status     string `json:"status"`
	Drug       string `json:"drug"`
	Quantities map[string]struct {
		Value, Display, Exact string
		Steps                 []string
	} `json:"quantities"`
	Steps []struct {
		ID      string `json:"id"`
		Kind    string `json:"kind"`
		Of      string `json:"of"`
		Done    bool   `json:"done"`
		State   string `json:"state"`
		Expects struct {
			ProductIDs     []int64 `json:"product_ids"`
			Count          int     `json:"count"`
			ExpectedWeight string  `json:"expected_weight"`
			Volume         string  `json:"volume"`
		} `json:"expects"`
	} `json:"steps"`
	AllowedProducts []struct {
		ID   int64  `json:"id"`
		GTIN string `json:"gtin"`
	} `json:"allowed_products"`
	AllowedDiluents []struct {
		ID   int64  `json:"id"`
		GTIN string `json:"gtin"`
	} `json:"allowed_diluents"`
	BUD *struct {
		BUD       string `json:"bud"`
		LimitedBy string `json:"limited_by"`
		Reason    string `json:"reason"`
	} `json:"bud"`
	Gravimetric []string `json:"gravimetric"`
	Hazardous   bool     `json:"hazardous"`
	Scans       []struct {
		ID       int64  `json:"id"`
		Accepted bool   `json:"accepted"`
		Code     string `json:"code"`
	} `json:"scans"`
	Weights []struct {
		Pass bool `json:"pass"`
	} `json:"weights"`
	LabelSeq int `json:"label_seq"`
}

func (h *harness) prep(id int64) worksheet {
	h.t.Helper()
	var w worksheet
	h.must(http.StatusOK, "pharm1", "GET", fmt.Sprintf("/api/v1/preparations/%d", id), nil).json(h.t, &w)
	return w
}

// gs1 builds the bracketed GS1 element string a scanner (or a person) sends.
func gs1(gtin string, expiry time.Time, lot, serial string) string {
	s := "(01)" + gtin + "(17)" + expiry.Format("060102") + "(10)" + lot
	if serial != "" {
		s += "(21)" + serial
	}
	return s
}

// gtinOfNDC finds a formulary product's GTIN by package NDC.
func (h *harness) productByNDC(ndc string) (id int64, gtin string) {
	h.t.Helper()
	var row struct {
		ID   int64  `db:"id"`
		GTIN string `db:"gtin"`
	}
	err := h.st.DB.Get(&row, `SELECT p.id, coalesce((SELECT c.gtin14 FROM product_codes c WHERE c.product_id = p.id
		ORDER BY (c.kind = 'unit') DESC, c.id LIMIT 1), '') AS gtin FROM products p WHERE p.package_ndc = $1`, ndc)
	if err != nil {
		h.t.Fatalf("product %s: %v", ndc, err)
	}
	return row.ID, row.GTIN
}

func path(id int64, rest string) string { return fmt.Sprintf("/api/v1/preparations/%d%s", id, rest) }
