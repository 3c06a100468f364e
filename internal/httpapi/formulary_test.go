package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/lib/pq"

	"github.com/laminar-rx/laminar/formulary"
	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/config"
	"github.com/laminar-rx/laminar/internal/httpapi"
	"github.com/laminar-rx/laminar/internal/seed"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/testdb"
)

// fmAuth is a test Authenticator: token → principal.
type fmAuth map[string]*auth.Principal

func (f fmAuth) Authenticate(_ context.Context, tok string) (*auth.Principal, error) {
	return f[tok], nil
}

// fmServer is a server over the demo formulary with one user per role;
// each role's token is its name.
type fmServer struct {
	e     *echo.Echo
	st    *store.Store
	users map[auth.Role]int64
}

func newFormularyServer(t *testing.T) *fmServer {
	t.Helper()
	st := testdb.New(t)
	df, err := seed.LoadDemoFormulary()
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SeedFormulary(context.Background(), df.Products, df.Stability); err != nil {
		t.Fatal(err)
	}
	s := &fmServer{st: st, users: map[auth.Role]int64{}}
	authn := fmAuth{}
	for _, r := range auth.AllRoles {
		var id int64
		if err := st.DB.Get(&id, `INSERT INTO users (username, roles) VALUES ($1, $2) RETURNING id`,
			"fm_"+string(r), pq.Array([]string{string(r)})); err != nil {
			t.Fatal(err)
		}
		s.users[r] = id
		authn[string(r)] = &auth.Principal{UserID: id, Username: "fm_" + string(r), Roles: []auth.Role{r}}
	}
	cfg, err := config.Load(func(k string) string {
		if k == "LAMINAR_TZ" {
			return "America/Chicago"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 24, 15, 0, 0, 0, time.UTC)
	s.e = httpapi.New(&httpapi.API{Store: st, Config: cfg, Auth: authn, Now: func() time.Time { return now },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	return s
}

func (s *fmServer) do(token, method, path, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	s.e.ServeHTTP(rec, req)
	return rec
}

func fmJSON(t *testing.T, rec *httptest.ResponseRecorder, v any) {
	t.Helper()
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		t.Fatalf("body %q: %v", rec.Body.String(), err)
	}
}

type fmList struct {
	Items []map[string]any `json:"items"`
}

func TestProductsSearchAPI(t *testing.T) {
	s := newFormularyServer(t)
	tests := []struct {
		name, token, q string
		status, n      int
		firstNDC       string
	}{
		{"name, any role", "technician", "gentamicin", 200, 2, ""},
		{"tall man", "pharmacist", "CISplatin", 200, 1, "25021-253-50"},
		{"billing NDC", "interface", "00409120703", 200, 1, "0409-1207-03"},
		{"unit GTIN", "safety_officer", "00304091207134", 200, 1, "0409-1207-03"},
		{"nothing", "technician", "zzz", 200, 0, ""},
		{"bad GTIN", "technician", "00304091207135", 400, 0, ""},
		{"not logged in", "", "gentamicin", 401, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := s.do(tc.token, "GET", "/api/v1/products?q="+tc.q, "")
			if rec.Code != tc.status {
				t.Fatalf("status %d %s", rec.Code, rec.Body)
			}
			if tc.status != 200 {
				if env := decode(t, rec); tc.status == 400 && env.Error.Field != "q" {
					t.Fatalf("error %+v", env)
				}
				return
			}
			var l fmList
			fmJSON(t, rec, &l)
			if len(l.Items) != tc.n {
				t.Fatalf("%d items: %s", len(l.Items), rec.Body)
			}
			for _, it := range l.Items {
				for _, k := range []string{"id", "drug", "strength", "gtin", "ndc", "container", "hazardous"} {
					if _, ok := it[k]; !ok {
						t.Fatalf("item lacks %q: %v", k, it)
					}
				}
			}
			if tc.firstNDC != "" && l.Items[0]["ndc"] != tc.firstNDC {
				t.Fatalf("first item %v", l.Items[0])
			}
		})
	}
	t.Run("hazard and strength as strings", func(t *testing.T) {
		var l fmList
		fmJSON(t, s.do("technician", "GET", "/api/v1/products?q=cisplatin", ""), &l)
		it := l.Items[0]
		if it["hazardous"] != true || it["niosh_table"] != "niosh_table1" || it["strength"] != "1 mg/mL" || it["display_name"] != "CISplatin" {
			t.Fatalf("item %v", it)
		}
	})
	t.Run("limit and include_inactive", func(t *testing.T) {
		var l fmList
		fmJSON(t, s.do("technician", "GET", "/api/v1/products?limit=3", ""), &l)
		if len(l.Items) != 3 {
			t.Fatalf("%d items", len(l.Items))
		}
		if rec := s.do("technician", "GET", "/api/v1/products?limit=0", ""); rec.Code != 400 || decode(t, rec).Error.Field != "limit" {
			t.Fatalf("limit 0: %d %s", rec.Code, rec.Body)
		}
		if rec := s.do("technician", "GET", "/api/v1/products?include_inactive=true", ""); rec.Code != 403 {
			t.Fatalf("technician listing withdrawn products: %d", rec.Code)
		}
		if rec := s.do("pharmacist", "GET", "/api/v1/products?include_inactive=true&limit=500", ""); rec.Code != 200 {
			t.Fatalf("pharmacist: %d %s", rec.Code, rec.Body)
		}
	})
}

func productID(t *testing.T, s *fmServer, ndc string) int64 {
	t.Helper()
	q, err := formulary.ParseQuery(ndc)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := s.st.SearchProducts(context.Background(), q, store.ProductFilter{})
	if err != nil || len(ps) != 1 {
		t.Fatalf("product %s: %v %v", ndc, ps, err)
	}
	return ps[0].ID
}

func TestProductByIDAPI(t *testing.T) {
	s := newFormularyServer(t)
	id := productID(t, s, "60505-6243-4")
	rec := s.do("technician", "GET", "/api/v1/products/"+itoa(id), "")
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	var v formulary.ProductView
	fmJSON(t, rec, &v)
	if v.ID != id || v.Drug != "cefazolin" || len(v.Codes) != 2 || len(v.Reconstitution) != 1 || v.Reconstitution[0].Displacement != "0.5 mL" {
		t.Fatalf("view %+v", v)
	}
	for path, status := range map[string]int{"/api/v1/products/999999": 404, "/api/v1/products/abc": 400} {
		if rec := s.do("technician", "GET", path, ""); rec.Code != status {
			t.Fatalf("%s: %d", path, rec.Code)
		}
	}
	rec = s.do("technician", "GET", "/api/v1/products/"+itoa(id)+"/stability", "")
	var st fmList
	fmJSON(t, rec, &st)
	if rec.Code != 200 || len(st.Items) == 0 || st.Items[0]["drug"] != "cefazolin" {
		t.Fatalf("stability %d %s", rec.Code, rec.Body)
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

const kclBody = `{"drug": "potassium chloride", "package_ndc": "0409-6653-01", "unit_ndcs": ["0409-6653-11"],
 "labeler": "Hospira, Inc.", "dosage_form": "injection, solution, concentrate", "strength": "2 mEq/mL",
 "volume": "20 mL", "container": "single_dose"}`

func TestProductAdminAPI(t *testing.T) {
	s := newFormularyServer(t)
	t.Run("roles", func(t *testing.T) {
		for _, r := range []string{"technician", "pharmacist", "safety_officer", "interface"} {
			if rec := s.do(r, "POST", "/api/v1/products", kclBody); rec.Code != 403 {
				t.Fatalf("%s creating a product: %d", r, rec.Code)
			}
		}
	})
	rec := s.do("admin", "POST", "/api/v1/products", kclBody)
	if rec.Code != 201 {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	var created formulary.ProductView
	fmJSON(t, rec, &created)
	if created.Strength != "2 mEq/mL" || created.AmountPerContainer != "40 mEq" || created.Source != "curated" || created.SpecificGravity != nil {
		t.Fatalf("created %+v", created)
	}
	var actor int64
	if err := s.st.DB.Get(&actor, `SELECT actor_id FROM audit_events WHERE type = $1`, store.AuditProductCreated); err != nil || actor != s.users[auth.Admin] {
		t.Fatalf("audit actor %d, %v", actor, err)
	}
	bad := []struct {
		name, body, field, code string
	}{
		{"missing container", strings.Replace(kclBody, `"container": "single_dose"`, `"container": ""`, 1), "container", "invalid"},
		{"unknown container", strings.Replace(kclBody, `"single_dose"`, `"syringe"`, 1), "container", "invalid"},
		{"missing drug", strings.Replace(kclBody, `"potassium chloride"`, `""`, 1), "drug", "invalid"},
		{"bad unit NDC", strings.Replace(kclBody, `"0409-6653-11"`, `"x"`, 1), "unit_ndcs[0]", "invalid"},
		{"unknown field", strings.Replace(kclBody, `"drug"`, `"drugs"`, 1), "drugs", "unknown_field"},
		{"a number for a quantity", strings.Replace(kclBody, `"20 mL"`, `20`, 1), "volume", "wrong_type"},
		{"not JSON", `{"drug": `, "body", "malformed_json"},
		{"empty", ``, "body", "malformed_json"},
		{"concentration on a powder", strings.Replace(kclBody, `"injection, solution, concentrate"`, `"injection, powder, for solution"`, 1), "strength", "invalid"},
		{"taken NDC", strings.Replace(kclBody, `"0409-6653-11"`, `"0409-1207-13"`, 1), "unit_ndcs[0]", "ndc_taken"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			body := strings.Replace(tc.body, `"0409-6653-01"`, `"0409-6653-02"`, 1)
			rec := s.do("admin", "POST", "/api/v1/products", body)
			env := decode(t, rec)
			if rec.Code/100 != 4 || env.Error.Field != tc.field || env.Error.Code != tc.code || env.Error.Message == "" {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
		})
	}
	t.Run("update", func(t *testing.T) {
		body := strings.Replace(kclBody, `"20 mL"`, `"10 mL"`, 1)
		rec := s.do("admin", "PUT", "/api/v1/products/"+itoa(created.ID), body)
		if rec.Code != 200 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		var v formulary.ProductView
		fmJSON(t, rec, &v)
		if v.Volume != "10 mL" || v.ID != created.ID {
			t.Fatalf("updated %+v", v)
		}
		if rec := s.do("admin", "PUT", "/api/v1/products/999999", body); rec.Code != 404 {
			t.Fatalf("missing product: %d", rec.Code)
		}
		if rec := s.do("pharmacist", "PUT", "/api/v1/products/"+itoa(created.ID), body); rec.Code != 403 {
			t.Fatalf("pharmacist update: %d", rec.Code)
		}
	})
}

func TestLotAPI(t *testing.T) {
	s := newFormularyServer(t)
	id := productID(t, s, "0409-1207-03")
	path := "/api/v1/products/" + itoa(id) + "/lots"
	if rec := s.do("technician", "POST", path, `{"lot":"A1","status":"recalled","reason":"x"}`); rec.Code != 403 {
		t.Fatalf("technician recall: %d", rec.Code)
	}
	rec := s.do("admin", "POST", path, `{"lot":"RC1","status":"recalled","reason":"FDA recall Z-0042-2026"}`)
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	var lot map[string]any
	fmJSON(t, rec, &lot)
	if lot["status"] != "recalled" || lot["lot"] != "RC1" || lot["changed_by"] != float64(s.users[auth.Admin]) {
		t.Fatalf("lot %v", lot)
	}
	for _, tc := range []struct{ body, field string }{
		{`{"lot":"RC2","status":"quarantined"}`, "reason"},
		{`{"lot":"RC2","status":"lost","reason":"x"}`, "status"},
		{`{"lot":"","status":"ok"}`, "lot"},
		{`{"lot":"123456789012345678901","status":"ok"}`, "lot"},
	} {
		if rec := s.do("admin", "POST", path, tc.body); rec.Code != 400 || decode(t, rec).Error.Field != tc.field {
			t.Fatalf("%s: %d %s", tc.body, rec.Code, rec.Body)
		}
	}
	if rec := s.do("admin", "POST", "/api/v1/products/999999/lots", `{"lot":"A","status":"ok"}`); rec.Code != 404 {
		t.Fatalf("missing product: %d", rec.Code)
	}
	var l fmList
	fmJSON(t, s.do("technician", "GET", path, ""), &l)
	if len(l.Items) != 1 || l.Items[0]["reason"] != "FDA recall Z-0042-2026" {
		t.Fatalf("lots %v", l.Items)
	}
	var n int
	if err := s.st.DB.Get(&n, `SELECT count(*) FROM audit_events WHERE type = $1`, store.AuditLotStatusChanged); err != nil || n != 1 {
		t.Fatalf("%d lot audit events, %v", n, err)
	}
}
