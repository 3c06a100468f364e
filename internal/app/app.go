// Package app wires a whole Laminar server together: configuration, the
// database (private cluster or DATABASE_URL), migrations, demo data and the
// HTTP server. Tests start it on port 0 exactly as `laminar serve` does.
package app

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/balance"
	"github.com/laminar-rx/laminar/internal/config"
	"github.com/laminar-rx/laminar/internal/httpapi"
	"github.com/laminar-rx/laminar/internal/live"
	"github.com/laminar-rx/laminar/internal/live/pglisten"
	"github.com/laminar-rx/laminar/internal/pgcluster"
	"github.com/laminar-rx/laminar/internal/seed"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/webui"
)

// Options change how the server starts.
type Options struct {
	// Demo seeds the demo data into an empty database.
	Demo bool
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// BeforeRestart, when set, runs after the private cluster was found
	// dead and before it is restarted (tests hold the outage open with it).
	BeforeRestart func()
}

// App is a running Laminar server.
type App struct {
	Config  config.Config
	Log     *slog.Logger
	Store   *store.Store
	API     *httpapi.API
	Live    *live.Hub
	Echo    *echo.Echo
	Cluster *pgcluster.Cluster // nil with DATABASE_URL

	listener net.Listener
	served   chan error

	dbDown         atomic.Bool
	beforeRestart  func()
	supervised     chan struct{} // closed when supervise returns
	stopSupervisor context.CancelFunc
	stopDowntime   func()
	stopJobs       context.CancelFunc
	jobsDone       chan struct{} // closed when the scheduler returns
	stopDevices    func()
	// DemoBalance and DemoPrinter are the simulated balance and the
	// capturing printer of a demo server (nil otherwise).
	DemoBalance *balance.Simulator
	DemoPrinter *CapturePrinter
	ifaces      interfaces
	// ReadyIn is the time from Start to serving.
	ReadyIn time.Duration
}

// Start opens (or starts) the database, migrates, seeds when asked and
// starts serving. Stop it with Shutdown.
func Start(ctx context.Context, cfg config.Config, log *slog.Logger, opt Options) (_ *App, err error) {
	t0 := time.Now()
	if opt.Now == nil {
		opt.Now = time.Now
	}
	a := &App{Config: cfg, Log: log, served: make(chan error, 1), beforeRestart: opt.BeforeRestart}
	defer func() {
		if err != nil {
			_ = a.stopInterfaces(context.Background())
			a.closeDB()
		}
	}()
	dsn, err := a.openDatabase(ctx, opt)
	if err != nil {
		return nil, err
	}
	if err = a.startServices(ctx, opt); err != nil {
		return nil, err
	}
	if err = a.startJobs(ctx, dsn, opt.Now); err != nil {
		return nil, err
	}
	if err = a.serve(); err != nil {
		return nil, err
	}
	a.stopDowntime = a.startDowntime(opt.Now)
	a.ReadyIn = time.Since(t0)
	return a, nil
}

