package workflow_test

import (
	"context"
	"fmt"
	"image"
	_ "image/png"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/datamatrix"

	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// cefazolinOrder is a STAT 2 g cefazolin in 100 mL normal saline.
func cefazolinOrder(due time.Time) map[string]any {
	return map[string]any{
		"patient": map[string]any{"mrn": "MRN555001", "name": "Test, Patient", "birth_date": "1970-02-03",
			"weight": "80 kg", "height": "180 cm", "location": "4W-01"},
		"drug": "cefazolin", "dose": "2 g", "route": "IV", "diluent": "sodium chloride 0.9%",
		"final_volume": "100 mL", "infuse_over": "30 min", "due_at": due.UTC().Format(time.RFC3339), "priority": "stat",
	}
}

// addDualRoleUser adds a user holding both technician and pharmacist roles,
// the only kind of person who could try to verify their own work.
func (h *harness) addDualRoleUser(name string) {
	h.t.Helper()
	u, err := h.st.CreateUser(context.Background(), store.NewUser{Username: name, Roles: []string{"technician", "pharmacist"}},
		store.Change{At: time.Now()})
	if err != nil {
		h.t.Fatal(err)
	}
	h.users[name] = u.ID
	h.auth.users[name] = &auth.Principal{UserID: u.ID, Username: name, Roles: []auth.Role{auth.Technician, auth.Pharmacist}}
	h.auth.byID[u.ID] = name
	h.qualify(name)
}

// TestEndToEnd runs one preparation through the whole flow on the demo data.
func TestEndToEnd(t *testing.T) {
	h := newHarness(t)
	h.addDualRoleUser("pt1")
	now := time.Now()
	exp := now.AddDate(1, 0, 0)

	id, w := orderAndCheckWorksheet(t, h, now)
	claimAndRefuseAWrongVial(t, h, id, exp)
	vial := scanBagVialsAndWater(t, h, id, w, exp)
	weighAndComplete(t, h, id, vial, exp)
	want := checkLabel(t, h, id)
	verifyAndRelease(t, h, id, want)
	checkPreparationLog(t, h, id)
}

// orderAndCheckWorksheet orders cefazolin and checks the new preparation's
// worksheet: status, quantities with their derivation, BUD, gravimetric notes.
func orderAndCheckWorksheet(t *testing.T, h *harness, now time.Time) (int64, worksheet) {
	id := h.order(cefazolinOrder(now.Add(time.Hour)))
	w := h.prep(id)
	if w.Status != "queued" {
		t.Fatalf("new preparation is %s, want queued", w.Status)
	}
	checks := map[string]string{"dose": "2 g", "vials": "2", "volume": "6 mL", "delivered_dose": "2 g", "total_volume": "106 mL"}
	for k, want := range checks {
		if got := w.Quantities[k].Value; got != want {
			t.Errorf("quantity %s = %q, want %q", k, got, want)
		}
	}
	if len(w.Quantities["concentration"].Steps) == 0 || len(w.Quantities["volume"].Steps) == 0 {
		t.Errorf("quantities carry no derivation: %+v", w.Quantities)
	}
	if w.BUD == nil || w.BUD.LimitedBy == "" {
		t.Fatalf("worksheet has no BUD: %+v", w.BUD)
	}
	if !strings.Contains(strings.Join(w.Gravimetric, " "), "not possible") {
		t.Errorf("gravimetric notes should say the draw cannot be weighed (no specific gravity): %q", w.Gravimetric)
	}
	return id, w
}

// claimAndRefuseAWrongVial: one technician holds the preparation; a wrong
// vial is refused, and the refusal is recorded.
func claimAndRefuseAWrongVial(t *testing.T, h *harness, id int64, exp time.Time) {
	h.must(http.StatusOK, "pt1", "POST", path(id, "/claim"), nil)
	if r := h.call("tech2", "POST", path(id, "/claim"), nil); r.Status != http.StatusConflict || r.code() != "claimed_elsewhere" {
		t.Fatalf("second claim: %d %s", r.Status, r.Body)
	}
	if r := h.call("tech2", "POST", path(id, "/scans"), map[string]any{"step_id": "scan-bag", "data": "x"}); r.Status != http.StatusForbidden {
		t.Fatalf("scan by a non-holder: %d %s", r.Status, r.Body)
	}

	// A wrong vial is refused, and the refusal is recorded.
	_, vancoGTIN := h.productByNDC("43538-810-10")
	r := h.call("pt1", "POST", path(id, "/scans"), map[string]any{"step_id": "scan-vial", "data": gs1(vancoGTIN, exp, "V1", "VS1")})
	if r.Status != http.StatusUnprocessableEntity || r.code() != "wrong_product" {
		t.Fatalf("wrong vial: %d %s", r.Status, r.Body)
	}
	if got := h.prep(id).Scans; len(got) != 1 || got[0].Accepted || got[0].Code != "wrong_product" {
		t.Fatalf("refused scan not recorded: %+v", got)
	}
}

// scanBagVialsAndWater scans the right bag, vials and water; a third vial is
// one too many. It returns the vial GTIN.
func scanBagVialsAndWater(t *testing.T, h *harness, id int64, w worksheet, exp time.Time) string {
	if len(w.AllowedDiluents) == 0 || len(w.AllowedProducts) == 0 {
		t.Fatalf("worksheet names no products: %+v", w)
	}
	bag, vial := w.AllowedDiluents[0].GTIN, w.AllowedProducts[0].GTIN
	h.must(http.StatusCreated, "pt1", "POST", path(id, "/scans"), map[string]any{"step_id": "scan-bag", "data": gs1(bag, exp, "B7", "")})
	for i := 1; i <= 2; i++ {
		h.must(http.StatusCreated, "pt1", "POST", path(id, "/scans"),
			map[string]any{"step_id": "scan-vial", "data": gs1(vial, exp, "C42", fmt.Sprintf("SER%d", i))})
	}
	h.must(http.StatusCreated, "pt1", "POST", path(id, "/scans"), map[string]any{"step_id": "scan-water",
		"data": gs1(w.gtinOf(t, w.stepExpects(t, "scan-water")), exp, "W3", "")})
	// A third vial is one too many.
	if r := h.call("pt1", "POST", path(id, "/scans"), map[string]any{"step_id": "scan-vial", "data": gs1(vial, exp, "C42", "SER3")}); r.code() != "step_already_done" {
		t.Fatalf("extra vial: %d %s", r.Status, r.Body)
	}
	return vial
}

// weighAndComplete: a weight out of tolerance fails and blocks completion; a
// good one passes, and nothing is scanned after completion.
func weighAndComplete(t *testing.T, h *harness, id int64, vial string, exp time.Time) {
	var wr struct {
		Pass      bool   `json:"pass"`
		Expected  string `json:"expected"`
		Deviation string `json:"deviation"`
	}
	h.must(http.StatusCreated, "pt1", "POST", path(id, "/weights"), h.typedWeight("pt1", "weigh-diluent", "2.8 g")).json(t, &wr)
	if wr.Pass || wr.Expected != "2.5 g" || wr.Deviation != "12%" {
		t.Fatalf("bad weight answer: %+v", wr)
	}
	for _, s := range []string{"reconstitute", "draw", "inject", "inspect"} {
		h.must(http.StatusOK, "pt1", "POST", path(id, "/steps/"+s+"/done"), nil)
	}
	// No specific gravity is known for reconstituted cefazolin: the draw is
	// proven by a photo of the syringe.
	if r := h.photo("pt1", id, "photo-draw"); r.Status != http.StatusCreated {
		t.Fatalf("photo of the draw: %d %s", r.Status, r.Body)
	}
	if r := h.call("pt1", "POST", path(id, "/complete"), nil); r.Status != http.StatusUnprocessableEntity || r.code() != "steps_incomplete" || r.field() != "weigh-diluent" {
		t.Fatalf("complete with a failed weight: %d %s", r.Status, r.Body)
	}
	h.must(http.StatusCreated, "pt1", "POST", path(id, "/weights"), h.typedWeight("pt1", "weigh-diluent", "2.51 g")).json(t, &wr)
	if !wr.Pass {
		t.Fatalf("good weight failed: %+v", wr)
	}
	if r := h.call("pt1", "GET", path(id, "/label?format=pdf"), nil); r.Status != http.StatusConflict || r.code() != "not_completed" {
		t.Fatalf("label before completion: %d %s", r.Status, r.Body)
	}
	h.must(http.StatusOK, "pt1", "POST", path(id, "/complete"), nil)
	if r := h.call("pt1", "POST", path(id, "/scans"), map[string]any{"step_id": "scan-vial", "data": gs1(vial, exp, "C42", "SER9")}); r.Status != http.StatusConflict || r.code() != "wrong_state" {
		t.Fatalf("scan after completion: %d %s", r.Status, r.Body)
	}
	w := h.prep(id)
	for _, s := range w.Steps {
		if !s.Done {
			t.Errorf("step %s not done after completion", s.ID)
		}
	}
}

// checkLabel checks the label: its barcode decodes to the label data of this
// preparation (which it returns), and the HTML label runs and loads nothing.
func checkLabel(t *testing.T, h *harness, id int64) string {
	lr := h.must(http.StatusOK, "pharm1", "GET", path(id, "/label?format=pdf"), nil)
	want := fmt.Sprintf("LMN-P%d-L1", id)
	if got := decodePDFBarcode(t, lr.Body); got != want {
		t.Fatalf("label barcode decodes to %q, want %q", got, want)
	}
	html := h.must(http.StatusOK, "pharm1", "GET", path(id, "/label?format=html"), nil)
	if !strings.Contains(string(html.Body), "Compounded preparation") {
		t.Fatalf("HTML label lacks the compounded-preparation statement")
	}
	// The label page runs nothing and loads nothing, and is never sniffed.
	if csp := html.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || html.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("HTML label headers: CSP %q, nosniff %q", csp, html.Header.Get("X-Content-Type-Options"))
	}
	return want
}

