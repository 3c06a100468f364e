package exchange_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// prepOf returns the first preparation of the newest order of a patient.
func (s *server) prepOf(mrn string) int64 {
	s.t.Helper()
	var id int64
	if err := s.app.Store.DB.GetContext(context.Background(), &id, `SELECT p.id FROM preparations p JOIN orders o ON o.id = p.order_id
		WHERE o.patient_mrn = $1 ORDER BY o.id DESC, p.id LIMIT 1`, mrn); err != nil {
		s.t.Fatal(err)
	}
	return id
}

func (s *server) status(prep int64) string {
	s.t.Helper()
	var st string
	if err := s.app.Store.DB.GetContext(context.Background(), &st, `SELECT status FROM preparations WHERE id = $1`, prep); err != nil {
		s.t.Fatal(err)
	}
	return st
}

func errCode(body []byte) string {
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = json.Unmarshal(body, &e)
	return e.Error.Code
}

// A change (XO) arriving while a technician is making the bag puts it on
// hold at once: every further step is refused with the banner's text, the
// new version is queued, and a pharmacist decides. Continuing keeps the bag
// being made and cancels the new version's preparation.
func TestChangeWhileInProgressHoldsIt(t *testing.T) {
	s := startServer(t, nil)
	wantAck(t, s.send(sample(t, "rde-o11-new.hl7")), "AA", "MSG00001")
	prep := s.prepOf("MRN200001")
	tech, pharm := s.login("tech1"), s.login("pharm1")
	if code, body := s.api("POST", fmt.Sprintf("/api/v1/preparations/%d/claim", prep), tech, "application/json", []byte("{}")); code != 200 {
		t.Fatalf("claim: %d %s", code, body)
	}
	wantAck(t, s.send(sample(t, "rde-o11-change.hl7")), "AA", "MSG00002")
	code, body := s.api("GET", fmt.Sprintf("/api/v1/preparations/%d/hold", prep), tech, "", nil)
	if code != 200 || !strings.Contains(string(body), `"kind":"changed"`) || !strings.Contains(string(body), "ORDER CHANGED") {
		t.Fatalf("hold: %d %s", code, body)
	}
	code, body = s.api("POST", fmt.Sprintf("/api/v1/preparations/%d/complete", prep), tech, "application/json", []byte("{}"))
	if code != 409 || errCode(body) != "on_hold" || !strings.Contains(string(body), "ORDER CHANGED / STOPPED") {
		t.Fatalf("step while held: %d %s", code, body)
	}
	newPrep := s.prepOf("MRN200001")
	if newPrep == prep || s.status(newPrep) != "queued" || s.status(prep) != "in_progress" {
		t.Fatalf("new %d %s, old %d %s", newPrep, s.status(newPrep), prep, s.status(prep))
	}
	// Only pharmacists decide.
	if code, _ := s.api("POST", fmt.Sprintf("/api/v1/preparations/%d/hold", prep), tech, "application/json", []byte(`{"decision":"continue","reason":"x"}`)); code != 403 {
		t.Fatalf("technician decided: %d", code)
	}
	code, body = s.api("POST", fmt.Sprintf("/api/v1/preparations/%d/hold", prep), pharm, "application/json",
		[]byte(`{"decision":"continue","reason":"only the timing changed"}`))
	if code != 200 {
		t.Fatalf("continue: %d %s", code, body)
	}
	if s.status(newPrep) != "cancelled" || s.status(prep) != "in_progress" {
		t.Fatalf("after continue: new %s, old %s", s.status(newPrep), s.status(prep))
	}
	if code, body := s.api("GET", fmt.Sprintf("/api/v1/preparations/%d/hold", prep), tech, "", nil); code != 404 {
		t.Fatalf("hold still open: %d %s", code, body)
	}
}

