package workflow_test

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"
)

// tinyPNG is a valid 1×1 PNG, enough for the photo endpoint.
var tinyPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

// photo uploads a photo of a step as user.
func (h *harness) photo(user string, id int64, step string) resp {
	h.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	_ = mw.WriteField("step_id", step)
	fw, _ := mw.CreateFormFile("photo", "p.png")
	_, _ = fw.Write(tinyPNG)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", h.srv.URL+path(id, "/photos"), &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+user)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return resp{Status: res.StatusCode, Body: body}
}

// evidenceSheet is the part of a preparation the evidence tests read.
type evidenceSheet struct {
	Steps []struct {
		ID       string `json:"id"`
		Kind     string `json:"kind"`
		Evidence *struct {
			Requires  string `json:"requires"`
			WeighStep string `json:"weigh_step"`
			PhotoStep string `json:"photo_step"`
			Reason    string `json:"reason"`
		} `json:"evidence"`
		Expects struct {
			Volume          string `json:"volume"`
			ExpectedWeight  string `json:"expected_weight"`
			SpecificGravity string `json:"specific_gravity"`
		} `json:"expects"`
	} `json:"steps"`
	Exceptions []struct {
		Kind string `json:"kind"`
		Step string `json:"step"`
		Text string `json:"text"`
	} `json:"exceptions"`
}

func (h *harness) evidence(id int64) evidenceSheet {
	h.t.Helper()
	var e evidenceSheet
	h.must(http.StatusOK, "pharm1", "GET", path(id, ""), nil).json(h.t, &e)
	return e
}

// doAllBut claims a preparation and does every step right except the
// steps named in skip (photos are uploaded, weights are the expected ones,
// typed with a reason and a witness).
func (h *harness) doAllBut(id int64, user string, skip ...string) {
	h.t.Helper()
	h.must(http.StatusOK, user, "POST", path(id, "/claim"), nil)
	w := h.prep(id)
	exp := time.Now().AddDate(1, 0, 0)
next:
	for _, s := range w.Steps {
		for _, k := range skip {
			if k == s.ID {
				continue next
			}
		}
		switch s.Kind {
		case "scan_diluent", "scan_vial":
			for i := 0; i < max(s.Expects.Count, 1); i++ {
				h.must(http.StatusCreated, user, "POST", path(id, "/scans"), map[string]any{"step_id": s.ID,
					"data": gs1(w.gtinOf(h.t, s.Expects.ProductIDs[0]), exp, "LOT1", fmt.Sprintf("S%d", serialSeq.Add(1)))})
			}
		case "weigh":
			h.must(http.StatusCreated, user, "POST", path(id, "/weights"), h.typedWeight(user, s.ID, s.Expects.ExpectedWeight))
		case "photo":
			if r := h.photo(user, id, s.ID); r.Status != http.StatusCreated {
				h.t.Fatalf("photo of %s: %d %s", s.ID, r.Status, r.Body)
			}
		default:
			h.must(http.StatusOK, user, "POST", path(id, "/steps/"+s.ID+"/done"), nil)
		}
	}
}

// drawEvidence returns the draw step's evidence requirement.
func drawEvidence(t *testing.T, e evidenceSheet) (requires, weigh, photo string) {
	t.Helper()
	for _, s := range e.Steps {
		if s.Kind == "draw" {
			if s.Evidence == nil {
				t.Fatalf("the draw step %s names no dose evidence", s.ID)
			}
			return s.Evidence.Requires, s.Evidence.WeighStep, s.Evidence.PhotoStep
		}
	}
	t.Fatal("no draw step")
	return
}

