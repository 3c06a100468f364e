package e2e_test

import (
	"bytes"
	"fmt"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// makeWithLot orders potassium chloride for a patient and has tech1 make
// it through the API from vials of lot, scanning the bag on the vial step
// first (refused); it returns the preparation's id.
func makeWithLot(t *testing.T, pharm, tech *apiClient, lot string) int64 {
	t.Helper()
	var o struct {
		PreparationID int64 `json:"preparation_id"`
	}
	pharm.call("POST", "/api/v1/orders", map[string]any{
		"patient": map[string]any{"mrn": "MRN4242", "name": "Lovelace, Ada", "birth_date": "1970-12-10", "weight": "60 kg",
			"height": "165 cm", "location": "4W-12"},
		"drug": "potassium chloride", "dose": "20 mEq", "route": "IV", "diluent": "sodium chloride 0.9%", "final_volume": "100 mL",
		"due_at": time.Now().Add(2 * time.Hour).UTC().Format(time.RFC3339), "priority": "routine",
	}, &o)
	id := o.PreparationID
	p := fmt.Sprintf("/api/v1/preparations/%d", id)
	tech.call("POST", p+"/claim", nil, nil)
	var ws struct {
		Steps []prepStep `json:"steps"`
		Prods []struct {
			GTIN string `json:"gtin"`
		} `json:"allowed_products"`
		Bags []struct {
			GTIN string `json:"gtin"`
		} `json:"allowed_diluents"`
	}
	tech.call("GET", p, nil, &ws)
	exp := time.Now().AddDate(1, 0, 0).Format("060102")
	refused := false
	for i, s := range ws.Steps {
		switch s.Kind {
		case "scan_diluent":
			tech.call("POST", p+"/scans", map[string]any{"step_id": s.ID, "data": gs1(ws.Bags[0].GTIN, exp, "BAG5", "")}, nil)
		case "scan_vial":
			if !refused {
				if st := tech.try("POST", p+"/scans", map[string]any{"step_id": s.ID, "data": gs1(ws.Bags[0].GTIN, exp, "BAG5", "")}); st != http.StatusUnprocessableEntity {
					t.Fatalf("a bag on the vial step: %d", st)
				}
				refused = true
			}
			for n := 0; n < max(s.Expects.Count, 1); n++ {
				tech.call("POST", p+"/scans", map[string]any{"step_id": s.ID, "data": gs1(ws.Prods[0].GTIN, exp, lot, fmt.Sprintf("SE%d%d%d", id, i, n))}, nil)
			}
		case "weigh":
			// Potassium chloride is high-alert: a typed weight needs a
			// reason and a second person's badge and PIN.
			tech.call("POST", p+"/weights", map[string]any{"step_id": s.ID, "measured": s.Expects.ExpectedWeight,
				"reason": "no balance at this hood", "witness_badge": "TECH2", "witness_pin": "2468"}, nil)
		case "photo":
			tech.upload(id, s.ID, photoFile(t))
		default:
			tech.call("POST", p+"/steps/"+s.ID+"/done", nil, nil)
		}
	}
	tech.call("POST", p+"/complete", nil, nil)
	return id
}

// codeOnPage finds a snake_case code in a page's text.
var codeOnPage = regexp.MustCompile(`\b[a-z0-9]+_[a-z0-9_]+\b`)

// The safety officer's screens at both tablet sizes: the log in plain
// words with the drug and patient, nothing cut off in portrait, the recall
// by lot found through the form, the dashboard's charts, the shift and
// override look-ups; each weighed, axe-checked and screenshotted.
func TestSafetyOfficerScreens(t *testing.T) {
	a := server(t)
	base := a.URL()
	r := newReport(t)
	defer r.write(t)
	id := makeWithLot(t, login(t, base, "pharm1"), login(t, base, "tech1"), "RECALL7")

	b := newBrowser(t, "safety officer", base)
	b.loginPassword("safety1")
	b.open("/log")
	main := b.text("main")
	for _, want := range []string{"Scan refused", "Wrong product", "Lovelace, Ada", "MRN4242", "Preparation finished", fmt.Sprintf("#%d", id)} {
		if !bytes.Contains([]byte(main), []byte(want)) {
			t.Errorf("the log lacks %q", want)
		}
	}
	if m := codeOnPage.FindAllString(evalIn[string](b, `document.querySelector('main').innerText`), 5); len(m) > 0 {
		t.Errorf("the log shows codes: %q", m)
	}
	b.screen(r, "safety-log")
	// In portrait every event is a card: no cell runs past the screen or
	// is clipped.
	b.run(chromedp.EmulateViewport(800, 1280))
	cut := evalIn[[]string](b, `[...document.querySelectorAll('.log-table td')].filter(td =>
		td.getBoundingClientRect().right > window.innerWidth + 1 || td.scrollWidth > td.clientWidth + 1).slice(0, 5).map(td => td.textContent.trim().slice(0, 60))`)
	if len(cut) > 0 {
		t.Errorf("in portrait these log cells are cut off: %q", cut)
	}
	b.run(chromedp.EmulateViewport(1280, 800))

	// Recall: the lot typed into the form finds the preparation and its patient.
	b.open("/safety/recall")
	b.run(chromedp.SendKeys(chromedp.CSS("#f-lot"), "recall7"), chromedp.Click(chromedp.CSS(`form.filters button[type=submit]`)))
	b.waitFor("the recall's answer", `!!document.querySelector('.lookup-summary')`, 10*time.Second)
	if got := b.text(".lookup-summary"); got != "Lot recall7 went into 1 preparation(s); 0 released to the floor." {
		t.Errorf("recall summary %q", got)
	}
	if main := b.text("main"); !bytes.Contains([]byte(main), []byte("Lovelace, Ada")) || !bytes.Contains([]byte(main), []byte("waiting for")) {
		t.Errorf("the recall does not name the patient and where the dose is:\n%s", main)
	}
	b.screen(r, "safety-recall")

	b.open("/safety/dashboard")
	if !evalIn[bool](b, `document.querySelectorAll('.chart svg').length > 0 && document.querySelectorAll('table.bars .bar').length > 0`) {
		t.Error("the dashboard draws no chart")
	}
	if main := b.text("main"); !bytes.Contains([]byte(main), []byte("errors caught")) || !bytes.Contains([]byte(main), []byte("Wrong product")) {
		t.Errorf("the dashboard:\n%s", main)
	}
	b.screen(r, "safety-dashboard")

	b.open("/safety/shift?user=tech1")
	if got := b.text(".lookup-summary"); !bytes.Contains([]byte(got), []byte("1 error(s) caught")) {
		t.Errorf("shift summary %q", got)
	}
	b.screen(r, "safety-shift")
	b.open("/safety/overrides")
	b.screen(r, "safety-overrides")
	for _, p := range []string{"/safety/recall?lot=RECALL7", "/safety/dashboard", "/safety/shift?user=tech1", "/safety/overrides"} {
		b.open(p)
		if m := codeOnPage.FindAllString(evalIn[string](b, `document.querySelector('main').innerText`), 5); len(m) > 0 {
			t.Errorf("%s shows codes: %q", p, m)
		}
	}
}
