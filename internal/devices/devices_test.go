package devices_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/balance"
	"github.com/laminar-rx/laminar/internal/devices"
	"github.com/laminar-rx/laminar/internal/seed"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/testdb"
	"github.com/laminar-rx/laminar/internal/workflow"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// fakePreps serves one preparation in progress, claimed by tech, with a
// weigh step; its row exists in the database (seeded) for the references.
type fakePreps struct{ p workflow.Preparation }

func (f fakePreps) Preparation(_ context.Context, id int64) (*workflow.Preparation, error) {
	if id != f.p.ID {
		return nil, apperr.New(apperr.NotFound, "preparation %d does not exist", id)
	}
	p := f.p
	return &p, nil
}

type fixture struct {
	st    *store.Store
	svc   *devices.Service
	tech  int64
	admin int64
	prep  int64
}

func setup(t *testing.T) fixture {
	t.Helper()
	ctx := context.Background()
	st := testdb.New(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if _, err := seed.Demo(ctx, st, log, time.Now()); err != nil {
		t.Fatal(err)
	}
	tech, _ := st.UserIDByName(ctx, "tech1")
	admin, _ := st.UserIDByName(ctx, "admin1")
	var prep int64
	if err := st.DB.GetContext(ctx, &prep, `SELECT min(id) FROM preparations`); err != nil {
		t.Fatal(err)
	}
	p := workflow.Preparation{ID: prep, Status: workflow.StatusInProgress, ClaimedBy: &tech,
		Worksheet: workflow.Worksheet{Steps: []workflow.Step{{ID: "weigh-draw", Kind: workflow.StepWeigh}, {ID: "draw", Kind: workflow.StepDraw}}}}
	svc := devices.New(st.DB, fakePreps{p}, log)
	svc.StableTimeout = 600 * time.Millisecond
	t.Cleanup(svc.Close)
	return fixture{st: st, svc: svc, tech: tech, admin: admin, prep: prep}
}

func code(err error) string {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return ae.CodeOrKind()
	}
	if err == nil {
		return ""
	}
	return "plain: " + err.Error()
}

func field(err error) string {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return ae.Field
	}
	return ""
}

func simulator(t *testing.T, o balance.SimOptions) (*balance.Simulator, string) {
	t.Helper()
	sim := balance.NewSimulator(o)
	addr, err := sim.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	return sim, addr
}

func TestBalanceRegistryValidates(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	for _, tc := range []struct {
		in    devices.BalanceInput
		field string
	}{
		{devices.BalanceInput{Address: "10.0.0.5:4001", Readability: "0.001 g"}, "name"},
		{devices.BalanceInput{Name: "B1", Address: "10.0.0.5", Readability: "0.001 g"}, "address"},
		{devices.BalanceInput{Name: "B1", Address: "10.0.0.5:99999", Readability: "0.001 g"}, "address"},
		{devices.BalanceInput{Name: "B1", Address: "10.0.0.5:4001", Dialect: "ascii", Readability: "0.001 g"}, "dialect"},
		{devices.BalanceInput{Name: "B1", Address: "10.0.0.5:4001", Readability: "1 mL"}, "readability"},
		{devices.BalanceInput{Name: "B1", Address: "10.0.0.5:4001", Readability: "5 g"}, "readability"},
		{devices.BalanceInput{Name: "B1", Address: "10.0.0.5:4001", Readability: "0.001"}, "readability"},
		{devices.BalanceInput{Name: "B\x07", Address: "10.0.0.5:4001", Readability: "0.001 g"}, "name"},
	} {
		if _, err := f.svc.RegisterBalance(ctx, tc.in, f.admin); code(err) != "invalid" || field(err) != tc.field {
			t.Errorf("%+v: %v (field %q), want invalid %s", tc.in, err, field(err), tc.field)
		}
	}
	b, err := f.svc.RegisterBalance(ctx, devices.BalanceInput{Name: "Hood 1 balance", Address: "127.0.0.1:4001",
		Dialect: "mt-sics", Readability: "1 mg", Hood: "H1"}, f.admin)
	if err != nil || b.Readability != "0.001 g" || b.Dialect != balance.MTSICS || !b.Active {
		t.Fatalf("register: %+v %v", b, err)
	}
	_, err = f.svc.RegisterBalance(ctx, devices.BalanceInput{Name: "other", Address: "127.0.0.1:4002", Readability: "0.01 g", Hood: "H1"}, f.admin)
	if code(err) != "hood_taken" {
		t.Fatalf("a second balance at the same hood: %v", err)
	}
	_, err = f.svc.RegisterBalance(ctx, devices.BalanceInput{Name: "HOOD 1 BALANCE", Address: "127.0.0.1:4002", Readability: "0.01 g"}, f.admin)
	if code(err) != "name_taken" {
		t.Fatalf("a second balance of the same name: %v", err)
	}
	if _, err := f.svc.UpdateBalance(ctx, 999999, devices.BalanceInput{Name: "x", Address: "h:1", Readability: "0.1 g"}, f.admin); code(err) != "not_found" {
		t.Fatalf("update of a missing balance: %v", err)
	}
	expectEvents(t, f.st, devices.EvBalanceRegistered, 1)
}