// TestVancomycinWithoutWeightOrPhotoIsRefused is the attack of issue 12:
// vancomycin reached the pharmacist with neither a weight of the drawn drug
// nor a photo of the syringe. No specific gravity is known for it, so the
// worksheet requires a photo of the syringe at the drawn volume; completing
// without it is refused, naming the step, and marking the photo step done
// by hand is refused too.
func TestVancomycinWithoutWeightOrPhotoIsRefused(t *testing.T) {
	h := newHarness(t)
	id := h.order(simpleOrder("vancomycin", "1 g", "sodium chloride 0.9%", "250 mL"))
	req, weigh, photo := drawEvidence(t, h.evidence(id))
	if req != "photo" || weigh != "" || photo == "" {
		t.Fatalf("vancomycin draw evidence: requires %q weigh %q photo %q; want a photo only (no specific gravity is known)", req, weigh, photo)
	}
	h.doAllBut(id, "tech1", photo)
	if r := h.call("tech1", "POST", path(id, "/steps/"+photo+"/done"), nil); r.Status != http.StatusUnprocessableEntity || r.code() != "photo_required" {
		t.Fatalf("photo step marked done by hand: %d %s; want 422 photo_required", r.Status, r.Body)
	}
	r := h.call("tech1", "POST", path(id, "/complete"), nil)
	if r.Status != http.StatusUnprocessableEntity || r.code() != "dose_evidence_missing" || r.field() != photo {
		t.Fatalf("complete without dose evidence: %d %s; want 422 dose_evidence_missing naming %s", r.Status, r.Body, photo)
	}
	if !strings.Contains(string(r.Body), "photo") {
		t.Fatalf("the refusal does not say a photo is missing: %s", r.Body)
	}
	if r := h.photo("tech1", id, photo); r.Status != http.StatusCreated {
		t.Fatalf("photo: %d %s", r.Status, r.Body)
	}
	h.must(http.StatusOK, "tech1", "POST", path(id, "/complete"), nil)
}

// TestHighAlertDrawNeedsWeightAndPhoto: potassium chloride concentrate is a
// high-alert drug with a specific gravity on record, so its draw needs both
// a weight and a photo; either alone is refused at completion.
func TestHighAlertDrawNeedsWeightAndPhoto(t *testing.T) {
	h := newHarness(t)
	for _, missing := range []string{"weight", "photo"} {
		t.Run("without "+missing, func(t *testing.T) {
			id := h.order(simpleOrder("potassium chloride", "20 mEq", "sodium chloride 0.9%", "100 mL"))
			req, weigh, photo := drawEvidence(t, h.evidence(id))
			if req != "weight_and_photo" || weigh == "" || photo == "" {
				t.Fatalf("KCl draw evidence: requires %q weigh %q photo %q", req, weigh, photo)
			}
			skip := photo
			if missing == "weight" {
				skip = weigh
			}
			h.doAllBut(id, "tech1", skip)
			r := h.call("tech1", "POST", path(id, "/complete"), nil)
			if r.Status != http.StatusUnprocessableEntity || r.code() != "dose_evidence_missing" || r.field() != skip {
				t.Fatalf("complete without the %s: %d %s", missing, r.Status, r.Body)
			}
		})
	}
}

// TestHighAlertWithoutGravityIsAnException: heparin is high-alert but no
// specific gravity is known, so a weight is impossible: the photo is
// required and the evidence page's exceptions say the weight is missing.
func TestHighAlertWithoutGravityIsAnException(t *testing.T) {
	h := newHarness(t)
	id := h.order(simpleOrder("heparin", "25000 units", "dextrose 5%", "250 mL"))
	req, _, photo := drawEvidence(t, h.evidence(id))
	if req != "photo" || photo == "" {
		t.Fatalf("heparin draw evidence: requires %q photo %q", req, photo)
	}
	h.doAllBut(id, "tech1")
	h.must(http.StatusOK, "tech1", "POST", path(id, "/complete"), nil)
	e := h.evidence(id)
	found := false
	for _, x := range e.Exceptions {
		found = found || (x.Kind == "insufficient_dose_evidence" && strings.Contains(x.Text, "specific gravity"))
	}
	if !found {
		t.Fatalf("exceptions %+v do not say the high-alert draw was not weighed", e.Exceptions)
	}
}

