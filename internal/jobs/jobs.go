// Package jobs runs Laminar's scheduled jobs (housekeeping, backups, the
// compounding log check) in every server instance, coordinated through
// the shared PostgreSQL database so that however many instances run, each
// job runs on one of them at a time and at most once per period.
//
// Each instance checks its jobs every tick. For a job, it takes a
// session-level advisory lock keyed by the job's name without waiting
// (another instance holding it is running the job: skip); holding it, it
// looks in job_runs for a run started within the period (found: not due);
// else it records the start, runs the job and records the outcome, then
// unlocks. Because the check and the record happen under the lock, two
// starts of one job are always at least one period apart, whatever the
// instances' clocks say (the database's clock is the only one used). A
// run cut short by a crash releases the lock with its connection.
package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"
)

// Job is one scheduled task.
type Job struct {
	// Name identifies the job across instances (and keys its lock).
	Name string
	// Every is the period: runs start at least this far apart.
	Every time.Duration
	// Run does the work and returns a short description of what it did.
	Run func(ctx context.Context) (string, error)
}

// Outcome is reported after every run.
type Outcome struct {
	Job    string
	OK     bool
	Detail string
	Took   time.Duration
}

// Scheduler runs jobs against one database.
type Scheduler struct {
	// DB holds the jobs' locks, one connection per job being run: not
	// the pool the jobs themselves use, which could be too small to give
	// a job a connection while its lock holds one.
	DB       *sql.DB
	Log      *slog.Logger
	Instance string // names this instance in job_runs
	Jobs     []Job
	// Done, when set, is told about every run of this instance.
	Done func(Outcome)
}

// lockClass is the first key of the jobs' advisory locks ("LMN"), keeping
// them apart from any other advisory lock in the database.
const lockClass = 0x4c4d4e

// Tick is how often the scheduler looks for due jobs: a quarter of the
// shortest period, between 100 ms and one minute.
func (s *Scheduler) Tick() time.Duration {
	tick := time.Minute
	for _, j := range s.Jobs {
		if q := j.Every / 4; q < tick {
			tick = q
		}
	}
	return max(tick, 100*time.Millisecond)
}

// Run checks for due jobs every Tick, the first time one Tick after the
// start (the server's start-up has the database to itself), until ctx
// ends.
func (s *Scheduler) Run(ctx context.Context) {
	if len(s.Jobs) == 0 {
		return
	}
	t := time.NewTicker(s.Tick())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.RunDue(ctx)
	}
}

// RunDue runs, one after the other, every job that is due and that no
// other instance is running.
func (s *Scheduler) RunDue(ctx context.Context) {
	for _, j := range s.Jobs {
		if ctx.Err() != nil {
			return
		}
		if _, err := s.try(ctx, j); err != nil && ctx.Err() == nil {
			s.Log.Warn("scheduled job: could not check whether it is due", "job", j.Name, "err", err)
		}
	}
}

// try runs j if it is due and unlocked; it reports whether it ran.
func (s *Scheduler) try(ctx context.Context, j Job) (bool, error) {
	conn, err := s.DB.Conn(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	var locked bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1, hashtext($2))`, lockClass, j.Name).Scan(&locked); err != nil {
		return false, err
	}
	if !locked {
		return false, nil
	}
	defer func() {
		// A connection that broke released the lock already.
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1, hashtext($2))`, lockClass, j.Name)
	}()
	var runID int64
	err = conn.QueryRowContext(ctx, `INSERT INTO job_runs (job, instance, started_at)
		SELECT $1, $2, clock_timestamp()
		WHERE NOT EXISTS (SELECT 1 FROM job_runs WHERE job = $1
			AND started_at > clock_timestamp() - make_interval(secs => $3))
		RETURNING id`, j.Name, s.Instance, j.Every.Seconds()).Scan(&runID)
	if err == sql.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	t0 := time.Now()
	detail, runErr := safeRun(ctx, j)
	out := Outcome{Job: j.Name, OK: runErr == nil, Detail: detail, Took: time.Since(t0)}
	if runErr != nil {
		out.Detail = runErr.Error()
		s.Log.Error("scheduled job failed", "job", j.Name, "err", runErr, "took", out.Took)
	} else {
		s.Log.Info("scheduled job done", "job", j.Name, "detail", detail, "took", out.Took)
	}
	if _, err := conn.ExecContext(context.WithoutCancel(ctx), `UPDATE job_runs SET finished_at = clock_timestamp(), ok = $2, detail = $3 WHERE id = $1`,
		runID, out.OK, out.Detail); err != nil {
		s.Log.Warn("scheduled job: could not record its end", "job", j.Name, "err", err)
	}
	if s.Done != nil {
		s.Done(out)
	}
	return true, nil
}

// safeRun turns a panicking job into a failed run.
func safeRun(ctx context.Context, j Job) (detail string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return j.Run(ctx)
}
