package e2e_test

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/laminar-rx/laminar/internal/app"
	"github.com/laminar-rx/laminar/internal/balance"
	"github.com/laminar-rx/laminar/internal/devices"
)

// deadAddress is a loopback host:port with nothing listening: a printer
// that is switched off.
func deadAddress(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// TestDeviceScreensAndAFailedPrint: an admin registers a simulated balance
// and a capturing printer through the forms (a wrong readability is
// refused beside its field), and a printer that is switched off; a label
// sent to that one fails, and the pharmacist reads it in plain words on
// the print queue and on the evidence page, and retries it.
func TestDeviceScreensAndAFailedPrint(t *testing.T) {
	a := server(t)
	base := a.URL()
	r := newReport(t)
	defer r.write(t)
	// Give up on a printer quickly: three attempts 50 ms apart.
	set := devices.DefaultPrintSettings()
	set.MaxAttempts, set.DialTimeout = 3, time.Second
	set.Backoff = func(int) time.Duration { return 50 * time.Millisecond }
	a.API.Devices.SetPrintSettings(set)

	sim := balance.NewSimulator(balance.SimOptions{})
	sim.SetWeight(decimal.RequireFromString("12.345"))
	simAddr, err := sim.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	capture, err := app.NewCapturePrinter("127.0.0.1:0", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(capture.Close)
	dead := deadAddress(t)

	admin := newBrowser(t, "admin", base)
	admin.loginPassword("admin1")
	api := registerABalance(t, admin, r, base, simAddr)
	ids := registerTwoPrinters(t, admin, r, api, capture.Addr(), dead)
	pharmAPI, prepID, bad := printToBothPrinters(t, a, base, capture, ids)
	pharm := retryTheFailedPrint(t, a, base, r, pharmAPI, prepID, bad)
	warnOfALabelNeverPrinted(t, a, base, r, pharm, pharmAPI, ids)
	takeThePrinterOutOfService(t, admin, r, ids)
}

// registerABalance registers the simulated balance through the form, first
// with a readability no balance has, and reads it through the API it
// returns.
func registerABalance(t *testing.T, admin *browser, r *report, base, simAddr string) *apiClient {
	admin.open("/admin/balances/new")
	admin.setField("name", "Hood 2 balance")
	admin.setField("address", simAddr)
	admin.setField("readability", "5 g")
	admin.setField("hood", "Hood 2")
	admin.submitAndWait(`button[type=submit].big`, "the refused balance")
	if e := admin.text(`#e-readability`); !strings.Contains(e, "0.000001 g to 1 g") {
		t.Errorf("no error beside the readability: %q / %s", e, admin.text(".form-error"))
	}
	admin.assertPlainWords("balance form with an error")
	admin.screen(r, "balance-form-error")
	admin.setField("readability", "0.001 g")
	admin.submitAndWait(`button[type=submit].big`, "the registered balance")
	if !strings.Contains(admin.text(".flash"), "Saved Hood 2 balance") {
		t.Fatalf("the balance was not registered: %s", admin.text("main"))
	}
	if row := admin.text("main table"); !strings.Contains(row, simAddr) || !strings.Contains(row, "Mettler Toledo (MT-SICS)") {
		t.Errorf("the balances list: %s", row)
	}
	admin.assertPlainWords("balances list")
	admin.screen(r, "balances-list")
	api := login(t, base, "admin1")
	var bs struct{ Balances []devices.Balance }
	api.call("GET", "/api/v1/balances", nil, &bs)
	var hood2 devices.Balance
	for _, b := range bs.Balances {
		if b.Name == "Hood 2 balance" {
			hood2 = b
		}
	}
	var rd struct {
		Weight string `json:"weight"`
	}
	if api.call("GET", fmt.Sprintf("/api/v1/balances/%d/reading", hood2.ID), nil, &rd); rd.Weight != "12.345 g" {
		t.Errorf("the registered balance reads %q, want 12.345 g", rd.Weight)
	}
	admin.open("/admin/balances")
	if row := admin.text("main table"); !strings.Contains(row, "12.345 g, stable") {
		t.Errorf("the balances list does not show the last reading: %s", row)
	}
	return api
}

// registerTwoPrinters registers one printer that takes the label and one
// switched off, and returns the printers' ids by name.
func registerTwoPrinters(t *testing.T, admin *browser, r *report, api *apiClient, captureAddr, dead string) map[string]int64 {
	for _, p := range []struct{ name, addr, hood string }{{"Hood 2 printer", captureAddr, "Hood 2"}, {"Hood 3 printer", dead, "Hood 3"}} {
		admin.open("/admin/printers/new")
		admin.setField("name", p.name)
		admin.setField("address", p.addr)
		admin.setField("hood", p.hood)
		admin.submitAndWait(`button[type=submit].big`, "the registered printer")
		if !strings.Contains(admin.text(".flash"), "Saved "+p.name) {
			t.Fatalf("%s was not registered: %s", p.name, admin.text("main"))
		}
	}
	if list := admin.text("main table"); !strings.Contains(list, "4 × 3 in") || !strings.Contains(list, "203 dpi") {
		t.Errorf("the printers list: %s", list)
	}
	admin.assertPlainWords("printers list")
	admin.screen(r, "printers-list")
	var ps struct{ Printers []devices.Printer }
	api.call("GET", "/api/v1/printers", nil, &ps)
	ids := map[string]int64{}
	for _, p := range ps.Printers {
		ids[p.Name] = p.ID
	}
	return ids
}

// printToBothPrinters sends a completed preparation's label to both
// printers: the capturing one prints it, the switched-off one fails. It
// returns the pharmacist's client, the preparation and the failed job.
func printToBothPrinters(t *testing.T, a *app.App, base string, capture *app.CapturePrinter, ids map[string]int64) (*apiClient, int64, devices.PrintJob) {
	pharmAPI := login(t, base, "pharm1")
	prepID := paperRecord(t, pharmAPI, "cefazolin")
	var prep struct {
		LabelSeq int `json:"label_seq"`
	}
	if pharmAPI.call("GET", fmt.Sprintf("/api/v1/preparations/%d", prepID), nil, &prep); prep.LabelSeq == 0 {
		pharmAPI.call("POST", fmt.Sprintf("/api/v1/preparations/%d/labels", prepID), map[string]any{}, nil)
	}
	var good, bad devices.PrintJob
	pharmAPI.call("POST", fmt.Sprintf("/api/v1/preparations/%d/print", prepID), map[string]any{"printer_id": ids["Hood 2 printer"]}, &good)
	pharmAPI.call("POST", fmt.Sprintf("/api/v1/preparations/%d/print", prepID), map[string]any{"printer_id": ids["Hood 3 printer"]}, &bad)
	waitPrintJob(t, a, pharmAPI, good.ID, "printed")
	if jobs := capture.Jobs(); len(jobs) != 1 || !strings.HasPrefix(jobs[0], "^XA") {
		t.Fatalf("the capturing printer received %d jobs", len(jobs))
	}
	waitPrintJob(t, a, pharmAPI, bad.ID, "failed")
	return pharmAPI, prepID, bad
}

// waitPrintJob waits for print job id to reach status, waking the print
// queue, and returns it.
func waitPrintJob(t *testing.T, a *app.App, pharmAPI *apiClient, id int64, status string) devices.PrintJob {
	t.Helper()
	var j devices.PrintJob
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); {
		if pharmAPI.call("GET", fmt.Sprintf("/api/v1/print-jobs/%d", id), nil, &j); j.Status == status {
			return j
		}
		a.API.Devices.Wake()
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("print job %d is %q (%s), want %s", id, j.Status, j.LastError, status)
	return j
}

// retryTheFailedPrint: the pharmacist sees the failure in plain words on the
// print queue, none on the evidence page (another printer took the label),
// and retries it. It returns the pharmacist's browser.
func retryTheFailedPrint(t *testing.T, a *app.App, base string, r *report, pharmAPI *apiClient, prepID int64, bad devices.PrintJob) *browser {
	pharm := newBrowser(t, "pharmacist", base)
	pharm.loginPassword("pharm1")
	pharm.open("/print-queue?status=failed")
	row := pharm.text(fmt.Sprintf("#job-%d", bad.ID))
	if !strings.Contains(row, "NOT PRINTED") || !strings.Contains(row, "refused the connection") || !strings.Contains(row, "3 of 3") {
		t.Errorf("the failed job reads: %q", row)
	}
	pharm.assertPlainWords("print queue")
	pharm.screen(r, "print-queue-failed")
	pharm.open(fmt.Sprintf("/verify/%d", prepID))
	// One printer took this label, so the evidence page has nothing to
	// warn about; the failure is the job's own.
	if n := evalIn[int](pharm, `document.querySelectorAll('#label-print').length`); n != 0 {
		t.Errorf("a printed label is reported as not printed: %s", pharm.text("#label-print"))
	}
	pharm.open("/print-queue?status=failed")
	pharm.submitAndWait(fmt.Sprintf("#job-%d button", bad.ID), "the retry")
	if f := pharm.text(".flash"); !strings.Contains(f, "again") {
		t.Errorf("the retry says: %q", f)
	}
	waitPrintJob(t, a, pharmAPI, bad.ID, "failed")
	return pharm
}

// warnOfALabelNeverPrinted: a label whose only print failed is not on the
// bag; the evidence page, the technician's screen and the log say so.
func warnOfALabelNeverPrinted(t *testing.T, a *app.App, base string, r *report, pharm *browser, pharmAPI *apiClient, ids map[string]int64) {
	other := paperRecord(t, pharmAPI, "potassium chloride")
	var prep struct {
		LabelSeq int `json:"label_seq"`
	}
	if pharmAPI.call("GET", fmt.Sprintf("/api/v1/preparations/%d", other), nil, &prep); prep.LabelSeq == 0 {
		pharmAPI.call("POST", fmt.Sprintf("/api/v1/preparations/%d/labels", other), map[string]any{}, nil)
	}
	var lost devices.PrintJob
	pharmAPI.call("POST", fmt.Sprintf("/api/v1/preparations/%d/print", other), map[string]any{"printer_id": ids["Hood 3 printer"]}, &lost)
	waitPrintJob(t, a, pharmAPI, lost.ID, "failed")
	pharm.open(fmt.Sprintf("/verify/%d", other))
	if w := pharm.text("#label-print"); !strings.Contains(w, "Label not printed:") || !strings.Contains(w, "refused the connection") ||
		!strings.Contains(w, "retry or print elsewhere") {
		t.Errorf("the evidence page's warning: %q", w)
	}
	pharm.assertPlainWords("evidence page with a failed print")
	pharm.screen(r, "verify-label-not-printed")
	// And the technician's screen of that preparation.
	tech := newBrowser(t, "technician", base)
	tech.loginPassword("tech1")
	tech.open(fmt.Sprintf("/tablet/prep/%d", other))
	if w := tech.text("#label-print"); !strings.Contains(w, "Label not printed:") || !strings.Contains(w, "Open the print queue") {
		t.Errorf("the technician's screen: %q", w)
	}
	tech.screen(r, "prep-label-not-printed")
	var ev struct {
		Events []struct {
			Payload map[string]any `json:"payload"`
		} `json:"events"`
	}
	login(t, base, "safety1").call("GET", fmt.Sprintf("/api/v1/audit?preparation_id=%d&type=%s", other, devices.EvPrintFailed), nil, &ev)
	if len(ev.Events) != 1 || !strings.Contains(fmt.Sprint(ev.Events[0].Payload["error"]), "refused the connection") {
		t.Errorf("the failed print in the log: %+v", ev.Events)
	}
}

// takeThePrinterOutOfService: taking the switched-off printer out of
// service is confirmed first.
func takeThePrinterOutOfService(t *testing.T, admin *browser, r *report, ids map[string]int64) {
	admin.open(fmt.Sprintf("/admin/printers/%d", ids["Hood 3 printer"]))
	admin.tap(`#f-active`)
	admin.submitAndWait(`button[type=submit].big`, "the confirmation")
	if h := admin.text("h1"); !strings.Contains(h, "out of service?") {
		t.Fatalf("no confirmation: %s", admin.text("main"))
	}
	admin.screen(r, "printer-out-of-service-confirm")
	admin.submitAndWait(`button[type=submit].bad`, "the printer out of service")
	if f := admin.text(".flash"); !strings.Contains(f, "out of service") {
		t.Errorf("after the confirmation: %q", f)
	}
}