// openDatabase starts the private cluster (or uses DATABASE_URL), opens
// the store, seeds the demo data when asked and warms the pool; it
// returns the database's address.
func (a *App) openDatabase(ctx context.Context, opt Options) (dsn string, err error) {
	cfg, log := a.Config, a.Log
	dsn = cfg.DatabaseURL
	if cfg.Embedded() {
		a.Cluster, err = pgcluster.Start(ctx, pgcluster.Options{Dir: cfg.PGDir(), BinDir: cfg.PGBinDir, Durable: true})
		if err != nil {
			return "", err
		}
		if from := a.Cluster.MovedFrom(); from != "" {
			log.Warn("private database started in "+a.Cluster.Dir()+" because its user cannot enter "+from+" (to keep it in the data directory, choose a LAMINAR_DATA_DIR that user can reach)", "dir", a.Cluster.Dir(), "pid", a.Cluster.PID())
		} else {
			log.Info("private database started", "dir", a.Cluster.Dir(), "pid", a.Cluster.PID())
		}
		if err = MigrateEmbedded(ctx, a.Cluster, log); err != nil {
			return "", err
		}
		dsn = a.Cluster.AppDSN(EmbeddedDB)
	}
	a.Store, err = store.Open(ctx, dsn)
	if err != nil {
		return "", err
	}
	if !cfg.Embedded() {
		if err = store.CheckSchema(ctx, a.Store.DB.DB); err != nil {
			return "", err
		}
		warnIfSuperuser(ctx, a.Store, log)
	}
	if err = a.Store.Prepare(ctx); err != nil {
		return "", err
	}
	if opt.Demo {
		seeded, serr := seed.Demo(ctx, a.Store, log, opt.Now())
		if serr != nil {
			return "", serr
		}
		if seeded {
			log.Info("demo data seeded")
		}
	}
	// Open and warm the whole pool before listening: otherwise the first
	// seconds of scans each wait for a new backend and its statements.
	a.Store.SetPool(cfg.DBPool)
	tw := time.Now()
	if err = a.Store.Warm(ctx, cfg.DBPool); err != nil {
		return "", err
	}
	log.Debug("database pool warmed", "connections", cfg.DBPool, "took", time.Since(tw))
	// Log events committed by a server that stopped before sealing them
	// are chained now, before anything new is logged.
	if left, err := audit.Seal(ctx, a.Store.DB); err != nil {
		return "", err
	} else if left > 0 {
		log.Warn("sealed log events left queued by a server that stopped", "events", left)
	}
	return dsn, nil
}

// startServices starts the live hub, the devices and the interfaces, and
// builds the JSON API and the screens over the same services; the app
// owns what it starts and stops it in Shutdown.
func (a *App) startServices(ctx context.Context, opt Options) error {
	cfg, log := a.Config, a.Log
	if err := a.startLive(ctx); err != nil {
		return err
	}
	devs, err := a.startDevices(ctx, opt.Demo)
	if err != nil {
		return err
	}
	a.API = &httpapi.API{Store: a.Store, Log: log, Config: cfg, Now: opt.Now, Live: a.Live, Devices: devs}
	a.API.Auth = newAuthenticator(a.Store, cfg, opt.Now)
	a.API.DBDown = a.DatabaseDown
	if err = a.startInterfaces(ctx, opt); err != nil {
		return err
	}
	// The screens use the same services as the JSON API.
	a.API.Pages, err = webui.New(webui.Deps{Store: a.Store, Compounding: a.API.Compounding, Competency: a.API.CompetencyService(),
		Auth: a.API.Auth, Exchange: a.API.Exchange, Devices: devs, Live: a.Live, Config: cfg, Log: log, Now: opt.Now})
	if err != nil {
		return err
	}
	a.Echo = httpapi.New(a.API)
	restarts := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "laminar_database_restarts_total", Help: "Restarts of the private database after it stopped unexpectedly.",
	})
	a.API.Registry().MustRegister(restarts)
	if a.Cluster != nil {
		sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		a.stopSupervisor, a.supervised = cancel, make(chan struct{})
		go a.supervise(sctx, restarts)
	}
	return nil
}

// serve listens on LAMINAR_ADDR and serves in the background.
func (a *App) serve() error {
	var err error
	a.listener, err = net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return fmt.Errorf("LAMINAR_ADDR %s: %w", a.Config.Addr, err)
	}
	// Timeouts: a client trickling its body, or holding an idle keep-alive
	// connection, cannot keep a connection (and its goroutine) for ever.
	// Live event streams lift their own write deadline.
	sec := a.Config.Security
	srv := &http.Server{Handler: a.Echo, ReadHeaderTimeout: min(10*time.Second, sec.ReadTimeout), ReadTimeout: sec.ReadTimeout,
		WriteTimeout: sec.WriteTimeout, IdleTimeout: sec.IdleTimeout, ErrorLog: slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn)}
	a.Echo.Server = srv
	go func() {
		err := srv.Serve(a.listener)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		a.served <- err
	}()
	return nil
}

