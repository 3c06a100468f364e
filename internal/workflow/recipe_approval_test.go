package workflow_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

// newCefazolinVersion posts a copy of the demo cefazolin recipe, with 4.5 mL
// of diluent per vial instead of 2.5 mL, as user, and returns its id and
// status.
func (h *harness) newCefazolinVersion(user string) (id int64, status string) {
	h.t.Helper()
	var list struct {
		Items []map[string]any `json:"items"`
	}
	h.must(http.StatusOK, "tech1", "GET", "/api/v1/recipes?drug=cefazolin&current=true", nil).json(h.t, &list)
	if len(list.Items) != 1 {
		h.t.Fatalf("current cefazolin recipes: %d", len(list.Items))
	}
	rcp := list.Items[0]
	for _, k := range []string{"id", "version", "created_at", "created_by", "status", "approved_by", "approved_at"} {
		delete(rcp, k)
	}
	rcp["name"] = "ceFAZolin IVPB, more diluent"
	rcp["reconstitution"].(map[string]any)["diluent_volume"] = "4.5 mL"
	var v struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
	}
	h.must(http.StatusCreated, user, "POST", "/api/v1/recipes", rcp).json(h.t, &v)
	return v.ID, v.Status
}

// Attack: an order placed while the newest version of its recipe is a
// draft must follow the previous approved version, not the draft.
func TestRecipeDraftIsNotUsedByOrders(t *testing.T) {
	h := newHarness(t)
	id, status := h.newCefazolinVersion("admin1")
	if status != "draft" {
		t.Fatalf("a new recipe version is %q, want draft", status)
	}
	before := h.order(cefazolinOrder(time.Now().Add(time.Hour)))
	if got := h.prep(before).Quantities["reconstituted_volume"].Value; got != "3 mL" {
		t.Fatalf("an order placed while the newest version is a draft followed the draft: reconstituted volume %s, want 3 mL", got)
	}
	var current struct {
		Items []struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
		} `json:"items"`
	}
	h.must(http.StatusOK, "tech1", "GET", "/api/v1/recipes?drug=cefazolin&current=true", nil).json(t, &current)
	if len(current.Items) != 1 || current.Items[0].ID == id || current.Items[0].Status != "approved" {
		t.Fatalf("the recipe in force is not the approved one: %+v", current.Items)
	}

	h.must(http.StatusOK, "pharm1", "POST", fmt.Sprintf("/api/v1/recipes/%d/approve", id), map[string]any{"password": "demo-pharm1"})
	after := h.order(cefazolinOrder(time.Now().Add(time.Hour)))
	if got := h.prep(after).Quantities["reconstituted_volume"].Value; got != "5 mL" {
		t.Errorf("after approval the new order did not follow the new version: %s", got)
	}
	if got := h.prep(before).Quantities["reconstituted_volume"].Value; got != "3 mL" {
		t.Errorf("approval changed an existing worksheet: %s", got)
	}
	var n int
	if err := h.st.DB.Get(&n, `SELECT count(*) FROM audit_events WHERE type = 'recipe.approved' AND payload->>'recipe_id' = $1`, fmt.Sprint(id)); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d recipe.approved events, want 1", n)
	}
}

// Attack: the author of a version cannot approve it, nor can anyone who is
// not a pharmacist, nor anyone without re-entering their password.
func TestRecipeApprovalRefusals(t *testing.T) {
	h := newHarness(t)
	id, _ := h.newCefazolinVersion("pharm1")
	approve := fmt.Sprintf("/api/v1/recipes/%d/approve", id)
	for _, tc := range []struct {
		name, user string
		body       map[string]any
		status     int
		code       string
	}{
		{"author", "pharm1", map[string]any{"password": "demo-pharm1"}, 403, "own_recipe"},
		{"admin", "admin1", map[string]any{"password": "demo-admin1"}, 403, "forbidden"},
		{"technician", "tech1", map[string]any{"password": "demo-tech1"}, 403, "forbidden"},
		{"no password", "pharm2", map[string]any{}, 400, "invalid"},
		{"wrong password", "pharm2", map[string]any{"password": "demo-pharm1"}, 403, "reauth_failed"},
		{"unknown field", "pharm2", map[string]any{"password": "demo-pharm2", "approved": true}, 400, "unknown_field"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := h.call(tc.user, "POST", approve, tc.body)
			if r.Status != tc.status || r.code() != tc.code {
				t.Fatalf("status %d code %q, want %d %q: %s", r.Status, r.code(), tc.status, tc.code, r.Body)
			}
		})
	}
	var status string
	if err := h.st.DB.Get(&status, `SELECT status FROM recipes WHERE id = $1`, id); err != nil || status != "draft" {
		t.Fatalf("after the refusals the version is %q (%v), want draft", status, err)
	}
	var v struct {
		Status     string `json:"status"`
		ApprovedBy int64  `json:"approved_by"`
	}
	h.must(http.StatusOK, "pharm2", "POST", approve, map[string]any{"password": "demo-pharm2"}).json(t, &v)
	if v.Status != "approved" || v.ApprovedBy != h.users["pharm2"] {
		t.Fatalf("approved: %+v", v)
	}
	if r := h.call("pharm2", "POST", approve, map[string]any{"password": "demo-pharm2"}); r.Status != 409 || r.code() != "wrong_state" {
		t.Fatalf("approving twice: %d %s", r.Status, r.Body)
	}
	if r := h.call("pharm2", "POST", "/api/v1/recipes/999999/approve", map[string]any{"password": "demo-pharm2"}); r.Status != 404 {
		t.Fatalf("approving a missing version: %d %s", r.Status, r.Body)
	}
}
