package workflow_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/laminar-rx/laminar/internal/balance"
	"github.com/laminar-rx/laminar/internal/devices"
)

// TestWeighOnBalanceOverAPI: a weigh step read from a balance by the
// server. The attacks: a number sent along with balance_id, a weight taken
// without a tare, an unsettled reading; none of them records a weight.
func TestWeighOnBalanceOverAPI(t *testing.T) {
	h := newHarness(t)
	sim := balance.NewSimulator(balance.SimOptions{StableWait: 200 * time.Millisecond})
	addr, err := sim.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	var bal devices.Balance
	h.must(http.StatusCreated, "admin1", "POST", "/api/v1/balances", map[string]any{"name": "Hood 3 balance", "address": addr,
		"dialect": "mt-sics", "readability": "0.001 g", "hood": "Hood 3"}).json(t, &bal)
	h.must(http.StatusForbidden, "tech1", "POST", "/api/v1/balances", map[string]any{"name": "x", "address": addr, "readability": "0.001 g"})

	id := h.order(simpleOrder("cefazolin", "2 g", "sodium chloride 0.9%", "100 mL"))
	h.must(http.StatusOK, "tech1", "POST", path(id, "/claim"), nil)
	w := h.prep(id)
	exp := time.Now().AddDate(1, 0, 0)
	weighed := false
	for _, s := range w.Steps {
		switch s.Kind {
		case "scan_diluent", "scan_vial":
			for i := 0; i < s.Expects.Count; i++ {
				h.must(http.StatusCreated, "tech1", "POST", path(id, "/scans"), map[string]any{"step_id": s.ID,
					"data": gs1(w.gtinOf(t, s.Expects.ProductIDs[0]), exp, "LOT1", fmt.Sprintf("S%d", serialSeq.Add(1)))})
			}
		case "weigh":
			weighed = true
			weighOnBalance(t, h, sim, id, s.ID, s.Expects.ExpectedWeight, bal.ID)
		case "photo":
			if r := h.photo("tech1", id, s.ID); r.Status != http.StatusCreated {
				h.t.Fatalf("photo of %s: %d %s", s.ID, r.Status, r.Body)
			}
		default:
			h.must(http.StatusOK, "tech1", "POST", path(id, "/steps/"+s.ID+"/done"), nil)
		}
	}
	if !weighed {
		t.Fatal("the cefazolin recipe has no weigh step")
	}
	h.must(http.StatusOK, "tech1", "POST", path(id, "/complete"), nil)

	// The label as ZPL, and printed through the queue on a printer that
	// keeps what it receives.
	zpl := string(h.must(http.StatusOK, "pharm1", "GET", path(id, "/label?format=zpl"), nil).Body)
	if !strings.HasPrefix(zpl, "^XA") || !strings.Contains(zpl, "^BXN,") {
		t.Fatalf("label?format=zpl: %q", zpl[:min(len(zpl), 80)])
	}
	got := make(chan string, 4)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b, _ := io.ReadAll(c)
			c.Close()
			got <- string(b)
		}
	}()
	var pr devices.Printer
	h.must(http.StatusCreated, "admin1", "POST", "/api/v1/printers", map[string]any{"name": "Hood 3 printer", "address": ln.Addr().String(),
		"label_size": "4x3 in", "dpi": 203}).json(t, &pr)
	var job devices.PrintJob
	h.must(http.StatusAccepted, "tech1", "POST", path(id, "/print"), map[string]any{"printer_id": pr.ID}).json(t, &job)
	if job.Status != "queued" || job.PreparationID != id {
		t.Fatalf("print job %+v", job)
	}
	// Another instance's queue (a second service on the same database)
	// sends it.
	q := devices.New(h.st.DB, h.st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if n, err := q.ProcessDue(context.Background()); err != nil || n != 1 {
		t.Fatalf("print queue: %d %v", n, err)
	}
	var printed string
	select {
	case printed = <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("the printer received nothing")
	}
	if !strings.Contains(printed, "^FD"+job.LabelData+"^FS") {
		t.Fatalf("the printed ZPL lacks %s", job.LabelData)
	}
	h.must(http.StatusOK, "tech1", "GET", fmt.Sprintf("/api/v1/print-jobs/%d", job.ID), nil).json(t, &job)
	if job.Status != "printed" {
		t.Fatalf("job after sending: %+v", job)
	}
}

