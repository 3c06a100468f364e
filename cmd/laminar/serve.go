package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/laminar-rx/laminar/internal/app"
	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/config"
	"github.com/laminar-rx/laminar/internal/pgcluster"
	"github.com/laminar-rx/laminar/internal/seed"
	"github.com/laminar-rx/laminar/internal/store"
)

func newFlags(e env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: laminar %s\n\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags treats -h as success (help printed), not as an error.
func parseFlags(fs *flag.FlagSet, args []string) (help bool, err error) {
	err = fs.Parse(args)
	if err == flag.ErrHelp {
		return true, nil
	}
	return false, err
}

func loadConfig(e env) (config.Config, *slog.Logger, error) {
	cfg, err := config.Load(e.getenv)
	if err != nil {
		return cfg, nil, fmt.Errorf("configuration:\n  %s", strings.ReplaceAll(err.Error(), "\n", "\n  "))
	}
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	return cfg, log, nil
}

func cmdServe(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "serve", "serve [--demo]\n\nEnvironment: DATABASE_URL, LAMINAR_ADDR, LAMINAR_DATA_DIR, LAMINAR_TZ, LAMINAR_LOG_LEVEL,\nLAMINAR_BODY_LIMIT, LAMINAR_SESSION_IDLE, LAMINAR_TABLET_IDLE, LAMINAR_PG_BIN.")
	demo := fs.Bool("demo", false, "seed the demo users, formulary, recipes and orders into an empty database")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	cfg, log, err := loadConfig(e)
	if err != nil {
		return err
	}
	for _, l := range cfg.Masked() {
		log.Info("config", "setting", l)
	}
	a, err := app.Start(ctx, cfg, log, app.Options{Demo: *demo})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\nLaminar is ready on %s (started in %s)\n", a.URL(), a.ReadyIn.Round(time.Millisecond))
	if *demo {
		fmt.Fprintln(e.stdout, "Demo logins:")
		for _, l := range seed.DemoLogins {
			fmt.Fprintln(e.stdout, "  "+l)
		}
	}
	fmt.Fprintln(e.stdout, "Press Ctrl-C to stop.")
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-a.Served():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := a.Shutdown(sctx); err != nil {
		return err
	}
	log.Info("stopped")
	return serveErr
}

// withDB opens the configured database (starting the private cluster when
// there is no DATABASE_URL) for a one-off command.
func withDB(ctx context.Context, e env, fn func(cfg config.Config, log *slog.Logger, db *sql.DB, st func() (*store.Store, error)) error) error {
	cfg, log, err := loadConfig(e)
	if err != nil {
		return err
	}
	dsn, stop, err := connect(ctx, cfg)
	if err != nil {
		return err
	}
	defer stop()
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		return fmt.Errorf("connect to database: %w", err)
	}
	var opened *store.Store
	defer func() {
		if opened != nil {
			opened.Close()
		}
	}()
	return fn(cfg, log, db, func() (*store.Store, error) {
		var err error
		opened, err = store.Open(ctx, dsn)
		return opened, err
	})
}

// connect returns the connection string of the configured database: with
// no DATABASE_URL, the private cluster's, using the server that `serve`
// runs on the data directory or else starting one, which stop stops.
func connect(ctx context.Context, cfg config.Config) (dsn string, stop func(), err error) {
	if !cfg.Embedded() {
		return cfg.DatabaseURL, func() {}, nil
	}
	c, err := pgcluster.StartOrAttach(ctx, pgcluster.Options{Dir: cfg.PGDir(), BinDir: cfg.PGBinDir, Durable: true})
	if err != nil {
		return "", nil, err
	}
	if err := c.EnsureDatabase(ctx, app.EmbeddedDB); err != nil {
		_ = c.Stop()
		return "", nil, err
	}
	// One-off commands connect as the superuser (whoever can start the
	// cluster can read its passwords). Whatever they created (a migration's
	// tables, a restore's) is handed to the owner role before they end, as
	// serve does on every start, so the server's own role never owns it.
	stop = func() {
		_ = c.Secure(context.Background(), app.EmbeddedDB, audit.AppendOnlyTables)
		_ = c.Stop()
	}
	return c.DSN(app.EmbeddedDB), stop, nil
}

func cmdMigrate(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "migrate", "migrate\n\nApplies every pending migration to DATABASE_URL (or the private database).")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	return withDB(ctx, e, func(_ config.Config, log *slog.Logger, db *sql.DB, _ func() (*store.Store, error)) error {
		if err := store.Migrate(ctx, db, log); err != nil {
			return err
		}
		cur, _, err := store.SchemaVersion(ctx, db)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "schema at version %d\n", cur)
		return nil
	})
}

func cmdSeed(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "seed", "seed --demo\n\nLoads the demo data into a migrated database, once.")
	demo := fs.Bool("demo", false, "seed the demo data (required: nothing else is seeded)")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if !*demo {
		return fmt.Errorf("nothing to seed: pass --demo to load the demo data")
	}
	return withDB(ctx, e, func(_ config.Config, log *slog.Logger, db *sql.DB, open func() (*store.Store, error)) error {
		if err := store.CheckSchema(ctx, db); err != nil {
			return err
		}
		st, err := open()
		if err != nil {
			return err
		}
		seeded, err := seed.Demo(ctx, st, log, time.Now())
		if err != nil {
			return err
		}
		if seeded {
			fmt.Fprintln(e.stdout, "demo data seeded")
		} else {
			fmt.Fprintln(e.stdout, "demo data already present; nothing done")
		}
		return nil
	})
}

var _ = io.Discard
