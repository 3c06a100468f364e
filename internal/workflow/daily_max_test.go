package workflow_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/workflow"
)

// A drug's maximum per day was checked one dose at a time: three orders of
// ceftriaxone 2 g for one patient within 24 hours (6 g, the daily maximum
// being 4 g) were each queued without a word. Now the dose that takes the
// patient's total over the maximum within any 24 hours is held for a
// pharmacist, and the hold names the total and the other orders.
func TestDailyMaximumAcrossOrders(t *testing.T) {
	h := newHarness(t)
	base := time.Now().Add(2 * time.Hour).UTC()
	order := func(mrn, dose string, due time.Duration) map[string]any {
		o := simpleOrder("ceftriaxone", dose, "sodium chloride 0.9%", "100 mL")
		o["patient"].(map[string]any)["mrn"] = mrn
		o["due_at"] = base.Add(due).Format(time.RFC3339)
		return o
	}
	type holds struct {
		Status string `json:"status"`
		Holds  []struct {
			Code, Message, Value, Limit string
		} `json:"holds"`
	}
	status := func(id int64) holds {
		var ws holds
		h.must(http.StatusOK, "pharm1", "GET", path(id, ""), nil).json(t, &ws)
		return ws
	}

	// Two doses of 2 g within 24 hours: 4 g, at the maximum, queued.
	first := h.order(order("MRN-DAY-1", "2 g", 0))
	second := h.order(order("MRN-DAY-1", "2 g", 8*time.Hour))
	for _, id := range []int64{first, second} {
		if ws := status(id); ws.Status != string(workflow.StatusQueued) || len(ws.Holds) != 0 {
			t.Fatalf("dose within the daily maximum held: %+v", ws)
		}
	}
	// A third within the same 24 hours: 6 g, held, naming the total.
	third := h.order(order("MRN-DAY-1", "2 g", 16*time.Hour))
	ws := status(third)
	if ws.Status != string(workflow.StatusNeedsOverride) || len(ws.Holds) != 1 || ws.Holds[0].Code != "dose_above_daily_max" {
		t.Fatalf("third dose in 24 hours: %+v", ws)
	}
	for _, want := range []string{"6 g", "4 g", "2 other orders"} {
		if !strings.Contains(ws.Holds[0].Message, want) {
			t.Errorf("hold message %q lacks %q", ws.Holds[0].Message, want)
		}
	}

	// Doses more than 24 hours apart, another patient, another drug and a
	// cancelled order do not add up.
	if ws := status(h.order(order("MRN-DAY-1", "2 g", 48*time.Hour))); len(ws.Holds) != 0 {
		t.Errorf("dose 32 hours after the last one held: %+v", ws)
	}
	if ws := status(h.order(order("MRN-DAY-2", "2 g", 0))); len(ws.Holds) != 0 {
		t.Errorf("another patient's dose held: %+v", ws)
	}
	h.order(order("MRN-DAY-3", "2 g", 0))
	cancelled := order("MRN-DAY-3", "2 g", time.Hour)
	var created struct {
		ID int64 `json:"id"`
	}
	h.must(http.StatusCreated, "pharm1", "POST", "/api/v1/orders", cancelled).json(t, &created)
	h.must(http.StatusOK, "pharm1", "POST", fmt.Sprintf("/api/v1/orders/%d/cancel", created.ID), map[string]any{"reason": "duplicate"})
	if ws := status(h.order(order("MRN-DAY-3", "2 g", 2*time.Hour))); len(ws.Holds) != 0 {
		t.Errorf("a cancelled order counted: %+v", ws)
	}
}
