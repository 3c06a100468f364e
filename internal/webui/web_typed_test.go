package webui_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// bearer makes an API request as a logged-in user.
func bearer(t *testing.T, e http.Handler, token, method, path string, body any) *httptest.ResponseRecorder {
	t.Helper()
	b, _ := json.Marshal(body)
	req := httptest.NewRequest(method, path, strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

// TestTypedEntriesAreMarked: a typed code and a typed weight are marked
// TYPED with their reason on the pharmacist's evidence page, the tablet
// asks for the reason, and the safety officer's charts count them.
func TestTypedEntriesAreMarked(t *testing.T) {
	e, _ := webServer(t)
	pharm, tech, safety := session(t, e, "pharm1"), session(t, e, "tech1"), session(t, e, "safety1")
	rec := bearer(t, e, pharm, "POST", "/api/v1/orders", map[string]any{
		"patient": map[string]any{"mrn": "T1", "name": "Typed, Tina", "birth_date": "1970-01-01", "weight": "70 kg", "location": "4W"},
		"drug":    "cefazolin", "dose": "1 g", "route": "IV", "diluent": "sodium chloride 0.9%", "final_volume": "100 mL", "priority": "routine",
		"due_at": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
	if rec.Code != http.StatusCreated {
		t.Fatalf("order: %d %s", rec.Code, rec.Body)
	}
	var o struct {
		PreparationID int64 `json:"preparation_id"`
	}
	json.Unmarshal(rec.Body.Bytes(), &o)
	base := fmt.Sprintf("/api/v1/preparations/%d", o.PreparationID)
	if rec := bearer(t, e, tech, "POST", base+"/claim", map[string]any{}); rec.Code != http.StatusOK {
		t.Fatalf("claim: %d %s", rec.Code, rec.Body)
	}
	var ws struct {
		Steps []struct {
			ID, Kind string
			Expects  struct {
				ExpectedWeight string `json:"expected_weight"`
			}
		}
		AllowedProducts []struct{ GTIN string } `json:"allowed_products"`
	}
	json.Unmarshal(bearer(t, e, tech, "GET", base, nil).Body.Bytes(), &ws)
	exp := time.Now().AddDate(1, 0, 0).Format("060102")
	for _, s := range ws.Steps {
		switch s.Kind {
		case "scan_vial":
			rec := bearer(t, e, tech, "POST", base+"/scans", map[string]any{"step_id": s.ID, "source": "typed",
				"reason": "vial label torn", "data": "(01)" + ws.AllowedProducts[0].GTIN + "(17)" + exp + "(10)TYPED1"})
			if rec.Code != http.StatusCreated {
				t.Fatalf("typed scan: %d %s", rec.Code, rec.Body)
			}
		case "weigh":
			rec := bearer(t, e, tech, "POST", base+"/weights", map[string]any{"step_id": s.ID, "measured": s.Expects.ExpectedWeight,
				"reason": "balance being serviced", "witness_badge": "TECH2", "witness_pin": "2468"})
			if rec.Code != http.StatusCreated {
				t.Fatalf("typed weight: %d %s", rec.Code, rec.Body)
			}
		}
	}
	page := browse(e, "GET", fmt.Sprintf("/verify/%d", o.PreparationID), pharm, nil).Body.String()
	for _, want := range []string{"Typed by hand, not scanned or weighed", "TYPED", "vial label torn", "balance being serviced", "witnessed by "} {
		if !strings.Contains(page, want) {
			t.Errorf("the evidence page does not say %q", want)
		}
	}
	tablet := browse(e, "GET", fmt.Sprintf("/tablet/prep/%d", o.PreparationID), tech, nil).Body.String()
	if !strings.Contains(tablet, "Why is it typed?") || !strings.Contains(tablet, "recorded as typed") {
		t.Error("the tablet's typed entry asks no reason")
	}
	log := browse(e, "GET", "/log", safety, nil).Body.String()
	if !strings.Contains(log, "Typed by hand instead of scanned or weighed") || !strings.Contains(log, "2 typed entries") {
		t.Errorf("the safety officer's charts do not count typed entries")
	}
}