func expectEvents(t *testing.T, st *store.Store, typ string, n int) []json.RawMessage {
	t.Helper()
	var payloads []json.RawMessage
	if err := st.DB.Select(&payloads, `SELECT payload FROM audit_events WHERE type = $1 ORDER BY id`, typ); err != nil {
		t.Fatal(err)
	}
	if len(payloads) != n {
		t.Fatalf("%d %s events, want %d", len(payloads), typ, n)
	}
	rep, err := audit.Verify(context.Background(), st.DB)
	if err != nil || !rep.OK {
		t.Fatalf("audit chain: %+v %v", rep, err)
	}
	return payloads
}

func TestWeighNeedsTareAndAStableReading(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	sim, addr := simulator(t, balance.SimOptions{StableWait: 300 * time.Millisecond})
	b, err := f.svc.RegisterBalance(ctx, devices.BalanceInput{Name: "B1", Address: addr, Readability: "0.001 g", Hood: "H1", Simulated: true}, f.admin)
	if err != nil {
		t.Fatal(err)
	}
	in := devices.StepInput{BalanceID: b.ID, PreparationID: f.prep, StepID: "weigh-draw", Actor: workflow.Actor{UserID: f.tech}}

	// The attack: weighing without a tare would let a full syringe's gross
	// weight pass for the dose.
	sim.SetWeight(decimal.RequireFromString("25.923"))
	if _, err := f.svc.Weigh(ctx, in); code(err) != "tare_required" {
		t.Fatalf("weigh without a tare: %v", err)
	}
	sim.SetWeight(decimal.RequireFromString("15.503"))
	tr, err := f.svc.Tare(ctx, in)
	if err != nil || tr.Tare != "15.503 g" {
		t.Fatalf("tare: %+v %v", tr, err)
	}
	sim.SetWeight(decimal.RequireFromString("25.923"))
	sim.SetUnstable(-1)
	if _, err := f.svc.Weigh(ctx, in); code(err) != balance.CodeUnstable {
		t.Fatalf("an unstable reading was accepted: %v", err)
	}
	live, err := f.svc.Live(ctx, b.ID)
	if err != nil || live.Stable {
		t.Fatalf("live reading while unstable: %+v %v", live, err)
	}
	sim.SetUnstable(0)
	rd, err := f.svc.Weigh(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if rd.Measured != "10.42 g" || rd.Raw != "S S      10.420 g" || rd.Readability != "0.001 g" || rd.BalanceID != b.ID || !rd.Simulated {
		t.Fatalf("reading %+v", rd)
	}
	// Errors of the step itself come before the balance is touched.
	bad := in
	bad.StepID = "draw"
	if _, err := f.svc.Weigh(ctx, bad); field(err) != "step_id" {
		t.Fatalf("weighing a draw step: %v", err)
	}
	other := in
	other.Actor.UserID = f.admin
	if _, err := f.svc.Tare(ctx, other); code(err) != "not_claimed" {
		t.Fatalf("tare by someone without the claim: %v", err)
	}
	p := expectEvents(t, f.st, devices.EvTared, 1)
	var ev struct{ Raw, Tare string }
	if err := json.Unmarshal(p[0], &ev); err != nil || ev.Raw != "T S      15.503 g" || ev.Tare != "15.503 g" {
		t.Fatalf("tare event %s", p[0])
	}
}

func TestBalanceFaultsLoseNothing(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	sim, addr := simulator(t, balance.SimOptions{StableWait: 200 * time.Millisecond})
	b, err := f.svc.RegisterBalance(ctx, devices.BalanceInput{Name: "B1", Address: addr, Readability: "0.001 g"}, f.admin)
	if err != nil {
		t.Fatal(err)
	}
	in := devices.StepInput{BalanceID: b.ID, PreparationID: f.prep, StepID: "weigh-draw", Actor: workflow.Actor{UserID: f.tech}}
	if _, err := f.svc.Tare(ctx, in); err != nil {
		t.Fatal(err)
	}
	sim.SetWeight(decimal.RequireFromString("400"))
	if _, err := f.svc.Weigh(ctx, in); code(err) != balance.CodeOverload {
		t.Fatalf("overload: %v", err)
	}
	sim.SetWeight(decimal.RequireFromString("10"))
	sim.SetGarbage("\x1b[2J garbage")
	if _, err := f.svc.Weigh(ctx, in); code(err) != balance.CodeBadReply {
		t.Fatalf("garbage: %v", err)
	}
	sim.SetGarbage("")
	_ = sim.Close()
	_, err = f.svc.Weigh(ctx, in)
	if code(err) != balance.CodeUnavailable || !strings.Contains(err.Error(), "cannot be reached") {
		t.Fatalf("balance gone: %v", err)
	}
	// The tare survives the faults: once the balance is back the step is
	// weighed without starting over.
	sim2 := balance.NewSimulator(balance.SimOptions{})
	if _, err := sim2.Listen(addr); err != nil {
		t.Fatal(err)
	}
	defer sim2.Close()
	sim2.SetWeight(decimal.RequireFromString("10.5"))
	if rd, err := f.svc.Weigh(ctx, in); err != nil || rd.Measured != "10.5 g" {
		t.Fatalf("after the balance came back: %+v %v", rd, err)
	}
}

func TestTabletStation(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	if _, err := f.svc.BindTablet(ctx, "17", "H9", f.tech); field(err) != "hood" {
		t.Fatalf("binding to a hood with no device: %v", err)
	}
	b, _ := f.svc.RegisterBalance(ctx, devices.BalanceInput{Name: "B1", Address: "127.0.0.1:4001", Readability: "0.001 g", Hood: "H1"}, f.admin)
	p, err := f.svc.RegisterPrinter(ctx, devices.PrinterInput{Name: "P1", Address: "127.0.0.1", LabelSize: "4x3 in", DPI: 203, Hood: "H1"}, f.admin)
	if err != nil || p.Address != "127.0.0.1:9100" || p.LabelSize != "101.6x76.2 mm" {
		t.Fatalf("printer: %+v %v", p, err)
	}
	st, err := f.svc.BindTablet(ctx, "17", "H1", f.tech)
	if err != nil || st.Balance == nil || st.Balance.ID != b.ID || st.Printer == nil || st.Printer.ID != p.ID {
		t.Fatalf("bind: %+v %v", st, err)
	}
	got, err := f.svc.TabletStation(ctx, "17")
	if err != nil || got.Hood != "H1" || got.Balance == nil {
		t.Fatalf("station: %+v %v", got, err)
	}
	if none, err := f.svc.TabletStation(ctx, "18"); err != nil || none.Hood != "" {
		t.Fatalf("unbound session: %+v %v", none, err)
	}
	hoods, err := f.svc.Hoods(ctx)
	if err != nil || len(hoods) != 1 || hoods[0] != "H1" {
		t.Fatalf("hoods %v %v", hoods, err)
	}
}

func TestPrinterValidation(t *testing.T) {
	f := setup(t)
	for _, tc := range []struct {
		in    devices.PrinterInput
		field string
	}{
		{devices.PrinterInput{Name: "P", Address: "10.0.0.9:9100", LabelSize: "4 by 3"}, "label_size"},
		{devices.PrinterInput{Name: "P", Address: "10.0.0.9:9100", LabelSize: "1x1 in"}, "label_size"},
		{devices.PrinterInput{Name: "P", Address: "10.0.0.9:9100", DPI: 250}, "dpi"},
		{devices.PrinterInput{Name: "P", Address: "10.0.0.9:0"}, "address"},
		{devices.PrinterInput{Address: "10.0.0.9"}, "name"},
	} {
		if _, err := f.svc.RegisterPrinter(context.Background(), tc.in, f.admin); field(err) != tc.field {
			t.Errorf("%+v: %v, want field %s", tc.in, err, tc.field)
		}
	}
}

// captor is a printer on a loopback port: it keeps every job it receives
// and signals each one, since it reads on its own goroutine.
type captor struct {
	mu   sync.Mutex
	jobs []string
	got  chan struct{}
	ln   net.Listener
}

func newCaptor(t *testing.T) *captor { return newCaptorAt(t, "127.0.0.1:0") }

func newCaptorAt(t *testing.T, addr string) *captor {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c := &captor{ln: ln, got: make(chan struct{}, 64)}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			b, _ := io.ReadAll(conn)
			conn.Close()
			c.mu.Lock()
			c.jobs = append(c.jobs, string(b))
			c.mu.Unlock()
			c.got <- struct{}{}
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return c
}

// wait returns the jobs once n have arrived (the sender has returned
// before the captor finished reading).
func (c *captor) wait(t *testing.T, n int) []string {
	t.Helper()
	for range n {
		select {
		case <-c.got:
		case <-time.After(30 * time.Second):
			t.Fatalf("the printer received %d of %d jobs", len(c.received()), n)
		}
	}
	return c.received()
}

func (c *captor) received() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.jobs...)
}

