-- +goose Up
-- Scheduled jobs (housekeeping, backups, the log check) run in every
-- server instance's scheduler, but only one instance runs each job at a
-- time (a PostgreSQL advisory lock) and at most once per period: the
-- instance holding the lock starts a run only when this table shows no run
-- of that job started within the period. Runs older than 30 days are
-- removed by housekeeping. No lock beyond a new empty table: safe while
-- older instances serve.
CREATE TABLE job_runs (
    id           bigserial   PRIMARY KEY,
    job          text        NOT NULL CHECK (job <> ''),
    instance     text        NOT NULL,
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz NULL,
    ok           boolean     NULL,
    detail       text        NOT NULL DEFAULT ''
);
CREATE INDEX job_runs_job_started ON job_runs (job, started_at DESC);

-- +goose Down
DROP TABLE job_runs;
