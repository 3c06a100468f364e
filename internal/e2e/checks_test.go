package e2e_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// paperRecord completes the demo queue's preparation of drug from a paper
// record (made by tech2, transcribed by pharm1) and returns its id.
func paperRecord(t *testing.T, pharm *apiClient, drug string) int64 {
	t.Helper()
	var id int64
	for _, it := range pharm.queue() {
		if strings.EqualFold(it.Drug, drug) && it.Status == "queued" && id == 0 {
			id = it.ID
		}
	}
	if id == 0 {
		t.Fatalf("no queued %s in the demo queue", drug)
	}
	var comps, weights []map[string]any
	for _, s := range pharm.prep(id).Steps {
		if strings.HasPrefix(s.Kind, "scan") && len(s.Expects.ProductIDs) > 0 {
			comps = append(comps, map[string]any{"step_id": s.ID, "product_id": s.Expects.ProductIDs[0], "lot": "PAPER3",
				"expiry": "2030-06", "count": max(s.Expects.Count, 1)})
		}
		if s.Kind == "weigh" {
			weights = append(weights, map[string]any{"step_id": s.ID, "measured": s.Expects.ExpectedWeight})
		}
	}
	now := time.Now().UTC().Format(time.RFC3339Nano)
	pharm.call("POST", fmt.Sprintf("/api/v1/preparations/%d/downtime", id), map[string]any{"made_by": "tech2",
		"started_at": now, "completed_at": now, "components": comps, "weights": weights, "password": "demo-pharm1"}, nil)
	return id
}

// sign fills in and signs the decision form of the evidence page.
func (b *browser) sign(id int64, decision, reason, user string) {
	b.t.Helper()
	b.open(fmt.Sprintf("/verify/%d", id))
	b.tap(fmt.Sprintf(`input[name=decision][value=%s]`, decision))
	if reason != "" {
		b.run(chromedp.SendKeys(chromedp.CSS("#reason"), reason))
	}
	b.run(chromedp.SendKeys(chromedp.CSS("#pin"), "demo-"+user))
	b.tap(fmt.Sprintf(`form[action="/verify/%d"] button[type=submit]`, id))
	b.waitFor("the signed decision", `location.pathname === '/verify' && document.readyState === 'complete'`, 10*time.Second)
}

// A pharmacist rejects a preparation with a reason in the browser; the
// technician reads it on the remake's queue card and at its first step. A
// high-alert preparation's first approval leaves it for a second
// pharmacist, and the evidence page says so.
func TestRemakeReasonAndSecondCheckInTheBrowser(t *testing.T) {
	a := server(t)
	base := a.URL()
	r := newReport(t)
	defer r.write(t)
	api := login(t, base, "pharm1")
	cef := paperRecord(t, api, "cefazolin")
	kcl := paperRecord(t, api, "potassium chloride")

	pharm2 := newBrowser(t, "pharmacist 2", base)
	pharm2.loginPassword("pharm2")
	pharm2.sign(cef, "reject", "wrong diluent", "pharm2")
	if f := pharm2.text(".flash"); !strings.Contains(f, "rejected") || !strings.Contains(f, "remake") {
		t.Fatalf("after the rejection: %q", f)
	}
	pharm2.sign(kcl, "approve", "", "pharm2")
	if f := pharm2.text(".flash"); !strings.Contains(f, "second pharmacist") {
		t.Fatalf("after the first check: %q", f)
	}

	pharm1 := newBrowser(t, "pharmacist 1", base)
	pharm1.loginPassword("pharm1")
	pharm1.open(fmt.Sprintf("/verify/%d", kcl))
	if s := pharm1.text(".decide"); !strings.Contains(s, "Second check needed") || !strings.Contains(s, "First check by") {
		t.Errorf("the evidence page does not ask for the second check: %q", s)
	}
	pharm1.screen(r, "verify-second-check")

	var remake int64
	var q struct {
		Items []struct {
			ID       int64 `json:"preparation_id"`
			RemakeOf int64 `json:"remake_of"`
		} `json:"items"`
	}
	api.call("GET", "/api/v1/queue", nil, &q)
	for _, it := range q.Items {
		if it.RemakeOf == cef {
			remake = it.ID
		}
	}
	if remake == 0 {
		t.Fatalf("no remake of #%d in the queue", cef)
	}
	tech := newBrowser(t, "technician", base)
	tech.loginPassword("tech1")
	tech.open("/tablet")
	card := fmt.Sprintf(`article[data-prep="%d"]`, remake)
	if s := tech.text(card); !strings.Contains(s, fmt.Sprintf("REMAKE of #%d", cef)) || !strings.Contains(s, "wrong diluent") {
		t.Fatalf("the remake's card: %q", s)
	}
	tech.screen(r, "queue-remake")
	tech.tap(card + ` form button[type=submit]`)
	tech.waitFor("the remake's first step", `!!document.querySelector('.step:not([hidden]) .remake-note')`, 10*time.Second)
	if s := tech.text(".step:not([hidden]) .remake-note"); !strings.Contains(s, "wrong diluent") {
		t.Fatalf("the first step says %q", s)
	}
	tech.screen(r, "remake-first-step")
}
