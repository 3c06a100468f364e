package exchange_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/laminar-rx/laminar/internal/hl7"
)

// A new order sent by Debian's mllp_send becomes an order with a queued
// preparation; the ACK is AA for its control ID.
func TestNewOrderFromMLLPSend(t *testing.T) {
	s := startServer(t, nil)
	ack := s.mllpSend(filepath.Join("..", "..", "testdata", "hl7", "rde-o11-new.hl7"))
	wantAck(t, ack, "AA", "MSG00001")
	if n := s.count(`SELECT count(*) FROM orders o JOIN preparations p ON p.order_id = o.id
		WHERE o.patient_mrn = 'MRN200001' AND o.drug = 'cefazolin' AND p.status = 'queued'
		AND o.priority = 'stat' AND o.dose_value = 2 AND o.dose_unit = 'g' AND o.weight_value = 68.5`); n != 1 {
		t.Fatalf("%d matching orders, want 1", n)
	}
	if n := s.count(`SELECT count(*) FROM interface_inbox WHERE status = 'applied' AND control_id = 'MSG00001'`); n != 1 {
		t.Fatalf("inbox: %d applied", n)
	}
}

// The same message again (a sender that never saw the ACK resends it) is
// answered with the very same ACK and is not applied twice.
func TestDuplicateGetsOriginalAck(t *testing.T) {
	s := startServer(t, nil)
	msg := sample(t, "rde-o11-new.hl7")
	first := s.send(msg)
	wantAck(t, first, "AA", "MSG00001")
	second := s.send(msg)
	if !bytes.Equal(encode(first), encode(second)) {
		t.Fatalf("second ACK differs:\n%q\n%q", encode(first), encode(second))
	}
	if n := s.count(`SELECT count(*) FROM orders WHERE patient_mrn = 'MRN200001'`); n != 1 {
		t.Fatalf("%d orders after a duplicate, want 1", n)
	}
	// Another sender may use the same control ID for its own message.
	other := replace(msg, "PHARMSYS|GENHOSP", "OTHERSYS|GENHOSP")
	other = replace(other, "ORD7001", "ORD9")
	wantAck(t, s.send(other), "AA", "MSG00001")
	if n := s.count(`SELECT count(*) FROM orders WHERE patient_mrn = 'MRN200001'`); n != 2 {
		t.Fatalf("%d orders, want 2", n)
	}
}

func encode(m *hl7.Message) []byte {
	var b bytes.Buffer
	for _, s := range m.Segments {
		b.WriteString(s.Name)
		b.WriteByte('|')
		fmt.Fprint(&b, s.Fields)
	}
	return b.Bytes()
}

// An unknown drug code is AE naming RXE-2, the message waits in the inbox;
// a pharmacist maps the code and replays it, and it is applied (once).
func TestUnknownDrugThenMapAndReplay(t *testing.T) {
	s := startServer(t, nil)
	msg := replace(sample(t, "rde-o11-new.hl7"), "60505-6243-4^cefazolin^NDC", "CEF2G^cefazolin 2 g^PHARMSYS")
	msg = replace(msg, "RXC|A|60505-6243-4^cefazolin^NDC|2|g\r", "")
	ack := s.send(msg)
	wantAck(t, ack, "AE", "MSG00001")
	if ack.Get("ERR-2") != "RXE" || ack.Get("ERR-2.3") != "2" || ack.Get("ERR-3") != "103" || !strings.Contains(ack.Get("ERR-8"), "CEF2G") {
		t.Fatalf("ERR: %q %q %q %q", ack.Get("ERR-2"), ack.Get("ERR-2.3"), ack.Get("ERR-3"), ack.Get("ERR-8"))
	}
	pharm := s.login("pharm1")
	code, body := s.api("GET", "/api/v1/interfaces/inbox?status=error", pharm, "", nil)
	var list struct {
		Items []struct {
			ID         int64  `json:"id"`
			ErrorCode  string `json:"error_code"`
			ErrorField string `json:"error_field"`
		}
	}
	if err := json.Unmarshal(body, &list); code != 200 || err != nil || len(list.Items) != 1 {
		t.Fatalf("inbox: %d %s", code, body)
	}
	it := list.Items[0]
	if it.ErrorCode != "unknown_drug" || it.ErrorField != "RXE-2" {
		t.Fatalf("inbox item %+v", it)
	}
	code, body = s.api("POST", fmt.Sprintf("/api/v1/interfaces/inbox/%d/replay", it.ID), pharm, "", nil)
	if code != 200 || !strings.Contains(string(body), `"status":"error"`) {
		t.Fatalf("replay before the mapping: %d %s", code, body)
	}
	code, body = s.api("PUT", "/api/v1/interfaces/code-map", pharm, "application/json",
		[]byte(`{"system":"PHARMSYS","code":"CEF2G","drug":"cefazolin","note":"pharmacy item"}`))
	if code != 200 {
		t.Fatalf("map: %d %s", code, body)
	}
	code, body = s.api("POST", fmt.Sprintf("/api/v1/interfaces/inbox/%d/replay", it.ID), pharm, "", nil)
	if code != 200 || !strings.Contains(string(body), `"status":"applied"`) {
		t.Fatalf("replay: %d %s", code, body)
	}
	// Applied now: a second replay is refused, and the sender's resend gets
	// the new AA without a second order.
	if code, body = s.api("POST", fmt.Sprintf("/api/v1/interfaces/inbox/%d/replay", it.ID), pharm, "", nil); code != 409 {
		t.Fatalf("second replay: %d %s", code, body)
	}
	wantAck(t, s.send(msg), "AA", "MSG00001")
	if n := s.count(`SELECT count(*) FROM orders WHERE patient_mrn = 'MRN200001' AND drug = 'cefazolin'`); n != 1 {
		t.Fatalf("%d orders, want 1", n)
	}
}

