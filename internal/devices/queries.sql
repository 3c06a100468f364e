-- The devices' SQL, one named block per statement.

-- name: balance-insert
INSERT INTO balances (name, address, dialect, readability_g, hood, simulated, active, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING id, name, address, dialect, readability_g, hood, simulated, active, created_at;

-- name: balance-update
UPDATE balances SET name = $2, address = $3, dialect = $4, readability_g = $5, hood = $6,
       simulated = $7, active = $8, updated_at = now()
WHERE id = $1
RETURNING id, name, address, dialect, readability_g, hood, simulated, active, created_at;

-- name: balance-get
SELECT id, name, address, dialect, readability_g, hood, simulated, active, created_at
FROM balances WHERE id = $1;

-- name: balance-list
SELECT id, name, address, dialect, readability_g, hood, simulated, active, created_at
FROM balances ORDER BY active DESC, lower(name);

-- name: balance-of-hood
SELECT id, name, address, dialect, readability_g, hood, simulated, active, created_at
FROM balances WHERE hood = $1 AND active;

-- name: printer-insert
INSERT INTO label_printers (name, address, width_mm, height_mm, dpi, hood, active, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING id, name, address, width_mm, height_mm, dpi, hood, active, created_at;

-- name: printer-update
UPDATE label_printers SET name = $2, address = $3, width_mm = $4, height_mm = $5, dpi = $6,
       hood = $7, active = $8, updated_at = now()
WHERE id = $1
RETURNING id, name, address, width_mm, height_mm, dpi, hood, active, created_at;

-- name: printer-get
SELECT id, name, address, width_mm, height_mm, dpi, hood, active, created_at
FROM label_printers WHERE id = $1;

-- name: printer-list
SELECT id, name, address, width_mm, height_mm, dpi, hood, active, created_at
FROM label_printers ORDER BY active DESC, lower(name);

-- name: printer-of-hood
SELECT id, name, address, width_mm, height_mm, dpi, hood, active, created_at
FROM label_printers WHERE hood = $1 AND active ORDER BY id LIMIT 1;

-- name: tare-insert
INSERT INTO balance_tares (balance_id, preparation_id, step_id, user_id, raw, at)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING id;

-- name: tare-since-last-weight
-- The newest tare of a step on a balance taken after the step's last weight.
SELECT t.id FROM balance_tares t
WHERE t.preparation_id = $1 AND t.step_id = $2 AND t.balance_id = $3
  AND t.at > COALESCE((SELECT max(w.at) FROM weights w WHERE w.preparation_id = $1 AND w.step_id = $2), '-infinity')
ORDER BY t.at DESC LIMIT 1;

-- name: tablet-bind
INSERT INTO tablet_hoods (session_id, hood, bound_at) VALUES ($1, $2, $3)
ON CONFLICT (session_id) DO UPDATE SET hood = EXCLUDED.hood, bound_at = EXCLUDED.bound_at;

-- name: tablet-hood
SELECT hood FROM tablet_hoods WHERE session_id = $1;

-- name: job-insert
INSERT INTO print_jobs (printer_id, preparation_id, label_seq, label_data, zpl, max_attempts,
                        next_attempt_at, requested_by, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $7)
RETURNING id;

-- name: job-get
SELECT j.id, j.printer_id, p.name AS printer_name, j.preparation_id, j.label_seq, j.label_data, j.status,
       j.attempts, j.max_attempts, j.next_attempt_at, j.last_error, j.requested_by, j.created_at, j.printed_at
FROM print_jobs j JOIN label_printers p ON p.id = j.printer_id
WHERE j.id = $1;

-- name: job-list
SELECT j.id, j.printer_id, p.name AS printer_name, j.preparation_id, j.label_seq, j.label_data, j.status,
       j.attempts, j.max_attempts, j.next_attempt_at, j.last_error, j.requested_by, j.created_at, j.printed_at
FROM print_jobs j JOIN label_printers p ON p.id = j.printer_id
WHERE ($1::bigint = 0 OR j.preparation_id = $1) AND ($2::text = '' OR j.status = $2)
ORDER BY j.id DESC LIMIT 200;

-- name: job-claim-due
-- The oldest due job, locked so that another instance takes the next one.
SELECT j.id, j.zpl, p.address, j.attempts, j.max_attempts, j.preparation_id, j.label_seq, j.label_data, j.requested_by
FROM print_jobs j JOIN label_printers p ON p.id = j.printer_id
WHERE j.status = 'queued' AND j.next_attempt_at <= $1
ORDER BY j.next_attempt_at, j.id
LIMIT 1 FOR UPDATE OF j SKIP LOCKED;

-- name: job-printed
UPDATE print_jobs SET status = 'printed', attempts = attempts + 1, printed_at = $2, last_error = ''
WHERE id = $1;

-- name: job-retry-later
UPDATE print_jobs SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3
WHERE id = $1;

-- name: job-failed
UPDATE print_jobs SET status = 'failed', attempts = attempts + 1, last_error = $2
WHERE id = $1;

-- name: job-requeue
UPDATE print_jobs SET status = 'queued', attempts = 0, next_attempt_at = $2, last_error = ''
WHERE id = $1 AND status = 'failed'
RETURNING preparation_id, label_seq;

-- name: job-label-printed
-- Whether a label of a preparation went to a printer and how it ended:
-- 'printed' when any job of it printed, else the newest job's status.
SELECT COALESCE(
  (SELECT 'printed' FROM print_jobs WHERE preparation_id = $1 AND label_seq = $2 AND status = 'printed' LIMIT 1),
  (SELECT status FROM print_jobs WHERE preparation_id = $1 AND label_seq = $2 ORDER BY id DESC LIMIT 1),
  '');

-- name: hoods
SELECT hood FROM balances WHERE active AND hood <> ''
UNION
SELECT hood FROM label_printers WHERE active AND hood <> ''
ORDER BY 1;

-- name: job-next-due
SELECT min(next_attempt_at) FROM print_jobs WHERE status = 'queued';
