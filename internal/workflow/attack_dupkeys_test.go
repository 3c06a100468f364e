package workflow_test

import (
	"fmt"
	"net/http"
	"testing"
)

// TestDuplicateKeysNeverPickADose is the attack of a dose given twice: the
// order with "dose":"1 g","dose":"10 g" (or "DOSE") is refused and creates
// nothing; a verification saying reject then approve approves nothing.
func TestDuplicateKeysNeverPickADose(t *testing.T) {
	h := newHarness(t)
	count := func() (n int) {
		if err := h.st.DB.Get(&n, `SELECT count(*) FROM orders`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()
	order := `{"patient":{"mrn":"MRN9","name":"Roe, Rick","birth_date":"1980-05-06","weight":"70 kg","height":"170 cm","location":"3N-2"},
		"drug":"cefazolin","dose":"1 g",%s,"route":"IV","diluent":"sodium chloride 0.9%%","final_volume":"50 mL","priority":"routine"}`
	for _, tc := range []struct{ second, field string }{
		{`"dose":"10 g"`, "dose"},
		{`"DOSE":"10 g"`, "DOSE"},
	} {
		r := h.call("pharm1", "POST", "/api/v1/orders", fmt.Sprintf(order, tc.second))
		if r.Status != http.StatusBadRequest || r.code() != "duplicate_field" || r.field() != tc.field {
			t.Fatalf("order with %s: %d %s; want 400 duplicate_field at %s", tc.second, r.Status, r.Body, tc.field)
		}
	}
	r := h.call("pharm1", "POST", "/api/v1/orders", `{"patient":{"mrn":"1","MRN":"2"}}`)
	if r.Status != http.StatusBadRequest || r.code() != "duplicate_field" || r.field() != "patient.MRN" {
		t.Fatalf("nested duplicate: %d %s", r.Status, r.Body)
	}
	if after := count(); after != before {
		t.Fatalf("orders went from %d to %d", before, after)
	}

	id := h.order(simpleOrder("potassium chloride", "20 mEq", "sodium chloride 0.9%", "100 mL"))
	h.prepare(id, "tech1")
	r = h.call("pharm1", "POST", path(id, "/verify"), `{"decision":"reject","reason":"particles","decision":"approve","password":"demo-pharm1"}`)
	if r.Status != http.StatusBadRequest || r.code() != "duplicate_field" || r.field() != "decision" {
		t.Fatalf("verify with two decisions: %d %s", r.Status, r.Body)
	}
	if st := h.prep(id).Status; st != "completed" {
		t.Fatalf("status after the refused verification: %s", st)
	}
}