// Messages that cannot be read are rejected (AR) and kept; the listener
// goes on serving on the same connection and others.
func TestMalformedGetAR(t *testing.T) {
	s := startServer(t, nil)
	good := sample(t, "adt-a08-weight.hl7")
	cases := map[string][]byte{
		"no MSH":                  []byte("PID|1||X\r"),
		"bad encoding characters": []byte("MSH|^^\\&|APP|FAC|||2026||RDE^O11|BAD1|P|2.5.1\r"),
		"huge segment":            append([]byte("MSH|^~\\&|APP|FAC|||2026||RDE^O11|BAD2|P|2.5.1\rNTE|1||"), bytes.Repeat([]byte("x"), 70000)...),
		"1 MB message":            append([]byte("MSH|^~\\&|APP|FAC|||2026||RDE^O11|BAD3|P|2.5.1\rNTE|1||"), bytes.Repeat([]byte("y"), 1<<20)...),
		"binary":                  {0, 1, 2, 0xff, 0xfe},
	}
	for name, msg := range cases {
		t.Run(name, func(t *testing.T) {
			ack := s.send(msg)
			if ack.Get("MSA-1") != "AR" {
				t.Fatalf("MSA-1 %q, want AR", ack.Get("MSA-1"))
			}
			if h := hl7.SniffHeader(msg); h.ControlID != "" && ack.Get("MSA-2") != h.ControlID {
				t.Fatalf("MSA-2 %q, want %q", ack.Get("MSA-2"), h.ControlID)
			}
			wantAck(t, s.send(good), "AA", "MSG00004")
		})
	}
	if n := s.count(`SELECT count(*) FROM interface_inbox WHERE status = 'rejected' AND ack_code = 'AR'`); n != len(cases) {
		t.Fatalf("%d rejected messages kept, want %d", n, len(cases))
	}
}

// Understood but not applicable: each is AE with an ERR naming the field.
func TestApplicationErrors(t *testing.T) {
	s := startServer(t, nil)
	base := sample(t, "rde-o11-new.hl7")
	cases := []struct {
		name, from, to, errAt string
	}{
		{"unknown unit", "|2||g|", "|2||spoonful|", "RXE"},
		{"unknown order changed", "ORC|NW|ORD7001", "ORC|XO|ORD404", "ORC"},
		{"unknown diluent", "RXC|B|sodium chloride 0.9%^sodium chloride 0.9%", "RXC|B|seawater", "RXC"},
		{"no recipe", "60505-6243-4^cefazolin^NDC|2||g", "^paclitaxel^|100||mg", "RXE"},
		{"dose above limit", "RXC|B|sodium chloride 0.9%^sodium chloride 0.9%|100|mL", "RXC|B|sodium chloride 0.9%|99999|mL", "RXC"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msg := replace(base, c.from, c.to)
			msg = replace(msg, "MSG00001", fmt.Sprintf("APPERR%d", i))
			ack := s.send(msg)
			wantAck(t, ack, "AE", fmt.Sprintf("APPERR%d", i))
			if ack.Get("ERR-2") != c.errAt || ack.Get("ERR-8") == "" {
				t.Fatalf("ERR-2 %q (want %s), ERR-8 %q", ack.Get("ERR-2"), c.errAt, ack.Get("ERR-8"))
			}
		})
	}
	if n := s.count(`SELECT count(*) FROM orders WHERE patient_mrn = 'MRN200001'`); n != 0 {
		t.Fatalf("%d orders from refused messages", n)
	}
}

// Many senders at once, each on its own connection: every message is
// acknowledged AA and applied once.
func TestManyConnections(t *testing.T) {
	s := startServer(t, nil)
	base := sample(t, "rde-o11-new.hl7")
	const conns, each = 8, 5
	var wg sync.WaitGroup
	errs := make(chan error, conns*each)
	for c := 0; c < conns; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				id := fmt.Sprintf("C%dM%d", c, i)
				msg := replace(replace(base, "MSG00001", id), "ORD7001", "ORD-"+id)
				ack := s.send(msg)
				if ack.Get("MSA-1") != "AA" || ack.Get("MSA-2") != id {
					errs <- fmt.Errorf("%s: %s %s %s", id, ack.Get("MSA-1"), ack.Get("MSA-2"), ack.Get("ERR-8"))
				}
			}
		}(c)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := s.count(`SELECT count(*) FROM orders WHERE patient_mrn = 'MRN200001'`); n != conns*each {
		t.Fatalf("%d orders, want %d", n, conns*each)
	}
}

// A sender with its own encoding characters, LF line ends and escape
// sequences is understood.
func TestCustomEncodingSender(t *testing.T) {
	s := startServer(t, nil)
	wantAck(t, s.send(sample(t, "rde-o11-custom-encoding.hl7")), "AA", "MSG00005")
	if n := s.count(`SELECT count(*) FROM orders WHERE patient_mrn = 'MRN200002' AND patient_name = 'Lee@Park, Sean' AND diluent = 'sodium chloride 0.9%'`); n != 1 {
		t.Fatalf("%d orders, want 1", n)
	}
}
