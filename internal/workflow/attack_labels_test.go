package workflow_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

// TestShowingALabelNeverIssuesOne is the attack of issue 12: a GET of the
// label issued a new label number each time (any role; a link could
// invalidate the label on the bag). Completion issues label 1; showing it
// in any format, by anyone, however often, leaves it current; a new label
// is a POST by a technician or pharmacist, audited, superseding the old
// one, and idempotent under its key.
func TestShowingALabelNeverIssuesOne(t *testing.T) {
	h := newHarness(t)
	id := h.order(cefazolinOrder(time.Now().Add(time.Hour)))
	h.must(http.StatusConflict, "pharm1", "GET", path(id, "/label?format=html"), nil)
	h.prepare(id, "tech1")
	if seq := h.prep(id).LabelSeq; seq != 1 {
		t.Fatalf("label_seq after completion = %d, want 1 (completion issues label 1)", seq)
	}
	l1, l2 := fmt.Sprintf("LMN-P%d-L1", id), fmt.Sprintf("LMN-P%d-L2", id)
	for _, get := range []struct{ user, format string }{
		{"pharm1", "pdf"}, {"pharm1", "pdf"}, {"tech2", "html"}, {"safety1", "zpl"}, {"admin1", "pdf"},
	} {
		r := h.must(http.StatusOK, get.user, "GET", path(id, "/label?format="+get.format), nil)
		if got := r.Header.Get("X-Label-Data"); got != l1 {
			t.Fatalf("GET label as %s (%s) shows %q, want %q", get.user, get.format, got, l1)
		}
	}
	if seq := h.prep(id).LabelSeq; seq != 1 {
		t.Fatalf("label_seq after five GETs = %d, want 1", seq)
	}

	// A new label: not for a safety officer; a technician's supersedes label 1.
	h.must(http.StatusForbidden, "safety1", "POST", path(id, "/labels"), nil)
	var issued struct {
		LabelSeq   int    `json:"label_seq"`
		LabelData  string `json:"label_data"`
		Supersedes string `json:"supersedes"`
	}
	h.must(http.StatusCreated, "tech2", "POST", path(id, "/labels"), map[string]any{"format": "zpl"}, "Idempotency-Key", "bag-torn").json(t, &issued)
	if issued.LabelSeq != 2 || issued.LabelData != l2 || issued.Supersedes != l1 {
		t.Fatalf("new label: %+v", issued)
	}
	r := h.must(http.StatusCreated, "tech2", "POST", path(id, "/labels"), map[string]any{"format": "zpl"}, "Idempotency-Key", "bag-torn")
	if r.Header.Get("Idempotent-Replayed") != "true" || h.prep(id).LabelSeq != 2 {
		t.Fatalf("a retried POST issued another label: %s, label_seq %d", r.Body, h.prep(id).LabelSeq)
	}
	if got := h.must(http.StatusOK, "pharm1", "GET", path(id, "/label"), nil).Header.Get("X-Label-Data"); got != l2 {
		t.Fatalf("current label after the new one: %q", got)
	}

	// A pharmacist who printed a label had a hand in it; another verifies.
	h.must(http.StatusCreated, "pharm1", "POST", path(id, "/labels"), nil)
	if r := h.call("pharm1", "POST", path(id, "/verify"), approveAs("pharm1")); r.code() != "self_verification" {
		t.Fatalf("verification by the pharmacist who printed its label: %d %s", r.Status, r.Body)
	}
	h.must(http.StatusOK, "pharm2", "POST", path(id, "/verify"), approveAs("pharm2"))
	for _, old := range []string{l1, l2} {
		if r := h.call("tech1", "POST", path(id, "/release"), map[string]any{"label_data": old}); r.code() != "stale_label" {
			t.Fatalf("release with superseded %s: %d %s", old, r.Status, r.Body)
		}
	}
	h.must(http.StatusOK, "tech1", "POST", path(id, "/release"), map[string]any{"label_data": fmt.Sprintf("LMN-P%d-L3", id)})

	var types []string
	if err := h.st.DB.Select(&types, `SELECT type FROM audit_events WHERE preparation_id = $1
		AND type LIKE 'preparation.label_%' ORDER BY id`, id); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(types) != "[preparation.label_printed preparation.label_reprinted preparation.label_reprinted]" {
		t.Fatalf("label events in the log: %v", types)
	}
}
