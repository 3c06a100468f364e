package workflow_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/barcode"
	"github.com/laminar-rx/laminar/internal/bud"
)

// withIndicator turns a unit GTIN-14 into the GTIN of a case or carton
// of it: packaging indicator ind, same NDC, new check digit.
func withIndicator(t *testing.T, gtin string, ind byte) string {
	t.Helper()
	body := string(ind) + gtin[1:13]
	cd, err := barcode.CheckDigit(body)
	if err != nil {
		t.Fatal(err)
	}
	return body + string(cd)
}

// TestScanResolution checks that a component scan is resolved by the
// formulary's own resolution: cases and cartons by their NDC, withdrawn
// products refused, and an expiry required; every refusal is recorded.
func TestScanResolution(t *testing.T) {
	h := newHarness(t)
	id := h.order(simpleOrder("potassium chloride", "20 mEq", "sodium chloride 0.9%", "100 mL"))
	h.must(http.StatusOK, "tech1", "POST", path(id, "/claim"), nil)
	w := h.prep(id)
	var vialStep, bagStep string
	for _, s := range w.Steps {
		switch s.Kind {
		case "scan_vial":
			vialStep = s.ID
		case "scan_diluent":
			bagStep = s.ID
		}
	}
	if vialStep == "" || bagStep == "" {
		t.Fatalf("worksheet has no scan steps: %+v", w.Steps)
	}
	exp := time.Now().AddDate(1, 0, 0)
	vial := w.AllowedProducts[0].GTIN
	bag := w.AllowedDiluents[0].GTIN
	// A product of another drug, then withdrawn from use.
	var other int64
	var otherGTIN string
	if err := h.st.DB.Get(&other, `SELECT p.id FROM products p JOIN drugs d ON d.id = p.drug_id
		WHERE d.name = 'heparin' ORDER BY p.id LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	if err := h.st.DB.Get(&otherGTIN, `SELECT gtin14 FROM product_codes WHERE product_id = $1 ORDER BY (kind = 'unit') DESC, id LIMIT 1`, other); err != nil {
		t.Fatal(err)
	}
	if _, err := h.st.DB.Exec(`UPDATE products SET active = false WHERE id = $1`, other); err != nil {
		t.Fatal(err)
	}
	// The raw element string a scanner sends when the GS after the lot is
	// lost: the parser reads "LOT7" + "17" + the date as one lot.
	dropped := "01" + bag + "10LOT717" + exp.Format("060102")

	for _, tc := range []struct {
		name, step, data string
		status           int
		code             string
		msg              string
	}{
		{"a case GTIN resolves to its product", bagStep, gs1(withIndicator(t, bag, '5'), exp, "BAG9", ""), http.StatusCreated, "", ""},
		{"a withdrawn product", vialStep, gs1(otherGTIN, exp, "L1", "S1"), http.StatusUnprocessableEntity, "inactive_product", ""},
		{"no expiry: separator dropped", vialStep, dropped, http.StatusUnprocessableEntity, "ambiguous", "(10)LOT7(17)"},
		{"no expiry: element string without AI 17", vialStep, "(01)" + vial + "(10)L5(21)S77", http.StatusUnprocessableEntity, "bad_barcode", "no expiry"},
		{"unknown GTIN", vialStep, gs1(withIndicator(t, "00399999999995", '0'), exp, "L1", ""), http.StatusUnprocessableEntity, "unknown_product", ""},
		{"unreadable", vialStep, "(01)123", http.StatusUnprocessableEntity, "bad_barcode", ""},
		{"expired", vialStep, gs1(vial, time.Now().AddDate(0, -1, 0), "OLD", "S2"), http.StatusUnprocessableEntity, "expired", ""},
		{"the vial itself", vialStep, gs1(vial, exp, "LOT1", "S3"), http.StatusCreated, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := h.call("tech1", "POST", path(id, "/scans"), map[string]any{"step_id": tc.step, "data": tc.data})
			if r.Status != tc.status || r.code() != tc.code {
				t.Fatalf("status %d code %q, want %d %q: %s", r.Status, r.code(), tc.status, tc.code, r.Body)
			}
			if tc.msg != "" && !strings.Contains(string(r.Body), tc.msg) {
				t.Fatalf("message does not say %q: %s", tc.msg, r.Body)
			}
			var n int
			if err := h.st.DB.Get(&n, `SELECT count(*) FROM scans WHERE preparation_id = $1 AND raw_data = $2 AND accepted = $3 AND refusal_code = $4`,
				id, tc.data, tc.code == "", tc.code); err != nil || n != 1 {
				t.Fatalf("scan recorded %d times (%v)", n, err)
			}
		})
	}
	// The withdrawn product's refusal is recorded with the product.
	var pid *int64
	if err := h.st.DB.Get(&pid, `SELECT product_id FROM scans WHERE preparation_id = $1 AND refusal_code = 'inactive_product'`, id); err != nil || pid == nil || *pid != other {
		t.Fatalf("inactive scan recorded with product %v (%v), want %d", pid, err, other)
	}
}

// TestWorksheetUsesRulesInForce adds a rule version with shorter limits:
// the next order's worksheet uses and names it at once, and a worksheet
// stored before is unchanged.
func TestWorksheetUsesRulesInForce(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	order := func() map[string]any {
		return simpleOrder("potassium chloride", "20 mEq", "sodium chloride 0.9%", "100 mL")
	}
	old := h.order(order())
	stored := func(id int64) string {
		var ws string
		if err := h.st.DB.Get(&ws, `SELECT worksheet::text FROM preparations WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
		return ws
	}
	before := stored(old)

	rules := bud.DefaultRules()
	rules.Version, rules.EffectiveFrom = "site-short-1", time.Time{}
	rows := make([]bud.CategoryLimit, len(rules.CategoryLimits))
	for i, row := range rules.CategoryLimits {
		limits := map[bud.Storage]bud.Duration{}
		for k := range row.Limits {
			limits[k] = bud.Duration(90 * time.Minute)
		}
		row.Limits = limits
		rows[i] = row
	}
	rules.CategoryLimits = rows
	if _, err := h.st.AddBUDRules(ctx, h.users["admin1"], rules); err != nil {
		t.Fatalf("add rules: %v", err)
	}
	placed := time.Now()
	id := h.order(order())
	var got struct {
		BUD struct {
			BUD          time.Time `json:"bud"`
			RulesVersion string    `json:"rules_version"`
		} `json:"bud"`
	}
	h.must(http.StatusOK, "pharm1", "GET", path(id, ""), nil).json(t, &got)
	if got.BUD.RulesVersion != "site-short-1" {
		t.Fatalf("new worksheet BUD names rules %q, want site-short-1", got.BUD.RulesVersion)
	}
	if got.BUD.BUD.After(placed.Add(90*time.Minute + time.Minute)) {
		t.Fatalf("new worksheet BUD %s is beyond the new 90 min limit from %s", got.BUD.BUD, placed)
	}
	if after := stored(old); after != before {
		t.Fatalf("the older worksheet changed:\nbefore %s\nafter  %s", before, after)
	}
	var oldWS struct {
		BUD struct {
			RulesVersion string `json:"rules_version"`
		} `json:"bud"`
	}
	if err := json.Unmarshal([]byte(before), &oldWS); err != nil || oldWS.BUD.RulesVersion == "site-short-1" || oldWS.BUD.RulesVersion == "" {
		t.Fatalf("older worksheet rules %q (%v)", oldWS.BUD.RulesVersion, err)
	}
}