// EmbeddedDB is the name of Laminar's database in the private cluster.
const EmbeddedDB = "laminar"

// MigrateEmbedded creates Laminar's database in the private cluster if
// needed, migrates it as the superuser and secures it: the server's own
// role (pgcluster.AppRole) owns nothing and may only read the log.
func MigrateEmbedded(ctx context.Context, c *pgcluster.Cluster, log *slog.Logger) error {
	if err := c.EnsureDatabase(ctx, EmbeddedDB); err != nil {
		return err
	}
	db, err := sql.Open("postgres", c.DSN(EmbeddedDB))
	if err != nil {
		return err
	}
	defer db.Close()
	if err := store.Migrate(ctx, db, log); err != nil {
		return err
	}
	return c.Secure(ctx, EmbeddedDB, audit.AppendOnlyTables)
}

// warnIfSuperuser says so when DATABASE_URL logs in as a superuser: it
// works, but such a role can switch off the log's protections.
func warnIfSuperuser(ctx context.Context, st *store.Store, log *slog.Logger) {
	var super bool
	if err := st.DB.QueryRowContext(ctx, `SELECT rolsuper FROM pg_roles WHERE rolname = current_user`).Scan(&super); err != nil {
		log.Warn("could not tell whether the database role is a superuser", "err", err)
		return
	}
	if super {
		log.Warn("DATABASE_URL logs in as a superuser: it works, but a superuser can disable the compounding log's triggers; give Laminar a role that owns nothing (see docs/security.md)")
	}
}

// URL is the base URL the server listens on.
func (a *App) URL() string {
	addr := a.listener.Addr().(*net.TCPAddr)
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = "localhost"
	}
	return fmt.Sprintf("http://%s", net.JoinHostPort(host, fmt.Sprint(addr.Port)))
}

// Served yields the server's exit error once it stops serving.
func (a *App) Served() <-chan error { return a.served }

// Shutdown stops accepting requests, lets running ones finish, then closes
// the database and stops the private cluster.
func (a *App) Shutdown(ctx context.Context) error {
	var errs []error
	if a.Echo != nil && a.Echo.Server != nil {
		// Closing the hub first ends the event streams, which would
		// otherwise keep the graceful shutdown waiting.
		errs = append(errs, a.closeLive(), a.Echo.Server.Shutdown(ctx))
	}
	errs = append(errs, a.stopInterfaces(ctx))
	errs = append(errs, a.closeDB())
	return errors.Join(errs...)
}

// startLive listens for preparation status changes for the live screens.
func (a *App) startLive(ctx context.Context) error {
	dsn, err := pglisten.DSN(ctx, a.Store.DB.DB, a.Store.DSN())
	if err != nil {
		return err
	}
	a.Live, err = pglisten.Start(ctx, dsn, a.Log)
	return err
}

func (a *App) closeLive() error {
	if a.Live == nil {
		return nil
	}
	err := a.Live.Close()
	a.Live = nil
	return err
}

func (a *App) closeDB() error {
	var errs []error
	errs = append(errs, a.closeLive())
	if a.stopDowntime != nil {
		a.stopDowntime()
		a.stopDowntime = nil
	}
	if a.stopJobs != nil {
		// A backup under way is cancelled; its partial file is removed.
		a.stopJobs()
		<-a.jobsDone
		a.stopJobs = nil
	}
	if a.stopDevices != nil {
		a.stopDevices()
		a.stopDevices = nil
	}
	if a.stopSupervisor != nil {
		// A restart under way is cancelled (and its server stopped)
		// before the cluster is stopped below.
		a.stopSupervisor()
		<-a.supervised
		a.stopSupervisor = nil
	}
	if a.Store != nil {
		errs = append(errs, a.Store.Close())
		a.Store = nil
	}
	if a.Cluster != nil {
		errs = append(errs, a.Cluster.Stop())
		a.Cluster = nil
	}
	return errors.Join(errs...)
}
