-- name: hk-sessions
-- Sessions ended or idle since before $1 (well past every idle timeout).
DELETE FROM sessions WHERE coalesce(ended_at, last_seen) < $1;

-- name: hk-throttle
-- Failed-login counters whose window began before $1 and that lock nothing now ($2).
DELETE FROM login_throttle WHERE window_start < $1 AND (locked_until IS NULL OR locked_until < $2);

-- name: hk-idempotency
-- Stored answers to retried requests, older than $1.
DELETE FROM idempotency_keys WHERE created_at < $1;

-- name: hk-photos
-- Photos taken before $1 of preparations that are closed (released,
-- rejected or cancelled). The compounding log keeps each photo's SHA-256.
DELETE FROM photos ph USING preparations p
WHERE ph.preparation_id = p.id AND ph.at < $1 AND p.status IN ('released', 'rejected', 'cancelled');

-- name: hk-job-runs
DELETE FROM job_runs WHERE started_at < $1;