// TestExceptionsSummary: a refused scan and a retried weight are listed in
// the preparation's exceptions, each naming its step, and a weight typed
// rather than read from a balance is a typed entry; a clean preparation
// (ceftriaxone: scanned, photographed, nothing weighed) has none.
func TestExceptionsSummary(t *testing.T) {
	h := newHarness(t)
	id := h.order(simpleOrder("cefazolin", "1 g", "sodium chloride 0.9%", "100 mL"))
	h.must(http.StatusOK, "tech1", "POST", path(id, "/claim"), nil)
	w := h.prep(id)
	// A bag where the vial belongs: refused.
	r := h.call("tech1", "POST", path(id, "/scans"), map[string]any{"step_id": "scan-vial",
		"data": gs1(w.AllowedDiluents[0].GTIN, time.Now().AddDate(1, 0, 0), "BAG9", "")})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("wrong product scan: %d %s", r.Status, r.Body)
	}
	h.must(http.StatusCreated, "tech1", "POST", path(id, "/weights"), h.typedWeight("tech1", "weigh-diluent", "9 g"))
	e := h.evidence(id)
	kinds := map[string]string{}
	for _, x := range e.Exceptions {
		kinds[x.Kind] = x.Step
	}
	if kinds["refused_scan"] != "scan-vial" || kinds["weight_retried"] != "weigh-diluent" || kinds["typed_entry"] != "weigh-diluent" {
		t.Fatalf("exceptions: %+v", e.Exceptions)
	}
	clean := h.order(simpleOrder("ceftriaxone", "1 g", "sodium chloride 0.9%", "100 mL"))
	h.doAllBut(clean, "tech2")
	h.must(http.StatusOK, "tech2", "POST", path(clean, "/complete"), nil)
	if e := h.evidence(clean); len(e.Exceptions) != 0 {
		t.Fatalf("a clean preparation lists exceptions: %+v", e.Exceptions)
	}
}

// TestEveryDemoRecipeEvidencesItsDraws: every demo recipe's worksheet names
// dose evidence for every draw: a weight where a specific gravity with its
// source is on record (potassium chloride), otherwise a required photo.
func TestEveryDemoRecipeEvidencesItsDraws(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct {
		drug, dose, diluent, volume, requires string
	}{
		{"cefazolin", "1 g", "sodium chloride 0.9%", "100 mL", "photo"},
		{"vancomycin", "1 g", "sodium chloride 0.9%", "250 mL", "photo"},
		{"ceftriaxone", "1 g", "sodium chloride 0.9%", "100 mL", "photo"},
		{"potassium chloride", "20 mEq", "sodium chloride 0.9%", "100 mL", "weight_and_photo"},
		{"heparin", "25000 units", "dextrose 5%", "250 mL", "photo"},
		{"cyclophosphamide", "1000 mg", "sodium chloride 0.9%", "250 mL", "photo"},
	} {
		t.Run(tc.drug, func(t *testing.T) {
			e := h.evidence(h.order(simpleOrder(tc.drug, tc.dose, tc.diluent, tc.volume)))
			draws := 0
			for _, s := range e.Steps {
				if s.Kind != "draw" && s.Kind != "dilute" {
					continue
				}
				draws++
				if s.Evidence == nil || s.Evidence.Reason == "" {
					t.Fatalf("draw %s has no dose evidence", s.ID)
				}
				if s.Kind == "draw" && s.Evidence.Requires != tc.requires {
					t.Fatalf("draw requires %q, want %q (%s)", s.Evidence.Requires, tc.requires, s.Evidence.Reason)
				}
			}
			if draws == 0 {
				t.Fatal("no draw")
			}
			for _, s := range e.Steps {
				if s.Kind == "weigh" && s.Expects.SpecificGravity == "" {
					t.Fatalf("weigh step %s without a specific gravity", s.ID)
				}
			}
		})
	}
}
