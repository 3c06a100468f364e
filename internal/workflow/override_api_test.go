package workflow_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/laminar-rx/laminar/internal/workflow"
)

// KCl 40 mEq in 120 mL over 30 min (80 mEq/h) was accepted silently. Now
// the order is created, its preparation waits in needs_pharmacist_override
// (listed in the queue), a claim is refused with that code until a
// pharmacist overrides with a reason and the password, and the override is
// in the log and on the preparation.
func TestOutOfRangeOrderNeedsPharmacistOverride(t *testing.T) {
	h := newHarness(t)
	o := simpleOrder("potassium chloride", "40 mEq", "sodium chloride 0.9%", "100 mL")
	o["infuse_over"] = "30 min"
	id := h.order(o)

	var ws struct {
		Status    string `json:"status"`
		HighAlert *struct {
			Category string `json:"category"`
		} `json:"high_alert"`
		Holds []struct {
			Code, Message, Source string
		} `json:"holds"`
	}
	h.must(http.StatusOK, "pharm1", "GET", path(id, ""), nil).json(t, &ws)
	if ws.Status != string(workflow.StatusNeedsOverride) || len(ws.Holds) != 1 || !strings.Contains(ws.Holds[0].Message, "80 mEq/h") {
		t.Fatalf("worksheet %+v", ws)
	}
	if ws.HighAlert == nil || ws.HighAlert.Category != "concentrated electrolytes" {
		t.Errorf("high alert %+v", ws.HighAlert)
	}
	var q struct {
		Items []struct {
			PreparationID int64  `json:"preparation_id"`
			Status        string `json:"status"`
			HighAlert     string `json:"high_alert"`
		} `json:"items"`
	}
	h.must(http.StatusOK, "tech1", "GET", "/api/v1/queue", nil).json(t, &q)
	listed := false
	for _, it := range q.Items {
		if it.PreparationID == id {
			listed = it.Status == string(workflow.StatusNeedsOverride) && it.HighAlert == "concentrated electrolytes"
		}
	}
	if !listed {
		t.Fatalf("held preparation not listed as held in the queue: %+v", q.Items)
	}

	r := h.call("tech1", "POST", path(id, "/claim"), nil)
	if r.Status != http.StatusUnprocessableEntity || r.code() != "needs_pharmacist_override" {
		t.Fatalf("claim of a held preparation: %d %s", r.Status, r.Body)
	}
	if r := h.call("tech1", "POST", path(id, "/override"), map[string]any{"reason": "x", "password": "demo-tech1"}); r.Status != http.StatusForbidden {
		t.Fatalf("a technician overrode: %d %s", r.Status, r.Body)
	}
	if r := h.call("pharm1", "POST", path(id, "/override"), map[string]any{"reason": " ", "password": "demo-pharm1"}); r.Status != http.StatusBadRequest || r.field() != "reason" {
		t.Fatalf("override without a reason: %d %s", r.Status, r.Body)
	}
	if r := h.call("pharm1", "POST", path(id, "/override"), map[string]any{"reason": "ICU, central line, monitored"}); r.Status != http.StatusBadRequest || r.field() != "password" {
		t.Fatalf("override without the password: %d %s", r.Status, r.Body)
	}
	if r := h.call("pharm1", "POST", path(id, "/override"), map[string]any{"reason": "ICU", "password": "wrong"}); r.Status != http.StatusForbidden {
		t.Fatalf("override with a wrong password: %d %s", r.Status, r.Body)
	}
	h.must(http.StatusOK, "pharm1", "POST", path(id, "/override"), map[string]any{"reason": "ICU, central line, monitored", "password": "demo-pharm1"})
	if r := h.call("pharm1", "POST", path(id, "/override"), map[string]any{"reason": "again", "password": "demo-pharm1"}); r.Status != http.StatusConflict {
		t.Fatalf("a second override: %d %s", r.Status, r.Body)
	}

	var after struct {
		Status    string `json:"status"`
		Overrides []struct {
			UserName string `json:"user_name"`
			Reason   string `json:"reason"`
		} `json:"overrides"`
	}
	h.must(http.StatusOK, "pharm1", "GET", path(id, ""), nil).json(t, &after)
	if after.Status != "queued" || len(after.Overrides) != 1 || after.Overrides[0].Reason != "ICU, central line, monitored" {
		t.Fatalf("after the override: %+v", after)
	}
	var n int
	if err := h.st.DB.Get(&n, `SELECT count(*) FROM audit_events WHERE type = $1 AND preparation_id = $2
		AND payload->>'reason' = 'ICU, central line, monitored' AND actor_id = $3`, workflow.EvOverridden, id, h.users["pharm1"]); err != nil || n != 1 {
		t.Fatalf("override events: %d %v", n, err)
	}
	h.must(http.StatusOK, "tech1", "POST", path(id, "/claim"), nil)
}

// An order within its limits is queued as before.
func TestInRangeOrderIsQueued(t *testing.T) {
	h := newHarness(t)
	id := h.order(simpleOrder("potassium chloride", "20 mEq", "sodium chloride 0.9%", "100 mL"))
	if w := h.prep(id); w.Status != "queued" {
		t.Fatalf("status %s", w.Status)
	}
}
