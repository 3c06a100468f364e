-- +goose Up
-- A high-alert preparation where the site requires an independent double
-- check waits in awaiting_second_check after its first approval, until a
-- second pharmacist (not the first, and nobody who made it) approves it.
ALTER TABLE preparations DROP CONSTRAINT preparations_status_check;
ALTER TABLE preparations ADD CONSTRAINT preparations_status_check CHECK (status IN
    ('needs_pharmacist_override', 'queued', 'in_progress', 'completed', 'awaiting_second_check',
     'verified', 'released', 'rejected', 'cancelled'));
DROP INDEX preparations_open;
CREATE INDEX preparations_open ON preparations (status)
    WHERE status IN ('needs_pharmacist_override', 'queued', 'in_progress', 'completed', 'awaiting_second_check', 'verified');

-- +goose Down
UPDATE preparations SET status = 'completed' WHERE status = 'awaiting_second_check';
ALTER TABLE preparations DROP CONSTRAINT preparations_status_check;
ALTER TABLE preparations ADD CONSTRAINT preparations_status_check CHECK (status IN
    ('needs_pharmacist_override', 'queued', 'in_progress', 'completed', 'verified', 'released', 'rejected', 'cancelled'));
DROP INDEX preparations_open;
CREATE INDEX preparations_open ON preparations (status)
    WHERE status IN ('needs_pharmacist_override', 'queued', 'in_progress', 'completed', 'verified');
