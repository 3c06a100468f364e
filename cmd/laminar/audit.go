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

// cmdAudit checks and anchors the compounding log: `laminar audit verify`
// recomputes the hash chain, checks it against every signed checkpoint and
// exits 1 naming the first contradiction; `laminar audit checkpoint` signs
// the log's current head and appends it to the checkpoint file.
func cmdAudit(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "audit", "audit verify | audit checkpoint\n\n"+
		"verify: recomputes the compounding log's hash chain in DATABASE_URL (or the private\n"+
		"database), checks it against every signed checkpoint in LAMINAR_DATA_DIR, and prints\n"+
		"{\"ok\": true, \"checked\": N, \"checkpoints\": M}, or {\"ok\": false, ..., \"first_bad_event\":\n"+
		"{\"id\", \"reason\", \"checkpoint\"}} and exits 1.\n"+
		"checkpoint: signs the log's last event (id, hash, time, count) with LAMINAR_AUDIT_KEY\n"+
		"(created, mode 0600, when missing) and appends it to audit-checkpoints.jsonl.")
	pub := fs.String("public-key", "", "verify: check the checkpoints with the public key(s) in this file instead of the data directory's audit.pub (one kept elsewhere)")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) != 1 || (rest[0] != "verify" && rest[0] != "checkpoint") {
		fs.Usage()
		return fmt.Errorf("audit: expected the subcommand verify or checkpoint")
	}
	return withDB(ctx, e, func(cfg config.Config, _ *slog.Logger, db *sql.DB, _ func() (*store.Store, error)) error {
		if err := store.CheckSchema(ctx, db); err != nil {
			return err
		}
		x := sqlx.NewDb(db, "postgres")
		if rest[0] == "checkpoint" {
			key, err := audit.LoadOrCreateKey(cfg.Security.AuditKey, cfg.AuditPublicKeyFile())
			if err != nil {
				return err
			}
			c, err := audit.TakeCheckpoint(ctx, x, key, cfg.CheckpointsFile(), false)
			if err != nil {
				return err
			}
			return writeJSON(e.stdout, c)
		}
		pubFile := cfg.AuditPublicKeyFile()
		if *pub != "" {
			pubFile = *pub
		}
		rep, err := audit.VerifyWithCheckpoints(ctx, x, cfg.CheckpointsFile(), pubFile)
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
