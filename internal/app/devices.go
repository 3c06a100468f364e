package app

import (
	"context"
	"io"
	"log/slog"
	"net"
	"sync"

	"github.com/shopspring/decimal"

	"github.com/laminar-rx/laminar/internal/balance"
	"github.com/laminar-rx/laminar/internal/devices"
)

// DemoHood is where `serve --demo` puts its simulated balance and printer.
const DemoHood = "Hood 1"

// startDevices builds the devices service and starts the print queue; in
// demo mode it also starts a simulated balance and a demo printer and
// registers them at DemoHood, so the whole flow runs without hardware.
func (a *App) startDevices(ctx context.Context, demo bool) (*devices.Service, error) {
	svc := devices.New(a.Store.DB, a.Store, a.Log)
	if demo {
		if err := a.startDemoDevices(ctx, svc); err != nil {
			svc.Close()
			return nil, err
		}
	}
	qctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		svc.RunPrintQueue(qctx)
	}()
	a.stopDevices = func() {
		cancel()
		<-done
		svc.Close()
		if a.DemoBalance != nil {
			_ = a.DemoBalance.Close()
		}
		if a.DemoPrinter != nil {
			a.DemoPrinter.Close()
		}
	}
	return svc, nil
}

func (a *App) startDemoDevices(ctx context.Context, svc *devices.Service) error {
	sim := balance.NewSimulator(balance.SimOptions{Settle: 0})
	// An empty syringe's worth on the pan until someone changes it.
	sim.SetWeight(decimal.Zero)
	addr, err := sim.Listen("127.0.0.1:0")
	if err != nil {
		return err
	}
	a.DemoBalance = sim
	pr, err := NewCapturePrinter("127.0.0.1:0", a.Log)
	if err != nil {
		return err
	}
	a.DemoPrinter = pr
	admin, err := a.Store.UserIDByName(ctx, "admin1")
	if err != nil {
		return err
	}
	if _, err := svc.EnsureBalance(ctx, devices.BalanceInput{Name: "Demo balance (simulated)", Address: addr, Dialect: "mt-sics",
		Readability: "0.001 g", Hood: DemoHood, Simulated: true}, admin); err != nil {
		return err
	}
	if _, err := svc.EnsurePrinter(ctx, devices.PrinterInput{Name: "Demo label printer", Address: pr.Addr(), LabelSize: "4x3 in",
		DPI: 203, Hood: DemoHood}, admin); err != nil {
		return err
	}
	a.Log.Info("demo devices", "hood", DemoHood, "balance", addr, "printer", pr.Addr())
	return nil
}

// CapturePrinter is a stand-in label printer: a raw TCP listener (like a
// printer's port 9100) that keeps every job it receives.
type CapturePrinter struct {
	ln   net.Listener
	log  *slog.Logger
	mu   sync.Mutex
	jobs []string
	wg   sync.WaitGroup
}

// NewCapturePrinter listens on addr ("127.0.0.1:0" picks a port).
func NewCapturePrinter(addr string, log *slog.Logger) (*CapturePrinter, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	p := &CapturePrinter{ln: ln, log: log}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr is the host:port it listens on.
func (p *CapturePrinter) Addr() string { return p.ln.Addr().String() }

// Jobs returns every job received so far, oldest first.
func (p *CapturePrinter) Jobs() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.jobs...)
}

// Close stops listening.
func (p *CapturePrinter) Close() {
	_ = p.ln.Close()
	p.wg.Wait()
}

func (p *CapturePrinter) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		b, _ := io.ReadAll(io.LimitReader(c, 1<<20))
		_ = c.Close()
		p.mu.Lock()
		p.jobs = append(p.jobs, string(b))
		p.mu.Unlock()
		p.log.Info("demo printer received a label", "bytes", len(b))
	}
}