// verifyAndRelease verifies the preparation (refusing a technician, the
// preparer and a wrong password) and releases it against its current label.
func verifyAndRelease(t *testing.T, h *harness, id int64, want string) {
	approve := map[string]any{"decision": "approve", "password": "demo-pt1"}
	if r := h.call("tech1", "POST", path(id, "/verify"), approve); r.Status != http.StatusForbidden {
		t.Fatalf("technician verifying: %d %s", r.Status, r.Body)
	}
	if r := h.call("pt1", "POST", path(id, "/verify"), approve); r.Status != http.StatusForbidden || r.code() != "self_verification" {
		t.Fatalf("self-verification: %d %s", r.Status, r.Body)
	}
	if r := h.call("pharm2", "POST", path(id, "/verify"), map[string]any{"decision": "approve", "password": "nope"}); r.Status != http.StatusForbidden || r.code() != "reauth_failed" {
		t.Fatalf("wrong password: %d %s", r.Status, r.Body)
	}
	if r := h.call("pharm2", "POST", path(id, "/release"), map[string]any{"label_data": want}); r.Status != http.StatusConflict || r.code() != "wrong_state" {
		t.Fatalf("release before verification: %d %s", r.Status, r.Body)
	}
	h.must(http.StatusOK, "pharm2", "POST", path(id, "/verify"), map[string]any{"decision": "approve", "password": "demo-pharm2"})

	// Release: a new label supersedes label 1 (showing the label again
	// issued nothing); another preparation's label is wrong.
	h.must(http.StatusOK, "pharm1", "GET", path(id, "/label?format=pdf"), nil)
	if seq := h.prep(id).LabelSeq; seq != 1 {
		t.Fatalf("label_seq = %d after showing label 1 three times, want 1", seq)
	}
	h.must(http.StatusCreated, "tech1", "POST", path(id, "/labels"), nil)
	if r := h.call("tech1", "POST", path(id, "/release"), map[string]any{"label_data": want}); r.code() != "stale_label" {
		t.Fatalf("stale label: %d %s", r.Status, r.Body)
	}
	if r := h.call("tech1", "POST", path(id, "/release"), map[string]any{"label_data": fmt.Sprintf("LMN-P%d-L1", id+1000)}); r.code() != "wrong_label" {
		t.Fatalf("wrong label: %d %s", r.Status, r.Body)
	}
	h.must(http.StatusOK, "tech1", "POST", path(id, "/release"), map[string]any{"label_data": fmt.Sprintf("]d1LMN-P%d-L2", id)})
	if got := h.prep(id).Status; got != "released" {
		t.Fatalf("status after release = %s", got)
	}
}

