package e2e_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestReferencePictureOnTheStep: an admin uploads a product's reference
// picture on its form (a phone-sized photo, stored scaled down); the
// technician's step that scans that product shows it, small and
// lazy-loaded, with the product's name as its text, and the page stays
// within its weight at both tablet sizes.
func TestReferencePictureOnTheStep(t *testing.T) {
	a := server(t)
	base := a.URL()
	r := newReport(t)
	defer r.write(t)
	pharmAPI, techAPI := login(t, base, "pharm2"), login(t, base, "tech2")

	var order struct {
		PreparationID int64 `json:"preparation_id"`
	}
	pharmAPI.call("POST", "/api/v1/orders", map[string]any{
		"patient": map[string]any{"mrn": "MRN778", "name": "Picture, Pat", "birth_date": "1980-02-03", "weight": "70 kg",
			"height": "170 cm", "location": "5E-08"},
		"drug": "cefazolin", "dose": "1 g", "route": "IV", "diluent": "sodium chloride 0.9%", "final_volume": "100 mL",
		"due_at": time.Now().Add(time.Hour).UTC().Format(time.RFC3339), "priority": "routine"}, &order)
	id := order.PreparationID
	techAPI.call("POST", fmt.Sprintf("/api/v1/preparations/%d/claim", id), nil, nil)
	var ws struct {
		Steps []struct {
			ID, Kind string
			Expects  struct {
				ProductIDs []int64  `json:"product_ids"`
				Products   []string `json:"products"`
			} `json:"expects"`
		} `json:"steps"`
	}
	techAPI.call("GET", fmt.Sprintf("/api/v1/preparations/%d", id), nil, &ws)
	if len(ws.Steps) == 0 || !strings.HasPrefix(ws.Steps[0].Kind, "scan") || len(ws.Steps[0].Expects.ProductIDs) == 0 {
		t.Fatalf("the first step scans no product: %+v", ws.Steps)
	}
	first := ws.Steps[0]
	productID, productName := first.Expects.ProductIDs[0], first.Expects.Products[0]

	// Before: the step says there is no picture yet.
	tech := newBrowser(t, "tech", base)
	tech.loginPassword("tech2")
	tech.open(fmt.Sprintf("/tablet/prep/%d", id))
	tech.waitFor("the first step", `!!document.querySelector('.step:not([hidden])')`, 10*time.Second)
	if s := tech.text(`.step:not([hidden]) .ref-pic`); !strings.Contains(s, "No reference picture yet") {
		t.Errorf("the step without a picture reads %q", s)
	}

	admin := newBrowser(t, "admin", base)
	admin.loginPassword("admin1")
	admin.open(fmt.Sprintf("/admin/products/%d", productID))
	admin.run(chromedp.SetUploadFiles(chromedp.CSS(`#f-picture`), []string{photoFile(t)}))
	admin.submitAndWait(`#reference-picture button[type=submit]`, "the uploaded picture")
	if !strings.Contains(admin.text(".flash"), "Saved the reference picture") {
		t.Fatalf("the picture was not saved: %s", admin.text("main"))
	}
	admin.waitFor("the picture on the form", `(() => { const i = document.querySelector('#reference-picture img'); return !!i && i.complete && i.naturalWidth > 0; })()`, 10*time.Second)
	if w := evalIn[int](admin, `document.querySelector('#reference-picture img').naturalWidth`); w > 256 {
		t.Errorf("the stored picture is %d px wide", w)
	}
	admin.assertPlainWords("product form with its picture")
	admin.screen(r, "product-reference-picture")

	tech.open(fmt.Sprintf("/tablet/prep/%d", id))
	tech.waitFor("the reference picture on the step", `(() => { const i = document.querySelector('.step:not([hidden]) .ref-pic img');
		return !!i && i.complete && i.naturalWidth > 0; })()`, 10*time.Second)
	img := evalIn[map[string]string](tech, `(() => { const i = document.querySelector('.step:not([hidden]) .ref-pic img');
		return {alt: i.alt, loading: i.getAttribute('loading'), src: i.getAttribute('src'), shown: String(i.getBoundingClientRect().width)}; })()`)
	if !strings.EqualFold(img["alt"], "Reference picture of "+productName) || img["loading"] != "lazy" ||
		!strings.HasPrefix(img["src"], fmt.Sprintf("/api/v1/products/%d/pictures/", productID)) || img["shown"] != "96" {
		t.Errorf("the step's picture: %v (product %q)", img, productName)
	}
	tech.screen(r, "step-reference-picture")
}
