package webui_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/auth"
)

// paperComplete completes the demo queue's preparation of drug from a
// paper record transcribed by pharm1 (made by tech2), the shortest way to
// a completed preparation, and returns its id.
func paperComplete(t *testing.T, e http.Handler, drug string) int64 {
	t.Helper()
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
		if strings.EqualFold(it.Drug, drug) && id == 0 {
			id = it.ID
		}
	}
	if id == 0 {
		t.Fatalf("no %s in the demo queue: %+v", drug, q.Items)
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
			comps = append(comps, map[string]any{"step_id": s.ID, "product_id": s.Expects.ProductIDs[0], "lot": "PAPER8", "expiry": "2030-06", "count": max(s.Expects.Count, 1)})
		}
		if s.Kind == "weigh" {
			weights = append(weights, map[string]any{"step_id": s.ID, "measured": s.Expects.ExpectedWeight})
		}
	}
	now := time.Now().UTC()
	body, _ := json.Marshal(map[string]any{"made_by": "tech2", "started_at": now.Format(time.RFC3339Nano),
		"completed_at": now.Format(time.RFC3339Nano), "components": comps, "weights": weights, "password": "demo-pharm1"})
	if rec := doAs(e, "POST", fmt.Sprintf("/api/v1/preparations/%d/downtime", id), pharm, string(body)); rec.Code != 200 {
		t.Fatalf("record = %d %s", rec.Code, rec.Body)
	}
	return id
}

// A new label on the tablet is a form POST with the CSRF token, never a
// link: the page offers it once the preparation is complete, refuses it
// without the token, and issues the next label with it.
func TestNewLabelIsAFormPost(t *testing.T) {
	e, _ := webServer(t)
	id := paperComplete(t, e, "cefazolin")
	tech := session(t, e, "tech1")
	page := browse(e, "GET", fmt.Sprintf("/tablet/prep/%d", id), tech, nil).Body.String()
	action := fmt.Sprintf(`action="/tablet/prep/%d/labels"`, id)
	if !strings.Contains(page, action) || !strings.Contains(page, `name="csrf_token"`) {
		t.Fatalf("the tablet page offers no new-label form")
	}
	seq := func() int {
		var p struct {
			LabelSeq int `json:"label_seq"`
		}
		json.Unmarshal(doAs(e, "GET", fmt.Sprintf("/api/v1/preparations/%d", id), tech, "").Body.Bytes(), &p)
		return p.LabelSeq
	}
	if got := seq(); got != 1 {
		t.Fatalf("label_seq after the downtime record = %d, want 1", got)
	}
	if rec := browse(e, "POST", fmt.Sprintf("/tablet/prep/%d/labels", id), tech, url.Values{}); rec.Code != 403 || seq() != 1 {
		t.Fatalf("new label without the token = %d, label_seq %d", rec.Code, seq())
	}
	rec := browse(e, "POST", fmt.Sprintf("/tablet/prep/%d/labels", id), tech, url.Values{"csrf_token": {auth.CSRFToken(tech)}})
	if rec.Code != 303 || rec.Header().Get("Location") != fmt.Sprintf("/tablet/prep/%d?print=1", id) || seq() != 2 {
		t.Fatalf("new label = %d to %q, label_seq %d", rec.Code, rec.Header().Get("Location"), seq())
	}
	if page := browse(e, "GET", fmt.Sprintf("/tablet/prep/%d?print=1", id), tech, nil).Body.String(); !strings.Contains(page, `data-print-now="1"`) {
		t.Fatalf("the page after a new label does not open it to print")
	}
}

// A high-alert preparation's first approval leaves it waiting for a second
// check: the verification queue and the evidence page say so and name the
// first checker, who may not make the second.
func TestSecondCheckShownToPharmacists(t *testing.T) {
	e, _ := webServer(t)
	id := paperComplete(t, e, "potassium chloride")
	pharm2 := session(t, e, "pharm2")
	rec := doAs(e, "POST", fmt.Sprintf("/api/v1/preparations/%d/verify", id), pharm2, `{"decision":"approve","password":"demo-pharm2"}`)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "awaiting_second_check") {
		t.Fatalf("first check = %d %s", rec.Code, rec.Body)
	}
	list := browse(e, "GET", "/verify/list", session(t, e, "pharm1"), nil).Body.String()
	if !strings.Contains(list, "Second check needed") || !strings.Contains(list, "first checked by") {
		t.Fatalf("the verification queue does not show the second check:\n%.2000s", list)
	}
	page := browse(e, "GET", fmt.Sprintf("/verify/%d", id), session(t, e, "pharm1"), nil).Body.String()
	if !strings.Contains(page, "Second check needed") || !strings.Contains(page, "Awaiting second check") || !strings.Contains(page, "Sign decision") {
		t.Fatalf("the evidence page does not offer the second check")
	}
	mine := browse(e, "GET", fmt.Sprintf("/verify/%d", id), pharm2, nil).Body.String()
	if !strings.Contains(mine, "You made the first check") || strings.Contains(mine, "Sign decision") {
		t.Fatalf("the first checker is offered the second check")
	}
	form := url.Values{"csrf_token": {auth.CSRFToken(pharm2)}, "decision": {"approve"}, "pin": {"demo-pharm2"}}
	if rec := browse(e, "POST", fmt.Sprintf("/verify/%d", id), pharm2, form); rec.Code != 403 {
		t.Fatalf("second check by the first checker in the browser = %d", rec.Code)
	}
}

// A rejected preparation's remake carries a REMAKE mark and the
// pharmacist's reason on the technician's queue card and at its first
// step.
func TestRemakeReasonReachesTheTechnician(t *testing.T) {
	e, _ := webServer(t)
	id := paperComplete(t, e, "cefazolin")
	rec := doAs(e, "POST", fmt.Sprintf("/api/v1/preparations/%d/verify", id), session(t, e, "pharm2"),
		`{"decision":"reject","reason":"wrong diluent","password":"demo-pharm2"}`)
	var out struct {
		RemakeID int64 `json:"remake_id"`
	}
	if json.Unmarshal(rec.Body.Bytes(), &out); rec.Code != 200 || out.RemakeID == 0 {
		t.Fatalf("reject = %d %s", rec.Code, rec.Body)
	}
	tech := session(t, e, "tech1")
	queue := browse(e, "GET", "/tablet", tech, nil).Body.String()
	card := fmt.Sprintf(`data-prep="%d"`, out.RemakeID)
	i := strings.Index(queue, card)
	if i < 0 {
		t.Fatalf("the remake #%d is not on the queue", out.RemakeID)
	}
	end := strings.Index(queue[i:], "</article>")
	if c := queue[i : i+end]; !strings.Contains(c, fmt.Sprintf("REMAKE of #%d", id)) || !strings.Contains(c, "wrong diluent") {
		t.Fatalf("the remake's card lacks the mark or the reason:\n%s", c)
	}
	first := browse(e, "GET", fmt.Sprintf("/tablet/prep/%d", out.RemakeID), tech, nil).Body.String()
	step1 := strings.Index(first, "Step 1 of")
	step2 := strings.Index(first, "Step 2 of")
	if step1 < 0 || step2 < step1 || !strings.Contains(first[step1:step2], "wrong diluent") || !strings.Contains(first[step1:step2], "REMAKE") {
		t.Fatalf("the remake's first step does not show the reason")
	}
}
