package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"

	"github.com/jmoiron/sqlx"

	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/config"
	"github.com/laminar-rx/laminar/internal/store"
)

// cmdAudit checks the compounding log: `laminar audit verify` recomputes
// the hash chain and exits 1, naming the first bad event, when it is broken.
func cmdAudit(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "audit", "audit verify\n\nRecomputes the compounding log's hash chain in DATABASE_URL (or the private\ndatabase) and prints {\"ok\": true, \"checked\": N}, or {\"ok\": false, \"checked\": N,\n\"first_bad_event\": {\"id\", \"reason\"}} and exits 1.")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) != 1 || rest[0] != "verify" {
		fs.Usage()
		return fmt.Errorf("audit: expected the subcommand verify")
	}
	return withDB(ctx, e, func(_ config.Config, _ *slog.Logger, db *sql.DB, _ func() (*store.Store, error)) error {
		if err := store.CheckSchema(ctx, db); err != nil {
			return err
		}
		rep, err := audit.Verify(ctx, sqlx.NewDb(db, "postgres"))
		if err != nil {
			return err
		}
		if err := writeJSON(e.stdout, rep); err != nil {
			return err
		}
		if !rep.OK {
			return &silentExit{}
		}
		return nil
	})
}
