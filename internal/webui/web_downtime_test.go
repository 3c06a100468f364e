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

func doAs(e http.Handler, method, path, token, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

// A preparation recorded from its paper worksheet shows, at the top of
// the pharmacist's evidence page, that it was made during downtime, by
// whom, and the lots written down.
func TestEvidencePageMarksDowntime(t *testing.T) {
	e, _ := webServer(t)
	pharm := session(t, e, "pharm1")
	var q struct {
		Items []struct {
			ID   int64  `json:"preparation_id"`
			Drug string `json:"drug"`
		} `json:"items"`
	}
	json.Unmarshal(doAs(e, "GET", "/api/v1/queue", pharm, "").Body.Bytes(), &q)
	var id int64
	for _, it := range q.Items {
		if strings.EqualFold(it.Drug, "cefazolin") {
			id = it.ID
		}
	}
	if id == 0 {
		t.Fatalf("no cefazolin in the demo queue: %+v", q.Items)
	}
	var w struct {
		Steps []struct {
			ID      string `json:"id"`
			Kind    string `json:"kind"`
			Expects struct {
				ProductIDs     []int64 `json:"product_ids"`
				Count          int     `json:"count"`
				ExpectedWeight string  `json:"expected_weight"`
			} `json:"expects"`
		} `json:"steps"`
	}
	json.Unmarshal(doAs(e, "GET", fmt.Sprintf("/api/v1/preparations/%d", id), pharm, "").Body.Bytes(), &w)
	var comps, weights []map[string]any
	for _, s := range w.Steps {
		if strings.HasPrefix(s.Kind, "scan") && len(s.Expects.ProductIDs) > 0 {
			comps = append(comps, map[string]any{"step_id": s.ID, "product_id": s.Expects.ProductIDs[0], "lot": "PAPER7", "expiry": "2030-06", "count": max(s.Expects.Count, 1)})
		}
		if s.Kind == "weigh" {
			weights = append(weights, map[string]any{"step_id": s.ID, "measured": s.Expects.ExpectedWeight})
		}
	}
	// Times to the nanosecond: the demo order may be less than a second old.
	now := time.Now().UTC()
	body, _ := json.Marshal(map[string]any{"made_by": "tech2", "checked_by": "paper check by R. Ortiz",
		"started_at": now.Format(time.RFC3339Nano), "completed_at": now.Format(time.RFC3339Nano),
		"components": comps, "weights": weights, "password": "demo-pharm1"})
	if rec := doAs(e, "POST", fmt.Sprintf("/api/v1/preparations/%d/downtime", id), pharm, string(body)); rec.Code != 200 {
		t.Fatalf("record = %d %s", rec.Code, rec.Body)
	}
	page := browse(e, "GET", fmt.Sprintf("/verify/%d", id), session(t, e, "pharm2"), nil)
	if page.Code != 200 {
		t.Fatalf("evidence page = %d", page.Code)
	}
	html := page.Body.String()
	for _, want := range []string{"Made during downtime, on paper", "Made by Tech Two", "paper check by R. Ortiz", "lot PAPER7"} {
		if !strings.Contains(html, want) {
			t.Errorf("evidence page lacks %q", want)
		}
	}
	// The safety officer's charts count it as made on paper.
	logPage := browse(e, "GET", "/log", session(t, e, "safety1"), nil)
	if !strings.Contains(logPage.Body.String(), "of which 1 made on paper during downtime") {
		t.Errorf("the log page does not count the downtime preparation:\n%.3000s", logPage.Body)
	}
}
