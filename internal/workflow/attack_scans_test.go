package workflow_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestLotSwallowingASerialIsAmbiguous is the attack of a dropped separator
// after the lot: 01 GTIN 17 expiry 10 A1B2C3 21 SER123 sent without the GS
// reads as a valid lot "A1B2C321SER123" with no serial. The scan is refused
// as ambiguous with both readings shown, and recorded as refused.
func TestLotSwallowingASerialIsAmbiguous(t *testing.T) {
	h := newHarness(t)
	id := h.order(simpleOrder("cefazolin", "1 g", "sodium chloride 0.9%", "50 mL"))
	h.must(http.StatusOK, "tech1", "POST", path(id, "/claim"), nil)
	w := h.prep(id)
	var step string
	for _, s := range w.Steps {
		if s.Kind == "scan_vial" {
			step = s.ID
			break
		}
	}
	gtin := w.AllowedProducts[0].GTIN
	exp := time.Now().AddDate(1, 0, 0).Format("060102")
	data := "01" + gtin + "17" + exp + "10A1B2C321SER123"
	r := h.call("tech1", "POST", path(id, "/scans"), map[string]any{"step_id": step, "data": data})
	if r.Status != http.StatusUnprocessableEntity || r.code() != "ambiguous" {
		t.Fatalf("scan %s: %d %s; want 422 ambiguous", data, r.Status, r.Body)
	}
	var env struct {
		Error struct {
			Message string            `json:"message"`
			Fields  map[string]string `json:"fields"`
		} `json:"error"`
	}
	if err := json.Unmarshal(r.Body, &env); err != nil {
		t.Fatal(err)
	}
	want := []string{"(10)A1B2C321SER123", "(10)A1B2C3(21)SER123"}
	got := env.Error.Fields["reading_1"] + " | " + env.Error.Fields["reading_2"]
	for _, wnt := range want {
		if !strings.Contains(got, wnt) || !strings.Contains(env.Error.Message, wnt) {
			t.Fatalf("readings %q / message %q do not show %s", got, env.Error.Message, wnt)
		}
	}
	after := h.prep(id)
	if len(after.Scans) != 1 || after.Scans[0].Accepted || after.Scans[0].Code != "ambiguous" {
		t.Fatalf("recorded scans: %+v", after.Scans)
	}
	// With the separator the same container is accepted, lot and serial apart.
	h.must(http.StatusCreated, "tech1", "POST", path(id, "/scans"), map[string]any{"step_id": step,
		"data": "01" + gtin + "17" + exp + "10A1B2C3\x1d21SER123"})
}
