package workflow_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestLotSwallowingASerialIsAmbiguous is the attack of a dropped separator
// after the lot: 01 GTIN 17 expiry 10 A1B2C3 21 SER123 sent without the GS
// reads as a valid lot "A1B2C321SER123" with no serial. The scan is refused
// as ambiguous with both readings shown, and recorded as refused.
func TestLotSwallowingASerialIsAmbiguous(t *testing.T) {
	h := newHarness(t)
	id := h.order(simpleOrder("cefazolin", "1 g", "sodium chloride 0.9%", "50 mL"))
	h.must(http.StatusOK, "tech1", "POST", path(id, "/claim"), nil)
	w := h.prep(id)
	var step string
	for _, s := range w.Steps {
		if s.Kind == "scan_vial" {
			step = s.ID
			break
		}
	}
	gtin := w.AllowedProducts[0].GTIN
	exp := time.Now().AddDate(1, 0, 0).Format("060102")
	data := "01" + gtin + "17" + exp + "10A1B2C321SER123"
	r := h.call("tech1", "POST", path(id, "/scans"), map[string]any{"step_id": step, "data": data})
	if r.Status != http.StatusUnprocessableEntity || r.code() != "ambiguous" {
		t.Fatalf("scan %s: %d %s; want 422 ambiguous", data, r.Status, r.Body)
	}
	var env struct {
		Error struct {
			Message string            `json:"message"`
			Fields  map[string]string `json:"fields"`
		} `json:"error"`
	}
	if err := json.Unmarshal(r.Body, &env); err != nil {
		t.Fatal(err)
	}
	want := []string{"(10)A1B2C321SER123", "(10)A1B2C3(21)SER123"}
	got := env.Error.Fields["reading_1"] + " | " + env.Error.Fields["reading_2"]
	for _, wnt := range want {
		if !strings.Contains(got, wnt) || !strings.Contains(env.Error.Message, wnt) {
			t.Fatalf("readings %q / message %q do not show %s", got, env.Error.Message, wnt)
		}
	}
	after := h.prep(id)
	if len(after.Scans) != 1 || after.Scans[0].Accepted || after.Scans[0].Code != "ambiguous" {
		t.Fatalf("recorded scans: %+v", after.Scans)
	}
	// Typed by hand the same characters are refused the same way.
	r = h.call("tech1", "POST", path(id, "/scans"), map[string]any{"step_id": step, "data": data, "source": "typed", "reason": "scanner down"})
	if r.Status != http.StatusUnprocessableEntity || r.code() != "ambiguous" {
		t.Fatalf("typed %s: %d %s; want 422 ambiguous", data, r.Status, r.Body)
	}
	// With the separator the same container is accepted, lot and serial apart.
	h.must(http.StatusCreated, "tech1", "POST", path(id, "/scans"), map[string]any{"step_id": step,
		"data": "01" + gtin + "17" + exp + "10A1B2C3\x1d21SER123"})
}

// stepOf returns the first step of a kind.
func (w worksheet) stepOf(t testing.TB, kind string) string {
	t.Helper()
	for _, s := range w.Steps {
		if s.Kind == kind {
			return s.ID
		}
	}
	t.Fatalf("no %s step in %+v", kind, w.Steps)
	return ""
}

// stepExpects returns the first product a step expects.
func (w worksheet) stepExpects(t testing.TB, id string) int64 {
	t.Helper()
	for _, s := range w.Steps {
		if s.ID == id && len(s.Expects.ProductIDs) > 0 {
			return s.Expects.ProductIDs[0]
		}
	}
	t.Fatalf("step %s expects no product", id)
	return 0
}

// stepState returns a step's state.
func (w worksheet) stepState(id string) string {
	for _, s := range w.Steps {
		if s.ID == id {
			return s.State
		}
	}
	return ""
}

