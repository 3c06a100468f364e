package webui_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

func apiAs(e http.Handler, token, method, path, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

// The evidence page shows the high-alert flag, the dose delivered and its
// deviation, the dose limits held and the pharmacist's override; values are
// shown at measurable precision with the exact value only on request.
func TestEvidencePageShowsGuardRails(t *testing.T) {
	e, _ := webServer(t)
	pharm, tech := session(t, e, "pharm1"), session(t, e, "tech1")
	order := `{"patient":{"mrn":"MRN7","name":"Roe, Rick","birth_date":"1980-05-06","weight":"70 kg","height":"170 cm","location":"3N-2"},
		"drug":"potassium chloride","dose":"40 mEq","route":"IV","diluent":"sodium chloride 0.9%","final_volume":"100 mL",
		"infuse_over":"30 min","due_at":"` + time.Now().Add(time.Hour).UTC().Format(time.RFC3339) + `","priority":"routine"}`
	rec := apiAs(e, pharm, "POST", "/api/v1/orders", order)
	if rec.Code != http.StatusCreated {
		t.Fatalf("order = %d %s", rec.Code, rec.Body)
	}
	var created struct {
		PreparationID int64 `json:"preparation_id"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &created)
	id := created.PreparationID
	p := "/api/v1/preparations/" + strconv.FormatInt(id, 10)
	if rec := apiAs(e, tech, "POST", p+"/claim", ""); rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "needs_pharmacist_override") {
		t.Fatalf("claim = %d %s", rec.Code, rec.Body)
	}
	page := browse(e, "GET", "/verify/"+strconv.FormatInt(id, 10), pharm, nil).Body.String()
	for _, want := range []string{"HIGH-ALERT MEDICATION", "concentrated electrolytes", "Exceptions: dose limits", "80 mEq/h",
		"Not overridden", "Needs pharmacist override", "Delivered", "0% of the dose"} {
		if !strings.Contains(page, want) {
			t.Errorf("held evidence page lacks %q", want)
		}
	}
	if rec := apiAs(e, pharm, "POST", p+"/override", `{"reason":"ICU central line, on telemetry","password":"demo-pharm1"}`); rec.Code != http.StatusOK {
		t.Fatalf("override = %d %s", rec.Code, rec.Body)
	}
	page = browse(e, "GET", "/verify/"+strconv.FormatInt(id, 10), pharm, nil).Body.String()
	for _, want := range []string{"Overridden", "ICU central line, on telemetry", "password re-entered"} {
		if !strings.Contains(page, want) {
			t.Errorf("overridden evidence page lacks %q", want)
		}
	}
	queue := browse(e, "GET", "/tablet", tech, nil).Body.String()
	if !strings.Contains(queue, "HIGH-ALERT") {
		t.Error("the tablet queue does not flag the high-alert preparation")
	}
	// Demo preparation 1 is ceFAZolin 1 g in 3 mL (333.333… mg/mL): the page
	// shows 333.3 mg/mL and offers the exact value as a tooltip only.
	page = browse(e, "GET", "/verify/1", pharm, nil).Body.String()
	if !strings.Contains(page, ">333.3 mg/mL<") || !strings.Contains(page, `title="exact 333.33333`) {
		t.Errorf("concentration not shown at its precision:\n%s", excerpt(page, "Concentration drawn"))
	}
	if strings.Contains(page, ">333.33333") || strings.Contains(page, "; exact ") {
		t.Error("the exact value is in the page's text")
	}
}

func excerpt(s, around string) string {
	i := strings.Index(s, around)
	if i < 0 {
		return "(" + around + " not found)"
	}
	return s[i:min(len(s), i+400)]
}