// A stop (DC) of an order being made holds the bag; it cannot be
// continued, only stopped, and then the order is cancelled. A preparation
// not yet started is cancelled at once.
func TestDiscontinueWhileInProgress(t *testing.T) {
	s := startServer(t, nil)
	wantAck(t, s.send(sample(t, "rde-o11-new.hl7")), "AA", "MSG00001")
	prep := s.prepOf("MRN200001")
	tech, pharm := s.login("tech1"), s.login("pharm1")
	if code, body := s.api("POST", fmt.Sprintf("/api/v1/preparations/%d/claim", prep), tech, "application/json", []byte("{}")); code != 200 {
		t.Fatalf("claim: %d %s", code, body)
	}
	wantAck(t, s.send(sample(t, "rde-o11-discontinue.hl7")), "AA", "MSG00003")
	code, body := s.api("POST", fmt.Sprintf("/api/v1/preparations/%d/hold", prep), pharm, "application/json", []byte(`{"decision":"continue","reason":"want it"}`))
	if code != 422 || errCode(body) != "cannot_continue" {
		t.Fatalf("continue a stop: %d %s", code, body)
	}
	code, body = s.api("POST", fmt.Sprintf("/api/v1/preparations/%d/hold", prep), pharm, "application/json", []byte(`{"decision":"stop","reason":"discontinued"}`))
	if code != 200 || s.status(prep) != "cancelled" {
		t.Fatalf("stop: %d %s, status %s", code, body, s.status(prep))
	}
	if n := s.count(`SELECT count(*) FROM orders WHERE patient_mrn = 'MRN200001' AND status = 'cancelled'`); n != 1 {
		t.Fatalf("order not cancelled")
	}
	// A second DC changes nothing and is still AA.
	wantAck(t, s.send(replace(sample(t, "rde-o11-discontinue.hl7"), "MSG00003", "MSG00003B")), "AA", "MSG00003B")

	// Queued, not started: cancelled at once, no hold.
	msg := replace(replace(sample(t, "rde-o11-new.hl7"), "MSG00001", "N2"), "ORD7001", "ORD7002")
	wantAck(t, s.send(msg), "AA", "N2")
	queued := s.prepOf("MRN200001")
	wantAck(t, s.send(replace(replace(sample(t, "rde-o11-discontinue.hl7"), "MSG00003", "D2"), "ORD7001", "ORD7002")), "AA", "D2")
	if s.status(queued) != "cancelled" || s.count(`SELECT count(*) FROM preparation_holds WHERE preparation_id = $1`, queued) != 0 {
		t.Fatalf("queued preparation: %s", s.status(queued))
	}
}

// HD holds an order: nobody may claim it until RL.
func TestHoldAndRelease(t *testing.T) {
	s := startServer(t, nil)
	wantAck(t, s.send(sample(t, "rde-o11-new.hl7")), "AA", "MSG00001")
	prep := s.prepOf("MRN200001")
	tech := s.login("tech1")
	hd := replace(replace(sample(t, "rde-o11-discontinue.hl7"), "ORC|DC|", "ORC|HD|"), "MSG00003", "H1")
	wantAck(t, s.send(hd), "AA", "H1")
	code, body := s.api("POST", fmt.Sprintf("/api/v1/preparations/%d/claim", prep), tech, "application/json", []byte("{}"))
	if code != 409 || errCode(body) != "on_hold" {
		t.Fatalf("claim while held: %d %s", code, body)
	}
	rl := replace(replace(sample(t, "rde-o11-discontinue.hl7"), "ORC|DC|", "ORC|RL|"), "MSG00003", "R1")
	wantAck(t, s.send(rl), "AA", "R1")
	if code, body := s.api("POST", fmt.Sprintf("/api/v1/preparations/%d/claim", prep), tech, "application/json", []byte("{}")); code != 200 {
		t.Fatalf("claim after release: %d %s", code, body)
	}
	// RL of an order that is not held, and XO/RL of an unknown order, are AE.
	unknown := replace(replace(rl, "ORD7001", "ORD404"), "R1", "R2")
	if ack := s.send(unknown); ack.Get("MSA-1") != "AE" || ack.Get("ERR-3") != "204" {
		t.Fatalf("unknown order: %s %s", ack.Get("MSA-1"), ack.Get("ERR-3"))
	}
}

