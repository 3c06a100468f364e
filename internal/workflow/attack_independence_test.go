package workflow_test

import (
	"net/http"
	"testing"
	"time"
)

// approveAs is a pharmacist's signed approval.
func approveAs(user string) map[string]any {
	return map[string]any{"decision": "approve", "password": "demo-" + user}
}

// TestTwoRoleUserNeverVerifiesWhatTheyMade is the attack of issue 12: a
// user with the technician and pharmacist roles does every scan and step,
// releases the claim, another technician claims it and presses complete,
// and the first user then verifies it. They had a hand in it: 403.
func TestTwoRoleUserNeverVerifiesWhatTheyMade(t *testing.T) {
	h := newHarness(t)
	h.addDualRoleUser("pt1")
	id := h.order(cefazolinOrder(time.Now().Add(time.Hour)))
	h.must(http.StatusOK, "pt1", "POST", path(id, "/claim"), nil)
	h.doSteps(id, "pt1", -1)
	h.must(http.StatusOK, "pt1", "POST", path(id, "/release-claim"), nil)
	h.must(http.StatusOK, "tech2", "POST", path(id, "/claim"), nil)
	h.must(http.StatusOK, "tech2", "POST", path(id, "/complete"), nil)

	r := h.call("pt1", "POST", path(id, "/verify"), approveAs("pt1"))
	if r.Status != http.StatusForbidden || r.code() != "self_verification" {
		t.Fatalf("verification by the two-role user who made it: %d %s; want 403 self_verification", r.Status, r.Body)
	}
	if w := h.prep(id); w.Status != "completed" {
		t.Fatalf("after the refused verification the preparation is %s", w.Status)
	}
	// Someone who had no hand in it verifies it.
	h.must(http.StatusOK, "pharm2", "POST", path(id, "/verify"), approveAs("pharm2"))
}

// TestAnyHandInAPreparationBarsVerifying: a claim handed over, a single
// scan, a claim taken and given back without doing anything, making it on
// paper during downtime — each is a hand in the preparation, and each bars
// its author from verifying it, whatever their roles.
func TestAnyHandInAPreparationBarsVerifying(t *testing.T) {
	exp := time.Now().AddDate(1, 0, 0)
	cases := []struct {
		name string
		// hand is what the two-role user "pt" does to preparation id
		// before the others finish it.
		hand func(h *harness, id int64)
	}{
		{"one scan", func(h *harness, id int64) {
			h.must(http.StatusOK, "pt", "POST", path(id, "/claim"), nil)
			w := h.prep(id)
			h.must(http.StatusCreated, "pt", "POST", path(id, "/scans"), map[string]any{"step_id": "scan-bag",
				"data": gs1(w.AllowedDiluents[0].GTIN, exp, "BAG9", "")})
			h.must(http.StatusOK, "pt", "POST", path(id, "/release-claim"), nil)
		}},
		{"a claim only", func(h *harness, id int64) {
			h.must(http.StatusOK, "pt", "POST", path(id, "/claim"), nil)
			h.must(http.StatusOK, "pt", "POST", path(id, "/release-claim"), nil)
		}},
		{"a claim handed over after the first steps", func(h *harness, id int64) {
			h.must(http.StatusOK, "pt", "POST", path(id, "/claim"), nil)
			h.doSteps(id, "pt", 3)
			h.must(http.StatusOK, "admin1", "POST", path(id, "/release-claim"), nil)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.addDualRoleUser("pt")
			id := h.order(cefazolinOrder(time.Now().Add(time.Hour)))
			tc.hand(h, id)
			h.prepare(id, "tech2")
			r := h.call("pt", "POST", path(id, "/verify"), map[string]any{"decision": "reject", "reason": "looks fine to me", "password": "demo-pt"})
			if r.Status != http.StatusForbidden || r.code() != "self_verification" {
				t.Fatalf("verification after %s: %d %s; want 403 self_verification", tc.name, r.Status, r.Body)
			}
			h.must(http.StatusOK, "pharm1", "POST", path(id, "/verify"), approveAs("pharm1"))
		})
	}

	t.Run("witnessed a typed entry", func(t *testing.T) {
		h := newHarness(t)
		id := h.order(cefazolinOrder(time.Now().Add(time.Hour)))
		h.must(http.StatusOK, "tech1", "POST", path(id, "/claim"), nil)
		w := h.prep(id)
		h.must(http.StatusCreated, "tech1", "POST", path(id, "/scans"), map[string]any{"step_id": "scan-bag",
			"data": gs1(w.AllowedDiluents[0].GTIN, exp, "BAG9", ""), "source": "typed", "reason": "label smudged",
			"witness_badge": "PHARM1", "witness_pin": "2468"})
		h.doSteps(id, "tech1", -1)
		h.must(http.StatusOK, "tech1", "POST", path(id, "/complete"), nil)
		if r := h.call("pharm1", "POST", path(id, "/verify"), approveAs("pharm1")); r.Status != http.StatusForbidden || r.code() != "self_verification" {
			t.Fatalf("verification by the witness of a typed entry: %d %s", r.Status, r.Body)
		}
		h.must(http.StatusOK, "pharm2", "POST", path(id, "/verify"), approveAs("pharm2"))
	})

	t.Run("made on paper during downtime", func(t *testing.T) {
		h := newHarness(t)
		h.addDualRoleUser("pt")
		id := h.order(cefazolinOrder(h.now().Add(-time.Hour)))
		h.advance(time.Minute)
		rec := h.paperRecord(id, h.now().AddDate(1, 0, 0).Format("2006-01"))
		rec["made_by"] = "pt"
		rec["started_at"] = h.now().Add(-10 * time.Second).UTC().Format(time.RFC3339)
		rec["completed_at"] = h.now().UTC().Format(time.RFC3339)
		h.must(http.StatusOK, "pharm1", "POST", path(id, "/downtime"), rec)
		if r := h.call("pt", "POST", path(id, "/verify"), approveAs("pt")); r.Status != http.StatusForbidden || r.code() != "self_verification" {
			t.Fatalf("verification by the maker on paper: %d %s", r.Status, r.Body)
		}
		h.must(http.StatusOK, "pharm2", "POST", path(id, "/verify"), approveAs("pharm2"))
	})
}