// TestOneVialScannedTwiceCountsOnce is the attack of one vial scanned twice
// for a two-vial order: the same GTIN, lot and serial again is refused
// already_scanned and recorded as refused; the step stays at one of two
// until a second container is scanned.
func TestOneVialScannedTwiceCountsOnce(t *testing.T) {
	h := newHarness(t)
	id := h.order(simpleOrder("cefazolin", "2 g", "sodium chloride 0.9%", "100 mL"))
	h.must(http.StatusOK, "tech1", "POST", path(id, "/claim"), nil)
	w := h.prep(id)
	step := w.stepOf(t, "scan_vial")
	exp := time.Now().AddDate(1, 0, 0)
	vial := gs1(w.AllowedProducts[0].GTIN, exp, "LOTA", "SER-1")
	h.must(http.StatusCreated, "tech1", "POST", path(id, "/scans"), map[string]any{"step_id": step, "data": vial})
	r := h.call("tech1", "POST", path(id, "/scans"), map[string]any{"step_id": step, "data": vial})
	if r.Status != http.StatusUnprocessableEntity || r.code() != "already_scanned" {
		t.Fatalf("the same vial again: %d %s; want 422 already_scanned", r.Status, r.Body)
	}
	after := h.prep(id)
	if st := after.stepState(step); st != "pending" {
		t.Fatalf("step %s is %s after one vial scanned twice", step, st)
	}
	if n := len(after.Scans); n != 2 || !after.Scans[0].Accepted || after.Scans[1].Accepted || after.Scans[1].Code != "already_scanned" {
		t.Fatalf("recorded scans: %+v", after.Scans)
	}
	if r := h.call("tech1", "POST", path(id, "/complete"), nil); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("complete with one vial: %d %s", r.Status, r.Body)
	}
	h.must(http.StatusCreated, "tech1", "POST", path(id, "/scans"), map[string]any{"step_id": step,
		"data": gs1(w.AllowedProducts[0].GTIN, exp, "LOTA", "SER-2")})
	if st := h.prep(id).stepState(step); st != "done" {
		t.Fatalf("step %s is %s after two vials", step, st)
	}
}

// TestContainerWithoutSerialNeedsACountedConfirmation: a vial with no
// serial number scanned again (same lot and expiry) is refused unless the
// technician confirms it is the next container ("2 of 2"), recorded as such
// in the scan and the log; a vial of another lot needs no confirmation.
func TestContainerWithoutSerialNeedsACountedConfirmation(t *testing.T) {
	h := newHarness(t)
	exp := time.Now().AddDate(1, 0, 0)
	for _, tc := range []struct {
		name, second string
		confirm      int
		want         int
	}{
		{"same lot", "LOTA", 0, http.StatusUnprocessableEntity},
		{"same lot, wrong number", "LOTA", 3, http.StatusUnprocessableEntity},
		{"same lot, confirmed", "LOTA", 2, http.StatusCreated},
		{"another lot", "LOTB", 0, http.StatusCreated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := h.order(simpleOrder("cefazolin", "2 g", "sodium chloride 0.9%", "100 mL"))
			h.must(http.StatusOK, "tech1", "POST", path(id, "/claim"), nil)
			w := h.prep(id)
			step, gtin := w.stepOf(t, "scan_vial"), w.AllowedProducts[0].GTIN
			h.must(http.StatusCreated, "tech1", "POST", path(id, "/scans"), map[string]any{"step_id": step, "data": gs1(gtin, exp, "LOTA", "")})
			body := map[string]any{"step_id": step, "data": gs1(gtin, exp, tc.second, "")}
			if tc.confirm != 0 {
				body["container_no"] = tc.confirm
			}
			r := h.call("tech1", "POST", path(id, "/scans"), body)
			if r.Status != tc.want {
				t.Fatalf("second scan: %d %s; want %d", r.Status, r.Body, tc.want)
			}
			done := h.prep(id).stepState(step) == "done"
			if done != (tc.want == http.StatusCreated) {
				t.Fatalf("step done = %v after %s", done, r.Body)
			}
			if tc.want != http.StatusCreated {
				if r.code() != "already_scanned" || r.field() != "container_no" || !strings.Contains(string(r.Body), "number 2 of 2") {
					t.Fatalf("refusal: %s", r.Body)
				}
				return
			}
			var rec struct {
				ContainerNo int `json:"container_no"`
			}
			r.json(t, &rec)
			if rec.ContainerNo != tc.confirm {
				t.Fatalf("recorded container_no %d, want %d", rec.ContainerNo, tc.confirm)
			}
			if tc.confirm != 0 {
				var confirmed string
				if err := h.st.DB.Get(&confirmed, `SELECT payload->>'confirmed' FROM audit_events
					WHERE preparation_id = $1 AND type = 'preparation.scan_accepted' ORDER BY id DESC LIMIT 1`, id); err != nil {
					t.Fatal(err)
				}
				if confirmed != "container 2 of 2" {
					t.Fatalf("the log says %q", confirmed)
				}
			}
		})
	}
}