func testLabel(prep int64) workflow.Label {
	return workflow.Label{PreparationID: prep, Seq: 1, Data: workflow.LabelData(prep, 1), Drug: "ceFAZolin", Dose: "2 g",
		Patient: workflow.PatientSnapshot{Name: "Doe, Jane", MRN: "MRN1"}, Auxiliary: []workflow.Auxiliary{workflow.AuxRefrigerate}}
}

func TestPrintQueueSendsZPL(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	cap := newCaptor(t)
	p, err := f.svc.RegisterPrinter(ctx, devices.PrinterInput{Name: "P1", Address: cap.ln.Addr().String()}, f.admin)
	if err != nil {
		t.Fatal(err)
	}
	job, err := f.svc.Enqueue(ctx, devices.PrintRequest{PrinterID: p.ID, Label: testLabel(f.prep), Actor: f.tech})
	if err != nil || job.Status != "queued" || job.LabelData != workflow.LabelData(f.prep, 1) {
		t.Fatalf("enqueue: %+v %v", job, err)
	}
	if st, _ := f.svc.LabelPrinted(ctx, f.prep, 1); st != "queued" {
		t.Fatalf("label state before sending: %q", st)
	}
	if n, err := f.svc.ProcessDue(ctx); err != nil || n != 1 {
		t.Fatalf("process: %d %v", n, err)
	}
	got := cap.wait(t, 1)
	if len(got) != 1 || !strings.HasPrefix(got[0], "^XA") || !strings.Contains(got[0], "^FD"+workflow.LabelData(f.prep, 1)+"^FS") {
		t.Fatalf("printer received %q", got)
	}
	job, _ = f.svc.Job(ctx, job.ID)
	if job.Status != "printed" || job.Attempts != 1 || job.PrintedAt == nil {
		t.Fatalf("job after printing: %+v", job)
	}
	if st, _ := f.svc.LabelPrinted(ctx, f.prep, 1); st != "printed" {
		t.Fatalf("label state: %q", st)
	}
	expectEvents(t, f.st, devices.EvPrintQueued, 1)
	expectEvents(t, f.st, devices.EvPrinted, 1)
}

