package app

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/backup"
	"github.com/laminar-rx/laminar/internal/config"
	"github.com/laminar-rx/laminar/internal/jobs"
	"github.com/laminar-rx/laminar/internal/store"
)

// Job names, as recorded in job_runs.
const (
	JobHousekeeping = "housekeeping"
	JobBackup       = "backup"
	JobAuditVerify  = "audit-verify"
	JobCheckpoint   = "audit-checkpoint"
)

// jobRetention is how long job_runs rows are kept.
const jobRetention = 30 * 24 * time.Hour

// scheduledJobs are the jobs of this server's configuration.
func (a *App) scheduledJobs(now func() time.Time, chainOK *prometheus.GaugeVec) []jobs.Job {
	ops := a.Config.Operations
	list := []jobs.Job{
		{Name: JobHousekeeping, Every: ops.HousekeepingEvery, Run: func(ctx context.Context) (string, error) {
			return a.Housekeep(ctx, now())
		}},
		{Name: JobAuditVerify, Every: ops.AuditVerifyEvery, Run: func(ctx context.Context) (string, error) {
			// Events a stopped server committed but never sealed are
			// chained first, so that the check covers them.
			left, err := audit.Seal(ctx, a.Store.DB)
			if err != nil {
				return "", err
			}
			rep, err := audit.VerifyWithCheckpoints(ctx, a.Store.DB, a.Config.CheckpointsFile(), a.Config.AuditPublicKeyFile())
			if err != nil {
				return "", err
			}
			if !rep.OK {
				chainOK.WithLabelValues().Set(0)
				return "", fmt.Errorf("the compounding log does not verify: event %d: %s", rep.FirstBad.ID, rep.FirstBad.Reason)
			}
			chainOK.WithLabelValues().Set(1)
			if left > 0 {
				return fmt.Sprintf("%d events verified (%d left queued by a stopped server sealed first)", rep.Checked, left), nil
			}
			return fmt.Sprintf("%d events verified", rep.Checked), nil
		}},
	}
	if every := a.Config.Security.CheckpointEvery; every > 0 {
		list = append(list, jobs.Job{Name: JobCheckpoint, Every: every, Run: a.checkpoint})
	}
	if ops.BackupDir != "" {
		list = append(list, jobs.Job{Name: JobBackup, Every: ops.BackupEvery, Run: a.scheduledBackup})
	}
	return list
}

// Housekeep removes what has expired as of now and says how many rows of
// each kind; the compounding log is never touched.
func (a *App) Housekeep(ctx context.Context, now time.Time) (string, error) {
	idle := max(a.Config.SessionIdle, a.Config.TabletIdle)
	h := store.Housekeeping{
		Now: now,
		// A day past the longest idle timeout: every such session is dead.
		SessionsBefore:    now.Add(-idle - 24*time.Hour),
		ThrottleBefore:    now.Add(-24 * time.Hour),
		IdempotencyBefore: now.Add(-config.IdempotencyKeep),
		JobRunsBefore:     now.Add(-jobRetention),
	}
	if r := a.Config.Operations.PhotoRetention; r > 0 {
		h.PhotosBefore = now.Add(-r)
	}
	n, err := a.Store.Housekeep(ctx, h)
	if err != nil {
		return "", err
	}
	keys := make([]string, 0, len(n))
	for k := range n {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, n[k]))
	}
	return "removed " + strings.Join(parts, ", "), nil
}

// checkpoint signs the log's head into the checkpoint file when the log
// has moved since the last one (creating the key on first use).
func (a *App) checkpoint(ctx context.Context) (string, error) {
	key, err := audit.LoadOrCreateKey(a.Config.Security.AuditKey, a.Config.AuditPublicKeyFile())
	if err != nil {
		return "", err
	}
	c, err := audit.TakeCheckpoint(ctx, a.Store.DB, key, a.Config.CheckpointsFile(), true)
	if err != nil {
		return "", err
	}
	if c.SignedAt.IsZero() {
		return "the log has not moved since the last checkpoint", nil
	}
	return fmt.Sprintf("signed event %d (%d events)", c.LastID, c.Events), nil
}

// scheduledBackup writes laminar-<UTC time>.backup into the backup
// directory and removes the oldest beyond the number to keep.
func (a *App) scheduledBackup(ctx context.Context) (string, error) {
	ops := a.Config.Operations
	dsn := a.Config.DatabaseURL
	bin := a.Config.PGBinDir
	if a.Cluster != nil {
		dsn, bin = a.Cluster.DSN(EmbeddedDB), a.Cluster.BinDir()
	}
	name := filepath.Join(ops.BackupDir, "laminar-"+time.Now().UTC().Format("20060102T150405Z")+".backup")
	m, err := backup.Create(ctx, backup.Source{DSN: dsn, Tools: backup.Tools{BinDir: bin}, DataDir: a.Config.DataDir}, name)
	if err != nil {
		return "", err
	}
	removed, err := pruneBackups(ops.BackupDir, ops.BackupKeep)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s (%d log events); removed %d old", filepath.Base(name), m.AuditEvents, removed), nil
}

// pruneBackups keeps the newest keep scheduled backups in dir (their names
// sort by time) and removes the others.
func pruneBackups(dir string, keep int) (int, error) {
	matches, err := filepath.Glob(filepath.Join(dir, "laminar-*.backup"))
	if err != nil {
		return 0, err
	}
	sort.Strings(matches)
	removed := 0
	for len(matches) > keep {
		if err := os.Remove(matches[0]); err != nil {
			return removed, err
		}
		matches = matches[1:]
		removed++
	}
	return removed, nil
}

// startJobs runs the scheduler until Shutdown and wires its metrics. The
// scheduler's locks use their own connection to dsn.
func (a *App) startJobs(ctx context.Context, dsn string, now func() time.Time) error {
	reg := a.API.Registry()
	runs := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "laminar_job_runs_total", Help: "Scheduled job runs by this instance, by job and result (ok, failed).",
	}, []string{"job", "result"})
	lastOK := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "laminar_job_last_success_timestamp_seconds", Help: "When a scheduled job last succeeded on this instance (Unix time).",
	}, []string{"job"})
	chainOK := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "laminar_audit_chain_ok", Help: "1 when this instance's last check of the compounding log's chain passed, 0 when it failed; absent before its first check.",
	}, nil)
	dbUp := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "laminar_database_up", Help: "1 when the database answers a ping within a second.",
	}, func() float64 {
		if a.dbDown.Load() {
			return 0
		}
		pctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if a.Store.DB.PingContext(pctx) != nil {
			return 0
		}
		return 1
	})
	reg.MustRegister(runs, lastOK, chainOK, dbUp, outboxCollector{db: a.Store.DB.DB})
	lockDB, err := sql.Open("postgres", dsn)
	if err != nil {
		return err
	}
	lockDB.SetMaxOpenConns(1)
	host, _ := os.Hostname()
	s := &jobs.Scheduler{
		DB: lockDB, Log: a.Log, Instance: fmt.Sprintf("%s:%d", host, os.Getpid()),
		Jobs: a.scheduledJobs(now, chainOK),
		Done: func(o jobs.Outcome) {
			result := "ok"
			if !o.OK {
				result = "failed"
			} else {
				lastOK.WithLabelValues(o.Job).SetToCurrentTime()
			}
			runs.WithLabelValues(o.Job, result).Inc()
		},
	}
	jctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	a.stopJobs, a.jobsDone = cancel, make(chan struct{})
	go func() {
		defer close(a.jobsDone)
		defer lockDB.Close()
		s.Run(jctx)
	}()
	return nil
}
