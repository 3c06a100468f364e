package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/laminar-rx/laminar/internal/config"
	"github.com/laminar-rx/laminar/internal/downtime"
	"github.com/laminar-rx/laminar/internal/store"
)

// cmdDowntime writes the downtime report: `laminar downtime export DIR`.
func cmdDowntime(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "downtime", "downtime export DIR\n\nWrites one PDF worksheet per queued or in-progress preparation and an index\nsorted by due time into DIR/current (replacing the previous export atomically),\nfrom DATABASE_URL or the private database, whether or not serve is running.\nPrints {\"dir\", \"index\", \"preparations\", \"files\", \"exported_at\"}.")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) != 2 || rest[0] != "export" || rest[1] == "" {
		fs.Usage()
		return fmt.Errorf("downtime: expected export DIR")
	}
	return withDB(ctx, e, func(cfg config.Config, _ *slog.Logger, db *sql.DB, open func() (*store.Store, error)) error {
		if err := store.CheckSchema(ctx, db); err != nil {
			return err
		}
		st, err := open()
		if err != nil {
			return err
		}
		rep, err := downtime.Export(ctx, st, rest[1], time.Now(), cfg.Location)
		if err != nil {
			return err
		}
		return writeJSON(e.stdout, rep)
	})
}