func TestPrinterRefusingTheConnection(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close() // nothing listens: every connection is refused
	clock := time.Now().UTC()
	f.svc.Now = func() time.Time { return clock }
	set := devices.DefaultPrintSettings()
	set.MaxAttempts = 3
	f.svc.SetPrintSettings(set)
	p, _ := f.svc.RegisterPrinter(ctx, devices.PrinterInput{Name: "P1", Address: addr}, f.admin)
	job, err := f.svc.Enqueue(ctx, devices.PrintRequest{PrinterID: p.ID, Label: testLabel(f.prep), Actor: f.tech})
	if err != nil {
		t.Fatal(err)
	}
	for attempt := 1; attempt <= 3; attempt++ {
		if n, err := f.svc.ProcessDue(ctx); err != nil || n != 1 {
			t.Fatalf("attempt %d: %d %v", attempt, n, err)
		}
		job, _ = f.svc.Job(ctx, job.ID)
		if job.Attempts != attempt || !strings.Contains(job.LastError, "refused the connection") {
			t.Fatalf("after attempt %d: %+v", attempt, job)
		}
		// Not due again until its backoff has passed.
		if n, _ := f.svc.ProcessDue(ctx); n != 0 {
			t.Fatalf("retried before the backoff")
		}
		clock = clock.Add(time.Minute)
	}
	if job.Status != "failed" {
		t.Fatalf("after the last attempt: %+v", job)
	}
	if st, _ := f.svc.LabelPrinted(ctx, f.prep, 1); st != "failed" {
		t.Fatalf("a failed print reads as %q", st)
	}
	failed, err := f.svc.Jobs(ctx, f.prep, "failed")
	if err != nil || len(failed) != 1 {
		t.Fatalf("failed jobs visible: %+v %v", failed, err)
	}
	payloads := expectEvents(t, f.st, devices.EvPrintFailed, 1)
	if !strings.Contains(string(payloads[0]), "refused the connection") {
		t.Fatalf("event %s", payloads[0])
	}
	// The printer comes back; a retry prints the same label.
	cap := newCaptorAt(t, addr)
	if _, err := f.svc.Retry(ctx, job.ID, f.tech); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Retry(ctx, job.ID, f.tech); code(err) != "not_failed" {
		t.Fatalf("retrying a queued job: %v", err)
	}
	if _, err := f.svc.ProcessDue(ctx); err != nil {
		t.Fatal(err)
	}
	if len(cap.wait(t, 1)) != 1 {
		t.Fatal("the retried job was not printed")
	}
	if st, _ := f.svc.LabelPrinted(ctx, f.prep, 1); st != "printed" {
		t.Fatalf("after the retry: %q", st)
	}
}