// TestReconstitutionDiluentMustBeScanned is the attack of the sterile
// water never scanned: the worksheet has a scan step for it (its products
// listed among the allowed diluents), the powder cannot be marked
// dissolved before it, the bag cannot stand in for it, and the preparation
// cannot be completed without it.
func TestReconstitutionDiluentMustBeScanned(t *testing.T) {
	h := newHarness(t)
	exp := time.Now().AddDate(1, 0, 0)
	id := h.order(simpleOrder("cefazolin", "1 g", "sodium chloride 0.9%", "100 mL"))
	h.must(http.StatusOK, "tech1", "POST", path(id, "/claim"), nil)
	w := h.prep(id)
	var water string
	var waterProducts []int64
	for _, s := range w.Steps {
		if s.Kind == "scan_diluent" && s.Of == "reconstitution_diluent" {
			water, waterProducts = s.ID, s.Expects.ProductIDs
		}
	}
	if water == "" || len(waterProducts) == 0 {
		t.Fatalf("no scan of the reconstitution diluent: %+v", w.Steps)
	}
	for _, pid := range waterProducts {
		w.gtinOf(t, pid) // listed among the allowed diluents, with its GTIN
	}
	// Every step but the water, in order.
	for _, s := range w.Steps {
		switch {
		case s.ID == water:
		case s.Kind == "scan_diluent" || s.Kind == "scan_vial":
			h.must(http.StatusCreated, "tech1", "POST", path(id, "/scans"), map[string]any{"step_id": s.ID,
				"data": gs1(w.gtinOf(t, s.Expects.ProductIDs[0]), exp, "L1", fmt.Sprintf("S%d", serialSeq.Add(1)))})
		case s.Kind == "weigh":
			h.must(http.StatusCreated, "tech1", "POST", path(id, "/weights"), h.typedWeight("tech1", s.ID, s.Expects.ExpectedWeight))
		case s.Kind == "reconstitute":
			r := h.call("tech1", "POST", path(id, "/steps/"+s.ID+"/done"), nil)
			if r.Status != http.StatusUnprocessableEntity || r.code() != "scan_first" || r.field() != water {
				t.Fatalf("dissolving before the water is scanned: %d %s", r.Status, r.Body)
			}
		case s.Kind == "photo":
			if r := h.photo("tech1", id, s.ID); r.Status != http.StatusCreated {
				t.Fatalf("photo of %s: %d %s", s.ID, r.Status, r.Body)
			}
		default:
			h.must(http.StatusOK, "tech1", "POST", path(id, "/steps/"+s.ID+"/done"), nil)
		}
	}
	r := h.call("tech1", "POST", path(id, "/complete"), nil)
	if r.Status != http.StatusUnprocessableEntity || r.code() != "steps_incomplete" || !strings.Contains(string(r.Body), water) {
		t.Fatalf("complete without the water: %d %s", r.Status, r.Body)
	}
	// The saline bag is not the water.
	r = h.call("tech1", "POST", path(id, "/scans"), map[string]any{"step_id": water, "data": gs1(w.AllowedDiluents[0].GTIN, exp, "B9", "")})
	if r.Status != http.StatusUnprocessableEntity || (r.code() != "wrong_product" && r.code() != "wrong_strength") {
		t.Fatalf("the bag scanned as the water: %d %s", r.Status, r.Body)
	}
	h.must(http.StatusCreated, "tech1", "POST", path(id, "/scans"), map[string]any{"step_id": water,
		"data": gs1(w.gtinOf(t, waterProducts[0]), exp, "W1", "")})
	for _, s := range w.Steps {
		if s.Kind == "reconstitute" {
			h.must(http.StatusOK, "tech1", "POST", path(id, "/steps/"+s.ID+"/done"), nil)
		}
	}
	h.must(http.StatusOK, "tech1", "POST", path(id, "/complete"), nil)
}
