package workflow_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestDetermineSpecificGravityOnSite: no specific gravity is published for
// reconstituted vancomycin, so a pharmacist determines one (a measured
// volume weighed twice); from then on new vancomycin worksheets weigh the
// draw with it instead of asking for a photo. Each bad input gets a clear
// error naming its field; technicians cannot record one; the row can never
// be changed and the log holds the event.
func TestDetermineSpecificGravityOnSite(t *testing.T) {
	h := newHarness(t)
	vanco, _ := h.productByNDC("43538-810-10")
	url := fmt.Sprintf("/api/v1/products/%d/specific-gravities", vanco)
	good := map[string]any{"concentration": "50 mg/mL", "lot": "VL1", "volume": "10 mL", "mass_1": "10.32 g", "mass_2": "10.34 g"}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for kk, vv := range good {
			m[kk] = vv
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	for _, tc := range []struct {
		name   string
		user   string
		url    string
		body   any
		status int
		code   string
		field  string
	}{
		{"a technician", "tech1", url, good, 403, "", ""},
		{"no lot", "pharm1", url, with("lot", nil), 400, "", "lot"},
		{"concentration not a quantity", "pharm1", url, with("concentration", "fifty"), 400, "", "concentration"},
		{"concentration not per volume", "pharm1", url, with("concentration", "50 mg"), 400, "", "concentration"},
		{"volume too small to weigh well", "pharm1", url, with("volume", "2 mL"), 400, "", "volume"},
		{"volume not a volume", "pharm1", url, with("volume", "10 g"), 400, "", "volume"},
		{"mass without a unit", "pharm1", url, with("mass_1", "10.32"), 400, "", "mass_1"},
		{"second mass missing", "pharm1", url, with("mass_2", nil), 400, "", "mass_2"},
		{"mass as a JSON number", "pharm1", url, with("mass_1", 10.32), 400, "", "mass_1"},
		{"weighings disagree", "pharm1", url, with("mass_2", "10.6 g"), 422, "determinations_disagree", "mass_2"},
		{"implausible", "pharm1", url, map[string]any{"concentration": "50 mg/mL", "lot": "VL1", "volume": "10 mL", "mass_1": "40 g", "mass_2": "40.1 g"}, 422, "implausible_value", "volume"},
		{"unknown product", "pharm1", "/api/v1/products/999999/specific-gravities", good, 404, "", ""},
		{"duplicate key", "pharm1", url, `{"concentration":"50 mg/mL","concentration":"5 mg/mL","lot":"VL1","volume":"10 mL","mass_1":"10.32 g","mass_2":"10.34 g"}`, 400, "duplicate_field", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := h.call(tc.user, "POST", tc.url, tc.body)
			if r.Status != tc.status || (tc.code != "" && r.code() != tc.code) || (tc.field != "" && r.field() != tc.field) {
				t.Fatalf("%d %s; want %d %s on %q", r.Status, r.Body, tc.status, tc.code, tc.field)
			}
			if r.Status >= 400 && !strings.Contains(string(r.Body), `"message"`) {
				t.Fatalf("no message: %s", r.Body)
			}
		})
	}
	var got struct {
		SpecificGravity string   `json:"specific_gravity"`
		Concentration   string   `json:"concentration"`
		Method          string   `json:"method"`
		Steps           []string `json:"steps"`
	}
	h.must(http.StatusCreated, "pharm1", "POST", url, good).json(t, &got)
	if got.SpecificGravity != "1.033" || got.Concentration != "50 mg/mL" || got.Method != "determined" || len(got.Steps) != 4 {
		t.Fatalf("determination: %+v", got)
	}
	var list struct {
		SpecificGravities []struct {
			SpecificGravity string `json:"specific_gravity"`
			Lot             string `json:"lot"`
			RecordedByName  string `json:"recorded_by_name"`
		} `json:"specific_gravities"`
	}
	h.must(http.StatusOK, "tech1", "GET", url, nil).json(t, &list)
	if len(list.SpecificGravities) != 1 || list.SpecificGravities[0].Lot != "VL1" || list.SpecificGravities[0].RecordedByName == "" {
		t.Fatalf("list: %+v", list)
	}

	// From now on the vancomycin draw is weighed with it.
	id := h.order(simpleOrder("vancomycin", "1 g", "sodium chloride 0.9%", "250 mL"))
	e := h.evidence(id)
	req, weigh, _ := drawEvidence(t, e)
	if req != "weight" || weigh == "" {
		t.Fatalf("after the determination the draw needs %q (weigh step %q), want a weight", req, weigh)
	}
	for _, s := range e.Steps {
		if s.ID == weigh && (s.Expects.SpecificGravity != "1.033" || s.Expects.ExpectedWeight != "20.66 g") {
			t.Fatalf("weigh step %+v: want 20 mL × 1.033 = 20.66 g", s.Expects)
		}
	}
	h.doAllBut(id, "tech1")
	h.must(http.StatusOK, "tech1", "POST", path(id, "/complete"), nil)

	if _, err := h.st.DB.Exec(`UPDATE specific_gravities SET specific_gravity = 1`); err == nil {
		t.Fatal("a recorded specific gravity was changed")
	}
	var n int
	if err := h.st.DB.Get(&n, `SELECT count(*) FROM audit_events WHERE type = 'product.specific_gravity_determined'`); err != nil || n != 1 {
		t.Fatalf("log events: %d %v", n, err)
	}
}

// TestSiteRelaxesHighAlertEvidence: the policy is site data. An admin adds
// a version that accepts a weight alone for high-alert drugs; potassium
// chloride ordered afterwards needs only its weight. Bad versions are
// refused naming the field; only an admin may add one.
func TestSiteRelaxesHighAlertEvidence(t *testing.T) {
	h := newHarness(t)
	relaxed := map[string]any{"version": "site-evidence-2027.1", "draw": "weight_or_photo", "high_alert": "weight_or_photo",
		"determination_agreement": "1%", "determination_min_volume": "5 mL"}
	h.must(http.StatusForbidden, "pharm1", "POST", "/api/v1/dose-evidence-policy", relaxed)
	bad := map[string]any{}
	for k, v := range relaxed {
		bad[k] = v
	}
	bad["high_alert"] = "sometimes"
	if r := h.call("admin1", "POST", "/api/v1/dose-evidence-policy", bad); r.Status != http.StatusBadRequest || r.field() != "high_alert" {
		t.Fatalf("bad policy: %d %s", r.Status, r.Body)
	}
	h.must(http.StatusCreated, "admin1", "POST", "/api/v1/dose-evidence-policy", relaxed)
	if r := h.call("admin1", "POST", "/api/v1/dose-evidence-policy", relaxed); r.Status != http.StatusConflict {
		t.Fatalf("the same version twice: %d %s", r.Status, r.Body)
	}
	var p struct {
		HighAlert string `json:"high_alert"`
	}
	h.must(http.StatusOK, "tech1", "GET", "/api/v1/dose-evidence-policy", nil).json(t, &p)
	if p.HighAlert != "weight_or_photo" {
		t.Fatalf("policy in force: %+v", p)
	}
	id := h.order(simpleOrder("potassium chloride", "20 mEq", "sodium chloride 0.9%", "100 mL"))
	if req, weigh, photo := drawEvidence(t, h.evidence(id)); req != "weight" || weigh == "" || photo != "" {
		t.Fatalf("KCl under the relaxed policy: requires %q weigh %q photo %q", req, weigh, photo)
	}
}