// checkPreparationLog: the log holds every step and its chain verifies.
func checkPreparationLog(t *testing.T, h *harness, id int64) {
	entries, err := audit.List(context.Background(), h.st.DB, audit.Filter{PreparationID: &id})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, e := range entries {
		seen[e.Type]++
	}
	for _, typ := range []string{workflow.EvOrderCreated, workflow.EvPrepQueued, workflow.EvPrepClaimed, workflow.EvScanRefused,
		workflow.EvScanAccepted, workflow.EvWeight, workflow.EvStepDone, workflow.EvCompleted, workflow.EvLabelPrinted,
		workflow.EvLabelReprinted, workflow.EvVerified, workflow.EvReleased} {
		if seen[typ] == 0 {
			t.Errorf("the log has no %s event for the preparation (has %v)", typ, seen)
		}
	}
	if seen[workflow.EvScanAccepted] != 4 || seen[workflow.EvWeight] != 2 {
		t.Errorf("event counts: %v", seen)
	}
	rep, err := audit.Verify(context.Background(), h.st.DB)
	if err != nil || !rep.OK {
		t.Fatalf("audit chain does not verify: %+v %v", rep, err)
	}
}

// decodePDFBarcode renders page 1 of a PDF with pdftoppm and decodes the
// Data Matrix on it.
func decodePDFBarcode(t *testing.T, pdf []byte) string {
	t.Helper()
	if len(pdf) < 5 || string(pdf[:5]) != "%PDF-" {
		t.Fatalf("not a PDF: %q", pdf[:min(len(pdf), 20)])
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "label.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "page")
	if b, err := exec.Command("pdftoppm", "-png", "-r", "300", "-singlefile", in, out).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm (Debian package poppler-utils; `make deps-poppler`): %v: %s", err, b)
	}
	f, err := os.Open(out + ".png")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	// Like a scanner aimed at it, look at the barcode's corner of the label
	// (top right) rather than the whole page of text.
	b := img.Bounds()
	if sub, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	}); ok {
		img = sub.SubImage(image.Rect(b.Min.X+b.Dx()*65/100, b.Min.Y, b.Max.X, b.Min.Y+b.Dy()*45/100))
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := datamatrix.NewDataMatrixReader().Decode(bmp, map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("no Data Matrix found on the label: %v", err)
	}
	return res.GetText()
}
