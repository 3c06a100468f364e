-- +goose Up
-- The first answer to an idempotent request is kept as the service's typed
-- outcome (the result as JSON, and the refusal committed with it, if any)
-- rather than as rendered HTTP; the transport renders a replay exactly as it
-- rendered the first answer. A key guards retries of one request within
-- seconds, not across an upgrade, so answers kept by an older version are
-- dropped.
DELETE FROM idempotency_keys;
ALTER TABLE idempotency_keys
    DROP COLUMN status,
    DROP COLUMN body,
    DROP COLUMN content_type,
    ADD COLUMN result bytea,
    ADD COLUMN refusal bytea;

-- +goose Down
DELETE FROM idempotency_keys;
ALTER TABLE idempotency_keys
    DROP COLUMN result,
    DROP COLUMN refusal,
    ADD COLUMN status integer NOT NULL DEFAULT 0,
    ADD COLUMN body bytea,
    ADD COLUMN content_type text NOT NULL DEFAULT 'application/json';
