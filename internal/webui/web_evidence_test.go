package webui_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// TestEvidencePageForTheDecision: the evidence page chooses no decision for
// the pharmacist, shows the label, puts each step's evidence under its
// step, counts the weight checks done, and says how long each item has
// waited on the verification queue.
func TestEvidencePageForTheDecision(t *testing.T) {
	e, _ := webServer(t)
	id := paperComplete(t, e, "cefazolin")
	tok := session(t, e, "pharm2")
	page := browse(e, "GET", fmt.Sprintf("/verify/%d", id), tok, nil).Body.String()
	if regexp.MustCompile(`name="decision"[^>]*checked`).MatchString(page) {
		t.Error("a decision is chosen before the pharmacist chose one")
	}
	if !strings.Contains(page, fmt.Sprintf(`/api/v1/preparations/%d/label?format=html`, id)) {
		t.Error("the evidence page does not show the label")
	}
	if !strings.Contains(page, "Steps and their evidence") || !strings.Contains(page, `class="step-ev`) {
		t.Error("the evidence is not grouped by step")
	}
	if strings.Contains(page, "Weight checks: 2") {
		t.Error("the weight checks count what was planned, not what was done")
	}
	text := regexp.MustCompile(`(?s)<[^>]*>`).ReplaceAllString(page, " ")
	if m := regexp.MustCompile(`\d+\.\d{5,}`).FindString(text); m != "" {
		t.Errorf("the page shows %s, beyond display precision", m)
	}
	list := browse(e, "GET", "/verify", tok, nil).Body.String()
	if !strings.Contains(list, "Waiting for a check") {
		t.Error("the verification queue does not say how long items have waited")
	}
	// Signing without a choice is refused in words, not taken as approval.
	form := map[string][]string{"csrf_token": {csrfOf(t, page)}, "pin": {"2468"}, "version": {versionOf(page)}}
	rec := browse(e, "POST", fmt.Sprintf("/verify/%d", id), tok, form)
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "Choose approve or reject") {
		t.Errorf("a decision without a choice = %d", rec.Code)
	}
}

func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no CSRF token on the page")
	}
	return m[1]
}

func versionOf(page string) string {
	m := regexp.MustCompile(`name="version" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return m[1]
}