// TestPhotoServed uploads a step photo and reads it back as the
// pharmacist's page does.
func TestPhotoServed(t *testing.T) {
	h := newHarness(t)
	id := h.order(simpleOrder("potassium chloride", "20 mEq", "sodium chloride 0.9%", "100 mL"))
	h.must(http.StatusOK, "tech1", "POST", path(id, "/claim"), nil)
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	_ = mw.WriteField("step_id", "inspect")
	fw, _ := mw.CreateFormFile("photo", "p.png")
	_, _ = fw.Write(png)
	_ = mw.Close()
	r := h.must(http.StatusCreated, "tech1", "POST", path(id, "/photos"), b.String(), "Content-Type", mw.FormDataContentType())
	var up struct {
		ID int64 `json:"id"`
	}
	r.json(t, &up)

	list, err := h.st.Photos(context.Background(), id)
	if err != nil || len(list) != 1 {
		t.Fatalf("photos %+v %v", list, err)
	}
	p := list[0]
	if p.ID != up.ID || p.StepID != "inspect" || p.TakenBy != h.users["tech1"] || p.ContentType != "image/png" || p.Size != int64(len(png)) || p.TakenAt.IsZero() {
		t.Fatalf("photo info %+v", p)
	}
	for _, tc := range []struct {
		name, user, path string
		status           int
	}{
		{"pharmacist", "pharm2", path(id, fmt.Sprintf("/photos/%d", up.ID)), http.StatusOK},
		{"safety officer", "safety1", path(id, fmt.Sprintf("/photos/%d", up.ID)), http.StatusOK},
		{"another preparation's photo", "pharm2", path(id+1, fmt.Sprintf("/photos/%d", up.ID)), http.StatusNotFound},
		{"no such photo", "pharm2", path(id, fmt.Sprintf("/photos/%d", up.ID+100)), http.StatusNotFound},
		{"not a number", "pharm2", path(id, "/photos/x"), http.StatusBadRequest}, // field photo_id
		{"anonymous", "", path(id, fmt.Sprintf("/photos/%d", up.ID)), http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := h.call(tc.user, "GET", tc.path, nil)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Body)
			}
			if tc.status != http.StatusOK {
				return
			}
			if !bytes.Equal(r.Body, png) || r.Header.Get("Content-Type") != "image/png" || r.Header.Get("Cache-Control") != "private, max-age=86400" {
				t.Fatalf("served %d bytes as %q, cache %q", len(r.Body), r.Header.Get("Content-Type"), r.Header.Get("Cache-Control"))
			}
		})
	}
}
