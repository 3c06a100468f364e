package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/laminar-rx/laminar/internal/apikey"
	"github.com/laminar-rx/laminar/internal/compounding"
	"github.com/laminar-rx/laminar/internal/exchange"
	"github.com/laminar-rx/laminar/internal/mllp"
)

// interfaces are the parts of a server that talk to the hospital's
// systems: the exchange service, the MLLP listener and the outbox sender.
type interfaces struct {
	exchange *exchange.Service
	mllp     *mllp.Server
	mllpLn   net.Listener
	stop     context.CancelFunc
	wg       sync.WaitGroup
}

// startInterfaces builds the exchange service, finishes any message stored
// but not applied before the last stop, then starts the MLLP listener
// (LAMINAR_MLLP_ADDR) and the outbox sender (LAMINAR_MLLP_OUT).
func (a *App) startInterfaces(ctx context.Context, opt Options) error {
	cfg := a.Config
	if a.API.Compounding == nil {
		a.API.Compounding = compounding.New(a.Store, cfg.Location)
	}
	ex := exchange.New(a.Store, exchange.Book{Svc: a.API.Compounding, St: a.Store},
		exchange.Options{Location: cfg.Location, Now: opt.Now, Log: a.Log, Outbound: cfg.MLLPOut})
	a.ifaces.exchange = ex
	// A release or waste writes its dispense message in its own transaction.
	a.API.Compounding.OnClose(ex.EnqueueDispense)
	a.API.Exchange = ex
	a.API.APIKeys = apikey.New(a.Store, opt.Now)
	if n, err := ex.Recover(ctx); err != nil {
		return fmt.Errorf("finish interface messages received before the last stop: %w", err)
	} else if n > 0 {
		a.Log.Info("interface messages received before the last stop applied", "count", n)
	}
	bg, stop := context.WithCancel(context.Background())
	a.ifaces.stop = stop
	if cfg.MLLPOut != "" {
		a.ifaces.wg.Add(1)
		go func() { defer a.ifaces.wg.Done(); ex.RunOutbox(bg, time.Second) }()
	}
	if cfg.MLLPAddr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", cfg.MLLPAddr)
	if err != nil {
		return fmt.Errorf("LAMINAR_MLLP_ADDR %s: %w", cfg.MLLPAddr, err)
	}
	a.ifaces.mllpLn = ln
	a.ifaces.mllp = &mllp.Server{Handler: ex, Log: a.Log}
	a.ifaces.wg.Add(1)
	go func() {
		defer a.ifaces.wg.Done()
		if err := a.ifaces.mllp.Serve(ln); err != nil {
			a.Log.Error("mllp listener stopped", "err", err)
		}
	}()
	a.Log.Info("mllp listener started", "addr", ln.Addr().String())
	return nil
}

// MLLPAddr is the address the MLLP listener listens on ("" when off).
func (a *App) MLLPAddr() string {
	if a.ifaces.mllpLn == nil {
		return ""
	}
	return a.ifaces.mllpLn.Addr().String()
}

// Exchange is the interface service.
func (a *App) Exchange() *exchange.Service { return a.ifaces.exchange }

// stopInterfaces stops the listener (answering the messages in progress)
// and the outbox sender.
func (a *App) stopInterfaces(ctx context.Context) error {
	var errs []error
	if a.ifaces.mllp != nil {
		errs = append(errs, a.ifaces.mllp.Shutdown(ctx))
	}
	if a.ifaces.stop != nil {
		a.ifaces.stop()
	}
	a.ifaces.wg.Wait()
	return errors.Join(errs...)
}