// Every named query parses and plans against the migrated schema.
func TestQueriesPrepare(t *testing.T) {
	st := testdb.New(t)
	for name, q := range devices.QueryNames() {
		stmt, err := st.DB.Preparex(q)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		stmt.Close()
	}
}

// Only a balance registered as simulated takes simulator commands.
func TestSimulateOnlySimulatedBalances(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	_, addr := simulator(t, balance.SimOptions{})
	real, _ := f.svc.RegisterBalance(ctx, devices.BalanceInput{Name: "real", Address: addr, Readability: "0.001 g"}, f.admin)
	if err := f.svc.Simulate(ctx, real.ID, "W 10"); code(err) != "not_simulated" {
		t.Fatalf("a real balance took a simulator command: %v", err)
	}
	sim, _ := f.svc.RegisterBalance(ctx, devices.BalanceInput{Name: "sim", Address: addr, Readability: "0.001 g", Simulated: true}, f.admin)
	for _, bad := range []string{"W 1e3", "X 1", "W 10\r\nT", "U forever"} {
		if err := f.svc.Simulate(ctx, sim.ID, bad); field(err) != "command" {
			t.Errorf("command %q: %v", bad, err)
		}
	}
	if err := f.svc.Simulate(ctx, sim.ID, "W 7.25"); err != nil {
		t.Fatal(err)
	}
	if rd, err := f.svc.Live(ctx, sim.ID); err != nil || rd.Weight() != "7.25 g" {
		t.Fatalf("after W 7.25: %+v %v", rd, err)
	}
}

// BenchmarkLiveReading measures one reading as the tablet's live display
// gets it: the registry lookup in PostgreSQL, then SI to the simulator
// over loopback on the kept connection.
func BenchmarkLiveReading(b *testing.B) {
	st := testdb.New(b)
	ctx := context.Background()
	sim := balance.NewSimulator(balance.SimOptions{})
	addr, err := sim.Listen("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer sim.Close()
	sim.SetWeight(decimal.RequireFromString("12.345"))
	var admin int64
	if err := st.DB.Get(&admin, `INSERT INTO users (username, roles) VALUES ('bench_admin', ARRAY['admin']) RETURNING id`); err != nil {
		b.Fatal(err)
	}
	svc := devices.New(st.DB, fakePreps{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer svc.Close()
	bal, err := svc.RegisterBalance(ctx, devices.BalanceInput{Name: "bench", Address: addr, Readability: "0.001 g"}, admin)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if rd, err := svc.Live(ctx, bal.ID); err != nil || !rd.Stable {
			b.Fatalf("%+v %v", rd, err)
		}
	}
}
