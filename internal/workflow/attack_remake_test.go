package workflow_test

import (
	"net/http"
	"testing"
	"time"
)

// TestRemakeCarriesTheRejectionReason is the attack of issue 12: the
// pharmacist's reason for a rejection never reached the technician, and
// the remake looked like a new order. The remake's queue item and its
// worksheet carry remake_of and the reason.
func TestRemakeCarriesTheRejectionReason(t *testing.T) {
	h := newHarness(t)
	id := h.order(cefazolinOrder(time.Now().Add(time.Hour)))
	h.prepare(id, "tech1")
	var out struct {
		RemakeID int64 `json:"remake_id"`
	}
	h.must(http.StatusOK, "pharm1", "POST", path(id, "/verify"), map[string]any{"decision": "reject",
		"reason": "wrong diluent", "password": "demo-pharm1"}).json(t, &out)
	if out.RemakeID == 0 {
		t.Fatal("no remake queued")
	}
	var q struct {
		Items []struct {
			PreparationID int64  `json:"preparation_id"`
			RemakeOf      int64  `json:"remake_of"`
			RemakeReason  string `json:"remake_reason"`
		} `json:"items"`
	}
	h.must(http.StatusOK, "tech2", "GET", "/api/v1/queue", nil).json(t, &q)
	found := false
	for _, it := range q.Items {
		if it.PreparationID == out.RemakeID {
			found = it.RemakeOf == id && it.RemakeReason == "wrong diluent"
		} else if it.RemakeReason != "" {
			t.Errorf("queue item %d is no remake but carries %q", it.PreparationID, it.RemakeReason)
		}
	}
	if !found {
		t.Fatalf("the remake's queue item does not carry the reason: %+v", q.Items)
	}
	var p struct {
		RemakeOf     int64  `json:"remake_of"`
		RemakeReason string `json:"remake_reason"`
	}
	h.must(http.StatusOK, "tech2", "GET", path(out.RemakeID, ""), nil).json(t, &p)
	if p.RemakeOf != id || p.RemakeReason != "wrong diluent" {
		t.Fatalf("the remake's worksheet: %+v", p)
	}
}
