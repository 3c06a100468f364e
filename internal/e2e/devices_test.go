package e2e_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/shopspring/decimal"

	"github.com/laminar-rx/laminar/internal/app"
	"github.com/laminar-rx/laminar/internal/zpltest"
)

// TestWeighOnTheBalanceAndPrint is the demo's devices at work: the tablet
// is put at the demo hood, weighs on the simulated balance (tare, an
// unsettled reading refused, a stable one accepted — nothing typed) and
// prints the label on the hood's printer, which receives ZPL carrying the
// label's DataMatrix.
func TestWeighOnTheBalanceAndPrint(t *testing.T) {
	a := server(t)
	if a.DemoBalance == nil || a.DemoPrinter == nil {
		t.Fatal("the demo server has no simulated balance or printer")
	}
	base := a.URL()
	r := newReport(t)
	defer r.write(t)
	api := login(t, base, "pharm2")

	// Scanning is another test's subject: here the technician signs in
	// with a password and the containers are scanned over the API.
	tech := newBrowser(t, "technician", base)
	tech.loginPassword("tech1")
	tech.open("/tablet")
	techAPI := login(t, base, "tech1")
	prepID := claimAtTheDemoHood(t, tech, r, api)
	makeWeighingOnTheBalance(t, a, tech, r, api, techAPI, prepID)
	checkTheLabelPrintedOnTheHood(t, a, tech, r, api, prepID)
	checkTheBalanceReadingIsLogged(t, base, prepID)
}

// claimAtTheDemoHood puts the tablet at the demo hood and claims the STAT
// cefazolin of the demo queue, returning its preparation.
func claimAtTheDemoHood(t *testing.T, tech *browser, r *report, api *apiClient) int64 {
	tech.waitFor("the hood picker", `!!document.getElementById('hood-select')`, 10*time.Second)
	evalIn[bool](tech, fmt.Sprintf(`(() => { const s = document.getElementById('hood-select'); s.value = %q;
		s.dispatchEvent(new Event('change')); return true })()`, app.DemoHood))
	tech.waitFor("the hood's devices", `document.querySelector('.hood-devices').textContent.indexOf('balance Demo balance') >= 0`, 10*time.Second)
	tech.screen(r, "queue-hood")

	var prepID int64
	for _, it := range api.queue() {
		if strings.Contains(strings.ToLower(it.Drug), "cefazolin") && it.Priority == "stat" {
			prepID = it.ID
			break
		}
	}
	if prepID == 0 {
		t.Fatal("no STAT cefazolin in the demo queue")
	}
	tech.tap(fmt.Sprintf(`form[action="/tablet/prep/%d/claim"] button`, prepID))
	tech.waitFor("the guided preparation", fmt.Sprintf(`location.pathname === '/tablet/prep/%d'`, prepID), 10*time.Second)
	return prepID
}

// makeWeighingOnTheBalance walks the preparation's steps on the tablet
// (scans over the API), weighing on the simulated balance, up to the label.
func makeWeighingOnTheBalance(t *testing.T, a *app.App, tech *browser, r *report, api, techAPI *apiClient, prepID int64) {
	doc := api.prep(prepID)
	photo := photoFile(t)
	sim := a.DemoBalance
	weighed := 0
	for guard := 0; guard < 25; guard++ {
		kind := evalIn[string](tech, `(document.querySelector('.step:not([hidden])') || {dataset: {}}).dataset.kind || ''`)
		step := evalIn[string](tech, `(document.querySelector('.step:not([hidden])') || {dataset: {}}).dataset.step || ''`)
		switch kind {
		case "scan":
			// Every scan step (bag, vials, the water that dissolves the
			// powder) with its own product, one container each.
			for _, s := range doc.Steps {
				if s.Kind != "scan_diluent" && s.Kind != "scan_vial" {
					continue
				}
				p := api.product(s.Expects.ProductIDs[0])
				for i := 0; i < max(s.Expects.Count, 1); i++ {
					techAPI.call("POST", fmt.Sprintf("/api/v1/preparations/%d/scans", prepID), map[string]string{"step_id": s.ID,
						"data": gs1(p.unitGTIN(), "301231", "A123", fmt.Sprintf("%s-SN%d", s.ID, i+1))}, nil)
				}
			}
			tech.open(fmt.Sprintf("/tablet/prep/%d", prepID))
			continue
		case "weight":
			weighed++
			weighStep(t, tech, r, sim, weighed == 1)
		case "manual":
			if evalIn[bool](tech, `!!document.querySelector('.step:not([hidden]) .photo-input')`) {
				tech.run(chromedp.SetUploadFiles(chromedp.CSS(`.step:not([hidden]) .photo-input`), []string{photo}))
				tech.waitFor("the photo shown back", `!document.querySelector('.step:not([hidden]) .photo-preview').hidden`, 5*time.Second)
				tech.tap(`.step:not([hidden]) .use-photo`)
			} else {
				tech.tap(`.step:not([hidden]) .mark-done`)
			}
		case "photo":
			tech.run(chromedp.SetUploadFiles(chromedp.CSS(`.step:not([hidden]) .photo-input`), []string{photo}))
			tech.tap(`.step:not([hidden]) .use-photo`)
		case "complete":
			tech.tap(`#complete`)
		case "label":
			guard = 99
			continue
		default:
			t.Fatalf("unexpected step kind %q", kind)
		}
		tech.waitFor("the next step or a refusal", fmt.Sprintf(`(document.querySelector('.step:not([hidden])') || {dataset: {}}).dataset.step !== %q
			|| document.getElementById('feedback').dataset.kind === 'bad'`, step), 15*time.Second)
		if fk, text := tech.feedback(); fk == "bad" {
			t.Fatalf("step %s (%s): %s", step, kind, text)
		}
	}
	if weighed == 0 {
		t.Fatal("the preparation had no weigh step")
	}
}

