package workflow_test

import (
	"fmt"
	"net/http"
	"testing"
)

// TestHighAlertNeedsTwoPharmacists: potassium chloride is a high-alert
// medication and the demo site requires an independent double check. The
// first approval leaves it awaiting its second check (listed as such for
// the pharmacists, not releasable); the same pharmacist approving twice is
// refused (403), as is anyone who made it; a second pharmacist verifies it.
func TestHighAlertNeedsTwoPharmacists(t *testing.T) {
	h := newHarness(t)
	h.addDualRoleUser("pt")
	id := h.order(simpleOrder("potassium chloride", "20 mEq", "sodium chloride 0.9%", "100 mL"))
	h.must(http.StatusOK, "pt", "POST", path(id, "/claim"), nil)
	h.must(http.StatusOK, "pt", "POST", path(id, "/release-claim"), nil)
	h.prepare(id, "tech1")

	var out struct{ Status string }
	h.must(http.StatusOK, "pharm1", "POST", path(id, "/verify"), approveAs("pharm1")).json(t, &out)
	if out.Status != "awaiting_second_check" {
		t.Fatalf("after the first approval: %s, want awaiting_second_check", out.Status)
	}
	// The attack: the same pharmacist approves again.
	if r := h.call("pharm1", "POST", path(id, "/verify"), approveAs("pharm1")); r.Status != http.StatusForbidden || r.code() != "double_check_not_independent" {
		t.Fatalf("second approval by the first checker: %d %s; want 403", r.Status, r.Body)
	}
	if r := h.call("pt", "POST", path(id, "/verify"), approveAs("pt")); r.Status != http.StatusForbidden || r.code() != "self_verification" {
		t.Fatalf("second check by one who claimed it: %d %s; want 403", r.Status, r.Body)
	}
	if r := h.call("tech1", "POST", path(id, "/release"), map[string]any{"label_data": fmt.Sprintf("LMN-P%d-L1", id)}); r.Status != http.StatusConflict || r.code() != "wrong_state" {
		t.Fatalf("release after one check: %d %s", r.Status, r.Body)
	}
	var list struct {
		Items []struct {
			PreparationID int64  `json:"preparation_id"`
			Status        string `json:"status"`
			FirstCheckBy  int64  `json:"first_check_by"`
		} `json:"items"`
	}
	h.must(http.StatusOK, "pharm2", "GET", "/api/v1/verifications", nil).json(t, &list)
	found := false
	for _, it := range list.Items {
		if it.PreparationID == id {
			found = it.Status == "awaiting_second_check" && it.FirstCheckBy == h.users["pharm1"]
		}
	}
	if !found {
		t.Fatalf("the verification queue does not show it waiting for its second check: %+v", list.Items)
	}

	h.must(http.StatusOK, "pharm2", "POST", path(id, "/verify"), approveAs("pharm2")).json(t, &out)
	if out.Status != "verified" {
		t.Fatalf("after the second approval: %s", out.Status)
	}
	var checks []string
	if err := h.st.DB.Select(&checks, `SELECT type FROM audit_events WHERE preparation_id = $1
		AND type IN ('preparation.first_check', 'preparation.verified') ORDER BY id`, id); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(checks) != "[preparation.first_check preparation.verified]" {
		t.Fatalf("the log has %v", checks)
	}
}