// A new weight from ADT for a patient with a weight-based order in
// progress holds it; the order is recomputed as a new version.
func TestWeightChangeHoldsWeightBasedOrder(t *testing.T) {
	s := startServer(t, nil)
	vanco := replace(sample(t, "rde-o11-new.hl7"), "60505-6243-4^cefazolin^NDC|2||g", "^vancomycin^|15||mg/kg")
	vanco = replace(vanco, "RXC|A|60505-6243-4^cefazolin^NDC|2|g\r", "")
	vanco = replace(vanco, "|100|mL\r", "|250|mL\r")
	wantAck(t, s.send(vanco), "AA", "MSG00001")
	prep := s.prepOf("MRN200001")
	tech := s.login("tech1")
	if code, body := s.api("POST", fmt.Sprintf("/api/v1/preparations/%d/claim", prep), tech, "application/json", []byte("{}")); code != 200 {
		t.Fatalf("claim: %d %s", code, body)
	}
	wantAck(t, s.send(sample(t, "adt-a08-weight.hl7")), "AA", "MSG00004")
	code, body := s.api("GET", fmt.Sprintf("/api/v1/preparations/%d/hold", prep), tech, "", nil)
	if code != 200 || !strings.Contains(string(body), `"kind":"weight_changed"`) || !strings.Contains(string(body), "71.2 kg") {
		t.Fatalf("hold: %d %s", code, body)
	}
	if n := s.count(`SELECT count(*) FROM orders WHERE patient_mrn = 'MRN200001' AND weight_value = 71.2 AND status = 'open'`); n != 1 {
		t.Fatalf("%d recomputed orders", n)
	}
	// The same update again changes nothing more.
	wantAck(t, s.send(replace(sample(t, "adt-a08-weight.hl7"), "MSG00004", "MSG00004B")), "AA", "MSG00004B")
	if n := s.count(`SELECT count(*) FROM orders WHERE patient_mrn = 'MRN200001'`); n != 2 {
		t.Fatalf("%d orders, want 2", n)
	}
}

// A dispense written to the outbox goes out as RDS^O13 to the pharmacy
// system; while that system refuses it, it is retried with back-off and
// stays visible to the safety officer.
func TestOutboxSendsAndRetries(t *testing.T) {
	s := startServer(t, nil)
	wantAck(t, s.send(sample(t, "rde-o11-new.hl7")), "AA", "MSG00001")
	prep := s.prepOf("MRN200001")
	s.received.setFail(true)
	ctx := context.Background()
	tx, err := s.app.Store.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.app.Exchange().EnqueueDispense(ctx, tx, prep, "dispense", "", time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	safety := s.login("safety1")
	waitFor(t, func() bool {
		_, body := s.api("GET", "/api/v1/interfaces/outbox", safety, "", nil)
		return strings.Contains(string(body), `"attempts":1`) && strings.Contains(string(body), `"ack_code":"AE"`)
	})
	// The pharmacy system comes back; the next attempt (after the back-off) delivers.
	s.received.setFail(false)
	waitFor(t, func() bool { return len(s.received.messages()) == 1 })
	m := s.received.messages()[0]
	want := map[string]string{"MSH-9": "RDS", "MSH-9.2": "O13", "MSH-10": fmt.Sprintf("LMND%d", prep), "MSH-5": "PHARMSYS",
		"PID-3": "MRN200001", "ORC-1": "RE", "ORC-2": "ORD7001", "RXE-3": "2", "RXE-5": "g"}
	for p, w := range want {
		if got := m.Get(p); got != w {
			t.Errorf("%s = %q, want %q", p, got, w)
		}
	}
	_, body := s.api("GET", "/api/v1/interfaces/outbox", safety, "", nil)
	if !strings.Contains(string(body), `"status":"sent"`) {
		t.Fatalf("outbox: %s", body)
	}
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 30 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