// checkTheLabelPrintedOnTheHood: completing printed the label on the hood's
// printer, not in the browser, as ZPL whose DataMatrix carries the label data.
func checkTheLabelPrintedOnTheHood(t *testing.T, a *app.App, tech *browser, r *report, api *apiClient, prepID int64) {
	tech.waitFor("the printed label", `document.getElementById('feedback').textContent.indexOf('Label printed on') >= 0`, 30*time.Second)
	tech.screen(r, "prep-label-printed")
	jobs := a.DemoPrinter.Jobs()
	if len(jobs) != 1 {
		t.Fatalf("the printer received %d jobs, want 1", len(jobs))
	}
	var prep struct {
		LabelSeq  int    `json:"label_seq"`
		LabelData string `json:"label_data"`
	}
	api.call("GET", fmt.Sprintf("/api/v1/preparations/%d", prepID), nil, &prep)
	want := fmt.Sprintf("LMN-P%d-L%d", prepID, prep.LabelSeq)
	if prep.LabelSeq < 1 || !regexp.MustCompile(`\^BXN,\d+,200\^FH_\^FD`+want+`\^FS`).MatchString(jobs[0]) {
		t.Fatalf("the printed ZPL does not carry %s in its DataMatrix:\n%s", want, jobs[0])
	}
	img := zpltest.Render(t, []byte(jobs[0]), 101.6, 76.2, 8)
	if got := zpltest.DataMatrix(t, img, 0.65, 0, 1, 0.44); got != want {
		t.Fatalf("the printed label's DataMatrix reads %q, want %q", got, want)
	}
}

// checkTheBalanceReadingIsLogged: the log keeps the balance's own reading
// with each weight.
func checkTheBalanceReadingIsLogged(t *testing.T, base string, prepID int64) {
	var ev struct {
		Events []struct {
			Payload map[string]any `json:"payload"`
		} `json:"events"`
	}
	login(t, base, "safety1").call("GET", fmt.Sprintf("/api/v1/audit?preparation_id=%d&type=preparation.weight_recorded", prepID), nil, &ev)
	if len(ev.Events) == 0 {
		t.Fatal("no weight in the log")
	}
	for _, e := range ev.Events {
		raw, _ := e.Payload["raw"].(string)
		if !strings.HasPrefix(raw, "S S ") || e.Payload["balance_id"] == nil || e.Payload["readability"] != "0.001 g" {
			t.Fatalf("a weight without the balance's reading: %v", e.Payload)
		}
	}
}

// weighStep weighs the current step on the simulated balance as a
// technician does: empty syringe on the pan and Tare, then the filled
// syringe; while the reading moves the weight is refused, once it settles
// it is accepted.
func weighStep(t *testing.T, tech *browser, r *report, sim interface {
	SetWeight(decimal.Decimal)
	SetUnstable(time.Duration)
}, shoot bool) {
	t.Helper()
	tech.waitFor("the balance on the weigh step", `!!document.querySelector('.step:not([hidden]) .balance-panel')`, 10*time.Second)
	want := evalIn[string](tech, `document.querySelector('.step:not([hidden]) .qty').textContent`)
	expected, err := decimal.NewFromString(strings.ReplaceAll(strings.TrimSuffix(strings.TrimSpace(want), " g"), ",", ""))
	if err != nil {
		t.Fatalf("expected weight %q: %v", want, err)
	}
	if evalIn[bool](tech, `!!document.querySelector('.step:not([hidden]) .weigh:not(details .weigh)')`) {
		t.Fatal("the keypad is offered as the way to weigh while a balance is bound")
	}
	empty := decimal.RequireFromString("5.118")
	sim.SetUnstable(0)
	sim.SetWeight(empty)
	tech.tap(`.step:not([hidden]) .tare`)
	tech.waitFor("the tare", `document.querySelector('.step:not([hidden]) .balance-panel').dataset.tared === '1'
		|| document.getElementById('feedback').dataset.kind === 'bad'`, 15*time.Second)
	if fk, text := tech.feedback(); fk != "ok" {
		t.Fatalf("tare: %s %s", fk, text)
	}
	// The filled syringe goes on the pan and the reading moves.
	sim.SetWeight(empty.Add(expected))
	sim.SetUnstable(-1)
	tech.waitFor("a moving live reading", `document.querySelector('.step:not([hidden]) .balance-state').textContent.indexOf('moving') >= 0`, 10*time.Second)
	tech.tap(`.step:not([hidden]) .take-reading`)
	tech.waitFor("the refusal", `document.getElementById('feedback').dataset.kind === 'bad'`, 20*time.Second)
	if _, text := tech.feedback(); !strings.Contains(text, "did not settle") {
		t.Fatalf("an unsettled reading was not refused in plain words: %s", text)
	}
	if shoot {
		tech.screen(r, "prep-weigh-unstable")
	}
	sim.SetUnstable(0)
	tech.waitFor("a stable live reading", `document.querySelector('.step:not([hidden]) .balance-state').textContent === 'stable'`, 10*time.Second)
	if shoot {
		tech.screen(r, "prep-weigh-stable")
	}
	tech.tap(`.step:not([hidden]) .take-reading`)
	tech.waitFor("the accepted weight", `document.getElementById('feedback').dataset.kind === 'ok'`, 20*time.Second)
	if _, text := tech.feedback(); !strings.Contains(text, "within tolerance") {
		t.Fatalf("the stable reading: %s", text)
	}
}
