package e2e_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// upload sends a photo of a step.
func (c *apiClient) upload(prepID int64, step, file string) {
	c.t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		c.t.Fatal(err)
	}
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	_ = mw.WriteField("step_id", step)
	fw, _ := mw.CreateFormFile("photo", "syringe.jpg")
	_, _ = fw.Write(data)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/preparations/%d/photos", c.base, prepID), &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+c.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		c.t.Fatalf("photo of %s: %d", step, res.StatusCode)
	}
}

// TestEvidenceExceptionsSummary: a cefazolin made with a refused scan and a
// weight that had to be retried reaches the pharmacist with an exceptions
// box at the top of the evidence page, each line linking to its details;
// then the pharmacist determines a specific gravity on site in the
// product screen, with a bad input refused beside its field first.
func TestEvidenceExceptionsSummary(t *testing.T) {
	a := server(t)
	base := a.URL()
	r := newReport(t)
	defer r.write(t)
	pharmAPI, tech := login(t, base, "pharm2"), login(t, base, "tech2")
	id, ws := makeWithARefusedScanAndATypedRetry(t, pharmAPI, tech)

	pharm := newBrowser(t, "pharmacist", base)
	pharm.loginPassword("pharm1")
	checkTheExceptionsBox(t, pharm, r, id, ws)
	determineAGravityOnSite(pharm, r)
}

// evidenceWorksheet is what the evidence test reads of a preparation.
type evidenceWorksheet struct {
	Steps []struct {
		ID, Kind string
		Expects  struct {
			ProductIDs     []int64 `json:"product_ids"`
			Count          int     `json:"count"`
			ExpectedWeight string  `json:"expected_weight"`
		} `json:"expects"`
	} `json:"steps"`
	AllowedProducts []struct {
		ID   int64
		GTIN string
	} `json:"allowed_products"`
	AllowedDiluents []struct {
		ID   int64
		GTIN string
	} `json:"allowed_diluents"`
}

// makeWithARefusedScanAndATypedRetry orders a cefazolin and makes it through
// the API with a refused vial scan and a typed weight out of tolerance,
// then right; it returns the preparation and its worksheet.
func makeWithARefusedScanAndATypedRetry(t *testing.T, pharmAPI, tech *apiClient) (int64, evidenceWorksheet) {
	var order struct {
		PreparationID int64 `json:"preparation_id"`
	}
	pharmAPI.call("POST", "/api/v1/orders", map[string]any{
		"patient": map[string]any{"mrn": "MRN777", "name": "Evidence, Eve", "birth_date": "1975-04-05", "weight": "70 kg",
			"height": "170 cm", "location": "5E-07"},
		"drug": "cefazolin", "dose": "1 g", "route": "IV", "diluent": "sodium chloride 0.9%", "final_volume": "100 mL",
		"due_at": time.Now().Add(time.Hour).UTC().Format(time.RFC3339), "priority": "routine"}, &order)
	id := order.PreparationID
	pp := fmt.Sprintf("/api/v1/preparations/%d", id)
	tech.call("POST", pp+"/claim", nil, nil)
	var ws evidenceWorksheet
	tech.call("GET", pp, nil, &ws)
	gtinOf := func(id int64) string {
		for _, p := range append(ws.AllowedProducts, ws.AllowedDiluents...) {
			if p.ID == id {
				return p.GTIN
			}
		}
		t.Fatalf("product %d is not allowed", id)
		return ""
	}
	exp := time.Now().AddDate(1, 0, 0).Format("060102")
	photo := photoFile(t)
	for _, s := range ws.Steps {
		switch s.Kind {
		case "scan_diluent":
			tech.call("POST", pp+"/scans", map[string]any{"step_id": s.ID, "data": gs1(gtinOf(s.Expects.ProductIDs[0]), exp, "BAG1", "")}, nil)
		case "scan_vial":
			// The bag where the vial belongs: refused.
			if st := tech.try("POST", pp+"/scans", map[string]any{"step_id": s.ID, "data": gs1(ws.AllowedDiluents[0].GTIN, exp, "BAG2", "")}); st != http.StatusUnprocessableEntity {
				t.Fatalf("wrong product scan: %d", st)
			}
			for i := 0; i < s.Expects.Count; i++ {
				tech.call("POST", pp+"/scans", map[string]any{"step_id": s.ID, "data": gs1(ws.AllowedProducts[0].GTIN, exp, "LOT7", fmt.Sprintf("EV%d", i))}, nil)
			}
		case "weigh":
			// Typed on the keypad (no balance at this hood): out of tolerance, then right.
			tech.call("POST", pp+"/weights", map[string]any{"step_id": s.ID, "measured": "9 g", "reason": "no balance at this hood"}, nil)
			tech.call("POST", pp+"/weights", map[string]any{"step_id": s.ID, "measured": s.Expects.ExpectedWeight, "reason": "no balance at this hood"}, nil)
		case "photo":
			tech.upload(id, s.ID, photo)
		default:
			tech.call("POST", pp+"/steps/"+s.ID+"/done", nil, nil)
		}
	}
	tech.call("POST", pp+"/complete", nil, nil)
	return id, ws
}