func weighOnBalance(t *testing.T, h *harness, sim *balance.Simulator, id int64, step, expected string, balanceID int64) {
	t.Helper()
	exp := decimal.RequireFromString(strings.TrimSuffix(expected, " g"))
	weights := func() int {
		var n int
		if err := h.st.DB.Get(&n, `SELECT count(*) FROM weights WHERE preparation_id = $1`, id); err != nil {
			t.Fatal(err)
		}
		return n
	}
	r := h.call("tech1", "POST", path(id, "/weights"), map[string]any{"step_id": step, "balance_id": balanceID, "measured": expected})
	if r.Status != http.StatusBadRequest || r.field() != "measured" {
		t.Fatalf("a number sent with balance_id: %d %s", r.Status, r.Body)
	}
	sim.SetWeight(exp.Add(decimal.RequireFromString("5.118")))
	if r := h.call("tech1", "POST", path(id, "/weights"), map[string]any{"step_id": step, "balance_id": balanceID}); r.Status != 422 || r.code() != "tare_required" {
		t.Fatalf("weight without a tare: %d %s", r.Status, r.Body)
	}
	sim.SetWeight(decimal.RequireFromString("5.118"))
	h.must(http.StatusCreated, "tech1", "POST", path(id, "/tare"), map[string]any{"step_id": step, "balance_id": balanceID})
	sim.SetWeight(exp.Add(decimal.RequireFromString("5.118")))
	sim.SetUnstable(-1)
	if r := h.call("tech1", "POST", path(id, "/weights"), map[string]any{"step_id": step, "balance_id": balanceID}); r.Status != 422 || r.code() != balance.CodeUnstable {
		t.Fatalf("an unsettled reading: %d %s", r.Status, r.Body)
	}
	if n := weights(); n != 0 {
		t.Fatalf("%d weights recorded by refused readings", n)
	}
	sim.SetUnstable(0)
	var res struct {
		Pass        bool   `json:"pass"`
		Measured    string `json:"measured"`
		BalanceID   int64  `json:"balance_id"`
		Raw         string `json:"raw"`
		Readability string `json:"readability"`
	}
	h.must(http.StatusCreated, "tech1", "POST", path(id, "/weights"), map[string]any{"step_id": step, "balance_id": balanceID}).json(t, &res)
	if !res.Pass || res.BalanceID != balanceID || !strings.HasPrefix(res.Raw, "S S ") || res.Readability != "0.001 g" {
		t.Fatalf("weight read from the balance: %+v", res)
	}
	var row struct {
		BalanceID   int64           `db:"balance_id"`
		Raw         string          `db:"balance_raw"`
		Readability decimal.Decimal `db:"readability_g"`
	}
	if err := h.st.DB.Get(&row, `SELECT balance_id, balance_raw, readability_g FROM weights WHERE preparation_id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if row.BalanceID != balanceID || row.Raw != res.Raw || row.Readability.String() != "0.001" {
		t.Fatalf("stored weight evidence %+v", row)
	}
	var doc struct {
		Weights []struct {
			BalanceID int64  `json:"balance_id"`
			Raw       string `json:"raw"`
		} `json:"weights"`
	}
	h.must(http.StatusOK, "pharm1", "GET", path(id, ""), nil).json(t, &doc)
	if len(doc.Weights) != 1 || doc.Weights[0].BalanceID != balanceID || doc.Weights[0].Raw != res.Raw {
		t.Fatalf("the preparation shows its weight as %+v", doc.Weights)
	}
}
