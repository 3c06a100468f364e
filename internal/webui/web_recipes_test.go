package webui_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/laminar-rx/laminar/internal/auth"
)

// newDraft posts a copy of the cefazolin recipe as user over the API and
// returns the new version's id.
func newDraft(t *testing.T, e http.Handler, tok string) int64 {
	t.Helper()
	call := func(method, path, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		return rec
	}
	var list struct {
		Items []map[string]any `json:"items"`
	}
	json.Unmarshal(call("GET", "/api/v1/recipes?drug=cefazolin&current=true", "").Body.Bytes(), &list)
	r := list.Items[0]
	for _, k := range []string{"id", "version", "created_at", "created_by", "status", "approved_by", "approved_at"} {
		delete(r, k)
	}
	r["max_dose"] = "2 g"
	b, _ := json.Marshal(r)
	rec := call("POST", "/api/v1/recipes", string(b))
	if rec.Code != 201 {
		t.Fatalf("new version = %d %s", rec.Code, rec.Body)
	}
	var v struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
	}
	json.Unmarshal(rec.Body.Bytes(), &v)
	if v.Status != "draft" {
		t.Fatalf("a new version is %q", v.Status)
	}
	return v.ID
}

// Attack on the screen: the author of a version cannot approve it, nor an
// admin, nor a pharmacist with a wrong password; another pharmacist can.
func TestRecipeApprovalScreen(t *testing.T) {
	e, _ := webServer(t)
	author := session(t, e, "pharm1")
	id := newDraft(t, e, author)
	approve := fmt.Sprintf("/admin/recipes/%d/approve", id)
	form := func(tok, password string) url.Values {
		return url.Values{"csrf_token": {auth.CSRFToken(tok)}, "password": {password}}
	}
	page := browse(e, "GET", fmt.Sprintf("/admin/recipes/%d", id), author, nil).Body.String()
	if strings.Contains(page, `action="`+approve+`"`) || !strings.Contains(page, "another pharmacist must check and approve it") {
		t.Fatalf("the author is offered the approval:\n%.3000s", page)
	}
	if rec := browse(e, "POST", approve, author, form(author, "demo-pharm1")); rec.Code != 403 || !strings.Contains(rec.Body.String(), "another pharmacist") {
		t.Fatalf("the author approving = %d\n%s", rec.Code, rec.Body.String()[max(0, rec.Body.Len()-1500):])
	}
	admin := session(t, e, "admin1")
	if rec := browse(e, "POST", approve, admin, form(admin, "demo-admin1")); rec.Code != 403 {
		t.Fatalf("an admin approving = %d", rec.Code)
	}
	other := session(t, e, "pharm2")
	if !strings.Contains(browse(e, "GET", fmt.Sprintf("/admin/recipes/%d", id), other, nil).Body.String(), `action="`+approve+`"`) {
		t.Fatal("another pharmacist is not offered the approval")
	}
	if rec := browse(e, "POST", approve, other, form(other, "not-my-password")); rec.Code != 403 || !strings.Contains(rec.Body.String(), "Not approved") {
		t.Fatalf("a wrong password = %d\n%.2000s", rec.Code, rec.Body)
	}
	if rec := browse(e, "POST", approve, other, form(other, "demo-pharm2")); rec.Code != 303 {
		t.Fatalf("approval = %d\n%.2000s", rec.Code, rec.Body)
	}
	list := browse(e, "GET", "/admin/recipes", other, nil).Body.String()
	if !strings.Contains(list, "Approved, replaced by a newer version") || strings.Contains(list, "Draft: waiting") {
		t.Fatalf("the list after approval:\n%.4000s", list)
	}
}

// The editor's form loop: what cannot be read, and what validation
// refuses, comes back beside its field with the value as typed; a preview
// without a dose says so beside the test dose.
func TestRecipeEditorFormLoop(t *testing.T) {
	e, _ := webServer(t)
	tok := session(t, e, "admin1")
	form := url.Values{"csrf_token": {auth.CSRFToken(tok)}, "drug": {"ondansetron"}, "name": {"ondansetron IV"},
		"products[0].product_id": {"12a"}, "category": {"2"}, "method": {"aseptic"}, "starting_components": {"sterile"},
		"storage": {"room"}, "action": {"save"}}
	rec := browse(e, "POST", "/admin/recipes/new", tok, form)
	body := rec.Body.String()
	if rec.Code != 400 || !strings.Contains(body, `id="e-products[0].product_id"`) || !strings.Contains(body, `value="12a"`) {
		t.Fatalf("an unreadable product number = %d\n%.3000s", rec.Code, body)
	}
	form.Set("products[0].product_id", "")
	form.Set("products[0].drug", "ondansetron")
	form.Set("stability_limit", "ten days")
	rec = browse(e, "POST", "/admin/recipes/new", tok, form)
	body = rec.Body.String()
	for _, id := range []string{`id="e-steps"`, `id="e-stability_limit"`} {
		if !strings.Contains(body, id) {
			t.Errorf("no error %s:\n%.4000s", id, body)
		}
	}
	if rec.Code != 400 {
		t.Fatalf("= %d", rec.Code)
	}
	for _, m := range regexp.MustCompile(`<span class="error" id="e-[^"]+">([^<]*)</span>`).FindAllStringSubmatch(body, -1) {
		if regexp.MustCompile(`\b[a-z]+_[a-z_]+\b`).MatchString(m[1]) {
			t.Errorf("an error in codes, not words: %q", m[1])
		}
	}
	form.Set("stability_limit", "")
	form.Set("steps[0].kind", "scan_vial")
	form.Set("steps[0].id", "scan-vial")
	form.Set("action", "preview")
	rec = browse(e, "POST", "/admin/recipes/new", tok, form)
	if body = rec.Body.String(); !strings.Contains(body, `id="e-test.dose"`) || !strings.Contains(body, "No worksheet") {
		t.Fatalf("a preview without a dose = %d\n%.4000s", rec.Code, body)
	}
}
