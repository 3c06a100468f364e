package e2e_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The safety officer records a failed fingertip test for tech1 on the
// competency screen; tech1's next claim on the tablet is refused in plain
// words, and the preparation stays in the queue.
func TestCompetencyGatesTheClaim(t *testing.T) {
	a := server(t)
	base := a.URL()
	r := newReport(t)
	defer r.write(t)

	safety := newBrowser(t, "safety officer", base)
	safety.loginPassword("safety1")
	safety.open("/competency")
	if !strings.Contains(safety.text("main"), "media-fill (aseptic manipulation) test due by") {
		t.Errorf("the overview does not show tech2's media fill falling due: %q", safety.text("main"))
	}
	safety.screen(r, "competency-overview")
	tech1, err := a.Store.UserIDByName(context.Background(), "tech1")
	if err != nil {
		t.Fatal(err)
	}
	safety.open(fmt.Sprintf("/competency/%d", tech1))
	if !strings.Contains(safety.text(".competency-summary"), "May compound") {
		t.Fatalf("tech1 before: %q", safety.text(".competency-summary"))
	}
	today := time.Now().In(a.Config.Location).Format("2006-01-02")
	safety.run(
		chromedp.SetValue(chromedp.CSS(`#f-kind`), "gloved_fingertip"),
		chromedp.SetValue(chromedp.CSS(`#f-passed_at`), today),
		chromedp.SetValue(chromedp.CSS(`#f-result`), "fail"),
		chromedp.SendKeys(chromedp.CSS(`#f-evaluator`), "Microbiology lab"),
		chromedp.SendKeys(chromedp.CSS(`#f-note`), "5 CFU on the left-hand plate"),
		chromedp.Click(chromedp.CSS(`form[action^="/competency/"] button[type=submit]`)),
	)
	safety.waitFor("the recorded failure", `((document.querySelector('.competency-summary') || {}).textContent || '').includes('May not compound')`, 10*time.Second)
	if s := safety.text(".competency-summary"); !strings.Contains(s, "failed on "+today) {
		t.Errorf("the summary does not say the test failed today: %q", s)
	}
	safety.screen(r, "competency-person")

	tech := newBrowser(t, "technician", base)
	tech.open("/login")
	tech.scan("TECH1")
	for _, k := range "2468" {
		tech.tap(fmt.Sprintf(`[data-keypad] button[data-key="%c"]`, k))
	}
	tech.tap(`#badge-login button[type=submit]`)
	tech.waitFor("the queue", `location.pathname === '/tablet'`, 10*time.Second)
	// The queue is swapped for a fresh copy once the live connection is
	// open; the tap waits for that, as the screen says "Live" only then.
	tech.waitFor("the live queue", `document.getElementById('live-state').textContent === 'Live'`, 10*time.Second)
	tech.tap(`.qcard form[action$="/claim"] button`)
	tech.waitFor("the refusal", `!!document.querySelector('.form-error')`, 10*time.Second)
	msg := tech.text(".form-error")
	for _, want := range []string{"You may not start", "gloved fingertip and thumb sampling failed on " + today, "Ask your supervisor"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the refusal %q lacks %q", msg, want)
		}
	}
	if page := evalIn[string](tech, `document.body.dataset.page`); page != "queue" {
		t.Errorf("after the refused claim the tablet shows %q, not the queue", page)
	}
	tech.screen(r, "claim-refused")
}
