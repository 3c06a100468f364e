package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/backup"
)

// cmdBackup writes a backup of the database and the audit checkpoints.
func cmdBackup(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "backup", "backup FILE\n\nWrites a consistent backup of DATABASE_URL (or the private database, also while\n`laminar serve` runs on it) to FILE: a tar holding a manifest, the audit\ncheckpoint file and public key of LAMINAR_DATA_DIR when present, and a pg_dump\ncustom-format archive. The audit signing key is not included.")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("backup: expected one FILE")
	}
	cfg, _, err := loadConfig(e)
	if err != nil {
		return err
	}
	dsn, stop, err := connect(ctx, cfg)
	if err != nil {
		return err
	}
	defer stop()
	t0 := time.Now()
	m, err := backup.Create(ctx, backup.Source{DSN: dsn, Tools: backup.Tools{BinDir: cfg.PGBinDir}, DataDir: cfg.DataDir}, fs.Arg(0))
	if err != nil {
		return err
	}
	fi, err := os.Stat(fs.Arg(0))
	if err != nil {
		return err
	}
	return writeJSON(e.stdout, map[string]any{
		"file": fs.Arg(0), "bytes": fi.Size(), "took_ms": time.Since(t0).Milliseconds(),
		"schema_version": m.SchemaVersion, "audit_events": m.AuditEvents,
		"audit_key_fingerprints": m.AuditKeyFingerprints, "files": m.Files,
	})
}

// cmdRestore loads a backup into an empty database and data directory,
// then verifies the compounding log.
func cmdRestore(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "restore", "restore FILE\n\nRestores a backup written by `laminar backup` into an empty database (DATABASE_URL,\nor the private database of an empty LAMINAR_DATA_DIR) and puts its audit checkpoint\nfile and public key back into LAMINAR_DATA_DIR; then verifies the compounding log.\nStop `laminar serve` first. The audit signing key is not in a backup: copy it back\nfrom where it is kept (the manifest names its fingerprints).")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("restore: expected one FILE")
	}
	// A damaged file is refused before any database is started.
	if _, err := backup.Open(fs.Arg(0)); err != nil {
		return err
	}
	cfg, _, err := loadConfig(e)
	if err != nil {
		return err
	}
	dsn, stop, err := connect(ctx, cfg)
	if err != nil {
		return err
	}
	defer stop()
	t0 := time.Now()
	m, err := backup.Restore(ctx, backup.Target{DSN: dsn, Tools: backup.Tools{BinDir: cfg.PGBinDir}, DataDir: cfg.DataDir}, fs.Arg(0))
	if err != nil {
		return err
	}
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	// The restored checkpoints were written before the backup's snapshot:
	// the restored log must agree with every one.
	rep, err := audit.VerifyWithCheckpoints(ctx, sqlx.NewDb(db, "postgres"), cfg.CheckpointsFile(), cfg.AuditPublicKeyFile())
	if err != nil {
		return err
	}
	if err := writeJSON(e.stdout, map[string]any{
		"file": fs.Arg(0), "took_ms": time.Since(t0).Milliseconds(), "created_at": m.CreatedAt,
		"schema_version": m.SchemaVersion, "audit_key_fingerprints": m.AuditKeyFingerprints, "audit": rep,
	}); err != nil {
		return err
	}
	if !rep.OK {
		return &silentExit{}
	}
	return nil
}