// checkTheExceptionsBox: the exceptions box comes first on the evidence
// page, names each exception, and each line links to its details.
func checkTheExceptionsBox(t *testing.T, pharm *browser, r *report, id int64, ws evidenceWorksheet) {
	pharm.open(fmt.Sprintf("/verify/%d", id))
	pharm.waitFor("the exceptions box", `!!document.querySelector('#exceptions.has-exceptions')`, 10*time.Second)
	first := evalIn[string](pharm, `document.querySelector('.evidence .card').id`)
	if first != "exceptions" {
		t.Fatalf("the exceptions box is not before the evidence (first: %q)", first)
	}
	text := evalIn[string](pharm, `document.getElementById('exceptions').innerText`)
	stepNo := map[string]int{}
	for i, s := range ws.Steps {
		stepNo[s.Kind] = i + 1
	}
	for _, want := range []string{fmt.Sprintf("Scan refused at step %d", stepNo["scan_vial"]),
		fmt.Sprintf("Weight out of tolerance once at step %d", stepNo["weigh"]), "before a weight within tolerance",
		fmt.Sprintf("2 weights typed at step %d", stepNo["weigh"]), "no balance at this hood"} {
		if !strings.Contains(text, want) {
			t.Errorf("the exceptions box does not say %q:\n%s", want, text)
		}
	}
	// Each line links to its details on the page.
	links := evalIn[[]string](pharm, `[...document.querySelectorAll('#exceptions a')].map(a => a.getAttribute('href'))`)
	for _, href := range links {
		if !evalIn[bool](pharm, fmt.Sprintf(`!!document.getElementById(%q)`, strings.TrimPrefix(href, "#"))) {
			t.Errorf("exception link %s points nowhere", href)
		}
	}
	pharm.screen(r, "verify-exceptions")
}

// determineAGravityOnSite: in the product screen the pharmacist determines
// vancomycin's specific gravity (none is on record), a bad input refused
// beside its field first.
func determineAGravityOnSite(pharm *browser, r *report) {
	pharm.open("/gravities")
	pharm.waitFor("the products", `!!document.querySelector('main table a')`, 10*time.Second)
	pharm.screen(r, "gravities")
	href := evalIn[string](pharm, `[...document.querySelectorAll('main table a')].find(a => a.textContent.includes('vancomycin')).getAttribute('href')`)
	pharm.open(href)
	fill := func(vals map[string]string) {
		for k, v := range vals {
			pharm.run(chromedp.SetValue(chromedp.CSS("#f-"+k), v))
		}
		pharm.tap(`main form button[type=submit]`)
	}
	fill(map[string]string{"concentration": "50 mg/mL", "lot": "VL9", "volume": "10 mL", "mass_1": "10.32 g", "mass_2": "10.9 g"})
	pharm.waitFor("the refusal beside the field", `!!document.querySelector('#e-mass_2')`, 10*time.Second)
	pharm.screen(r, "gravity-refused")
	fill(map[string]string{"mass_2": "10.34 g"})
	pharm.waitFor("the recorded value", `!!document.querySelector('.flash') && document.querySelector('.flash').textContent.includes('1.033')`, 10*time.Second)
	pharm.screen(r, "gravity-recorded")
}
