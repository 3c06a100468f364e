package workflow_test

import (
	"net/http"
	"testing"
	"time"
)

// TestTypedInventedLotIsMarkedTyped is the attack of an invented lot typed
// in place of a scan: a typed code needs a reason, is recorded and logged
// as typed (never like a scan), and for a high-alert drug needs a second
// person's badge and PIN.
func TestTypedInventedLotIsMarkedTyped(t *testing.T) {
	h := newHarness(t)
	exp := time.Now().AddDate(1, 0, 0)
	id := h.order(simpleOrder("cefazolin", "1 g", "sodium chloride 0.9%", "100 mL"))
	h.must(http.StatusOK, "tech1", "POST", path(id, "/claim"), nil)
	w := h.prep(id)
	step := w.stepOf(t, "scan_vial")
	invented := gs1(w.AllowedProducts[0].GTIN, exp, "MADEUP1", "")
	r := h.call("tech1", "POST", path(id, "/scans"), map[string]any{"step_id": step, "data": invented, "source": "typed"})
	if r.Status != http.StatusUnprocessableEntity || r.code() != "reason_required" || r.field() != "reason" {
		t.Fatalf("typed without a reason: %d %s", r.Status, r.Body)
	}
	if n := len(h.prep(id).Scans); n != 0 {
		t.Fatalf("a typed code without a reason left %d scan records", n)
	}
	r = h.must(http.StatusCreated, "tech1", "POST", path(id, "/scans"), map[string]any{"step_id": step, "data": invented,
		"source": "typed", "reason": "scanner will not read the vial"})
	var rec struct {
		Source string `json:"source"`
	}
	r.json(t, &rec)
	var stored struct {
		Source string `db:"source"`
		Reason string `db:"typed_reason"`
	}
	if err := h.st.DB.Get(&stored, `SELECT source, typed_reason FROM scans WHERE preparation_id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if rec.Source != "typed" || stored.Source != "typed" || stored.Reason != "scanner will not read the vial" {
		t.Fatalf("answer %s, stored %+v", r.Body, stored)
	}
	var typed, reason string
	if err := h.st.DB.QueryRow(`SELECT payload->>'typed', payload->>'typed_reason' FROM audit_events
		WHERE preparation_id = $1 AND type = 'preparation.scan_accepted'`, id).Scan(&typed, &reason); err != nil {
		t.Fatal(err)
	}
	if typed != "true" || reason != "scanner will not read the vial" {
		t.Fatalf("the log's scan says typed=%s reason=%q", typed, reason)
	}
}

// TestTypedEntryOfAHighAlertDrugNeedsAWitness: potassium chloride is a
// high-alert drug, so a typed code needs a second person's badge and PIN,
// checked like a badge login: missing, the typist's own, or a wrong PIN are
// refused; a colleague's badge and PIN are recorded with the scan.
func TestTypedEntryOfAHighAlertDrugNeedsAWitness(t *testing.T) {
	h := newHarness(t)
	exp := time.Now().AddDate(1, 0, 0)
	id := h.order(simpleOrder("potassium chloride", "20 mEq", "sodium chloride 0.9%", "100 mL"))
	h.must(http.StatusOK, "tech1", "POST", path(id, "/claim"), nil)
	w := h.prep(id)
	step := w.stepOf(t, "scan_vial")
	body := func(extra ...string) map[string]any {
		b := map[string]any{"step_id": step, "data": gs1(w.AllowedProducts[0].GTIN, exp, "KLOT1", ""), "source": "typed",
			"reason": "label smudged"}
		for i := 0; i+1 < len(extra); i += 2 {
			b[extra[i]] = extra[i+1]
		}
		return b
	}
	for _, tc := range []struct {
		name        string
		extra       []string
		code, field string
	}{
		{"no witness", nil, "witness_required", "witness_badge"},
		{"own badge", []string{"witness_badge", "TECH1", "witness_pin", "2468"}, "witness_not_independent", "witness_badge"},
		{"wrong PIN", []string{"witness_badge", "TECH2", "witness_pin", "1111"}, "witness_failed", "witness_pin"},
		{"no PIN", []string{"witness_badge", "TECH2"}, "witness_required", "witness_pin"},
	} {
		r := h.call("tech1", "POST", path(id, "/scans"), body(tc.extra...))
		if r.Status != http.StatusUnprocessableEntity || r.code() != tc.code || r.field() != tc.field {
			t.Fatalf("%s: %d %s; want 422 %s on %s", tc.name, r.Status, r.Body, tc.code, tc.field)
		}
	}
	r := h.must(http.StatusCreated, "tech1", "POST", path(id, "/scans"), body("witness_badge", "tech2", "witness_pin", "2468"))
	var rec struct {
		Source    string `json:"source"`
		WitnessID int64  `json:"witness_id"`
	}
	r.json(t, &rec)
	if rec.Source != "typed" || rec.WitnessID != h.users["tech2"] {
		t.Fatalf("typed scan with a witness: %s", r.Body)
	}
}

// TestTypedWeightWithoutReason is the attack of a weight typed on the
// keypad: a weight without a balance is typed and needs a reason (422
// reason_required on "reason"); with one it is recorded and logged as typed.
func TestTypedWeightWithoutReason(t *testing.T) {
	h := newHarness(t)
	id := h.order(simpleOrder("cefazolin", "1 g", "sodium chloride 0.9%", "100 mL"))
	h.must(http.StatusOK, "tech1", "POST", path(id, "/claim"), nil)
	w := h.prep(id)
	var step, expected string
	for _, s := range w.Steps {
		if s.Kind == "weigh" {
			step, expected = s.ID, s.Expects.ExpectedWeight
			break
		}
	}
	if step == "" {
		t.Fatal("no weigh step")
	}
	r := h.call("tech1", "POST", path(id, "/weights"), map[string]any{"step_id": step, "measured": expected})
	if r.Status != http.StatusUnprocessableEntity || r.code() != "reason_required" || r.field() != "reason" {
		t.Fatalf("typed weight without a reason: %d %s", r.Status, r.Body)
	}
	if n := len(h.prep(id).Weights); n != 0 {
		t.Fatalf("%d weights recorded", n)
	}
	r = h.must(http.StatusCreated, "tech1", "POST", path(id, "/weights"), map[string]any{"step_id": step, "measured": expected,
		"reason": "balance out for calibration"})
	var res struct {
		Source      string `json:"source"`
		TypedReason string `json:"typed_reason"`
	}
	r.json(t, &res)
	if res.Source != "typed" || res.TypedReason != "balance out for calibration" {
		t.Fatalf("typed weight: %s", r.Body)
	}
	var typed string
	if err := h.st.DB.Get(&typed, `SELECT payload->>'typed' FROM audit_events WHERE preparation_id = $1 AND type = 'preparation.weight_recorded'`, id); err != nil {
		t.Fatal(err)
	}
	if typed != "true" {
		t.Fatalf("the log's weight says typed=%q", typed)
	}
}
