package workflow_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/workflow"
)

var serialSeq atomic.Int64

// prepare claims a preparation as user and does every step right, up to
// completion.
func (h *harness) prepare(id int64, user string) {
	h.t.Helper()
	h.must(http.StatusOK, user, "POST", path(id, "/claim"), nil)
	h.doSteps(id, user, -1)
	h.must(http.StatusOK, user, "POST", path(id, "/complete"), nil)
}

// doSteps does the first n steps of a claimed preparation not yet done
// (all of them when n < 0) as user; a scan step is done container by
// container until the step says it has them all.
func (h *harness) doSteps(id int64, user string, n int) {
	h.t.Helper()
	w := h.prep(id)
	exp := time.Now().AddDate(1, 0, 0)
	for _, s := range w.Steps {
		if s.Done {
			continue
		}
		if n == 0 {
			return
		}
		n--
		switch s.Kind {
		case "scan_diluent", "scan_vial":
			for i := 0; i < max(s.Expects.Count, 1); i++ {
				r := h.call(user, "POST", path(id, "/scans"), map[string]any{"step_id": s.ID,
					"data": gs1(w.gtinOf(h.t, s.Expects.ProductIDs[0]), exp, "LOT1", fmt.Sprintf("S%d", serialSeq.Add(1)))})
				if r.code() == "step_already_done" {
					break
				}
				if r.Status != http.StatusCreated {
					h.t.Fatalf("scan of step %s as %s: %d %s", s.ID, user, r.Status, r.Body)
				}
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

// typedWeight is a weight typed on the keypad, with a reason and a
// colleague as witness (for a high-alert drug the site requires one).
func (h *harness) typedWeight(user, step, measured string) map[string]any {
	witness := "TECH2"
	if user == "tech2" {
		witness = "TECH1"
	}
	return map[string]any{"step_id": step, "measured": measured, "reason": "test: no balance at this hood",
		"witness_badge": witness, "witness_pin": "2468"}
}

// gtinOf returns the GTIN of a product the worksheet allows.
func (w worksheet) gtinOf(t testing.TB, productID int64) string {
	t.Helper()
	for _, p := range append(append([]struct {
		ID   int64  `json:"id"`
		GTIN string `json:"gtin"`
	}{}, w.AllowedProducts...), w.AllowedDiluents...) {
		if p.ID == productID {
			return p.GTIN
		}
	}
	t.Fatalf("product %d is not among the allowed products and diluents", productID)
	return ""
}

func simpleOrder(drug, dose, diluent, volume string) map[string]any {
	return map[string]any{
		"patient": map[string]any{"mrn": "MRN9", "name": "Roe, Rick", "birth_date": "1980-05-06", "weight": "70 kg",
			"height": "170 cm", "location": "3N-2"},
		"drug": drug, "dose": dose, "route": "IV", "diluent": diluent, "final_volume": volume,
		"due_at": time.Now().Add(2 * time.Hour).UTC().Format(time.RFC3339), "priority": "routine",
	}
}

func TestConcurrentClaims(t *testing.T) {
	h := newHarness(t)
	id := h.order(simpleOrder("potassium chloride", "20 mEq", "sodium chloride 0.9%", "100 mL"))
	const n = 20
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("racer%02d", i)
		u, err := h.st.CreateUser(context.Background(), store.NewUser{Username: names[i], Roles: []string{"technician"}}, store.Change{At: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		h.auth.users[names[i]] = &auth.Principal{UserID: u.ID, Username: names[i], Roles: []auth.Role{auth.Technician}}
		h.users[names[i]] = u.ID
		h.qualify(names[i])
	}
	var wg sync.WaitGroup
	codes := make([]int, n)
	start := make(chan struct{})
	for i := range names {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			codes[i] = h.call(names[i], "POST", path(id, "/claim"), nil).Status
		}(i)
	}
	close(start)
	wg.Wait()
	won := 0
	for i, c := range codes {
		switch c {
		case http.StatusOK:
			won++
		case http.StatusConflict:
		default:
			t.Errorf("claim %d: status %d", i, c)
		}
	}
	if won != 1 {
		t.Fatalf("%d claims won, want exactly 1 (%v)", won, codes)
	}
	var claims int
	if err := h.st.DB.Get(&claims, `SELECT count(*) FROM audit_events WHERE type = $1 AND preparation_id = $2`, workflow.EvPrepClaimed, id); err != nil || claims != 1 {
		t.Fatalf("claim events: %d %v", claims, err)
	}
}

func TestRejectQueuesRemake(t *testing.T) {
	h := newHarness(t)
	id := h.order(simpleOrder("potassium chloride", "20 mEq", "sodium chloride 0.9%", "100 mL"))
	h.prepare(id, "tech1")
	if r := h.call("pharm1", "POST", path(id, "/verify"), map[string]any{"decision": "reject", "password": "demo-pharm1"}); r.Status != http.StatusBadRequest || r.field() != "reason" {
		t.Fatalf("reject without reason: %d %s", r.Status, r.Body)
	}
	var out struct {
		Status   string `json:"status"`
		RemakeID int64  `json:"remake_id"`
	}
	h.must(http.StatusOK, "pharm1", "POST", path(id, "/verify"), map[string]any{"decision": "reject", "reason": "particles seen", "password": "demo-pharm1"}).json(t, &out)
	if out.Status != "rejected" || out.RemakeID == 0 {
		t.Fatalf("rejection answer: %+v", out)
	}
	var waste int
	if err := h.st.DB.Get(&waste, `SELECT jsonb_array_length(items) FROM waste WHERE preparation_id = $1`, id); err != nil || waste < 3 {
		t.Fatalf("waste items: %d %v", waste, err)
	}
	var remake struct {
		RemakeOf int64  `db:"remake_of"`
		Status   string `db:"status"`
	}
	if err := h.st.DB.Get(&remake, `SELECT remake_of, status FROM preparations WHERE id = $1`, out.RemakeID); err != nil || remake.RemakeOf != id || remake.Status != "queued" {
		t.Fatalf("remake: %+v %v", remake, err)
	}
	// The remake is made like any preparation.
	h.prepare(out.RemakeID, "tech2")
	h.must(http.StatusOK, "pharm2", "POST", path(out.RemakeID, "/verify"), map[string]any{"decision": "approve", "password": "demo-pharm2"})
	if r := h.call("pharm2", "POST", path(id, "/verify"), map[string]any{"decision": "approve", "password": "demo-pharm2"}); r.code() != "wrong_state" {
		t.Fatalf("verifying the rejected one again: %d %s", r.Status, r.Body)
	}
}

func TestOpenedContainers(t *testing.T) {
	h := newHarness(t)
	exp := time.Now().AddDate(1, 0, 0)
	heparin := func() (int64, worksheet) {
		id := h.order(simpleOrder("heparin", "25000 units", "dextrose 5%", "250 mL"))
		h.must(http.StatusOK, "tech1", "POST", path(id, "/claim"), nil)
		return id, h.prep(id)
	}
	scan := func(id int64, gtin, serial string) resp {
		return h.call("tech1", "POST", path(id, "/scans"), map[string]any{"step_id": "scan-vial", "data": gs1(gtin, exp, "HEP1", serial)})
	}
	a, wa := heparin()
	gtin := wa.AllowedProducts[0].GTIN
	for _, s := range []string{"H1", "H2", "H3"} {
		if r := scan(a, gtin, s); r.Status != http.StatusCreated {
			t.Fatalf("heparin vial %s: %d %s", s, r.Status, r.Body)
		}
	}
	// A multiple-dose vial opened for A may be drawn from again for B.
	b, _ := heparin()
	if r := scan(b, gtin, "H3"); r.Status != http.StatusCreated {
		t.Fatalf("multiple-dose vial within its in-use limit: %d %s", r.Status, r.Body)
	}
	// 29 days later its 28-day in-use limit has passed (and tech2's demo
	// media fill, due within the month, is renewed).
	h.advance(29 * 24 * time.Hour)
	h.qualify("tech2")
	c, _ := heparin()
	r := scan(c, gtin, "H1")
	if r.Status != http.StatusUnprocessableEntity || r.code() != "in_use_expired" || !strings.Contains(string(r.Body), "ended") {
		t.Fatalf("multiple-dose vial past 28 days: %d %s", r.Status, r.Body)
	}
	// A single-dose vial (and its serial) belongs to one preparation.
	d := h.order(cefazolinOrder(time.Now().Add(30 * 24 * time.Hour)))
	e := h.order(cefazolinOrder(time.Now().Add(30 * 24 * time.Hour)))
	h.must(http.StatusOK, "tech1", "POST", path(d, "/claim"), nil)
	h.must(http.StatusOK, "tech2", "POST", path(e, "/claim"), nil)
	vial := h.prep(d).AllowedProducts[0].GTIN
	h.must(http.StatusCreated, "tech1", "POST", path(d, "/scans"), map[string]any{"step_id": "scan-vial", "data": gs1(vial, exp, "CZ", "ONE")})
	r = h.call("tech2", "POST", path(e, "/scans"), map[string]any{"step_id": "scan-vial", "data": gs1(vial, exp, "CZ", "ONE")})
	if r.Status != http.StatusUnprocessableEntity || r.code() != "already_used" {
		t.Fatalf("single-dose vial scanned for a second preparation: %d %s", r.Status, r.Body)
	}
	// Expired and recalled lots, unknown products and garbage are refused and recorded.
	cases := []struct{ data, code string }{
		{gs1(vial, time.Now().AddDate(-1, 0, 0), "OLD", ""), "expired"},
		{gs1("00312345678906", exp, "X", ""), "unknown_product"},
		{"(01)00300027597011", "bad_barcode"},
		{"hello", "bad_barcode"},
	}
	for _, tc := range cases {
		if r := h.call("tech2", "POST", path(e, "/scans"), map[string]any{"step_id": "scan-vial", "data": tc.data}); r.Status != http.StatusUnprocessableEntity || r.code() != tc.code {
			t.Errorf("scan %q: %d %s, want 422 %s", tc.data, r.Status, r.Body, tc.code)
		}
	}
	if _, err := h.st.DB.Exec(`INSERT INTO lots (product_id, lot, status, reason) SELECT product_id, 'BAD1', 'recalled', 'particulates' FROM product_codes WHERE gtin14 = $1`, vial); err != nil {
		t.Fatal(err)
	}
	if r := h.call("tech2", "POST", path(e, "/scans"), map[string]any{"step_id": "scan-vial", "data": gs1(vial, exp, "BAD1", "Z9")}); r.code() != "recalled" {
		t.Errorf("recalled lot: %d %s", r.Status, r.Body)
	}
	if n := len(h.prep(e).Scans); n != 6 {
		t.Errorf("preparation %d recorded %d scans, want every refused one (6)", e, n)
	}
}

func TestIdempotency(t *testing.T) {
	h := newHarness(t)
	id := h.order(simpleOrder("potassium chloride", "20 mEq", "sodium chloride 0.9%", "100 mL"))
	h.must(http.StatusOK, "tech1", "POST", path(id, "/claim"), nil)
	w := h.prep(id)
	exp := time.Now().AddDate(1, 0, 0)
	body := map[string]any{"step_id": "scan-bag", "data": gs1(w.AllowedDiluents[0].GTIN, exp, "B1", "")}
	first := h.must(http.StatusCreated, "tech1", "POST", path(id, "/scans"), body, "Idempotency-Key", "k-1")
	again := h.must(http.StatusCreated, "tech1", "POST", path(id, "/scans"), body, "Idempotency-Key", "k-1")
	if string(first.Body) != string(again.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay differs:\n%s\n%s", first.Body, again.Body)
	}
	if r := h.call("tech1", "POST", path(id, "/scans"), map[string]any{"step_id": "scan-vial", "data": "x"}, "Idempotency-Key", "k-1"); r.Status != http.StatusConflict || r.code() != "idempotency_key_reused" {
		t.Fatalf("key reused for another body: %d %s", r.Status, r.Body)
	}
	// A refused scan is replayed as the same 422, recorded once.
	bad := map[string]any{"step_id": "scan-vial", "data": "(01)00300027597011"}
	r1 := h.call("tech1", "POST", path(id, "/scans"), bad, "Idempotency-Key", "k-2")
	r2 := h.call("tech1", "POST", path(id, "/scans"), bad, "Idempotency-Key", "k-2")
	if r1.Status != 422 || r2.Status != 422 || string(r1.Body) != string(r2.Body) {
		t.Fatalf("refused replay: %d %s / %d %s", r1.Status, r1.Body, r2.Status, r2.Body)
	}
	// Concurrent duplicates record one scan.
	vial := map[string]any{"step_id": "scan-vial", "data": gs1(w.AllowedProducts[0].GTIN, exp, "K1", "KS1")}
	var wg sync.WaitGroup
	bodies := make([]string, 10)
	for i := range bodies {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r := h.call("tech1", "POST", path(id, "/scans"), vial, "Idempotency-Key", "k-3")
			bodies[i] = fmt.Sprint(r.Status, string(r.Body))
		}(i)
	}
	wg.Wait()
	for _, b := range bodies[1:] {
		if b != bodies[0] {
			t.Fatalf("concurrent duplicates answered differently:\n%s\n%s", bodies[0], b)
		}
	}
	var n int
	if err := h.st.DB.Get(&n, `SELECT count(*) FROM scans WHERE preparation_id = $1`, id); err != nil || n != 3 {
		t.Fatalf("scans recorded: %d (%v), want 3", n, err)
	}
	// The same key from another user is another request.
	if r := h.call("tech2", "POST", path(id, "/scans"), body, "Idempotency-Key", "k-1"); r.Status != http.StatusForbidden {
		t.Fatalf("another user's key: %d %s", r.Status, r.Body)
	}
	// Orders too.
	o := simpleOrder("heparin", "5000 units", "dextrose 5%", "250 mL")
	a := h.must(http.StatusCreated, "pharm1", "POST", "/api/v1/orders", o, "Idempotency-Key", "order-1")
	b := h.must(http.StatusCreated, "pharm1", "POST", "/api/v1/orders", o, "Idempotency-Key", "order-1")
	if string(a.Body) != string(b.Body) {
		t.Fatalf("order replay differs: %s %s", a.Body, b.Body)
	}
}

// TestRequestRejections: every route refuses malformed JSON, unknown
// fields, JSON numbers for quantities and wrong-state calls with the
// documented codes.
func TestRequestRejections(t *testing.T) {
	h := newHarness(t)
	queued := h.order(simpleOrder("potassium chloride", "20 mEq", "sodium chloride 0.9%", "100 mL"))
	done := h.order(simpleOrder("potassium chloride", "20 mEq", "sodium chloride 0.9%", "100 mL"))
	h.prepare(done, "tech1")
	order := func(edit func(m map[string]any)) map[string]any {
		m := simpleOrder("potassium chloride", "20 mEq", "sodium chloride 0.9%", "100 mL")
		edit(m)
		return m
	}
	patient := func(k string, v any) func(m map[string]any) {
		return func(m map[string]any) { m["patient"].(map[string]any)[k] = v }
	}
	cases := []struct {
		name, user, method, path string
		body                     any
		status                   int
		code, field              string
	}{
		{"order: malformed", "pharm1", "POST", "/api/v1/orders", `{"drug":`, 400, "malformed_json", ""},
		{"order: not an object", "pharm1", "POST", "/api/v1/orders", `[1]`, 400, "malformed_json", ""},
		{"order: empty", "pharm1", "POST", "/api/v1/orders", ``, 400, "malformed_json", ""},
		{"order: unknown field", "pharm1", "POST", "/api/v1/orders", order(func(m map[string]any) { m["dosage"] = "1 g" }), 400, "unknown_field", "dosage"},
		{"order: dose as a number", "pharm1", "POST", "/api/v1/orders", order(func(m map[string]any) { m["dose"] = 2 }), 400, "wrong_type", "dose"},
		{"order: weight as a number", "pharm1", "POST", "/api/v1/orders", order(patient("weight", 72.5)), 400, "wrong_type", "patient.weight"},
		{"order: weight 72 kgs", "pharm1", "POST", "/api/v1/orders", order(patient("weight", "72 kgs")), 400, "invalid", "patient.weight"},
		{"order: unknown patient field", "pharm1", "POST", "/api/v1/orders", order(patient("ward", "x")), 400, "unknown_field", "ward"},
		{"order: no recipe", "pharm1", "POST", "/api/v1/orders", order(func(m map[string]any) { m["drug"] = "unobtainium" }), 422, "no_recipe", "drug"},
		{"order: technician", "tech1", "POST", "/api/v1/orders", order(func(map[string]any) {}), 403, "forbidden", ""},
		{"order: no login", "", "POST", "/api/v1/orders", order(func(map[string]any) {}), 401, "unauthenticated", ""},
		{"scan: malformed", "tech1", "POST", path(queued, "/scans"), `{"data":1`, 400, "malformed_json", ""},
		{"scan: unknown field", "tech1", "POST", path(queued, "/scans"), map[string]any{"data": "x", "step_id": "s", "lot": "1"}, 400, "unknown_field", "lot"},
		{"scan: data as a number", "tech1", "POST", path(queued, "/scans"), map[string]any{"data": 123, "step_id": "s"}, 400, "wrong_type", "data"},
		{"scan: before claim", "tech1", "POST", path(queued, "/scans"), map[string]any{"data": "x", "step_id": "scan-bag"}, 409, "wrong_state", ""},
		{"scan: after completion", "tech1", "POST", path(done, "/scans"), map[string]any{"data": "x", "step_id": "scan-bag"}, 409, "wrong_state", ""},
		{"weight: number", "tech1", "POST", path(queued, "/weights"), map[string]any{"step_id": "w", "measured": 10.4}, 400, "wrong_type", "measured"},
		{"weight: unknown field", "tech1", "POST", path(queued, "/weights"), map[string]any{"step_id": "w", "measured": "1 g", "tare": "1 g"}, 400, "unknown_field", "tare"},
		{"weight: before claim", "tech1", "POST", path(queued, "/weights"), map[string]any{"step_id": "w", "measured": "1 g"}, 409, "wrong_state", ""},
		{"step done: before claim", "tech1", "POST", path(queued, "/steps/inspect/done"), nil, 409, "wrong_state", ""},
		{"step done: body with fields", "tech1", "POST", path(queued, "/steps/inspect/done"), map[string]any{"x": 1}, 400, "unknown_field", "x"},
		{"claim: completed", "tech2", "POST", path(done, "/claim"), nil, 409, "wrong_state", ""},
		{"claim: malformed body", "tech2", "POST", path(queued, "/claim"), `{`, 400, "malformed_json", ""},
		{"claim: pharmacist", "pharm1", "POST", path(queued, "/claim"), nil, 403, "forbidden", ""},
		{"claim: no such preparation", "tech1", "POST", path(999999, "/claim"), nil, 404, "not_found", ""},
		{"release-claim: not claimed", "tech1", "POST", path(queued, "/release-claim"), nil, 409, "wrong_state", ""},
		{"complete: queued", "tech1", "POST", path(queued, "/complete"), nil, 409, "wrong_state", ""},
		{"label: queued", "pharm1", "GET", path(queued, "/label?format=pdf"), nil, 409, "not_completed", ""},
		{"label: bad format", "pharm1", "GET", path(done, "/label?format=docx"), nil, 400, "invalid", "format"},
		{"verify: queued", "pharm1", "POST", path(queued, "/verify"), map[string]any{"decision": "approve", "password": "demo-pharm1"}, 409, "wrong_state", ""},
		{"verify: unknown decision", "pharm1", "POST", path(done, "/verify"), map[string]any{"decision": "maybe", "password": "demo-pharm1"}, 400, "invalid", "decision"},
		{"verify: no password", "pharm1", "POST", path(done, "/verify"), map[string]any{"decision": "approve"}, 400, "invalid", "password"},
		{"verify: unknown field", "pharm1", "POST", path(done, "/verify"), map[string]any{"decision": "approve", "pin": "1"}, 400, "unknown_field", "pin"},
		{"verify: malformed", "pharm1", "POST", path(done, "/verify"), `{"decision"}`, 400, "malformed_json", ""},
		{"release: not verified", "tech1", "POST", path(done, "/release"), map[string]any{"label_data": fmt.Sprintf("LMN-P%d-L1", done)}, 409, "wrong_state", ""},
		{"release: malformed", "tech1", "POST", path(done, "/release"), `nope`, 400, "malformed_json", ""},
		{"release: number", "tech1", "POST", path(done, "/release"), map[string]any{"label_data": 5}, 400, "wrong_type", "label_data"},
		{"cancel: no reason", "pharm1", "POST", "/api/v1/orders/1/cancel", map[string]any{}, 400, "invalid", "reason"},
		{"cancel: unknown field", "pharm1", "POST", "/api/v1/orders/1/cancel", map[string]any{"why": "x"}, 400, "unknown_field", "why"},
		{"recipe: technician", "tech1", "POST", "/api/v1/recipes", map[string]any{}, 403, "forbidden", ""},
		{"recipe: approval given", "pharm1", "POST", "/api/v1/recipes", map[string]any{"drug": "x", "status": "approved"}, 400, "invalid", "status"},
		{"recipe: unknown field", "admin1", "POST", "/api/v1/recipes", map[string]any{"drug": "x", "colour": "red"}, 400, "unknown_field", "colour"},
		{"recipe: version given", "admin1", "POST", "/api/v1/recipes", map[string]any{"drug": "x", "version": 3}, 400, "invalid", "version"},
		{"recipe: invalid", "admin1", "POST", "/api/v1/recipes", map[string]any{"drug": "x", "name": "x"}, 400, "invalid", ""},
		{"queue: safety officer", "safety1", "GET", "/api/v1/queue", nil, 403, "forbidden", ""},
		{"verifications: technician", "tech1", "GET", "/api/v1/verifications", nil, 403, "forbidden", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := h.call(tc.user, tc.method, tc.path, tc.body)
			if r.Status != tc.status || r.code() != tc.code || (tc.field != "" && r.field() != tc.field) {
				t.Fatalf("%d %s, want %d %s field %q", r.Status, r.Body, tc.status, tc.code, tc.field)
			}
		})
	}
}

func TestQueueAndRecipes(t *testing.T) {
	h := newHarness(t)
	checkDemoQueue(t, h)
	before, after := newRecipeVersionForNewOrdersOnly(t, h)
	cancelOrderLeavesQueue(t, h, after)
	verificationQueueListsCompleted(t, h, before)
}

// checkDemoQueue reads the demo queue: order, batch groups, fields, and
// that every demo preparation has a worksheet, one of them hazardous.
func checkDemoQueue(t *testing.T, h *harness) {
	var q struct {
		Items []struct {
			PreparationID int64  `json:"preparation_id"`
			Drug          string `json:"drug"`
			Dose          string `json:"dose"`
			DueAt         string `json:"due_at"`
			Priority      string `json:"priority"`
			Status        string `json:"status"`
			BatchKey      string `json:"batch_key"`
		} `json:"items"`
		Groups []struct {
			Count int    `json:"count"`
			Drug  string `json:"drug"`
		} `json:"groups"`
	}
	h.must(http.StatusOK, "tech1", "GET", "/api/v1/queue", nil).json(t, &q)
	if len(q.Items) < 7 {
		t.Fatalf("demo queue has %d items, want the 7 demo orders", len(q.Items))
	}
	if q.Items[0].Priority != "stat" || q.Items[1].Priority != "first_dose" {
		t.Fatalf("queue order: %+v", q.Items[:2])
	}
	if len(q.Groups) != 1 || q.Groups[0].Count != 2 || !strings.Contains(strings.ToLower(q.Groups[0].Drug), "ceftriaxone") {
		t.Fatalf("batch groups: %+v", q.Groups)
	}
	for _, it := range q.Items {
		if it.Drug == "" || it.Dose == "" || it.DueAt == "" || it.Status != "queued" || it.BatchKey == "" {
			t.Fatalf("queue item lacks a field: %+v", it)
		}
	}
	// Every demo preparation has a worksheet; the hazardous one says so.
	haz := 0
	for _, it := range q.Items {
		w := h.prep(it.PreparationID)
		if len(w.Steps) == 0 || w.BUD == nil {
			t.Errorf("demo preparation %d (%s) has no steps or BUD", it.PreparationID, it.Drug)
		}
		if w.Hazardous {
			haz++
		}
	}
	if haz != 1 {
		t.Errorf("%d hazardous demo preparations, want 1", haz)
	}
}

// newRecipeVersionForNewOrdersOnly approves a second cefazolin recipe version
// and checks it applies to new orders only; it returns the preparation made
// before the new version and the one made after it.
func newRecipeVersionForNewOrdersOnly(t *testing.T, h *harness) (before, after int64) {
	var list struct {
		Items []map[string]any `json:"items"`
	}
	h.must(http.StatusOK, "tech1", "GET", "/api/v1/recipes?drug=cefazolin", nil).json(t, &list)
	if len(list.Items) != 1 {
		t.Fatalf("cefazolin recipes: %d", len(list.Items))
	}
	rcp := list.Items[0]
	before = h.order(cefazolinOrder(time.Now().Add(time.Hour)))
	for _, k := range []string{"id", "version", "created_at", "created_by", "status", "approved_by", "approved_at"} {
		delete(rcp, k)
	}
	rcp["name"] = "ceFAZolin IVPB v2"
	rcp["reconstitution"].(map[string]any)["diluent_volume"] = "4.5 mL"
	var v2 struct {
		ID      int64 `json:"id"`
		Version int   `json:"version"`
	}
	h.must(http.StatusCreated, "admin1", "POST", "/api/v1/recipes", rcp).json(t, &v2)
	if v2.Version != 2 {
		t.Fatalf("new version = %d", v2.Version)
	}
	h.must(http.StatusOK, "pharm1", "GET", fmt.Sprintf("/api/v1/recipes/%d", v2.ID), nil)
	h.must(http.StatusOK, "pharm1", "POST", fmt.Sprintf("/api/v1/recipes/%d/approve", v2.ID), map[string]any{"password": "demo-pharm1"})
	after = h.order(cefazolinOrder(time.Now().Add(time.Hour)))
	if got := h.prep(before).Quantities["reconstituted_volume"].Value; got != "3 mL" {
		t.Errorf("existing worksheet changed by a new recipe version: %s", got)
	}
	if got := h.prep(after).Quantities["reconstituted_volume"].Value; got != "5 mL" {
		t.Errorf("new order did not follow the new version: %s", got)
	}
	return before, after
}

// cancelOrderLeavesQueue cancels the order behind preparation after, which takes
// the preparation out of the queue; a second cancel is refused.
func cancelOrderLeavesQueue(t *testing.T, h *harness, after int64) {
	var cancelled struct {
		Cancelled []int64 `json:"cancelled_preparations"`
	}
	var orderID int64
	if err := h.st.DB.Get(&orderID, `SELECT order_id FROM preparations WHERE id = $1`, after); err != nil {
		t.Fatal(err)
	}
	h.must(http.StatusOK, "pharm1", "POST", fmt.Sprintf("/api/v1/orders/%d/cancel", orderID), map[string]any{"reason": "discontinued"}).json(t, &cancelled)
	if len(cancelled.Cancelled) != 1 || h.prep(after).Status != "cancelled" {
		t.Fatalf("cancel: %+v", cancelled)
	}
	if r := h.call("pharm1", "POST", fmt.Sprintf("/api/v1/orders/%d/cancel", orderID), map[string]any{"reason": "again"}); r.code() != "wrong_state" {
		t.Fatalf("cancel twice: %d %s", r.Status, r.Body)
	}
}

// verificationQueueListsCompleted prepares preparation before and finds it, alone,
// in the verification queue.
func verificationQueueListsCompleted(t *testing.T, h *harness, before int64) {
	h.prepare(before, "tech2")
	var vq struct {
		Items []struct {
			PreparationID int64 `json:"preparation_id"`
		} `json:"items"`
	}
	h.must(http.StatusOK, "pharm1", "GET", "/api/v1/verifications", nil).json(t, &vq)
	if len(vq.Items) != 1 || vq.Items[0].PreparationID != before {
		t.Fatalf("verification queue: %+v", vq)
	}
}

func TestReleaseClaim(t *testing.T) {
	h := newHarness(t)
	id := h.order(simpleOrder("potassium chloride", "20 mEq", "sodium chloride 0.9%", "100 mL"))
	h.must(http.StatusOK, "tech1", "POST", path(id, "/claim"), nil)
	h.must(http.StatusOK, "tech1", "POST", path(id, "/claim"), nil) // claiming what one holds is not an error
	if r := h.call("tech2", "POST", path(id, "/release-claim"), nil); r.Status != http.StatusForbidden || r.code() != "not_claimant" {
		t.Fatalf("release by another technician: %d %s", r.Status, r.Body)
	}
	h.must(http.StatusOK, "admin1", "POST", path(id, "/release-claim"), nil)
	h.must(http.StatusOK, "tech2", "POST", path(id, "/claim"), nil)
	h.must(http.StatusOK, "tech2", "POST", path(id, "/release-claim"), nil)
	if got := h.prep(id).Status; got != "queued" {
		t.Fatalf("status after release = %s", got)
	}
}

func TestPhotos(t *testing.T) {
	h := newHarness(t)
	id := h.order(simpleOrder("potassium chloride", "20 mEq", "sodium chloride 0.9%", "100 mL"))
	h.must(http.StatusOK, "tech1", "POST", path(id, "/claim"), nil)
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
	upload := func(user, step string, data []byte) resp {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		if step != "" {
			_ = mw.WriteField("step_id", step)
		}
		fw, _ := mw.CreateFormFile("photo", "p.png")
		_, _ = fw.Write(data)
		_ = mw.Close()
		req, _ := http.NewRequest("POST", h.srv.URL+path(id, "/photos"), &b)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+user)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return resp{Status: res.StatusCode, Body: body}
	}
	if r := upload("tech1", "inspect", png); r.Status != http.StatusCreated {
		t.Fatalf("photo: %d %s", r.Status, r.Body)
	}
	for _, tc := range []struct {
		name, user, step string
		data             []byte
		status           int
		field            string
	}{
		{"not an image", "tech1", "inspect", []byte("hello, this is text"), 400, "photo"},
		{"no step", "tech1", "", png, 400, "step_id"},
		{"unknown step", "tech1", "nope", png, 400, "step_id"},
		{"not the holder", "tech2", "inspect", png, 403, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := upload(tc.user, tc.step, tc.data)
			if r.Status != tc.status || (tc.field != "" && r.field() != tc.field) {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
		})
	}
	var n int
	if err := h.st.DB.Get(&n, `SELECT count(*) FROM photos WHERE preparation_id = $1`, id); err != nil || n != 1 {
		t.Fatalf("photos stored: %d %v", n, err)
	}
}
